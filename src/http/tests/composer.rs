//! The Composer routes once a credential is good: identical 404s, 405, 413, 400 for the Host,
//! 304 revalidation, the 500 that names nothing, and the bounds on notify batches.

use super::{
    HOST, LIMITS, Shop, assert_json_status, assert_warning, body_json, get_as, release_zip, request,
};
use crate::http::composer::NOTIFY_MAX_ENTRIES;
use crate::service::Limits;
use crate::service::analytics::{
    NOTIFY_ENTRIES_PER_TOKEN_PER_MINUTE, NOTIFY_EVENTS_PER_TOKEN_PER_MINUTE,
    NOTIFY_OVER_BUDGET_HOLD,
};
use bytes::Bytes;
use serde_json::{Value, json};
use warp::http::Response;

const P2: &str = "/p2/acme/widget.json";
const DIST: &str = "/dist/acme/widget/1.0.0.zip";
const NOT_FOUND: &str = "not found";

/// Asserts that every answer is the same 404 as the first: status, every header, every byte.
fn assert_indistinguishable(answers: &[(&str, Response<Bytes>)]) {
    let (first_path, first) = &answers[0];
    assert_warning(first, 404, NOT_FOUND);
    for (path, answer) in &answers[1..] {
        assert_eq!(answer.status(), first.status(), "{path} vs {first_path}");
        assert_eq!(answer.headers(), first.headers(), "{path} vs {first_path}");
        assert_eq!(answer.body(), first.body(), "{path} vs {first_path}");
    }
}

#[tokio::test]
async fn the_customer_token_gets_200_on_every_composer_route() {
    let shop = Shop::new();
    let root = shop.public(get_as("/packages.json", &shop.customer)).await;
    assert_json_status(&root, 200);
    assert_eq!(
        body_json(&root)["available-packages"],
        json!(["acme/widget"])
    );

    let p2 = shop.public(get_as(P2, &shop.customer)).await;
    assert_json_status(&p2, 200);
    let versions = &body_json(&p2)["packages"]["acme/widget"];
    assert_eq!(versions[0]["version"], "1.0.0");
    let dist_url = format!("http://{HOST}{DIST}");
    assert_eq!(versions[0]["dist"]["url"], dist_url.as_str());

    let dist = shop.public(get_as(DIST, &shop.customer)).await;
    assert_eq!(dist.status(), 200);
    assert_eq!(dist.headers()["content-type"], "application/zip");
    assert_eq!(dist.body().as_ref(), release_zip("acme/widget", "1.0.0"));

    let batch = json!({"downloads": [{"name": "acme/widget", "version": "1.0.0.0"}]});
    let notify = request("POST", "/composer/downloads")
        .header("authorization", shop.customer.basic())
        .body(batch.to_string());
    let notify = shop.public(notify).await;
    assert_json_status(&notify, 200);
    assert_eq!(body_json(&notify), json!({"status": "ok", "recorded": 1}));
}

#[tokio::test]
async fn unknown_and_unentitled_packages_get_byte_identical_404s_on_p2() {
    let shop = Shop::new();
    let paths = [
        "/p2/other/secret.json",
        "/p2/other/secret~dev.json",
        "/p2/nobody/nothing.json",
        "/p2/acme/nothing.json",
        "/p2/acme/widget~dev.json",
        "/p2/acme/widget",
        "/p2/acme",
        "/no/such/route",
    ];
    let mut answers = Vec::new();
    for path in paths {
        answers.push((path, shop.public(get_as(path, &shop.customer)).await));
    }
    assert_indistinguishable(&answers);
}

#[tokio::test]
async fn unknown_and_unentitled_archives_get_byte_identical_404s_on_dist() {
    let shop = Shop::new();
    let paths = [
        "/dist/other/secret/1.0.0.zip",
        "/dist/nobody/nothing/1.0.0.zip",
        "/dist/acme/widget/9.9.9.zip",
        "/dist/acme/widget/1.0.0.tar",
        "/dist/acme/widget",
    ];
    let mut answers = Vec::new();
    for path in paths {
        answers.push((path, shop.public(get_as(path, &shop.customer)).await));
    }
    assert_indistinguishable(&answers);
}

#[tokio::test]
async fn an_unentitled_package_is_404_even_when_the_client_claims_a_fresh_copy() {
    let shop = Shop::new();
    let mut answers = Vec::new();
    for path in ["/p2/nobody/nothing.json", "/p2/other/secret.json"] {
        let claims_fresh = get_as(path, &shop.customer)
            .header("if-modified-since", "Fri, 01 Jan 2100 00:00:00 GMT")
            .header("if-none-match", "*");
        answers.push((path, shop.public(claims_fresh).await));
    }
    assert_indistinguishable(&answers);
}

