//! Token changes take the short way to the next snapshot: the views kept, only the token tables
//! remade. Each is checked against a full rebuild of the same stored state, which must agree to
//! the last key, hash and stamp.

use super::*;
use crate::service::licences::{self, LicenceTerms};
use crate::service::projects::create_project;
use crate::service::publish::{Origin, PublishRequest, publish};
use crate::service::tokens::{self, NewExpiry, TokenTerms};
use crate::service::{App, ServiceError, Settings};
use std::io::Write;

pub(super) struct Vendor {
    pub dir: tempfile::TempDir,
    pub app: Arc<App>,
}

/// Two packages, two projects, one licence active on `shop` only.
pub(super) fn vendor() -> Vendor {
    let dir = tempfile::tempdir().unwrap();
    let app = App::open(Settings::for_tests(dir.path().join("data"))).unwrap();
    let vendor = Vendor { dir, app };
    vendor.publish("acme/core", "1.0.0");
    vendor.publish("acme/extra", "2.0.0");
    create_project(&vendor.app, "shop", None).unwrap();
    create_project(&vendor.app, "lab", None).unwrap();
    let terms = LicenceTerms {
        holder: Some("Shop Ltd".into()),
        packages: vec!["acme/core".into()],
        ..Default::default()
    };
    let licence = licences::create(&vendor.app, terms).unwrap();
    licences::set_activation(&vendor.app, &licence.id, "shop", true).unwrap();
    vendor
}

impl Vendor {
    pub fn publish(&self, name: &str, version: &str) {
        self.publish_requiring(name, version, serde_json::json!({}));
    }

    pub fn publish_requiring(&self, name: &str, version: &str, require: serde_json::Value) {
        let path = self.dir.path().join(format!("{version}.zip"));
        let mut zip = zip::ZipWriter::new(std::fs::File::create(&path).unwrap());
        zip.start_file("composer.json", zip::write::SimpleFileOptions::default())
            .unwrap();
        let manifest = serde_json::json!({
            "name": name, "version": version, "type": "library", "require": require,
        });
        zip.write_all(manifest.to_string().as_bytes()).unwrap();
        zip.finish().unwrap();
        let request = PublishRequest {
            path: path.clone(),
            ..Default::default()
        };
        publish(&self.app, &request, &Origin::Cli { file: path }).unwrap();
    }

    /// What a full rebuild makes of the stored state now, from the served snapshot as the old
    /// way did; rolled back, so nothing it stamps is kept.
    pub fn full_rebuild(&self) -> Catalog {
        let previous = self.app.catalog();
        let mut built = None;
        let rolled_back = self.app.store().write(|w| {
            let access = w.access_records()?;
            built = Some(Catalog::build(w, &previous, access, Vec::new())?);
            Err::<(), _>(ServiceError::Conflict("rolled back".into()))
        });
        assert!(matches!(rolled_back, Err(ServiceError::Conflict(_))));
        built.unwrap()
    }

    /// Runs a token change, which must keep the views, and compares with a full rebuild.
    fn token_change<T>(&self, change: impl FnOnce(&App) -> T) -> T {
        let before = self.app.catalog();
        let outcome = change(&self.app);
        let after = self.app.catalog();
        assert!(!Arc::ptr_eq(&before, &after), "a new snapshot is served");
        assert!(Arc::ptr_eq(&before.views, &after.views), "views kept");
        assert!(Arc::ptr_eq(&before.packages, &after.packages));
        assert!(Arc::ptr_eq(&before.index, &after.index));
        assert_same(&after, &self.full_rebuild());
        outcome
    }
}

type TokenRow = (String, String, Option<i64>, String);
type TokenDigest = (
    BTreeMap<String, TokenRow>,
    BTreeMap<String, (String, String, i64)>,
    BTreeMap<String, String>,
);

/// Everything the token tables say, in a comparable form; secret hashes by digest, so a failed
/// comparison does not print them.
fn token_digest(c: &Catalog) -> TokenDigest {
    let tokens = c.tokens.iter().map(|(key, t)| {
        assert_eq!(key, t.public_key.as_str());
        let row = (
            t.project.to_string(),
            hash_hex(t.secret_hash.as_bytes()),
            t.expires_at,
            format!("{:?}", t.allowed),
        );
        (key.clone(), row)
    });
    let previous = c.previous_keys.iter().map(|(key, o)| {
        let row = (
            o.current.clone(),
            hash_hex(o.secret_hash.as_bytes()),
            o.valid_until,
        );
        (key.clone(), row)
    });
    let revoked = c
        .revoked_tokens
        .iter()
        .map(|(k, h)| (k.clone(), hash_hex(h.as_bytes())));
    (tokens.collect(), previous.collect(), revoked.collect())
}

type Served = Option<(String, i64)>;

fn served(resource: &Option<Resource>) -> Served {
    resource
        .as_ref()
        .map(|r| (r.body.content_hash().to_string(), r.last_modified))
}

