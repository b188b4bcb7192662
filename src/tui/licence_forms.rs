//! The Licences screen's dialogs: create, activate, deactivate, preview, extend, edit the terms,
//! move an activation, revoke. Customers and projects are picked from lists, never typed, and
//! only the projects a licence may go to are offered.

use super::dialog::{Choice, Confirm, Dialog, Field, Form, FormKind, Terms};
use super::input::Action;
use super::message::Effect;
use super::model::Model;
use crate::domain::time::Period;
use crate::service::admin::{self, AdminRequest};
use crate::service::licences::TermsEdit;
use crate::service::summaries::LicenceSummary;

fn form(kind: FormKind, title: impl Into<String>, fields: Vec<Field>) -> Dialog {
    Dialog::Form(Form::new(kind, title, fields))
}

/// The dialog a key opens for the selected licence (or a new one).
pub fn dialog(model: &Model, action: Action) -> Option<Dialog> {
    if action == Action::New {
        return Some(new_licence(model));
    }
    let licence = model.selected_licence()?;
    let id = licence.id.clone();
    Some(match action {
        Action::Activate => activate(model, licence),
        Action::Deactivate => form(
            FormKind::Deactivate {
                licence: id.clone(),
            },
            format!("Deactivate {id} from a project"),
            vec![Field::pick(
                "Project",
                "its tokens stop seeing what this grants",
                active_on(licence),
            )],
        ),
        Action::Preview => {
            let mut projects = active_on(licence);
            if projects.is_empty() {
                projects = model.data.projects.iter().map(project_choice).collect();
            }
            form(
                FormKind::PreviewFor,
                "Preview what a project sees",
                vec![Field::pick(
                    "Project",
                    "package by package, visible and hidden versions, and why",
                    projects,
                )],
            )
        }
        Action::Extend => extend(licence),
        Action::Rename => edit(licence),
        Action::Move => move_activation(model, licence),
        Action::Revoke => revoke(licence),
        _ => return None,
    })
}

fn project_choice(project: &crate::domain::records::Project) -> Choice {
    Choice::new(project.slug.as_str(), project.slug.as_str())
}

fn active_on(licence: &LicenceSummary) -> Vec<Choice> {
    let slugs = licence.projects.iter();
    slugs.map(|slug| Choice::new(slug, slug)).collect()
}

/// Projects the licence may be activated on: its customer's, and those of no customer yet (which
/// join its customer), less those it is already active on.
fn eligible(model: &Model, licence: &LicenceSummary, with_unowned: bool) -> Vec<Choice> {
    let projects = model.data.projects.iter();
    projects
        .filter(|p| !licence.projects.iter().any(|s| s == p.slug.as_str()))
        .filter_map(|p| match p.customer.as_ref().map(|c| c.as_str()) {
            Some(customer) if customer == licence.customer => Some(project_choice(p)),
            None if with_unowned => Some(Choice::new(
                p.slug.as_str(),
                format!("{} (no customer yet: joins {})", p.slug, licence.customer),
            )),
            _ => None,
        })
        .collect()
}

/// "2 of 3 used", or "2 used, no limit".
pub fn seats_used(licence: &LicenceSummary) -> String {
    let used = licence.projects.len();
    match licence.seats {
        Some(seats) => format!("{used} of {seats} used"),
        None => format!("{used} used, no limit"),
    }
}

fn new_licence(model: &Model) -> Dialog {
    let customers = model.data.customers.iter().map(|c| {
        let customer = &c.customer;
        let label = match customer.name == customer.slug.as_str() {
            true => customer.slug.to_string(),
            false => format!("{} ({})", customer.slug, customer.name),
        };
        Choice::new(customer.slug.as_str(), label)
    });
    let hint = match model.data.customers.is_empty() {
        true => "none yet: create one on the Customers screen (2) first",
        false => "who bought it (←/→ to choose)",
    };
    let mut field = Field::pick("Customer", hint, customers.collect());
    if let (Some(choices), Some(selected)) = (&mut field.choices, model.selected_customer()) {
        choices.select(selected.customer.slug.as_str());
    }
    form(
        FormKind::NewLicence,
        "New licence",
        vec![
            field,
            Field::new("Packages", "names or patterns, e.g. acme/* acme/extra", ""),
            Field::new("Access until", "YYYY-MM-DD; empty for perpetual", ""),
            Field::new(
                "Versions",
                "a Composer constraint, e.g. ^2.0; empty: any",
                "",
            ),
            Field::new("Seats", "projects it may be active on; empty: no limit", ""),
        ],
    )
}

