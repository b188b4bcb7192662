//! The Publishers screen: publisher tokens listed with their last use, created with the private
//! key shown once, revoked after a question, and kept current from the change feed.

use super::{NOW, draw, feed, fixture, key, press};
use crate::domain::audit::{Actor, AuditEntry, AuditRecord};
use crate::service::admin::{self, AdminRequest};
use crate::service::changes::ChangeEvent;
use crate::service::publishers::CreatedPublisher;
use crate::service::summaries::PublisherSummary;
use crate::tui::dialog::Dialog;
use crate::tui::message::{Effect, Loaded, Msg};
use crate::tui::model::{Model, Tab};
use crate::tui::update::update;
use ratatui::crossterm::event::KeyCode;

const KEY_GITHUB: &str = "9d8e7f6a5b4c3d2e1f0a9b8c7d6e5f4a";
const KEY_GITLAB: &str = "1b2c3d4e5f60718293a4b5c6d7e8f901";
const KEY_RETIRED: &str = "ffee0011ddcc2233bbaa4455998866ab";
const SECRET: &str = "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";

fn publisher(key: &str, label: &str, packages: &[&str], days_ago: i64) -> PublisherSummary {
    PublisherSummary {
        public_key: key.into(),
        label: label.into(),
        packages: packages.iter().map(|p| p.to_string()).collect(),
        created_at: NOW - days_ago * 86_400,
        revoked_at: None,
    }
}

fn publishers() -> Vec<PublisherSummary> {
    vec![
        PublisherSummary {
            revoked_at: Some(NOW - 40 * 86_400),
            ..publisher(KEY_RETIRED, "old-jenkins", &[], 300)
        },
        publisher(KEY_GITHUB, "github-actions", &["acme/*"], 90),
        publisher(KEY_GITLAB, "gitlab-shipping", &["acme/shipping"], 10),
    ]
}

/// The Publishers screen over three tokens, one of which published 14 minutes ago.
pub(super) fn on_publishers() -> Model {
    let mut model = fixture();
    let published = AuditEntry::new(
        (NOW - 14 * 60) * 1_000_000,
        Actor::Publisher {
            public_key: KEY_GITHUB.into(),
            label: "github-actions".into(),
        },
        AuditRecord::new("package.publish", "acme/payments 2.4.1", "sha1 5d41"),
    );
    update(&mut model, Msg::Loaded(Loaded::Audit(vec![published])));
    update(&mut model, Msg::Loaded(Loaded::Publishers(publishers())));
    press(&mut model, "0");
    model
}

/// The card a new publisher token opens.
pub(super) fn created_card() -> Model {
    let mut model = on_publishers();
    update(&mut model, Msg::PublisherCreated(created()));
    model
}

fn created() -> CreatedPublisher {
    CreatedPublisher {
        public_key: KEY_GITLAB.into(),
        private_key: SECRET.into(),
        label: "gitlab-shipping".into(),
        packages: vec!["acme/shipping".into()],
        created_at: NOW,
    }
}

#[test]
fn zero_goes_to_publishers_and_again_to_the_publish_log_and_back() {
    let mut model = fixture();
    press(&mut model, "0");
    assert_eq!(model.current(), Tab::Publishers);
    press(&mut model, "0");
    assert_eq!(model.current(), Tab::PublishLog);
    press(&mut model, "0");
    assert_eq!(model.current(), Tab::Publishers);
    press(&mut model, "9");
    assert_eq!(
        model.current(),
        Tab::Advisories,
        "1 to 9 keep their screens"
    );
    press(&mut model, "1");
    update(&mut model, key(KeyCode::BackTab));
    assert_eq!(
        model.current(),
        Tab::PublishLog,
        "the last screen wraps round"
    );
}

#[test]
fn the_new_publisher_form_sends_the_label_and_every_package_pattern() {
    let mut model = on_publishers();
    press(&mut model, "nci");
    update(&mut model, key(KeyCode::Tab));
    press(&mut model, "acme/shipping, acme/tools  vendor/*");
    let effects = update(&mut model, key(KeyCode::Enter));
    match effects.as_slice() {
        [Effect::CreatePublisher { label, packages }] => {
            assert_eq!(label.as_deref(), Some("ci"));
            assert_eq!(packages, &["acme/shipping", "acme/tools", "vendor/*"]);
        }
        other => panic!("expected a publisher to be created, got {other:?}"),
    }
}

