//! Getting the database back after an I/O error without a restart.
//!
//! Once a write fails (typically a full disk), redb refuses every later transaction with
//! "Previous I/O error occurred" until the `Database` is closed and opened again. This keeps the
//! open `Database` behind a slot that can be emptied and refilled: the next transaction after a
//! failure re-opens the file (closing the old handle first, so its file lock is gone), retried
//! with a growing pause while it keeps failing. The failure stays reported (`failure`) until a
//! write commits again, because a re-open can succeed on a disk that still has no room.

use super::{Result, StoreError};
use redb::Database;
use std::sync::{Arc, Mutex, RwLock};
use std::time::{Duration, Instant};

/// Opens the database file again; the real file backend, or a test's failing one.
pub(super) type Opener =
    Box<dyn Fn() -> std::result::Result<Database, redb::DatabaseError> + Send + Sync>;

/// The first re-open is immediate; repeated failures wait longer, up to this, so a disk that
/// stays full is not hammered with repair attempts.
const FIRST_PAUSE: Duration = Duration::from_secs(1);
const LONGEST_PAUSE: Duration = Duration::from_secs(8);

/// What redb says once the backend has failed; the reason kept is the first real I/O error.
pub(super) const PREVIOUS_IO: &str = "an earlier write failed";

pub(super) struct Recovering {
    open: Opener,
    /// `None` only while a re-open is under way or has failed. Transactions clone the `Arc` and
    /// let go of the lock at once, so no lock is held across a transaction (service code may
    /// nest a read inside a write); an old handle closes when its last transaction ends.
    current: RwLock<Option<Arc<Database>>>,
    state: Mutex<State>,
}

#[derive(Default)]
struct State {
    /// Why writes fail, from the first failed transaction until one commits again.
    failure: Option<String>,
    /// The handle has seen an I/O error and must be replaced before it is any use.
    must_reopen: bool,
    next_try: Option<Instant>,
    pause: Duration,
    /// Counts successful re-opens, so callers holding state derived from the database (the
    /// serving catalogue) know to rebuild it from what was really committed.
    generation: u64,
}

impl Recovering {
    pub(super) fn open(open: Opener) -> Result<Self> {
        let database = open()?;
        Ok(Self {
            open,
            current: RwLock::new(Some(Arc::new(database))),
            state: Mutex::new(State::default()),
        })
    }

    /// The database to run one transaction on, re-opened first when the last one failed.
    pub(super) fn database(&self) -> Result<Arc<Database>> {
        self.reopen_if_due();
        let current = self
            .current
            .read()
            .unwrap_or_else(|p| p.into_inner())
            .clone();
        current.ok_or_else(|| StoreError::Unavailable(self.reason()))
    }

    /// Takes note of a failed transaction; only I/O failures count, a bad record is no outage.
    pub(super) fn note<T>(&self, result: &std::result::Result<T, StoreError>) {
        if let Err(StoreError::Unavailable(reason)) = result {
            self.failed(reason);
        }
    }

    pub(super) fn failed(&self, reason: &str) {
        let mut state = self.state();
        if state.failure.is_none() {
            tracing::warn!(%reason, "database writes are failing; re-opening it and retrying");
            state.pause = FIRST_PAUSE;
            state.next_try = None;
        }
        let known = state.failure.is_some() && reason == PREVIOUS_IO;
        if !known {
            state.failure = Some(reason.to_string());
        }
        state.must_reopen = true;
    }

    pub(super) fn write_committed(&self) {
        let mut state = self.state();
        if let Some(reason) = state.failure.take() {
            tracing::info!(was = %reason, "database writes work again");
        }
    }

    /// redb's "previous I/O error" says nothing useful; the error that caused it does.
    pub(super) fn explain(&self, error: StoreError) -> StoreError {
        match error {
            StoreError::Unavailable(reason) if reason == PREVIOUS_IO => {
                StoreError::Unavailable(self.failure().unwrap_or(reason))
            }
            other => other,
        }
    }