fn activate(model: &Model, licence: &LicenceSummary) -> Dialog {
    let choices = eligible(model, licence, true);
    let hint = match choices.is_empty() {
        true => format!(
            "no project of {} is free for it: create one on the Projects screen",
            licence.customer
        ),
        false => format!(
            "its tokens will see what this grants; seats {}",
            seats_used(licence)
        ),
    };
    form(
        FormKind::Activate {
            licence: licence.id.clone(),
        },
        format!(
            "Activate {} for a project of {}",
            licence.id, licence.customer
        ),
        vec![Field::pick("Project", hint, choices)],
    )
}

fn extend(licence: &LicenceSummary) -> Dialog {
    let now = match &licence.access_until {
        Some(until) => format!("now ends {}", &until[..until.len().min(10)]),
        None => "it is perpetual: there is no window to extend".into(),
    };
    form(
        FormKind::Extend {
            licence: licence.id.clone(),
        },
        format!("Extend {} of {}", licence.id, licence.customer),
        vec![Field::new(
            "Until or by",
            format!("a date (YYYY-MM-DD), or a period after the current end (12m, 1y, 30d); {now}"),
            "12m",
        )],
    )
}

fn edit(licence: &LicenceSummary) -> Dialog {
    let terms = Terms {
        licence: licence.id.clone(),
        versions: licence.versions.clone(),
        seats: licence.seats,
        dependencies: licence.dependencies,
        note: licence.note.clone(),
    };
    let packages = licence.packages.iter().map(|p| Choice::new(p, p)).collect();
    let mut dependencies = Field::pick(
        "Dependencies",
        "hosted packages its releases require become visible too",
        vec![
            Choice::new("yes", "included"),
            Choice::new("no", "left out"),
        ],
    );
    if let Some(choices) = &mut dependencies.choices {
        choices.select(if licence.dependencies { "yes" } else { "no" });
    }
    let seats = licence.seats.map(|n| n.to_string()).unwrap_or_default();
    form(
        FormKind::EditLicence(Box::new(terms)),
        format!("Edit {} of {}", licence.id, licence.customer),
        vec![
            Field::new("Add packages", "names or patterns, e.g. acme/extra", ""),
            Field::pick_several(
                "Remove",
                "←/→ move, Space marks a package to remove",
                packages,
            ),
            Field::new(
                "Versions",
                "a Composer constraint, e.g. ^2.0; empty: any version",
                licence.versions.as_deref().unwrap_or(""),
            ),
            Field::new(
                "Seats",
                format!("a number; empty: no limit. {}", seats_used(licence)),
                &seats,
            ),
            dependencies,
            Field::new(
                "Note",
                "for the vendor only; empty removes it",
                licence.note.as_deref().unwrap_or(""),
            ),
        ],
    )
}

fn move_activation(model: &Model, licence: &LicenceSummary) -> Dialog {
    form(
        FormKind::Move {
            licence: licence.id.clone(),
        },
        format!("Move {} to another project", licence.id),
        vec![
            Field::pick("From", "a project it is active on", active_on(licence)),
            Field::pick(
                "To",
                format!(
                    "a project of {} (seats {})",
                    licence.customer,
                    seats_used(licence)
                ),
                eligible(model, licence, true),
            ),
        ],
    )
}

fn revoke(licence: &LicenceSummary) -> Dialog {
    let id = licence.id.clone();
    Dialog::Confirm(Confirm {
        title: "Revoke licence".into(),
        lines: vec![
            format!("Revoke licence {id} of {}?", licence.holder),
            format!("It grants {}.", licence.packages.join(", ")),
            match licence.projects.as_slice() {
                [] => "No project has it activated.".into(),
                projects => format!("Projects losing it now: {}.", projects.join(", ")),
            },
            "This cannot be undone.".into(),
        ],
        request: AdminRequest::LicenceRevoke(admin::LicenceRevoke { id: id.clone() }),
        done: format!("revoked licence {id}"),
    })
}

fn words(text: String) -> Vec<String> {
    let words = text.split([' ', ',']).filter(|p| !p.is_empty());
    words.map(str::to_string).collect()
}

fn optional(text: String) -> Option<String> {
    (!text.is_empty()).then_some(text)
}

fn seats(text: String) -> Result<Option<u32>, String> {
    if text.is_empty() {
        return Ok(None);
    }
    let seats = text.parse::<u32>();
    let message = || format!("seats: {text:?} is not a number; leave it empty for no limit");
    seats.map(Some).map_err(|_| message())
}

