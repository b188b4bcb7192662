//! Use-cases over the store. Both the server and the offline CLI hold an `App`; the admin socket
//! just carries `admin::AdminRequest`s to the server's `App`, so both paths run this same code.

pub mod access_log;
pub mod admin;
pub mod advisories;
pub mod advisory_impact;
pub mod analytics;
pub mod archive;
pub mod archive_cache;
pub mod audit;
pub mod audit_log;
pub mod auth;
pub mod auth_json;
pub mod backup;
pub mod catalog;
pub mod changes;
pub mod check;
pub mod customers;
pub mod disk;
pub mod git_publish;
pub mod inbox;
pub mod licences;
pub mod metrics;
pub mod packages;
pub mod preview;
pub mod projects;
pub mod publish;
pub mod publish_log;
pub mod publishers;
pub mod recall;
pub mod retention;
pub mod secrets;
pub mod stats;
pub mod storage;
pub mod summaries;
pub mod timeline;
pub mod tokens;
pub mod usage;
pub mod usage_report;

use crate::store::{Store, StoreError, Writer};
use arc_swap::ArcSwap;
use catalog::Catalog;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

#[derive(Clone, Debug, thiserror::Error)]
pub enum ServiceError {
    #[error("{0}")]
    NotFound(String),
    #[error("{0}")]
    Invalid(String),
    #[error("{0}")]
    Conflict(String),
    /// The caller is known but not allowed to do this (e.g. publish outside its patterns).
    #[error("{0}")]
    Forbidden(String),
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error("{0}")]
    Io(String),
    /// The archive store did not answer: nothing was changed; the same request may succeed later.
    #[error("{0}; nothing was changed, try again once the store is back")]
    ArchiveStore(String),
}

impl ServiceError {
    /// Stable, machine-readable: the admin API's `error.code`.
    pub fn code(&self) -> &'static str {
        match self {
            ServiceError::NotFound(_) => "not_found",
            ServiceError::Invalid(_) => "invalid",
            ServiceError::Conflict(_) => "conflict",
            ServiceError::Forbidden(_) => "forbidden",
            ServiceError::Store(StoreError::Locked) => "locked",
            ServiceError::Store(StoreError::Unavailable(_)) => "unavailable",
            ServiceError::Store(_) => "storage",
            ServiceError::Io(_) => "io",
            ServiceError::ArchiveStore(_) => "archive_store_unavailable",
        }
    }

    /// Another packagento process holds the database: a server is running on this data folder.
    pub fn is_locked(&self) -> bool {
        matches!(self, ServiceError::Store(StoreError::Locked))
    }
}

impl crate::store::CarriesStoreError for ServiceError {
    fn store_error(&self) -> Option<&StoreError> {
        match self {
            ServiceError::Store(error) => Some(error),
            _ => None,
        }
    }
}

pub type Result<T> = std::result::Result<T, ServiceError>;

impl ServiceError {
    /// Rebuilds an error a server sent back through the admin socket (`error.code`, `message`).
    pub fn from_remote(code: &str, message: String) -> Self {
        match code {
            "not_found" => ServiceError::NotFound(message),
            "invalid" | "bad_request" => ServiceError::Invalid(message),
            "conflict" => ServiceError::Conflict(message),
            "forbidden" => ServiceError::Forbidden(message),
            "archive_store_unavailable" => ServiceError::ArchiveStore(message),
            _ => ServiceError::Io(message),
        }
    }
}

pub(crate) fn invalid(error: impl std::fmt::Display) -> ServiceError {
    ServiceError::Invalid(error.to_string())
}

#[derive(Clone, Debug)]
pub struct Settings {
    pub data_dir: PathBuf,
    /// How new private keys are hashed (`keys.hash`).
    pub key_hash: secrets::KeyHash,
    /// argon2 verifications at once (`argon2.max_parallel`); 0 leaves one core for serving.
    pub argon2_max_parallel: usize,
    /// Absolute base for dist URLs; without it the request's Host header decides.
    pub public_url: Option<String>,
    pub limits: Limits,
    /// The starting values of what may change while serving (see `App::set_live`).
    pub live: LiveSettings,
    /// Where dropped release zips are picked up; `None` is `<data_dir>/inbox`.
    pub inbox_dir: Option<PathBuf>,
    /// Where archives live (`[storage]`); local by default.
    pub storage: crate::config::StorageConfig,
}

