//! Token lifetime through the service: rotation, expiry, allowlists, and what the audit log
//! says about each.

use super::*;
use crate::domain::audit::AuditEntry;
use crate::service::Settings;
use crate::service::projects::create_project;
use base64::Engine;
use std::sync::Arc;

fn app(dir: &tempfile::TempDir) -> Arc<App> {
    let app = App::open(Settings::for_tests(dir.path().to_path_buf())).unwrap();
    create_project(&app, "shop", None).unwrap();
    app
}

fn audit(app: &App) -> Vec<AuditEntry> {
    let entries = app.store().audit_newest_first(100).unwrap();
    entries.map(|entry| entry.unwrap()).collect()
}

fn basic(key: &str, secret: &str) -> String {
    let text = format!("{key}:{secret}");
    let encoded = base64::engine::general_purpose::STANDARD.encode(text);
    format!("Basic {encoded}")
}

#[test]
fn rotation_moves_the_token_to_its_new_key_and_keeps_its_history() {
    let dir = tempfile::tempdir().unwrap();
    let app = app(&dir);
    let created = create(&app, "shop", Some("ci".into())).unwrap();
    let rotated = rotate(&app, &created.public_key, Some("1h")).unwrap();
    assert_ne!(rotated.token.public_key, created.public_key);
    assert_eq!(rotated.previous_public_key, created.public_key);
    assert!(rotated.previous_valid_until >= time::now() + 3_590);

    let tokens = list(&app, None).unwrap();
    assert_eq!(tokens.len(), 1);
    let token = &tokens[0];
    assert_eq!(token.public_key, rotated.token.public_key);
    assert_eq!(
        (token.label.as_str(), token.created_at),
        ("ci", created.created_at)
    );
    assert_eq!(
        token.previous_public_key.as_deref(),
        Some(created.public_key.as_str())
    );
    assert_eq!(token.former_keys, std::slice::from_ref(&created.public_key));
    assert!(token.is_rotating(time::now()));
}

#[test]
fn a_former_key_names_the_key_it_became() {
    let dir = tempfile::tempdir().unwrap();
    let app = app(&dir);
    let created = create(&app, "shop", None).unwrap();
    let rotated = rotate(&app, &created.public_key, None).unwrap();
    for error in [
        revoke(&app, &created.public_key).unwrap_err(),
        extend(
            &app,
            &created.public_key,
            NewExpiry {
                never: true,
                ..Default::default()
            },
        )
        .unwrap_err(),
    ] {
        let message = error.to_string();
        assert!(message.contains("was rotated"), "{message}");
        assert!(message.contains(&rotated.token.public_key), "{message}");
    }
}

#[test]
fn every_token_operation_is_audited_without_a_secret() {
    let dir = tempfile::tempdir().unwrap();
    let app = app(&dir);
    let created = create(&app, "shop", Some("ci".into())).unwrap();
    let rotated = rotate(&app, &created.public_key, Some("30m")).unwrap();
    let new_key = rotated.token.public_key.as_str();
    let expiry = NewExpiry {
        expires: Some("2031-01-31".into()),
        ..Default::default()
    };
    extend(&app, new_key, expiry).unwrap();
    allow(&app, new_key, &["10.0.0.0/8".to_string()]).unwrap();
    revoke(&app, new_key).unwrap();

    // The project the token belongs to has its own entry; this test is about the token's.
    let entries: Vec<_> = audit(&app)
        .into_iter()
        .filter(|e| e.action.starts_with("token."))
        .collect();
    let actions: Vec<&str> = entries.iter().rev().map(|e| e.action.as_str()).collect();
    let expected = [
        "token.create",
        "token.rotate",
        "token.extend",
        "token.allow",
        "token.revoke",
    ];
    assert_eq!(actions, expected);
    let created_entry = entries.last().unwrap();
    assert_eq!(created_entry.target, created.public_key);
    assert_eq!(
        created_entry.summary,
        "project shop, label \"ci\", expires never"
    );
    let rotate_entry = &entries[3];
    assert!(rotate_entry.summary.starts_with(&format!(
        "key {} → {new_key}, old valid until ",
        created.public_key
    )));
    assert_eq!(
        entries[2].summary,
        "expires never → 2031-01-31T23:59:59+00:00"
    );
    assert_eq!(entries[1].summary, "allowed from anywhere → 10.0.0.0/8");
    let hash = app.store().read(|r| r.tokens()).unwrap()[0]
        .secret_hash
        .clone();
    for entry in &entries {
        let text = format!("{} {}", entry.target, entry.summary);
        for secret in [&created.private_key, &rotated.token.private_key, &hash] {
            assert!(!text.contains(secret.as_str()), "a secret in {text}");
        }
    }
}

