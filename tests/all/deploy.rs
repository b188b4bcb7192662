//! Running it as a service: the configuration file, trusted proxies, health, metrics, access
//! logs and shutdown, all against the real binary.

use crate::common::http_client::{Response, get};
use crate::common::zips::library;
use crate::common::{Appliance, Token, free_port};
use serde_json::{Value, json};

fn get_as(addr: &str, token: &Token, path: &str, extra: &[(&str, &str)]) -> Response {
    let basic = token.basic();
    let mut headers = vec![("Authorization", basic.as_str())];
    headers.extend_from_slice(extra);
    get(addr, path, &headers)
}

/// acme/tool 1.0.0 published, project "shop" licensed for acme/*.
fn stocked(app: &Appliance) -> Token {
    let dir = app.dir.path().join("zips");
    app.publish(&library(&dir, "acme/tool", "1.0.0", json!({}), None), &[]);
    app.customer("shop")
}

fn write_config(app: &Appliance, text: &str) -> std::path::PathBuf {
    std::fs::create_dir_all(app.data_dir()).unwrap();
    let path = app.data_dir().join("packagento.toml");
    std::fs::write(&path, text).unwrap();
    path
}

#[test]
fn config_show_ranks_flags_over_environment_over_file_over_defaults() {
    let app = Appliance::new();
    write_config(
        &app,
        "public_url = \"https://file.example\"\nlisten = [\"127.0.0.1:7001\"]\n\
         trusted_proxies = [\"10.0.0.0/8\"]\n[analytics]\nretention_days = 30\n",
    );
    let output = app
        .command()
        .args(["config", "show", "--json"])
        .env("PACKAGENTO_PUBLIC_URL", "https://env.example")
        .env("PACKAGENTO_LISTEN", "127.0.0.1:7002")
        .output()
        .unwrap();
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let shown: Value = serde_json::from_slice(&output.stdout).unwrap();
    assert_eq!(shown["public_url"], "https://env.example");
    assert_eq!(shown["listen"], json!(["127.0.0.1:7002"]));
    assert_eq!(shown["trusted_proxies"], json!(["10.0.0.0/8"]));
    assert_eq!(shown["analytics"]["retention_days"], 30);
    assert_eq!(
        shown["argon2"]["iterations"], 1,
        "PACKAGENTO_ARGON2_ITERATIONS from the harness"
    );
    assert_eq!(shown["log"]["format"], "human");

    let toml = app.run(&["config", "show"]);
    let text = String::from_utf8_lossy(&toml.stdout);
    assert!(text.contains("retention_days = 30"), "{text}");
    assert!(text.contains("packagento.toml (read)"), "{text}");
}

#[test]
fn an_unknown_key_or_a_bad_value_stops_start_up_naming_the_key() {
    let app = Appliance::new();
    write_config(&app, "[tls]\ncertificate = \"/etc/x.pem\"\n");
    let error = app.fails(&["serve", "--listen", "127.0.0.1:0"]);
    assert!(error.contains("certificate"), "{error}");
    assert!(
        !app.data_dir().join("packagento.redb").exists(),
        "nothing was created"
    );

    write_config(&app, "trusted_proxies = [\"10.0.0.0/33\"]\n");
    let error = app.fails(&["serve", "--listen", "127.0.0.1:0"]);
    assert!(error.contains("`trusted_proxies`"), "{error}");

    write_config(&app, "");
    let error = app.fails(&[
        "serve",
        "--listen",
        "127.0.0.1:0",
        "--tls-cert",
        "/nonexistent.pem",
    ]);
    assert!(error.contains("`tls.key`"), "{error}");
    let error = app.fails(&[
        "--config",
        "/nonexistent/packagento.toml",
        "project",
        "list",
    ]);
    assert!(error.contains("/nonexistent/packagento.toml"), "{error}");
}