fn picked(value: String, what: &str) -> Result<String, String> {
    match value.is_empty() {
        true => Err(format!("there is no {what} to pick")),
        false => Ok(value),
    }
}

/// The request a licence form makes; `Err` says what to fix, and nothing is sent.
pub fn submit(form: &Form) -> Result<Effect, String> {
    let change = |request, done: String| Ok(Effect::Change { request, done });
    match &form.kind {
        FormKind::NewLicence => create(form),
        FormKind::Activate { licence } => {
            let project = picked(form.value(0), "project")?;
            let done = format!("activated {licence} for {project}");
            let id = licence.clone();
            let request = admin::LicenceActivate { id, project };
            change(AdminRequest::LicenceActivate(request), done)
        }
        FormKind::Deactivate { licence } => {
            let project = picked(form.value(0), "project")?;
            let done = format!("deactivated {licence} from {project}");
            let id = licence.clone();
            let request = admin::LicenceDeactivate { id, project };
            change(AdminRequest::LicenceDeactivate(request), done)
        }
        FormKind::PreviewFor => Ok(Effect::Preview(picked(form.value(0), "project")?)),
        FormKind::Extend { licence } => extend_request(form, licence),
        FormKind::EditLicence(terms) => {
            let edit = terms_edit(form, terms)?;
            let id = terms.licence.clone();
            let done = format!("changed the terms of {id}");
            change(
                AdminRequest::LicenceEdit(admin::LicenceEdit { id, terms: edit }),
                done,
            )
        }
        FormKind::Move { licence } => {
            let from = picked(form.value(0), "project it is active on")?;
            let to = picked(form.value(1), "project to move it to")?;
            let done = format!("moved {licence} from {from} to {to}");
            let id = licence.clone();
            change(
                AdminRequest::LicenceMove(admin::LicenceMove { id, from, to }),
                done,
            )
        }
        other => Err(format!("not a licence form: {other:?}")),
    }
}

fn create(form: &Form) -> Result<Effect, String> {
    let customer = picked(form.value(0), "customer (create one first)")?;
    let request = admin::LicenceCreate {
        customer: Some(customer.clone()),
        packages: words(form.value(1)),
        access_until: optional(form.value(2)),
        versions: optional(form.value(3)),
        seats: seats(form.value(4))?,
        ..Default::default()
    };
    Ok(Effect::Change {
        request: AdminRequest::LicenceCreate(request),
        done: format!("created a licence for {customer}"),
    })
}

/// A period (`12m`) runs on from the current end; anything else is taken for a date.
fn extend_request(form: &Form, licence: &str) -> Result<Effect, String> {
    let text = picked(form.value(0), "date or period: type one, e.g. 12m")?;
    let id = licence.to_string();
    let request = match Period::parse(&text) {
        Ok(_) => admin::LicenceExtend {
            id,
            access_until: None,
            by: Some(text),
        },
        Err(_) => admin::LicenceExtend {
            id,
            access_until: Some(text),
            by: None,
        },
    };
    Ok(Effect::Change {
        request: AdminRequest::LicenceExtend(request),
        done: format!("extended {licence}"),
    })
}

/// Only what differs from the terms the form opened with, so an untouched field changes nothing.
fn terms_edit(form: &Form, terms: &Terms) -> Result<TermsEdit, String> {
    let versions = form.value(2);
    let (versions, any_version) = match (versions.is_empty(), terms.versions.as_deref()) {
        (true, old) => (None, old.is_some()),
        (false, Some(old)) if old == versions => (None, false),
        (false, _) => (Some(versions), false),
    };
    let (seats, unlimited_seats) = match (seats(form.value(3))?, terms.seats) {
        (new, old) if new == old => (None, false),
        (None, Some(_)) => (None, true),
        (new, _) => (new, false),
    };
    let dependencies = form.value(4) == "yes";
    let note = form.value(5);
    let edit = TermsEdit {
        add_packages: words(form.value(0)),
        remove_packages: form.marked(1),
        versions,
        any_version,
        seats,
        unlimited_seats,
        dependencies: (dependencies != terms.dependencies).then_some(dependencies),
        note: (note != terms.note.clone().unwrap_or_default()).then_some(note),
    };
    match edit == TermsEdit::default() {
        true => Err("nothing changed: edit a field first, or Esc to leave".into()),
        false => Ok(edit),
    }
}
