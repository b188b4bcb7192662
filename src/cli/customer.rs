//! `packagento customer …`: whom licences are sold to, with what hangs off each.

use super::CliError;
use super::args::CustomerCommand;
use super::output::{print_json, when};
use crate::domain::records::Customer;
use crate::domain::text::printable;
use crate::service::admin::{
    Admin, CustomerCreate, CustomerDelete, CustomerList, CustomerRename, CustomerShow,
};
use crate::service::customers::{CustomerDeletion, CustomerDetail, CustomerSummary};

pub fn run(admin: &Admin, command: CustomerCommand, json: bool) -> Result<(), CliError> {
    let customer = match command {
        CustomerCommand::Create { slug, name, email } => {
            admin.call(CustomerCreate { slug, name, email })?
        }
        CustomerCommand::Rename { slug, name } => admin.call(CustomerRename { slug, name })?,
        CustomerCommand::Delete { slug, yes } => return delete(admin, slug, yes, json),
        CustomerCommand::Show { slug } => {
            let detail = admin.call(CustomerShow { slug })?;
            match json {
                true => print_json(&detail),
                false => print_detail(&detail),
            }
            return Ok(());
        }
        CustomerCommand::List => {
            let customers = admin.call(CustomerList {})?;
            match json {
                true => print_json(&customers),
                false => print_customers(&customers),
            }
            return Ok(());
        }
    };
    match json {
        true => print_json(&customer),
        false => println!("{}", line(&customer)),
    }
    Ok(())
}

/// Destructive, so it takes `--yes`; without it the command says what would go and changes nothing.
fn delete(admin: &Admin, slug: String, yes: bool, json: bool) -> Result<(), CliError> {
    let request = CustomerDelete {
        slug: slug.clone(),
        dry_run: !yes,
    };
    let outcome = admin.call(request)?;
    match json {
        true => print_json(&outcome),
        false => print_deletion(&outcome),
    }
    if yes {
        Ok(())
    } else {
        Err(CliError::msg(format!(
            "nothing deleted: run `packagento customer delete {slug} --yes` to delete"
        )))
    }
}

fn line(customer: &Customer) -> String {
    let mut line = format!(
        "{:<24} {}",
        customer.slug.as_str(),
        printable(&customer.name)
    );
    if let Some(email) = &customer.email {
        line.push_str(&format!("  <{}>", printable(email)));
    }
    line
}

fn print_customers(customers: &[CustomerSummary]) {
    if customers.is_empty() {
        println!("no customers yet: packagento customer create SLUG");
    }
    for summary in customers {
        println!(
            "{}  ({} projects, {} licences)",
            line(&summary.customer),
            summary.projects,
            summary.licences
        );
    }
}

fn print_detail(detail: &CustomerDetail) {
    println!("{}", line(&detail.customer));
    println!("projects:");
    for project in &detail.projects {
        println!(
            "  {:<24} {}",
            project.slug.as_str(),
            printable(&project.name)
        );
    }
    println!("licences:");
    for entry in &detail.licences {
        let licence = &entry.licence;
        let projects = match licence.projects.as_slice() {
            [] => "not activated".to_string(),
            projects => format!("on {}", projects.join(", ")),
        };
        let term = match &licence.access_until {
            Some(until) => format!("until {until}"),
            None => "perpetual".to_string(),
        };
        println!(
            "  {:<18} {:<8} {} ({term}); {projects}",
            licence.id,
            entry.state.as_str(),
            licence.packages.join(", "),
        );
    }
    println!("tokens:");
    for token in &detail.tokens {
        let state = match token.revoked_at {
            Some(_) => "revoked",
            None => "active",
        };
        println!(
            "  {}  {:<16} {:<8} last used {}{}",
            token.public_key,
            token.project,
            state,
            when(token.last_used_at),
            super::token_show::shared_marker(token),
        );
    }
    let total = &detail.downloads.total;
    println!(
        "downloads in the last 30 days: {} transfers, {} reported installs",
        total.dist, total.notify
    );
    for package in &detail.downloads.packages {
        println!(
            "  {:<40} {} transfers, {} reported installs",
            package.package, package.downloads.dist, package.downloads.notify
        );
    }
}

fn print_deletion(outcome: &CustomerDeletion) {
    let list = |items: &[String]| match items {
        [] => "none".to_string(),
        items => items.join(", "),
    };
    let verb = match outcome.deleted {
        true => "deleted",
        false => "would delete",
    };
    println!("{verb} customer {}", outcome.slug);
    println!(
        "  projects deleted:      {}",
        list(&outcome.projects_deleted)
    );
    println!("  tokens removed:        {}", list(&outcome.tokens_removed));
    println!(
        "  licences deleted:      {}",
        list(&outcome.licences_deleted)
    );
    if !outcome.licences_deactivated.is_empty() {
        println!(
            "  licences deactivated:  {}",
            list(&outcome.licences_deactivated)
        );
    }
}
