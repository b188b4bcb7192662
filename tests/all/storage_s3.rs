//! Archives in S3-compatible object storage, against a real Garage node the test starts: publish
//! verified into the bucket, dist streamed or redirected with the real Composer client, the store
//! going down, removal, migration both ways, and backup/restore.

use crate::common::garage::{Garage, RecordingProxy, garage_available, local_archives};
use crate::common::{Appliance, zips};
use crate::composer::{Shop, composer_available};
use packagento::config::Config;
use packagento::service::storage::ArchiveStore;
use serde_json::json;
use std::path::Path;

/// An appliance whose configuration file sends archives to `garage` through `endpoint`.
fn appliance_on(garage: &Garage, endpoint: &str, redirect: bool) -> Appliance {
    let appliance = Appliance::new();
    configure(&appliance, &garage.storage_toml(endpoint, "pkg/", redirect));
    appliance
}

fn configure(appliance: &Appliance, text: &str) {
    std::fs::create_dir_all(appliance.data_dir()).unwrap();
    std::fs::write(appliance.data_dir().join("packagento.toml"), text).unwrap();
}

/// The bucket as packagento sees it, for checking what is there.
fn bucket(garage: &Garage, prefix: &str) -> ArchiveStore {
    let config = Config::from_toml(&garage.storage_toml(&garage.s3_addr, prefix, false)).unwrap();
    let scratch = std::env::temp_dir();
    ArchiveStore::open(&config.storage, &scratch).unwrap()
}

fn sha256_of_file(path: &Path) -> String {
    use sha2::Digest;
    hex::encode(sha2::Sha256::digest(std::fs::read(path).unwrap()))
}

fn publish(appliance: &Appliance, name: &str, version: &str) -> std::path::PathBuf {
    let zips = appliance.dir.path().join("zips");
    let zip = zips::library(&zips, name, version, json!({}), None);
    appliance.publish(&zip, &[]);
    zip
}

#[test]
fn publishing_puts_a_verified_archive_in_the_bucket_and_none_on_the_local_disk() {
    if !garage_available() {
        return;
    }
    let garage = Garage::start();
    let mut appliance = appliance_on(&garage, &garage.s3_addr, false);
    // Without a server: the CLI publishes on its own thread, outside any runtime.
    let first = publish(&appliance, "acme/first", "1.0.0");
    appliance.start(&[]);
    // With one: through the admin socket, on the server's blocking pool.
    let second = publish(&appliance, "acme/second", "1.0.0");

    let store = bucket(&garage, "pkg/");
    let mut expected = vec![sha256_of_file(&first), sha256_of_file(&second)];
    expected.sort();
    assert_eq!(store.list().unwrap(), expected);
    for (sha256, zip) in [(&expected[0], &first), (&expected[1], &second)] {
        let size = std::fs::metadata(zip).unwrap().len();
        assert!(store.verify(sha256, size).unwrap());
    }
    assert_eq!(
        local_archives(&appliance.data_dir().join("archives")),
        Vec::<String>::new()
    );

    // The same bytes again change nothing: the object is found, verified, and kept.
    let again = appliance.publish(&first, &[]);
    assert_eq!(again[0]["status"], "unchanged");
}

#[test]
fn the_secret_key_never_shows_in_config_show_even_from_the_environment() {
    if !garage_available() {
        return;
    }
    let garage = Garage::start();
    let appliance = Appliance::new();
    let without_secret = garage
        .storage_toml(&garage.s3_addr, "", false)
        .replace(&format!("secret_access_key = \"{}\"\n", garage.secret), "");
    configure(&appliance, &without_secret);
    let refused = appliance.fails(&["config", "show"]);
    assert!(
        refused.contains("storage.s3.secret_access_key"),
        "{refused}"
    );

    let output = appliance
        .command()
        .args(["config", "show"])
        .env("PACKAGENTO_S3_SECRET_ACCESS_KEY", &garage.secret)
        .output()
        .unwrap();
    let shown = String::from_utf8_lossy(&output.stdout);
    assert!(output.status.success(), "{shown}");
    assert!(shown.contains("secret_access_key = \"(set)\""), "{shown}");
    assert!(!shown.contains(&garage.secret), "{shown}");
}

