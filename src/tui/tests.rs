//! The UI without a terminal: keys through `update`, and every screen drawn on ratatui's
//! `TestBackend` from fixed data and a fixed clock, compared with reviewed snapshots.

mod advisories;
mod audit;
mod charts;
mod created;
mod customers;
mod help;
mod licences;
mod live;
mod publish_log;
mod publishers;
mod quit;
mod refusals;
mod text;
mod tokens;

use super::dialog::Dialog;
use super::message::{Effect, Loaded, Msg};
use super::model::{Model, ServerInfo, Tab};
use super::update::update;
use crate::domain::names::{CustomerSlug, ProjectSlug, PublicKey};
use crate::domain::records::{Customer, DownloadEvent, DownloadKind, Project};
use crate::domain::usage::{AlertKind, SharedFlag};
use crate::service::admin::{self, AdminRequest};
use crate::service::changes::{Change, ChangeEvent, FeedItem};
use crate::service::check::RequirementGap;
use crate::service::customers::{
    CustomerDeletion, CustomerDetail, CustomerDownloads, CustomerLicence, CustomerSummary,
    LicenceState, PackageDownloads,
};
use crate::service::licences::ExpiringLicence;
use crate::service::preview::{Hidden, PackagePreview, VersionPreview, Visible};
use crate::service::stats::{
    DashboardStats, DownloadReport, KindCounts, PackageTotals, TokenTotals,
};
use crate::service::summaries::LicenceSummary;
use crate::service::summaries::ProjectDeletion;
use crate::service::summaries::TokenSummary;
use crate::service::tokens::{CreatedToken, RotatedToken};
use crate::service::usage_report::SharedToken;
use ratatui::Terminal;
use ratatui::backend::TestBackend;
use ratatui::crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use std::sync::Arc;

/// 2025-06-15 15:06:40 UTC.
const NOW: i64 = 1_750_000_000;
const KEY_CI: &str = "3f9a1c0b7d2e4f6a8b9c0d1e2f3a4b5c";
const KEY_LAPTOP: &str = "c0ffee00112233445566778899aabbcc";
const KEY_OLD_CI: &str = "a11ce0a11ce0a11ce0a11ce0a11ce0a1";

fn key(code: KeyCode) -> Msg {
    Msg::Key(KeyEvent::new(code, KeyModifiers::NONE))
}

fn press(model: &mut Model, keys: &str) -> Vec<Effect> {
    keys.chars()
        .flat_map(|c| update(model, key(KeyCode::Char(c))))
        .collect()
}

fn project(slug: &str, name: &str, days_ago: i64) -> Project {
    Project {
        slug: ProjectSlug::parse(slug).unwrap(),
        name: name.into(),
        created_at: NOW - days_ago * 86_400,
        customer: None,
    }
}

fn owned(slug: &str, customer: &str) -> Project {
    Project {
        customer: Some(CustomerSlug::parse(customer).unwrap()),
        ..project(slug, slug, 1)
    }
}

fn customer(slug: &str, name: &str, email: Option<&str>, projects: usize) -> CustomerSummary {
    CustomerSummary {
        customer: Customer {
            slug: CustomerSlug::parse(slug).unwrap(),
            name: name.into(),
            email: email.map(str::to_string),
            created_at: NOW - 60 * 86_400,
        },
        projects,
        licences: 1,
    }
}

fn token(key: &str, project: &str, label: &str, used: Option<(i64, &str)>) -> TokenSummary {
    TokenSummary {
        public_key: key.into(),
        project: project.into(),
        label: label.into(),
        created_at: NOW - 20 * 86_400,
        revoked_at: None,
        last_used_at: used.map(|(ago, _)| NOW - ago),
        last_ip: used.map(|(_, ip)| ip.into()),
        last_user_agent: used.map(|_| "Composer/2.8.4 (Linux; PHP 8.3.6)".into()),
        ..Default::default()
    }
}

