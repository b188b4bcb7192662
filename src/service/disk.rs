//! The data folder on disk: private whatever the umask (folders 0700, files 0600), checked before
//! the database opens, and cleared of the staging files a crash leaves behind.

use super::{Result, ServiceError, Settings};
use std::fs::{DirBuilder, File, OpenOptions};
use std::io::ErrorKind;
use std::os::unix::fs::{DirBuilderExt, OpenOptionsExt, PermissionsExt};
use std::path::Path;

pub const PRIVATE_DIR: u32 = 0o700;
pub const PRIVATE_FILE: u32 = 0o600;

/// Names of the staging files and folders that publishing and uploads rename or remove when they
/// finish; any still in the archive folder when the database opens were left by a crash.
const STAGING_PREFIXES: [&str; 2] = [".incoming-", ".upload-"];

/// Creates `path` as a private folder (its missing parents as usual), or makes an existing one
/// private: it holds token hashes, customer records and the private archives.
pub fn private_dir(path: &Path) -> std::io::Result<()> {
    if let Some(parent) = path.parent().filter(|p| !p.as_os_str().is_empty()) {
        std::fs::create_dir_all(parent)?;
    }
    match DirBuilder::new().mode(PRIVATE_DIR).create(path) {
        Ok(()) => Ok(()),
        Err(e) if e.kind() == ErrorKind::AlreadyExists && path.is_dir() => tighten(path),
        Err(e) => Err(e),
    }
}

/// A new file (or an emptied one) that only its owner can read, whatever the umask.
pub fn private_file(path: &Path) -> std::io::Result<File> {
    OpenOptions::new()
        .write(true)
        .create(true)
        .truncate(true)
        .mode(PRIVATE_FILE)
        .open(path)
}

/// A folder made by an older build, or by hand under umask 022, is readable by everyone.
fn tighten(dir: &Path) -> std::io::Result<()> {
    let mode = std::fs::metadata(dir)?.permissions().mode() & 0o777;
    if mode & 0o077 == 0 {
        return Ok(());
    }
    std::fs::set_permissions(dir, std::fs::Permissions::from_mode(PRIVATE_DIR)).map_err(|e| {
        std::io::Error::new(
            e.kind(),
            format!(
                "it is open to other users (mode {mode:o}) and cannot be made private ({e}); \
                 run `chmod 700 {}` as its owner",
                dir.display()
            ),
        )
    })?;
    tracing::warn!(dir = %dir.display(), was = %format!("{mode:o}"), "made the folder private (mode 700)");
    Ok(())
}

/// Creates the data and archive folders, private, after checking that no database was lost.
pub fn prepare(settings: &Settings) -> Result<()> {
    refuse_lost_database(settings)?;
    for dir in [&settings.data_dir, &settings.archive_dir()] {
        private_dir(dir).map_err(|e| {
            ServiceError::Io(format!("cannot create data folder {}: {e}", dir.display()))
        })?;
    }
    Ok(())
}

/// For commands that only read: a missing folder or database is a mistyped `--data-dir`, not a
/// reason to create an empty appliance.
pub fn require_existing(settings: &Settings) -> Result<()> {
    let dir = &settings.data_dir;
    if !dir.is_dir() {
        return Err(ServiceError::NotFound(format!(
            "no packagento data folder at {} (check --data-dir)",
            dir.display()
        )));
    }
    refuse_lost_database(settings)?;
    if !settings.database_path().exists() {
        return Err(ServiceError::NotFound(format!(
            "no packagento database in {} (check --data-dir; `packagento serve` or a command \
             that changes something creates it)",
            dir.display()
        )));
    }
    Ok(())
}

