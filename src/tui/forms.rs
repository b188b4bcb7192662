//! Opening forms and questions for an action, and turning their answers into requests.

use super::dialog::{Confirm, Dialog, Field, Form, FormKind};
use super::input::Action;
use super::message::Effect;
use super::model::{Model, Tab};
use crate::service::admin::{self, AdminRequest};
use crate::service::summaries::ProjectDeletion;
use crate::service::tokens::CreatedToken;

/// The form or question an action opens on the current screen, or the request it makes at once.
pub fn open(model: &mut Model, action: Action) -> Vec<Effect> {
    let tab = model.current();
    let dialog = match (tab, action) {
        (Tab::Projects, Action::New) => Some(new_project()),
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
        (Tab::Tokens, Action::New) => Some(new_token(&project_in_view(model))),
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
        (Tab::Licences, Action::New) => Some(new_licence()),
        (Tab::Licences, _) => licence_dialog(model, action),
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

/// Yank (`x`), unyank (`u`) or remove (`d`) a version of the selected package.
fn version_dialog(model: &Model, action: Action) -> Option<Dialog> {
    let package = model.selected_package()?.name.clone();
    let latest = model.selected_package()?.latest.clone().unwrap_or_default();
    let (kind, title, fields) = match action {
        Action::Revoke => (
            FormKind::Yank {
                package: package.clone(),
            },
            format!("Yank a version of {package}"),
            vec![
                Field::new(
                    "Version",
                    "hidden from new resolutions; lock files still install it",
                    &latest,
                ),
                Field::new("Reason", "optional, shown in package show", ""),
            ],
        ),
        Action::Deactivate => (
            FormKind::Unyank {
                package: package.clone(),
            },
            format!("Restore a yanked version of {package}"),
            vec![Field::new("Version", "listed in metadata again", "")],
        ),
        _ => (
            FormKind::RemoveVersion {
                package: package.clone(),
            },
            format!("Remove a version of {package}"),
            vec![Field::new(
                "Version",
                "type it to confirm: deleted for good, lock files pinning it will fail",
                "",
            )],
        ),
    };
    Some(form(kind, title, fields))
}

fn form(kind: FormKind, title: impl Into<String>, fields: Vec<Field>) -> Dialog {
    Dialog::Form(Form::new(kind, title, fields))
}

fn new_project() -> Dialog {
    form(
        FormKind::NewProject,
        "New project",
        vec![
            Field::new("Slug", "lowercase, digits and - (e.g. acme-production)", ""),
            Field::new("Name", "optional display name", ""),
        ],
    )
}

fn new_token(project: &str) -> Dialog {
    form(
        FormKind::NewToken,
        "New token",
        vec![
            Field::new("Project", "the project whose licences it sees", project),
            Field::new("Label", "optional, e.g. ci or laptop", ""),
        ],
    )
}

fn new_licence() -> Dialog {
    form(
        FormKind::NewLicence,
        "New licence",
        vec![
            Field::new("Holder", "who bought it", ""),
            Field::new("Packages", "names or patterns, e.g. acme/* acme/extra", ""),
            Field::new("Access until", "YYYY-MM-DD; empty for perpetual", ""),
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

fn licence_dialog(model: &Model, action: Action) -> Option<Dialog> {
    let licence = model.selected_licence()?;
    let id = licence.id.clone();
    let first_project = licence.projects.first().cloned().unwrap_or_default();
    let project = |hint| vec![Field::new("Project", hint, &first_project)];
    Some(match action {
        Action::Activate => form(
            FormKind::Activate {
                licence: id.clone(),
            },
            format!("Activate {id} for a project"),
            vec![Field::new(
                "Project",
                "its tokens will see what this grants",
                "",
            )],
        ),
        Action::Deactivate => form(
            FormKind::Deactivate {
                licence: id.clone(),
            },
            format!("Deactivate {id} from a project"),
            project("its tokens stop seeing what this grants"),
        ),
        Action::Preview => form(
            FormKind::PreviewFor,
            "Preview what a project sees",
            project("package by package, visible and hidden versions"),
        ),
        Action::Revoke => Dialog::Confirm(Confirm {
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
        }),
        _ => return None,
    })
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
            _ => {
                form.waiting = true;
                form.error = None;
                return vec![submit(form)];
            }
        },
        Some(Dialog::TokenCreated(card)) => match action {
            Action::NextField | Action::PrevField => card.focus = 1 - card.focus,
            _ if card.path.is_empty() => {
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

fn submit(form: &super::dialog::Form) -> Effect {
    let change = |request, done: String| Effect::Change { request, done };
    match &form.kind {
        FormKind::NewProject => change(
            AdminRequest::ProjectCreate(admin::ProjectCreate {
                slug: form.value(0),
                name: optional(form.value(1)),
                customer: None,
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
            project: form.value(0),
            label: optional(form.value(1)),
        },
        FormKind::NewLicence => change(
            AdminRequest::LicenceCreate(admin::LicenceCreate {
                holder: Some(form.value(0)),
                packages: form
                    .value(1)
                    .split([' ', ','])
                    .filter(|p| !p.is_empty())
                    .map(str::to_string)
                    .collect(),
                access_until: optional(form.value(2)),
                ..Default::default()
            }),
            format!("created a licence for {}", form.value(0)),
        ),
        FormKind::Activate { licence } => change(
            AdminRequest::LicenceActivate(admin::LicenceActivate {
                id: licence.clone(),
                project: form.value(0),
            }),
            format!("activated {licence} for {}", form.value(0)),
        ),
        FormKind::Deactivate { licence } => change(
            AdminRequest::LicenceDeactivate(admin::LicenceDeactivate {
                id: licence.clone(),
                project: form.value(0),
            }),
            format!("deactivated {licence} from {}", form.value(0)),
        ),
        FormKind::PreviewFor => Effect::Preview(form.value(0)),
        FormKind::Yank { package } => change(
            AdminRequest::PackageYank(admin::PackageYank {
                name: package.clone(),
                version: form.value(0),
                reason: optional(form.value(1)),
            }),
            format!("yanked {package} {}", form.value(0)),
        ),
        FormKind::Unyank { package } => change(
            AdminRequest::PackageUnyank(admin::PackageUnyank {
                name: package.clone(),
                version: form.value(0),
            }),
            format!("restored {package} {}", form.value(0)),
        ),
        FormKind::RemoveVersion { package } => change(
            AdminRequest::PackageRemove(admin::PackageRemove {
                name: package.clone(),
                version: form.value(0),
            }),
            format!("removed {package} {}", form.value(0)),
        ),
        FormKind::Publish => Effect::Publish(form.value(0)),
    }
}
