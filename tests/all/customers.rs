//! Customers through the CLI against a running server: what `customer show` gathers, and what
//! `customer delete` takes with it.

use crate::common::Appliance;
use crate::common::http_client::get;
use crate::common::zips::library;
use serde_json::{Value, json};

fn token_of(value: &Value) -> crate::common::Token {
    crate::common::Token {
        public_key: value["public_key"].as_str().unwrap().to_string(),
        private_key: value["private_key"].as_str().unwrap().to_string(),
    }
}

#[test]
fn customer_show_gathers_projects_licences_tokens_and_downloads_and_delete_revokes_access() {
    let app = Appliance::started();
    let dir = app.dir.path().join("zips");
    app.publish(&library(&dir, "acme/tool", "1.0.0", json!({}), None), &[]);
    let created = app.json(&[
        "customer",
        "create",
        "acme",
        "--name",
        "Acme GmbH",
        "--email",
        "billing@acme.test",
    ]);
    assert_eq!(created["name"], "Acme GmbH");
    let project = app.json(&["project", "create", "acme-prod", "--customer", "acme"]);
    assert_eq!(project["customer"], "acme");
    let licence = app.json(&[
        "licence",
        "create",
        "--customer",
        "acme",
        "--package",
        "acme/*",
    ]);
    let id = licence["id"].as_str().unwrap();
    app.json(&["licence", "activate", id, "--project", "acme-prod"]);
    let token = token_of(&app.json(&["token", "create", "--project", "acme-prod"]));
    let basic = token.basic();
    let dist = get(
        app.addr(),
        "/dist/acme/tool/1.0.0.zip",
        &[("Authorization", &basic)],
    );
    assert_eq!(dist.status, 200);

    let shown = app.json(&["customer", "show", "acme"]);
    assert_eq!(shown["customer"]["email"], "billing@acme.test");
    assert_eq!(shown["projects"][0]["slug"], "acme-prod");
    assert_eq!(shown["licences"][0]["id"], id);
    assert_eq!(shown["licences"][0]["state"], "active");
    assert_eq!(shown["licences"][0]["projects"], json!(["acme-prod"]));
    assert_eq!(shown["tokens"][0]["public_key"], token.public_key.as_str());
    assert!(!shown.to_string().contains(&token.private_key));
    assert_eq!(shown["downloads"]["total"], json!({"dist": 1, "notify": 0}));
    assert_eq!(
        shown["downloads"]["packages"],
        json!([{"package": "acme/tool", "downloads": {"dist": 1, "notify": 0}}])
    );
    let listed = app.json(&["customer", "list"]);
    assert_eq!(listed[0]["projects"], 1);
    assert_eq!(listed[0]["licences"], 1);

    let preview = app.run(&["customer", "delete", "acme"]);
    assert!(!preview.status.success());
    let text = String::from_utf8_lossy(&preview.stdout);
    assert!(text.contains("would delete customer acme"), "{text}");
    let still = get(
        app.addr(),
        "/dist/acme/tool/1.0.0.zip",
        &[("Authorization", &basic)],
    );
    assert_eq!(still.status, 200);

    let deleted = app.json(&["customer", "delete", "acme", "--yes"]);
    assert_eq!(deleted["deleted"], true);
    assert_eq!(deleted["projects_deleted"], json!(["acme-prod"]));
    assert_eq!(deleted["licences_deleted"], json!([id]));
    let refused = get(app.addr(), "/packages.json", &[("Authorization", &basic)]);
    assert_eq!(refused.status, 401);
    assert_eq!(app.json(&["customer", "list"]), json!([]));
    assert_eq!(app.json(&["licence", "list"]), json!([]));
    assert_eq!(app.json(&["downloads"]).as_array().unwrap().len(), 2);
}

#[test]
fn a_project_for_a_missing_customer_is_refused_and_project_list_filters_by_customer() {
    let app = Appliance::new();
    let refused = app.fails(&["project", "create", "shop", "--customer", "acme"]);
    assert!(
        refused.contains("packagento customer create acme"),
        "{refused}"
    );
    app.json(&["customer", "create", "acme"]);
    app.json(&["project", "create", "shop", "--customer", "acme"]);
    app.project("loose");
    let of_acme = app.json(&["project", "list", "--customer", "acme"]);
    assert_eq!(of_acme.as_array().unwrap().len(), 1);
    assert_eq!(of_acme[0]["slug"], "shop");
    let all = app.run(&["project", "list"]);
    let text = String::from_utf8_lossy(&all.stdout);
    let shop = text.lines().find(|l| l.starts_with("shop ")).unwrap();
    assert!(shop.contains("acme"), "{text}");
}