fn event(
    seconds_ago: i64,
    kind: DownloadKind,
    package: &str,
    version: &str,
    ip: &str,
) -> DownloadEvent {
    DownloadEvent {
        at_micros: (NOW - seconds_ago) * 1_000_000,
        kind,
        package: package.into(),
        version: version.into(),
        project: ProjectSlug::parse("acme-production").unwrap(),
        public_key: PublicKey::parse(KEY_CI).unwrap(),
        ip: ip.into(),
        user_agent: "Composer/2.8.4".into(),
    }
}

fn licence(
    id: &str,
    holder: &str,
    packages: &[&str],
    until: Option<&str>,
    projects: &[&str],
) -> LicenceSummary {
    LicenceSummary {
        id: id.into(),
        customer: holder.to_lowercase().replace(' ', "-"),
        holder: holder.into(),
        packages: packages.iter().map(|p| p.to_string()).collect(),
        versions: None,
        seats: None,
        dependencies: true,
        note: None,
        kind: if until.is_some() {
            "subscription"
        } else {
            "perpetual"
        }
        .into(),
        access_until: until.map(str::to_string),
        revoked: false,
        projects: projects.iter().map(|p| p.to_string()).collect(),
        created_at: NOW - 30 * 86_400,
    }
}

/// 2025-07-10T23:59:59Z: the Globex subscription ends within 30 days of `NOW`.
const GLOBEX_ENDS: i64 = 1_752_191_999;

fn globex_licence() -> LicenceSummary {
    LicenceSummary {
        versions: Some("^2.0".into()),
        note: Some("renewal quoted".into()),
        ..licence(
            "lic_0a1b2c3d4e5f",
            "Globex Corporation",
            &["acme/payments"],
            Some("2025-07-10T23:59:59+00:00"),
            &["globex"],
        )
    }
}

fn acme_detail() -> CustomerDetail {
    let fixture_licence = |l| CustomerLicence {
        licence: l,
        state: LicenceState::Active,
    };
    CustomerDetail {
        customer: customer("acme-ltd", "ACME Ltd", Some("billing@acme.example"), 2).customer,
        projects: vec![
            owned("acme-production", "acme-ltd"),
            owned("acme-staging", "acme-ltd"),
        ],
        licences: vec![fixture_licence(LicenceSummary {
            seats: Some(3),
            ..licence(
                "lic_5e1f2a3b4c5d",
                "ACME Ltd",
                &["acme/*"],
                None,
                &["acme-production", "acme-staging"],
            )
        })],
        tokens: vec![
            TokenSummary {
                shared_alert: Some(SharedFlag {
                    day: "2025-06-15".into(),
                    kind: AlertKind::Addresses,
                    reason: "used from 6 addresses on 2025-06-15 (limit 5)".into(),
                }),
                ..token(KEY_CI, "acme-production", "ci", Some((300, "203.0.113.7")))
            },
            token(KEY_LAPTOP, "acme-staging", "laptop", None),
        ],
        downloads: CustomerDownloads {
            since_micros: (NOW - 29 * 86_400) * 1_000_000,
            total: KindCounts {
                dist: 53,
                notify: 126,
            },
            packages: vec![PackageDownloads {
                package: "acme/payments".into(),
                downloads: KindCounts {
                    dist: 41,
                    notify: 96,
                },
            }],
        },
    }
}