    pub(super) fn failure(&self) -> Option<String> {
        self.state().failure.clone()
    }

    pub(super) fn generation(&self) -> u64 {
        self.state().generation
    }

    fn reason(&self) -> String {
        self.failure().unwrap_or_else(|| PREVIOUS_IO.to_string())
    }

    fn reopen_if_due(&self) {
        {
            let mut state = self.state();
            let now = Instant::now();
            if !state.must_reopen || state.next_try.is_some_and(|at| now < at) {
                return;
            }
            // Claimed before the (slow) open, so concurrent callers do not open it twice.
            state.next_try = Some(now + state.pause);
            state.pause = (state.pause * 2).clamp(FIRST_PAUSE, LONGEST_PAUSE);
        }
        let mut current = self.current.write().unwrap_or_else(|p| p.into_inner());
        // Dropping the failed handle closes the file and releases its lock, unless a transaction
        // still holds it; then this open is refused as locked and the next attempt succeeds.
        current.take();
        match (self.open)() {
            Ok(database) => {
                *current = Some(Arc::new(database));
                let mut state = self.state();
                state.must_reopen = false;
                state.generation += 1;
                tracing::info!("database re-opened after an I/O error");
            }
            Err(error) => {
                let error = StoreError::from(error);
                tracing::warn!(%error, "database could not be re-opened yet; will retry");
            }
        }
    }

    fn state(&self) -> std::sync::MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(|p| p.into_inner())
    }
}

/// A store on a disk that a test can fill: the real file backend, with a switch that makes every
/// write answer "No space left on device", as a full disk does.
#[cfg(test)]
pub(crate) mod disk_full {
    use super::super::{Store, builder};
    use super::Opener;
    use redb::{BackendError, StorageBackend, backends::FileBackend};
    use std::ops::Bound;
    use std::path::Path;
    use std::sync::Arc;
    use std::sync::atomic::{AtomicBool, Ordering};

    #[derive(Debug)]
    struct DiskFull {
        inner: FileBackend,
        full: Arc<AtomicBool>,
    }

    impl DiskFull {
        fn check(&self) -> std::io::Result<()> {
            if self.full.load(Ordering::SeqCst) {
                return Err(std::io::Error::from_raw_os_error(28));
            }
            Ok(())
        }
    }

    impl StorageBackend for DiskFull {
        fn len(&self) -> std::io::Result<u64> {
            self.inner.len()
        }
        fn read(&self, offset: u64, out: &mut [u8]) -> std::io::Result<()> {
            self.inner.read(offset, out)
        }
        fn set_len(&self, len: u64) -> std::io::Result<()> {
            self.check()?;
            self.inner.set_len(len)
        }
        fn sync_data(&self) -> std::io::Result<()> {
            self.check()?;
            self.inner.sync_data()
        }
        fn write(&self, offset: u64, data: &[u8]) -> std::io::Result<()> {
            self.check()?;
            self.inner.write(offset, data)
        }
        fn close(&self) -> std::io::Result<()> {
            self.inner.close()
        }
        fn try_lock_range(&self, start: Bound<u64>, end: Bound<u64>) -> Result<bool, BackendError> {
            self.inner.try_lock_range(start, end)
        }
        fn try_lock_shared_range(
            &self,
            start: Bound<u64>,
            end: Bound<u64>,
        ) -> Result<bool, BackendError> {
            self.inner.try_lock_shared_range(start, end)
        }
        fn lock_range(&self, start: Bound<u64>, end: Bound<u64>) -> Result<(), BackendError> {
            self.inner.lock_range(start, end)
        }
        fn lock_shared_range(
            &self,
            start: Bound<u64>,
            end: Bound<u64>,
        ) -> Result<(), BackendError> {
            self.inner.lock_shared_range(start, end)
        }
        fn unlock_range(&self, start: Bound<u64>, end: Bound<u64>) -> Result<(), BackendError> {
            self.inner.unlock_range(start, end)
        }
        fn query_lock_range(
            &self,
            start: Bound<u64>,
            end: Bound<u64>,
        ) -> Result<bool, BackendError> {
            self.inner.query_lock_range(start, end)
        }
    }