#[test]
fn an_empty_form_creates_a_publisher_for_any_package_without_a_label() {
    let mut model = on_publishers();
    press(&mut model, "n");
    let effects = update(&mut model, key(KeyCode::Enter));
    assert!(
        matches!(
            effects.as_slice(),
            [Effect::CreatePublisher { label: None, packages }] if packages.is_empty()
        ),
        "{effects:?}"
    );
}

#[test]
fn a_created_publisher_shows_its_private_key_once_with_the_upload_command() {
    let mut model = created_card();
    let screen = draw(&model, 120, 40);
    assert!(screen.contains(SECRET), "{screen}");
    assert!(
        screen.contains("https://packages.example.com/api/publish?version=1.2.0"),
        "{screen}"
    );
    assert!(
        !format!("{model:?}").contains(SECRET),
        "never in Debug output"
    );
    update(&mut model, key(KeyCode::Esc));
    assert!(model.dialog.is_none());
    assert!(!draw(&model, 120, 40).contains(SECRET), "shown once only");
}

#[test]
fn without_a_feed_a_created_publisher_reloads_the_list_by_hand() {
    let mut model = on_publishers();
    assert!(update(&mut model, Msg::PublisherCreated(created())).is_empty());
    update(&mut model, key(KeyCode::Esc));
    update(&mut model, Msg::LiveEnded("the server stopped".into()));
    let effects = update(&mut model, Msg::PublisherCreated(created()));
    assert!(
        matches!(effects.as_slice(), [Effect::Refresh]),
        "{effects:?}"
    );
}

#[test]
fn revoking_a_publisher_asks_first_and_sends_the_same_request_as_the_cli() {
    let mut model = on_publishers();
    press(&mut model, "j");
    assert!(press(&mut model, "x").is_empty());
    assert!(matches!(model.dialog, Some(Dialog::Confirm(_))));
    let effects = press(&mut model, "y");
    match effects.as_slice() {
        [
            Effect::Change {
                request: AdminRequest::PublisherRevoke(admin::PublisherRevoke { public_key }),
                ..
            },
        ] => assert_eq!(public_key, KEY_GITHUB),
        other => panic!("expected a publisher revoke, got {other:?}"),
    }
}

#[test]
fn a_revoked_publisher_is_not_offered_for_revoking_again() {
    let mut model = on_publishers();
    assert_eq!(model.selected_publisher().unwrap().public_key, KEY_RETIRED);
    press(&mut model, "x");
    assert!(model.dialog.is_none());
}

#[test]
fn publishers_created_and_revoked_elsewhere_update_the_list_without_a_reload() {
    let mut model = on_publishers();
    let new = publisher("00aa11bb22cc33dd44ee55ff66778899", "buildkite", &[], 0);
    let created = ChangeEvent::PublisherCreated {
        publisher: new.clone(),
    };
    update(&mut model, feed(created));
    assert_eq!(model.data.publishers.last(), Some(&new));
    let revoked = PublisherSummary {
        revoked_at: Some(NOW),
        ..publisher(KEY_GITHUB, "github-actions", &["acme/*"], 90)
    };
    let event = ChangeEvent::PublisherRevoked {
        publisher: revoked.clone(),
    };
    update(&mut model, feed(event));
    assert_eq!(model.data.publishers.len(), 4);
    assert_eq!(model.data.publishers[1], revoked);
    assert!(update(&mut model, Msg::Tick(NOW + 1)).is_empty());
}

#[test]
fn last_used_comes_from_the_publishers_latest_audited_publish() {
    let model = on_publishers();
    assert_eq!(model.publisher_last_used(KEY_GITHUB), Some(NOW - 14 * 60));
    assert_eq!(model.publisher_last_used(KEY_GITLAB), None);
    let screen = draw(&model, 120, 40);
    assert!(screen.contains("14m ago"), "{screen}");
}

#[test]
fn the_filter_narrows_publishers_by_label_key_or_package() {
    let mut model = on_publishers();
    press(&mut model, "/shipping");
    let labels: Vec<&str> = model
        .visible_publishers()
        .iter()
        .map(|p| p.label.as_str())
        .collect();
    assert_eq!(labels, ["gitlab-shipping"]);
}