/// A small appliance with a little of everything.
fn fixture() -> Model {
    let info = ServerInfo {
        listen: "http://127.0.0.1:8080".into(),
        public_url: Some("https://packages.example.com".into()),
        data_dir: "/var/lib/packagento".into(),
        mode: "server in this process".into(),
        in_process: true,
    };
    let mut model = Model::new(info, NOW);
    let events = vec![
        event(
            5,
            DownloadKind::Notify,
            "acme/payments",
            "2.1.0",
            "203.0.113.7",
        ),
        event(
            6,
            DownloadKind::Dist,
            "acme/payments",
            "2.1.0",
            "203.0.113.7",
        ),
        event(
            70,
            DownloadKind::Dist,
            "acme/shipping",
            "1.4.2",
            "198.51.100.20",
        ),
        event(
            400,
            DownloadKind::Notify,
            "acme/shipping",
            "1.4.2",
            "198.51.100.21",
        ),
    ];
    let loads = vec![
        Loaded::Customers(vec![
            customer("acme-ltd", "ACME Ltd", Some("billing@acme.example"), 2),
            customer("globex-corporation", "Globex Corporation", None, 1),
        ]),
        Loaded::Projects(vec![
            Project { customer: Some(CustomerSlug::parse("acme-ltd").unwrap()), ..project("acme-production", "ACME Production", 40) },
            Project { customer: Some(CustomerSlug::parse("acme-ltd").unwrap()), ..project("acme-staging", "ACME Staging", 12) },
            Project { customer: Some(CustomerSlug::parse("globex-corporation").unwrap()), ..project("globex", "Globex Corporation", 3) },
        ]),
        Loaded::Tokens(vec![
            TokenSummary {
                expires_at: Some(NOW + 12 * 86_400),
                previous_public_key: Some(KEY_OLD_CI.into()),
                previous_valid_until: Some(NOW + 7_200),
                former_keys: vec![KEY_OLD_CI.into()],
                allowed_ips: vec!["203.0.113.0/24".into()],
                ..token(KEY_CI, "acme-production", "ci", Some((300, "203.0.113.7")))
            },
            TokenSummary {
                expires_at: Some(NOW - 2 * 86_400),
                ..token(KEY_LAPTOP, "acme-staging", "laptop", None)
            },
        ]),
        Loaded::Licences(vec![
            LicenceSummary { seats: Some(3), ..licence("lic_5e1f2a3b4c5d", "ACME Ltd", &["acme/*"], None, &["acme-production", "acme-staging"]) },
            globex_licence(),
        ]),
        Loaded::Expiring(vec![ExpiringLicence {
            licence: globex_licence(),
            customer_name: Some("Globex Corporation".into()),
            ends_at: GLOBEX_ENDS,
        }]),
        Loaded::Customer(acme_detail()),
        Loaded::Packages(serde_json::from_value(serde_json::json!([
            {"name": "acme/payments", "versions": 3, "latest": "2.1.0"},
            {"name": "acme/shipping", "versions": 2, "latest": "1.4.2"},
        ])).unwrap()),
        Loaded::Package(serde_json::from_value(serde_json::json!({"name": "acme/payments", "versions": [
            {"version": "2.1.0", "version_normalized": "2.1.0.0", "yanked": false, "released_at": 1_748_768_400, "size": 48_213, "shasum": "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b"},
            {"version": "2.0.0", "version_normalized": "2.0.0.0", "yanked": false, "released_at": 1_741_942_800, "size": 47_001, "shasum": "2c26b46b68ffc68ff99b453c1d30413413422d70"},
            {"version": "1.9.3", "version_normalized": "1.9.3.0", "yanked": false, "released_at": 1_730_538_000, "size": 39_870, "shasum": "fcde2b2edba56bf408601fb721fe9b5c338d10ee"},
        ]})).unwrap()),
        Loaded::Stats(DashboardStats {
            projects: 3,
            active_tokens: 2,
            licences: 2,
            packages: 2,
            versions: 5,
            downloads_per_minute: (0..60).map(|m| [0, 1, 3, 2, 0, 5, 8, 4, 1, 0][m % 10]).collect(),
            latest: events.clone(),
            shared_tokens: vec![SharedToken {
                public_key: KEY_CI.into(),
                project: "acme-production".into(),
                label: "CI".into(),
                shared_alert: SharedFlag {
                    day: "2025-06-15".into(),
                    kind: AlertKind::Addresses,
                    reason: "used from 6 addresses on 2025-06-15 (limit 5)".into(),
                },
            }],
        }),
        Loaded::Report(DownloadReport {
            packages: vec![
                PackageTotals { package: "acme/payments".into(), today: KindCounts { dist: 1, notify: 1 }, last_30_days: KindCounts { dist: 41, notify: 96 }, ..Default::default() },
                PackageTotals { package: "acme/shipping".into(), today: KindCounts { dist: 1, notify: 1 }, last_30_days: KindCounts { dist: 12, notify: 30 }, ..Default::default() },
            ],
            top_tokens: vec![
                TokenTotals { public_key: KEY_CI.into(), project: "acme-production".into(), last_30_days: 160, distinct_ips_today: 6, shared_alert: Some("used from 6 addresses on 2025-06-15 (limit 5)".into()) },
                TokenTotals { public_key: KEY_LAPTOP.into(), project: "acme-staging".into(), last_30_days: 19, distinct_ips_today: 1, shared_alert: None },
            ],
            today: KindCounts { dist: 2, notify: 2 },
            last_30_days: KindCounts { dist: 53, notify: 126 },
            ..Default::default()
        }),
    ];
    for loaded in loads {
        update(&mut model, Msg::Loaded(loaded));
    }
    for event in events.into_iter().rev() {
        model.data.live.push_front(event);
    }
    charts::add_traffic(&mut model);
    model
}