/// Size limits on what clients and operators may send, as configured (`[limits]`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Limits {
    pub notify_body_bytes: u64,
    pub admin_body_bytes: u64,
    /// Largest release archive, whichever way it arrives: CLI, upload, inbox or git.
    pub archive_bytes: u64,
    /// Memory for archives kept after their first download (`limits.archive_cache_bytes`).
    pub archive_cache_bytes: u64,
}

impl From<&crate::config::LimitsConfig> for Limits {
    fn from(config: &crate::config::LimitsConfig) -> Self {
        Self {
            notify_body_bytes: config.notify_body_bytes,
            admin_body_bytes: config.admin_body_bytes,
            archive_bytes: config.archive_bytes,
            archive_cache_bytes: config.archive_cache_bytes,
        }
    }
}

/// The configuration's defaults: they are defined there, once.
impl Default for Limits {
    fn default() -> Self {
        Self::from(&crate::config::LimitsConfig::default())
    }
}

impl Limits {
    /// What inspection allows an archive to declare under these limits.
    pub fn archive(&self) -> archive::ArchiveLimits {
        archive::ArchiveLimits::new(self.archive_bytes)
    }
}

/// Settings that a changed configuration file updates without a restart.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LiveSettings {
    pub trusted_proxies: crate::domain::proxies::TrustedProxies,
    /// Download events older than this many days are deleted; 0 keeps them.
    pub retention_days: u32,
    /// More distinct addresses than this for one token in a UTC day flag it as shared.
    pub shared_token_ips: usize,
    /// Audit entries older than this many days are deleted; 0 keeps them.
    pub audit_retention_days: u32,
}

impl Default for LiveSettings {
    fn default() -> Self {
        Self {
            trusted_proxies: Default::default(),
            retention_days: 0,
            shared_token_ips: usage::DEFAULT_SHARED_TOKEN_IPS,
            audit_retention_days: 0,
        }
    }
}

pub struct App {
    store: Store,
    settings: Settings,
    catalog: ArcSwap<Catalog>,
    /// Serialises changes so each rebuild starts from the previous one's committed state. Holds
    /// the store generation the catalogue was last built against.
    one_change_at_a_time: Mutex<u64>,
    pub auth: auth::Auth,
    pub analytics: analytics::Analytics,
    pub archives: archive_cache::ArchiveCache,
    /// Where the archives' bytes are: this disk or an object store.
    archive_store: Arc<storage::ArchiveStore>,
    pub metrics: metrics::Metrics,
    live: ArcSwap<LiveSettings>,
    pub publish_log: publish_log::PublishLog,
    /// Every committed change, for live views; closed when the server shuts down.
    pub changes: Arc<changes::ChangeFeed>,
    /// The Composer listener's bound address, once a server runs; for status screens.
    listening: std::sync::OnceLock<String>,
    /// The configuration a server in this process runs with, as applied; for `config show`.
    served_config: arc_swap::ArcSwapOption<crate::config::Config>,
    /// Where access lines go when the logger takes them directly.
    access_log: std::sync::OnceLock<Arc<dyn access_log::AccessLog>>,
}

impl App {
    /// Opens the data folder, creating it (private) when it does not exist yet.
    pub fn open(settings: Settings) -> Result<Arc<App>> {
        disk::prepare(&settings)?;
        let store = Store::open(&settings.database_path())?;
        Self::with_store(settings, store)
    }

    /// An `App` over a store whose disk the test fills and frees with the returned switch.
    #[cfg(test)]
    pub fn open_on_a_fillable_disk(
        settings: Settings,
    ) -> (Arc<App>, crate::store::disk_full::Switch) {
        disk::prepare(&settings).unwrap_or_else(|e| panic!("{e}"));
        let (store, switch) = crate::store::disk_full::store(&settings.database_path());
        let app = Self::with_store(settings, store).unwrap_or_else(|e| panic!("{e}"));
        (app, switch)
    }

