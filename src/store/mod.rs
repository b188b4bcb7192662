//! The only module that names redb. One database file, JSON values, short transactions.
//!
//! redb locks its file for one process; a second opener gets `StoreError::Locked`, which the service
//! reports through `ServiceError::is_locked` and the CLI takes as "a server owns the data, talk to
//! it through the admin socket".
//!
//! Tables stay private: callers use the typed accessors in `records` and friends, and backups the
//! whole-database rows of `snapshot`.

mod audit;
mod downloads;
mod migrations;
mod publish_log;
mod publishers;
pub mod records;
mod recovery;
mod retention;
mod snapshot;
mod tables;
mod usage;
mod written;

pub use records::Stamp;
/// A store whose disk a test can fill.
#[cfg(test)]
pub(crate) use recovery::disk_full;
pub use snapshot::{Row, RowKey};
/// The schema this build writes; a backup names the one it was taken at.
pub use tables::SCHEMA_VERSION;
pub use written::{RecordKind, Written};

use recovery::Recovering;
use redb::{Database, ReadableDatabase, ReadableTable, TableDefinition};
use serde::{Serialize, de::DeserializeOwned};
use std::path::Path;
use tables::JsonTable;

#[derive(Clone, Debug, thiserror::Error)]
pub enum StoreError {
    #[error("the database is in use by another packagento process")]
    Locked,
    #[error("database error: {0}")]
    Database(String),
    /// An I/O error (typically a full disk): nothing was saved. The store re-opens the database
    /// by itself, so the same request succeeds once the cause is gone.
    #[error(
        "the database cannot be written right now ({0}); nothing was saved. packagento retries by \
         itself: free space on the data folder's disk, then try again"
    )]
    Unavailable(String),
    #[error("stored record {table}/{key} is unreadable: {reason}")]
    Corrupt {
        table: String,
        key: String,
        reason: String,
    },
    #[error(
        "the database was written by a newer packagento (schema {found}, this build knows up to {supported})"
    )]
    SchemaTooNew { found: u32, supported: u32 },
}

/// Error types that may carry a `StoreError`, so the store can tell an I/O failure inside a
/// transaction's work from the work's own refusal.
pub trait CarriesStoreError {
    fn store_error(&self) -> Option<&StoreError>;
}

impl CarriesStoreError for StoreError {
    fn store_error(&self) -> Option<&StoreError> {
        Some(self)
    }
}

/// I/O failures (and redb's "previous I/O error" that follows one) become `Unavailable`; the
/// rest stay plain database errors.
fn classify(storage: Option<&redb::StorageError>, text: String) -> StoreError {
    match storage {
        Some(redb::StorageError::Io(error)) => StoreError::Unavailable(error.to_string()),
        Some(redb::StorageError::PreviousIo | redb::StorageError::DatabaseClosed) => {
            StoreError::Unavailable(recovery::PREVIOUS_IO.to_string())
        }
        _ => StoreError::Database(text),
    }
}

macro_rules! from_redb {
    ($($error:ident),*) => {$(
        impl From<redb::$error> for StoreError {
            fn from(error: redb::$error) -> Self {
                let text = error.to_string();
                match &error {
                    redb::$error::Storage(storage) => classify(Some(storage), text),
                    _ => classify(None, text),
                }
            }
        }
    )*};
}
from_redb!(TransactionError, TableError, CommitError);

impl From<redb::StorageError> for StoreError {
    fn from(error: redb::StorageError) -> Self {
        let text = error.to_string();
        classify(Some(&error), text)
    }
}

impl From<redb::DatabaseError> for StoreError {
    fn from(error: redb::DatabaseError) -> Self {
        let text = error.to_string();
        match &error {
            redb::DatabaseError::DatabaseAlreadyOpen => StoreError::Locked,
            redb::DatabaseError::Storage(storage) => classify(Some(storage), text),
            _ => classify(None, text),
        }
    }
}

pub type Result<T> = std::result::Result<T, StoreError>;

const STORE_CACHE_BYTES: usize = 8 * 1024 * 1024;

pub struct Store {
    db: Recovering,
}

