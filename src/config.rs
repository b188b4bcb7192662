//! Every setting in one place: defaults < TOML file < environment < flags. The command line
//! turns environment and flags into `Overrides` (clap already ranks flags above the environment);
//! this module lays them over the file and checks the result once, naming the offending key.

mod storage;

use crate::domain::proxies::TrustedProxies;
use serde::{Deserialize, Serialize};
use std::path::{Path, PathBuf};
pub use storage::{Backend as StorageBackend, S3Config, SecretString, StorageConfig, parse_ttl};

pub const CONFIG_FILE_NAME: &str = "packagento.toml";
pub const DEFAULT_LISTEN: &str = "127.0.0.1:8080";

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Config {
    /// Where the database, archives and admin socket live.
    pub data_dir: Option<PathBuf>,
    /// Plain-HTTP addresses for the Composer endpoints (may be empty when serving only HTTPS).
    pub listen: Vec<String>,
    /// Absolute base for dist URLs; without it the request's Host (and scheme) decide.
    pub public_url: Option<String>,
    /// Peers (CIDRs) whose X-Forwarded-For / X-Forwarded-Proto / Forwarded headers are believed.
    pub trusted_proxies: Vec<String>,
    /// Prometheus metrics on a separate address; they are always on the admin socket.
    pub metrics_listen: Option<String>,
    /// Folder watched for release zips to publish [default: `<data_dir>/inbox`].
    pub inbox_dir: Option<PathBuf>,
    pub tls: TlsConfig,
    pub keys: KeysConfig,
    pub argon2: Argon2Config,
    pub analytics: AnalyticsConfig,
    pub alerts: AlertsConfig,
    pub audit: AuditConfig,
    pub limits: LimitsConfig,
    pub connections: ConnectionsConfig,
    pub log: LogConfig,
    pub storage: StorageConfig,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct TlsConfig {
    /// HTTPS addresses; used only when `cert` and `key` are set.
    pub listen: Vec<String>,
    /// PEM certificate chain, leaf first.
    pub cert: Option<PathBuf>,
    /// PEM private key (PKCS#8, PKCS#1 or SEC1).
    pub key: Option<PathBuf>,
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct KeysConfig {
    /// How new private keys are hashed; hashes already stored keep the way they were made.
    pub hash: KeyHashKind,
}

/// The private keys are 256 random bits: guessing one is hopeless however fast its hash, so the
/// default hash is fast. `argon2id` (with the `[argon2]` cost) is there for a policy that asks
/// for a memory-hard hash whatever the secret.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum KeyHashKind {
    #[default]
    Sha256,
    Argon2id,
}

#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Argon2Config {
    pub memory_kib: u32,
    pub iterations: u32,
    /// argon2 verifications at once; 0 means one less than the CPU cores (at least one), so a
    /// core stays free for serving.
    pub max_parallel: u32,
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct AnalyticsConfig {
    /// Download events older than this are deleted; 0 keeps them forever.
    pub retention_days: u32,
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct AuditConfig {
    /// Audit entries older than this are deleted; 0 keeps them forever.
    pub retention_days: u32,
}

#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct AlertsConfig {
    /// A token used from more distinct addresses than this in one UTC day is flagged as shared.
    pub shared_token_ips: u32,
}

impl Default for AlertsConfig {
    fn default() -> Self {
        Self {
            shared_token_ips: 5,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct LimitsConfig {
    /// Largest `POST /composer/downloads` body; Composer's reports are a few KiB even for big
    /// projects.
    pub notify_body_bytes: u64,
    /// Largest admin request body.
    pub admin_body_bytes: u64,
    /// Largest release archive, however it arrives: `package publish`, `POST /api/publish`,
    /// the inbox or `package import-git`.
    pub archive_bytes: u64,
    /// Memory for archives kept after their first download (each up to 1 MiB), so a popular
    /// release is answered without reading the disk; 0 reads every download from disk.
    pub archive_cache_bytes: u64,
    /// How long a shutdown waits for transfers in flight before closing them.
    pub shutdown_grace_secs: u64,
}

/// How long slow and idle clients may hold a connection, and how many may be open at once.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct ConnectionsConfig {
    /// Most client connections open at once on the public listeners; 0 derives it from the
    /// open-files limit. At the cap, the longest-idle connection is closed to admit a new one.
    pub max_connections: u64,
    /// A new connection must have sent a whole request head within this time, and so must a
    /// kept-alive one once its next request has begun.
    pub header_read_timeout_secs: u64,
    /// A kept-alive connection with no request in progress is closed after this long.
    pub idle_timeout_secs: u64,
    /// A request body (an upload) must bring at least this many bytes a second, measured over
    /// `upload_window_secs`; 0 turns the check off.
    pub min_upload_bytes_per_sec: u64,
    /// The window over which the upload rate is measured: a pause shorter than this is forgiven.
    pub upload_window_secs: u64,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct LogConfig {
    /// A tracing filter: `info`, `warn`, `packagento=debug,info`, …
    pub level: String,
    pub format: LogFormat,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum LogFormat {
    Human,
    Json,
}

impl Default for Config {
    fn default() -> Self {
        Self {
            data_dir: None,
            listen: vec![DEFAULT_LISTEN.to_string()],
            public_url: None,
            trusted_proxies: Vec::new(),
            metrics_listen: None,
            inbox_dir: None,
            tls: TlsConfig::default(),
            keys: KeysConfig::default(),
            argon2: Argon2Config::default(),
            analytics: AnalyticsConfig::default(),
            alerts: AlertsConfig::default(),
            audit: AuditConfig::default(),
            limits: LimitsConfig::default(),
            connections: ConnectionsConfig::default(),
            log: LogConfig::default(),
            storage: StorageConfig::default(),
        }
    }
}

impl Default for TlsConfig {
    fn default() -> Self {
        Self {
            listen: vec!["127.0.0.1:8443".to_string()],
            cert: None,
            key: None,
        }
    }
}

impl Default for Argon2Config {
    fn default() -> Self {
        // OWASP's minimum for argon2id.
        Self {
            memory_kib: 19_456,
            iterations: 2,
            max_parallel: 0,
        }
    }
}

impl Default for LimitsConfig {
    fn default() -> Self {
        Self {
            notify_body_bytes: 256 * 1024,
            admin_body_bytes: 1024 * 1024,
            archive_bytes: 256 * 1024 * 1024,
            archive_cache_bytes: 64 * 1024 * 1024,
            shutdown_grace_secs: 30,
        }
    }
}

impl Default for ConnectionsConfig {
    fn default() -> Self {
        Self {
            max_connections: 0,
            header_read_timeout_secs: 20,
            // Composer and CI runners reuse connections across a whole install.
            idle_timeout_secs: 60,
            min_upload_bytes_per_sec: 1024,
            upload_window_secs: 20,
        }
    }
}

impl Default for LogConfig {
    fn default() -> Self {
        Self {
            level: "info".to_string(),
            format: LogFormat::Human,
        }
    }
}

/// What the environment and the command line say; `None` leaves the file's value.
#[derive(Debug, Clone, Default)]
pub struct Overrides {
    pub data_dir: Option<PathBuf>,
    pub listen: Option<Vec<String>>,
    pub public_url: Option<String>,
    pub trusted_proxies: Option<Vec<String>>,
    pub metrics_listen: Option<String>,
    pub inbox_dir: Option<PathBuf>,
    pub tls_listen: Option<Vec<String>>,
    pub tls_cert: Option<PathBuf>,
    pub tls_key: Option<PathBuf>,
    pub key_hash: Option<KeyHashKind>,
    pub argon2_memory_kib: Option<u32>,
    pub argon2_iterations: Option<u32>,
    pub log_level: Option<String>,
    pub log_format: Option<LogFormat>,
    pub s3_access_key_id: Option<String>,
    pub s3_secret_access_key: Option<String>,
}

#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("cannot read the configuration file {path}: {reason}")]
    Read { path: PathBuf, reason: String },
    #[error("invalid configuration file {path}: {reason}")]
    Parse { path: PathBuf, reason: String },
    #[error("invalid setting `{key}`: {reason}")]
    Invalid { key: &'static str, reason: String },
}

impl Config {
    /// Reads `path`; a missing file means all defaults, but only when nobody named it explicitly.
    pub fn from_file(path: &Path, must_exist: bool) -> Result<Config, ConfigError> {
        let text = match std::fs::read_to_string(path) {
            Ok(text) => text,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound && !must_exist => {
                return Ok(Config::default());
            }
            Err(e) => {
                return Err(ConfigError::Read {
                    path: path.to_path_buf(),
                    reason: e.to_string(),
                });
            }
        };
        Config::from_toml(&text).map_err(|reason| ConfigError::Parse {
            path: path.to_path_buf(),
            reason,
        })
    }

    pub fn from_toml(text: &str) -> Result<Config, String> {
        // toml's message already names the key and shows the line.
        toml::from_str(text).map_err(|e| e.to_string().trim_end().to_string())
    }

    pub fn apply(&mut self, overrides: Overrides) {
        let o = overrides;
        set(&mut self.data_dir, o.data_dir.map(Some));
        set(&mut self.listen, o.listen);
        set(&mut self.public_url, o.public_url.map(Some));
        set(&mut self.trusted_proxies, o.trusted_proxies);
        set(&mut self.metrics_listen, o.metrics_listen.map(Some));
        set(&mut self.inbox_dir, o.inbox_dir.map(Some));
        set(&mut self.tls.listen, o.tls_listen);
        set(&mut self.tls.cert, o.tls_cert.map(Some));
        set(&mut self.tls.key, o.tls_key.map(Some));
        set(&mut self.keys.hash, o.key_hash);
        set(&mut self.argon2.memory_kib, o.argon2_memory_kib);
        set(&mut self.argon2.iterations, o.argon2_iterations);
        set(&mut self.log.level, o.log_level);
        set(&mut self.log.format, o.log_format);
        set(&mut self.storage.s3.access_key_id, o.s3_access_key_id);
        set(
            &mut self.storage.s3.secret_access_key,
            o.s3_secret_access_key.map(SecretString::new),
        );
    }

    /// True when HTTPS is configured (both files named).
    pub fn serves_tls(&self) -> bool {
        self.tls.cert.is_some() && self.tls.key.is_some()
    }

    pub fn to_toml(&self) -> String {
        // Every value here is plain data (paths, addresses, numbers) but the S3 secret, which
        // serialises masked; other key material stays in the files the paths name, and
        // `validate` refuses a public URL that carries credentials.
        toml::to_string(self).unwrap_or_else(|e| format!("# cannot render: {e}\n"))
    }

    /// The public URL without a trailing slash.
    pub fn public_url(&self) -> Option<String> {
        self.public_url
            .as_deref()
            .map(|url| url.trim_end_matches('/').to_string())
    }
}

fn set<T>(target: &mut T, value: Option<T>) {
    if let Some(value) = value {
        *target = value;
    }
}

impl Config {
    /// Every rule a setting must follow, checked once at start-up.
    pub fn validate(&self) -> Result<(), ConfigError> {
        let invalid = |key, reason: String| ConfigError::Invalid { key, reason };
        for address in &self.listen {
            check_address(address).map_err(|r| invalid("listen", r))?;
        }
        for address in &self.tls.listen {
            check_address(address).map_err(|r| invalid("tls.listen", r))?;
        }
        if let Some(address) = &self.metrics_listen {
            check_address(address).map_err(|r| invalid("metrics_listen", r))?;
        }
        if let Some(url) = &self.public_url {
            check_public_url(url).map_err(|r| invalid("public_url", r))?;
        }
        TrustedProxies::parse(&self.trusted_proxies).map_err(|r| invalid("trusted_proxies", r))?;
        match (&self.tls.cert, &self.tls.key) {
            (Some(_), None) => return Err(invalid("tls.key", "required with tls.cert".into())),
            (None, Some(_)) => return Err(invalid("tls.cert", "required with tls.key".into())),
            _ => {}
        }
        if self.serves_tls() && self.tls.listen.is_empty() {
            return Err(invalid("tls.listen", "needs at least one address".into()));
        }
        if self.listen.is_empty() && !self.serves_tls() {
            return Err(invalid(
                "listen",
                "needs at least one address when TLS is not configured".into(),
            ));
        }
        self.storage
            .validate()
            .map_err(|(key, reason)| invalid(key, reason))?;
        // `log.level`'s syntax is checked where the logger is built (cli/logging.rs).
        self.validate_numbers()
    }

    fn validate_numbers(&self) -> Result<(), ConfigError> {
        let invalid = |key, reason: &str| ConfigError::Invalid {
            key,
            reason: reason.to_string(),
        };
        if !(8..=4 * 1024 * 1024).contains(&self.argon2.memory_kib) {
            return Err(invalid("argon2.memory_kib", "must be 8 to 4194304 KiB"));
        }
        if !(1..=100).contains(&self.argon2.iterations) {
            return Err(invalid("argon2.iterations", "must be 1 to 100"));
        }
        if self.argon2.max_parallel > 1024 {
            return Err(invalid(
                "argon2.max_parallel",
                "must be 0 (automatic) to 1024",
            ));
        }
        let limits = &self.limits;
        for (key, value) in [
            ("limits.notify_body_bytes", limits.notify_body_bytes),
            ("limits.admin_body_bytes", limits.admin_body_bytes),
            ("limits.archive_bytes", limits.archive_bytes),
        ] {
            if value < 1024 {
                return Err(invalid(key, "must be at least 1024 bytes"));
            }
        }
        // Addresses past the kept ones are only counted together, so a higher limit could not
        // be told apart.
        let most = crate::domain::usage::ADDRESSES_KEPT as u32 - 1;
        if !(1..=most).contains(&self.alerts.shared_token_ips) {
            return Err(ConfigError::Invalid {
                key: "alerts.shared_token_ips",
                reason: format!("must be 1 to {most}"),
            });
        }
        // The budget is held in memory: more than 64 GiB is a typo, not a plan.
        if limits.archive_cache_bytes > 64 * 1024 * 1024 * 1024 {
            return Err(invalid(
                "limits.archive_cache_bytes",
                "must be 0 (no cache) to 68719476736 bytes",
            ));
        }
        if limits.shutdown_grace_secs > 3600 {
            return Err(invalid(
                "limits.shutdown_grace_secs",
                "must be at most 3600",
            ));
        }
        self.validate_connections()
    }

    fn validate_connections(&self) -> Result<(), ConfigError> {
        let invalid = |key, reason: &str| ConfigError::Invalid {
            key,
            reason: reason.to_string(),
        };
        let connections = &self.connections;
        for (key, value) in [
            (
                "connections.header_read_timeout_secs",
                connections.header_read_timeout_secs,
            ),
            (
                "connections.idle_timeout_secs",
                connections.idle_timeout_secs,
            ),
            (
                "connections.upload_window_secs",
                connections.upload_window_secs,
            ),
        ] {
            if !(1..=86_400).contains(&value) {
                return Err(invalid(key, "must be 1 to 86400 seconds"));
            }
        }
        if connections.max_connections > 10_000_000 {
            return Err(invalid(
                "connections.max_connections",
                "must be at most 10000000 (0 derives it from the open-files limit)",
            ));
        }
        Ok(())
    }
}

fn check_address(address: &str) -> Result<(), String> {
    // Host names are allowed (`localhost:8080`); the port must be there and numeric.
    let valid = address
        .rsplit_once(':')
        .is_some_and(|(host, port)| !host.is_empty() && port.parse::<u16>().is_ok());
    if valid {
        Ok(())
    } else {
        Err(format!("{address:?} is not HOST:PORT"))
    }
}

fn check_public_url(url: &str) -> Result<(), String> {
    let trimmed = url.trim_end_matches('/');
    let rest = trimmed
        .strip_prefix("https://")
        .or_else(|| trimmed.strip_prefix("http://"));
    let host = rest.map(|r| r.split('/').next().unwrap_or(""));
    match host {
        None | Some("") => Err(format!("{url:?} is not http(s)://host[:port][/path]")),
        _ if trimmed.contains(['"', '\\', ' ', '?', '#']) => {
            Err(format!("{url:?} is not http(s)://host[:port][/path]"))
        }
        // Every customer would see these in their dist URLs.
        Some(host) if host.contains('@') => Err("must not carry credentials".to_string()),
        _ => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_empty_file_means_every_default() {
        assert_eq!(Config::from_toml("").unwrap(), Config::default());
        Config::default().validate().unwrap();
    }

    #[test]
    fn the_shipped_example_is_valid_and_spells_out_the_defaults() {
        let text = include_str!("../assets/packagento.example.toml");
        let example = Config::from_toml(text).unwrap();
        example.validate().unwrap();
        let defaults = Config {
            data_dir: Some("/var/lib/packagento".into()),
            ..Config::default()
        };
        assert_eq!(example, defaults);
    }

    #[test]
    fn an_unknown_key_is_rejected_by_name() {
        let error = Config::from_toml("[tls]\ncertificate = \"x\"\n").unwrap_err();
        assert!(error.contains("certificate"), "{error}");
    }

    #[test]
    fn overrides_win_over_the_file() {
        let mut config =
            Config::from_toml("listen = [\"0.0.0.0:80\"]\n[argon2]\niterations = 3\n").unwrap();
        config.apply(Overrides {
            listen: Some(vec!["127.0.0.1:9".into()]),
            ..Overrides::default()
        });
        assert_eq!(config.listen, ["127.0.0.1:9"]);
        assert_eq!(config.argon2.iterations, 3);
    }

    #[test]
    fn the_key_hash_is_sha256_unless_argon2id_is_asked_for() {
        assert_eq!(Config::default().keys.hash, KeyHashKind::Sha256);
        let config = Config::from_toml("[keys]\nhash = \"argon2id\"\n").unwrap();
        assert_eq!(config.keys.hash, KeyHashKind::Argon2id);
        let error = Config::from_toml("[keys]\nhash = \"md5\"\n").unwrap_err();
        assert!(error.contains("keys") || error.contains("hash"), "{error}");
        assert!(error.contains("argon2id"), "{error}");
    }

    #[test]
    fn invalid_values_name_their_key() {
        let cases = [
            ("listen = [\"nowhere\"]", "listen"),
            ("public_url = \"ftp://x\"", "public_url"),
            ("public_url = \"https://u:p@x\"", "public_url"),
            ("trusted_proxies = [\"10.0.0.0/99\"]", "trusted_proxies"),
            ("[tls]\ncert = \"c.pem\"", "tls.key"),
            ("[argon2]\niterations = 0", "argon2.iterations"),
            ("[argon2]\nmax_parallel = 5000", "argon2.max_parallel"),
            ("[alerts]\nshared_token_ips = 0", "alerts.shared_token_ips"),
            ("[alerts]\nshared_token_ips = 64", "alerts.shared_token_ips"),
            (
                "[limits]\nnotify_body_bytes = 1",
                "limits.notify_body_bytes",
            ),
            (
                "[connections]\nidle_timeout_secs = 0",
                "connections.idle_timeout_secs",
            ),
            (
                "[limits]\narchive_cache_bytes = 68719476737",
                "limits.archive_cache_bytes",
            ),
        ];
        for (text, key) in cases {
            let error = Config::from_toml(text).unwrap().validate().unwrap_err();
            assert!(error.to_string().contains(key), "{text}: {error}");
        }
    }

    #[test]
    fn the_archive_cache_budget_is_a_byte_count_and_zero_turns_it_off() {
        let config = Config::from_toml("[limits]\narchive_cache_bytes = 0\n").unwrap();
        config.validate().unwrap();
        assert_eq!(config.limits.archive_cache_bytes, 0);
        for malformed in ["\"64MiB\"", "-1", "1.5"] {
            let text = format!("[limits]\narchive_cache_bytes = {malformed}\n");
            let error = Config::from_toml(&text).unwrap_err();
            assert!(error.contains("archive_cache_bytes"), "{text}: {error}");
        }
    }
}
