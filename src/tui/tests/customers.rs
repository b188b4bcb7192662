//! Customers, the licence dialogs that pick from lists, the expiring panel and the preview's
//! reasons: each key sequence ends in the admin request it should, and nothing else.

use super::{NOW, draw, fixture, key, on_tab, owned, press, preview_with_reasons, project};
use crate::service::admin::{self, AdminRequest};
use crate::service::changes::ChangeEvent;
use crate::service::customers::CustomerDeletion;
use crate::service::licences::TermsEdit;
use crate::tui::dialog::Dialog;
use crate::tui::message::{Effect, Msg};
use crate::tui::model::{Model, Tab};
use crate::tui::update::update;
use ratatui::crossterm::event::KeyCode;

/// The one request the last key sent, or a panic naming what came instead.
fn request(effects: Vec<Effect>) -> AdminRequest {
    match effects.into_iter().next() {
        Some(Effect::Change { request, .. }) => request,
        other => panic!("expected one change, got {other:?}"),
    }
}

fn form_error(model: &Model) -> Option<String> {
    match &model.dialog {
        Some(Dialog::Form(form)) => form.error.clone(),
        other => panic!("expected a form, got {other:?}"),
    }
}

fn tab_to(model: &mut Model, field: usize) {
    for _ in 0..field {
        update(model, key(KeyCode::Tab));
    }
}

#[test]
fn the_new_customer_form_sends_slug_name_and_email() {
    let mut model = on_tab(Tab::Customers);
    press(&mut model, "ninitech");
    tab_to(&mut model, 1);
    press(&mut model, "Initech");
    tab_to(&mut model, 1);
    press(&mut model, "it@initech.example");
    match request(update(&mut model, key(KeyCode::Enter))) {
        AdminRequest::CustomerCreate(admin::CustomerCreate { slug, name, email }) => {
            assert_eq!(slug, "initech");
            assert_eq!(name.as_deref(), Some("Initech"));
            assert_eq!(email.as_deref(), Some("it@initech.example"));
        }
        other => panic!("expected CustomerCreate, got {other:?}"),
    }
}

#[test]
fn renaming_a_customer_offers_its_name_and_keeps_its_slug() {
    let mut model = on_tab(Tab::Customers);
    press(&mut model, "je");
    update(&mut model, key(KeyCode::Backspace));
    match request(update(&mut model, key(KeyCode::Enter))) {
        AdminRequest::CustomerRename(admin::CustomerRename { slug, name }) => {
            assert_eq!(
                (slug.as_str(), name.as_str()),
                ("globex-corporation", "Globex Corporatio")
            );
        }
        other => panic!("expected CustomerRename, got {other:?}"),
    }
}

#[test]
fn deleting_a_customer_shows_what_goes_and_only_yes_deletes() {
    let mut model = on_tab(Tab::Customers);
    let effects = press(&mut model, "d");
    assert!(matches!(effects.as_slice(), [Effect::PlanDeleteCustomer(slug)] if slug == "acme-ltd"));
    update(
        &mut model,
        Msg::CustomerDeletePlan(CustomerDeletion {
            slug: "acme-ltd".into(),
            projects_deleted: vec!["acme-production".into()],
            ..Default::default()
        }),
    );
    let Some(Dialog::Confirm(confirm)) = &model.dialog else {
        panic!("expected a question, got {:?}", model.dialog);
    };
    assert!(
        confirm.lines.iter().any(|l| l.contains("acme-production")),
        "{confirm:?}"
    );
    match request(press(&mut model, "y")) {
        AdminRequest::CustomerDelete(admin::CustomerDelete { slug, dry_run }) => {
            assert_eq!((slug.as_str(), dry_run), ("acme-ltd", false));
        }
        other => panic!("expected CustomerDelete, got {other:?}"),
    }
}

#[test]
fn the_details_of_the_customer_under_the_cursor_are_fetched_once() {
    let mut model = on_tab(Tab::Customers);
    assert!(model.data.customer_details.contains_key("acme-ltd"));
    let effects = press(&mut model, "j");
    assert!(
        matches!(effects.as_slice(), [Effect::LoadCustomer(slug)] if slug == "globex-corporation"),
        "{effects:?}"
    );
    assert!(
        press(&mut model, "k").is_empty(),
        "acme-ltd is already loaded"
    );
}

#[test]
fn the_customers_screen_shows_projects_licences_with_seats_and_downloads() {
    let screen = draw(&on_tab(Tab::Customers), 120, 40);
    for text in [
        "acme-production, acme-staging",
        "seats 2 of 3 used",
        "2 active",
        "126 installs",
    ] {
        assert!(screen.contains(text), "{text:?} missing:\n{screen}");
    }
}

