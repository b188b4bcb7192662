//! `packagento licence …`: grants of packages, activated on a customer's projects.

use super::CliError;
use super::args::LicenceCommand;
use super::output::{print_json, when};
use crate::domain::text::printable;
use crate::service::admin::{
    Admin, LicenceActivate, LicenceCreate, LicenceDeactivate, LicenceEdit, LicenceExpiring,
    LicenceExtend, LicenceList, LicenceMove, LicencePreview, LicenceRevoke, LicenceShow,
};
use crate::service::licences::{ExpiringLicence, LicenceDetail, TermsEdit};
use crate::service::preview::{Hidden, PackagePreview, Visible};
use crate::service::summaries::LicenceSummary;

pub fn run(admin: &Admin, command: LicenceCommand, json: bool) -> Result<(), CliError> {
    let licence = match command {
        LicenceCommand::Create {
            customer,
            holder,
            packages,
            access_until,
            versions,
            seats,
            no_dependencies,
            note,
        } => admin.call(LicenceCreate {
            customer,
            holder,
            packages,
            access_until,
            versions,
            seats,
            no_dependencies,
            note,
        })?,
        LicenceCommand::Activate { id, project } => admin.call(LicenceActivate { id, project })?,
        LicenceCommand::Deactivate { id, project } => {
            admin.call(LicenceDeactivate { id, project })?
        }
        LicenceCommand::Revoke { id } => admin.call(LicenceRevoke { id })?,
        LicenceCommand::Preview { project } => {
            let preview = admin.call(LicencePreview { project })?;
            match json {
                true => print_json(&preview),
                false => print_preview(&preview),
            }
            return Ok(());
        }
        LicenceCommand::List { expiring, customer } => {
            return list(admin, expiring, customer, json);
        }
        LicenceCommand::Show { id } => {
            let detail = admin.call(LicenceShow { id })?;
            match json {
                true => print_json(&detail),
                false => print_detail(&detail),
            }
            return Ok(());
        }
        command => change(admin, command)?,
    };
    match json {
        true => print_json(&licence),
        false => print_licences(std::slice::from_ref(&licence)),
    }
    Ok(())
}

/// The commands that change a licence's window, terms or activations.
fn change(admin: &Admin, command: LicenceCommand) -> Result<LicenceSummary, CliError> {
    let licence = match command {
        LicenceCommand::Extend {
            id,
            access_until,
            by,
        } => admin.call(LicenceExtend {
            id,
            access_until,
            by,
        })?,
        LicenceCommand::Edit {
            id,
            add_packages,
            remove_packages,
            versions,
            any_version,
            seats,
            unlimited_seats,
            dependencies,
            no_dependencies,
            note,
        } => {
            let dependencies = (dependencies || no_dependencies).then_some(dependencies);
            let terms = TermsEdit {
                add_packages,
                remove_packages,
                versions,
                any_version,
                seats,
                unlimited_seats,
                dependencies,
                note,
            };
            admin.call(LicenceEdit { id, terms })?
        }
        LicenceCommand::Move { id, from, to } => admin.call(LicenceMove { id, from, to })?,
        other => return Err(CliError::msg(format!("not a licence change: {other:?}"))),
    };
    Ok(licence)
}

fn list(
    admin: &Admin,
    expiring: Option<String>,
    customer: Option<String>,
    json: bool,
) -> Result<(), CliError> {
    let Some(within) = expiring else {
        let licences = admin.call(LicenceList { customer })?;
        match json {
            true => print_json(&licences),
            false => print_licences(&licences),
        }
        return Ok(());
    };
    let ending = admin.call(LicenceExpiring {
        within: within.clone(),
        customer,
    })?;
    match json {
        true => print_json(&ending),
        false => print_expiring(&ending, &within),
    }
    Ok(())
}