/// A missing or empty database beside archives means the records were lost: opening would
/// start an empty one, and every customer would get 401 with nothing saying why.
fn refuse_lost_database(settings: &Settings) -> Result<()> {
    let database = settings.database_path();
    let state = match std::fs::metadata(&database) {
        Ok(meta) if meta.len() > 0 => return Ok(()),
        Ok(_) => "empty (0 bytes)",
        Err(e) if e.kind() == ErrorKind::NotFound => "missing",
        Err(e) => {
            return Err(ServiceError::Io(format!(
                "cannot read {}: {e}",
                database.display()
            )));
        }
    };
    let archives = count_archives(&settings.archive_dir());
    if archives == 0 {
        return Ok(());
    }
    Err(ServiceError::Conflict(format!(
        "the database {} is {state}, but {} holds {archives} release archives: the records \
         naming them (projects, tokens, licences, releases) are lost. Nothing was changed. \
         Restore your latest backup into a new, empty folder \
         (`packagento restore --data-dir NEW-FOLDER BACKUP-FILE`) and run packagento on that \
         folder; to really start empty instead, move {} away first.",
        database.display(),
        settings.archive_dir().display(),
        settings.archive_dir().display(),
    )))
}

fn count_archives(dir: &Path) -> usize {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return 0;
    };
    entries
        .filter_map(|entry| entry.ok())
        .filter(|entry| {
            let name = entry.file_name();
            let name = name.to_string_lossy();
            name.ends_with(".zip") && !name.starts_with('.')
        })
        .count()
}

/// Removes staging files left by a crash. Only called while this process holds the database,
/// so no other packagento can be writing one of them.
pub fn remove_leftovers(archive_dir: &Path) {
    let Ok(entries) = std::fs::read_dir(archive_dir) else {
        return;
    };
    for entry in entries.filter_map(|entry| entry.ok()) {
        let name = entry.file_name().to_string_lossy().into_owned();
        if !STAGING_PREFIXES.iter().any(|p| name.starts_with(p)) {
            continue;
        }
        let path = entry.path();
        let removed = match entry.file_type() {
            Ok(kind) if kind.is_dir() => std::fs::remove_dir_all(&path),
            _ => std::fs::remove_file(&path),
        };
        match removed {
            Ok(()) => {
                tracing::info!(file = %path.display(), "removed a staging file left by a crash")
            }
            Err(error) => {
                tracing::warn!(file = %path.display(), %error, "cannot remove a staging file left by a crash")
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn mode(path: &Path) -> u32 {
        std::fs::metadata(path).unwrap().permissions().mode() & 0o777
    }

    #[test]
    fn an_existing_open_folder_is_made_private() {
        let dir = tempfile::tempdir().unwrap();
        let data = dir.path().join("data");
        std::fs::create_dir(&data).unwrap();
        std::fs::set_permissions(&data, std::fs::Permissions::from_mode(0o755)).unwrap();
        private_dir(&data).unwrap();
        assert_eq!(mode(&data), 0o700);
    }

    #[test]
    fn a_new_folder_and_file_are_private() {
        let dir = tempfile::tempdir().unwrap();
        let data = dir.path().join("a/b/data");
        private_dir(&data).unwrap();
        assert_eq!(mode(&data), 0o700);
        private_file(&data.join("f")).unwrap();
        assert_eq!(mode(&data.join("f")), 0o600);
    }

    #[test]
    fn leftovers_go_and_archives_stay() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join(".incoming-ab12"), b"x").unwrap();
        std::fs::create_dir(dir.path().join(".upload-cd34")).unwrap();
        std::fs::write(dir.path().join(".upload-cd34/upload.zip"), b"x").unwrap();
        std::fs::write(dir.path().join("abc.zip"), b"x").unwrap();
        remove_leftovers(dir.path());
        let left: Vec<_> = std::fs::read_dir(dir.path())
            .unwrap()
            .map(|e| e.unwrap().file_name().into_string().unwrap())
            .collect();
        assert_eq!(left, vec!["abc.zip".to_string()]);
    }

    #[test]
    fn an_empty_database_beside_archives_is_refused_and_left_alone() {
        let dir = tempfile::tempdir().unwrap();
        let settings = Settings::for_tests(dir.path().to_path_buf());
        std::fs::create_dir(settings.archive_dir()).unwrap();
        std::fs::write(settings.archive_path("ab"), b"zip").unwrap();
        File::create(settings.database_path()).unwrap();
        let error = prepare(&settings).unwrap_err().to_string();
        assert!(error.contains("packagento restore"), "{error}");
        assert_eq!(
            std::fs::metadata(settings.database_path()).unwrap().len(),
            0
        );
    }
}
