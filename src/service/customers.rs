//! Customers: whom the vendor sells to. A customer owns projects and licences, and a licence
//! activates only on its own customer's projects.

use super::changes::ChangeEvent;
use super::{App, Result, ServiceError, invalid};
use crate::domain::names::CustomerSlug;
use crate::domain::records::Customer;
use crate::domain::text::check_field;
use crate::domain::time;
use crate::store::Writer;

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
    let customers = w.customers()?;
    if let Some(found) = customers.iter().find(|c| c.name == name) {
        return Ok((found.clone(), false));
    }
    let slug = CustomerSlug::first_free(name, |slug| customers.iter().any(|c| &c.slug == slug));
    let customer = Customer {
        slug,
        name: name.to_string(),
        email: None,
        created_at: time::now(),
    };
    w.put_customer(&customer)?;
    Ok((customer, true))
}

pub(super) fn announce_created(app: &App, customer: &Customer) {
    app.changes.announce(ChangeEvent::CustomerCreated {
        customer: customer.clone(),
    });
}
