//! In-process tests of what the HTTP layer answers: every error-to-status mapping, checked with
//! `warp::test` against the same composed filters the listeners serve, over a real `App` on a
//! temporary data folder, so no server is spawned.

mod admin;
mod advisories;
mod composer;
mod composer_auth;
mod publish;
mod routing;
mod visibility;

use super::error::REALM;
use crate::service::admin::{AdminRequest, execute};
use crate::service::publish::PublishRequest;
use crate::service::{App, Limits, Settings};
use base64::Engine;
use bytes::Bytes;
use serde_json::{Value, json};
use std::io::Write;
use std::sync::Arc;
use warp::http::Response;
use warp::test::RequestBuilder;

/// Small limits, so the 413 tests send kilobytes rather than the production megabytes.
const LIMITS: Limits = Limits {
    notify_body_bytes: 1024,
    admin_body_bytes: 4096,
    archive_bytes: 64 * 1024,
    archive_cache_bytes: 1024 * 1024,
};

/// The Host every request carries unless a test says otherwise.
const HOST: &str = "repo.test";

pub struct Credential {
    public_key: String,
    private_key: String,
}

impl Credential {
    fn from_json(created: &Value) -> Self {
        Self {
            public_key: created["public_key"].as_str().unwrap().to_string(),
            private_key: created["private_key"].as_str().unwrap().to_string(),
        }
    }

    fn basic(&self) -> String {
        basic(format!("{}:{}", self.public_key, self.private_key).as_bytes())
    }
}

/// An `Authorization` value carrying `user_pass` base64-encoded, whatever its bytes.
fn basic(user_pass: &[u8]) -> String {
    let encoded = base64::engine::general_purpose::STANDARD.encode(user_pass);
    format!("Basic {encoded}")
}

/// Project "shop", licensed for `acme/*`, with a customer token and a revoked one; published:
/// acme/widget 1.0.0 (shop may see it) and other/secret 1.0.0 (shop may not). A publisher token
/// may upload anything.
pub struct Shop {
    /// Held so the data folder outlives the `App` that uses it.
    _dir: tempfile::TempDir,
    app: Arc<App>,
    customer: Credential,
    revoked: Credential,
    publisher: Credential,
}

impl Shop {
    fn new() -> Self {
        Self::with_public_url(None)
    }

    fn with_public_url(public_url: Option<&str>) -> Self {
        Self::with(public_url, LIMITS)
    }

    fn with(public_url: Option<&str>, limits: Limits) -> Self {
        let dir = tempfile::tempdir().unwrap();
        let app = App::open(Settings {
            public_url: public_url.map(str::to_string),
            limits,
            ..Settings::for_tests(dir.path().join("data"))
        })
        .unwrap();
        let run = |request| decode(execute(&app, request).unwrap());
        run(AdminRequest::ProjectCreate(
            crate::service::admin::ProjectCreate {
                slug: "shop".into(),
                name: None,
                customer: None,
            },
        ));
        let token = |label: &str| {
            Credential::from_json(&run(AdminRequest::TokenCreate(
                crate::service::admin::TokenCreate {
                    project: "shop".into(),
                    label: Some(label.into()),
                    ..Default::default()
                },
            )))
        };
        let (customer, revoked) = (token("customer"), token("revoked"));
        run(AdminRequest::TokenRevoke(
            crate::service::admin::TokenRevoke {
                public_key: revoked.public_key.clone(),
            },
        ));
        let licence = run(AdminRequest::LicenceCreate(
            crate::service::admin::LicenceCreate {
                holder: Some("Shop Ltd".into()),
                packages: vec!["acme/*".into()],
                ..Default::default()
            },
        ));
        run(AdminRequest::LicenceActivate(
            crate::service::admin::LicenceActivate {
                id: licence["id"].as_str().unwrap().into(),
                project: "shop".into(),
            },
        ));
        for name in ["acme/widget", "other/secret"] {
            let path = dir.path().join(format!("{}.zip", name.replace('/', "-")));
            std::fs::write(&path, release_zip(name, "1.0.0")).unwrap();
            run(AdminRequest::PackagePublish(PublishRequest {
                path,
                version: None,
                released_at: None,
            }));
        }
        let publisher = Credential::from_json(&run(AdminRequest::PublisherCreate(
            crate::service::admin::PublisherCreate {
                label: Some("ci".into()),
                packages: vec![],
            },
        )));
        Self {
            _dir: dir,
            app,
            customer,
            revoked,
            publisher,
        }
    }

