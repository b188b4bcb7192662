//! Key generation and argon2 hashing of private keys.

use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use argon2::{Algorithm, Argon2, Params, Version};
use rand::RngCore;

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

pub fn hash_secret(secret: &str, cost: Argon2Cost) -> Result<String, String> {
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
    let Ok(parsed) = PasswordHash::new(stored_hash) else {
        return false;
    };
    Argon2::default()
        .verify_password(secret.as_bytes(), &parsed)
        .is_ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    const CHEAP: Argon2Cost = Argon2Cost {
        memory_kib: 64,
        iterations: 1,
    };

    #[test]
    fn only_the_right_secret_verifies() {
        let hash = hash_secret("s3cret", CHEAP).unwrap();
        assert!(!hash.contains("s3cret"));
        assert!(verify_secret("s3cret", &hash));
        assert!(!verify_secret("s3cret!", &hash));
        assert!(!verify_secret("s3cret", "not a hash"));
    }

    #[test]
    fn random_hex_has_the_requested_length_and_varies() {
        assert_eq!(random_hex(16).len(), 32);
        assert_ne!(random_hex(16), random_hex(16));
    }
}
