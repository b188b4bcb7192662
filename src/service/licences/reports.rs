//! Reading licences the way the operator asks about them: one in full, a customer's, and the
//! subscriptions that end soon (for `licence list --expiring` and the dashboard).

use crate::domain::licence::Licence;
use crate::domain::records::{Customer, Project};
use crate::domain::time::Period;
use crate::service::customers;
use crate::service::summaries::LicenceSummary;
use crate::service::{App, Result, ServiceError, invalid};
use serde::{Deserialize, Serialize};

/// `licence show`: the licence, its customer's name, and each project it is active on.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LicenceDetail {
    #[serde(flatten)]
    pub licence: LicenceSummary,
    /// `None` only if the customer record is missing.
    pub customer_name: Option<String>,
    pub activations: Vec<Activation>,
}

/// A project a licence is active on, as the operator knows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Activation {
    pub project: String,
    /// `None` if the project record is missing.
    pub name: Option<String>,
    pub customer: Option<String>,
}

pub fn show(app: &App, id: &str) -> Result<LicenceDetail> {
    let records = Records::read(app)?;
    let licence = records
        .licences
        .iter()
        .find(|l| l.id == id)
        .cloned()
        .ok_or_else(|| {
            ServiceError::NotFound(format!("no licence {id:?} (see `packagento licence list`)"))
        })?;
    let activations = licence
        .projects
        .iter()
        .map(|slug| {
            let project = records.projects.iter().find(|p| &p.slug == slug);
            Activation {
                project: slug.to_string(),
                name: project.map(|p| p.name.clone()),
                customer: project
                    .and_then(|p| p.customer.as_ref())
                    .map(|c| c.to_string()),
            }
        })
        .collect();
    Ok(LicenceDetail {
        customer_name: records.customer_name(&licence),
        licence: LicenceSummary::from(licence),
        activations,
    })
}

/// What the reports join, read in one transaction: the tables are small, and one snapshot keeps
/// the names consistent with the licences.
struct Records {
    licences: Vec<Licence>,
    projects: Vec<Project>,
    customers: Vec<Customer>,
}

impl Records {
    fn read(app: &App) -> Result<Records> {
        let records = app.store().read(|r| {
            Ok(Records {
                licences: r.licences()?,
                projects: r.projects()?,
                customers: r.customers()?,
            })
        })?;
        Ok(records)
    }

    fn customer_name(&self, licence: &Licence) -> Option<String> {
        let customer = self.customers.iter().find(|c| c.slug == licence.customer);
        customer.map(|c| c.name.clone())
    }

    /// Every licence, or only `customer`'s when given (which must exist).
    fn of_customer(&self, customer: Option<&str>) -> Result<Vec<&Licence>> {
        let Some(slug) = customer else {
            return Ok(self.licences.iter().collect());
        };
        let slug = customers::parse(slug)?;
        if !self.customers.iter().any(|c| c.slug == slug) {
            return Err(customers::missing(&slug));
        }
        Ok(self
            .licences
            .iter()
            .filter(|l| l.customer == slug)
            .collect())
    }
}

/// Every licence, oldest first; only `customer`'s when given (which must exist).
pub fn list_for(app: &App, customer: Option<&str>) -> Result<Vec<LicenceSummary>> {
    let records = Records::read(app)?;
    let mut licences = records.of_customer(customer)?;
    licences.sort_by_key(|l| l.created_at);
    let summaries = licences.into_iter().cloned().map(LicenceSummary::from);
    Ok(summaries.collect())
}

/// A subscription whose window ends soon: what a renewal reminder needs.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ExpiringLicence {
    #[serde(flatten)]
    pub licence: LicenceSummary,
    pub customer_name: Option<String>,
    /// Unix seconds: when the access window closes.
    pub ends_at: i64,
}

