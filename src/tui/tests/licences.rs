//! The Licences screen's filter (by project, customer, package or state) and its sort (`s`
//! cycles the column, the cursor stays on its licence).

use super::{draw, fixture, globex_licence, key, licence, press};
use crate::service::summaries::LicenceSummary;
use crate::tui::message::{Loaded, Msg};
use crate::tui::model::{Model, Tab};
use crate::tui::update::update;
use ratatui::crossterm::event::KeyCode;

/// Four licences in the order the server lists them (oldest first): perpetual, ending soon,
/// revoked, ended.
fn licences() -> Vec<LicenceSummary> {
    vec![
        LicenceSummary {
            seats: Some(3),
            ..licence(
                "lic_5e1f2a3b4c5d",
                "ACME Ltd",
                &["acme/*"],
                None,
                &["acme-production", "acme-staging"],
            )
        },
        globex_licence(),
        LicenceSummary {
            revoked: true,
            ..licence(
                "lic_77aa88bb99cc",
                "Initech",
                &["acme/shipping"],
                None,
                &["initech-ci"],
            )
        },
        licence(
            "lic_3c4d5e6f7a8b",
            "Umbrella",
            &["acme/payments", "acme/tax"],
            Some("2025-01-31T23:59:59+00:00"),
            &[],
        ),
    ]
}

/// The Licences screen over four licences, sorted by `sorts` presses of `s`.
pub(super) fn on_licences(sorts: usize) -> Model {
    let mut model = fixture();
    update(&mut model, Msg::Loaded(Loaded::Licences(licences())));
    press(&mut model, "5");
    press(&mut model, &"s".repeat(sorts));
    model
}

fn ids(model: &Model) -> Vec<&str> {
    let rows = model.visible_licences();
    rows.iter().map(|l| &l.id[4..8]).collect()
}

#[test]
fn s_cycles_the_sort_column_and_the_title_names_it() {
    let mut model = on_licences(0);
    assert_eq!(ids(&model), ["5e1f", "0a1b", "77aa", "3c4d"], "as listed");
    let orders = [
        ("expiry", ["3c4d", "0a1b", "5e1f", "77aa"]),
        ("customer", ["5e1f", "0a1b", "77aa", "3c4d"]),
        ("project", ["5e1f", "0a1b", "77aa", "3c4d"]),
        ("package", ["5e1f", "0a1b", "3c4d", "77aa"]),
        ("state", ["5e1f", "0a1b", "3c4d", "77aa"]),
        ("created", ["5e1f", "0a1b", "77aa", "3c4d"]),
    ];
    for (name, order) in orders {
        press(&mut model, "s");
        assert_eq!(model.tab.licence_sort.name(), name);
        assert_eq!(ids(&model), order, "sorted by {name}");
        let screen = draw(&model, 80, 24);
        assert!(screen.contains(&format!("sorted by {name}")), "{screen}");
    }
}

#[test]
fn sorting_keeps_the_cursor_on_the_licence_it_was_on() {
    let mut model = on_licences(0);
    press(&mut model, "jjj");
    assert_eq!(model.selected_licence().unwrap().holder, "Umbrella");
    press(&mut model, "s");
    assert_eq!(model.selected(Tab::Licences), 0, "Umbrella ended first");
    assert_eq!(model.selected_licence().unwrap().holder, "Umbrella");
}

#[test]
fn the_filter_matches_project_customer_package_and_state() {
    let mut model = on_licences(0);
    for (filter, expected) in [
        ("globex", vec!["0a1b"]),
        ("initech", vec!["77aa"]),
        ("acme/tax", vec!["3c4d"]),
        ("expired", vec!["3c4d"]),
        ("revoked", vec!["77aa"]),
        ("perpetual", vec!["5e1f", "77aa"]),
    ] {
        press(&mut model, &format!("/{filter}"));
        assert_eq!(ids(&model), expected, "filter {filter}");
        update(&mut model, key(KeyCode::Esc));
    }
}

#[test]
fn a_subscription_past_its_window_reads_expired_and_a_revoked_licence_revoked() {
    let model = on_licences(0);
    let screen = draw(&model, 120, 40);
    let row = |id: &str| {
        let line = screen.lines().find(|l| l.contains(id));
        line.unwrap_or_default().to_string()
    };
    assert!(row("lic_3c4d5e6f7a8b").contains("expired"), "{screen}");
    assert!(row("lic_77aa88bb99cc").contains("revoked"), "{screen}");
    assert!(row("lic_0a1b2c3d4e5f").contains("active"), "{screen}");
}
