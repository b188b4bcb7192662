//! `POST /api/publish`: 200, 401, 403, 409, 413 and 422, each as `{"error": {"code", "message"}}`
//! for the CI script that sent it.

use super::{
    Credential, LIMITS, Shop, assert_api_error, assert_challenge, assert_json_status, basic,
    body_json, release_zip, request, zip_of,
};
use crate::service::auth::AuthError;
use bytes::Bytes;
use serde_json::json;
use warp::http::Response;
use warp::test::RequestBuilder;

fn upload(query: &str, authorization: &str, zip: Vec<u8>) -> RequestBuilder {
    request("POST", &format!("/api/publish{query}"))
        .header("authorization", authorization)
        .body(zip)
}

/// An upload error, which no cache may keep; returns its message.
fn assert_upload_error(response: &Response<Bytes>, status: u16, code: &str) -> String {
    assert_eq!(response.headers()["cache-control"], "no-store");
    assert_api_error(response, status, code)
}

/// Staged uploads live in dot-folders of the archive folder; none may outlive its request.
fn assert_nothing_staged(shop: &Shop) {
    let archives = shop.app.settings().archive_dir();
    let staged: Vec<_> = std::fs::read_dir(archives)
        .unwrap()
        .map(|entry| entry.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|name| name.starts_with('.'))
        .collect();
    assert!(staged.is_empty(), "left behind: {staged:?}");
}

#[tokio::test]
async fn an_upload_with_a_publisher_token_is_published_and_answered_with_its_outcome() {
    let shop = Shop::new();
    let zip = release_zip("acme/widget", "2.0.0");
    let response = shop.public(upload("", &shop.publisher.basic(), zip)).await;
    assert_json_status(&response, 200);
    let outcome = body_json(&response);
    assert_eq!(outcome["name"], "acme/widget");
    assert_eq!(outcome["version"], "2.0.0");
    assert_eq!(outcome["status"], "published");
    assert_nothing_staged(&shop);
}

#[tokio::test]
async fn uploads_without_valid_publisher_credentials_get_401_with_a_basic_challenge() {
    let shop = Shop::new();
    let publisher_key = &shop.publisher.public_key;
    let revoked = Credential::from_json(&shop.run(
        crate::service::admin::AdminRequest::PublisherCreate(
            crate::service::admin::PublisherCreate {
                label: None,
                packages: vec![],
            },
        ),
    ));
    shop.run(crate::service::admin::AdminRequest::PublisherRevoke(
        crate::service::admin::PublisherRevoke {
            public_key: revoked.public_key.clone(),
        },
    ));
    let cases = [
        (None, AuthError::Missing),
        (Some("Bearer x".to_string()), AuthError::Malformed),
        (Some("Basic !!!".to_string()), AuthError::Malformed),
        (Some(basic(b"no-colon")), AuthError::Malformed),
        (Some(basic(b"\xff:\xfe")), AuthError::Malformed),
        (Some(basic(b"0000:1111")), AuthError::UnknownToken),
        (
            Some(basic(
                format!("{publisher_key}:{}", "0".repeat(64)).as_bytes(),
            )),
            AuthError::WrongSecret,
        ),
        (Some(revoked.basic()), AuthError::Revoked),
        (Some(shop.revoked.basic()), AuthError::Revoked),
        // Only the right secret learns that a token was revoked.
        (
            Some(basic(
                format!("{}:{}", revoked.public_key, "0".repeat(64)).as_bytes(),
            )),
            AuthError::WrongSecret,
        ),
        (
            Some(basic(
                format!("{}:{}", shop.revoked.public_key, "0".repeat(64)).as_bytes(),
            )),
            AuthError::WrongSecret,
        ),
    ];
    for (authorization, reason) in cases {
        let mut attempt = request("POST", "/api/publish").body(release_zip("acme/widget", "2.0.0"));
        if let Some(authorization) = &authorization {
            attempt = attempt.header("authorization", authorization.as_str());
        }
        let response = shop.public(attempt).await;
        assert_challenge(&response);
        let message = assert_upload_error(&response, 401, "unauthorized");
        assert_eq!(message, reason.message(), "{authorization:?}");
    }
    assert_nothing_staged(&shop);
}

#[tokio::test]
async fn credentials_are_checked_before_the_declared_size() {
    let shop = Shop::new();
    let huge = request("POST", "/api/publish")
        .body(b"PK")
        .header("content-length", "300000000");
    let response = shop.public(huge).await;
    assert_challenge(&response);
    assert_upload_error(&response, 401, "unauthorized");
}

#[tokio::test]
async fn an_install_token_or_a_publisher_outside_its_vendors_gets_403() {
    let shop = Shop::new();
    let zip = || release_zip("acme/widget", "2.0.0");
    let response = shop.public(upload("", &shop.customer.basic(), zip())).await;
    let message = assert_upload_error(&response, 403, "forbidden");
    assert!(message.contains("install token"), "{message}");

    let other_vendor = Credential::from_json(&shop.run(
        crate::service::admin::AdminRequest::PublisherCreate(
            crate::service::admin::PublisherCreate {
                label: None,
                packages: vec!["other/*".into()],
            },
        ),
    ));
    let response = shop.public(upload("", &other_vendor.basic(), zip())).await;
    assert_upload_error(&response, 403, "forbidden");
    assert_nothing_staged(&shop);
}

