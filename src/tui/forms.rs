//! Opening forms and questions for an action, and turning their answers into requests.

use super::dialog::{COPY_ROW, Choice, Confirm, Dialog, Field, Form, FormKind};
use super::input::Action;
use super::message::Effect;
use super::model::set_status;
use super::model::{Model, Tab};
use super::{customer_forms, licence_forms, publishing};
use crate::service::admin::{self, AdminRequest};
use crate::service::summaries::ProjectDeletion;
use crate::service::tokens::CreatedToken;

/// The form or question an action opens on the current screen, or the request it makes at once.
pub fn open(model: &mut Model, action: Action) -> Vec<Effect> {
    if let Some(why) = super::refusals::refusal(model, action) {
        set_status(model, why, true);
        return vec![];
    }
    let tab = model.current();
    let dialog = match (tab, action) {
        (Tab::Customers, _) => {
            let (dialog, effects) = customer_forms::open(model, action);
            if dialog.is_some() {
                model.dialog = dialog;
            }
            return effects;
        }
        (Tab::Projects, Action::New) => Some(new_project(model)),
        (Tab::Projects, Action::Rename) => model.selected_project().map(|p| {
            let kind = FormKind::RenameProject {
                slug: p.slug.to_string(),
            };
            let field = Field::new("Name", "shown in lists; the slug stays", &p.name);
            form(kind, format!("Rename project {}", p.slug), vec![field])
        }),
        (Tab::Projects, Action::Delete) => {
            let slug = model.selected_project().map(|p| p.slug.to_string());
            return slug.map(Effect::PlanDelete).into_iter().collect();
        }
        (Tab::Projects, Action::Preview) => {
            let slug = model.selected_project().map(|p| p.slug.to_string());
            return slug.map(Effect::Preview).into_iter().collect();
        }
        (Tab::Tokens, Action::New) => Some(new_token(model)),
        (Tab::Tokens, Action::Revoke) => model.selected_token().map(|t| {
            Dialog::Confirm(Confirm {
                title: "Revoke token".into(),
                lines: vec![
                    format!("Revoke token {} of project {}?", t.public_key, t.project),
                    "Composer requests with it fail from the next request on.".into(),
                    "This cannot be undone; issue a new token instead.".into(),
                ],
                request: AdminRequest::TokenRevoke(admin::TokenRevoke {
                    public_key: t.public_key.clone(),
                }),
                done: format!("revoked token {}", t.public_key),
            })
        }),
        (Tab::Tokens, Action::Rotate) => model.selected_token().map(|t| {
            let kind = FormKind::RotateToken {
                public_key: t.public_key.clone(),
            };
            let hint = "a new key pair; the old one keeps working this long: 30m, 12h, 7d \
                        (empty: it stops at once)";
            let title = format!("Rotate token {}", t.public_key);
            form(kind, title, vec![Field::new("Overlap", hint, "")])
        }),
        (Tab::Licences, _) => licence_forms::dialog(model, action),
        (Tab::Publishers, _) => publishing::dialog(model, action),
        (Tab::Packages, Action::Revoke | Action::Deactivate | Action::Delete) => {
            version_dialog(model, action)
        }
        (Tab::Packages, Action::New) => Some(form(
            FormKind::Publish,
            "Publish a release",
            vec![Field::new(
                "Path",
                "a .zip, or a folder of .zip files (each published in turn)",
                "",
            )],
        )),
        _ => None,
    };
    if dialog.is_some() {
        model.dialog = dialog;
    }
    vec![]
}

/// Yank (`x`), unyank (`u`) or remove (`d`) the version under the versions pane's cursor: the
/// question names it, so nothing needs typing and nothing is acted on unseen.
fn version_dialog(model: &mut Model, action: Action) -> Option<Dialog> {
    let package = model.selected_package()?.name.clone();
    let version = model.selected_version()?;
    let (name, yanked) = (version.version.clone(), version.yanked);
    let dialog = match (action, yanked) {
        (Action::Revoke, true) | (Action::Deactivate, false) => {
            let state = if yanked {
                "already yanked"
            } else {
                "not yanked"
            };
            set_status(model, format!("{package} {name} is {state}"), true);
            return None;
        }
        (Action::Revoke, false) => form(
            FormKind::Yank {
                package: package.clone(),
                version: name.clone(),
            },
            format!("Yank {package} {name}"),
            vec![Field::new(
                "Reason",
                "optional, shown in package show. Enter yanks it: hidden from new \
                 resolutions, lock files that pin it still install it",
                "",
            )],
        ),
        (Action::Deactivate, _) => Dialog::Confirm(Confirm {
            title: "Restore version".into(),
            lines: vec![
                format!("Restore {package} {name}?"),
                "It is listed in the metadata again: new resolutions may pick it.".into(),
            ],
            request: AdminRequest::PackageUnyank(admin::PackageUnyank {
                name: package.clone(),
                version: name.clone(),
            }),
            done: format!("restored {package} {name}"),
        }),
        _ => remove_version(&package, &name),
    };
    Some(dialog)
}

