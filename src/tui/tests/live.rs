//! Screens kept current from the change feed with no key pressed: token uses patched in place,
//! download figures and the details that depend on them re-read within a second.

use super::{KEY_CI, KEY_LAPTOP, NOW, feed, on_tab, token};
use crate::domain::audit::{Actor, AuditEntry};
use crate::domain::records::TokenUse;
use crate::service::changes::{ChangeEvent, TokenUsed};
use crate::tui::message::{Effect, Loaded, Msg};
use crate::tui::model::Tab;
use crate::tui::update::update;

fn used(public_key: &str, at: i64, ip: &str) -> ChangeEvent {
    ChangeEvent::TokensUsed {
        uses: vec![TokenUsed {
            public_key: public_key.into(),
            last_used: TokenUse {
                at,
                ip: ip.into(),
                user_agent: "Composer/2.9.0".into(),
            },
        }],
    }
}

fn downloads() -> Msg {
    feed(ChangeEvent::DownloadsRecorded { events: vec![] })
}

#[test]
fn a_token_use_on_the_feed_updates_its_row_without_a_reload() {
    let mut model = on_tab(Tab::Tokens);
    assert!(update(&mut model, feed(used(KEY_LAPTOP, NOW, "192.0.2.9"))).is_empty());
    let laptop = model
        .data
        .tokens
        .iter()
        .find(|t| t.public_key == KEY_LAPTOP);
    let laptop = laptop.unwrap();
    assert_eq!(laptop.last_used_at, Some(NOW));
    assert_eq!(laptop.last_ip.as_deref(), Some("192.0.2.9"));
    assert_eq!(laptop.last_user_agent.as_deref(), Some("Composer/2.9.0"));
    let effects = update(&mut model, Msg::Tick(NOW + 1));
    assert!(
        !effects.iter().any(|e| matches!(e, Effect::Refresh)),
        "{effects:?}"
    );
}

#[test]
fn a_token_use_also_updates_the_cached_customer_details() {
    let mut model = on_tab(Tab::Customers);
    update(&mut model, feed(used(KEY_LAPTOP, NOW, "192.0.2.9")));
    let detail = &model.data.customer_details["acme-ltd"];
    let laptop = detail.tokens.iter().find(|t| t.public_key == KEY_LAPTOP);
    assert_eq!(laptop.unwrap().last_used_at, Some(NOW));
}

#[test]
fn a_reload_read_before_a_use_was_written_keeps_the_newer_use() {
    let mut model = on_tab(Tab::Tokens);
    update(&mut model, feed(used(KEY_LAPTOP, NOW, "192.0.2.9")));
    let stale = vec![
        token(KEY_CI, "acme-production", "ci", Some((300, "203.0.113.7"))),
        token(KEY_LAPTOP, "acme-staging", "laptop", None),
    ];
    update(&mut model, Msg::Loaded(Loaded::Tokens(stale)));
    let laptop = model
        .data
        .tokens
        .iter()
        .find(|t| t.public_key == KEY_LAPTOP);
    assert_eq!(laptop.unwrap().last_ip.as_deref(), Some("192.0.2.9"));
    let ci = model.data.tokens.iter().find(|t| t.public_key == KEY_CI);
    assert_eq!(ci.unwrap().last_used_at, Some(NOW - 300));
}

#[test]
fn a_shared_token_alert_reloads_the_lists() {
    let mut model = on_tab(Tab::Tokens);
    let entry = AuditEntry {
        at_micros: NOW * 1_000_000,
        actor: Actor::Server,
        action: "token.shared_alert".into(),
        target: KEY_CI.into(),
        summary: "used from 6 addresses".into(),
    };
    let entries = vec![entry];
    update(&mut model, feed(ChangeEvent::Audited { entries }));
    let effects = update(&mut model, Msg::Tick(NOW + 1));
    assert!(
        matches!(effects.as_slice(), [Effect::Refresh]),
        "{effects:?}"
    );
}

#[test]
fn the_dashboard_rereads_its_figures_within_a_second_of_downloads() {
    let mut model = on_tab(Tab::Dashboard);
    update(&mut model, Msg::Tick(NOW));
    update(&mut model, downloads());
    let effects = update(&mut model, Msg::Tick(NOW + 1));
    assert!(
        matches!(effects.as_slice(), [Effect::RefreshStats]),
        "{effects:?}"
    );
}

#[test]
fn downloads_reread_the_customer_under_the_cursor_in_place_and_drop_the_others() {
    let mut model = on_tab(Tab::Customers);
    let mut other = model.data.customer_details["acme-ltd"].clone();
    other.customer.slug = crate::domain::names::CustomerSlug::parse("globex").unwrap();
    model.data.customer_details.insert("globex".into(), other);
    update(&mut model, Msg::Tick(NOW));
    update(&mut model, downloads());
    let effects = update(&mut model, Msg::Tick(NOW + 1));
    assert!(
        effects
            .iter()
            .any(|e| matches!(e, Effect::LoadCustomer(slug) if slug == "acme-ltd")),
        "{effects:?}"
    );
    let cached: Vec<&String> = model.data.customer_details.keys().collect();
    assert_eq!(
        cached,
        ["acme-ltd"],
        "shown until the new answer replaces it"
    );
}

#[test]
fn the_advisories_screen_rereads_who_is_affected_after_downloads_without_waiting_a_minute() {
    let mut model = on_tab(Tab::Advisories);
    update(&mut model, downloads());
    let effects = update(&mut model, Msg::Tick(NOW + 1));
    assert!(
        effects
            .iter()
            .any(|e| matches!(e, Effect::RefreshAdvisories)),
        "{effects:?}"
    );
    let mut elsewhere = on_tab(Tab::Projects);
    update(&mut elsewhere, downloads());
    let effects = update(&mut elsewhere, Msg::Tick(NOW + 1));
    assert!(
        !effects
            .iter()
            .any(|e| matches!(e, Effect::RefreshAdvisories)),
        "other screens wait for the minute: {effects:?}"
    );
}