impl Store {
    pub fn open(path: &Path) -> Result<Self> {
        if !path.exists() {
            create_whole(path)?;
        }
        make_private(path)?;
        let path = path.to_path_buf();
        // The serving snapshot lives in memory; the page cache only speeds up admin work and the
        // start-up read, so a small one keeps the server's footprint down.
        Self::open_with(Box::new(move || builder().create(&path)))
    }

    fn open_with(open: recovery::Opener) -> Result<Self> {
        let store = Self {
            db: Recovering::open(open)?,
        };
        store.write(migrations::bring_up_to_date)?;
        Ok(store)
    }

    /// Runs `work` in one write transaction, committed only when it returns `Ok`.
    pub fn write<T, E>(
        &self,
        work: impl FnOnce(&Writer) -> std::result::Result<T, E>,
    ) -> std::result::Result<T, E>
    where
        E: From<StoreError> + CarriesStoreError,
    {
        let result = self.write_once(work);
        match &result {
            Ok(_) => self.db.write_committed(),
            Err(error) => {
                if let Some(StoreError::Unavailable(reason)) = error.store_error() {
                    self.db.failed(reason);
                }
            }
        }
        result
    }

    fn write_once<T, E>(
        &self,
        work: impl FnOnce(&Writer) -> std::result::Result<T, E>,
    ) -> std::result::Result<T, E>
    where
        E: From<StoreError>,
    {
        let begun = self.db.database().and_then(|db| Ok(db.begin_write()?));
        let txn = begun.map_err(|e| self.db.explain(e))?;
        let result = {
            let writer = Writer::new(&txn);
            work(&writer)?
        };
        txn.commit()
            .map_err(|e| self.db.explain(StoreError::from(e)))?;
        Ok(result)
    }

    pub fn read<T>(&self, work: impl FnOnce(&Reader) -> Result<T>) -> Result<T> {
        let result = self
            .db
            .database()
            .and_then(|db| Ok(db.begin_read()?))
            .and_then(|txn| work(&Reader { txn: &txn }));
        self.db.note(&result);
        result.map_err(|e| self.db.explain(e))
    }

    /// Why writes fail, while they do: set by a failed transaction, cleared by the next commit.
    pub fn failure(&self) -> Option<String> {
        self.db.failure()
    }

    /// Changes each time the database was re-opened after a failure; state derived from it
    /// should then be rebuilt from what was really committed.
    pub fn generation(&self) -> u64 {
        self.db.generation()
    }

    /// While writes fail, tries a small write (a row put and removed again), so recovery is
    /// noticed without waiting for real work. `Ok(true)` once writes work again.
    pub fn retry_writes(&self) -> Result<bool> {
        if self.failure().is_none() {
            return Ok(false);
        }
        self.write(|w| {
            w.put(tables::META, WRITE_CHECK, &true)?;
            w.remove(tables::META, WRITE_CHECK)
        })?;
        Ok(true)
    }
}

/// The META key `retry_writes` writes and removes in one transaction; never committed as a row.
const WRITE_CHECK: &str = "write_check";

fn builder() -> redb::Builder {
    let mut builder = Database::builder();
    builder.set_cache_size(STORE_CACHE_BYTES);
    builder
}

/// Makes a new database under a temporary name and renames it into place once it is initialised
/// and migrated: a process killed while creating it leaves no half-written file where the
/// database belongs (the next start would refuse one as "not a redb database").
fn create_whole(path: &Path) -> Result<()> {
    let failed = |e: std::io::Error| StoreError::Database(format!("{}: {e}", path.display()));
    let file_name = path.file_name().map(|n| n.to_string_lossy().into_owned());
    let staging = path.with_file_name(format!(".{}.creating", file_name.unwrap_or_default()));
    match std::fs::remove_file(&staging) {
        Ok(()) => tracing::info!(file = %staging.display(), "removed a database left half-created"),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
        Err(e) => return Err(failed(e)),
    }
    make_private(&staging)?;
    let opened = staging.clone();
    drop(Store::open_with(Box::new(move || {
        builder().create(&opened)
    }))?);
    std::fs::rename(&staging, path).map_err(failed)?;
    if let Some(dir) = path.parent() {
        std::fs::File::open(dir)
            .and_then(|dir| dir.sync_all())
            .map_err(failed)?;
    }
    Ok(())
}