fn print_expiring(ending: &[ExpiringLicence], within: &str) {
    if ending.is_empty() {
        println!("no subscription ends within {}", printable(within));
    }
    for entry in ending {
        let licence = &entry.licence;
        let customer = match &entry.customer_name {
            Some(name) => format!("{} ({})", licence.customer, printable(name)),
            None => licence.customer.clone(),
        };
        let projects = match licence.projects.as_slice() {
            [] => "none".to_string(),
            projects => projects.join(", "),
        };
        println!(
            "{}  {}  {customer}\n    packages: {}\n    projects: {projects}",
            when(Some(entry.ends_at)),
            licence.id,
            licence.packages.join(", "),
        );
    }
}

fn print_detail(detail: &LicenceDetail) {
    print_licences(std::slice::from_ref(&detail.licence));
    if let Some(name) = &detail.customer_name {
        println!("    customer name: {}", printable(name));
    }
    for activation in &detail.activations {
        let name = activation.name.as_deref().unwrap_or("(project missing)");
        let customer = activation.customer.as_deref().unwrap_or("none");
        println!(
            "    active on {}: {} (customer {customer})",
            activation.project,
            printable(name)
        );
    }
}

fn print_licences(licences: &[LicenceSummary]) {
    if licences.is_empty() {
        println!("no licences: packagento licence create --customer SLUG --package 'vendor/*'");
    }
    for licence in licences {
        let window = licence
            .access_until
            .as_deref()
            .map(|d| format!(" until {d}"))
            .unwrap_or_default();
        let state = if licence.revoked { " REVOKED" } else { "" };
        let projects = match licence.projects.as_slice() {
            [] => "none".to_string(),
            projects => projects.join(", "),
        };
        println!(
            "{}  {} ({}{window}){state}\n    customer: {}\n    packages: {}{}\n    projects: {projects}{}",
            licence.id,
            printable(&licence.holder),
            licence.kind,
            licence.customer,
            licence.packages.join(", "),
            terms_text(licence),
            licence
                .note
                .as_deref()
                .map(|n| format!("\n    note: {}", printable(n)))
                .unwrap_or_default(),
        );
    }
}

/// The terms beyond packages and window, only where they differ from the defaults.
fn terms_text(licence: &LicenceSummary) -> String {
    let mut terms = String::new();
    if let Some(versions) = &licence.versions {
        terms.push_str(&format!(" (versions {})", printable(versions)));
    }
    if let Some(seats) = licence.seats {
        terms.push_str(&format!(
            "\n    seats: {} of {seats} used",
            licence.projects.len()
        ));
    }
    if !licence.dependencies {
        terms.push_str("\n    dependencies: not included");
    }
    terms
}

fn print_preview(packages: &[PackagePreview]) {
    if packages.is_empty() {
        println!("this project sees nothing: activate a licence on it");
    }
    for package in packages {
        println!("{}", package.package);
        for version in &package.versions {
            let state = match &version.hidden {
                None => visible_text(version.visible.as_ref()),
                Some(Hidden::OutsideVersions { versions }) => format!(
                    "hidden: outside the licence's versions {}",
                    printable(versions)
                ),
                Some(Hidden::SubscriptionWindow { access_until }) => {
                    format!("hidden: released after the access window closed ({access_until})")
                }
                Some(Hidden::LicenceRevoked { licence }) => {
                    format!("hidden: licence {licence} is revoked")
                }
                Some(Hidden::NotCovered) => "hidden: no active licence covers it".to_string(),
            };
            println!(
                "  {:<20} released {}  {state}",
                printable(&version.version),
                when(Some(version.released_at))
            );
        }
    }
}

/// Only a version visible through a requirement says so: the licence that grants the rest is in
/// `--json`, and "visible" alone keeps the common case short.
fn visible_text(reason: Option<&Visible>) -> String {
    match reason {
        Some(Visible::RequiredBy { package, version }) => {
            format!("visible (required by {package} {})", printable(version))
        }
        Some(Visible::Licence { .. }) | None => "visible".to_string(),
    }
}
