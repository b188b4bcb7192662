//! `packagento advisory impact ID`: every customer, project and token that downloaded a version
//! the advisory covers, grouped customer → project → token, and whether each moved to the fix.

use super::CliError;
use super::output::{counted, print_json};
use crate::domain::text::printable;
use crate::domain::time::to_rfc3339;
use crate::service::admin::{Admin, AdvisoryImpact};
use crate::service::advisory_impact::{self as impact, AffectedCustomer, AffectedToken};

pub fn run(admin: &Admin, id: String, json: bool) -> Result<(), CliError> {
    let answer = admin.call(AdvisoryImpact { id })?;
    match json {
        true => print_json(&answer),
        false => print_impact(&answer),
    }
    Ok(())
}

fn print_impact(answer: &impact::AdvisoryImpact) {
    let advisory = &answer.advisory;
    let severity = advisory
        .severity
        .map(|s| s.as_str())
        .unwrap_or("no severity");
    let withdrawn = if answer.withdrawn {
        "  (withdrawn)"
    } else {
        ""
    };
    println!(
        "{}  {}  {}  {severity}  {}{withdrawn}",
        advisory.id,
        advisory.package,
        printable(advisory.affected.as_str()),
        printable(&advisory.title),
    );
    if answer.customers.is_empty() {
        println!("no recorded download includes an affected version");
    }
    for customer in &answer.customers {
        print_customer(customer);
    }
    let totals = &answer.totals;
    println!(
        "{}, {}, {} affected, {} resolved",
        counted(totals.customers, "customer"),
        counted(totals.projects, "project"),
        counted(totals.tokens, "token"),
        totals.resolved_tokens
    );
}

fn print_customer(customer: &AffectedCustomer) {
    match (&customer.slug, &customer.name) {
        (None, _) => println!("no customer"),
        (Some(slug), Some(name)) => println!("customer {slug} ({})", printable(name)),
        (Some(slug), None) => println!("customer {slug} (deleted)"),
    }
    for project in &customer.projects {
        let about = match (&project.name, project.deleted) {
            (_, true) => " (deleted)".to_string(),
            (Some(name), false) => format!(" ({})", printable(name)),
            (None, false) => String::new(),
        };
        println!("  project {}{about}", project.slug);
        for token in &project.tokens {
            println!("    {}", token_line(token));
        }
    }
}

fn token_line(token: &AffectedToken) -> String {
    let about = match (&token.label, token.deleted, token.revoked) {
        (_, true, _) => " (deleted)".to_string(),
        (Some(label), _, true) => format!(" ({}, revoked)", printable(label)),
        (_, _, true) => " (revoked)".to_string(),
        (Some(label), _, false) if !label.is_empty() => format!(" ({})", printable(label)),
        _ => String::new(),
    };
    let versions: Vec<String> = token
        .versions
        .iter()
        .map(|v| printable(v).into_owned())
        .collect();
    let seen = format!(
        "last seen {} ({} {})",
        to_rfc3339(token.last_seen_micros / 1_000_000),
        token.last_seen_kind.as_str(),
        printable(&token.last_version),
    );
    let state = match (&token.fixed_version, token.fixed_at_micros) {
        (Some(fix), Some(at)) => format!(
            "resolved: {} at {}",
            printable(fix),
            to_rfc3339(at / 1_000_000)
        ),
        _ => "unresolved".to_string(),
    };
    format!(
        "token {}{about}  {}  {seen}  {state}",
        token.public_key,
        versions.join(", ")
    )
}