/// Removal cannot be undone and breaks installs pinned to the version: the question says so.
fn remove_version(package: &str, version: &str) -> Dialog {
    Dialog::Confirm(Confirm {
        title: "Remove version".into(),
        lines: vec![
            format!("Remove {package} {version} for good?"),
            "Its archive is deleted, unless another version has the same bytes.".into(),
            format!(
                "Lock files that pin {package} {version} will fail to install once it is gone."
            ),
            "To hide it from new resolutions only and keep it installable, yank it (x).".into(),
        ],
        request: AdminRequest::PackageRemove(admin::PackageRemove {
            dry_run: false,
            name: package.to_string(),
            version: version.to_string(),
        }),
        done: format!("removed {package} {version}"),
    })
}

fn form(kind: FormKind, title: impl Into<String>, fields: Vec<Field>) -> Dialog {
    Dialog::Form(Form::new(kind, title, fields))
}

fn new_project(model: &Model) -> Dialog {
    let mut customers = vec![Choice::new(
        "",
        "none yet (joins its first licence's customer)",
    )];
    let slugs = model
        .data
        .customers
        .iter()
        .map(|c| c.customer.slug.as_str());
    customers.extend(slugs.map(|slug| Choice::new(slug, slug)));
    let mut customer = Field::pick("Customer", "whose environment it is (←/→)", customers);
    if let (Some(choices), Some(selected)) = (&mut customer.choices, model.selected_customer()) {
        choices.select(selected.customer.slug.as_str());
    }
    form(
        FormKind::NewProject,
        "New project",
        vec![
            Field::new("Slug", "lowercase, digits and - (e.g. acme-production)", ""),
            Field::new("Name", "optional display name", ""),
            customer,
        ],
    )
}

/// The project is picked from those that exist, the one in view first.
fn new_token(model: &Model) -> Dialog {
    let projects = model.data.projects.iter().map(|p| {
        let label = match p.name.is_empty() || p.name == p.slug.as_str() {
            true => p.slug.to_string(),
            false => format!("{} ({})", p.slug, p.name),
        };
        Choice::new(p.slug.as_str(), label)
    });
    let hint = match model.data.projects.is_empty() {
        true => "none yet: create one on the Projects screen (3) first",
        false => "the project whose licences it sees (←/→, type to filter)",
    };
    let mut project = Field::pick("Project", hint, projects.collect());
    if let Some(choices) = &mut project.choices {
        choices.select(&project_in_view(model));
    }
    form(
        FormKind::NewToken,
        "New token",
        vec![
            project,
            Field::new("Label", "optional, e.g. ci or laptop", ""),
        ],
    )
}

/// The project the operator is looking at: the Tokens filter when it names one, else the
/// selected token's or project's.
fn project_in_view(model: &Model) -> String {
    let filter = model.filter_text(Tab::Tokens);
    if model
        .data
        .projects
        .iter()
        .any(|p| p.slug.as_str() == filter)
    {
        return filter;
    }
    model
        .selected_token()
        .map(|t| t.project.clone())
        .or_else(|| model.selected_project().map(|p| p.slug.to_string()))
        .unwrap_or_default()
}

pub fn confirm_delete(plan: ProjectDeletion) -> Dialog {
    let slug = plan.slug.clone();
    let mut lines = vec![format!("Delete project {slug}?")];
    lines.push(match plan.tokens_removed.len() {
        0 => "It has no tokens.".to_string(),
        n => format!("{n} token(s) are removed; their requests fail at once:"),
    });
    lines.extend(plan.tokens_removed.iter().map(|key| format!("  {key}")));
    lines.push(match plan.licences_deactivated.len() {
        0 => "No licence is activated on it.".to_string(),
        n => format!(
            "{n} licence(s) are deactivated for it (the licences stay): {}",
            plan.licences_deactivated.join(", ")
        ),
    });
    lines.push("Its download history is kept.".into());
    Dialog::Confirm(Confirm {
        title: "Delete project".into(),
        lines,
        request: AdminRequest::ProjectDelete(admin::ProjectDelete {
            slug: slug.clone(),
            dry_run: false,
        }),
        done: format!("deleted project {slug}"),
    })
}