/// Every project's grants, bodies, stamps and dists, in a comparable form.
pub(super) fn view_digest(c: &Catalog) -> BTreeMap<String, Vec<String>> {
    let digest = c.views.keys().map(|project| {
        let view = c.view(project).unwrap();
        let root = Some(view.root());
        let mut lines = vec![format!("{:?} {:?}", view.grants(), served(&root))];
        for name in view.package_names() {
            let package = view.package(name).unwrap();
            let mut dists: Vec<&str> = package.dists().map(|r| r.version.as_str()).collect();
            dists.sort();
            let (tagged, dev) = (served(&package.tagged()), served(&package.dev()));
            lines.push(format!("{name} {tagged:?} {dev:?} {dists:?}"));
        }
        lines.sort();
        (project.to_string(), lines)
    });
    digest.collect()
}

pub(super) fn assert_same(fast: &Catalog, full: &Catalog) {
    assert_eq!(token_digest(fast), token_digest(full));
    assert_eq!(view_digest(fast), view_digest(full));
    let names = |c: &Catalog| c.packages.keys().cloned().collect::<Vec<_>>();
    assert_eq!(names(fast), names(full));
}

#[test]
fn every_token_change_keeps_the_views_and_gives_the_tables_of_a_full_rebuild() {
    let vendor = vendor();
    assert_eq!(view_digest(&vendor.app.catalog()).len(), 2);
    let a = vendor.token_change(|app| tokens::create(app, "shop", None).unwrap());
    let b = vendor.token_change(|app| tokens::create(app, "lab", Some("ci".into())).unwrap());
    let terms = TokenTerms {
        expires_in: Some("30d".into()),
        allow_ip: vec!["10.0.0.0/8".into()],
        ..Default::default()
    };
    let c = vendor.token_change(|app| tokens::create_with(app, "shop", None, terms).unwrap());

    let a1 = vendor.token_change(|app| tokens::rotate(app, &a.public_key, Some("1h")).unwrap());
    let catalog = vendor.app.catalog();
    assert_eq!(
        catalog.previous_keys[&a.public_key].current,
        a1.token.public_key
    );
    assert!(!catalog.tokens.contains_key(&a.public_key));

    let new_expiry = NewExpiry {
        expires_in: Some("90d".into()),
        ..Default::default()
    };
    vendor.token_change(|app| tokens::extend(app, &b.public_key, new_expiry).unwrap());
    vendor.token_change(|app| tokens::allow(app, &c.public_key, &["192.0.2.7".into()]).unwrap());
    let catalog = vendor.app.catalog();
    assert!(catalog.tokens[&b.public_key].expires_at.is_some());
    assert_eq!(
        catalog.tokens[&c.public_key].allowed,
        AddressAllowlist::from_stored(&["192.0.2.7".to_string()])
    );

    // A second rotation replaces the overlap key; the first key is no longer accepted at all.
    let a2 = vendor.token_change(|app| tokens::rotate(app, &a1.token.public_key, None).unwrap());
    let catalog = vendor.app.catalog();
    assert!(!catalog.previous_keys.contains_key(&a.public_key));
    assert_eq!(
        catalog.previous_keys[&a1.token.public_key].current,
        a2.token.public_key
    );

    // Revoking a rotated token revokes its previous key with it.
    vendor.token_change(|app| tokens::revoke(app, &a2.token.public_key).unwrap());
    vendor.token_change(|app| tokens::revoke(app, &b.public_key).unwrap());
    let catalog = vendor.app.catalog();
    for key in [&a2.token.public_key, &a1.token.public_key, &b.public_key] {
        assert!(catalog.revoked_tokens.contains_key(key), "{key}");
        assert!(!catalog.tokens.contains_key(key), "{key}");
        assert!(!catalog.previous_keys.contains_key(key), "{key}");
    }
    assert_eq!(
        catalog.tokens.keys().collect::<Vec<_>>(),
        [&c.public_key],
        "only the untouched token is still active"
    );
    vendor.token_change(|app| tokens::create(app, "lab", None).unwrap());
}

#[test]
fn a_change_to_what_views_are_made_from_still_changes_them() {
    let vendor = vendor();
    let before = vendor.app.catalog();
    create_project(&vendor.app, "studio", None).unwrap();
    let after = vendor.app.catalog();
    assert!(!Arc::ptr_eq(&before.views, &after.views));
    assert!(
        after
            .views
            .contains_key(&ProjectSlug::parse("studio").unwrap())
    );
    assert_same(&after, &vendor.full_rebuild());

    let before = after;
    vendor.publish("acme/core", "1.1.0");
    let after = vendor.app.catalog();
    assert!(!Arc::ptr_eq(&before.shelving, &after.shelving));
    assert_same(&after, &vendor.full_rebuild());
}

#[test]
fn a_token_deleted_with_its_project_leaves_the_token_tables() {
    let vendor = vendor();
    let token = vendor.token_change(|app| tokens::create(app, "lab", None).unwrap());
    crate::service::projects::delete_project(&vendor.app, "lab", false).unwrap();
    let catalog = vendor.app.catalog();
    assert!(!catalog.tokens.contains_key(&token.public_key));
    assert!(
        !catalog
            .views
            .contains_key(&ProjectSlug::parse("lab").unwrap())
    );
    assert_same(&catalog, &vendor.full_rebuild());
}
