//! Customers: whom the vendor sells to. A customer owns projects and licences, and a licence
//! activates only on its own customer's projects.

mod delete;
mod show;

pub use delete::{CustomerDeletion, delete};
pub use show::{
    CustomerDetail, CustomerDownloads, CustomerLicence, LicenceState, PackageDownloads,
};

use super::changes::ChangeEvent;
use super::{App, Result, ServiceError, invalid};
use crate::domain::audit::AuditRecord;
use crate::domain::names::CustomerSlug;
use crate::domain::records::Customer;
use crate::domain::text::check_field;
use crate::domain::time;
use crate::store::Writer;
use serde::{Deserialize, Serialize};

/// A customer as `customer list` shows it: the record and how much hangs off it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CustomerSummary {
    #[serde(flatten)]
    pub customer: Customer,
    pub projects: usize,
    pub licences: usize,
}

pub fn create(
    app: &App,
    slug: &str,
    name: Option<String>,
    email: Option<String>,
) -> Result<Customer> {
    let slug = parse(slug)?;
    let name = checked_name(name.as_deref().unwrap_or(slug.as_str()))?;
    let email = checked_email(email)?;
    let customer = app.change(|w| {
        if w.customer(&slug)?.is_some() {
            return Err(ServiceError::Conflict(format!(
                "customer {slug:?} already exists"
            )));
        }
        check_name_free(w, &name, &slug)?;
        let customer = Customer {
            slug,
            name,
            email,
            created_at: time::now(),
        };
        w.put_customer(&customer)?;
        w.audit(created_record(&customer));
        Ok(customer)
    })?;
    announce_created(app, &customer);
    Ok(customer)
}

/// Customers by slug, each with how many projects and licences it has.
pub fn list(app: &App) -> Result<Vec<CustomerSummary>> {
    let (customers, projects, licences) = app
        .store()
        .read(|r| Ok((r.customers()?, r.projects()?, r.licences()?)))?;
    Ok(customers
        .into_iter()
        .map(|customer| CustomerSummary {
            projects: projects
                .iter()
                .filter(|p| p.customer.as_ref() == Some(&customer.slug))
                .count(),
            licences: licences
                .iter()
                .filter(|l| l.customer == customer.slug)
                .count(),
            customer,
        })
        .collect())
}

pub fn show(app: &App, slug: &str) -> Result<CustomerDetail> {
    show::detail(app, &parse(slug)?, time::now_micros())
}

/// Changes the display name; the slug, which projects and licences refer to, stays.
pub fn rename(app: &App, slug: &str, name: &str) -> Result<Customer> {
    let slug = parse(slug)?;
    let name = checked_name(name)?;
    let customer = app.change(|w| {
        let mut customer = w.customer(&slug)?.ok_or_else(|| missing(&slug))?;
        check_name_free(w, &name, &slug)?;
        if customer.name != name {
            w.audit(AuditRecord::new(
                "customer.rename",
                slug.as_str(),
                format!("name {:?} → {name:?}", customer.name),
            ));
        }
        customer.name = name;
        w.put_customer(&customer)?;
        Ok(customer)
    })?;
    app.changes.announce(ChangeEvent::CustomerChanged {
        customer: customer.clone(),
    });
    Ok(customer)
}

fn checked_name(name: &str) -> Result<String> {
    let name = name.trim();
    if name.is_empty() {
        return Err(invalid("a customer name cannot be empty"));
    }
    check_field("customer name", name).map_err(ServiceError::Invalid)?;
    Ok(name.to_string())
}

/// Names stay unique, so `licence create --holder NAME` always means one customer.
fn check_name_free(w: &Writer, name: &str, slug: &CustomerSlug) -> Result<()> {
    match w
        .customers()?
        .into_iter()
        .find(|c| c.name == name && &c.slug != slug)
    {
        Some(other) => Err(ServiceError::Conflict(format!(
            "customer {} is already called {name:?}: pick another name",
            other.slug
        ))),
        None => Ok(()),
    }
}

