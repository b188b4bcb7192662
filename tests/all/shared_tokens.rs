//! Shared-token alerts end to end: a token used from more addresses in a day than allowed is
//! flagged in `token list`, `customer show` and `token show`, once; so is one used by overlapping
//! installs from two addresses; and `token show` reports what the real Composer client did.

use crate::common::{Appliance, Token};
use crate::composer::{Shop, composer_available};
use serde_json::{Value, json};

/// A server that believes the test's `X-Forwarded-For`, and a customer project with a token.
fn behind_a_proxy() -> (Appliance, Token) {
    let mut appliance = Appliance::new();
    appliance.start(&["--trusted-proxy", "127.0.0.1"]);
    let token = appliance.customer("shop");
    (appliance, token)
}

/// One metadata request that the server sees as coming from `address`.
fn request_from(appliance: &Appliance, token: &Token, address: &str) {
    let agent = format!("Composer/2.8.4 (test from {address})");
    let headers = [("X-Forwarded-For", address), ("User-Agent", agent.as_str())];
    let response = appliance.get_as(token, "/packages.json", &headers);
    assert_eq!(response.status, 200, "{}", response.text());
}

fn listed(appliance: &Appliance, token: &Token) -> Value {
    let tokens = appliance.json(&["token", "list"]);
    let found = tokens
        .as_array()
        .unwrap()
        .iter()
        .find(|t| t["public_key"] == token.public_key.as_str());
    found
        .cloned()
        .unwrap_or_else(|| panic!("token not in {tokens}"))
}

fn customer_of(appliance: &Appliance) -> String {
    let customers = appliance.json(&["customer", "list"]);
    customers[0]["slug"].as_str().unwrap().to_string()
}

#[test]
fn a_token_used_from_six_addresses_in_a_day_is_flagged_once_everywhere() {
    let (appliance, token) = behind_a_proxy();
    for n in 1..=5 {
        request_from(&appliance, &token, &format!("203.0.113.{n}"));
    }
    assert_eq!(
        listed(&appliance, &token).get("shared_alert"),
        None,
        "five addresses are within the default limit"
    );

    request_from(&appliance, &token, "203.0.113.6");
    let shown = appliance.json(&["token", "show", &token.public_key]);
    let today = shown["days"][0]["day"].as_str().unwrap().to_string();
    let reason = format!("used from 6 addresses on {today} (limit 5)");
    let flag = &listed(&appliance, &token)["shared_alert"];
    assert_eq!(
        *flag,
        json!({"day": today, "kind": "addresses", "reason": reason})
    );
    let human = appliance.run(&["token", "list"]);
    let human = String::from_utf8_lossy(&human.stdout);
    assert!(human.contains(&format!("SHARED: {reason}")), "{human}");

    let customer = appliance.json(&["customer", "show", &customer_of(&appliance)]);
    assert_eq!(customer["tokens"][0]["shared_alert"], *flag, "{customer}");

    let day = &shown["days"][0];
    assert_eq!(day["requests"], 6, "{shown}");
    assert_eq!(day["addresses"].as_array().unwrap().len(), 6, "{shown}");
    assert_eq!(day["shared_alert"]["reason"], reason.as_str(), "{shown}");
    let raised_at = day["shared_alert"]["at"].clone();

    // More requests, from more addresses, the same day: the flag stays as it was raised.
    for n in 6..=9 {
        request_from(&appliance, &token, &format!("203.0.113.{n}"));
    }
    let again = appliance.json(&["token", "show", &token.public_key, "--days", "1"]);
    assert_eq!(again["days"].as_array().unwrap().len(), 1, "{again}");
    let day = &again["days"][0];
    assert_eq!(day["requests"], 10, "{again}");
    assert_eq!(day["shared_alert"]["at"], raised_at, "raised a second time");
    assert_eq!(day["shared_alert"]["reason"], reason.as_str(), "{again}");
    let human = appliance.run(&["token", "show", &token.public_key]);
    let human = String::from_utf8_lossy(&human.stdout);
    assert!(human.contains("\n           1  203.0.113.9\n"), "{human}");
    assert!(human.contains(&format!("SHARED:     {reason}")), "{human}");
}

#[test]
fn a_token_used_from_five_addresses_raises_no_alert() {
    let (mut appliance, token) = behind_a_proxy();
    for n in 1..=5 {
        request_from(&appliance, &token, &format!("198.51.100.{n}"));
        request_from(&appliance, &token, &format!("198.51.100.{n}"));
    }
    let shown = appliance.json(&["token", "show", &token.public_key]);
    let day = &shown["days"][0];
    assert_eq!(day["requests"], 10, "{shown}");
    assert_eq!(day.get("shared_alert"), None, "{shown}");
    assert_eq!(listed(&appliance, &token).get("shared_alert"), None);
    let customer = appliance.json(&["customer", "show", &customer_of(&appliance)]);
    assert_eq!(
        customer["tokens"][0].get("shared_alert"),
        None,
        "{customer}"
    );
    // Without a server the command reads the same history from the data folder.
    request_from(&appliance, &token, "198.51.100.1");
    appliance.stop();
    let direct = appliance.json(&["token", "show", &token.public_key]);
    assert_eq!(
        direct["days"][0]["requests"], 11,
        "written at shutdown: {direct}"
    );
}

#[test]
fn an_install_from_a_second_address_during_the_first_flags_the_token() {
    let (appliance, token) = behind_a_proxy();
    // The first address is still installing (its requests less than 60 s apart) when the
    // second one starts.
    for address in ["192.0.2.1", "192.0.2.2", "192.0.2.1"] {
        request_from(&appliance, &token, address);
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
    let flag = &listed(&appliance, &token)["shared_alert"];
    assert_eq!(flag["kind"], "overlapping_installs", "{flag}");
    let reason = flag["reason"].as_str().unwrap();
    assert!(
        reason.starts_with("overlapping installs from 192.0.2.2 and 192.0.2.1 on "),
        "{reason}"
    );
}

#[test]
fn token_show_of_an_unknown_key_fails_and_says_so() {
    let (appliance, _) = behind_a_proxy();
    let error = appliance.fails(&["token", "show", &"f".repeat(32)]);
    assert!(error.contains("no token with public key"), "{error}");
}

#[test]
fn composer_installing_with_a_token_shows_in_its_usage() {
    if !composer_available() {
        return;
    }
    let shop = Shop::open(None);
    shop.publish("acme/tool", "1.0.0", json!({}), None);
    shop.manifest(json!({ "acme/tool": "^1.0" }));
    shop.composer_ok(&["install"]);
    let tokens = shop.appliance.json(&["token", "list"]);
    let key = tokens[0]["public_key"].as_str().unwrap();

    let shown = shop.appliance.json(&["token", "show", key]);
    let day = &shown["days"][0];
    assert!(day["requests"].as_u64().unwrap() > 0, "{shown}");
    assert_eq!(day["addresses"][0]["value"], "127.0.0.1", "{shown}");
    let agent = day["user_agents"][0]["value"].as_str().unwrap();
    assert!(agent.starts_with("Composer/"), "{shown}");
    assert_eq!(
        day.get("shared_alert"),
        None,
        "one machine is not a shared token"
    );
}
