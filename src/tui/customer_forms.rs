//! The Customers screen's dialogs: create, rename, and delete with everything that goes with it.

use super::dialog::{Confirm, Dialog, Field, Form, FormKind};
use super::input::Action;
use super::message::Effect;
use super::model::Model;
use crate::service::admin::{self, AdminRequest};
use crate::service::customers::CustomerDeletion;

fn form(kind: FormKind, title: impl Into<String>, fields: Vec<Field>) -> Dialog {
    Dialog::Form(Form::new(kind, title, fields))
}

/// The form a key opens on the Customers screen; deleting first asks the server what goes.
pub fn open(model: &Model, action: Action) -> (Option<Dialog>, Vec<Effect>) {
    let selected = model.selected_customer().map(|c| &c.customer);
    let dialog = match (action, selected) {
        (Action::New, _) => Some(form(
            FormKind::NewCustomer,
            "New customer",
            vec![
                Field::new("Slug", "lowercase, digits and - (e.g. acme-ltd)", ""),
                Field::new("Name", "optional; the slug when empty", ""),
                Field::new("Email", "optional, whom to contact", ""),
            ],
        )),
        (Action::Rename, Some(customer)) => Some(form(
            FormKind::RenameCustomer {
                slug: customer.slug.to_string(),
            },
            format!("Rename customer {}", customer.slug),
            vec![Field::new(
                "Name",
                "shown in lists and on licences; the slug stays",
                &customer.name,
            )],
        )),
        (Action::Delete, Some(customer)) => {
            let slug = customer.slug.to_string();
            return (None, vec![Effect::PlanDeleteCustomer(slug)]);
        }
        _ => None,
    };
    (dialog, vec![])
}

fn listed(what: &str, items: &[String]) -> Vec<String> {
    match items {
        [] => vec![],
        items => vec![format!("{} {what}: {}", items.len(), items.join(", "))],
    }
}

/// The question before a customer is deleted, from the server's dry run.
pub fn confirm_delete(plan: CustomerDeletion) -> Dialog {
    let slug = plan.slug.clone();
    let mut lines = vec![format!(
        "Delete customer {slug} and everything that is theirs?"
    )];
    lines.extend(listed("project(s) deleted", &plan.projects_deleted));
    lines.extend(listed(
        "token(s) removed, refused from the next request on",
        &plan.tokens_removed,
    ));
    lines.extend(listed("licence(s) deleted", &plan.licences_deleted));
    lines.extend(listed(
        "other licence(s) lose an activation",
        &plan.licences_deactivated,
    ));
    if lines.len() == 1 {
        lines.push("Nothing else hangs off it.".into());
    }
    lines.push("Download history is kept. This cannot be undone.".into());
    Dialog::Confirm(Confirm {
        title: "Delete customer".into(),
        lines,
        request: AdminRequest::CustomerDelete(admin::CustomerDelete {
            slug: slug.clone(),
            dry_run: false,
        }),
        done: format!("deleted customer {slug}"),
    })
}

pub fn submit(form: &Form) -> Result<Effect, String> {
    let change = |request, done: String| Ok(Effect::Change { request, done });
    let optional = |index| Some(form.value(index)).filter(|v| !v.is_empty());
    match &form.kind {
        FormKind::NewCustomer => change(
            AdminRequest::CustomerCreate(admin::CustomerCreate {
                slug: form.value(0),
                name: optional(1),
                email: optional(2),
            }),
            format!("created customer {}", form.value(0)),
        ),
        FormKind::RenameCustomer { slug } => change(
            AdminRequest::CustomerRename(admin::CustomerRename {
                slug: slug.clone(),
                name: form.value(0),
            }),
            format!("renamed customer {slug}"),
        ),
        other => Err(format!("not a customer form: {other:?}")),
    }
}