#[tokio::test]
async fn a_wrong_method_on_a_known_path_gets_405() {
    let shop = Shop::new();
    let wrong = [
        ("POST", "/packages.json"),
        ("DELETE", P2),
        ("PUT", DIST),
        ("GET", "/composer/downloads"),
        ("POST", "/healthz"),
    ];
    for (method, path) in wrong {
        let wrong_method = request(method, path).header("authorization", shop.customer.basic());
        let response = shop.public(wrong_method).await;
        assert_warning(&response, 405, "method not allowed");
    }
    let unknown = request("POST", "/no/such/route").header("authorization", shop.customer.basic());
    assert_warning(&shop.public(unknown).await, 404, NOT_FOUND);
}

#[tokio::test]
async fn a_notify_batch_over_the_limit_gets_413_and_one_at_the_limit_is_read() {
    let shop = Shop::new();
    let limit = LIMITS.notify_body_bytes as usize;
    let batch = r#"{"downloads": [{"name": "acme/widget", "version": "1.0.0.0"}]}"#;
    let at_limit = format!("{batch:<limit$}");
    assert_eq!(at_limit.len(), limit);
    for (body, status) in [(at_limit.clone(), 200), (format!("{at_limit} "), 413)] {
        let notify = request("POST", "/composer/downloads")
            .header("authorization", shop.customer.basic())
            .body(body);
        let response = shop.public(notify).await;
        assert_json_status(&response, status);
    }
    let oversized = request("POST", "/composer/downloads").body(vec![b' '; limit + 1]);
    let response = shop.public(oversized).await;
    assert_warning(&response, 413, "request body too large");
}

/// The shop with room for a big notify body, as the default limit allows.
fn roomy_shop() -> Shop {
    let limits = Limits {
        notify_body_bytes: 256 * 1024,
        ..LIMITS
    };
    Shop::with(None, limits)
}

/// Posts `entries` as the customer's notify batch; the answer's status and `recorded`.
async fn notify(shop: &Shop, entries: &[Value]) -> (u16, Value) {
    let batch = json!({ "downloads": entries }).to_string();
    assert!(batch.len() as u64 <= shop.app.settings().limits.notify_body_bytes);
    let notify = request("POST", "/composer/downloads")
        .header("authorization", shop.customer.basic())
        .body(batch);
    let response = shop.public(notify).await;
    (
        response.status().as_u16(),
        body_json(&response)["recorded"].clone(),
    )
}

fn stored_events(shop: &Shop) -> usize {
    shop.app.analytics.flush(shop.app.store()).unwrap()
}

fn widget_entry() -> Value {
    json!({"name": "acme/widget", "version": "1.0.0.0"})
}

#[tokio::test]
async fn a_notify_batch_of_six_thousand_identical_entries_stores_one_event() {
    let shop = roomy_shop();
    let entries = vec![widget_entry(); 6_000];
    assert_eq!(notify(&shop, &entries).await, (200, json!(1)));
    assert_eq!(stored_events(&shop), 1);
}

#[tokio::test]
async fn a_notify_batch_over_the_entry_cap_is_refused_and_stores_nothing() {
    let shop = roomy_shop();
    let mut entries: Vec<Value> = (1..NOTIFY_MAX_ENTRIES)
        .map(|i| json!({"name": format!("acme/p{i}"), "version": "1.0.0.0"}))
        .collect();
    entries.push(widget_entry());
    entries.push(json!({"name": "acme/one-too-many", "version": "1.0.0.0"}));
    assert_eq!(notify(&shop, &entries).await.0, 413);
    assert_eq!(stored_events(&shop), 0);

    entries.pop();
    assert_eq!(entries.len(), NOTIFY_MAX_ENTRIES);
    assert_eq!(notify(&shop, &entries).await, (200, json!(1)));
    assert_eq!(stored_events(&shop), 1);
}

