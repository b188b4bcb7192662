//! Moving between screens and rows, and what Enter opens.

use super::dialog::Dialog;
use super::input::Action;
use super::message::Effect;
use super::model::{Model, Tab};
use super::text_input::TextInput;

/// Rows a page key moves; the list scrolls to keep the cursor in view whatever the height.
const PAGE: isize = 10;

/// The first screen without a number key of its own: `0` reaches it and those after it.
const EXTRA: usize = 9;

pub fn switch_tab(model: &mut Model, action: Action) -> Vec<Effect> {
    let count = Tab::ALL.len();
    let index = model.current().index();
    let next = match action {
        Action::NextTab => (index + 1) % count,
        Action::PrevTab => (index + count - 1) % count,
        Action::GoTab(EXTRA) if index >= EXTRA => EXTRA + (index + 1 - EXTRA) % (count - EXTRA),
        Action::GoTab(n) if n < count => n,
        _ => index,
    };
    go_to(model, Tab::ALL[next])
}

pub fn go_to(model: &mut Model, tab: Tab) -> Vec<Effect> {
    model.tab.current = tab;
    model.in_versions = false;
    model.status = None;
    load_selected(model)
}

pub fn move_cursor(model: &mut Model, action: Action) -> Vec<Effect> {
    if let Some(scroll) = dialog_scroll(model) {
        *scroll = match action {
            Action::Up => scroll.saturating_sub(1),
            Action::Down => scroll.saturating_add(1),
            Action::PageUp => scroll.saturating_sub(PAGE as u16),
            Action::PageDown => scroll.saturating_add(PAGE as u16),
            Action::Top => 0,
            _ => *scroll,
        };
        return vec![];
    }
    if model.current() == Tab::Packages && model.in_versions {
        move_version(model, action);
        return vec![];
    }
    let tab = model.current();
    let last = model.row_count(tab).saturating_sub(1);
    let target = match action {
        Action::Top => 0,
        Action::Bottom => last,
        Action::Up => return move_by(model, -1),
        Action::Down => return move_by(model, 1),
        Action::PageUp => return move_by(model, -PAGE),
        Action::PageDown => return move_by(model, PAGE),
        _ => model.selected(tab),
    };
    model.tab.selected.insert(tab, target);
    after_move(model)
}

fn dialog_scroll(model: &mut Model) -> Option<&mut u16> {
    match &mut model.dialog {
        Some(Dialog::Help { scroll, .. }) => Some(scroll),
        Some(Dialog::Preview(preview)) => Some(&mut preview.scroll),
        Some(Dialog::Details(details)) => Some(&mut details.scroll),
        _ => None,
    }
}

pub fn move_by(model: &mut Model, delta: isize) -> Vec<Effect> {
    let tab = model.current();
    let last = model.row_count(tab).saturating_sub(1);
    let current = model.selected(tab) as isize;
    let target = (current + delta).clamp(0, last as isize) as usize;
    model.tab.selected.insert(tab, target);
    after_move(model)
}

/// Up and down the selected package's versions while that pane has the keyboard.
fn move_version(model: &mut Model, action: Action) {
    let last = model.selected_versions().len().saturating_sub(1) as isize;
    let row = model.version_row as isize;
    let target = match action {
        Action::Up => row - 1,
        Action::Down => row + 1,
        Action::PageUp => row - PAGE,
        Action::PageDown => row + PAGE,
        Action::Top => 0,
        _ => last,
    };
    model.version_row = target.clamp(0, last.max(0)) as usize;
}

/// Another package under the cursor starts at its newest version.
fn after_move(model: &mut Model) -> Vec<Effect> {
    if model.current() == Tab::Packages {
        model.version_row = 0;
    }
    load_selected(model)
}

/// The details pane of the Packages and Customers screens follows the cursor.
pub fn load_selected(model: &Model) -> Vec<Effect> {
    match model.current() {
        Tab::Packages => load_selected_package(model),
        Tab::Customers => load_selected_customer(model),
        Tab::Advisories => load_selected_advisory(model),
        _ => vec![],
    }
}

/// A customer's projects, licences, tokens and downloads are fetched for the one under the
/// cursor, once per reload.
pub fn load_selected_customer(model: &Model) -> Vec<Effect> {
    match model.selected_customer() {
        Some(row)
            if !model
                .data
                .customer_details
                .contains_key(row.customer.slug.as_str()) =>
        {
            vec![Effect::LoadCustomer(row.customer.slug.to_string())]
        }
        _ => vec![],
    }
}

/// Who is affected is fetched for the advisory under the cursor, once per reload.
fn load_selected_advisory(model: &Model) -> Vec<Effect> {
    match model.selected_advisory() {
        Some(row) if !model.data.advisory_details.contains_key(&row.id) => {
            vec![Effect::LoadAdvisory(row.id.clone())]
        }
        _ => vec![],
    }
}

pub fn after_filter(model: &mut Model) -> Vec<Effect> {
    clamp_all(model);
    after_move(model)
}

/// Versions are fetched for the package under the cursor, once per refresh.
fn load_selected_package(model: &Model) -> Vec<Effect> {
    match model.selected_package() {
        Some(row) if !model.data.package_details.contains_key(&row.name) => {
            vec![Effect::LoadPackage(row.name.clone())]
        }
        _ => vec![],
    }
}

/// Keeps every cursor on a row after lists shrink (a delete, a narrower filter).
pub fn clamp_all(model: &mut Model) {
    for tab in Tab::ALL {
        let last = model.row_count(tab).saturating_sub(1);
        if model.selected(tab) > last {
            model.tab.selected.insert(tab, last);
        }
    }
    let last_version = model.selected_versions().len().saturating_sub(1);
    model.version_row = model.version_row.min(last_version);
}

/// Enter on a project shows its tokens; on a package, moves into its versions.
pub fn open(model: &mut Model) -> Vec<Effect> {
    if model.current() == Tab::Packages {
        model.in_versions = model.selected_version().is_some();
        return vec![];
    }
    if model.current() != Tab::Projects {
        return vec![];
    }
    let Some(project) = model.selected_project() else {
        return vec![];
    };
    let slug = project.slug.to_string();
    model
        .tab
        .filters
        .insert(Tab::Tokens, TextInput::with_text(&slug));
    model.tab.selected.insert(Tab::Tokens, 0);
    go_to(model, Tab::Tokens)
}
