//! HTTP behaviour of the Composer endpoints against the real server.

use crate::common::http_client::{Response, get, request};
use crate::common::zips::library;
use crate::common::{Appliance, Token};
use serde_json::{Value, json};
use sha1::{Digest, Sha1};

fn auth(token: &Token) -> (String, String) {
    ("Authorization".to_string(), token.basic())
}

fn get_as(app: &Appliance, token: &Token, path: &str, extra: &[(&str, &str)]) -> Response {
    app.get_as(token, path, extra)
}

/// acme/foo 1.0.0 + 2.0.0 + dev-main, acme/bar 1.0.0, other/baz 1.0.0; project "shop" licensed for acme/*.
fn shop() -> (Appliance, Token) {
    let app = Appliance::started();
    let dir = app.dir.path().join("zips");
    for version in ["1.0.0", "2.0.0", "dev-main"] {
        app.publish(&library(&dir, "acme/foo", version, json!({}), None), &[]);
    }
    app.publish(
        &library(&dir, "acme/bar", "1.0.0", json!({"acme/foo": "^2.0"}), None),
        &[],
    );
    app.publish(&library(&dir, "other/baz", "1.0.0", json!({}), None), &[]);
    let token = app.customer("shop");
    (app, token)
}

fn expand(minified: &Value) -> Vec<Value> {
    let mut current = serde_json::Map::new();
    let mut out = Vec::new();
    for diff in minified.as_array().expect("version list") {
        for (key, value) in diff.as_object().expect("version entry") {
            if value == "__unset" {
                current.remove(key);
            } else {
                current.insert(key.clone(), value.clone());
            }
        }
        out.push(Value::Object(current.clone()));
    }
    out
}

#[test]
fn packages_json_lists_exactly_what_the_token_may_see() {
    let (app, token) = shop();
    let response = get_as(&app, &token, "/packages.json", &[]);
    assert_eq!(response.status, 200);
    let root = response.json();
    assert_eq!(root["available-packages"], json!(["acme/bar", "acme/foo"]));
    assert_eq!(root["metadata-url"], "/p2/%package%.json");
    assert_eq!(root["notify-batch"], "/composer/downloads");
    assert_eq!(root["packages"], json!([]));
}

#[test]
fn p2_serves_minified_metadata_newest_first_with_absolute_dist_urls() {
    let (app, token) = shop();
    let response = get_as(&app, &token, "/p2/acme/foo.json", &[]);
    assert_eq!(response.status, 200);
    assert_eq!(response.header("content-type"), Some("application/json"));
    let body = response.json();
    assert_eq!(body["minified"], "composer/2.0");
    let versions = expand(&body["packages"]["acme/foo"]);
    let listed: Vec<&str> = versions
        .iter()
        .map(|v| v["version"].as_str().unwrap())
        .collect();
    assert_eq!(listed, ["2.0.0", "1.0.0"]);
    assert_eq!(versions[1]["version_normalized"], "1.0.0.0");
    assert_eq!(versions[1]["name"], "acme/foo");
    assert!(versions[1]["autoload"]["psr-4"].is_object());
    let dist = &versions[1]["dist"];
    assert_eq!(dist["url"], app.url("/dist/acme/foo/1.0.0.zip"));
    let archive = get_as(&app, &token, "/dist/acme/foo/1.0.0.zip", &[]);
    assert_eq!(
        dist["shasum"].as_str().unwrap(),
        hex::encode(Sha1::digest(&archive.body))
    );
}

#[test]
fn dev_versions_are_served_only_in_the_dev_file() {
    let (app, token) = shop();
    let dev = get_as(&app, &token, "/p2/acme/foo~dev.json", &[]).json();
    let versions = expand(&dev["packages"]["acme/foo"]);
    assert_eq!(versions.len(), 1);
    assert_eq!(versions[0]["version"], "dev-main");
    assert_eq!(versions[0]["version_normalized"], "dev-main");
    assert_eq!(
        get_as(&app, &token, "/p2/acme/bar~dev.json", &[]).status,
        404
    );
}

