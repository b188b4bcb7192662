//! `customer delete`: a customer with its projects, their tokens and its licences, in one
//! transaction; or, as a dry run, what that would take.

use super::{missing, parse};
use crate::domain::audit::AuditRecord;
use crate::domain::licence::Licence;
use crate::domain::names::{CustomerSlug, ProjectSlug};
use crate::domain::records::{Project, Token};
use crate::service::changes::ChangeEvent;
pub use crate::service::summaries::CustomerDeletion;
use crate::service::{App, Result};

/// With `dry_run`, reports what would go without changing anything, for a confirmation prompt.
/// Otherwise deletes the customer, its projects with their tokens, and its licences, in one
/// transaction.
pub fn delete(app: &App, slug: &str, dry_run: bool) -> Result<CustomerDeletion> {
    let slug = parse(slug)?;
    if dry_run {
        let (found, projects, tokens, licences) = app.store().read(|r| {
            Ok((
                r.customer(&slug)?,
                r.projects()?,
                r.tokens()?,
                r.licences()?,
            ))
        })?;
        found.ok_or_else(|| missing(&slug))?;
        let doomed = Doomed::find(&slug, projects, tokens, licences);
        return Ok(doomed.deletion(&slug, false));
    }
    let deletion = app.change(|w| {
        w.customer(&slug)?.ok_or_else(|| missing(&slug))?;
        let mut doomed = Doomed::find(&slug, w.projects()?, w.tokens()?, w.licences()?);
        for token in &doomed.tokens {
            w.delete_token(&token.public_key)?;
        }
        for project in &doomed.projects {
            w.delete_project(&project.slug)?;
        }
        for licence in &doomed.licences {
            w.delete_licence(&licence.id)?;
        }
        for licence in &mut doomed.deactivated {
            licence
                .projects
                .retain(|p| !doomed.projects.iter().any(|d| &d.slug == p));
            w.put_licence(licence)?;
        }
        w.delete_customer(&slug)?;
        let deletion = doomed.deletion(&slug, true);
        w.audit(AuditRecord::new(
            "customer.delete",
            slug.as_str(),
            deleted_with(&deletion),
        ));
        Ok(deletion)
    })?;
    for key in &deletion.tokens_removed {
        app.auth.forget(key);
    }
    app.changes.announce(ChangeEvent::CustomerDeleted {
        deletion: deletion.clone(),
    });
    Ok(deletion)
}

/// What went with the customer, by name (public keys are not secret).
fn deleted_with(deletion: &CustomerDeletion) -> String {
    let list = |what: &str, items: &[String]| match items.len() {
        0 => format!("no {what}s"),
        1 => format!("{what} {}", items[0]),
        n => format!("{n} {what}s ({})", items.join(", ")),
    };
    let mut summary = format!(
        "deleted with {}, {}, {}",
        list("project", &deletion.projects_deleted),
        list("token", &deletion.tokens_removed),
        list("licence", &deletion.licences_deleted),
    );
    if !deletion.licences_deactivated.is_empty() {
        summary.push_str(&format!(
            "; deactivated on {}",
            deletion.licences_deactivated.join(", ")
        ));
    }
    summary
}

/// What a customer's deletion takes: its projects, their tokens, its licences, and the other
/// licences that lose an activation.
struct Doomed {
    projects: Vec<Project>,
    tokens: Vec<Token>,
    licences: Vec<Licence>,
    deactivated: Vec<Licence>,
}

impl Doomed {
    fn find(
        slug: &CustomerSlug,
        projects: Vec<Project>,
        tokens: Vec<Token>,
        licences: Vec<Licence>,
    ) -> Doomed {
        let projects: Vec<Project> = projects
            .into_iter()
            .filter(|p| p.customer.as_ref() == Some(slug))
            .collect();
        let owned = |project: &ProjectSlug| projects.iter().any(|p| &p.slug == project);
        let tokens = tokens.into_iter().filter(|t| owned(&t.project)).collect();
        let (licences, others): (Vec<Licence>, Vec<Licence>) =
            licences.into_iter().partition(|l| &l.customer == slug);
        let deactivated = others
            .into_iter()
            .filter(|l| l.projects.iter().any(owned))
            .collect();
        Doomed {
            projects,
            tokens,
            licences,
            deactivated,
        }
    }

    fn deletion(&self, slug: &CustomerSlug, deleted: bool) -> CustomerDeletion {
        CustomerDeletion {
            slug: slug.to_string(),
            projects_deleted: self.projects.iter().map(|p| p.slug.to_string()).collect(),
            tokens_removed: self
                .tokens
                .iter()
                .map(|t| t.public_key.to_string())
                .collect(),
            licences_deleted: self.licences.iter().map(|l| l.id.clone()).collect(),
            licences_deactivated: self.deactivated.iter().map(|l| l.id.clone()).collect(),
            deleted,
        }
    }
}