fn draw(model: &Model, width: u16, height: u16) -> String {
    let mut terminal = Terminal::new(TestBackend::new(width, height)).unwrap();
    terminal
        .draw(|frame| super::views::render(frame, model))
        .unwrap();
    terminal.backend().to_string()
}

fn on_tab(tab: Tab) -> Model {
    let mut model = fixture();
    update(
        &mut model,
        key(KeyCode::Char(char::from(b'1' + tab.index() as u8))),
    );
    model
}

macro_rules! snapshots {
    ($($name:ident: $model:expr;)*) => {$(
        #[test]
        fn $name() {
            let model = $model;
            insta::assert_snapshot!(concat!(stringify!($name), "_80x24"), draw(&model, 80, 24));
            insta::assert_snapshot!(concat!(stringify!($name), "_120x40"), draw(&model, 120, 40));
        }
    )*};
}

snapshots! {
    dashboard_screen: on_tab(Tab::Dashboard);
    projects_screen: on_tab(Tab::Projects);
    tokens_screen: on_tab(Tab::Tokens);
    licences_screen: on_tab(Tab::Licences);
    packages_screen: on_tab(Tab::Packages);
    downloads_screen: on_tab(Tab::Downloads);
    audit_screen: audit::on_audit();
    advisories_screen: advisories::on_advisories();
    dashboard_with_open_advisories: advisories::with_advisories();
    help_dialog: { let mut m = fixture(); press(&mut m, "?"); m };
    new_project_form: { let mut m = on_tab(Tab::Projects); press(&mut m, "nacme-qa"); m };
    delete_confirmation: {
        let mut m = on_tab(Tab::Projects);
        update(&mut m, Msg::DeletePlan(ProjectDeletion {
            slug: "acme-production".into(),
            tokens_removed: vec![KEY_CI.into()],
            licences_deactivated: vec!["lic_5e1f2a3b4c5d".into()],
            deleted: false,
        }));
        m
    };
    token_created_card: {
        let mut m = on_tab(Tab::Tokens);
        update(&mut m, Msg::TokenCreated(CreatedToken {
            public_key: KEY_CI.into(),
            private_key: "7c4a8d09ca3762af61e59520943dc26494f8941b7c4a8d09ca3762af61e59520".into(),
            project: "acme-production".into(),
            label: "ci".into(),
            created_at: NOW,
        }));
        m
    };
    token_rotate_form: { let mut m = on_tab(Tab::Tokens); press(&mut m, "o2h"); m };
    token_rotated_card: {
        let mut m = on_tab(Tab::Tokens);
        update(&mut m, Msg::TokenRotated(RotatedToken {
            token: CreatedToken {
                public_key: KEY_CI.into(),
                private_key: "7c4a8d09ca3762af61e59520943dc26494f8941b7c4a8d09ca3762af61e59520".into(),
                project: "acme-production".into(),
                label: "ci".into(),
                created_at: NOW - 20 * 86_400,
            },
            previous_public_key: KEY_OLD_CI.into(),
            previous_valid_until: NOW + 7_200,
        }));
        m
    };
    licence_preview: {
        let mut m = on_tab(Tab::Licences);
        update(&mut m, preview_with_reasons());
        m
    };
    customers_screen: on_tab(Tab::Customers);
    customer_delete_confirmation: {
        let mut m = on_tab(Tab::Customers);
        update(&mut m, Msg::CustomerDeletePlan(CustomerDeletion {
            slug: "acme-ltd".into(),
            projects_deleted: vec!["acme-production".into(), "acme-staging".into()],
            tokens_removed: vec![KEY_CI.into(), KEY_LAPTOP.into()],
            licences_deleted: vec!["lic_5e1f2a3b4c5d".into()],
            licences_deactivated: vec![],
            deleted: false,
        }));
        m
    };
    new_licence_form: { let mut m = on_tab(Tab::Licences); press(&mut m, "n"); m };
    licence_edit_form: { let mut m = on_tab(Tab::Licences); press(&mut m, "e"); m };
    quit_confirmation: { let mut m = fixture(); press(&mut m, "q"); m };
    licences_sorted_by_expiry: licences::on_licences(1);
    help_on_licences: help::help_on(Tab::Licences);
    help_on_publish_log: help::help_on(Tab::PublishLog);
    publishers_screen: publishers::on_publishers();
    publisher_created_card: publishers::created_card();
    publish_log_screen: publish_log::on_publish_log();
    publish_attempt_details: publish_log::failure_details();
    new_token_form_with_a_project_picker: { let mut m = on_tab(Tab::Tokens); press(&mut m, "nstag"); m };
    version_remove_question: {
        let mut m = on_tab(Tab::Packages);
        update(&mut m, key(KeyCode::Enter));
        press(&mut m, "jd");
        m
    };
    versions_pane_with_the_keyboard: {
        let mut m = on_tab(Tab::Packages);
        update(&mut m, key(KeyCode::Enter));
        press(&mut m, "j");
        m
    };
}

