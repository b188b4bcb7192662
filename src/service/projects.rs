//! Creating, listing, renaming and deleting projects. A project's slug is what tokens, activations and download
//! history refer to, so it never changes; renaming changes the display name.

use super::changes::ChangeEvent;
use super::customers;
use super::summaries::ProjectDeletion;
use super::{App, Result, ServiceError};
use crate::domain::audit::AuditRecord;
use crate::domain::licence::Licence;
use crate::domain::names::ProjectSlug;
use crate::domain::records::{Project, Token};
use crate::domain::text::{check_field, counted};

fn parse(slug: &str) -> Result<ProjectSlug> {
    ProjectSlug::parse(slug).map_err(|e| ServiceError::Invalid(e.to_string()))
}

pub(super) fn missing(slug: &ProjectSlug) -> ServiceError {
    ServiceError::NotFound(format!(
        "no project {slug:?} (see `packagento project list`)"
    ))
}

pub fn create_project(app: &App, slug: &str, name: Option<String>) -> Result<Project> {
    create_for_customer(app, slug, name, None)
}

/// A project of `customer`, which must exist; without one, the project joins the customer of
/// the first licence activated on it.
pub fn create_for_customer(
    app: &App,
    slug: &str,
    name: Option<String>,
    customer: Option<&str>,
) -> Result<Project> {
    let slug = parse(slug)?;
    if let Some(name) = &name {
        check_field("project name", name).map_err(ServiceError::Invalid)?;
    }
    let customer = customer.map(customers::parse).transpose()?;
    let project = app.change(|w| {
        if w.project(&slug)?.is_some() {
            return Err(ServiceError::Conflict(format!(
                "project {slug:?} already exists"
            )));
        }
        if let Some(customer) = &customer {
            w.customer(customer)?
                .ok_or_else(|| customers::missing(customer))?;
        }
        let project = Project {
            name: name.unwrap_or_else(|| slug.to_string()),
            slug,
            created_at: crate::domain::time::now(),
            customer,
        };
        w.put_project(&project)?;
        let owner = match &project.customer {
            Some(customer) => format!(", customer {customer}"),
            None => String::new(),
        };
        w.audit(AuditRecord::new(
            "project.create",
            project.slug.as_str(),
            format!("created, name {:?}{owner}", project.name),
        ));
        Ok(project)
    })?;
    app.changes.announce(ChangeEvent::ProjectCreated {
        project: project.clone(),
    });
    Ok(project)
}

pub fn list_projects(app: &App) -> Result<Vec<Project>> {
    Ok(app.store().read(|r| r.projects())?)
}

/// The projects of `customer` (which must exist), or every project.
pub fn list_for_customer(app: &App, customer: Option<&str>) -> Result<Vec<Project>> {
    let Some(customer) = customer else {
        return list_projects(app);
    };
    let customer = customers::parse(customer)?;
    let (found, projects) = app
        .store()
        .read(|r| Ok((r.customer(&customer)?, r.projects()?)))?;
    found.ok_or_else(|| customers::missing(&customer))?;
    Ok(projects
        .into_iter()
        .filter(|p| p.customer.as_ref() == Some(&customer))
        .collect())
}

pub fn rename_project(app: &App, slug: &str, name: &str) -> Result<Project> {
    let slug = parse(slug)?;
    let name = name.trim();
    if name.is_empty() {
        return Err(ServiceError::Invalid(
            "a project name cannot be empty".into(),
        ));
    }
    check_field("project name", name).map_err(ServiceError::Invalid)?;
    let project = app.change(|w| {
        let mut project = w.project(&slug)?.ok_or_else(|| missing(&slug))?;
        if project.name != name {
            w.audit(AuditRecord::new(
                "project.rename",
                slug.as_str(),
                format!("name {:?} → {name:?}", project.name),
            ));
        }
        project.name = name.to_string();
        w.put_project(&project)?;
        Ok(project)
    })?;
    app.changes.announce(ChangeEvent::ProjectRenamed {
        project: project.clone(),
    });
    Ok(project)
}

