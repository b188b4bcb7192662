//! Which store each open data folder's archives go to, found from the archive folder's path.
//!
//! Why a registry: publishing's placement steps (`move_into_place`, `remove_if_placed`) are
//! handed only the staged file and the archive's local path, and several ways of publishing are
//! built on them; looking the store up by the folder keeps those steps' signatures, and so every
//! caller, unchanged. A folder nobody registered is a plain local store, as it always was.

use super::ArchiveStore;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, Weak};

static STORES: Mutex<Vec<(PathBuf, Weak<ArchiveStore>)>> = Mutex::new(Vec::new());

/// Registers `store` as where the archives of `archive_dir` go, while it lives.
pub fn register(archive_dir: &Path, store: &Arc<ArchiveStore>) {
    let mut stores = STORES.lock().unwrap_or_else(|p| p.into_inner());
    stores.retain(|(dir, weak)| dir != archive_dir && weak.strong_count() > 0);
    stores.push((archive_dir.to_path_buf(), Arc::downgrade(store)));
}

/// The store registered for `archive_dir`, else a local store on that folder.
pub fn registered(archive_dir: &Path) -> Arc<ArchiveStore> {
    let stores = STORES.lock().unwrap_or_else(|p| p.into_inner());
    stores
        .iter()
        .rev()
        .find(|(dir, _)| dir == archive_dir)
        .and_then(|(_, weak)| weak.upgrade())
        .unwrap_or_else(|| Arc::new(ArchiveStore::local(archive_dir)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_unregistered_folder_is_a_local_store_and_a_dropped_one_is_forgotten() {
        let dir = tempfile::tempdir().unwrap();
        assert!(registered(dir.path()).is_local());
        let store = Arc::new(ArchiveStore::local(&dir.path().join("elsewhere")));
        register(dir.path(), &store);
        assert!(Arc::ptr_eq(&registered(dir.path()), &store));
        drop(store);
        let fallback = registered(dir.path());
        assert_eq!(fallback.describe(), dir.path().display().to_string());
    }
}