/// Globex's view: a licence bound to ^2.0, a helper visible because a release requires it, and a
/// requirement nothing visible meets.
fn preview_with_reasons() -> Msg {
    let version = |v: &str, days: i64, hidden, visible| VersionPreview {
        version: v.into(),
        released_at: NOW + days * 86_400,
        hidden,
        visible,
    };
    let granted = || {
        Some(Visible::Licence {
            licence: "lic_0a1b2c3d4e5f".into(),
        })
    };
    Msg::Preview {
        project: "globex".into(),
        packages: vec![
            PackagePreview {
                package: "acme/payments".into(),
                versions: vec![
                    version(
                        "3.0.0",
                        200,
                        Some(Hidden::SubscriptionWindow {
                            access_until: "2025-07-10T23:59:59+00:00".into(),
                        }),
                        None,
                    ),
                    version("2.1.0", -14, None, granted()),
                    version(
                        "1.9.3",
                        -225,
                        Some(Hidden::OutsideVersions {
                            versions: "^2.0".into(),
                        }),
                        None,
                    ),
                ],
            },
            PackagePreview {
                package: "acme/core".into(),
                versions: vec![version(
                    "1.2.0",
                    -40,
                    None,
                    Some(Visible::RequiredBy {
                        package: "acme/payments".into(),
                        version: "2.1.0".into(),
                    }),
                )],
            },
            PackagePreview {
                package: "acme/shipping".into(),
                versions: vec![version("1.4.2", -30, Some(Hidden::NotCovered), None)],
            },
        ],
        gaps: vec![RequirementGap {
            package: "acme/payments".into(),
            version: "2.1.0".into(),
            requires: "acme/tax".into(),
            constraint: "^3.0".into(),
        }],
    }
}