#[test]
fn missing_malformed_unknown_and_wrong_credentials_get_401_with_a_reason() {
    let (app, token) = shop();
    let wrong = Token {
        private_key: "0".repeat(64),
        ..token.clone()
    };
    let unknown = Token {
        public_key: "f".repeat(32),
        ..token.clone()
    };
    let cases: Vec<Vec<(&str, String)>> = vec![
        vec![],
        vec![("Authorization", "Bearer abc".into())],
        vec![("Authorization", "Basic %%%".into())],
        vec![("Authorization", wrong.basic())],
        vec![("Authorization", unknown.basic())],
    ];
    for headers in cases {
        let headers: Vec<(&str, &str)> = headers.iter().map(|(k, v)| (*k, v.as_str())).collect();
        for path in [
            "/packages.json",
            "/p2/acme/foo.json",
            "/dist/acme/foo/1.0.0.zip",
        ] {
            let response = get(app.addr(), path, &headers);
            assert_eq!(response.status, 401, "{path} {headers:?}");
            assert!(
                response
                    .header("www-authenticate")
                    .unwrap()
                    .starts_with("Basic realm=")
            );
            assert!(response.json()["warning"].is_string());
            assert!(!response.text().contains(&token.private_key));
        }
    }
}

#[test]
fn revoked_token_gets_401_on_the_very_next_request() {
    let (app, token) = shop();
    assert_eq!(get_as(&app, &token, "/p2/acme/foo.json", &[]).status, 200);
    app.json(&["token", "revoke", &token.public_key]);
    for path in [
        "/packages.json",
        "/p2/acme/foo.json",
        "/dist/acme/foo/1.0.0.zip",
    ] {
        let response = get_as(&app, &token, path, &[]);
        assert_eq!(response.status, 401, "{path}");
        assert!(
            response.json()["warning"]
                .as_str()
                .unwrap()
                .contains("revoked")
        );
    }
}

#[test]
fn a_revoked_token_is_named_only_to_a_caller_with_its_right_secret() {
    let (app, token) = shop();
    app.json(&["token", "revoke", &token.public_key]);
    let guess = Token {
        private_key: "0".repeat(64),
        ..token.clone()
    };
    let never_used = Token {
        public_key: "f".repeat(32),
        ..guess.clone()
    };
    for path in ["/packages.json", "/p2/acme/foo.json"] {
        let guessed = get_as(&app, &guess, path, &[]);
        let unknown = get_as(&app, &never_used, path, &[]);
        assert_eq!(guessed.status, 401, "{path}");
        assert_eq!(
            guessed.text(),
            unknown.text(),
            "{path}: same answer as an unknown key"
        );
        assert!(!guessed.text().contains("revoked"), "{path}");
        let owner = get_as(&app, &token, path, &[]);
        assert_eq!(owner.status, 401, "{path}");
        assert!(owner.text().contains("revoked"), "{path}");
    }
}

#[test]
fn unknown_and_unentitled_packages_get_byte_identical_404s() {
    let (app, token) = shop();
    let unentitled = get_as(&app, &token, "/p2/other/baz.json", &[]);
    let unknown = get_as(&app, &token, "/p2/nobody/nothing.json", &[]);
    assert_eq!(unentitled.status, 404);
    assert_eq!(unknown.status, 404);
    assert_eq!(unentitled.body, unknown.body);
    let strip = |r: &Response| {
        r.headers
            .iter()
            .filter(|(k, _)| k != "date")
            .cloned()
            .collect::<Vec<_>>()
    };
    assert_eq!(strip(&unentitled), strip(&unknown));
    let dist_unentitled = get_as(&app, &token, "/dist/other/baz/1.0.0.zip", &[]);
    let dist_unknown = get_as(&app, &token, "/dist/acme/foo/9.9.9.zip", &[]);
    assert_eq!((dist_unentitled.status, dist_unknown.status), (404, 404));
    assert_eq!(dist_unentitled.body, dist_unknown.body);
}

#[test]
fn if_modified_since_and_if_none_match_get_304_with_an_empty_body() {
    let (app, token) = shop();
    for path in [
        "/packages.json",
        "/p2/acme/foo.json",
        "/p2/acme/foo~dev.json",
    ] {
        let first = get_as(&app, &token, path, &[]);
        let last_modified = first
            .header("last-modified")
            .expect("Last-Modified")
            .to_string();
        let etag = first.header("etag").expect("ETag").to_string();
        let revalidated = get_as(&app, &token, path, &[("If-Modified-Since", &last_modified)]);
        assert_eq!(revalidated.status, 304, "{path}");
        assert!(revalidated.body.is_empty());
        assert_eq!(
            revalidated.header("last-modified"),
            Some(last_modified.as_str())
        );
        let by_etag = get_as(&app, &token, path, &[("If-None-Match", &etag)]);
        assert_eq!(by_etag.status, 304, "{path}");
        assert!(by_etag.body.is_empty());
        let stale = get_as(
            &app,
            &token,
            path,
            &[("If-Modified-Since", "Thu, 01 Jan 1970 00:00:00 GMT")],
        );
        assert_eq!(stale.status, 200);
    }
}

