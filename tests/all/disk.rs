//! What packagento leaves on disk: private modes whatever the umask, no crash leftovers, no
//! silently replaced database, and nothing created by commands that only read.

use crate::common::{Appliance, BIN, zips};
use serde_json::json;
use std::io::Read;
use std::os::unix::fs::PermissionsExt;
use std::path::Path;
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

/// `args` run as an operator would by hand, under umask 022, with the appliance's environment.
fn under_umask_022(app: &Appliance, args: &[&str]) -> Output {
    let original = app.command();
    let mut command = Command::new("sh");
    command
        .args(["-c", "umask 022 && exec \"$0\" \"$@\"", BIN])
        .args(args);
    for (key, value) in original.get_envs() {
        match value {
            Some(value) => command.env(key, value),
            None => command.env_remove(key),
        };
    }
    let output = command.output().expect("run packagento under sh");
    assert!(
        output.status.success(),
        "packagento {args:?} failed: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    output
}

fn mode(path: &Path) -> u32 {
    std::fs::metadata(path)
        .unwrap_or_else(|e| panic!("{}: {e}", path.display()))
        .permissions()
        .mode()
        & 0o777
}

fn release(app: &Appliance) -> std::path::PathBuf {
    let composer = json!({"name": "acme/disk", "version": "1.0.0"});
    zips::package_zip(app.dir.path(), "disk.zip", &composer, &[("a.php", "<?php")])
}

#[test]
fn data_folder_database_archives_and_backups_are_private_under_umask_022() {
    let app = Appliance::new();
    under_umask_022(&app, &["project", "create", "shop"]);
    let zip = release(&app);
    under_umask_022(&app, &["package", "publish", zip.to_str().unwrap()]);
    let backup = app.dir.path().join("shop.backup");
    under_umask_022(&app, &["backup", backup.to_str().unwrap()]);

    let data = app.data_dir();
    assert_eq!(mode(&data), 0o700, "data folder");
    assert_eq!(mode(&data.join("packagento.redb")), 0o600, "database");
    assert_eq!(mode(&data.join("archives")), 0o700, "archive folder");
    let archives: Vec<_> = std::fs::read_dir(data.join("archives"))
        .unwrap()
        .map(|entry| entry.unwrap().path())
        .collect();
    assert_eq!(archives.len(), 1, "{archives:?}");
    assert_eq!(mode(&archives[0]), 0o600, "archive");
    assert_eq!(mode(&backup), 0o600, "backup file");
}

#[test]
fn a_restored_data_folder_is_private_under_umask_022() {
    let app = Appliance::new();
    under_umask_022(&app, &["project", "create", "shop"]);
    under_umask_022(
        &app,
        &["package", "publish", release(&app).to_str().unwrap()],
    );
    let backup = app.dir.path().join("shop.backup");
    under_umask_022(&app, &["backup", backup.to_str().unwrap()]);
    let restored = app.dir.path().join("restored");
    let target = restored.to_str().unwrap();
    under_umask_022(
        &app,
        &["restore", "--data-dir", target, backup.to_str().unwrap()],
    );
    assert_eq!(mode(&restored), 0o700);
    assert_eq!(mode(&restored.join("packagento.redb")), 0o600);
    assert_eq!(mode(&restored.join("archives")), 0o700);
}

#[test]
fn an_existing_open_data_folder_and_database_are_made_private() {
    let app = Appliance::new();
    app.project("shop");
    let data = app.data_dir();
    let open = |path: &Path, bits| {
        std::fs::set_permissions(path, std::fs::Permissions::from_mode(bits)).unwrap()
    };
    open(&data, 0o755);
    open(&data.join("packagento.redb"), 0o644);
    app.json(&["project", "list"]);
    assert_eq!(mode(&data), 0o700);
    assert_eq!(mode(&data.join("packagento.redb")), 0o600);
}

#[test]
fn the_admin_socket_lives_in_a_folder_only_its_owner_can_enter() {
    let mut app = Appliance::new();
    std::fs::create_dir(app.data_dir()).unwrap();
    std::fs::set_permissions(app.data_dir(), std::fs::Permissions::from_mode(0o755)).unwrap();
    app.start(&[]);
    let socket = app.data_dir().join("admin.sock");
    assert!(socket.exists());
    assert_eq!(mode(socket.parent().unwrap()), 0o700);
    assert_eq!(mode(&socket), 0o600);
}

#[test]
fn a_staging_file_left_by_a_crash_is_gone_after_start() {
    let mut app = Appliance::new();
    app.project("shop");
    let leftover = app.data_dir().join("archives/.incoming-0123456789abcdef");
    std::fs::write(&leftover, b"half an archive").unwrap();
    let upload = app.data_dir().join("archives/.upload-0123456789abcdef");
    std::fs::create_dir(&upload).unwrap();
    std::fs::write(upload.join("upload.zip"), b"half an upload").unwrap();
    app.start(&[]);
    assert!(
        !leftover.exists(),
        "{} survived start-up",
        leftover.display()
    );
    assert!(!upload.exists(), "{} survived start-up", upload.display());
}

/// What `serve` says about a data folder whose database is `database` beside one archive.
fn serve_beside_an_archive(database: Option<&[u8]>) {
    let app = Appliance::new();
    app.project("shop");
    app.publish(&release(&app), &[]);
    let db = app.data_dir().join("packagento.redb");
    match database {
        Some(bytes) => std::fs::write(&db, bytes).unwrap(),
        None => std::fs::remove_file(&db).unwrap(),
    }
    let before = listing(&app.data_dir());
    let error = serve_must_fail(&app);
    assert!(
        error.contains("packagento restore") && error.contains("backup"),
        "{error}"
    );
    assert_eq!(listing(&app.data_dir()), before, "serve changed the folder");
    if database.is_some() {
        assert_eq!(std::fs::metadata(&db).unwrap().len(), 0);
    }
    let listed = app.fails(&["token", "list"]);
    assert!(listed.contains("packagento restore"), "{listed}");
}

/// Runs `serve`, which must give up on its own: one still running after a while is killed.
fn serve_must_fail(app: &Appliance) -> String {
    let mut child = app
        .command()
        .args(["serve", "--listen", "127.0.0.1:0"])
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn packagento serve");
    let deadline = Instant::now() + Duration::from_secs(10);
    let status = loop {
        if let Some(status) = child.try_wait().unwrap() {
            break status;
        }
        if Instant::now() > deadline {
            let _ = child.kill();
            let _ = child.wait();
            panic!("serve started on a data folder whose database is lost");
        }
        std::thread::sleep(Duration::from_millis(50));
    };
    assert!(!status.success());
    let mut stderr = String::new();
    child
        .stderr
        .take()
        .unwrap()
        .read_to_string(&mut stderr)
        .unwrap();
    stderr
}

fn listing(dir: &Path) -> Vec<(String, u64)> {
    let mut found: Vec<_> = walk(dir);
    found.sort();
    found
}

fn walk(dir: &Path) -> Vec<(String, u64)> {
    let mut found = Vec::new();
    for entry in std::fs::read_dir(dir).unwrap() {
        let entry = entry.unwrap();
        let meta = entry.metadata().unwrap();
        found.push((entry.path().display().to_string(), meta.len()));
        if meta.is_dir() {
            found.extend(walk(&entry.path()));
        }
    }
    found
}

#[test]
fn an_empty_database_beside_archives_makes_serve_refuse_and_name_the_restore() {
    serve_beside_an_archive(Some(b""));
}

#[test]
fn a_missing_database_beside_archives_makes_serve_refuse_and_name_the_restore() {
    serve_beside_an_archive(None);
}

#[test]
fn commands_that_only_read_create_no_data_folder() {
    let app = Appliance::new();
    let missing = app.dir.path().join("mistyped/x");
    let dir = missing.to_str().unwrap();
    for args in [
        &["token", "list"][..],
        &["project", "list"],
        &["licence", "list"],
        &["package", "list"],
        &["package", "show", "acme/disk"],
        &["publisher", "list"],
        &["downloads"],
        &["config", "show"],
    ] {
        let mut all = args.to_vec();
        all.extend(["--data-dir", dir]);
        let output = app.run(&all);
        let stderr = String::from_utf8_lossy(&output.stderr);
        if args[0] != "config" {
            assert!(!output.status.success(), "{args:?} succeeded");
            assert!(
                stderr.contains("no packagento data folder") && stderr.contains("--data-dir"),
                "{args:?}: {stderr}"
            );
        }
        assert!(!missing.exists(), "{args:?} created {dir}");
        assert!(
            !missing.parent().unwrap().exists(),
            "{args:?} created a parent"
        );
    }
}

#[test]
fn a_command_that_only_reads_does_not_create_a_database_in_an_existing_folder() {
    let app = Appliance::new();
    std::fs::create_dir(app.data_dir()).unwrap();
    let error = app.fails(&["token", "list"]);
    assert!(error.contains("no packagento database"), "{error}");
    assert_eq!(std::fs::read_dir(app.data_dir()).unwrap().count(), 0);
}
