//! Key generation and the hashing of private keys: SHA-256 by default, argon2id on request, and
//! either kind checked whatever the setting is now.

use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use argon2::{Algorithm, Argon2, Params, Version};
use rand::RngCore;
use sha2::{Digest, Sha256};

/// Marks a stored SHA-256 key hash; argon2 hashes are PHC strings starting `$argon2`.
const SHA256_PREFIX: &str = "$sha256$";

/// How new private keys are hashed (`keys.hash`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum KeyHash {
    /// Enough for keys of 256 random bits, which no dictionary or brute force can reach.
    Sha256,
    Argon2id(Argon2Cost),
}

/// argon2id cost. The default follows OWASP's minimum; tests turn it down to stay fast.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Argon2Cost {
    pub memory_kib: u32,
    pub iterations: u32,
}

impl Default for Argon2Cost {
    fn default() -> Self {
        Self {
            memory_kib: 19_456,
            iterations: 2,
        }
    }
}

pub fn random_hex(bytes: usize) -> String {
    let mut buffer = vec![0u8; bytes];
    rand::rng().fill_bytes(&mut buffer);
    hex::encode(buffer)
}

pub fn hash_secret(secret: &str, how: KeyHash) -> Result<String, String> {
    match how {
        KeyHash::Sha256 => Ok(format!("{SHA256_PREFIX}{}", sha256_hex(secret))),
        KeyHash::Argon2id(cost) => argon2_hash(secret, cost),
    }
}

fn sha256_hex(secret: &str) -> String {
    hex::encode(Sha256::digest(secret.as_bytes()))
}

fn argon2_hash(secret: &str, cost: Argon2Cost) -> Result<String, String> {
    let params = Params::new(cost.memory_kib, cost.iterations, 1, None)
        .map_err(|e| format!("invalid argon2 cost: {e}"))?;
    let hasher = Argon2::new(Algorithm::Argon2id, Version::V0x13, params);
    let mut salt = [0u8; 16];
    rand::rng().fill_bytes(&mut salt);
    let salt = SaltString::encode_b64(&salt).map_err(|e| e.to_string())?;
    hasher
        .hash_password(secret.as_bytes(), &salt)
        .map(|hash| hash.to_string())
        .map_err(|e| format!("hashing failed: {e}"))
}

/// Verifies with the parameters stored in the hash, so changing the cost never locks old tokens out.
pub fn verify_secret(secret: &str, stored_hash: &str) -> bool {
    if let Some(stored_digest) = stored_hash.strip_prefix(SHA256_PREFIX) {
        return same_bytes(sha256_hex(secret).as_bytes(), stored_digest.as_bytes());
    }
    let Ok(parsed) = PasswordHash::new(stored_hash) else {
        return false;
    };
    Argon2::default()
        .verify_password(secret.as_bytes(), &parsed)
        .is_ok()
}

/// Whether checking against `stored_hash` takes real time, so it belongs on a bounded pool.
pub fn is_slow_hash(stored_hash: &str) -> bool {
    !stored_hash.starts_with(SHA256_PREFIX)
}

/// Compares without stopping at the first difference, so timing tells nothing about the digest.
fn same_bytes(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |diff, (x, y)| diff | (x ^ y)) == 0
}

#[cfg(test)]
mod tests {
    use super::*;

    const CHEAP: KeyHash = KeyHash::Argon2id(Argon2Cost {
        memory_kib: 64,
        iterations: 1,
    });

    #[test]
    fn only_the_right_secret_verifies_with_either_hash() {
        for how in [KeyHash::Sha256, CHEAP] {
            let hash = hash_secret("s3cret", how).unwrap();
            assert!(!hash.contains("s3cret"));
            assert!(verify_secret("s3cret", &hash), "{how:?}");
            assert!(!verify_secret("s3cret!", &hash), "{how:?}");
            assert!(!verify_secret("", &hash), "{how:?}");
        }
        assert!(!verify_secret("s3cret", "not a hash"));
        assert!(!verify_secret("s3cret", SHA256_PREFIX));
    }

    #[test]
    fn a_sha256_hash_is_the_digest_of_the_key_and_only_argon2_is_slow() {
        let hash = hash_secret("abc", KeyHash::Sha256).unwrap();
        assert_eq!(
            hash,
            "$sha256$ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
        assert!(!is_slow_hash(&hash));
        assert!(is_slow_hash(&hash_secret("abc", CHEAP).unwrap()));
    }

    #[test]
    fn a_sha256_hash_with_a_wrong_length_never_matches() {
        let hash = hash_secret("abc", KeyHash::Sha256).unwrap();
        assert!(!verify_secret("abc", &hash[..hash.len() - 1]));
        assert!(!verify_secret("abc", &format!("{hash}0")));
    }

    #[test]
    fn random_hex_has_the_requested_length_and_varies() {
        assert_eq!(random_hex(16).len(), 32);
        assert_ne!(random_hex(16), random_hex(16));
    }
}