    /// Flip it to `true` to fill the disk, back to `false` to free it.
    pub(crate) type Switch = Arc<AtomicBool>;

    pub(crate) fn store(path: &Path) -> (Store, Switch) {
        let path = path.to_path_buf();
        let full = Arc::new(AtomicBool::new(false));
        let switch = full.clone();
        let open: Opener = Box::new(move || {
            let file = std::fs::OpenOptions::new()
                .read(true)
                .write(true)
                .create(true)
                .truncate(false)
                .open(&path)?;
            let backend = DiskFull {
                inner: FileBackend::new(file)?,
                full: switch.clone(),
            };
            builder().create_with_backend(backend)
        });
        let store = Store::open_with(open).unwrap_or_else(|e| panic!("test store: {e}"));
        (store, full)
    }

    pub(crate) fn fill(switch: &Switch, full: bool) {
        switch.store(full, Ordering::SeqCst);
    }
}

#[cfg(test)]
mod tests {
    use super::super::{ReadTables, Store, tables};
    use super::disk_full::{fill, store};
    use super::*;

    fn put(store: &Store, key: &str, value: u32) -> crate::store::Result<()> {
        store.write(|w| w.put(tables::META, key, &value))
    }

    fn get(store: &Store, key: &str) -> crate::store::Result<Option<u32>> {
        store.read(|r| r.get::<u32>(tables::META, key))
    }

    #[test]
    fn writes_work_again_without_a_restart_once_the_disk_has_room() {
        let dir = tempfile::tempdir().unwrap();
        let (store, full) = store(&dir.path().join("db.redb"));
        put(&store, "kept", 1).unwrap();

        fill(&full, true);
        match put(&store, "lost", 2) {
            Err(StoreError::Unavailable(reason)) => {
                assert!(reason.contains("No space left on device"), "{reason}")
            }
            other => panic!("expected Unavailable, got {other:?}"),
        }
        let failure = store.failure().unwrap();
        assert!(failure.contains("No space left on device"), "{failure}");

        fill(&full, false);
        put(&store, "after", 3).unwrap();
        assert_eq!(store.failure(), None);
        assert_eq!(get(&store, "kept").unwrap(), Some(1));
        assert_eq!(get(&store, "lost").unwrap(), None);
        assert_eq!(get(&store, "after").unwrap(), Some(3));
        assert_eq!(store.generation(), 1);
    }

    #[test]
    fn a_disk_that_stays_full_keeps_failing_and_is_retried_after_a_pause() {
        let dir = tempfile::tempdir().unwrap();
        let (store, full) = store(&dir.path().join("db.redb"));
        put(&store, "kept", 1).unwrap();
        fill(&full, true);
        assert!(put(&store, "a", 2).is_err());
        // The re-open this write triggers fails too (its repair cannot write either).
        assert!(matches!(
            put(&store, "b", 3),
            Err(StoreError::Unavailable(_))
        ));
        assert!(store.retry_writes().is_err());
        assert!(store.failure().unwrap().contains("No space left"));

        fill(&full, false);
        std::thread::sleep(FIRST_PAUSE + Duration::from_millis(100));
        assert!(store.retry_writes().unwrap());
        assert_eq!(store.failure(), None);
        assert_eq!(get(&store, "kept").unwrap(), Some(1));
        assert_eq!(get(&store, super::super::WRITE_CHECK).unwrap(), None);
    }

    #[test]
    fn a_refused_write_that_is_not_an_io_error_is_no_outage() {
        let dir = tempfile::tempdir().unwrap();
        let (store, _) = store(&dir.path().join("db.redb"));
        let refused: crate::store::Result<()> =
            store.write(|_| Err(StoreError::Database("not this".into())));
        assert!(refused.is_err());
        assert_eq!(store.failure(), None);
        assert!(!store.retry_writes().unwrap());
    }
}
