//! Schema 3: customers. Each distinct licence holder becomes a customer owning its licences; a
//! project joins the one customer whose licences it carries, or a customer of its own name when
//! it carries none or several customers' licences. Works on raw JSON so that records written
//! before the field existed are read as they are.

use super::super::tables::{CUSTOMERS, LICENCES, PROJECTS};
use super::super::{ReadTables, Result, Writer};
use crate::domain::names::CustomerSlug;
use crate::domain::records::Customer;
use serde_json::Value;
use std::collections::{BTreeSet, HashMap};

pub fn assign_customers(writer: &Writer) -> Result<()> {
    writer.txn.open_table(CUSTOMERS)?;
    let mut customers = Customers::load(writer)?;
    let mut licences: Vec<Value> = writer.list(LICENCES)?;
    for licence in licences.iter_mut().filter(|l| l.get("customer").is_none()) {
        let holder = text(licence, "holder");
        let created_at = licence.get("created_at").and_then(Value::as_i64);
        let slug = customers.named(&holder, created_at.unwrap_or(0));
        licence["customer"] = Value::from(slug.as_str());
        writer.put(LICENCES, &text(licence, "id"), licence)?;
    }
    let projects: Vec<Value> = writer.list(PROJECTS)?;
    for mut project in projects.into_iter().filter(|p| p.get("customer").is_none()) {
        let slug = text(&project, "slug");
        let carried: BTreeSet<String> = licences
            .iter()
            .filter(|l| activated_on(l, &slug))
            .map(|l| text(l, "customer"))
            .collect();
        let customer = match carried.into_iter().collect::<Vec<_>>().as_slice() {
            [only] => only.clone(),
            _ => {
                let created_at = project.get("created_at").and_then(Value::as_i64);
                let name = text(&project, "name");
                customers.named(&name, created_at.unwrap_or(0)).to_string()
            }
        };
        project["customer"] = Value::from(customer);
        writer.put(PROJECTS, &slug, &project)?;
    }
    customers.save(writer)
}

fn text(record: &Value, field: &str) -> String {
    record
        .get(field)
        .and_then(Value::as_str)
        .unwrap_or_default()
        .to_string()
}

fn activated_on(licence: &Value, project: &str) -> bool {
    licence
        .get("projects")
        .and_then(Value::as_array)
        .is_some_and(|projects| projects.iter().any(|p| p.as_str() == Some(project)))
}

/// The customers known so far, found by exact name, with fresh slugs for new ones.
struct Customers {
    by_name: HashMap<String, CustomerSlug>,
    records: Vec<Customer>,
}

impl Customers {
    fn load(writer: &Writer) -> Result<Self> {
        let records: Vec<Customer> = writer.list(CUSTOMERS)?;
        let by_name = records
            .iter()
            .map(|c| (c.name.clone(), c.slug.clone()))
            .collect();
        Ok(Self { by_name, records })
    }

    /// The customer called `name`, created when there is none yet.
    fn named(&mut self, name: &str, created_at: i64) -> CustomerSlug {
        if let Some(slug) = self.by_name.get(name) {
            return slug.clone();
        }
        let slug =
            CustomerSlug::first_free(name, |slug| self.records.iter().any(|c| &c.slug == slug));
        self.records.push(Customer {
            slug: slug.clone(),
            name: name.to_string(),
            email: None,
            created_at,
        });
        self.by_name.insert(name.to_string(), slug.clone());
        slug
    }

    fn save(self, writer: &Writer) -> Result<()> {
        for customer in &self.records {
            writer.put(CUSTOMERS, customer.slug.as_str(), customer)?;
        }
        Ok(())
    }
}
