//! 401 on the Composer routes: every way a credential can fail, each with a Basic challenge and
//! a `warning` saying why, and always before anything about packages or freshness is decided.

use super::{Shop, assert_challenge, assert_warning, basic, get_as, request};
use crate::service::admin::AdminRequest;
use crate::service::auth::AuthError;
use warp::http::HeaderValue;
use warp::test::RequestBuilder;

const P2: &str = "/p2/acme/widget.json";
const DIST: &str = "/dist/acme/widget/1.0.0.zip";

/// Every Composer route, each as a request that would succeed with the right credentials.
fn composer_requests() -> Vec<RequestBuilder> {
    vec![
        request("GET", "/packages.json"),
        request("GET", P2),
        request("HEAD", P2),
        request("GET", DIST),
        request("POST", "/composer/downloads").body(r#"{"downloads": []}"#),
    ]
}

#[tokio::test]
async fn missing_credentials_get_401_with_a_basic_challenge_on_every_composer_route() {
    let shop = Shop::new();
    for request in composer_requests() {
        let response = shop.public(request).await;
        assert_challenge(&response);
        assert_warning(&response, 401, AuthError::Missing.message());
    }
}

#[tokio::test]
async fn malformed_credentials_get_401_with_a_basic_challenge_on_every_composer_route() {
    let shop = Shop::new();
    let malformed = [
        "Bearer 0123456789abcdef".to_string(),
        "Basic".to_string(),
        "Basic !!!not-base64!!!".to_string(),
        basic(b"a-public-key-and-no-colon"),
        basic(b"\xff\xfe:\xfd not UTF-8"),
        basic(b":a-secret-without-a-user"),
        basic(b"a-user-without-a-secret:"),
    ];
    for authorization in malformed {
        for request in composer_requests() {
            let response = shop
                .public(request.header("authorization", authorization.as_str()))
                .await;
            assert_challenge(&response);
            assert_warning(&response, 401, AuthError::Malformed.message());
        }
    }
}

#[tokio::test]
async fn an_authorization_header_that_is_not_text_gets_401_as_if_it_were_missing() {
    let shop = Shop::new();
    let not_text = HeaderValue::from_bytes(b"Basic \xff\xfe\xfd").unwrap();
    for request in composer_requests() {
        let response = shop
            .public(request.header("authorization", not_text.clone()))
            .await;
        assert_challenge(&response);
        assert_warning(&response, 401, AuthError::Missing.message());
    }
}

#[tokio::test]
async fn an_unknown_public_key_and_a_wrong_private_key_get_the_same_401() {
    let shop = Shop::new();
    let unknown = basic(format!("{}:{}", "0".repeat(32), shop.customer.private_key).as_bytes());
    let wrong = basic(format!("{}:{}", shop.customer.public_key, "0".repeat(64)).as_bytes());
    for request in composer_requests() {
        let response = shop
            .public(request.header("authorization", unknown.as_str()))
            .await;
        assert_challenge(&response);
        assert_warning(&response, 401, AuthError::UnknownToken.message());
    }
    for request in composer_requests() {
        let response = shop
            .public(request.header("authorization", wrong.as_str()))
            .await;
        assert_challenge(&response);
        assert_warning(&response, 401, AuthError::WrongSecret.message());
    }
    assert_eq!(
        AuthError::UnknownToken.message(),
        AuthError::WrongSecret.message(),
        "a stranger must not learn which public keys exist"
    );
}

#[tokio::test]
async fn a_revoked_token_gets_401_saying_it_was_revoked_on_every_composer_route() {
    let shop = Shop::new();
    for request in composer_requests() {
        let response = shop
            .public(request.header("authorization", shop.revoked.basic()))
            .await;
        assert_challenge(&response);
        assert_warning(&response, 401, AuthError::Revoked.message());
    }
}

#[tokio::test]
async fn a_token_revoked_after_use_gets_401_on_its_very_next_request() {
    let shop = Shop::new();
    for path in [P2, DIST] {
        let response = shop.public(get_as(path, &shop.customer)).await;
        assert_eq!(response.status(), 200, "{path} before revocation");
    }
    shop.run(AdminRequest::TokenRevoke(
        crate::service::admin::TokenRevoke {
            public_key: shop.customer.public_key.clone(),
        },
    ));
    for path in [P2, DIST] {
        let response = shop.public(get_as(path, &shop.customer)).await;
        assert_challenge(&response);
        assert_warning(&response, 401, AuthError::Revoked.message());
    }
}

#[tokio::test]
async fn credentials_are_checked_before_freshness() {
    let shop = Shop::new();
    let claims_fresh = |request: RequestBuilder| {
        request
            .header("if-modified-since", "Fri, 01 Jan 2100 00:00:00 GMT")
            .header("if-none-match", "*")
    };
    for path in ["/packages.json", P2] {
        let anonymous = shop.public(claims_fresh(request("GET", path))).await;
        assert_warning(&anonymous, 401, AuthError::Missing.message());
        let revoked = shop.public(claims_fresh(get_as(path, &shop.revoked))).await;
        assert_warning(&revoked, 401, AuthError::Revoked.message());
        let customer = shop
            .public(claims_fresh(get_as(path, &shop.customer)))
            .await;
        assert_eq!(customer.status(), 304, "the same request, authenticated");
    }
}