#[test]
fn number_keys_and_tab_move_between_screens() {
    let mut model = fixture();
    press(&mut model, "4");
    assert_eq!(model.current(), Tab::Tokens);
    update(&mut model, key(KeyCode::Tab));
    assert_eq!(model.current(), Tab::Licences);
    update(&mut model, key(KeyCode::BackTab));
    press(&mut model, "h");
    assert_eq!(model.current(), Tab::Projects);
}

#[test]
fn vim_keys_and_arrows_move_the_cursor_within_the_list() {
    let mut model = on_tab(Tab::Projects);
    press(&mut model, "jj");
    assert_eq!(model.selected_project().unwrap().slug.as_str(), "globex");
    press(&mut model, "j");
    assert_eq!(
        model.selected(Tab::Projects),
        2,
        "the cursor stops at the last row"
    );
    update(&mut model, key(KeyCode::Up));
    press(&mut model, "g");
    assert_eq!(model.selected(Tab::Projects), 0);
}

#[test]
fn slash_filters_the_list_and_escape_clears_it() {
    let mut model = on_tab(Tab::Projects);
    press(&mut model, "/glob");
    assert_eq!(model.visible_projects().len(), 1);
    press(&mut model, "q");
    assert!(!model.quit, "q is typed into the filter, not taken as quit");
    update(&mut model, key(KeyCode::Backspace));
    update(&mut model, key(KeyCode::Enter));
    assert_eq!(model.visible_projects().len(), 1);
    update(&mut model, key(KeyCode::Esc));
    assert_eq!(model.visible_projects().len(), 3);
}

#[test]
fn enter_on_a_project_shows_its_tokens() {
    let mut model = on_tab(Tab::Projects);
    press(&mut model, "j");
    update(&mut model, key(KeyCode::Enter));
    assert_eq!(model.current(), Tab::Tokens);
    let keys: Vec<&str> = model
        .visible_tokens()
        .iter()
        .map(|t| t.public_key.as_str())
        .collect();
    assert_eq!(keys, [KEY_LAPTOP]);
}

#[test]
fn submitting_the_new_project_form_asks_the_server_and_waits() {
    let mut model = on_tab(Tab::Projects);
    press(&mut model, "nacme-qa");
    update(&mut model, key(KeyCode::Tab));
    press(&mut model, "QA");
    let effects = update(&mut model, key(KeyCode::Enter));
    match effects.as_slice() {
        [
            Effect::Change {
                request: AdminRequest::ProjectCreate(admin::ProjectCreate { slug, name, .. }),
                ..
            },
        ] => {
            assert_eq!((slug.as_str(), name.as_deref()), ("acme-qa", Some("QA")));
        }
        other => panic!("expected one ProjectCreate, got {other:?}"),
    }
    assert!(
        update(&mut model, key(KeyCode::Enter)).is_empty(),
        "no second submit while waiting"
    );
}

#[test]
fn a_refused_form_stays_open_with_the_full_error() {
    let mut model = on_tab(Tab::Projects);
    press(&mut model, "nBad Slug");
    update(&mut model, key(KeyCode::Enter));
    update(
        &mut model,
        Msg::Failed("invalid project slug \"Bad Slug\"".into()),
    );
    match &model.dialog {
        Some(Dialog::Form(form)) => {
            assert_eq!(
                form.error.as_deref(),
                Some("invalid project slug \"Bad Slug\"")
            );
            assert!(!form.waiting);
        }
        other => panic!("the form should stay open, got {other:?}"),
    }
    let effects = update(&mut model, Msg::Done("created project x".into()));
    assert!(model.dialog.is_none());
    assert!(
        effects.is_empty(),
        "the change comes back on the feed, which reloads"
    );
}