#[test]
fn forwarding_headers_are_ignored_unless_the_peer_is_a_trusted_proxy() {
    let forwarded = [
        ("X-Forwarded-For", "203.0.113.9"),
        ("X-Forwarded-Proto", "https"),
    ];
    let mut app = Appliance::new();
    let token = stocked(&app);
    app.start(&[]);
    let metadata = get_as(app.addr(), &token, "/p2/acme/tool.json", &forwarded).json();
    let url = metadata["packages"]["acme/tool"][0]["dist"]["url"]
        .as_str()
        .unwrap();
    assert!(url.starts_with("http://127.0.0.1:"), "{url}");
    get_as(app.addr(), &token, "/dist/acme/tool/1.0.0.zip", &forwarded);
    let events = app.json(&["downloads"]);
    assert_eq!(events[0]["ip"], "127.0.0.1", "{events}");
    app.stop();

    app.start(&["--trusted-proxy", "127.0.0.0/8"]);
    let metadata = get_as(app.addr(), &token, "/p2/acme/tool.json", &forwarded).json();
    let url = metadata["packages"]["acme/tool"][0]["dist"]["url"]
        .as_str()
        .unwrap();
    assert!(url.starts_with("https://127.0.0.1:"), "{url}");
    let standard = [("Forwarded", "for=\"[2001:db8::7]:5000\";proto=https")];
    get_as(app.addr(), &token, "/dist/acme/tool/1.0.0.zip", &forwarded);
    get_as(app.addr(), &token, "/dist/acme/tool/1.0.0.zip", &standard);
    let events = app.json(&["downloads"]);
    assert_eq!(events[0]["ip"], "2001:db8::7", "{events}");
    assert_eq!(events[1]["ip"], "203.0.113.9", "{events}");
    let tokens = app.json(&["token", "list"]);
    assert_eq!(tokens[0]["last_ip"], "2001:db8::7", "{tokens}");
}

#[test]
fn healthz_needs_no_credentials_and_says_only_ok() {
    let app = Appliance::started();
    let response = get(app.addr(), "/healthz", &[]);
    assert_eq!(response.status, 200);
    assert_eq!(response.text(), "ok\n");
    assert_eq!(response.header("cache-control"), Some("no-store"));
}

#[test]
fn metrics_are_served_on_the_metrics_address_and_not_on_the_public_one() {
    let mut app = Appliance::new();
    let token = stocked(&app);
    let metrics_port = free_port();
    let metrics_addr = format!("127.0.0.1:{metrics_port}");
    app.start(&["--metrics-listen", &metrics_addr]);
    assert_eq!(get(app.addr(), "/metrics", &[]).status, 404);
    get(app.addr(), "/p2/acme/tool.json", &[]);
    get_as(app.addr(), &token, "/dist/acme/tool/1.0.0.zip", &[]);
    get_as(app.addr(), &token, "/dist/acme/tool/1.0.0.zip", &[]);
    let size = std::fs::metadata(app.dir.path().join("zips/acme-tool/1.0.0.zip"))
        .unwrap()
        .len();

    let text = get(&metrics_addr, "/metrics", &[]).text();
    assert!(
        text.contains("packagento_http_requests_total{route=\"P2\",status=\"401\"} 1"),
        "{text}"
    );
    assert!(
        text.contains("packagento_http_requests_total{route=\"Dist\",status=\"200\"} 2"),
        "{text}"
    );
    assert!(text.contains("packagento_auth_failures_total 1"), "{text}");
    assert!(
        text.contains("packagento_archive_cache_lookups_total{outcome=\"Hit\"} 1"),
        "{text}"
    );
    assert!(
        text.contains(&format!(
            "packagento_archive_bytes_served_total {}",
            2 * size
        )),
        "{text}"
    );
    assert!(
        text.contains("packagento_http_request_duration_seconds_bucket"),
        "{text}"
    );
    assert_eq!(get(&metrics_addr, "/healthz", &[]).text(), "ok\n");
}

#[test]
fn sigterm_flushes_analytics_removes_the_socket_and_exits_zero() {
    let mut app = Appliance::new();
    let token = stocked(&app);
    app.start(&[]);
    get_as(app.addr(), &token, "/dist/acme/tool/1.0.0.zip", &[]);
    app.stop(); // asserts a zero exit status
    assert!(!app.data_dir().join("admin.sock").exists());
    let events = app.json(&["downloads"]);
    assert_eq!(events.as_array().unwrap().len(), 1, "{events}");
}

/// What a server started at log `level` wrote to stderr, after two requests and a SIGTERM.
fn logged_lines(app: &Appliance, level: &str, token: &Token) -> String {
    let (child, addr) = app.spawn_logged(&[], level);
    get_as(&addr, token, "/p2/acme/tool.json", &[]);
    get_as(&addr, token, "/p2/acme/tool.json?secret=x", &[]);
    Appliance::stop_logged(child)
}