#[tokio::test]
async fn one_token_stores_at_most_its_notify_budget_a_minute_and_the_rest_is_counted() {
    let shop = Shop::new();
    let over = 3;
    let mut recorded = 0;
    for i in 0..NOTIFY_EVENTS_PER_TOKEN_PER_MINUTE + over {
        // A distinct unknown entry makes each batch new, so the repeat check does not apply.
        let filler = json!({"name": format!("nobody/x{i}"), "version": "1.0.0.0"});
        let started = std::time::Instant::now();
        let (status, count) = notify(&shop, &[widget_entry(), filler]).await;
        assert_eq!(status, 200);
        recorded += count.as_u64().unwrap() as usize;
        if i >= NOTIFY_EVENTS_PER_TOKEN_PER_MINUTE {
            let held = started.elapsed();
            assert!(held >= NOTIFY_OVER_BUDGET_HOLD, "answered after {held:?}");
        }
    }
    assert_eq!(recorded, NOTIFY_EVENTS_PER_TOKEN_PER_MINUTE);
    assert_eq!(stored_events(&shop), NOTIFY_EVENTS_PER_TOKEN_PER_MINUTE);
    let metrics = shop.app.metrics.render();
    let dropped = format!("packagento_notify_events_dropped_total {over}\n");
    assert!(metrics.contains(&dropped), "{metrics}");
}

#[tokio::test]
async fn a_token_reporting_floods_of_entries_that_match_nothing_has_its_reports_held() {
    let shop = roomy_shop();
    for batch in 0..10 {
        let unknown: Vec<_> = (0..NOTIFY_ENTRIES_PER_TOKEN_PER_MINUTE / 10)
            .map(|i| json!({"name": format!("n/b{batch}x{i}"), "version": "1"}))
            .collect();
        assert_eq!(notify(&shop, &unknown).await, (200, json!(0)));
    }
    let started = std::time::Instant::now();
    assert_eq!(notify(&shop, &[widget_entry()]).await, (200, json!(1)));
    assert!(started.elapsed() >= NOTIFY_OVER_BUDGET_HOLD);
    assert_eq!(stored_events(&shop), 1);
}

#[tokio::test]
async fn a_notify_batch_without_a_length_or_with_the_wrong_json_gets_400() {
    let shop = Shop::new();
    let unsized_batch =
        request("POST", "/composer/downloads").header("authorization", shop.customer.basic());
    let response = shop.public(unsized_batch).await;
    assert_warning(&response, 400, "a Content-Length header is required");

    for body in ["not json", r#"{"downloads": "acme/widget"}"#, "[]"] {
        let notify = request("POST", "/composer/downloads")
            .header("authorization", shop.customer.basic())
            .body(body);
        let response = shop.public(notify).await;
        assert_json_status(&response, 400);
        let warning = body_json(&response)["warning"]
            .as_str()
            .unwrap()
            .to_string();
        assert!(warning.starts_with("expected {\"downloads\""), "{warning}");
    }
}

#[tokio::test]
async fn p2_without_a_usable_host_header_gets_400_because_it_builds_dist_urls_from_it() {
    let shop = Shop::new();
    let no_host = warp::test::request()
        .path(P2)
        .header("authorization", shop.customer.basic());
    let response = shop.public(no_host).await;
    assert_warning(&response, 400, "missing Host header");

    let unparsable = get_as(P2, &shop.customer).header("host", "two words");
    let response = shop.public(unparsable).await;
    assert_warning(&response, 400, "missing Host header");

    for hostile in ["evil@repo.test", "repo.test,evil.test"] {
        let hostile = get_as(P2, &shop.customer).header("host", hostile);
        let response = shop.public(hostile).await;
        assert_warning(&response, 400, "invalid Host header");
    }

    let with_port = get_as(P2, &shop.customer).header("host", "repo.test:8443");
    let response = shop.public(with_port).await;
    let url = &body_json(&response)["packages"]["acme/widget"][0]["dist"]["url"];
    assert_eq!(url, &json!(format!("http://repo.test:8443{DIST}")));
}

#[tokio::test]
async fn only_p2_needs_a_host_header() {
    let shop = Shop::new();
    for path in ["/packages.json", DIST] {
        let no_host = warp::test::request()
            .path(path)
            .header("authorization", shop.customer.basic());
        assert_eq!(shop.public(no_host).await.status(), 200, "{path}");
    }
}

#[tokio::test]
async fn with_a_public_url_p2_ignores_the_host_header() {
    let shop = Shop::with_public_url(Some("https://packages.example.com"));
    let no_host = warp::test::request()
        .path(P2)
        .header("authorization", shop.customer.basic());
    let response = shop.public(no_host).await;
    assert_json_status(&response, 200);
    let url = &body_json(&response)["packages"]["acme/widget"][0]["dist"]["url"];
    assert_eq!(url, &json!(format!("https://packages.example.com{DIST}")));
}

