//! `packagento advisory …`: security advisories the vendor records, served to `composer audit`.

use super::CliError;
use super::args::{AdvisoryAddArgs, AdvisoryCommand, AdvisoryEditArgs};
use super::output::{print_json, when};
use crate::domain::advisory::Severity;
use crate::domain::text::printable;
use crate::domain::time;
use crate::service::admin::{
    Admin, AdvisoryAdd, AdvisoryEdit, AdvisoryList, AdvisoryShow, AdvisoryWithdraw,
};
use crate::service::advisories::{AdvisoryChanges, AdvisorySummary, NewAdvisory};

pub fn run(admin: &Admin, command: AdvisoryCommand, json: bool) -> Result<(), CliError> {
    match command {
        AdvisoryCommand::Impact { id } => return super::advisory_impact::run(admin, id, json),
        AdvisoryCommand::Add(args) => {
            let added = admin.call(add_request(args))?;
            output(json, &added, print_added);
        }
        AdvisoryCommand::List { package, all } => {
            let advisories = admin.call(AdvisoryList { package, all })?;
            output(json, &advisories, print_list);
        }
        AdvisoryCommand::Show { id } => {
            let advisory = admin.call(AdvisoryShow { id })?;
            output(json, &advisory, print_detail);
        }
        AdvisoryCommand::Edit(args) => {
            let advisory = admin.call(edit_request(args))?;
            output(json, &advisory, print_detail);
        }
        AdvisoryCommand::Withdraw { id } => {
            let advisory = admin.call(AdvisoryWithdraw { id })?;
            output(json, &advisory, |a| println!("{} withdrawn", a.advisory.id));
        }
    }
    Ok(())
}

fn output<T: serde::Serialize + ?Sized>(json: bool, value: &T, print: impl FnOnce(&T)) {
    match json {
        true => print_json(value),
        false => print(value),
    }
}

fn add_request(args: AdvisoryAddArgs) -> AdvisoryAdd {
    AdvisoryAdd {
        advisory: NewAdvisory {
            package: args.package,
            affected: args.affected,
            title: args.title,
            severity: args.severity,
            cve: args.cve,
            link: args.link,
            reported_at: args.reported_at,
            force: args.force,
            yank: args.yank,
        },
    }
}

fn edit_request(args: AdvisoryEditArgs) -> AdvisoryEdit {
    AdvisoryEdit {
        id: args.id,
        edit: AdvisoryChanges {
            affected: args.affected,
            title: args.title,
            severity: args.severity,
            no_severity: args.no_severity,
            cve: args.cve,
            no_cve: args.no_cve,
            link: args.link,
            no_link: args.no_link,
            reported_at: args.reported_at,
            force: args.force,
        },
    }
}

fn versions(list: &[String]) -> String {
    match list.is_empty() {
        true => "no published version".into(),
        false => printable(&list.join(", ")).into_owned(),
    }
}

fn fix(summary: &AdvisorySummary) -> String {
    match &summary.fixed_in {
        Some(version) => format!("fixed in {}", printable(version)),
        None => "no fixed version published yet".into(),
    }
}

fn print_added(summary: &AdvisorySummary) {
    let mut line = format!(
        "{} {} {}: covers {}; {}",
        summary.advisory.id,
        summary.advisory.package,
        summary.advisory.affected.as_str(),
        versions(&summary.covered_versions),
        fix(summary)
    );
    if !summary.yanked.is_empty() {
        line.push_str(&format!("; yanked {}", versions(&summary.yanked)));
    }
    println!("{line}");
}

fn print_list(advisories: &Vec<AdvisorySummary>) {
    if advisories.is_empty() {
        println!(
            "no advisories: packagento advisory add PACKAGE --affected CONSTRAINT --title TEXT"
        );
    }
    for summary in advisories {
        let a = &summary.advisory;
        let withdrawn = if a.is_withdrawn() {
            "  [withdrawn]"
        } else {
            ""
        };
        println!(
            "{}  {:<30} {:<20} {:<8} {:<16} {}{withdrawn}",
            a.id,
            a.package.as_str(),
            a.affected.as_str(),
            a.severity.map(Severity::as_str).unwrap_or("-"),
            a.cve.as_deref().unwrap_or("-"),
            printable(&a.title)
        );
    }
}

fn print_detail(summary: &AdvisorySummary) {
    let a = &summary.advisory;
    println!("{}  {}", a.id, printable(&a.title));
    println!("  package    {}", a.package);
    println!("  affected   {}", a.affected.as_str());
    println!(
        "  severity   {}",
        a.severity.map(Severity::as_str).unwrap_or("-")
    );
    println!("  cve        {}", a.cve.as_deref().unwrap_or("-"));
    println!(
        "  link       {}",
        printable(a.link.as_deref().unwrap_or("-"))
    );
    println!(
        "  reported   {} UTC",
        time::to_composer_datetime(a.reported_at)
    );
    println!("  updated    {}", when(Some(a.updated_at)));
    if a.is_withdrawn() {
        println!("  withdrawn  {}", when(a.withdrawn_at));
    }
    println!("  covers     {}", versions(&summary.covered_versions));
    println!("  fix        {}", fix(summary));
}
