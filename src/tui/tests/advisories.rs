//! The Advisories screen and the Dashboard's open advisories: the list with its counts, who is
//! affected by the one under the cursor, and reloads after advisory changes and downloads.

use super::{KEY_CI, KEY_LAPTOP, NOW, draw, feed, fixture, key, press};
use crate::domain::advisory::{Advisory, Severity};
use crate::domain::licence::VersionBound;
use crate::domain::names::PackageName;
use crate::domain::records::DownloadKind;
use crate::service::advisory_impact::{
    AdvisoryCounts, AdvisoryImpact, AffectedCustomer, AffectedProject, AffectedToken, ImpactTotals,
};
use crate::service::changes::ChangeEvent;
use crate::tui::message::{Effect, Loaded, Msg};
use crate::tui::model::{Model, Tab};
use crate::tui::update::update;
use ratatui::crossterm::event::KeyCode;

fn counts(
    id: &str,
    package: &str,
    title: &str,
    withdrawn: bool,
    totals: (usize, usize),
) -> AdvisoryCounts {
    AdvisoryCounts {
        id: id.into(),
        package: package.into(),
        affected: ">=2.0,<2.1.1".into(),
        severity: Some(Severity::High),
        title: title.into(),
        withdrawn,
        totals: ImpactTotals {
            customers: 1,
            projects: totals.0,
            unresolved_projects: totals.1,
            tokens: totals.0,
            resolved_tokens: totals.0 - totals.1,
        },
    }
}

/// Newest first, as the server lists them.
fn listed() -> Vec<AdvisoryCounts> {
    vec![
        counts(
            "PKGA-2025-0003",
            "acme/payments",
            "Card numbers logged in debug mode",
            false,
            (2, 1),
        ),
        counts(
            "PKGA-2025-0002",
            "acme/shipping",
            "Label service trusts any TLS certificate",
            false,
            (0, 0),
        ),
        counts(
            "PKGA-2025-0001",
            "acme/payments",
            "Refund amount not checked",
            true,
            (1, 1),
        ),
    ]
}

fn affected(
    key: &str,
    label: &str,
    versions: &[&str],
    minutes_ago: i64,
    fix: Option<&str>,
) -> AffectedToken {
    AffectedToken {
        public_key: key.into(),
        label: Some(label.into()),
        deleted: false,
        revoked: false,
        versions: versions.iter().map(|v| v.to_string()).collect(),
        last_version: versions.last().unwrap().to_string(),
        last_seen_micros: (NOW - minutes_ago * 60) * 1_000_000,
        last_seen_kind: DownloadKind::Notify,
        resolved: fix.is_some(),
        fixed_version: fix.map(str::to_string),
        fixed_at_micros: fix.map(|_| NOW * 1_000_000),
    }
}

fn impact() -> AdvisoryImpact {
    let project = |slug: &str, token: AffectedToken| AffectedProject {
        slug: slug.into(),
        name: Some(slug.into()),
        deleted: false,
        tokens: vec![token],
    };
    AdvisoryImpact {
        advisory: Advisory {
            id: "PKGA-2025-0003".into(),
            package: PackageName::parse("acme/payments").unwrap(),
            affected: VersionBound::parse(">=2.0,<2.1.1").unwrap(),
            title: "Card numbers logged in debug mode".into(),
            severity: Some(Severity::High),
            cve: Some("CVE-2025-10001".into()),
            link: None,
            reported_at: NOW - 86_400,
            created_at: NOW - 86_400,
            updated_at: NOW - 86_400,
            withdrawn_at: None,
        },
        withdrawn: false,
        customers: vec![AffectedCustomer {
            slug: Some("acme-ltd".into()),
            name: Some("ACME Ltd".into()),
            deleted: false,
            projects: vec![
                project(
                    "acme-production",
                    affected(KEY_CI, "ci", &["2.0.0"], 90, Some("2.1.1")),
                ),
                project(
                    "acme-staging",
                    affected(KEY_LAPTOP, "laptop", &["2.0.0", "2.1.0"], 5, None),
                ),
            ],
        }],
        totals: ImpactTotals {
            customers: 1,
            projects: 2,
            unresolved_projects: 1,
            tokens: 2,
            resolved_tokens: 1,
        },
    }
}

