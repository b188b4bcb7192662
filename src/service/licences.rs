//! Licences: creating one, activating it on a customer's projects, revoking it, listing them;
//! renewing, editing and moving them (`edits`), and reports on them (`reports`).

use super::changes::ChangeEvent;
use super::customers;
use super::secrets::random_hex;
use super::summaries::LicenceSummary;
use super::{App, Result, ServiceError, invalid};
use crate::domain::licence::{Licence, PackagePattern, VersionBound};
use crate::domain::names::ProjectSlug;
use crate::domain::records::{Customer, Project};
use crate::domain::text::{check_field, counted};
use crate::domain::time;
use crate::store::Writer;
use serde::{Deserialize, Serialize};

mod audit;
mod edits;
mod reports;

pub use edits::{TermsEdit, edit, extend, move_activation};
pub use reports::{Activation, ExpiringLicence, LicenceDetail, expiring, list_for, show};

/// What a new licence grants, and to whom: a customer by slug, or by name (`holder`, the
/// customer found by that exact name or created).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct LicenceTerms {
    pub customer: Option<String>,
    pub holder: Option<String>,
    pub packages: Vec<String>,
    pub access_until: Option<String>,
    /// A Composer constraint; `None` covers every version.
    pub versions: Option<String>,
    /// `None` is unlimited.
    pub seats: Option<u32>,
    /// Leaves the hosted packages the licensed releases require hidden.
    pub no_dependencies: bool,
    pub note: Option<String>,
}

pub fn create(app: &App, terms: LicenceTerms) -> Result<LicenceSummary> {
    let patterns = parse_patterns(&terms.packages)?;
    let access_until = terms
        .access_until
        .as_deref()
        .map(time::parse_access_until)
        .transpose()
        .map_err(invalid)?;
    let versions = terms
        .versions
        .as_deref()
        .map(VersionBound::parse)
        .transpose();
    let versions = versions.map_err(invalid)?;
    check_seats(terms.seats)?;
    let note = checked_note(terms.note)?;
    let (licence, new_customer) = app.change(|w| {
        let (customer, created) = licence_customer(w, &terms.customer, &terms.holder)?;
        let licence = Licence {
            id: format!("lic_{}", random_hex(6)),
            holder: terms
                .holder
                .clone()
                .unwrap_or_else(|| customer.name.clone()),
            customer: customer.slug.clone(),
            patterns,
            access_until,
            revoked_at: None,
            created_at: time::now(),
            projects: Default::default(),
            versions,
            seats: terms.seats,
            dependencies: !terms.no_dependencies,
            note,
        };
        w.put_licence(&licence)?;
        w.audit(audit::created(&licence));
        Ok((licence, created.then_some(customer)))
    })?;
    if let Some(customer) = new_customer {
        customers::announce_created(app, &customer);
    }
    let summary = LicenceSummary::from(licence);
    app.changes.announce(ChangeEvent::LicenceCreated {
        licence: summary.clone(),
    });
    Ok(summary)
}

fn parse_patterns(packages: &[String]) -> Result<Vec<PackagePattern>> {
    if packages.is_empty() {
        return Err(invalid(
            "a licence needs at least one package name or pattern (--package)",
        ));
    }
    packages
        .iter()
        .map(|p| PackagePattern::parse(p).map_err(invalid))
        .collect()
}

pub(super) fn check_seats(seats: Option<u32>) -> Result<()> {
    if seats == Some(0) {
        return Err(invalid(
            "a licence needs at least one seat (or --unlimited-seats)",
        ));
    }
    Ok(())
}

pub(super) fn checked_note(note: Option<String>) -> Result<Option<String>> {
    let note = note.map(|n| n.trim().to_string()).filter(|n| !n.is_empty());
    if let Some(note) = &note {
        check_field("licence note", note).map_err(ServiceError::Invalid)?;
    }
    Ok(note)
}

/// `--customer` names an existing customer; `--holder` alone names one by its display name and
/// creates it when new, so scripts written before customers existed keep working.
fn licence_customer(
    w: &Writer,
    customer: &Option<String>,
    holder: &Option<String>,
) -> Result<(Customer, bool)> {
    if let Some(holder) = holder {
        check_field("licence holder", holder).map_err(ServiceError::Invalid)?;
    }
    match (customer, holder) {
        (Some(slug), _) => Ok((customers::existing(w, slug)?, false)),
        (None, Some(holder)) if !holder.trim().is_empty() => customers::named_or_created(w, holder),
        _ => Err(invalid(
            "a licence needs a customer: --customer SLUG (see `packagento customer list`) or --holder NAME",
        )),
    }
}