/// With `dry_run`, reports what would go without changing anything, for a confirmation prompt.
pub fn delete_project(app: &App, slug: &str, dry_run: bool) -> Result<ProjectDeletion> {
    let slug = parse(slug)?;
    if dry_run {
        let (exists, tokens, licences) = app
            .store()
            .read(|r| Ok((r.project(&slug)?.is_some(), r.tokens()?, r.licences()?)))?;
        if !exists {
            return Err(missing(&slug));
        }
        let (tokens, licences) = affected(&slug, tokens, licences);
        return Ok(deletion(&slug, &tokens, &licences, false));
    }
    let deletion = app.change(|w| {
        w.project(&slug)?.ok_or_else(|| missing(&slug))?;
        let (tokens, mut licences) = affected(&slug, w.tokens()?, w.licences()?);
        for token in &tokens {
            w.delete_token(&token.public_key)?;
        }
        for licence in &mut licences {
            licence.projects.remove(&slug);
            w.put_licence(licence)?;
        }
        w.delete_project(&slug)?;
        let deletion = deletion(&slug, &tokens, &licences, true);
        w.audit(AuditRecord::new(
            "project.delete",
            slug.as_str(),
            format!(
                "deleted with {}{}, deactivated {}{}",
                counted(tokens.len(), "token"),
                listed(&deletion.tokens_removed),
                counted(licences.len(), "licence"),
                listed(&deletion.licences_deactivated),
            ),
        ));
        Ok(deletion)
    })?;
    for key in &deletion.tokens_removed {
        app.auth.forget(key);
    }
    app.changes.announce(ChangeEvent::ProjectDeleted {
        deletion: deletion.clone(),
    });
    Ok(deletion)
}

/// ` (a, b)` after a count, or nothing when there is nothing to name.
fn listed(items: &[String]) -> String {
    if items.is_empty() {
        String::new()
    } else {
        format!(" ({})", items.join(", "))
    }
}

fn affected(
    slug: &ProjectSlug,
    tokens: Vec<Token>,
    licences: Vec<Licence>,
) -> (Vec<Token>, Vec<Licence>) {
    (
        tokens.into_iter().filter(|t| &t.project == slug).collect(),
        licences
            .into_iter()
            .filter(|l| l.projects.contains(slug))
            .collect(),
    )
}

fn deletion(
    slug: &ProjectSlug,
    tokens: &[Token],
    licences: &[Licence],
    deleted: bool,
) -> ProjectDeletion {
    ProjectDeletion {
        slug: slug.to_string(),
        tokens_removed: tokens.iter().map(|t| t.public_key.to_string()).collect(),
        licences_deactivated: licences.iter().map(|l| l.id.clone()).collect(),
        deleted,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::service::licences;
    use crate::service::{App, Settings};
    use std::sync::Arc;

    fn app(dir: &tempfile::TempDir) -> Arc<App> {
        App::open(Settings::for_tests(dir.path().to_path_buf())).unwrap()
    }

    #[test]
    fn deleting_a_project_removes_its_tokens_and_activations_but_not_the_licence() {
        let dir = tempfile::tempdir().unwrap();
        let app = app(&dir);
        let slug = "shop".to_string();
        create_project(&app, &slug, None).unwrap();
        let token = crate::service::tokens::create(&app, &slug, None).unwrap();
        let terms = licences::LicenceTerms {
            holder: Some("Shop Ltd".into()),
            packages: vec!["acme/*".into()],
            ..Default::default()
        };
        let licence = licences::create(&app, terms).unwrap();
        licences::set_activation(&app, &licence.id, &slug, true).unwrap();

        let plan = delete_project(&app, "shop", true).unwrap();
        assert_eq!(plan.tokens_removed, [token.public_key]);
        assert_eq!(plan.licences_deactivated, std::slice::from_ref(&licence.id));
        assert!(!plan.deleted);
        assert_eq!(list_projects(&app).unwrap().len(), 1);

        assert!(delete_project(&app, "shop", false).unwrap().deleted);
        assert!(list_projects(&app).unwrap().is_empty());
        assert!(crate::service::tokens::list(&app, None).unwrap().is_empty());
        assert!(licences::list(&app).unwrap()[0].projects.is_empty());
        assert!(app.catalog().tokens.is_empty());
    }

    #[test]
    fn renaming_keeps_the_slug_and_refuses_an_empty_name() {
        let dir = tempfile::tempdir().unwrap();
        let app = app(&dir);
        create_project(&app, "shop", None).unwrap();
        let renamed = rename_project(&app, "shop", "  Shop Production ").unwrap();
        assert_eq!(
            (renamed.slug.as_str(), renamed.name.as_str()),
            ("shop", "Shop Production")
        );
        assert!(rename_project(&app, "shop", " ").is_err());
        assert!(rename_project(&app, "nope", "x").is_err());
    }
}
