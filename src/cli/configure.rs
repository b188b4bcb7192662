//! Finds and reads the configuration file, lays the environment and flags over it (clap has
//! already ranked flags above the environment) and turns the result into service settings.

use super::args::ServeArgs;
use super::{Cli, CliError};
use crate::config::{CONFIG_FILE_NAME, Config, KeyHashKind, LogFormat, Overrides};
use crate::domain::proxies::TrustedProxies;
use crate::service::secrets::{Argon2Cost, KeyHash};
use crate::service::{Limits, LiveSettings, Settings};
use std::path::PathBuf;

/// The effective configuration and where it came from, kept so a changed file can be re-read
/// with the same environment and flags on top.
#[derive(Debug, Clone)]
pub struct Loaded {
    pub config: Config,
    pub path: PathBuf,
    pub file_exists: bool,
    /// No flag, environment variable or config file named the data folder: the per-user default
    /// was taken, which is worth saying (a server started elsewhere will not see it).
    pub default_data_dir: bool,
    explicit_path: bool,
    overrides: Overrides,
}

pub fn load(cli: &Cli, serve: Option<&ServeArgs>) -> Result<Loaded, CliError> {
    let overrides = overrides(cli, serve)?;
    let (path, explicit_path) = match &cli.config {
        Some(path) => (path.clone(), true),
        None => {
            let dir = match &overrides.data_dir {
                Some(dir) => dir.clone(),
                None => default_data_dir()?,
            };
            (dir.join(CONFIG_FILE_NAME), false)
        }
    };
    let mut loaded = Loaded {
        config: Config::default(),
        file_exists: false,
        default_data_dir: false,
        path,
        explicit_path,
        overrides,
    };
    (loaded.config, loaded.default_data_dir) = loaded.read_noting_default()?;
    loaded.file_exists = loaded.path.exists();
    Ok(loaded)
}

impl Loaded {
    /// Reads the file again and checks the result as at start-up.
    pub fn read(&self) -> Result<Config, CliError> {
        self.read_noting_default().map(|(config, _)| config)
    }

    /// The configuration, and whether its data folder is the per-user default.
    fn read_noting_default(&self) -> Result<(Config, bool), CliError> {
        let mut config = Config::from_file(&self.path, self.explicit_path)
            .map_err(|e| CliError::msg(e.to_string()))?;
        config.apply(self.overrides.clone());
        let defaulted = config.data_dir.is_none();
        if defaulted {
            config.data_dir = Some(default_data_dir()?);
        }
        config
            .validate()
            .map_err(|e| CliError::msg(e.to_string()))?;
        Ok((config, defaulted))
    }

    pub fn data_dir(&self) -> PathBuf {
        self.config.data_dir.clone().unwrap_or_default()
    }

    pub fn settings(&self) -> Settings {
        let config = &self.config;
        Settings {
            data_dir: self.data_dir(),
            key_hash: key_hash(config),
            argon2_max_parallel: config.argon2.max_parallel as usize,
            public_url: config.public_url(),
            limits: Limits::from(&config.limits),
            live: live_settings(config),
            inbox_dir: config.inbox_dir.clone(),
            storage: config.storage.clone(),
        }
    }
}

fn key_hash(config: &Config) -> KeyHash {
    match config.keys.hash {
        KeyHashKind::Sha256 => KeyHash::Sha256,
        KeyHashKind::Argon2id => KeyHash::Argon2id(Argon2Cost {
            memory_kib: config.argon2.memory_kib,
            iterations: config.argon2.iterations,
        }),
    }
}

pub fn live_settings(config: &Config) -> LiveSettings {
    LiveSettings {
        // Checked by `validate`, so this cannot fail here.
        trusted_proxies: TrustedProxies::parse(&config.trusted_proxies).unwrap_or_default(),
        retention_days: config.analytics.retention_days,
        shared_token_ips: config.alerts.shared_token_ips as usize,
        audit_retention_days: config.audit.retention_days,
    }
}

fn non_empty_env(name: &str) -> Option<String> {
    std::env::var(name).ok().filter(|value| !value.is_empty())
}

fn default_data_dir() -> Result<PathBuf, CliError> {
    dirs::data_dir()
        .map(|dir| dir.join("packagento"))
        .ok_or_else(|| CliError::msg("no per-user data folder on this system: pass --data-dir"))
}

fn key_hash_from_env() -> Result<Option<KeyHashKind>, CliError> {
    match non_empty_env("PACKAGENTO_KEY_HASH").as_deref() {
        None => Ok(None),
        Some("sha256") => Ok(Some(KeyHashKind::Sha256)),
        Some("argon2id") => Ok(Some(KeyHashKind::Argon2id)),
        Some(other) => Err(CliError::msg(format!(
            "invalid setting `keys.hash` (PACKAGENTO_KEY_HASH): {other:?} is neither sha256 nor \
             argon2id"
        ))),
    }
}

fn overrides(cli: &Cli, serve: Option<&ServeArgs>) -> Result<Overrides, CliError> {
    let mut overrides = Overrides {
        data_dir: cli.data_dir.clone(),
        key_hash: key_hash_from_env()?,
        argon2_memory_kib: cli.argon2_memory_kib,
        argon2_iterations: cli.argon2_iterations,
        log_level: cli.log_level.clone(),
        // Kept out of flags on purpose: a secret on the command line shows in `ps`.
        s3_access_key_id: non_empty_env("PACKAGENTO_S3_ACCESS_KEY_ID"),
        s3_secret_access_key: non_empty_env("PACKAGENTO_S3_SECRET_ACCESS_KEY"),
        ..Overrides::default()
    };
    if let Some(args) = serve {
        overrides.listen = args.listen.clone();
        overrides.public_url = args.public_url.clone();
        overrides.tls_cert = args.tls_cert.clone();
        overrides.tls_key = args.tls_key.clone();
        overrides.tls_listen = args.tls_listen.clone();
        overrides.trusted_proxies = args.trusted_proxies.clone();
        overrides.metrics_listen = args.metrics_listen.clone();
        overrides.inbox_dir = args.inbox_dir.clone();
        overrides.log_format = match args.log_format.as_deref() {
            None => None,
            Some("human") => Some(LogFormat::Human),
            Some("json") => Some(LogFormat::Json),
            Some(other) => {
                return Err(CliError::msg(format!(
                    "invalid setting `log.format`: {other:?} is neither human nor json"
                )));
            }
        };
    }
    Ok(overrides)
}