#[test]
fn access_is_decided_before_freshness() {
    let (app, token) = shop();
    let last_modified = get_as(&app, &token, "/p2/acme/foo.json", &[])
        .header("last-modified")
        .unwrap()
        .to_string();
    let anonymous = get(
        app.addr(),
        "/p2/acme/foo.json",
        &[("If-Modified-Since", &last_modified)],
    );
    assert_eq!(anonymous.status, 401);
    let future = "Fri, 01 Jan 2100 00:00:00 GMT";
    let unentitled = get_as(
        &app,
        &token,
        "/p2/other/baz.json",
        &[("If-Modified-Since", future)],
    );
    assert_eq!(unentitled.status, 404);
}

#[test]
fn last_modified_moves_forward_when_a_licence_activation_changes_the_view() {
    let (app, token) = shop();
    let before = get_as(&app, &token, "/packages.json", &[]);
    let held = before.header("last-modified").unwrap().to_string();
    // Within the same second as the first answer: the stamp must still move forward.
    app.licence("shop", &["other/*"], None);
    let after = get_as(
        &app,
        &token,
        "/packages.json",
        &[("If-Modified-Since", &held)],
    );
    assert_eq!(after.status, 200, "a changed view must not answer 304");
    assert!(
        after.json()["available-packages"]
            .as_array()
            .unwrap()
            .contains(&json!("other/baz"))
    );
    let newer = httpdate::parse_http_date(after.header("last-modified").unwrap()).unwrap();
    assert!(newer > httpdate::parse_http_date(&held).unwrap());
    assert_eq!(get_as(&app, &token, "/p2/other/baz.json", &[]).status, 200);
}

#[test]
fn publishing_a_release_moves_that_package_forward_and_leaves_others_alone() {
    let (app, token) = shop();
    let foo = get_as(&app, &token, "/p2/acme/foo.json", &[])
        .header("last-modified")
        .unwrap()
        .to_string();
    let bar = get_as(&app, &token, "/p2/acme/bar.json", &[])
        .header("last-modified")
        .unwrap()
        .to_string();
    let dir = app.dir.path().join("more");
    app.publish(&library(&dir, "acme/foo", "2.1.0", json!({}), None), &[]);
    let foo_again = get_as(
        &app,
        &token,
        "/p2/acme/foo.json",
        &[("If-Modified-Since", &foo)],
    );
    assert_eq!(foo_again.status, 200);
    assert_eq!(
        expand(&foo_again.json()["packages"]["acme/foo"])[0]["version"],
        "2.1.0"
    );
    assert_eq!(
        get_as(
            &app,
            &token,
            "/p2/acme/bar.json",
            &[("If-Modified-Since", &bar)]
        )
        .status,
        304
    );
}

#[test]
fn metadata_is_gzip_compressed_when_the_client_accepts_it() {
    let (app, token) = shop();
    let plain = get_as(&app, &token, "/p2/acme/foo.json", &[]);
    let zipped = get_as(
        &app,
        &token,
        "/p2/acme/foo.json",
        &[("Accept-Encoding", "gzip")],
    );
    assert_eq!(zipped.header("content-encoding"), Some("gzip"));
    assert_eq!(plain.header("content-encoding"), None);
    let mut decoded = Vec::new();
    std::io::Read::read_to_end(
        &mut flate2::read::GzDecoder::new(&zipped.body[..]),
        &mut decoded,
    )
    .unwrap();
    assert_eq!(decoded, plain.body);
}

#[test]
fn dist_archives_stream_with_length_and_immutable_caching_and_no_etag() {
    let (app, token) = shop();
    let response = get_as(&app, &token, "/dist/acme/foo/2.0.0.zip", &[]);
    assert_eq!(response.status, 200);
    assert_eq!(response.header("content-type"), Some("application/zip"));
    assert_eq!(
        response.header("content-length"),
        Some(response.body.len().to_string().as_str())
    );
    assert!(
        response
            .header("cache-control")
            .unwrap()
            .contains("immutable")
    );
    assert_eq!(response.header("etag"), None);
    let archive = zip::ZipArchive::new(std::io::Cursor::new(response.body)).expect("a real zip");
    assert!(
        archive
            .file_names()
            .any(|name| matches!(name.as_deref(), Ok("composer.json")))
    );
}

