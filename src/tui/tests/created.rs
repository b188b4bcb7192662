//! After a create the cursor moves to the new row, once a reload has brought it, and only then.

use super::{KEY_CI, KEY_LAPTOP, NOW, customer, licence, on_tab, project, token};
use crate::service::tokens::CreatedToken;
use crate::tui::message::{Effect, Loaded, Msg};
use crate::tui::model::Tab;
use crate::tui::update::update;

const KEY_NEW: &str = "0123456789abcdef0123456789abcdef";

fn created(tab: Tab, key: &str) -> Msg {
    Msg::Created {
        tab,
        key: key.into(),
    }
}

fn projects(slugs: &[&str]) -> Msg {
    let rows = slugs.iter().map(|slug| project(slug, slug, 1)).collect();
    Msg::Loaded(Loaded::Projects(rows))
}

#[test]
fn a_new_project_is_selected_when_the_reload_brings_it_and_not_after() {
    let mut model = on_tab(Tab::Projects);
    update(&mut model, created(Tab::Projects, "beta"));
    assert_eq!(model.selected(Tab::Projects), 0, "not loaded yet");
    update(
        &mut model,
        projects(&["acme-production", "acme-staging", "globex"]),
    );
    assert_eq!(
        model.selected(Tab::Projects),
        0,
        "a reload read before the create"
    );
    update(
        &mut model,
        projects(&["acme-production", "acme-staging", "beta", "globex"]),
    );
    assert_eq!(model.selected(Tab::Projects), 2);
    assert_eq!(model.selected_project().unwrap().slug.as_str(), "beta");

    update(
        &mut model,
        super::key(ratatui::crossterm::event::KeyCode::Up),
    );
    update(
        &mut model,
        projects(&["acme-production", "acme-staging", "beta", "globex"]),
    );
    assert_eq!(
        model.selected(Tab::Projects),
        1,
        "later reloads leave the cursor be"
    );
}

#[test]
fn a_row_already_loaded_is_selected_as_soon_as_the_create_answers() {
    let mut model = on_tab(Tab::Projects);
    update(&mut model, created(Tab::Projects, "globex"));
    assert_eq!(model.selected(Tab::Projects), 2);
}

#[test]
fn a_new_token_is_selected_once_listed() {
    let mut model = on_tab(Tab::Tokens);
    let effects = update(
        &mut model,
        Msg::TokenCreated(CreatedToken {
            public_key: KEY_NEW.into(),
            private_key: "00".repeat(32),
            project: "acme-production".into(),
            label: "new".into(),
            created_at: NOW,
        }),
    );
    assert!(matches!(effects.as_slice(), [Effect::Refresh]));
    let rows = vec![
        token(KEY_CI, "acme-production", "ci", None),
        token(KEY_LAPTOP, "acme-staging", "laptop", None),
        token(KEY_NEW, "acme-production", "new", None),
    ];
    update(&mut model, Msg::Loaded(Loaded::Tokens(rows)));
    assert_eq!(model.selected_token().unwrap().public_key, KEY_NEW);
}

#[test]
fn a_new_licence_is_selected_by_the_id_the_server_gave_it() {
    let mut model = on_tab(Tab::Licences);
    update(&mut model, created(Tab::Licences, "lic_ffffffffffff"));
    let mut rows = model.data.licences.clone();
    rows.push(licence(
        "lic_ffffffffffff",
        "ACME Ltd",
        &["acme/new"],
        None,
        &[],
    ));
    update(&mut model, Msg::Loaded(Loaded::Licences(rows)));
    assert_eq!(model.selected_licence().unwrap().id, "lic_ffffffffffff");
}

#[test]
fn a_new_customer_is_selected_and_its_details_are_fetched() {
    let mut model = on_tab(Tab::Customers);
    update(&mut model, created(Tab::Customers, "zeta"));
    let mut rows = model.data.customers.clone();
    rows.push(customer("zeta", "Zeta", None, 0));
    let effects = update(&mut model, Msg::Loaded(Loaded::Customers(rows)));
    assert_eq!(model.selected_customer().unwrap().customer.name, "Zeta");
    assert!(
        effects
            .iter()
            .any(|e| matches!(e, Effect::LoadCustomer(slug) if slug == "zeta")),
        "{effects:?}"
    );
}