#[test]
fn expiring_lists_soonest_first_with_the_expired_ones() {
    let dir = tempfile::tempdir().unwrap();
    let app = app(&dir);
    let now = time::now();
    let terms = |expires_in: Option<&str>, expires: Option<&str>| TokenTerms {
        expires: expires.map(str::to_string),
        expires_in: expires_in.map(str::to_string),
        ..Default::default()
    };
    let later = create_with(&app, "shop", None, terms(Some("20d"), None)).unwrap();
    let past = create_with(&app, "shop", None, terms(None, Some("2020-01-01"))).unwrap();
    create_with(&app, "shop", None, terms(Some("90d"), None)).unwrap();
    create(&app, "shop", None).unwrap();
    let both = terms(Some("20d"), Some("2030-01-01"));
    assert!(matches!(
        create_with(&app, "shop", None, both),
        Err(ServiceError::Invalid(_))
    ));

    let soon = expiring(&app, None, "30d", now).unwrap();
    let keys: Vec<&str> = soon.iter().map(|t| t.public_key.as_str()).collect();
    assert_eq!(keys, [past.public_key.as_str(), later.public_key.as_str()]);
    assert!(soon[0].is_expired(now) && !soon[1].is_expired(now));
}

#[tokio::test]
async fn a_rotated_key_works_through_its_overlap_as_its_token_and_no_longer_after() {
    let dir = tempfile::tempdir().unwrap();
    let app = app(&dir);
    let created = create(&app, "shop", None).unwrap();
    let old = basic(&created.public_key, &created.private_key);
    let rotated = rotate(&app, &created.public_key, Some("1h")).unwrap();
    let new = basic(&rotated.token.public_key, &rotated.token.private_key);
    for header in [&old, &new] {
        let caller = app
            .auth
            .authenticate(&app.catalog(), Some(header))
            .await
            .unwrap();
        assert_eq!(caller.public_key.as_str(), rotated.token.public_key);
    }
    // Rotating again ends the first key's overlap: only the latest replaced key stays valid.
    let again = rotate(&app, &rotated.token.public_key, Some("1h")).unwrap();
    let refused = app.auth.authenticate(&app.catalog(), Some(&old)).await;
    assert_eq!(
        refused.unwrap_err(),
        crate::service::auth::AuthError::UnknownToken
    );
    let caller = app
        .auth
        .authenticate(&app.catalog(), Some(&new))
        .await
        .unwrap();
    assert_eq!(caller.public_key.as_str(), again.token.public_key);
}

#[tokio::test]
async fn revoking_a_rotated_token_revokes_its_previous_key_too() {
    let dir = tempfile::tempdir().unwrap();
    let app = app(&dir);
    let created = create(&app, "shop", None).unwrap();
    let old = basic(&created.public_key, &created.private_key);
    let rotated = rotate(&app, &created.public_key, Some("1h")).unwrap();
    revoke(&app, &rotated.token.public_key).unwrap();
    let refused = app.auth.authenticate(&app.catalog(), Some(&old)).await;
    assert_eq!(
        refused.unwrap_err(),
        crate::service::auth::AuthError::Revoked
    );
}

#[test]
fn an_expired_token_is_not_counted_as_active_on_the_dashboard() {
    let dir = tempfile::tempdir().unwrap();
    let app = app(&dir);
    create(&app, "shop", None).unwrap();
    let expired = TokenTerms {
        expires: Some("2020-01-01".into()),
        ..Default::default()
    };
    create_with(&app, "shop", None, expired).unwrap();
    let stats = crate::service::stats::dashboard(&app, time::now_micros()).unwrap();
    assert_eq!(stats.active_tokens, 1);
}

fn cheap_argon2id(dir: &tempfile::TempDir) -> Settings {
    Settings {
        key_hash: crate::service::secrets::KeyHash::Argon2id(crate::service::secrets::Argon2Cost {
            memory_kib: 64,
            iterations: 1,
        }),
        ..Settings::for_tests(dir.path().to_path_buf())
    }
}

fn stored_hash(app: &App, public_key: &str) -> String {
    let key = PublicKey::parse(public_key).unwrap();
    let token = app.store().read(|r| r.token(&key)).unwrap().unwrap();
    token.secret_hash
}

#[tokio::test]
async fn an_argon2id_key_that_logs_in_under_sha256_gets_a_sha256_hash_that_still_matches() {
    let dir = tempfile::tempdir().unwrap();
    let (kept, replaced) = {
        let app = App::open(cheap_argon2id(&dir)).unwrap();
        create_project(&app, "shop", None).unwrap();
        let kept = create(&app, "shop", None).unwrap();
        let replaced = create(&app, "shop", None).unwrap();
        assert!(stored_hash(&app, &replaced.public_key).starts_with("$argon2id$"));
        (kept, replaced)
    };
    let app = App::open(Settings::for_tests(dir.path().to_path_buf())).unwrap();
    for token in [&kept, &replaced] {
        let header = basic(&token.public_key, &token.private_key);
        app.auth
            .authenticate(&app.catalog(), Some(&header))
            .await
            .unwrap();
    }
    let wrong = basic(&replaced.public_key, &"0".repeat(64));
    let refused = app.auth.authenticate(&app.catalog(), Some(&wrong)).await;
    assert!(refused.is_err());
    // Rotated between its login and the write: it keeps its new key's hash.
    let rotated = rotate(&app, &kept.public_key, None).unwrap();

    assert_eq!(store_upgraded_key_hashes(&app).unwrap(), 1);
    let upgraded = stored_hash(&app, &replaced.public_key);
    assert!(upgraded.starts_with("$sha256$"), "{upgraded}");
    assert!(crate::service::secrets::verify_secret(
        &replaced.private_key,
        &upgraded
    ));
    let rotated_hash = stored_hash(&app, &rotated.token.public_key);
    assert!(crate::service::secrets::verify_secret(
        &rotated.token.private_key,
        &rotated_hash
    ));
    assert_eq!(store_upgraded_key_hashes(&app).unwrap(), 0, "nothing twice");
}