#[test]
fn extending_sends_a_period_or_a_date() {
    let mut model = on_tab(Tab::Licences);
    press(&mut model, "jt");
    match request(update(&mut model, key(KeyCode::Enter))) {
        AdminRequest::LicenceExtend(admin::LicenceExtend {
            id,
            access_until,
            by,
        }) => {
            assert_eq!(id, "lic_0a1b2c3d4e5f");
            assert_eq!((access_until, by.as_deref()), (None, Some("12m")));
        }
        other => panic!("expected LicenceExtend, got {other:?}"),
    }
    update(&mut model, Msg::Done("extended".into()));
    press(&mut model, "t");
    update(
        &mut model,
        Msg::Key(ratatui::crossterm::event::KeyEvent::new(
            KeyCode::Char('u'),
            ratatui::crossterm::event::KeyModifiers::CONTROL,
        )),
    );
    press(&mut model, "2026-07-10");
    match request(update(&mut model, key(KeyCode::Enter))) {
        AdminRequest::LicenceExtend(admin::LicenceExtend {
            access_until, by, ..
        }) => {
            assert_eq!((access_until.as_deref(), by), (Some("2026-07-10"), None));
        }
        other => panic!("expected LicenceExtend, got {other:?}"),
    }
}

#[test]
fn editing_sends_only_what_changed() {
    let mut model = on_tab(Tab::Licences);
    press(&mut model, "e");
    assert!(update(&mut model, key(KeyCode::Enter)).is_empty());
    assert!(form_error(&model).unwrap().contains("nothing changed"));
    tab_to(&mut model, 1);
    press(&mut model, " "); // marks acme/* for removal
    tab_to(&mut model, 1);
    press(&mut model, "^1.0");
    tab_to(&mut model, 1);
    update(&mut model, key(KeyCode::Backspace)); // seats 3 → empty: no limit
    tab_to(&mut model, 1);
    update(&mut model, key(KeyCode::Right)); // dependencies: left out
    match request(update(&mut model, key(KeyCode::Enter))) {
        AdminRequest::LicenceEdit(admin::LicenceEdit { id, terms }) => {
            assert_eq!(id, "lic_5e1f2a3b4c5d");
            let expected = TermsEdit {
                remove_packages: vec!["acme/*".into()],
                versions: Some("^1.0".into()),
                unlimited_seats: true,
                dependencies: Some(false),
                ..Default::default()
            };
            assert_eq!(terms, expected);
        }
        other => panic!("expected LicenceEdit, got {other:?}"),
    }
}

#[test]
fn clearing_a_licences_versions_means_any_version_and_a_bad_seat_count_is_refused_here() {
    let mut model = on_tab(Tab::Licences);
    press(&mut model, "je");
    tab_to(&mut model, 2);
    update(&mut model, key(KeyCode::End));
    for _ in 0.."^2.0".len() {
        update(&mut model, key(KeyCode::Backspace));
    }
    tab_to(&mut model, 1);
    press(&mut model, "two");
    assert!(update(&mut model, key(KeyCode::Enter)).is_empty());
    assert!(form_error(&model).unwrap().contains("not a number"));
    for _ in 0..3 {
        update(&mut model, key(KeyCode::Backspace));
    }
    press(&mut model, "2");
    match request(update(&mut model, key(KeyCode::Enter))) {
        AdminRequest::LicenceEdit(admin::LicenceEdit { terms, .. }) => {
            assert!(terms.any_version && terms.versions.is_none(), "{terms:?}");
            assert_eq!(terms.seats, Some(2));
        }
        other => panic!("expected LicenceEdit, got {other:?}"),
    }
}

/// Adds a project of acme-ltd, one of no customer and one of another customer.
fn with_more_projects(model: &mut Model) {
    model.data.projects.push(owned("acme-qa", "acme-ltd"));
    model.data.projects.push(project("sandbox", "Sandbox", 1));
    model.data.projects.push(owned("initech", "initech"));
}

fn options(model: &Model, field: usize) -> Vec<String> {
    let Some(Dialog::Form(form)) = &model.dialog else {
        panic!("expected a form, got {:?}", model.dialog);
    };
    let choices = form.fields[field].choices.as_ref().expect("a pick field");
    choices.options.iter().map(|o| o.value.clone()).collect()
}

#[test]
fn activation_offers_the_customers_free_projects_and_projects_of_no_customer() {
    let mut model = on_tab(Tab::Licences);
    with_more_projects(&mut model);
    press(&mut model, "a");
    assert_eq!(options(&model, 0), ["acme-qa", "sandbox"]);
    press(&mut model, "s"); // a letter jumps to the option starting with it
    match request(update(&mut model, key(KeyCode::Enter))) {
        AdminRequest::LicenceActivate(admin::LicenceActivate { id, project }) => {
            assert_eq!(
                (id.as_str(), project.as_str()),
                ("lic_5e1f2a3b4c5d", "sandbox")
            );
        }
        other => panic!("expected LicenceActivate, got {other:?}"),
    }
}

