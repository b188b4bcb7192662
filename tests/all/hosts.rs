//! What commands learn from the running server: credentials name the host customers reach it
//! by, not the address it binds, and `config show` describes the server, not the command.

use crate::common::Appliance;
use serde_json::Value;

fn created_token(appliance: &Appliance, auth_json: &std::path::Path) -> (Value, String) {
    let output = appliance.run(&[
        "token",
        "create",
        "--project",
        "shop",
        "--auth-json",
        auth_json.to_str().unwrap(),
        "--json",
    ]);
    assert!(output.status.success(), "{output:?}");
    let value = serde_json::from_slice(&output.stdout).unwrap();
    (value, String::from_utf8_lossy(&output.stderr).into_owned())
}

#[test]
fn token_create_against_a_server_with_a_public_url_names_its_host() {
    let mut appliance = Appliance::new();
    appliance.start(&["--public-url", "https://packages.example.com"]);
    appliance.project("shop");
    let path = appliance.dir.path().join("auth.json");
    let (created, stderr) = created_token(&appliance, &path);
    assert_eq!(created["host"], "packages.example.com");
    let written: Value = serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
    let keyed = &written["http-basic"]["packages.example.com"];
    assert_eq!(keyed["username"], created["public_key"]);
    let line = created["composer_config"].as_str().unwrap();
    assert!(line.contains("http-basic.packages.example.com "), "{line}");
    assert!(!stderr.contains("loopback"), "{stderr}");
}

#[test]
fn publisher_create_names_the_public_url_for_uploads() {
    let mut appliance = Appliance::new();
    appliance.start(&["--public-url", "https://packages.example.com"]);
    let output = appliance.run(&["publisher", "create"]);
    assert!(output.status.success(), "{output:?}");
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(
        stdout.contains("'https://packages.example.com/api/publish?version="),
        "{stdout}"
    );
}

#[test]
fn a_plain_listener_gives_its_real_port_and_a_loopback_warning() {
    let appliance = Appliance::started();
    appliance.project("shop");
    let path = appliance.dir.path().join("auth.json");
    let (created, stderr) = created_token(&appliance, &path);
    assert_eq!(created["host"], appliance.addr());
    assert!(appliance.addr().starts_with("127.0.0.1:"));
    assert!(stderr.contains("loopback"), "{stderr}");
    assert!(stderr.contains("--public-url"), "{stderr}");
}

#[test]
fn config_show_describes_the_running_server_not_the_invoking_command() {
    let mut appliance = Appliance::new();
    appliance.start(&[
        "--metrics-listen",
        "127.0.0.1:0",
        "--trusted-proxy",
        "10.9.0.0/16",
    ]);
    let output = appliance.run(&["config", "show"]);
    assert!(output.status.success(), "{output:?}");
    let text = String::from_utf8_lossy(&output.stdout);
    let header = text.lines().next().unwrap();
    assert!(header.contains("running server"), "{text}");
    assert!(text.contains("metrics_listen = \"127.0.0.1:0\""), "{text}");
    assert!(text.contains("10.9.0.0/16"), "{text}");
    let shown = appliance.json(&["config", "show"]);
    assert_eq!(shown["metrics_listen"], "127.0.0.1:0");
    assert_eq!(shown["listen"], serde_json::json!(["127.0.0.1:0"]));

    appliance.stop();
    let output = appliance.run(&["config", "show"]);
    let text = String::from_utf8_lossy(&output.stdout);
    assert!(
        text.lines().next().unwrap().contains("no server answers"),
        "{text}"
    );
    assert!(!text.contains("metrics_listen"), "{text}");
}

#[test]
fn without_a_public_url_the_https_listener_is_preferred_for_credentials_and_uploads() {
    let mut appliance = Appliance::new();
    let ca = crate::common::tls::TestCa::new(&appliance.dir.path().join("tls"));
    let urls = appliance.start_announcing(
        &[
            "--listen",
            "127.0.0.1:0",
            "--tls-listen",
            "127.0.0.1:0",
            "--tls-cert",
            ca.cert_path.to_str().unwrap(),
            "--tls-key",
            ca.key_path.to_str().unwrap(),
        ],
        2,
    );
    let https = urls[1].strip_prefix("https://").unwrap().to_string();
    appliance.project("shop");
    let path = appliance.dir.path().join("auth.json");
    let (created, _) = created_token(&appliance, &path);
    assert_eq!(created["host"], https.as_str());
    let publisher = appliance.json(&["publisher", "create"]);
    assert_eq!(
        publisher["publish_url"],
        format!("https://{https}/api/publish")
    );
}
