//! The admin socket's answers: the operator's requests and their `{"error": {"code", "message"}}`.

use super::{LIMITS, Shop, assert_api_error, assert_json_status, body_json, request};
use serde_json::json;

fn admin_request(body: impl AsRef<[u8]>) -> warp::test::RequestBuilder {
    request("POST", "/v1/admin").body(body)
}

#[tokio::test]
async fn an_admin_request_runs_and_answers_with_its_result() {
    let shop = Shop::new();
    let response = shop.admin(admin_request(r#"{"op": "project_list"}"#)).await;
    assert_json_status(&response, 200);
    assert_eq!(body_json(&response)[0]["slug"], "shop");
}

#[tokio::test]
async fn an_unreadable_admin_request_gets_422() {
    let shop = Shop::new();
    for body in [
        "not json",
        r#"{"op": "no_such_operation"}"#,
        r#"{"op": "token_create"}"#,
    ] {
        let response = shop.admin(admin_request(body)).await;
        let message = assert_api_error(&response, 422, "invalid");
        assert!(message.starts_with("unreadable admin request"), "{message}");
    }
}

#[tokio::test]
async fn admin_errors_keep_their_status_code_and_message() {
    let shop = Shop::new();
    let missing = json!({"op": "token_revoke", "public_key": "0".repeat(32)});
    let response = shop.admin(admin_request(missing.to_string())).await;
    let message = assert_api_error(&response, 404, "not_found");
    assert!(message.contains("no token with public key"), "{message}");

    let duplicate = json!({"op": "project_create", "slug": "shop"});
    let response = shop.admin(admin_request(duplicate.to_string())).await;
    let message = assert_api_error(&response, 409, "conflict");
    assert!(message.contains("already exists"), "{message}");
}

#[tokio::test]
async fn an_oversized_admin_request_gets_413() {
    let shop = Shop::new();
    let oversized = vec![b' '; LIMITS.admin_body_bytes as usize + 1];
    let response = shop.admin(admin_request(oversized)).await;
    let message = assert_api_error(&response, 413, "too_large");
    assert_eq!(message, "request body too large");
}

#[tokio::test]
async fn a_wrong_method_or_an_unknown_path_on_the_admin_socket_gets_405_or_404() {
    let shop = Shop::new();
    let response = shop.admin(request("GET", "/v1/admin")).await;
    assert_api_error(&response, 405, "method_not_allowed");
    for path in ["/v1/nothing", "/packages.json"] {
        let response = shop.admin(request("GET", path)).await;
        assert_api_error(&response, 404, "not_found");
    }
}

#[tokio::test]
async fn a_long_listing_arrives_as_one_json_array_newest_first() {
    use crate::domain::names::{ProjectSlug, PublicKey};
    use crate::domain::records::{DownloadEvent, DownloadKind};
    let shop = Shop::new();
    // Several of the server's pieces long, so pieces are joined at row boundaries many times.
    let events: Vec<DownloadEvent> = (0..3_000)
        .map(|i| DownloadEvent {
            at_micros: 1_000_000 + i,
            kind: DownloadKind::Dist,
            package: "acme/widget".into(),
            version: format!("1.0.{i}"),
            project: ProjectSlug::parse("shop").unwrap(),
            public_key: PublicKey::parse(&shop.customer.public_key).unwrap(),
            ip: "10.0.0.1".into(),
            user_agent: "Composer/2.8 (a user agent long enough to make the rows weigh)".into(),
        })
        .collect();
    shop.app
        .store()
        .write(|w| w.append_downloads(&events))
        .unwrap();
    let listing = json!({"op": "downloads", "limit": 2_500});
    let response = shop.admin(admin_request(listing.to_string())).await;
    assert_json_status(&response, 200);
    let listed: Vec<DownloadEvent> = serde_json::from_slice(response.body()).unwrap();
    let expected: Vec<DownloadEvent> = events.into_iter().rev().take(2_500).collect();
    assert!(
        listed == expected,
        "{} rows, not the newest first",
        listed.len()
    );
}