#[tokio::test]
async fn if_modified_since_at_or_after_last_modified_gets_304_with_an_empty_body() {
    let shop = Shop::new();
    for path in ["/packages.json", P2] {
        let first = shop.public(get_as(path, &shop.customer)).await;
        assert_eq!(first.status(), 200, "{path}");
        let last_modified = first.headers()["last-modified"].clone();
        let etag = first.headers()["etag"].clone();

        let revalidate = get_as(path, &shop.customer).header("if-modified-since", &last_modified);
        let response = shop.public(revalidate).await;
        assert_eq!(response.status(), 304, "{path}");
        assert!(response.body().is_empty(), "{path}: a 304 has no body");
        assert_eq!(response.headers()["last-modified"], last_modified);

        let by_etag = get_as(path, &shop.customer).header("if-none-match", &etag);
        assert_eq!(shop.public(by_etag).await.status(), 304, "{path}");

        for stale in ["Mon, 01 Jan 2001 00:00:00 GMT", "not a date"] {
            let stale = get_as(path, &shop.customer).header("if-modified-since", stale);
            let response = shop.public(stale).await;
            assert_eq!(response.status(), 200, "{path}");
            assert_eq!(response.body(), first.body(), "{path}");
        }
    }
}

#[tokio::test]
async fn a_304_carries_the_validators_and_caching_headers_but_no_body_headers() {
    let shop = Shop::new();
    for path in ["/packages.json", P2] {
        let first = shop
            .public(get_as(path, &shop.customer).header("accept-encoding", "gzip"))
            .await;
        assert_eq!(first.headers()["content-encoding"], "gzip", "{path}");
        let revalidate = get_as(path, &shop.customer)
            .header("accept-encoding", "gzip")
            .header("if-modified-since", &first.headers()["last-modified"]);
        let response = shop.public(revalidate).await;
        assert_eq!(response.status(), 304, "{path}");
        for name in ["last-modified", "etag", "vary", "cache-control"] {
            assert_eq!(
                response.headers()[name],
                first.headers()[name],
                "{path}: {name}"
            );
        }
        for name in ["content-type", "content-encoding"] {
            assert!(response.headers().get(name).is_none(), "{path}: {name}");
        }
        // Another spelling of a later date is parsed, not compared as text.
        let asctime =
            get_as(path, &shop.customer).header("if-modified-since", "Fri Jan  1 00:00:00 2100");
        assert_eq!(shop.public(asctime).await.status(), 304, "{path}");
    }
}

/// The archive-cache lookups the metrics counted, hits and misses.
fn archive_cache_lookups(shop: &Shop) -> Vec<String> {
    let text = shop.app.metrics.render();
    text.lines()
        .filter(|line| line.contains("archive_cache_lookups") && !line.starts_with('#'))
        .map(str::to_lowercase)
        .collect()
}

#[tokio::test]
async fn the_archive_cache_budget_decides_whether_downloads_are_kept_in_memory() {
    let cached = Shop::new();
    let off = Shop::with(
        None,
        Limits {
            archive_cache_bytes: 0,
            ..LIMITS
        },
    );
    for shop in [&cached, &off] {
        for _ in 0..2 {
            let dist = shop.public(get_as(DIST, &shop.customer)).await;
            assert_eq!(dist.status(), 200);
            assert_eq!(
                dist.headers()["content-length"],
                dist.body().len().to_string()
            );
            assert_eq!(dist.body().as_ref(), release_zip("acme/widget", "1.0.0"));
        }
    }
    let kept = archive_cache_lookups(&cached).join("\n");
    assert!(kept.contains("outcome=\"hit\"} 1"), "{kept}");
    assert!(kept.contains("outcome=\"miss\"} 1"), "{kept}");
    let never = archive_cache_lookups(&off).join("\n");
    assert!(!never.contains("} 1") && !never.contains("} 2"), "{never}");
}

#[tokio::test]
async fn a_dist_whose_archive_vanished_gets_500_without_naming_the_path() {
    let shop = Shop::new();
    let archives = shop.app.settings().archive_dir();
    for entry in std::fs::read_dir(&archives).unwrap() {
        std::fs::remove_file(entry.unwrap().path()).unwrap();
    }
    let response = shop.public(get_as(DIST, &shop.customer)).await;
    assert_warning(
        &response,
        500,
        "internal error; the server log has the details",
    );
}