/// redb creates its file with the umask's mode (0644 by hand): the file holds the token hashes,
/// so it is made first, 0600, and redb initialises the empty file. An existing one that is open
/// to others is closed before anything more is written to it.
fn make_private(path: &Path) -> Result<()> {
    use std::os::unix::fs::{OpenOptionsExt, PermissionsExt};
    let failed = |e: std::io::Error| StoreError::Database(format!("{}: {e}", path.display()));
    let created = std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(0o600)
        .open(path);
    match created {
        Ok(_) => return Ok(()),
        Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {}
        Err(e) => return Err(failed(e)),
    }
    let mode = std::fs::metadata(path)
        .map_err(failed)?
        .permissions()
        .mode()
        & 0o777;
    if mode & 0o077 != 0 {
        std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o600)).map_err(failed)?;
        tracing::warn!(file = %path.display(), was = %format!("{mode:o}"), "made the database private (mode 600)");
    }
    Ok(())
}

pub struct Writer<'a> {
    txn: &'a redb::WriteTransaction,
    added_releases: std::cell::RefCell<Vec<crate::domain::records::Release>>,
    removed_releases: std::cell::RefCell<Vec<(crate::domain::names::PackageName, String)>>,
    audit_records: std::cell::RefCell<Vec<crate::domain::audit::AuditRecord>>,
    written: std::cell::RefCell<Written>,
}

impl<'a> Writer<'a> {
    fn new(txn: &'a redb::WriteTransaction) -> Self {
        Self {
            txn,
            added_releases: Default::default(),
            removed_releases: Default::default(),
            audit_records: Default::default(),
            written: Default::default(),
        }
    }
}

pub struct Reader<'a> {
    txn: &'a redb::ReadTransaction,
}

/// Reading works the same in both transaction kinds, so it is written once here; the typed
/// accessors in `records` build on it for `Reader` and `Writer` alike.
trait ReadTables {
    fn readable<K: redb::Key + 'static, V: redb::Value + 'static>(
        &self,
        table: TableDefinition<'static, K, V>,
    ) -> Result<impl ReadableTable<K, V>>;

    fn get<T: DeserializeOwned>(&self, table: JsonTable, key: &str) -> Result<Option<T>> {
        get_one(table, &self.readable(table)?, key)
    }

    fn list<T: DeserializeOwned>(&self, table: JsonTable) -> Result<Vec<T>> {
        collect_all(table, &self.readable(table)?)
    }

    /// The first row, in key order, that `wanted` accepts. Only rows whose stored text contains
    /// `hint` are decoded: a lookup by a field no key covers costs a scan of bytes, not of values.
    fn find_first<T: DeserializeOwned>(
        &self,
        table: JsonTable,
        hint: &str,
        wanted: impl Fn(&T) -> bool,
    ) -> Result<Option<T>> {
        for row in self.readable(table)?.iter()? {
            let (key, value) = row?;
            let text = std::str::from_utf8(value.value()).unwrap_or_default();
            if !text.contains(hint) {
                continue;
            }
            let decoded: T = decode(table, key.value(), value.value())?;
            if wanted(&decoded) {
                return Ok(Some(decoded));
            }
        }
        Ok(None)
    }
}

impl ReadTables for Writer<'_> {
    fn readable<K: redb::Key + 'static, V: redb::Value + 'static>(
        &self,
        table: TableDefinition<'static, K, V>,
    ) -> Result<impl ReadableTable<K, V>> {
        Ok(self.txn.open_table(table)?)
    }
}

impl ReadTables for Reader<'_> {
    fn readable<K: redb::Key + 'static, V: redb::Value + 'static>(
        &self,
        table: TableDefinition<'static, K, V>,
    ) -> Result<impl ReadableTable<K, V>> {
        Ok(self.txn.open_table(table)?)
    }
}

impl Writer<'_> {
    fn put<T: Serialize>(&self, table: JsonTable, key: &str, value: &T) -> Result<()> {
        let bytes = serde_json::to_vec(value).map_err(|e| StoreError::Database(e.to_string()))?;
        self.note_write(&table, Some(key));
        self.txn.open_table(table)?.insert(key, bytes.as_slice())?;
        Ok(())
    }

    fn remove(&self, table: JsonTable, key: &str) -> Result<bool> {
        self.note_write(&table, Some(key));
        Ok(self.txn.open_table(table)?.remove(key)?.is_some())
    }
}