#[tokio::test]
async fn argon2id_keys_stay_argon2id_when_that_is_the_setting() {
    let dir = tempfile::tempdir().unwrap();
    let app = App::open(cheap_argon2id(&dir)).unwrap();
    create_project(&app, "shop", None).unwrap();
    let token = create(&app, "shop", None).unwrap();
    let header = basic(&token.public_key, &token.private_key);
    app.auth
        .authenticate(&app.catalog(), Some(&header))
        .await
        .unwrap();
    assert_eq!(store_upgraded_key_hashes(&app).unwrap(), 0);
    assert!(stored_hash(&app, &token.public_key).starts_with("$argon2id$"));
}

#[tokio::test]
async fn a_replaced_argon2id_key_in_its_overlap_gets_a_sha256_hash_in_its_tokens_row() {
    let dir = tempfile::tempdir().unwrap();
    let (old, rotated) = {
        let app = App::open(cheap_argon2id(&dir)).unwrap();
        create_project(&app, "shop", None).unwrap();
        let old = create(&app, "shop", None).unwrap();
        let rotated = rotate(&app, &old.public_key, Some("7d")).unwrap();
        (old, rotated)
    };
    let app = App::open(Settings::for_tests(dir.path().to_path_buf())).unwrap();
    let header = basic(&old.public_key, &old.private_key);
    let caller = app.auth.authenticate(&app.catalog(), Some(&header)).await;
    assert_eq!(
        caller.unwrap().public_key.as_str(),
        rotated.token.public_key
    );

    assert_eq!(store_upgraded_key_hashes(&app).unwrap(), 1);
    let current = PublicKey::parse(&rotated.token.public_key).unwrap();
    let row = app.store().read(|r| r.token(&current)).unwrap().unwrap();
    let previous = row.previous.as_ref().unwrap();
    assert!(previous.secret_hash.starts_with("$sha256$"));
    assert!(crate::service::secrets::verify_secret(
        &old.private_key,
        &previous.secret_hash
    ));
    assert!(
        row.secret_hash.starts_with("$argon2id$"),
        "not yet logged in"
    );
    drop(app);
    let reopened = App::open(Settings::for_tests(dir.path().to_path_buf())).unwrap();
    let catalog = reopened.catalog();
    let again = reopened.auth.authenticate(&catalog, Some(&header)).await;
    assert_eq!(again.unwrap().public_key.as_str(), rotated.token.public_key);
}

#[tokio::test]
async fn a_publishers_argon2id_key_gets_a_sha256_hash_at_its_upload_unless_it_was_revoked() {
    use crate::service::publishers::{authenticate_upload, create as create_publisher, revoke};
    let dir = tempfile::tempdir().unwrap();
    let (kept, revoked) = {
        let app = App::open(cheap_argon2id(&dir)).unwrap();
        let kept = create_publisher(&app, Some("ci".into()), &[]).unwrap();
        let revoked = create_publisher(&app, Some("old ci".into()), &[]).unwrap();
        revoke(&app, &revoked.public_key).unwrap();
        (kept, revoked)
    };
    let app = App::open(Settings::for_tests(dir.path().to_path_buf())).unwrap();
    let kept_header = basic(&kept.public_key, &kept.private_key);
    assert!(authenticate_upload(&app, Some(&kept_header)).await.is_ok());
    let revoked_header = basic(&revoked.public_key, &revoked.private_key);
    assert!(
        authenticate_upload(&app, Some(&revoked_header))
            .await
            .is_err()
    );
    let wrong = basic(&kept.public_key, &"0".repeat(64));
    assert!(authenticate_upload(&app, Some(&wrong)).await.is_err());

    assert_eq!(store_upgraded_key_hashes(&app).unwrap(), 1);
    let publisher_hash = |key: &str| {
        let row = app.store().read(|r| r.publisher(key)).unwrap().unwrap();
        row.secret_hash
    };
    let upgraded = publisher_hash(&kept.public_key);
    assert!(upgraded.starts_with("$sha256$"), "{upgraded}");
    assert!(crate::service::secrets::verify_secret(
        &kept.private_key,
        &upgraded
    ));
    assert!(publisher_hash(&revoked.public_key).starts_with("$argon2id$"));
    assert!(authenticate_upload(&app, Some(&kept_header)).await.is_ok());
}