    fn with_store(settings: Settings, store: Store) -> Result<Arc<App>> {
        // Only now: holding the database proves no other packagento is staging files there.
        disk::remove_leftovers(&settings.archive_dir());
        let live = settings.live.clone();
        let metrics = metrics::Metrics::new();
        let auth = auth::Auth::new(
            settings.argon2_max_parallel,
            settings.key_hash,
            metrics.key_checks(),
        );
        let changes = Arc::new(changes::ChangeFeed::new());
        let catalog = store.write(|w| {
            let access = w.access_records()?;
            Catalog::build(w, &Catalog::default(), access, w.releases()?)
        })?;
        let generation = store.generation();
        let analytics = analytics::Analytics::new(changes.clone(), metrics.dropped_events());
        let archive_store = Arc::new(
            storage::ArchiveStore::open(&settings.storage, &settings.archive_dir())
                .map_err(ServiceError::from)?,
        );
        analytics.usage.set_shared_token_ips(live.shared_token_ips);
        let archives = archive_cache::ArchiveCache::new(settings.limits.archive_cache_bytes);
        Ok(Arc::new(App {
            store,
            settings,
            catalog: ArcSwap::from_pointee(catalog),
            one_change_at_a_time: Mutex::new(generation),
            auth,
            analytics,
            archives,
            archive_store,
            metrics,
            live: ArcSwap::from_pointee(live),
            publish_log: publish_log::PublishLog::new(changes.clone()),
            changes,
            listening: std::sync::OnceLock::new(),
            served_config: arc_swap::ArcSwapOption::empty(),
            access_log: std::sync::OnceLock::new(),
        }))
    }

    /// Opens a data folder that must already exist, for commands that only read.
    pub fn open_existing(settings: Settings) -> Result<Arc<App>> {
        disk::require_existing(&settings)?;
        Self::open(settings)
    }

    pub fn settings(&self) -> &Settings {
        &self.settings
    }

    /// Read on every request; swapped whole, so a reader never sees half a change.
    /// Access lines go to `log` from now on; only the first log given is kept.
    pub fn set_access_log(&self, log: Arc<dyn access_log::AccessLog>) {
        let _ = self.access_log.set(log);
    }

    pub fn log_access(&self, line: &access_log::AccessLine<'_>) {
        match self.access_log.get() {
            Some(log) => log.record(line),
            None => line.trace(),
        }
    }

    pub fn live(&self) -> Arc<LiveSettings> {
        self.live.load_full()
    }

    pub fn set_live(&self, live: LiveSettings) {
        self.analytics
            .usage
            .set_shared_token_ips(live.shared_token_ips);
        self.live.store(Arc::new(live));
    }

    pub fn store(&self) -> &Store {
        &self.store
    }

    pub fn archive_store(&self) -> &Arc<storage::ArchiveStore> {
        &self.archive_store
    }

    pub fn set_listening(&self, address: String) {
        let _ = self.listening.set(address);
    }

    pub fn listening(&self) -> Option<&str> {
        self.listening.get().map(String::as_str)
    }

    /// Records what the server runs with: at start-up, and after each live reload.
    pub fn set_served_config(&self, config: crate::config::Config) {
        self.served_config.store(Some(Arc::new(config)));
    }

    /// `None` unless a server runs in this process.
    pub fn served_config(&self) -> Option<Arc<crate::config::Config>> {
        self.served_config.load_full()
    }

    pub fn catalog(&self) -> Arc<Catalog> {
        self.catalog.load_full()
    }

    /// Applies `work` and rebuilds the serving snapshot in the same transaction, so what is
    /// served never runs ahead of or behind what is stored.
    pub fn change<T>(&self, work: impl FnOnce(&Writer) -> Result<T>) -> Result<T> {
        self.change_or_undo(work, || {})
    }

    /// Like `change`, but when the change does not commit, `undo` runs before the next change
    /// may start: for files the work put in place, which no other change must come to rely on.
    pub fn change_or_undo<T>(
        &self,
        work: impl FnOnce(&Writer) -> Result<T>,
        undo: impl FnOnce(),
    ) -> Result<T> {
        let mut built_at = self
            .one_change_at_a_time
            .lock()
            .unwrap_or_else(|p| p.into_inner());
        // After the database was re-opened, a change that reported failure may have reached the
        // file after all: rebuild everything from what is really there.
        let generation = self.store.generation();
        let previous = if *built_at == generation {
            Some(self.catalog())
        } else {
            None
        };
        let actor = audit::current(self);
        let written = self.store.write(|w| {
            let outcome = work(w)?;
            let entries = record_audit(w, &actor)?;
            let catalog = match &previous {
                Some(previous) => Catalog::next(w, previous)?,
                None => Catalog::build(w, &Catalog::default(), w.access_records()?, w.releases()?)?,
            };
            Ok::<_, ServiceError>((outcome, catalog, entries))
        });
        let (outcome, catalog, entries) = written.inspect_err(|_| undo())?;
        *built_at = generation;
        self.catalog.store(Arc::new(catalog));
        if !entries.is_empty() {
            self.changes
                .announce(changes::ChangeEvent::Audited { entries });
        }
        Ok(outcome)
    }
}