const EMAIL_MAX_LEN: usize = 254;

/// A light check that catches typos and pasted junk, not a full address parser: one `@` with
/// something either side, no spaces or control characters.
fn checked_email(email: Option<String>) -> Result<Option<String>> {
    let Some(email) = email
        .map(|e| e.trim().to_string())
        .filter(|e| !e.is_empty())
    else {
        return Ok(None);
    };
    check_field("customer email", &email).map_err(ServiceError::Invalid)?;
    let well_formed = match email.split_once('@') {
        Some((local, domain)) => !local.is_empty() && !domain.is_empty() && !domain.contains('@'),
        None => false,
    };
    if !well_formed || email.len() > EMAIL_MAX_LEN || email.chars().any(char::is_whitespace) {
        return Err(invalid(format!(
            "invalid email {email:?}: expected one address such as billing@example.com"
        )));
    }
    Ok(Some(email))
}

pub(super) fn parse(slug: &str) -> Result<CustomerSlug> {
    CustomerSlug::parse(slug).map_err(invalid)
}

pub(super) fn missing(slug: &CustomerSlug) -> ServiceError {
    ServiceError::NotFound(format!(
        "no customer {slug:?} (see `packagento customer list`, or create it with `packagento customer create {slug}`)"
    ))
}

/// The stored customer `slug`, or a clear "not found".
pub(super) fn existing(w: &Writer, slug: &str) -> Result<Customer> {
    let slug = parse(slug)?;
    w.customer(&slug)?.ok_or_else(|| missing(&slug))
}

/// The customer called exactly `name`, created (with a slug made from the name) when there is
/// none. The second value says whether it was created, so the caller can announce it.
pub(super) fn named_or_created(w: &Writer, name: &str) -> Result<(Customer, bool)> {
    let name = name.trim();
    if name.is_empty() {
        return Err(invalid("a customer name cannot be empty"));
    }
    check_field("customer name", name).map_err(ServiceError::Invalid)?;
    if let Some(found) = w.customer_named(name)? {
        return Ok((found, false));
    }
    let slug = free_slug(w, name)?;
    let customer = Customer {
        slug,
        name: name.to_string(),
        email: None,
        created_at: time::now(),
    };
    w.put_customer(&customer)?;
    w.audit(created_record(&customer));
    Ok((customer, true))
}

/// The first slug made from `name` that no customer holds.
fn free_slug(w: &Writer, name: &str) -> Result<CustomerSlug> {
    let mut failure = None;
    let slug = CustomerSlug::first_free(name, |slug| match w.customer(slug) {
        Ok(found) => found.is_some(),
        Err(error) => {
            failure.get_or_insert(error);
            false
        }
    });
    match failure {
        Some(error) => Err(error.into()),
        None => Ok(slug),
    }
}

fn created_record(customer: &Customer) -> AuditRecord {
    AuditRecord::new(
        "customer.create",
        customer.slug.as_str(),
        format!("created, name {:?}", customer.name),
    )
}

