//! `packagento project …`: customers' environments, which tokens and licences hang off.

use super::CliError;
use super::args::ProjectCommand;
use super::output::{counted, print_json};
use crate::domain::records::Project;
use crate::domain::text::printable;
use crate::service::admin::{
    Admin, ProjectCheck, ProjectCreate, ProjectDelete, ProjectList, ProjectRename,
};
use crate::service::summaries::ProjectDeletion;

pub fn run(admin: &Admin, command: ProjectCommand, json: bool) -> Result<(), CliError> {
    let project = match command {
        ProjectCommand::Create {
            slug,
            name,
            customer,
        } => admin.call(ProjectCreate {
            slug,
            name,
            customer,
        })?,
        ProjectCommand::Rename { slug, name } => admin.call(ProjectRename { slug, name })?,
        ProjectCommand::Delete { slug, yes } => return delete(admin, slug, yes, json),
        ProjectCommand::Check { slug } => return check(admin, slug, json),
        ProjectCommand::List { customer } => {
            let projects = admin.call(ProjectList { customer })?;
            match json {
                true => print_json(&projects),
                false => print_projects(&projects),
            }
            return Ok(());
        }
    };
    match json {
        true => print_json(&project),
        false => print_projects(std::slice::from_ref(&project)),
    }
    Ok(())
}

/// Destructive, so it takes `--yes`; without it the command says what would go and changes nothing.
fn delete(admin: &Admin, slug: String, yes: bool, json: bool) -> Result<(), CliError> {
    let request = ProjectDelete {
        slug: slug.clone(),
        dry_run: !yes,
    };
    let outcome = admin.call(request)?;
    if json {
        print_json(&outcome);
    } else {
        print_deletion(&outcome);
    }
    if yes {
        Ok(())
    } else {
        Err(CliError::msg(format!(
            "nothing deleted: run `packagento project delete {slug} --yes` to delete"
        )))
    }
}

fn print_projects(projects: &[Project]) {
    if projects.is_empty() {
        println!("no projects yet: packagento project create SLUG");
    }
    for project in projects {
        let customer = project.customer.as_ref().map_or("-", |c| c.as_str());
        println!(
            "{:<24} {:<24} {}",
            project.slug.as_str(),
            customer,
            printable(&project.name)
        );
    }
}

fn print_deletion(outcome: &ProjectDeletion) {
    let list = |items: &[String]| match items {
        [] => "none".to_string(),
        items => items.join(", "),
    };
    let verb = if outcome.deleted {
        "deleted"
    } else {
        "would delete"
    };
    println!("{verb} project {}", outcome.slug);
    println!("  tokens removed:        {}", list(&outcome.tokens_removed));
    println!(
        "  licences deactivated:  {}",
        list(&outcome.licences_deactivated)
    );
}

/// Exits non-zero when a requirement cannot be met, so a deploy script can stop on it.
fn check(admin: &Admin, slug: String, json: bool) -> Result<(), CliError> {
    let report = admin.call(ProjectCheck { slug })?;
    if json {
        print_json(&report);
    } else {
        for gap in &report.gaps {
            println!(
                "{} {} requires {} {}: no visible version, composer install would fail",
                gap.package,
                printable(&gap.version),
                gap.requires,
                printable(&gap.constraint)
            );
        }
    }
    match report.gaps.len() {
        0 => {
            if !json {
                println!("all hosted requirements can be met");
            }
            Ok(())
        }
        n => Err(CliError::msg(format!(
            "project {}: {} cannot be met",
            report.project,
            counted(n, "hosted requirement")
        ))),
    }
}