fn get_one<T: DeserializeOwned>(
    table: JsonTable,
    handle: &impl ReadableTable<&'static str, &'static [u8]>,
    key: &str,
) -> Result<Option<T>> {
    let found = handle.get(key)?;
    found
        .map(|bytes| decode(table, key, bytes.value()))
        .transpose()
}

fn collect_all<T: DeserializeOwned>(
    table: JsonTable,
    handle: &impl ReadableTable<&'static str, &'static [u8]>,
) -> Result<Vec<T>> {
    let mut values = Vec::new();
    for row in handle.iter()? {
        let (key, value) = row?;
        values.push(decode(table, key.value(), value.value())?);
    }
    Ok(values)
}

fn decode<T: DeserializeOwned, K, V>(
    table: TableDefinition<K, V>,
    key: &str,
    bytes: &[u8],
) -> Result<T>
where
    K: redb::Key + 'static,
    V: redb::Value + 'static,
{
    serde_json::from_slice(bytes).map_err(|error| StoreError::Corrupt {
        table: redb::TableHandle::name(&table).to_string(),
        key: key.to_string(),
        reason: error.to_string(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_half_created_database_left_by_a_crash_is_replaced_and_never_in_place() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("db.redb");
        let leftover = dir.path().join(".db.redb.creating");
        std::fs::write(&leftover, b"half-written by a killed process").unwrap();
        let store = Store::open(&path).unwrap();
        assert!(!leftover.exists());
        store
            .write(|w| w.put(tables::META, "marker", &7u32))
            .unwrap();
        drop(store);
        let store = Store::open(&path).unwrap();
        let marker = store
            .read(|r| r.get::<u32>(tables::META, "marker"))
            .unwrap();
        assert_eq!(marker, Some(7));
    }

    #[test]
    fn a_database_from_a_newer_schema_is_refused() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("db.redb");
        let store = Store::open(&path).unwrap();
        store
            .write(|w| w.put(tables::META, "schema_version", &99u32))
            .unwrap();
        drop(store);
        match Store::open(&path) {
            Err(StoreError::SchemaTooNew { found: 99, .. }) => {}
            other => panic!("expected SchemaTooNew, got {:?}", other.err()),
        }
    }

    #[test]
    fn reopening_keeps_records_and_does_not_rerun_migrations() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("db.redb");
        Store::open(&path)
            .unwrap()
            .write(|w| w.put(tables::META, "marker", &1u32))
            .unwrap();
        let store = Store::open(&path).unwrap();
        assert_eq!(
            store
                .read(|r| r.get::<u32>(tables::META, "marker"))
                .unwrap(),
            Some(1)
        );
        let version = store
            .read(|r| r.get::<u32>(tables::META, "schema_version"))
            .unwrap();
        assert_eq!(version, Some(tables::SCHEMA_VERSION));
    }

    #[test]
    fn a_customer_is_found_by_its_exact_name_whatever_the_name_holds() {
        use crate::domain::names::CustomerSlug;
        use crate::domain::records::Customer;
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(&dir.path().join("db.redb")).unwrap();
        let customer = |slug: &str, name: &str, email: Option<&str>| Customer {
            slug: CustomerSlug::parse(slug).unwrap(),
            name: name.into(),
            email: email.map(Into::into),
            created_at: 0,
        };
        store
            .write(|w| {
                w.put_customer(&customer("zeta", "Quote \"Q\" \\ Ltd", None))?;
                w.put_customer(&customer("beta", "Éclair GmbH", None))?;
                w.put_customer(&customer("alpha", "Éclair GmbH", None))?;
                w.put_customer(&customer("gamma", "Other", Some("Acme@example.com")))
            })
            .unwrap();
        let named = |name: &str| {
            store
                .read(|r| r.customer_named(name))
                .unwrap()
                .map(|c| c.slug.to_string())
        };
        assert_eq!(named("Quote \"Q\" \\ Ltd").as_deref(), Some("zeta"));
        assert_eq!(
            named("Éclair GmbH").as_deref(),
            Some("alpha"),
            "the first by slug"
        );
        assert_eq!(named("Acme"), None, "text in another field is not a name");
        assert_eq!(named("Éclair"), None, "part of a name is not the name");
        assert_eq!(named("Other").as_deref(), Some("gamma"));
    }
}