pub(super) fn announce_created(app: &App, customer: &Customer) {
    app.changes.announce(ChangeEvent::CustomerCreated {
        customer: customer.clone(),
    });
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::service::{Settings, licences, projects, tokens};
    use std::sync::Arc;

    fn app(dir: &tempfile::TempDir) -> Arc<App> {
        App::open(Settings::for_tests(dir.path().to_path_buf())).unwrap()
    }

    fn slugs(app: &App) -> Vec<String> {
        let customers = list(app).unwrap();
        customers
            .iter()
            .map(|c| c.customer.slug.to_string())
            .collect()
    }

    /// A customer with one project, a token on it, and a licence activated there.
    fn furnished(app: &App, slug: &str) -> (String, String) {
        create(app, slug, None, None).unwrap();
        let project = format!("{slug}-prod");
        projects::create_for_customer(app, &project, None, Some(slug)).unwrap();
        let token = tokens::create(app, &project, None).unwrap();
        let terms = licences::LicenceTerms {
            customer: Some(slug.into()),
            packages: vec!["acme/*".into()],
            ..Default::default()
        };
        let licence = licences::create(app, terms).unwrap();
        licences::set_activation(app, &licence.id, &project, true).unwrap();
        (token.public_key, licence.id)
    }

    #[test]
    fn a_new_customer_is_named_after_its_slug_and_a_second_one_with_that_slug_is_refused() {
        let dir = tempfile::tempdir().unwrap();
        let app = app(&dir);
        let made = create(&app, "acme", None, Some(" billing@acme.test ".into())).unwrap();
        assert_eq!(made.name, "acme");
        assert_eq!(made.email.as_deref(), Some("billing@acme.test"));
        let again = create(&app, "acme", Some("Other".into()), None).unwrap_err();
        assert!(matches!(again, ServiceError::Conflict(_)), "{again}");
        let same_name = create(&app, "acme-2", Some("acme".into()), None).unwrap_err();
        assert!(
            matches!(same_name, ServiceError::Conflict(_)),
            "{same_name}"
        );
        assert_eq!(slugs(&app), ["acme"]);
    }

    #[test]
    fn bad_slugs_names_and_emails_are_refused_and_nothing_is_stored() {
        let dir = tempfile::tempdir().unwrap();
        let app = app(&dir);
        for slug in ["Acme", "-acme", "ac me", ""] {
            assert!(matches!(
                create(&app, slug, None, None),
                Err(ServiceError::Invalid(_))
            ));
        }
        for email in [
            "acme.test",
            "@acme.test",
            "billing@",
            "a@b@c",
            "bill ing@acme.test",
        ] {
            let refused = create(&app, "acme", None, Some(email.into())).unwrap_err();
            assert!(refused.to_string().contains("invalid email"), "{refused}");
        }
        let hostile = create(&app, "acme", None, Some("a\u{1b}[2J@acme.test".into()));
        assert!(hostile.unwrap_err().to_string().contains("U+001B"));
        let name = create(&app, "acme", Some("Acme\u{202e}".into()), None).unwrap_err();
        assert!(name.to_string().contains("customer name"), "{name}");
        assert!(slugs(&app).is_empty());
    }

    #[test]
    fn renaming_keeps_the_slug_and_refuses_an_empty_or_taken_name() {
        let dir = tempfile::tempdir().unwrap();
        let app = app(&dir);
        create(&app, "acme", None, None).unwrap();
        create(&app, "globex", Some("Globex Corp".into()), None).unwrap();
        let renamed = rename(&app, "acme", "  Acme GmbH ").unwrap();
        assert_eq!(
            (renamed.slug.as_str(), renamed.name.as_str()),
            ("acme", "Acme GmbH")
        );
        assert!(matches!(
            rename(&app, "acme", " "),
            Err(ServiceError::Invalid(_))
        ));
        assert!(matches!(
            rename(&app, "acme", "Globex Corp"),
            Err(ServiceError::Conflict(_))
        ));
        assert!(matches!(
            rename(&app, "nobody", "x"),
            Err(ServiceError::NotFound(_))
        ));
        assert_eq!(rename(&app, "acme", "Acme GmbH").unwrap().name, "Acme GmbH");
    }

    #[test]
    fn a_dry_run_delete_names_what_would_go_and_changes_nothing() {
        let dir = tempfile::tempdir().unwrap();
        let app = app(&dir);
        let (token, licence) = furnished(&app, "acme");
        let plan = delete(&app, "acme", true).unwrap();
        assert_eq!(plan.projects_deleted, ["acme-prod"]);
        assert_eq!(plan.tokens_removed, [token]);
        assert_eq!(plan.licences_deleted, [licence]);
        assert!(!plan.deleted);
        assert_eq!(slugs(&app), ["acme"]);
        assert_eq!(list(&app).unwrap()[0].projects, 1);
        assert_eq!(tokens::list(&app, None).unwrap().len(), 1);
        assert_eq!(licences::list(&app).unwrap().len(), 1);
        assert_eq!(app.catalog().tokens.len(), 1);
    }

    #[test]
    fn deleting_a_customer_removes_its_projects_tokens_and_licences_and_nobody_elses() {
        let dir = tempfile::tempdir().unwrap();
        let app = app(&dir);
        furnished(&app, "acme");
        let (other_token, other_licence) = furnished(&app, "globex");
        let deletion = delete(&app, "acme", false).unwrap();
        assert!(deletion.deleted);
        assert_eq!(slugs(&app), ["globex"]);
        let left: Vec<String> = projects::list_projects(&app)
            .unwrap()
            .iter()
            .map(|p| p.slug.to_string())
            .collect();
        assert_eq!(left, ["globex-prod"]);
        let tokens_left = tokens::list(&app, None).unwrap();
        assert_eq!(tokens_left.len(), 1);
        assert_eq!(tokens_left[0].public_key, other_token);
        let licences_left = licences::list(&app).unwrap();
        assert_eq!(licences_left.len(), 1);
        assert_eq!(licences_left[0].id, other_licence);
        assert_eq!(app.catalog().tokens.len(), 1);
        assert!(matches!(
            delete(&app, "acme", true),
            Err(ServiceError::NotFound(_))
        ));
    }

    #[test]
    fn a_project_for_an_unknown_customer_is_refused_with_the_command_that_creates_it() {
        let dir = tempfile::tempdir().unwrap();
        let app = app(&dir);
        let refused = projects::create_for_customer(&app, "shop", None, Some("acme")).unwrap_err();
        assert!(
            refused
                .to_string()
                .contains("packagento customer create acme"),
            "{refused}"
        );
        assert!(projects::list_projects(&app).unwrap().is_empty());
        create(&app, "acme", None, None).unwrap();
        projects::create_for_customer(&app, "shop", None, Some("acme")).unwrap();
        projects::create_project(&app, "loose", None).unwrap();
        let of_acme = projects::list_for_customer(&app, Some("acme")).unwrap();
        assert_eq!(of_acme.len(), 1);
        assert_eq!(of_acme[0].slug.as_str(), "shop");
        assert_eq!(projects::list_for_customer(&app, None).unwrap().len(), 2);
        assert!(projects::list_for_customer(&app, Some("nobody")).is_err());
    }

    #[test]
    fn rename_and_delete_are_announced_on_the_change_feed_but_a_dry_run_is_not() {
        use crate::service::changes::{FeedItem, Subscription};
        let dir = tempfile::tempdir().unwrap();
        let app = app(&dir);
        create(&app, "acme", None, None).unwrap();
        let mut feed = Subscription::local(&app.changes);
        rename(&app, "acme", "Acme GmbH").unwrap();
        delete(&app, "acme", true).unwrap();
        delete(&app, "acme", false).unwrap();
        app.changes.close();
        // Audit entries are announced too, each before its change's own event: not what this tests.
        let kinds: Vec<ChangeEvent> = feed
            .by_ref()
            .map(|item| match item {
                FeedItem::Change(change) => change.event.clone(),
                FeedItem::Missed(n) => panic!("missed {n}"),
            })
            .filter(|event| !matches!(event, ChangeEvent::Audited { .. }))
            .collect();
        assert!(
            matches!(&kinds[..], [
                ChangeEvent::CustomerChanged { customer },
                ChangeEvent::CustomerDeleted { deletion },
            ] if customer.name == "Acme GmbH" && deletion.deleted && deletion.slug == "acme"),
            "{kinds:?}"
        );
    }
}