#[test]
fn each_request_gets_one_human_access_line_and_none_below_info() {
    let app = Appliance::new();
    let token = stocked(&app);
    let stderr = logged_lines(&app, "info", &token);
    let access: Vec<&str> = stderr
        .lines()
        .filter(|l| l.contains(" INFO packagento::access: request "))
        .collect();
    assert_eq!(access.len(), 2, "{stderr}");
    let expected = "method=GET path=/p2/acme/tool.json status=200 bytes=";
    assert!(access[0].contains(expected), "{}", access[0]);
    let tail = format!(" token=\"{}\" client=127.0.0.1", token.public_key);
    assert!(access.iter().all(|l| l.ends_with(&tail)), "{stderr}");
    assert!(access[0].contains(" duration_ms="), "{}", access[0]);
    assert!(
        !stderr.contains("x=") && !stderr.contains('\u{1b}'),
        "{stderr}"
    );
    assert!(!stderr.contains(&token.private_key));

    let quiet = logged_lines(&app, "warn", &token);
    assert!(!quiet.contains("packagento::access"), "{quiet}");
}

#[test]
fn each_request_gets_one_json_access_line_without_secrets() {
    let app = Appliance::new();
    let token = stocked(&app);
    let (child, addr) = app.spawn_logged(&["--log-format", "json"], "info");
    let archive = get_as(&addr, &token, "/dist/acme/tool/1.0.0.zip", &[]);
    let metadata = get_as(&addr, &token, "/p2/acme/tool.json", &[]);
    assert_eq!(metadata.status, 200);
    let wrong = Token {
        private_key: "0".repeat(64),
        ..token.clone()
    };
    get_as(&addr, &wrong, "/packages.json?secret=x", &[]);
    let stderr = Appliance::stop_logged(child);

    let access: Vec<Value> = stderr
        .lines()
        .filter_map(|l| serde_json::from_str::<Value>(l).ok())
        .filter(|v| v["target"] == "packagento::access")
        .collect();
    assert_eq!(access.len(), 3, "{stderr}");
    let dist = &access[0]["fields"];
    assert_eq!(dist["method"], "GET");
    assert_eq!(dist["path"], "/dist/acme/tool/1.0.0.zip");
    assert_eq!(dist["status"], 200);
    assert_eq!(dist["token"], token.public_key.as_str());
    assert_eq!(dist["client"], "127.0.0.1");
    assert_eq!(dist["bytes"], archive.body.len());
    assert!(dist["duration_ms"].as_f64().is_some());
    let p2 = &access[1]["fields"];
    assert_eq!(p2["path"], "/p2/acme/tool.json");
    assert!(!metadata.body.is_empty());
    assert_eq!(p2["bytes"], metadata.body.len(), "the bytes sent, not 0");
    assert_eq!(access[2]["fields"]["status"], 401);
    assert_eq!(access[2]["fields"]["token"], "-");
    assert_eq!(access[2]["fields"]["path"], "/packages.json");
    assert!(!stderr.contains(&token.private_key));
    assert!(!stderr.contains("secret=x"));
}

#[test]
fn trusted_proxies_changed_in_the_config_file_apply_without_a_restart() {
    let mut app = Appliance::new();
    let token = stocked(&app);
    let config = write_config(&app, "trusted_proxies = []\n");
    app.start(&[]);
    let forwarded = [("X-Forwarded-Proto", "https")];
    let dist_url = |app: &Appliance| {
        let metadata = get_as(app.addr(), &token, "/p2/acme/tool.json", &forwarded).json();
        metadata["packages"]["acme/tool"][0]["dist"]["url"]
            .as_str()
            .unwrap()
            .to_string()
    };
    assert!(dist_url(&app).starts_with("http://"));

    let edited = config.with_extension("new");
    std::fs::write(&edited, "trusted_proxies = [\"127.0.0.1\"]\n").unwrap();
    std::fs::rename(&edited, &config).unwrap();
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
    while !dist_url(&app).starts_with("https://") {
        assert!(
            std::time::Instant::now() < deadline,
            "the change was never applied"
        );
        std::thread::sleep(std::time::Duration::from_millis(100));
    }
}

#[test]
fn logs_written_to_a_file_or_pipe_carry_no_terminal_colour_codes() {
    let app = Appliance::new();
    let output = app
        .command()
        .env("PACKAGENTO_LOG", "info")
        .args(["project", "create", "plain"])
        .output()
        .unwrap();
    assert!(output.status.success());
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("migrating database"), "{stderr}");
    assert!(
        !stderr.contains('\u{1b}'),
        "escape codes in piped logs: {stderr:?}"
    );
}
