//! Licences: creating one, activating it on a customer's projects, revoking it, listing them.

use super::changes::ChangeEvent;
use super::secrets::random_hex;
use super::summaries::LicenceSummary;
use super::{App, Result, ServiceError, invalid};
use crate::domain::licence::{Licence, PackagePattern};
use crate::domain::names::ProjectSlug;
use crate::domain::text::check_field;
use crate::domain::time;

pub fn create(
    app: &App,
    holder: String,
    packages: &[String],
    access_until: Option<&str>,
) -> Result<LicenceSummary> {
    if holder.trim().is_empty() {
        return Err(invalid("a licence needs a holder (--holder)"));
    }
    check_field("licence holder", &holder).map_err(ServiceError::Invalid)?;
    if packages.is_empty() {
        return Err(invalid(
            "a licence needs at least one package name or pattern (--package)",
        ));
    }
    let patterns = packages
        .iter()
        .map(|p| PackagePattern::parse(p))
        .collect::<std::result::Result<Vec<_>, _>>()
        .map_err(invalid)?;
    let access_until = access_until
        .map(time::parse_access_until)
        .transpose()
        .map_err(invalid)?;
    let licence = Licence {
        id: format!("lic_{}", random_hex(6)),
        holder,
        patterns,
        access_until,
        revoked_at: None,
        created_at: time::now(),
        projects: Default::default(),
    };
    app.change(|w| Ok(w.put_licence(&licence)?))?;
    let summary = LicenceSummary::from(licence);
    app.changes.announce(ChangeEvent::LicenceCreated {
        licence: summary.clone(),
    });
    Ok(summary)
}

/// Applies `edit` to the stored licence; announces the result only when it really changed.
fn change_licence(
    app: &App,
    id: &str,
    edit: impl FnOnce(&crate::store::Writer, &mut Licence) -> Result<()>,
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
    change_licence(app, id, |w, licence| {
        if w.project(&project)?.is_none() {
            return Err(super::projects::missing(&project));
        }
        if active && !licence.is_active() {
            return Err(ServiceError::Conflict(format!(
                "licence {id} is revoked and cannot be activated"
            )));
        }
        if active {
            licence.projects.insert(project);
        } else if !licence.projects.remove(&project) {
            return Err(ServiceError::NotFound(format!(
                "licence {id} is not activated for project {project}"
            )));
        }
        Ok(())
    })
}

pub fn revoke(app: &App, id: &str) -> Result<LicenceSummary> {
    change_licence(app, id, |_, licence| {
        licence.revoked_at.get_or_insert(time::now());
        Ok(())
    })
}

pub fn list(app: &App) -> Result<Vec<LicenceSummary>> {
    let mut licences = app.store().read(|r| r.licences())?;
    licences.sort_by_key(|l| l.created_at);
    Ok(licences.into_iter().map(LicenceSummary::from).collect())
}