#[test]
fn subscription_hides_versions_released_after_the_window_and_keeps_earlier_ones() {
    let app = Appliance::started();
    let dir = app.dir.path().join("zips");
    for (version, time) in [
        ("1.0.0", "2025-01-10"),
        ("1.1.0", "2025-03-01"),
        ("1.2.0", "2025-06-01"),
    ] {
        app.publish(
            &library(&dir, "acme/sub", version, json!({}), Some(time)),
            &[],
        );
    }
    app.project("subscriber");
    app.licence("subscriber", &["acme/sub"], Some("2025-03-31"));
    let token = app.token("subscriber");
    let metadata = get_as(&app, &token, "/p2/acme/sub.json", &[]).json();
    let versions: Vec<Value> = expand(&metadata["packages"]["acme/sub"])
        .iter()
        .map(|v| v["version"].clone())
        .collect();
    assert_eq!(versions, [json!("1.1.0"), json!("1.0.0")]);
    assert_eq!(
        get_as(&app, &token, "/dist/acme/sub/1.2.0.zip", &[]).status,
        404
    );
    assert_eq!(
        get_as(&app, &token, "/dist/acme/sub/1.1.0.zip", &[]).status,
        200
    );
}

#[test]
fn notify_batch_records_installs_once_per_minute_and_ignores_unknown_entries() {
    let (app, token) = shop();
    let (name, value) = auth(&token);
    let body = br#"{"downloads":[{"name":"acme\/foo","version":"1.0.0.0"},{"name":"nobody\/x","version":"1.0.0.0"}]}"#;
    let headers = [
        (name.as_str(), value.as_str()),
        ("Content-Type", "application/json"),
        ("User-Agent", "Composer/2.5.5 (Linux; test)"),
    ];
    let first = request(app.addr(), "POST", "/composer/downloads", &headers, body);
    assert!((200..300).contains(&first.status), "{}", first.text());
    let again = request(app.addr(), "POST", "/composer/downloads", &headers, body);
    assert!((200..300).contains(&again.status));
    let events = app.json(&["downloads", "--limit", "10"]);
    let notifies: Vec<&Value> = events
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["kind"] == "notify")
        .collect();
    assert_eq!(notifies.len(), 1, "{events}");
    assert_eq!(notifies[0]["package"], "acme/foo");
    assert_eq!(notifies[0]["version"], "1.0.0");
    assert_eq!(notifies[0]["public_key"], token.public_key.as_str());
    assert_eq!(notifies[0]["project"], "shop");
    assert_eq!(notifies[0]["ip"], "127.0.0.1");
    assert_eq!(notifies[0]["user_agent"], "Composer/2.5.5 (Linux; test)");
}

#[test]
fn notify_batch_refuses_anonymous_malformed_and_oversized_bodies() {
    let (app, token) = shop();
    let (name, value) = auth(&token);
    let authed = [(name.as_str(), value.as_str())];
    let anonymous = request(
        app.addr(),
        "POST",
        "/composer/downloads",
        &[],
        b"{\"downloads\":[]}",
    );
    assert_eq!(anonymous.status, 401);
    let malformed = request(
        app.addr(),
        "POST",
        "/composer/downloads",
        &authed,
        b"{not json",
    );
    assert_eq!(malformed.status, 400);
    assert!(malformed.json()["warning"].is_string());
    // Declared, not sent: the server must refuse on the header alone, before reading the body.
    let declared_huge = [authed[0], ("Content-Length", "1048576")];
    let oversized = request(
        app.addr(),
        "POST",
        "/composer/downloads",
        &declared_huge,
        b"",
    );
    assert_eq!(oversized.status, 413);
    assert!(app.json(&["downloads"]).as_array().unwrap().is_empty());
}