#[test]
fn revoking_asks_first_and_only_yes_sends_the_request() {
    let mut model = on_tab(Tab::Tokens);
    assert!(press(&mut model, "x").is_empty());
    assert!(matches!(model.dialog, Some(Dialog::Confirm(_))));
    assert!(press(&mut model, "n").is_empty());
    assert!(model.dialog.is_none());
    press(&mut model, "x");
    let effects = press(&mut model, "y");
    match effects.as_slice() {
        [
            Effect::Change {
                request: AdminRequest::TokenRevoke(admin::TokenRevoke { public_key }),
                ..
            },
        ] => {
            assert_eq!(public_key, KEY_CI)
        }
        other => panic!("expected a revoke, got {other:?}"),
    }
}

#[test]
fn deleting_a_project_first_asks_the_server_what_goes_with_it() {
    let mut model = on_tab(Tab::Projects);
    let effects = press(&mut model, "d");
    assert!(matches!(effects.as_slice(), [Effect::PlanDelete(slug)] if slug == "acme-production"));
    assert!(
        model.dialog.is_none(),
        "nothing is asked before the plan is known"
    );
}

#[test]
fn text_fields_edit_at_the_cursor_and_take_pastes() {
    let mut model = on_tab(Tab::Packages);
    press(&mut model, "n/tmp/zips");
    update(&mut model, key(KeyCode::Home));
    update(&mut model, key(KeyCode::Delete));
    update(&mut model, Msg::Paste("/srv".into()));
    let effects = update(&mut model, key(KeyCode::Enter));
    assert!(matches!(effects.as_slice(), [Effect::Publish(path)] if path == "/srvtmp/zips"));
}

#[test]
fn a_live_event_lands_on_top_of_the_feed_and_in_the_sparkline() {
    let mut model = fixture();
    let before = *model.data.stats.downloads_per_minute.last().unwrap();
    let recorded = ChangeEvent::DownloadsRecorded {
        events: vec![event(
            0,
            DownloadKind::Dist,
            "acme/new",
            "0.1.0",
            "192.0.2.1",
        )],
    };
    update(&mut model, feed(recorded));
    assert_eq!(model.data.live[0].package, "acme/new");
    assert_eq!(model.data.stats.latest[0].package, "acme/new");
    assert_eq!(
        *model.data.stats.downloads_per_minute.last().unwrap(),
        before + 1
    );
}

#[test]
fn the_live_feed_filters_by_project_or_package() {
    let mut model = on_tab(Tab::Downloads);
    press(&mut model, "/shipping");
    assert_eq!(model.visible_live().len(), 2);
    update(&mut model, key(KeyCode::Esc));
    press(&mut model, "/acme-production");
    assert_eq!(model.visible_live().len(), 4);
}

pub(super) fn feed(event: ChangeEvent) -> Msg {
    Msg::Feed(FeedItem::Change(Arc::new(Change {
        seq: 1,
        at_micros: NOW * 1_000_000,
        event,
    })))
}

#[test]
fn statistics_are_reread_after_downloads_at_most_every_few_seconds() {
    // On a screen that shows no download figures; those that do are in `live`.
    let mut model = on_tab(Tab::Projects);
    assert!(update(&mut model, Msg::Tick(NOW + 1)).is_empty());
    assert!(
        update(&mut model, Msg::Tick(NOW + 5)).is_empty(),
        "no downloads, no reread"
    );
    update(
        &mut model,
        feed(ChangeEvent::DownloadsRecorded { events: vec![] }),
    );
    let effects = update(&mut model, Msg::Tick(NOW + 6));
    assert!(matches!(effects.as_slice(), [Effect::RefreshStats]));
    update(
        &mut model,
        feed(ChangeEvent::DownloadsRecorded { events: vec![] }),
    );
    assert!(update(&mut model, Msg::Tick(NOW + 7)).is_empty());
    let effects = update(&mut model, Msg::Tick(NOW + 11));
    assert!(matches!(effects.as_slice(), [Effect::RefreshStats]));
}

