//! Actions that cannot apply to the row under the cursor (activating a revoked licence, rotating
//! a revoked token): refused on the status line, saying why and what to do instead, before any
//! dialog opens, so the operator does not fill in a form the server would turn down.

use super::input::Action;
use super::model::{Model, Tab};
use crate::service::summaries::LicenceSummary;

/// Why `action` does not apply to the selected row, and what to do instead; `None` when it does.
pub fn refusal(model: &Model, action: Action) -> Option<String> {
    match model.current() {
        Tab::Tokens => token(model, action),
        Tab::Licences => {
            let licence = model.selected_licence()?;
            match licence.revoked {
                true => revoked_licence(licence, action),
                false => licence_row(licence, action),
            }
        }
        _ => None,
    }
}

fn token(model: &Model, action: Action) -> Option<String> {
    let token = model.selected_token()?;
    token.revoked_at?;
    let key = &token.public_key;
    match action {
        Action::Revoke => Some(format!("token {key} is already revoked")),
        Action::Rotate => Some(format!(
            "token {key} is revoked and cannot be rotated: press n to issue a new token for {}",
            token.project
        )),
        _ => None,
    }
}

fn revoked_licence(licence: &LicenceSummary, action: Action) -> Option<String> {
    let id = &licence.id;
    let what = match action {
        Action::Revoke => return Some(format!("licence {id} is already revoked")),
        Action::Deactivate => {
            return Some(format!(
                "licence {id} is revoked: it grants nothing, so there is nothing to deactivate"
            ));
        }
        Action::Activate => "activated again",
        Action::Extend => "extended",
        Action::Rename => "edited",
        Action::Move => "moved",
        _ => return None,
    };
    Some(format!(
        "licence {id} is revoked and cannot be {what}: press n to create a new licence for {}",
        licence.customer
    ))
}

fn licence_row(licence: &LicenceSummary, action: Action) -> Option<String> {
    let id = &licence.id;
    let inactive = licence.projects.is_empty();
    match action {
        Action::Deactivate if inactive => Some(format!(
            "licence {id} is not active on any project: there is nothing to deactivate"
        )),
        Action::Move if inactive => Some(format!(
            "licence {id} is not active on any project, so there is nothing to move: press a to \
             activate it"
        )),
        Action::Extend if licence.access_until.is_none() => Some(format!(
            "licence {id} is perpetual: it has no access window to extend. To sell a \
             subscription instead, press n for a licence with an end date and x to revoke this one"
        )),
        _ => None,
    }
}