#[test]
fn public_url_decides_dist_urls_and_hostile_host_headers_are_refused() {
    let mut app = Appliance::new();
    app.start(&["--public-url", "https://packages.example.com/"]);
    let dir = app.dir.path().join("zips");
    app.publish(&library(&dir, "acme/foo", "1.0.0", json!({}), None), &[]);
    let token = app.customer("shop");
    let body = get_as(&app, &token, "/p2/acme/foo.json", &[]).json();
    assert_eq!(
        body["packages"]["acme/foo"][0]["dist"]["url"],
        "https://packages.example.com/dist/acme/foo/1.0.0.zip"
    );

    let mut plain = Appliance::started();
    plain.publish(&library(&dir, "acme/foo", "1.0.0", json!({}), None), &[]);
    let token = plain.customer("shop");
    let basic = token.basic();
    let hostile = request(
        plain.addr(),
        "GET",
        "/p2/acme/foo.json",
        &[("Authorization", &basic), ("Host", "evil\"}")],
        b"",
    );
    assert_eq!(hostile.status, 400);
    plain.stop();
}

#[test]
fn token_list_shows_when_and_from_where_a_token_was_last_used() {
    let (app, token) = shop();
    let basic = token.basic();
    get(
        app.addr(),
        "/packages.json",
        &[
            ("Authorization", &basic),
            ("User-Agent", "Composer/2.5.5 (CI)"),
        ],
    );
    let tokens = app.json(&["token", "list", "--project", "shop"]);
    let listed = &tokens[0];
    assert_eq!(listed["public_key"], token.public_key.as_str());
    assert_eq!(listed["last_ip"], "127.0.0.1");
    assert_eq!(listed["last_user_agent"], "Composer/2.5.5 (CI)");
    assert!(listed["last_used_at"].as_i64().unwrap() >= listed["created_at"].as_i64().unwrap());
}

#[test]
fn head_requests_are_answered_but_not_counted_as_downloads() {
    let (app, token) = shop();
    let basic = token.basic();
    let head = request(
        app.addr(),
        "HEAD",
        "/dist/acme/foo/1.0.0.zip",
        &[("Authorization", &basic)],
        b"",
    );
    assert_eq!(head.status, 200);
    assert!(head.body.is_empty());
    assert_eq!(app.json(&["downloads"]), json!([]));
}

#[test]
fn a_notify_report_with_wrong_credentials_is_refused_before_its_body_is_read() {
    use std::io::{Read, Write};
    let (app, token) = shop();
    let mut stream = std::net::TcpStream::connect(app.addr()).unwrap();
    stream
        .set_read_timeout(Some(std::time::Duration::from_secs(5)))
        .unwrap();
    let wrong = Token {
        private_key: "0".repeat(64),
        ..token
    };
    // The head announces 100 KB; none of it is sent.
    let head = format!(
        "POST /composer/downloads HTTP/1.1\r\nHost: {}\r\nAuthorization: {}\r\n\
         Content-Type: application/json\r\nContent-Length: 100000\r\n\r\n",
        app.addr(),
        wrong.basic()
    );
    stream.write_all(head.as_bytes()).unwrap();
    let mut answer = [0u8; 12];
    stream.read_exact(&mut answer).unwrap();
    assert_eq!(&answer, b"HTTP/1.1 401");
}

#[test]
fn composer_paths_are_matched_segment_by_segment_and_other_methods_on_them_get_405() {
    let (app, token) = shop();
    let basic = token.basic();
    let plain = get_as(&app, &token, "/p2/acme/foo.json", &[]);
    let slashed = get_as(&app, &token, "/p2/acme/foo.json/", &[]);
    assert_eq!((plain.status, slashed.status), (200, 200));
    assert_eq!(slashed.body, plain.body);
    let near_misses = [
        "//packages.json",
        "/packages.json//",
        "/p2//foo.json",
        "/p2/acme/foo.json/extra",
        "/P2/acme/foo.json",
        "/dist/acme/foo/1.0.0.zip/extra",
    ];
    for path in near_misses {
        let response = get_as(&app, &token, path, &[]);
        assert_eq!(response.status, 404, "{path}");
        assert_eq!(response.json()["warning"], "not found", "{path}");
    }
    for method in ["POST", "PUT", "DELETE"] {
        for path in [
            "/packages.json",
            "/p2/acme/foo.json",
            "/dist/acme/foo/1.0.0.zip",
        ] {
            let response = request(app.addr(), method, path, &[("Authorization", &basic)], b"");
            assert_eq!(response.status, 405, "{method} {path}");
        }
    }
    assert_eq!(app.json(&["downloads"]), json!([]));
}