/// Unrevoked subscriptions whose window closes between `now` and `within` (a period such as
/// `30d`) after it, soonest first; only `customer`'s when given. Windows already closed are not
/// listed: they are lapsed, not expiring.
pub fn expiring(
    app: &App,
    within: &str,
    customer: Option<&str>,
    now: i64,
) -> Result<Vec<ExpiringLicence>> {
    let period = Period::parse(within).map_err(invalid)?;
    let horizon = period
        .after(now)
        .ok_or_else(|| invalid("that period ends beyond the calendar"))?;
    let records = Records::read(app)?;
    let mut ending: Vec<(i64, &Licence)> = records
        .of_customer(customer)?
        .into_iter()
        .filter(|l| l.is_active())
        .filter_map(|l| l.access_until.map(|end| (end, l)))
        .filter(|(end, _)| (now..=horizon).contains(end))
        .collect();
    ending.sort_by_key(|(end, licence)| (*end, licence.id.clone()));
    let expiring = ending
        .into_iter()
        .map(|(ends_at, licence)| ExpiringLicence {
            customer_name: records.customer_name(licence),
            licence: LicenceSummary::from(licence.clone()),
            ends_at,
        });
    Ok(expiring.collect())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::time::{parse_access_until, to_rfc3339};
    use crate::service::licences::{LicenceTerms, create, revoke, set_activation};
    use crate::service::{Settings, projects};
    use std::sync::Arc;

    fn app(dir: &tempfile::TempDir) -> Arc<App> {
        App::open(Settings::for_tests(dir.path().to_path_buf())).unwrap()
    }

    fn subscription(app: &App, holder: &str, until: i64) -> String {
        let terms = LicenceTerms {
            holder: Some(holder.into()),
            packages: vec!["acme/*".into()],
            access_until: Some(to_rfc3339(until)),
            ..Default::default()
        };
        create(app, terms).unwrap().id
    }

    #[test]
    fn expiring_lists_unrevoked_subscriptions_ending_inside_the_window_soonest_first() {
        let dir = tempfile::tempdir().unwrap();
        let app = app(&dir);
        let now = parse_access_until("2025-06-01").unwrap();
        let day = 86_400;
        let later = subscription(&app, "Acme Ltd", now + 20 * day);
        let sooner = subscription(&app, "Beta GmbH", now + 5 * day);
        subscription(&app, "Acme Ltd", now + 40 * day);
        subscription(&app, "Acme Ltd", now - day);
        let revoked = subscription(&app, "Acme Ltd", now + 3 * day);
        revoke(&app, &revoked).unwrap();
        create(
            &app,
            LicenceTerms {
                holder: Some("Acme Ltd".into()),
                packages: vec!["acme/*".into()],
                ..Default::default()
            },
        )
        .unwrap();

        let ending = expiring(&app, "30d", None, now).unwrap();
        let ids: Vec<&str> = ending.iter().map(|e| e.licence.id.as_str()).collect();
        assert_eq!(ids, [sooner.as_str(), later.as_str()]);
        assert_eq!(ending[0].ends_at, now + 5 * day);
        assert_eq!(ending[0].customer_name.as_deref(), Some("Beta GmbH"));
        assert_eq!(ending[1].licence.customer, "acme-ltd");

        let acme = expiring(&app, "30d", Some("acme-ltd"), now).unwrap();
        assert_eq!(acme.len(), 1);
        assert_eq!(acme[0].licence.id, later);
        assert_eq!(expiring(&app, "2m", None, now).unwrap().len(), 3);
        let unknown = expiring(&app, "30d", Some("nobody"), now).unwrap_err();
        assert!(matches!(unknown, ServiceError::NotFound(_)), "{unknown}");
        assert!(expiring(&app, "soon", None, now).is_err());
    }

    #[test]
    fn show_names_each_project_and_its_customer_and_list_filters_by_customer() {
        let dir = tempfile::tempdir().unwrap();
        let app = app(&dir);
        projects::create_project(&app, "shop", Some("Shop Production".into())).unwrap();
        let id = subscription(&app, "Acme Ltd", parse_access_until("2030-01-01").unwrap());
        let other = subscription(&app, "Beta GmbH", parse_access_until("2030-01-01").unwrap());
        set_activation(&app, &id, "shop", true).unwrap();

        let detail = show(&app, &id).unwrap();
        assert_eq!(detail.licence.projects, ["shop"]);
        assert_eq!(detail.customer_name.as_deref(), Some("Acme Ltd"));
        assert_eq!(
            detail.activations,
            [Activation {
                project: "shop".into(),
                name: Some("Shop Production".into()),
                customer: Some("acme-ltd".into()),
            }]
        );
        let json = serde_json::to_value(&detail).unwrap();
        assert_eq!(json["id"], id.as_str());
        assert_eq!(json["versions"], serde_json::Value::Null);
        assert_eq!(json["activations"][0]["name"], "Shop Production");
        assert!(matches!(
            show(&app, "lic_nope"),
            Err(ServiceError::NotFound(_))
        ));

        let beta = list_for(&app, Some("beta-gmbh")).unwrap();
        assert_eq!(beta.len(), 1);
        assert_eq!(beta[0].id, other);
        assert_eq!(list_for(&app, None).unwrap().len(), 2);
    }
}
