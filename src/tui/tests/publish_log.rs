//! The Publish log screen: attempts from every route with failures marked, new ones from the
//! change feed on top, the filter, and Enter showing a failure's whole error.

use super::{NOW, draw, feed, fixture, key, press};
use crate::domain::publish_log::PublishEvent;
use crate::service::changes::ChangeEvent;
use crate::tui::dialog::Dialog;
use crate::tui::message::{Effect, Loaded, Msg};
use crate::tui::model::{Model, Tab};
use crate::tui::update::update;
use ratatui::crossterm::event::KeyCode;

fn attempt(minutes_ago: i64, source: &str, release: Option<(&str, &str)>) -> PublishEvent {
    PublishEvent {
        at_micros: (NOW - minutes_ago * 60) * 1_000_000,
        source: source.into(),
        file: None,
        package: release.map(|(p, _)| p.into()),
        version: release.map(|(_, v)| v.into()),
        outcome: "published".into(),
        message: None,
    }
}

const BAD_ZIP: &str = "acme-tax-3.0.0.zip: composer.json is not valid JSON\n\
    line 12, column 5: expected `,` or `}`\n\
    the archive was not stored";

/// Newest first, as the server lists them.
fn logged() -> Vec<PublishEvent> {
    vec![
        PublishEvent {
            file: Some("acme-tax-3.0.0.zip".into()),
            outcome: "failed".into(),
            message: Some(BAD_ZIP.into()),
            ..attempt(3, "inbox", None)
        },
        attempt(14, "upload", Some(("acme/payments", "2.4.1"))),
        PublishEvent {
            outcome: "unchanged".into(),
            message: Some("the same archive is already published".into()),
            ..attempt(60, "cli", Some(("acme/shipping", "1.0.3")))
        },
        PublishEvent {
            outcome: "failed".into(),
            message: Some("version 2.4.1 of acme/payments exists with other content".into()),
            ..attempt(95, "git", Some(("acme/payments", "2.4.1")))
        },
        attempt(300, "cli", Some(("acme/shipping", "1.0.2"))),
    ]
}

/// The Publish log screen over a sample log.
pub(super) fn on_publish_log() -> Model {
    let mut model = fixture();
    update(&mut model, Msg::Loaded(Loaded::PublishLog(logged())));
    press(&mut model, "00");
    assert_eq!(model.current(), Tab::PublishLog);
    model
}

/// Enter on the inbox failure.
pub(super) fn failure_details() -> Model {
    let mut model = on_publish_log();
    update(&mut model, key(KeyCode::Enter));
    model
}

#[test]
fn enter_shows_a_failures_whole_error_and_where_the_inbox_file_went() {
    let mut model = failure_details();
    let Some(Dialog::Details(details)) = &model.dialog else {
        panic!("expected the attempt in full, got {:?}", model.dialog);
    };
    assert_eq!(details.body, BAD_ZIP);
    let screen = draw(&model, 120, 40);
    assert!(screen.contains("line 12, column 5"), "{screen}");
    assert!(screen.contains("inbox/failed/"), "{screen}");
    update(&mut model, key(KeyCode::Esc));
    assert!(model.dialog.is_none());
}

#[test]
fn a_failed_attempt_from_the_feed_lands_on_top_and_reloads_nothing() {
    let mut model = on_publish_log();
    update(&mut model, key(KeyCode::Down));
    let looked_at = model.visible_publish_log()[1].clone();
    let failed = PublishEvent {
        outcome: "failed".into(),
        message: Some("not a zip".into()),
        file: Some("notes.zip".into()),
        ..attempt(0, "upload", None)
    };
    let event = ChangeEvent::PublishAttempted {
        entry: failed.clone(),
    };
    update(&mut model, feed(event));
    assert_eq!(model.data.publish_log[0], failed);
    let selected = model.selected(Tab::PublishLog);
    assert_eq!(model.visible_publish_log()[selected], &looked_at);
    assert!(update(&mut model, Msg::Tick(NOW + 1)).is_empty());
}

#[test]
fn a_published_release_from_the_feed_reloads_the_lists() {
    let mut model = on_publish_log();
    let published = attempt(0, "upload", Some(("acme/payments", "2.5.0")));
    let event = ChangeEvent::PublishAttempted { entry: published };
    update(&mut model, feed(event));
    let effects = update(&mut model, Msg::Tick(NOW + 1));
    assert!(
        matches!(effects.as_slice(), [Effect::Refresh]),
        "{effects:?}"
    );
}

#[test]
fn a_reload_read_before_an_attempt_arrived_keeps_that_attempt() {
    let mut model = on_publish_log();
    let arrived = attempt(0, "cli", Some(("acme/core", "1.0.0")));
    let event = ChangeEvent::PublishAttempted {
        entry: arrived.clone(),
    };
    update(&mut model, feed(event));
    update(&mut model, Msg::Loaded(Loaded::PublishLog(logged())));
    assert_eq!(model.data.publish_log.len(), logged().len() + 1);
    assert_eq!(model.data.publish_log[0], arrived);
}

#[test]
fn the_filter_narrows_by_outcome_route_or_package() {
    let mut model = on_publish_log();
    press(&mut model, "/failed");
    assert_eq!(model.visible_publish_log().len(), 2);
    update(&mut model, key(KeyCode::Esc));
    press(&mut model, "/inbox");
    let files: Vec<Option<&str>> = model
        .visible_publish_log()
        .iter()
        .map(|e| e.file.as_deref())
        .collect();
    assert_eq!(files, [Some("acme-tax-3.0.0.zip")]);
    update(&mut model, key(KeyCode::Esc));
    press(&mut model, "/shipping");
    assert_eq!(model.visible_publish_log().len(), 2);
}

#[test]
fn the_title_counts_the_failures_shown() {
    let model = on_publish_log();
    let screen = draw(&model, 80, 24);
    assert!(screen.contains("Publish log (5) · 2 failed"), "{screen}");
}