    fn run(&self, request: AdminRequest) -> Value {
        decode(execute(&self.app, request).unwrap())
    }

    /// Answers `request` as the public listeners would.
    async fn public(&self, request: RequestBuilder) -> Response<Bytes> {
        request.reply(&super::public_routes(self.app.clone())).await
    }

    /// Answers `request` as the admin socket would.
    async fn admin(&self, request: RequestBuilder) -> Response<Bytes> {
        request.reply(&super::admin_routes(self.app.clone())).await
    }
}

/// A request with the test Host header, as every HTTP/1.1 client sends one.
fn request(method: &str, path: &str) -> RequestBuilder {
    warp::test::request()
        .method(method)
        .path(path)
        .header("host", HOST)
}

fn get_as(path: &str, credential: &Credential) -> RequestBuilder {
    request("GET", path).header("authorization", credential.basic())
}

/// A release zip of `name` at `version`, as `composer archive` would make it.
fn release_zip(name: &str, version: &str) -> Vec<u8> {
    let composer = json!({ "name": name, "version": version, "type": "library" });
    zip_of(&[
        ("composer.json", composer.to_string().as_str()),
        ("README.md", "A package for tests.\n"),
    ])
}

fn zip_of(entries: &[(&str, &str)]) -> Vec<u8> {
    let mut writer = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    for (name, text) in entries {
        let options = zip::write::SimpleFileOptions::default();
        writer.start_file(*name, options).unwrap();
        writer.write_all(text.as_bytes()).unwrap();
    }
    writer.finish().unwrap().into_inner()
}

fn body_json(response: &Response<Bytes>) -> Value {
    serde_json::from_slice(response.body()).unwrap_or_else(|e| {
        panic!(
            "body is not JSON ({e}): {}",
            String::from_utf8_lossy(response.body())
        )
    })
}

fn assert_json_status(response: &Response<Bytes>, status: u16) {
    assert_eq!(
        response.status().as_u16(),
        status,
        "body: {}",
        String::from_utf8_lossy(response.body())
    );
    assert_eq!(response.headers()["content-type"], "application/json");
}

/// A Composer-route error: `{"warning": message}`, which Composer prints, that no cache may keep.
fn assert_warning(response: &Response<Bytes>, status: u16, message: &str) {
    assert_json_status(response, status);
    assert_eq!(response.headers()["cache-control"], "no-store");
    assert_eq!(body_json(response), json!({ "warning": message }));
}

/// An API error: `{"error": {"code", "message"}}`, for scripts; returns the message.
fn assert_api_error(response: &Response<Bytes>, status: u16, code: &str) -> String {
    assert_json_status(response, status);
    let body = body_json(response);
    assert_eq!(body["error"]["code"], code, "body: {body}");
    let keys: Vec<&String> = body.as_object().unwrap().keys().collect();
    assert_eq!(keys, ["error"], "body: {body}");
    body["error"]["message"].as_str().unwrap().to_string()
}

/// A 401 names the Basic scheme, so browsers and curl know how to answer it.
fn assert_challenge(response: &Response<Bytes>) {
    assert_eq!(response.status().as_u16(), 401);
    assert_eq!(response.headers()["www-authenticate"], REALM);
    assert!(REALM.starts_with("Basic realm="));
}

/// An admin answer as the socket would send it, read back loosely: these tests are about HTTP.
fn decode(json: Vec<u8>) -> Value {
    serde_json::from_slice(&json).unwrap()
}