pub(super) fn with_advisories() -> Model {
    let mut model = fixture();
    update(&mut model, Msg::Loaded(Loaded::Advisories(listed())));
    update(&mut model, Msg::Loaded(Loaded::Advisory(impact())));
    model
}

pub(super) fn on_advisories() -> Model {
    let mut model = with_advisories();
    update(&mut model, key(KeyCode::Char('9')));
    model
}

#[test]
fn the_screen_lists_every_advisory_and_who_the_selected_one_reached() {
    let model = on_advisories();
    assert_eq!(model.current(), Tab::Advisories);
    let drawn = draw(&model, 80, 24);
    assert!(drawn.contains("(withdrawn) Refund"), "{drawn}");
    assert!(drawn.contains("resolved → 2.1.1"), "{drawn}");
    assert!(drawn.contains("2.0.0, 2.1.0"), "{drawn}");
}

#[test]
fn the_dashboard_lists_open_advisories_and_still_shows_the_latest_download() {
    let model = with_advisories();
    let open: Vec<&str> = model
        .open_advisories()
        .iter()
        .map(|a| a.id.as_str())
        .collect();
    assert_eq!(
        open,
        ["PKGA-2025-0003"],
        "withdrawn and fully resolved ones are not open"
    );
    let small = draw(&model, 80, 24);
    assert!(small.contains("Open advisories (1)"), "{small}");
    assert!(
        small.contains("15:06:35  install"),
        "the latest download stays in view"
    );
    let quiet = draw(&fixture(), 80, 24);
    assert!(
        !quiet.contains("Open advisories"),
        "no panel when nothing is open"
    );
}

#[test]
fn the_impact_of_the_advisory_under_the_cursor_is_fetched_once_per_reload() {
    let mut model = with_advisories();
    let effects = update(&mut model, key(KeyCode::Char('9')));
    assert!(effects.is_empty(), "the first one is already loaded");
    let effects = update(&mut model, key(KeyCode::Down));
    assert!(matches!(effects.as_slice(), [Effect::LoadAdvisory(id)] if id == "PKGA-2025-0002"));
    // A reload drops what was fetched, so the one under the cursor is asked for again.
    let effects = update(&mut model, Msg::Loaded(Loaded::Advisories(listed())));
    assert!(matches!(effects.as_slice(), [Effect::LoadAdvisory(id)] if id == "PKGA-2025-0002"));
}

#[test]
fn the_filter_narrows_by_id_package_or_title() {
    let mut model = on_advisories();
    press(&mut model, "/shipping");
    let ids: Vec<&str> = model
        .visible_advisories()
        .iter()
        .map(|a| a.id.as_str())
        .collect();
    assert_eq!(ids, ["PKGA-2025-0002"]);
    update(&mut model, key(KeyCode::Esc));
    press(&mut model, "/refund");
    assert_eq!(model.visible_advisories()[0].id, "PKGA-2025-0001");
}

#[test]
fn downloads_reread_the_advisory_counts_when_the_minute_turns() {
    let mut model = with_advisories();
    let next_minute = (NOW / 60 + 1) * 60;
    update(&mut model, Msg::Tick(next_minute - 1));
    let quiet = update(&mut model, Msg::Tick(next_minute));
    assert!(
        !quiet.iter().any(|e| matches!(e, Effect::RefreshAdvisories)),
        "no downloads, no walk"
    );
    update(
        &mut model,
        feed(ChangeEvent::DownloadsRecorded { events: vec![] }),
    );
    let effects = update(&mut model, Msg::Tick(next_minute + 30));
    assert!(
        !effects
            .iter()
            .any(|e| matches!(e, Effect::RefreshAdvisories)),
        "once a minute at most"
    );
    let effects = update(&mut model, Msg::Tick(next_minute + 60));
    assert!(
        effects
            .iter()
            .any(|e| matches!(e, Effect::RefreshAdvisories))
    );
}
