//! The Audit screen: the log as loaded, entries arriving from the change feed on top, the filter,
//! and a reload that must not drop what the feed brought meanwhile.

use super::{NOW, feed, fixture, key, press};
use crate::domain::audit::{Actor, AuditEntry, AuditRecord};
use crate::service::changes::ChangeEvent;
use crate::tui::message::{Loaded, Msg};
use crate::tui::model::{Model, Tab};
use crate::tui::update::update;
use ratatui::crossterm::event::KeyCode;

fn entry(minutes_ago: i64, actor: Actor, action: &str, target: &str, summary: &str) -> AuditEntry {
    let at_micros = (NOW - minutes_ago * 60) * 1_000_000;
    AuditEntry::new(at_micros, actor, AuditRecord::new(action, target, summary))
}

fn operator() -> Actor {
    Actor::Socket {
        user: "alice".into(),
    }
}

/// Newest first, as the server lists them.
fn logged() -> Vec<AuditEntry> {
    let publisher = Actor::Publisher {
        public_key: "9d8e7f6a5b4c3d2e1f0a9b8c7d6e5f4a".into(),
        label: "ci".into(),
    };
    vec![
        entry(
            2,
            operator(),
            "licence.extend",
            "lic_2b7e91",
            "access until 2025-06-30 → 2026-06-30",
        ),
        entry(
            14,
            publisher,
            "package.publish",
            "acme/payments 2.4.1",
            "sha1 5d41402abc4b2a76b9719d911017c592, 48.2 KiB",
        ),
        entry(
            60,
            Actor::Inbox,
            "package.publish",
            "acme/shipping 1.0.3",
            "sha1 7c211433f02071597741e6ff5a8ea34789abbf43, 12.3 KiB",
        ),
        entry(
            95,
            Actor::Direct {
                user: "root".into(),
            },
            "project.create",
            "acme-staging",
            "created, name \"Acme staging\", customer acme",
        ),
        entry(
            300,
            Actor::Server,
            "config.reload",
            "configuration",
            "log.level info → debug",
        ),
    ]
}

/// The Audit screen over a sample log (its snapshots are drawn with the others in `tests`).
pub(super) fn on_audit() -> Model {
    let mut model = fixture();
    update(&mut model, Msg::Loaded(Loaded::Audit(logged())));
    update(&mut model, key(KeyCode::Char('8')));
    model
}

#[test]
fn an_entry_from_the_feed_lands_on_top_and_keeps_the_cursor_on_its_row() {
    let mut model = on_audit();
    update(&mut model, key(KeyCode::Down));
    let looked_at = model.visible_audit()[1].clone();
    let arrived = entry(0, operator(), "customer.create", "ninitech", "created");
    let audited = ChangeEvent::Audited {
        entries: vec![arrived.clone()],
    };
    update(&mut model, feed(audited));
    assert_eq!(model.data.audit[0], arrived);
    assert_eq!(
        model.visible_audit()[model.selected(Tab::Audit)],
        &looked_at
    );
}

#[test]
fn a_reload_read_before_an_entry_arrived_keeps_that_entry() {
    let mut model = on_audit();
    let arrived = entry(0, operator(), "customer.create", "ninitech", "created");
    let audited = ChangeEvent::Audited {
        entries: vec![arrived.clone()],
    };
    update(&mut model, feed(audited));
    update(&mut model, Msg::Loaded(Loaded::Audit(logged())));
    assert_eq!(model.data.audit.len(), logged().len() + 1);
    assert_eq!(model.data.audit[0], arrived);
    // A reload that already holds it does not show it twice.
    let mut again = logged();
    again.insert(0, arrived);
    update(&mut model, Msg::Loaded(Loaded::Audit(again)));
    assert_eq!(model.data.audit.len(), logged().len() + 1);
}

#[test]
fn the_filter_narrows_by_target_action_or_actor() {
    let mut model = on_audit();
    press(&mut model, "/acme/pay");
    let targets: Vec<&str> = model
        .visible_audit()
        .iter()
        .map(|e| e.target.as_str())
        .collect();
    assert_eq!(targets, ["acme/payments 2.4.1"]);
    update(&mut model, key(KeyCode::Esc));
    press(&mut model, "/inbox");
    assert_eq!(model.visible_audit().len(), 1);
    assert_eq!(model.visible_audit()[0].actor, Actor::Inbox);
}