/// Applies `edit` to the stored licence; announces the result only when it really changed.
/// `action` names the change in the audit log.
pub(super) fn change_licence(
    app: &App,
    id: &str,
    action: &str,
    edit: impl FnOnce(&Writer, &mut Licence) -> Result<()>,
) -> Result<LicenceSummary> {
    let (licence, changed) = app.change(|w| {
        let mut licence = w.licence(id)?.ok_or_else(|| {
            ServiceError::NotFound(format!("no licence {id:?} (see `packagento licence list`)"))
        })?;
        let before = licence.clone();
        edit(w, &mut licence)?;
        let changed = licence != before;
        if changed {
            w.put_licence(&licence)?;
            w.audit(audit::changed(action, &before, &licence));
        }
        Ok((licence, changed))
    })?;
    let summary = LicenceSummary::from(licence);
    if changed {
        app.changes.announce(ChangeEvent::LicenceChanged {
            licence: summary.clone(),
        });
    }
    Ok(summary)
}

pub fn set_activation(app: &App, id: &str, project: &str, active: bool) -> Result<LicenceSummary> {
    let project = ProjectSlug::parse(project).map_err(invalid)?;
    let joined = std::cell::RefCell::new(None);
    let action = match active {
        true => "licence.activate",
        false => "licence.deactivate",
    };
    let summary = change_licence(app, id, action, |w, licence| {
        if !active {
            return deactivate(licence, &project);
        }
        *joined.borrow_mut() = activate(w, licence, &project)?;
        Ok(())
    })?;
    announce_joined(app, joined.into_inner());
    Ok(summary)
}

/// Announces a project that joined a customer through an activation, if one did.
pub(super) fn announce_joined(app: &App, joined: Option<Project>) {
    if let Some(project) = joined {
        app.changes
            .announce(ChangeEvent::ProjectJoinedCustomer { project });
    }
}

/// Activates `licence` on `project`; a project of no customer yet joins the licence's customer,
/// and is returned so the caller can announce it.
fn activate(w: &Writer, licence: &mut Licence, project: &ProjectSlug) -> Result<Option<Project>> {
    let mut record = w
        .project(project)?
        .ok_or_else(|| super::projects::missing(project))?;
    if !licence.is_active() {
        return Err(ServiceError::Conflict(format!(
            "licence {} is revoked and cannot be activated",
            licence.id
        )));
    }
    if licence.projects.contains(project) {
        return Ok(None);
    }
    check_same_customer(licence, &record)?;
    check_free_seat(licence)?;
    licence.projects.insert(project.clone());
    if record.customer.is_some() {
        return Ok(None);
    }
    record.customer = Some(licence.customer.clone());
    w.put_project(&record)?;
    w.audit(crate::domain::audit::AuditRecord::new(
        "project.join",
        project.as_str(),
        format!(
            "customer none → {} (licence {})",
            licence.customer, licence.id
        ),
    ));
    Ok(Some(record))
}

fn deactivate(licence: &mut Licence, project: &ProjectSlug) -> Result<()> {
    if !licence.projects.remove(project) {
        return Err(ServiceError::NotFound(format!(
            "licence {} is not activated for project {project}",
            licence.id
        )));
    }
    Ok(())
}

pub(super) fn check_same_customer(licence: &Licence, project: &Project) -> Result<()> {
    match &project.customer {
        Some(owner) if owner != &licence.customer => Err(ServiceError::Conflict(format!(
            "licence {} belongs to customer {}, but project {} belongs to customer {owner}: a licence activates only on its own customer's projects",
            licence.id, licence.customer, project.slug
        ))),
        _ => Ok(()),
    }
}

pub(super) fn check_free_seat(licence: &Licence) -> Result<()> {
    let Some(seats) = licence.seats else {
        return Ok(());
    };
    if (licence.projects.len() as u64) < u64::from(seats) {
        return Ok(());
    }
    let active_on: Vec<String> = licence.projects.iter().map(|p| p.to_string()).collect();
    Err(ServiceError::Conflict(format!(
        "licence {} has {}, all taken: it is active on {}. Deactivate it on one of them, or move it with `packagento licence move {} --from PROJECT --to PROJECT`",
        licence.id,
        counted(seats as usize, "seat"),
        active_on.join(", "),
        licence.id
    )))
}

