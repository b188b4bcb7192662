//! `[storage]`: where release archives live, on this disk (the default) or in an S3-compatible
//! object store. The secret key is kept in a type that never prints it.

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct StorageConfig {
    pub backend: Backend,
    /// Read only when `backend = "s3"`.
    pub s3: S3Config,
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Backend {
    #[default]
    Local,
    S3,
}

impl Backend {
    pub fn name(self) -> &'static str {
        match self {
            Backend::Local => "local",
            Backend::S3 => "s3",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct S3Config {
    /// `https://s3.example.net` or `http://127.0.0.1:3900`; empty means AWS itself.
    pub endpoint: String,
    pub region: String,
    pub bucket: String,
    /// Key prefix inside the bucket, e.g. `packagento/`; archives are `<prefix><sha256>.zip`.
    pub prefix: String,
    /// `https://endpoint/bucket/key` rather than `https://bucket.endpoint/key`.
    pub path_style: bool,
    pub access_key_id: String,
    /// Also `PACKAGENTO_S3_SECRET_ACCESS_KEY`; never printed.
    pub secret_access_key: SecretString,
    /// Answer dist requests with a 302 to a presigned URL instead of streaming the bytes.
    pub redirect: bool,
    /// How long a presigned URL stays valid: `300s`, `5m`, `1h`.
    pub redirect_ttl: String,
}

impl Default for S3Config {
    fn default() -> Self {
        Self {
            endpoint: String::new(),
            region: "us-east-1".to_string(),
            bucket: String::new(),
            prefix: String::new(),
            path_style: false,
            access_key_id: String::new(),
            secret_access_key: SecretString::default(),
            redirect: false,
            redirect_ttl: "5m".to_string(),
        }
    }
}

/// A secret read from the file or the environment. Shown as `(set)` or nothing everywhere the
/// configuration is printed (`config show`, the admin socket, Debug), so it is only ever read
/// in, never written out.
#[derive(Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(transparent)]
pub struct SecretString(String);

pub const MASK: &str = "(set)";

impl SecretString {
    pub fn new(value: impl Into<String>) -> Self {
        Self(value.into())
    }
    pub fn expose(&self) -> &str {
        &self.0
    }
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

impl std::fmt::Debug for SecretString {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(if self.0.is_empty() { "\"\"" } else { MASK })
    }
}

impl Serialize for SecretString {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(if self.0.is_empty() { "" } else { MASK })
    }
}

impl StorageConfig {
    /// Checked only for the S3 backend: a local store needs nothing.
    pub fn validate(&self) -> Result<(), (&'static str, String)> {
        if self.backend == Backend::Local {
            return Ok(());
        }
        let s3 = &self.s3;
        let required = [
            ("storage.s3.bucket", s3.bucket.is_empty()),
            ("storage.s3.region", s3.region.is_empty()),
            ("storage.s3.access_key_id", s3.access_key_id.is_empty()),
            (
                "storage.s3.secret_access_key",
                s3.secret_access_key.is_empty(),
            ),
        ];
        for (key, missing) in required {
            if missing {
                return Err((
                    key,
                    "required with storage.backend = \"s3\" (the key pair may also come from \
                     PACKAGENTO_S3_ACCESS_KEY_ID and PACKAGENTO_S3_SECRET_ACCESS_KEY)"
                        .to_string(),
                ));
            }
        }
        let scheme = ["http://", "https://"];
        if !(s3.endpoint.is_empty() || scheme.iter().any(|s| s3.endpoint.starts_with(s))) {
            return Err((
                "storage.s3.endpoint",
                format!("{:?} is not http(s)://host[:port]", s3.endpoint),
            ));
        }
        if !(s3.prefix.is_empty() || s3.prefix.ends_with('/')) || s3.prefix.starts_with('/') {
            return Err((
                "storage.s3.prefix",
                format!(
                    "{:?} must be empty or a folder such as \"archives/\"",
                    s3.prefix
                ),
            ));
        }
        let ttl = parse_ttl(&s3.redirect_ttl).map_err(|e| ("storage.s3.redirect_ttl", e))?;
        // SigV4 presigned URLs live at most seven days.
        if !(1..=7 * 24 * 3600).contains(&ttl.as_secs()) {
            return Err(("storage.s3.redirect_ttl", "must be 1s to 7d".to_string()));
        }
        Ok(())
    }
}

/// `90s`, `5m`, `1h`, `1d`, or bare seconds.
pub fn parse_ttl(text: &str) -> Result<std::time::Duration, String> {
    let text = text.trim();
    let (number, unit) = match text.find(|c: char| !c.is_ascii_digit()) {
        Some(at) => text.split_at(at),
        None => (text, "s"),
    };
    let scale = match unit {
        "s" => 1,
        "m" => 60,
        "h" => 3600,
        "d" => 86_400,
        _ => return Err(format!("{text:?} is not a duration such as 90s, 5m or 1h")),
    };
    let number: u64 = number
        .parse()
        .map_err(|_| format!("{text:?} is not a duration such as 90s, 5m or 1h"))?;
    Ok(std::time::Duration::from_secs(number.saturating_mul(scale)))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn s3(text: &str) -> StorageConfig {
        toml::from_str(&format!("backend = \"s3\"\n[s3]\n{text}")).unwrap()
    }

    const COMPLETE: &str =
        "bucket = \"b\"\naccess_key_id = \"GK1\"\nsecret_access_key = \"hunter2hunter2\"\n";

    #[test]
    fn local_is_the_default_and_needs_nothing() {
        let config = StorageConfig::default();
        assert_eq!(config.backend, Backend::Local);
        config.validate().unwrap();
    }

    #[test]
    fn each_missing_s3_field_is_named() {
        for (text, key) in [
            (
                "access_key_id = \"a\"\nsecret_access_key = \"s\"",
                "storage.s3.bucket",
            ),
            (
                "bucket = \"b\"\nsecret_access_key = \"s\"",
                "storage.s3.access_key_id",
            ),
            (
                "bucket = \"b\"\naccess_key_id = \"a\"",
                "storage.s3.secret_access_key",
            ),
        ] {
            let (found, _) = s3(text).validate().unwrap_err();
            assert_eq!(found, key, "{text}");
        }
        s3(COMPLETE).validate().unwrap();
    }

    #[test]
    fn a_bad_ttl_or_endpoint_is_refused() {
        let ttl = s3(&format!("{COMPLETE}redirect_ttl = \"soon\"\n"));
        assert_eq!(ttl.validate().unwrap_err().0, "storage.s3.redirect_ttl");
        let week = s3(&format!("{COMPLETE}redirect_ttl = \"8d\"\n"));
        assert_eq!(week.validate().unwrap_err().0, "storage.s3.redirect_ttl");
        let prefix = s3(&format!("{COMPLETE}prefix = \"pkg-\"\n"));
        assert_eq!(prefix.validate().unwrap_err().0, "storage.s3.prefix");
        let endpoint = s3(&format!("{COMPLETE}endpoint = \"garage:3900\"\n"));
        assert_eq!(endpoint.validate().unwrap_err().0, "storage.s3.endpoint");
    }

    #[test]
    fn durations_read_with_their_units() {
        assert_eq!(parse_ttl("5m").unwrap().as_secs(), 300);
        assert_eq!(parse_ttl("90").unwrap().as_secs(), 90);
        assert_eq!(parse_ttl("2h").unwrap().as_secs(), 7200);
        assert!(parse_ttl("5 minutes").is_err());
    }

    #[test]
    fn the_secret_never_prints() {
        let config = s3(COMPLETE);
        let shown = [
            format!("{config:?}"),
            toml::to_string(&config).unwrap(),
            serde_json::to_string(&config).unwrap(),
        ];
        for text in shown {
            assert!(!text.contains("hunter2"), "{text}");
            assert!(text.contains(MASK), "{text}");
        }
        assert_eq!(config.s3.secret_access_key.expose(), "hunter2hunter2");
    }
}