#[test]
fn moving_picks_from_where_it_is_active_and_to_a_project_it_may_go_to() {
    let mut model = on_tab(Tab::Licences);
    with_more_projects(&mut model);
    press(&mut model, "m");
    assert_eq!(options(&model, 0), ["acme-production", "acme-staging"]);
    assert_eq!(options(&model, 1), ["acme-qa", "sandbox"]);
    update(&mut model, key(KeyCode::Right));
    match request(update(&mut model, key(KeyCode::Enter))) {
        AdminRequest::LicenceMove(admin::LicenceMove { id, from, to }) => {
            assert_eq!(id, "lic_5e1f2a3b4c5d");
            assert_eq!((from.as_str(), to.as_str()), ("acme-staging", "acme-qa"));
        }
        other => panic!("expected LicenceMove, got {other:?}"),
    }
}

#[test]
fn a_new_licence_names_the_customer_picked_with_versions_and_seats() {
    let mut model = on_tab(Tab::Licences);
    press(&mut model, "n");
    assert_eq!(options(&model, 0), ["acme-ltd", "globex-corporation"]);
    update(&mut model, key(KeyCode::Left)); // wraps round to the last
    tab_to(&mut model, 1);
    press(&mut model, "acme/payments acme/core");
    tab_to(&mut model, 2);
    press(&mut model, "^2.0");
    tab_to(&mut model, 1);
    press(&mut model, "2");
    match request(update(&mut model, key(KeyCode::Enter))) {
        AdminRequest::LicenceCreate(create) => {
            assert_eq!(create.customer.as_deref(), Some("globex-corporation"));
            assert_eq!(create.holder, None);
            assert_eq!(create.packages, ["acme/payments", "acme/core"]);
            assert_eq!(create.versions.as_deref(), Some("^2.0"));
            assert_eq!(create.seats, Some(2));
        }
        other => panic!("expected LicenceCreate, got {other:?}"),
    }
}

#[test]
fn without_customers_a_new_licence_says_to_create_one_first() {
    let mut model = on_tab(Tab::Licences);
    model.data.customers.clear();
    press(&mut model, "n");
    assert!(update(&mut model, key(KeyCode::Enter)).is_empty());
    assert!(form_error(&model).unwrap().contains("customer"));
}

#[test]
fn the_dashboard_lists_subscriptions_ending_within_30_days() {
    let screen = draw(&fixture(), 120, 40);
    let row = screen
        .lines()
        .find(|l| l.contains("2025-07-10"))
        .expect(&screen);
    for text in [
        "in 25 days",
        "Globex Corporation",
        "acme/payments",
        "lic_0a1b2c3d4e5f",
    ] {
        assert!(row.contains(text), "{text:?} missing from {row}");
    }
    let mut model = fixture();
    model.data.expiring.clear();
    assert!(draw(&model, 120, 40).contains("No subscription ends in the next 30 days."));
}

#[test]
fn the_preview_says_why_a_version_is_visible_and_warns_of_each_gap() {
    let mut model = on_tab(Tab::Licences);
    update(&mut model, preview_with_reasons());
    let screen = draw(&model, 120, 40);
    for text in [
        "✓ visible (required by acme/payments 2.1.0)",
        "✓ visible (licence lic_0a1b2c3d4e5f)",
        "✗ hidden  outside the licence's versions ^2.0",
        "⚠ acme/payments 2.1.0 requires acme/tax ^3.0: no visible version",
    ] {
        assert!(screen.contains(text), "{text:?} missing:\n{screen}");
    }
}

#[test]
fn previewing_from_a_licence_asks_for_the_view_of_a_project_it_is_active_on() {
    let mut model = on_tab(Tab::Licences);
    press(&mut model, "p");
    assert_eq!(options(&model, 0), ["acme-production", "acme-staging"]);
    let effects = update(&mut model, key(KeyCode::Enter));
    assert!(matches!(effects.as_slice(), [Effect::Preview(p)] if p == "acme-production"));
}

#[test]
fn customer_changes_on_the_feed_reload_the_lists() {
    let customer = super::customer("initech", "Initech", None, 0).customer;
    let events = [
        ChangeEvent::CustomerCreated {
            customer: customer.clone(),
        },
        ChangeEvent::CustomerChanged { customer },
        ChangeEvent::CustomerDeleted {
            deletion: CustomerDeletion::default(),
        },
        ChangeEvent::ProjectJoinedCustomer {
            project: owned("sandbox", "initech"),
        },
    ];
    for event in events {
        let mut model = fixture();
        update(&mut model, super::feed(event));
        let effects = update(&mut model, Msg::Tick(NOW + 1));
        assert!(
            matches!(effects.as_slice(), [Effect::Refresh]),
            "{effects:?}"
        );
    }
}