pub fn revoke(app: &App, id: &str) -> Result<LicenceSummary> {
    change_licence(app, id, "licence.revoke", |_, licence| {
        licence.revoked_at.get_or_insert(time::now());
        Ok(())
    })
}

pub fn list(app: &App) -> Result<Vec<LicenceSummary>> {
    let mut licences = app.store().read(|r| r.licences())?;
    licences.sort_by_key(|l| l.created_at);
    Ok(licences.into_iter().map(LicenceSummary::from).collect())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::service::{Settings, projects};
    use std::sync::Arc;

    fn app(dir: &tempfile::TempDir) -> Arc<App> {
        App::open(Settings::for_tests(dir.path().to_path_buf())).unwrap()
    }

    fn terms(holder: &str, seats: Option<u32>) -> LicenceTerms {
        LicenceTerms {
            holder: Some(holder.into()),
            packages: vec!["acme/*".into()],
            seats,
            ..Default::default()
        }
    }

    fn customer_of(app: &App, project: &str) -> Option<String> {
        let slug = ProjectSlug::parse(project).unwrap();
        let record = app.store().read(|r| r.project(&slug)).unwrap().unwrap();
        record.customer.map(|c| c.to_string())
    }

    #[test]
    fn a_holder_names_one_customer_and_a_project_joins_it_at_first_activation() {
        let dir = tempfile::tempdir().unwrap();
        let app = app(&dir);
        projects::create_project(&app, "shop", None).unwrap();
        let first = create(&app, terms("Acme Shop", None)).unwrap();
        let second = create(&app, terms("Acme Shop", None)).unwrap();
        assert_eq!(first.customer, "acme-shop");
        assert_eq!(second.customer, "acme-shop");
        assert_eq!(customer_of(&app, "shop"), None);
        set_activation(&app, &first.id, "shop", true).unwrap();
        assert_eq!(customer_of(&app, "shop").as_deref(), Some("acme-shop"));
        let other = create(&app, terms("Other Ltd", None)).unwrap();
        let refused = set_activation(&app, &other.id, "shop", true).unwrap_err();
        assert!(
            refused.to_string().contains("own customer's projects"),
            "{refused}"
        );
    }

    #[test]
    fn a_licence_for_an_unknown_customer_or_without_one_is_refused() {
        let dir = tempfile::tempdir().unwrap();
        let app = app(&dir);
        let unknown = LicenceTerms {
            customer: Some("nobody".into()),
            ..terms("x", None)
        };
        let refused = create(&app, unknown).unwrap_err();
        assert!(matches!(refused, ServiceError::NotFound(_)), "{refused}");
        let anonymous = LicenceTerms {
            holder: None,
            ..terms("x", None)
        };
        assert!(matches!(
            create(&app, anonymous),
            Err(ServiceError::Invalid(_))
        ));
        let bad_versions = LicenceTerms {
            versions: Some("^^2".into()),
            ..terms("x", None)
        };
        let refused = create(&app, bad_versions).unwrap_err().to_string();
        assert!(refused.contains("invalid version constraint"), "{refused}");
        assert!(create(&app, terms("x", Some(0))).is_err());
        assert!(list(&app).unwrap().is_empty());
    }

    #[test]
    fn a_licence_with_seats_refuses_one_activation_too_many_and_names_where_it_is_active() {
        let dir = tempfile::tempdir().unwrap();
        let app = app(&dir);
        for slug in ["a", "b", "c"] {
            projects::create_project(&app, slug, None).unwrap();
        }
        let licence = create(&app, terms("Acme", Some(2))).unwrap();
        set_activation(&app, &licence.id, "a", true).unwrap();
        set_activation(&app, &licence.id, "b", true).unwrap();
        set_activation(&app, &licence.id, "b", true).unwrap();
        let refused = set_activation(&app, &licence.id, "c", true).unwrap_err();
        assert!(refused.to_string().contains("active on a, b"), "{refused}");
        assert_eq!(customer_of(&app, "c"), None);
        set_activation(&app, &licence.id, "a", false).unwrap();
        set_activation(&app, &licence.id, "c", true).unwrap();
    }
}