#[tokio::test]
async fn an_upload_declaring_more_than_the_largest_archive_gets_413_before_it_is_read() {
    let shop = Shop::new();
    let huge =
        upload("", &shop.publisher.basic(), b"PK".to_vec()).header("content-length", "300000000");
    let response = shop.public(huge).await;
    let message = assert_upload_error(&response, 413, "too_large");
    assert_eq!(
        message,
        "the archive is larger than this server's 65536-byte limit for a release (limits.archive_bytes)"
    );
    assert_nothing_staged(&shop);
}

#[tokio::test]
async fn an_upload_over_the_configured_archive_limit_gets_413() {
    let shop = Shop::new();
    let over = vec![b'P'; LIMITS.archive_bytes as usize + 1];
    let declared = upload("", &shop.publisher.basic(), over.clone());
    let response = shop.public(declared).await;
    assert_upload_error(&response, 413, "too_large");

    // A client may declare less than it sends; the stream is cut at the limit all the same.
    let understated = upload("", &shop.publisher.basic(), over).header("content-length", "10");
    let response = shop.public(understated).await;
    assert_upload_error(&response, 413, "too_large");
    assert_nothing_staged(&shop);
}

#[tokio::test]
async fn an_upload_that_is_not_a_valid_release_gets_422_naming_no_server_path() {
    let shop = Shop::new();
    let data_dir = shop.app.settings().data_dir.to_string_lossy().into_owned();
    let unversioned = json!({"name": "acme/widget", "type": "library"}).to_string();
    let invalid = [
        b"this is not a zip".to_vec(),
        zip_of(&[("README.md", "no composer.json here\n")]),
        zip_of(&[("composer.json", "{ not json")]),
        zip_of(&[("composer.json", unversioned.as_str())]),
        release_zip("not a package name", "1.0.0"),
    ];
    for zip in invalid {
        let response = shop.public(upload("", &shop.publisher.basic(), zip)).await;
        let message = assert_upload_error(&response, 422, "invalid");
        assert!(!message.contains(".upload-"), "{message}");
        assert!(!message.contains(&data_dir), "{message}");
    }
    let response = shop
        .public(upload(
            "?version=not-a-version",
            &shop.publisher.basic(),
            release_zip("acme/widget", "2.0.0"),
        ))
        .await;
    assert_upload_error(&response, 422, "invalid");
    assert_nothing_staged(&shop);
}

#[tokio::test]
async fn republishing_a_version_with_other_contents_gets_409_and_the_same_contents_200() {
    let shop = Shop::new();
    let same = release_zip("acme/widget", "1.0.0");
    let response = shop.public(upload("", &shop.publisher.basic(), same)).await;
    assert_json_status(&response, 200);
    assert_eq!(body_json(&response)["status"], "unchanged");

    let composer = json!({"name": "acme/widget", "version": "1.0.0"}).to_string();
    let changed = zip_of(&[("composer.json", composer.as_str()), ("NEW.md", "new\n")]);
    let response = shop
        .public(upload("", &shop.publisher.basic(), changed))
        .await;
    let message = assert_upload_error(&response, 409, "conflict");
    assert!(message.contains("never changes"), "{message}");
}

#[tokio::test]
async fn a_wrong_method_on_the_upload_path_gets_405() {
    let shop = Shop::new();
    for method in ["GET", "PUT", "DELETE"] {
        let wrong = request(method, "/api/publish").header("authorization", shop.publisher.basic());
        let response = shop.public(wrong).await;
        assert_upload_error(&response, 405, "method_not_allowed");
    }
}

#[tokio::test]
async fn an_upload_with_an_unreadable_query_gets_400_in_the_upload_shape_without_warp_internals() {
    let shop = Shop::new();
    let zip = release_zip("acme/widget", "2.0.0");
    let response = shop
        .public(upload(
            "?version=1.0.0&version=2.0.0",
            &shop.publisher.basic(),
            zip,
        ))
        .await;
    let message = assert_upload_error(&response, 400, "bad_request");
    assert!(message.starts_with("invalid query string"), "{message}");
    assert!(!message.contains("Rejection"), "{message}");
}

#[tokio::test]
async fn an_upload_whose_version_holds_a_control_or_direction_character_gets_422_and_stores_nothing()
 {
    let shop = Shop::new();
    let before = shop.app.store().read(|r| r.releases()).unwrap().len();
    let unversioned = json!({"name": "acme/widget", "type": "library"}).to_string();
    let hostile = [
        ("dev-%1B%5B31mRED%1B%5D0%3BTITLE%07", "U+001B"),
        ("dev-a%00b", "U+0000"),
        ("dev-a%0D%0Ab", "U+000D"),
        ("dev-a%09b", "U+0009"),
        ("dev-a%E2%80%AEb", "U+202E"),
    ];
    for (version, named) in hostile {
        let zip = zip_of(&[("composer.json", unversioned.as_str())]);
        let query = format!("?version={version}");
        let response = shop
            .public(upload(&query, &shop.publisher.basic(), zip))
            .await;
        let message = assert_upload_error(&response, 422, "invalid");
        assert!(
            message.contains("version") && message.contains(named),
            "{message}"
        );
        assert!(
            !message.contains(['\u{1b}', '\0', '\r', '\t', '\u{202e}']),
            "{message}"
        );
    }
    let after = shop.app.store().read(|r| r.releases()).unwrap().len();
    assert_eq!(after, before);
    assert_nothing_staged(&shop);
}