#[test]
fn composer_installs_with_archives_streamed_from_garage_and_revocation_applies_next_request() {
    if !garage_available() || !composer_available() {
        return;
    }
    let garage = Garage::start();
    let mut appliance = appliance_on(&garage, &garage.s3_addr, false);
    appliance.start(&[]);
    let shop = Shop::over(appliance, None);
    shop.publish("acme/core", "1.0.0", json!({}), None);
    shop.publish("acme/app", "1.0.0", json!({ "acme/core": "^1.0" }), None);
    shop.manifest(json!({ "acme/app": "^1.0" }));
    shop.composer_ok(&["install"]);
    let installed = shop.installed();
    assert_eq!(
        installed.get("acme/core").map(String::as_str),
        Some("1.0.0")
    );
    assert_eq!(installed.get("acme/app").map(String::as_str), Some("1.0.0"));

    let path = "/dist/acme/core/1.0.0.zip";
    let ok = shop.appliance.get_as(shop.token(), path, &[]);
    assert_eq!(ok.status, 200);
    shop.appliance
        .json(&["token", "revoke", &shop.token().public_key]);
    assert_eq!(shop.appliance.get_as(shop.token(), path, &[]).status, 401);
}

#[test]
fn in_redirect_mode_composer_follows_a_presigned_url_without_sending_its_credentials_there() {
    if !garage_available() || !composer_available() {
        return;
    }
    let garage = Garage::start();
    let proxy = RecordingProxy::start(&garage.s3_addr);
    let mut appliance = appliance_on(&garage, &proxy.addr, true);
    appliance.start(&[]);
    let shop = Shop::over(appliance, None);
    shop.publish("acme/core", "1.0.0", json!({}), None);
    shop.manifest(json!({ "acme/core": "^1.0" }));

    let path = "/dist/acme/core/1.0.0.zip";
    let answer = shop.appliance.get_as(shop.token(), path, &[]);
    assert_eq!(answer.status, 302);
    let location = answer.header("location").unwrap().to_string();
    assert!(
        location.starts_with(&format!("http://{}/", proxy.addr)),
        "{location}"
    );
    assert!(location.contains("X-Amz-Signature="), "{location}");
    assert_eq!(answer.header("cache-control"), Some("no-store"));

    shop.composer_ok(&["install"]);
    assert_eq!(
        shop.installed().get("acme/core").map(String::as_str),
        Some("1.0.0")
    );
    let heads = proxy.heads();
    let from_composer: Vec<&String> = heads
        .iter()
        .filter(|head| head.to_ascii_lowercase().contains("user-agent: composer/"))
        .collect();
    assert!(
        !from_composer.is_empty(),
        "Composer never reached the store: {heads:#?}"
    );
    for head in &from_composer {
        assert!(head.contains("X-Amz-Signature="), "{head}");
        assert!(
            !head.to_ascii_lowercase().contains("\nauthorization:"),
            "Composer sent credentials to the store: {head}"
        );
    }
    let secret = &shop.token().private_key;
    assert!(heads.iter().all(|head| !head.contains(secret.as_str())));

    shop.appliance
        .json(&["token", "revoke", &shop.token().public_key]);
    assert_eq!(shop.appliance.get_as(shop.token(), path, &[]).status, 401);
}

#[test]
fn with_garage_down_metadata_serves_dist_is_503_with_retry_after_and_publish_is_refused() {
    if !garage_available() {
        return;
    }
    let mut garage = Garage::start();
    let mut appliance = appliance_on(&garage, &garage.s3_addr, false);
    appliance.start(&[]);
    let token = appliance.customer("shop");
    publish(&appliance, "acme/core", "1.0.0");
    garage.stop();

    let metadata = appliance.get_as(&token, "/p2/acme/core.json", &[]);
    assert_eq!(metadata.status, 200);
    let dist = appliance.get_as(&token, "/dist/acme/core/1.0.0.zip", &[]);
    assert_eq!(dist.status, 503, "{}", dist.text());
    assert_eq!(dist.header("retry-after"), Some("30"));
    assert!(dist.text().contains("archive store"), "{}", dist.text());

    let zip = zips::library(
        &appliance.dir.path().join("zips"),
        "acme/core",
        "1.1.0",
        json!({}),
        None,
    );
    let refused = appliance.fails(&["package", "publish", zip.to_str().unwrap()]);
    assert!(
        refused.contains("archive store cannot be reached"),
        "{refused}"
    );
    assert!(!refused.contains(&garage.secret), "{refused}");
    let versions = appliance.json(&["package", "show", "acme/core"]);
    assert!(!versions.to_string().contains("1.1.0"), "{versions}");

    garage.resume();
    let dist = appliance.get_as(&token, "/dist/acme/core/1.0.0.zip", &[]);
    assert_eq!(dist.status, 200);
    appliance.publish(&zip, &[]);
}

