//! Licences after the sale, through a running server: renewals, edits, moves, the seat limit
//! under concurrent activations, and the subscriptions that end soon.

use crate::common::{Appliance, without_origin};
use crate::feed::{subscribe, until_kind};
use serde_json::Value;
use std::sync::{Arc, Barrier};

fn ids(licences: &Value) -> Vec<&str> {
    let all = licences.as_array().unwrap().iter();
    all.map(|l| l["id"].as_str().unwrap()).collect()
}

#[test]
fn seats_hold_when_eight_activations_race_through_the_server() {
    let app = Arc::new(Appliance::started());
    let projects: Vec<String> = (1..=8).map(|n| format!("site-{n}")).collect();
    for project in &projects {
        app.project(project);
    }
    let created = app.json(&[
        "licence",
        "create",
        "--holder",
        "Acme",
        "--package",
        "acme/*",
        "--seats",
        "2",
    ]);
    let id = created["id"].as_str().unwrap().to_string();
    let start = Arc::new(Barrier::new(projects.len()));
    let racers: Vec<_> = projects
        .iter()
        .map(|project| {
            let (app, start, id, project) =
                (app.clone(), start.clone(), id.clone(), project.clone());
            std::thread::spawn(move || {
                start.wait();
                app.run(&["licence", "activate", &id, "--project", &project])
            })
        })
        .collect();
    let outcomes: Vec<_> = racers.into_iter().map(|r| r.join().unwrap()).collect();
    let won = outcomes.iter().filter(|o| o.status.success()).count();
    assert_eq!(won, 2, "activations that succeeded: {outcomes:#?}");
    for lost in outcomes.iter().filter(|o| !o.status.success()) {
        let error = String::from_utf8_lossy(&lost.stderr);
        assert!(error.contains("2 seats, all taken"), "{error}");
    }
    let shown = app.json(&["licence", "show", &id]);
    assert_eq!(shown["projects"].as_array().unwrap().len(), 2, "{shown}");
    assert_eq!(shown["activations"].as_array().unwrap().len(), 2, "{shown}");
}

#[test]
fn a_renewal_an_edit_and_a_move_are_each_announced_and_a_refused_edit_changes_nothing() {
    let app = Appliance::started();
    for project in ["shop", "staging", "new-shop"] {
        app.project(project);
    }
    let id = app.licence("shop", &["acme/*"], Some("2025-03-31"));
    app.json(&["licence", "activate", &id, "--project", "staging"]);
    let feed = subscribe(&app);
    let mut seen = Vec::new();

    let renewed = without_origin(app.json(&["licence", "extend", &id, "--by", "12m"]));
    assert_eq!(renewed["access_until"], "2026-03-31T23:59:59+00:00");
    let change = until_kind(&feed, "licence_changed", &mut seen);
    assert_eq!(change["event"]["licence"], renewed);

    let refused = app.fails(&[
        "licence",
        "edit",
        &id,
        "--seats",
        "1",
        "--add-package",
        "x/y",
    ]);
    assert!(
        refused.contains("active on 2 projects (shop, staging)"),
        "{refused}"
    );
    let constraint = app.fails(&["licence", "edit", &id, "--versions", "^^2"]);
    assert!(
        constraint.contains("invalid version constraint"),
        "{constraint}"
    );
    assert_eq!(
        app.json(&["licence", "show", &id])["packages"],
        serde_json::json!(["acme/*"])
    );

    let edited = without_origin(app.json(&[
        "licence",
        "edit",
        &id,
        "--seats",
        "2",
        "--versions",
        "^2.0",
        "--note",
        "order 7",
        "--no-dependencies",
    ]));
    assert_eq!(edited["seats"], 2);
    assert_eq!(edited["versions"], "^2.0");
    assert_eq!(edited["dependencies"], false);
    assert_eq!(
        until_kind(&feed, "licence_changed", &mut seen)["event"]["licence"],
        edited
    );

    let full = app.fails(&["licence", "activate", &id, "--project", "new-shop"]);
    assert!(full.contains("active on shop, staging"), "{full}");
    let moved = without_origin(app.json(&[
        "licence", "move", &id, "--from", "staging", "--to", "new-shop",
    ]));
    assert_eq!(moved["projects"], serde_json::json!(["new-shop", "shop"]));
    assert_eq!(
        until_kind(&feed, "licence_changed", &mut seen)["event"]["licence"],
        moved
    );
    let again = app.fails(&[
        "licence", "move", &id, "--from", "staging", "--to", "new-shop",
    ]);
    assert!(
        again.contains("already active on project new-shop"),
        "{again}"
    );

    let shown = app.json(&["licence", "show", &id]);
    for field in [
        "id",
        "customer",
        "packages",
        "versions",
        "seats",
        "access_until",
        "dependencies",
        "projects",
    ] {
        assert_eq!(shown[field], moved[field], "{field}");
    }
    assert_eq!(shown["customer_name"], "Test Holder");
    assert_eq!(shown["activations"][0]["project"], "new-shop");
    assert_eq!(shown["activations"][0]["customer"], "test-holder");
    let text = app.run(&["licence", "show", &id]);
    let text = String::from_utf8_lossy(&text.stdout);
    assert!(
        text.contains("active on new-shop: new-shop (customer test-holder)"),
        "{text}"
    );
}

#[test]
fn list_expiring_names_the_subscriptions_ending_within_the_window_soonest_first() {
    let app = Appliance::started();
    let day = |days: i64| {
        (chrono::Utc::now() + chrono::Duration::days(days))
            .format("%Y-%m-%d")
            .to_string()
    };
    let create = |holder: &str, until: Option<String>| {
        let mut args = vec![
            "licence",
            "create",
            "--holder",
            holder,
            "--package",
            "acme/*",
        ];
        if let Some(until) = &until {
            args.extend(["--access-until", until.as_str()]);
        }
        app.json(&args)["id"].as_str().unwrap().to_string()
    };
    let later = create("Acme Ltd", Some(day(20)));
    let sooner = create("Beta GmbH", Some(day(3)));
    create("Acme Ltd", Some(day(60)));
    create("Acme Ltd", Some(day(-2)));
    create("Acme Ltd", None);
    let revoked = create("Acme Ltd", Some(day(5)));
    app.json(&["licence", "revoke", &revoked]);

    let ending = app.json(&["licence", "list", "--expiring", "30d"]);
    assert_eq!(ids(&ending), [sooner.as_str(), later.as_str()]);
    assert_eq!(ending[0]["customer"], "beta-gmbh");
    assert_eq!(ending[0]["customer_name"], "Beta GmbH");
    assert_eq!(ending[0]["packages"], serde_json::json!(["acme/*"]));
    assert!(ending[0]["ends_at"].as_i64().unwrap() < ending[1]["ends_at"].as_i64().unwrap());
    let acme = app.json(&[
        "licence",
        "list",
        "--expiring",
        "30d",
        "--customer",
        "acme-ltd",
    ]);
    assert_eq!(ids(&acme), [later.as_str()]);
    assert_eq!(
        app.json(&["licence", "list", "--customer", "acme-ltd"])
            .as_array()
            .unwrap()
            .len(),
        5
    );
    let unknown = app.fails(&["licence", "list", "--customer", "nobody"]);
    assert!(unknown.contains("no customer \"nobody\""), "{unknown}");
    let text = app.run(&["licence", "list", "--expiring", "1d"]);
    assert!(String::from_utf8_lossy(&text.stdout).contains("no subscription ends within 1d"));
}