#[test]
fn statistics_are_reread_when_the_minute_turns_for_the_time_windows() {
    let mut model = fixture();
    let next_minute = (NOW / 60 + 1) * 60;
    update(&mut model, Msg::Tick(next_minute - 1));
    let effects = update(&mut model, Msg::Tick(next_minute));
    assert!(matches!(effects.as_slice(), [Effect::RefreshStats]));
}

#[test]
fn changes_on_the_feed_reload_the_lists_once_per_tick() {
    let mut model = fixture();
    for slug in ["a", "b", "c"] {
        let project = Project {
            slug: ProjectSlug::parse(slug).unwrap(),
            name: slug.into(),
            created_at: NOW,
            customer: None,
        };
        assert!(update(&mut model, feed(ChangeEvent::ProjectCreated { project })).is_empty());
    }
    let effects = update(&mut model, Msg::Tick(NOW + 1));
    assert!(matches!(effects.as_slice(), [Effect::Refresh]));
    assert!(update(&mut model, Msg::Tick(NOW + 2)).is_empty());
}

#[test]
fn a_feed_that_dropped_changes_reloads_everything() {
    let mut model = fixture();
    update(&mut model, Msg::Feed(FeedItem::Missed(3)));
    let effects = update(&mut model, Msg::Tick(NOW + 1));
    assert!(matches!(effects.as_slice(), [Effect::Refresh]));
}

#[test]
fn without_a_feed_a_change_reloads_by_hand() {
    let mut model = fixture();
    update(&mut model, Msg::LiveEnded("the server stopped".into()));
    let effects = update(&mut model, Msg::Done("revoked".into()));
    assert!(matches!(effects.as_slice(), [Effect::Refresh]));
}

#[test]
fn attached_ctrl_c_quits_even_inside_a_form() {
    let mut model = on_tab(Tab::Projects);
    model.info.in_process = false;
    press(&mut model, "n");
    update(
        &mut model,
        Msg::Key(KeyEvent::new(KeyCode::Char('c'), KeyModifiers::CONTROL)),
    );
    assert!(model.quit);
}

#[test]
fn the_auth_json_host_defaults_to_the_public_urls_host() {
    let model = fixture();
    assert_eq!(model.info.default_host(), "packages.example.com");
    let local = ServerInfo {
        listen: "http://0.0.0.0:8080".into(),
        ..Default::default()
    };
    assert_eq!(local.default_host(), "127.0.0.1:8080");
}

#[test]
fn without_a_public_url_the_https_listener_gives_the_host_and_the_publish_url() {
    let both = ServerInfo {
        listen: "http://0.0.0.0:8080, https://0.0.0.0:8443".into(),
        ..Default::default()
    };
    assert_eq!(both.default_host(), "127.0.0.1:8443");
    assert_eq!(both.base_url(), "https://127.0.0.1:8443");
}

#[test]
fn control_and_direction_characters_in_names_and_user_agents_are_drawn_escaped() {
    let mut model = on_tab(Tab::Tokens);
    for token in &mut model.data.tokens {
        token.label = "ci\u{202e}exe".into();
        token.last_user_agent = Some("Composer\u{1b}[2J".into());
    }
    let screen = draw(&model, 120, 40);
    assert!(screen.contains("ci\\u{202e}exe"), "{screen}");
    assert!(screen.contains("Composer\\u{1b}[2J"), "{screen}");
    assert!(!screen.contains(['\u{1b}', '\u{202e}']), "{screen:?}");

    let mut model = on_tab(Tab::Downloads);
    let hostile = event(0, DownloadKind::Dist, "acme/widget", "1\u{7}", "1\u{1b}");
    model.data.live.push_front(hostile);
    let screen = draw(&model, 120, 40);
    assert!(screen.contains("1\\u{7}"), "{screen}");
    assert!(screen.contains("1\\u{1b}"), "{screen}");
    assert!(!screen.contains(['\u{1b}', '\u{7}']), "{screen:?}");
}