pub fn confirmed(model: &mut Model) -> Vec<Effect> {
    match model.dialog.take() {
        Some(Dialog::Confirm(confirm)) => vec![Effect::Change {
            request: confirm.request,
            done: confirm.done,
        }],
        other => {
            model.dialog = other;
            vec![]
        }
    }
}

/// Enter, Tab and Shift-Tab inside a form or the new-token card.
pub fn field_key(model: &mut Model, action: Action) -> Vec<Effect> {
    match &mut model.dialog {
        Some(Dialog::Form(form)) => match action {
            Action::NextField => form.focus = (form.focus + 1) % form.fields.len(),
            Action::PrevField => {
                form.focus = (form.focus + form.fields.len() - 1) % form.fields.len()
            }
            _ if form.waiting => {}
            _ => match submit(form) {
                Ok(effect) => {
                    form.waiting = true;
                    form.error = None;
                    return vec![effect];
                }
                Err(error) => form.error = Some(error),
            },
        },
        Some(Dialog::TokenCreated(card)) => match action {
            // Copy keys, host, path, in the order they are drawn.
            Action::NextField => card.focus = [1, COPY_ROW, 0][card.focus % 3],
            Action::PrevField => card.focus = [COPY_ROW, 0, 1][card.focus % 3],
            _ if card.path.is_empty() => {
                card.focus = 1;
                card.outcome = Some(Err("type a path for auth.json first".into()));
            }
            _ => {
                return vec![Effect::WriteAuthJson {
                    path: card.path.text().trim().to_string(),
                    host: card.host.text().trim().to_string(),
                    token: copy_token(&card.token),
                }];
            }
        },
        _ => {}
    }
    vec![]
}

fn copy_token(token: &CreatedToken) -> CreatedToken {
    CreatedToken {
        public_key: token.public_key.clone(),
        private_key: token.private_key.clone(),
        project: token.project.clone(),
        label: token.label.clone(),
        created_at: token.created_at,
    }
}

fn optional(text: String) -> Option<String> {
    (!text.is_empty()).then_some(text)
}

fn submit(form: &super::dialog::Form) -> Result<Effect, String> {
    let change = |request, done: String| Effect::Change { request, done };
    Ok(match &form.kind {
        FormKind::NewCustomer | FormKind::RenameCustomer { .. } => {
            return customer_forms::submit(form);
        }
        FormKind::NewLicence
        | FormKind::Activate { .. }
        | FormKind::Deactivate { .. }
        | FormKind::PreviewFor
        | FormKind::Extend { .. }
        | FormKind::EditLicence(_)
        | FormKind::Move { .. } => return licence_forms::submit(form),
        FormKind::NewProject => change(
            AdminRequest::ProjectCreate(admin::ProjectCreate {
                slug: form.value(0),
                name: optional(form.value(1)),
                customer: optional(form.value(2)),
            }),
            format!("created project {}", form.value(0)),
        ),
        FormKind::RenameProject { slug } => change(
            AdminRequest::ProjectRename(admin::ProjectRename {
                slug: slug.clone(),
                name: form.value(0),
            }),
            format!("renamed project {slug}"),
        ),
        FormKind::NewToken => Effect::CreateToken {
            project: Some(form.value(0))
                .filter(|p| !p.is_empty())
                .ok_or("there is no project to pick: create one first")?,
            label: optional(form.value(1)),
        },
        FormKind::RotateToken { public_key } => Effect::RotateToken {
            public_key: public_key.clone(),
            overlap: optional(form.value(0)),
        },
        FormKind::Yank { package, version } => change(
            AdminRequest::PackageYank(admin::PackageYank {
                name: package.clone(),
                version: version.clone(),
                reason: optional(form.value(0)),
            }),
            format!("yanked {package} {version}"),
        ),
        FormKind::Publish => Effect::Publish(form.value(0)),
        FormKind::NewPublisher => publishing::submit(form),
    })
}