#[test]
fn yank_keeps_the_object_and_remove_deletes_it_unless_shared() {
    if !garage_available() {
        return;
    }
    let garage = Garage::start();
    let appliance = appliance_on(&garage, &garage.s3_addr, false);
    let zip = publish(&appliance, "acme/core", "1.0.0");
    // The same bytes under a second version: one object, two records.
    appliance.publish(&zip, &["--version", "1.0.1"]);
    let sha256 = sha256_of_file(&zip);
    let store = bucket(&garage, "pkg/");

    appliance.json(&["package", "yank", "acme/core", "1.0.0"]);
    assert_eq!(store.list().unwrap(), vec![sha256.clone()]);
    appliance.json(&["package", "remove", "acme/core", "1.0.0", "--yes"]);
    assert_eq!(
        store.list().unwrap(),
        vec![sha256.clone()],
        "1.0.1 still uses it"
    );
    appliance.json(&["package", "remove", "acme/core", "1.0.1", "--yes"]);
    assert_eq!(store.list().unwrap(), Vec::<String>::new());
}

#[test]
fn migrate_to_s3_resumes_after_an_interruption_then_switches_and_migrates_back() {
    if !garage_available() {
        return;
    }
    let garage = Garage::start();
    let mut appliance = Appliance::new();
    let zips: Vec<_> = ["1.0.0", "1.1.0", "1.2.0"]
        .iter()
        .map(|version| publish(&appliance, "acme/core", version))
        .collect();
    // The S3 settings are there, but the backend is still local.
    let settings = garage
        .storage_toml(&garage.s3_addr, "moved/", false)
        .replace("backend = \"s3\"", "backend = \"local\"");
    configure(&appliance, &format!("# the operator's note\n{settings}"));

    let stopped = appliance.fails(&["storage", "migrate", "--to", "s3", "--limit", "1"]);
    assert!(stopped.contains("run the same command again"), "{stopped}");
    let config = appliance.data_dir().join("packagento.toml");
    assert!(
        std::fs::read_to_string(&config)
            .unwrap()
            .contains("backend = \"local\"")
    );
    let store = bucket(&garage, "moved/");
    assert_eq!(store.list().unwrap().len(), 1);

    let resumed = appliance.json(&["storage", "migrate", "--to", "s3"]);
    assert_eq!(resumed["copied"], 2, "{resumed}");
    assert_eq!(resumed["already_there"], 1, "{resumed}");
    assert_eq!(resumed["complete"], true);
    let text = std::fs::read_to_string(&config).unwrap();
    assert!(text.contains("backend = \"s3\""), "{text}");
    assert!(text.starts_with("# the operator's note"), "{text}");
    assert_eq!(store.list().unwrap().len(), 3);

    // Served from the bucket now: the local copies are not what answers.
    std::fs::remove_dir_all(appliance.data_dir().join("archives")).unwrap();
    std::fs::create_dir(appliance.data_dir().join("archives")).unwrap();
    appliance.start(&[]);
    let token = appliance.customer("shop");
    let dist = appliance.get_as(&token, "/dist/acme/core/1.1.0.zip", &[]);
    assert_eq!(dist.status, 200);
    assert_eq!(dist.body, std::fs::read(&zips[1]).unwrap());
    appliance.stop();

    let back = appliance.json(&["storage", "migrate", "--to", "local"]);
    assert_eq!(back["copied"], 3, "{back}");
    assert!(
        std::fs::read_to_string(&config)
            .unwrap()
            .contains("backend = \"local\"")
    );
    let mut expected: Vec<String> = zips
        .iter()
        .map(|z| format!("{}.zip", sha256_of_file(z)))
        .collect();
    expected.sort();
    assert_eq!(
        local_archives(&appliance.data_dir().join("archives")),
        expected
    );
    appliance.start(&[]);
    let dist = appliance.get_as(&token, "/dist/acme/core/1.2.0.zip", &[]);
    assert_eq!(dist.body, std::fs::read(&zips[2]).unwrap());
}

#[test]
fn backup_reads_archives_from_the_bucket_and_restore_writes_them_into_the_configured_one() {
    if !garage_available() {
        return;
    }
    let garage = Garage::start();
    let appliance = appliance_on(&garage, &garage.s3_addr, false);
    let zip = publish(&appliance, "acme/core", "1.0.0");
    let backup = appliance.dir.path().join("shop.backup");
    appliance.json(&["backup", backup.to_str().unwrap()]);

    let restored = Appliance::new();
    let target = restored.data_dir();
    let settings = garage.storage_toml(&garage.s3_addr, "restored/", false);
    let config = restored.dir.path().join("restored.toml");
    std::fs::write(&config, settings).unwrap();
    let output = restored
        .command()
        .args([
            "--config",
            config.to_str().unwrap(),
            "restore",
            backup.to_str().unwrap(),
        ])
        .output()
        .unwrap();
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    assert_eq!(
        bucket(&garage, "restored/").list().unwrap(),
        vec![sha256_of_file(&zip)]
    );
    assert_eq!(
        local_archives(&target.join("archives")),
        Vec::<String>::new()
    );
}