/// Appends what the work noted about itself to the audit log, in its own transaction.
fn record_audit(
    writer: &Writer,
    actor: &crate::domain::audit::Actor,
) -> Result<Vec<crate::domain::audit::AuditEntry>> {
    let at_micros = crate::domain::time::now_micros();
    let entries: Vec<_> = writer
        .take_audit_records()
        .into_iter()
        .map(|record| crate::domain::audit::AuditEntry::new(at_micros, actor.clone(), record))
        .collect();
    for entry in &entries {
        writer.append_audit(entry)?;
    }
    Ok(entries)
}

impl Settings {
    /// Defaults, for tests that open a real `App`.
    #[cfg(test)]
    pub fn for_tests(data_dir: PathBuf) -> Settings {
        Settings {
            data_dir,
            key_hash: secrets::KeyHash::Sha256,
            argon2_max_parallel: 0,
            public_url: None,
            limits: Default::default(),
            live: Default::default(),
            inbox_dir: None,
            storage: Default::default(),
        }
    }

    pub fn database_path(&self) -> PathBuf {
        self.data_dir.join("packagento.redb")
    }
    pub fn archive_dir(&self) -> PathBuf {
        self.data_dir.join("archives")
    }
    pub fn inbox_dir(&self) -> PathBuf {
        self.inbox_dir
            .clone()
            .unwrap_or_else(|| self.data_dir.join("inbox"))
    }
    pub fn admin_socket(&self) -> PathBuf {
        self.data_dir.join("admin.sock")
    }
    pub fn archive_path(&self, sha256: &str) -> PathBuf {
        archive_path_in(&self.archive_dir(), sha256)
    }
}

pub fn archive_path_in(dir: &Path, sha256: &str) -> PathBuf {
    dir.join(format!("{sha256}.zip"))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn settings(dir: &tempfile::TempDir) -> Settings {
        Settings::for_tests(dir.path().to_path_buf())
    }

    #[test]
    fn a_second_app_on_a_held_data_folder_is_told_the_database_is_locked() {
        let dir = tempfile::tempdir().unwrap();
        let _first = App::open(settings(&dir)).unwrap();
        let second = App::open(settings(&dir)).err().unwrap();
        assert!(second.is_locked(), "{second:?}");
        assert_eq!(second.code(), "locked");
    }

    #[test]
    fn a_change_that_cannot_commit_is_undone_and_the_next_one_commits_after_the_disk_has_room() {
        use crate::store::disk_full::fill;
        let dir = tempfile::tempdir().unwrap();
        let (app, disk) = App::open_on_a_fillable_disk(settings(&dir));
        let before = app.catalog();
        let undone = std::cell::Cell::new(false);
        let failed = app.change_or_undo(
            |_| {
                // The disk fills while the change is under way, as a large publish would find.
                fill(&disk, true);
                Ok(())
            },
            || undone.set(true),
        );
        assert!(matches!(
            failed,
            Err(ServiceError::Store(StoreError::Unavailable(_)))
        ));
        assert!(undone.get());
        assert!(
            Arc::ptr_eq(&before, &app.catalog()),
            "nothing new is served"
        );
        assert_eq!(failed.unwrap_err().code(), "unavailable");

        fill(&disk, false);
        app.change(|_| Ok(())).unwrap();
        assert!(app.store().failure().is_none());
    }

    #[test]
    fn other_errors_are_not_taken_for_a_held_database() {
        assert!(!ServiceError::Io("disk full".into()).is_locked());
        assert!(!ServiceError::Store(StoreError::Database("broken".into())).is_locked());
    }
}
