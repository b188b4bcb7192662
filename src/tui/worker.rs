//! Runs effects off the UI thread and sends the answers back as messages, so the screen keeps
//! drawing and taking keys while the server works (a slow publish, a big statistics query).

use super::message::{Effect, Loaded, Msg};
use super::model::{LIVE_FEED_LEN, Tab};
use crate::service::admin::{
    Admin, AdminCommand, AdminRequest, AdvisoryImpact, AdvisoryOverview, AuditLog, CustomerDelete,
    CustomerList, CustomerShow, DashboardStats, DownloadStats, LicenceExpiring, LicenceList,
    LicencePreview, PackageList, PackageShow, ProjectCheck, ProjectDelete, ProjectList, PublishLog,
    PublisherCreate, PublisherList, TokenCreate, TokenList, TokenRotate,
};
use crate::service::admin::{PackagePublishBatch, PublishAnswer};
use crate::service::publish::{
    PublishOutcome, PublishRequest, collect_archives, publish_in_batches,
};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::mpsc::Sender;

pub fn spawn(admin: &Arc<Admin>, effect: Effect, tx: &Sender<Msg>) {
    let (admin, tx) = (admin.clone(), tx.clone());
    std::thread::spawn(move || run(&admin, effect, &tx));
}

/// Follows the server's change feed for as long as the screen is open. Subscribed before this
/// returns, so the first load that follows cannot miss a change.
pub fn spawn_feed(admin: &Admin, tx: &Sender<Msg>) {
    let tx = tx.clone();
    let feed = match admin.subscribe() {
        Ok(feed) => feed,
        Err(error) => {
            let _ = tx.send(Msg::LiveEnded(format!("no live updates: {error}")));
            return;
        }
    };
    std::thread::spawn(move || {
        for item in feed {
            if tx.send(Msg::Feed(item)).is_err() {
                return;
            }
        }
        let _ = tx.send(Msg::LiveEnded("the server stopped".into()));
    });
}

fn call<C: AdminCommand>(admin: &Admin, command: C) -> Result<C::Response, String> {
    admin.call(command).map_err(|e| e.to_string())
}

fn run(admin: &Admin, effect: Effect, tx: &Sender<Msg>) {
    let send = |msg| {
        let _ = tx.send(msg);
    };
    let outcome: Result<(), String> = (|| {
        match effect {
            Effect::Refresh => refresh(admin, tx, true)?,
            Effect::RefreshStats => refresh(admin, tx, false)?,
            Effect::LoadPackage(name) => send(Msg::Loaded(Loaded::Package(call(
                admin,
                PackageShow { name },
            )?))),
            Effect::Change { request, done } => {
                if let Some((tab, key)) = change(admin, request)? {
                    send(Msg::Created { tab, key });
                }
                send(Msg::Done(done));
            }
            Effect::CreateToken { project, label } => {
                send(Msg::TokenCreated(call(
                    admin,
                    TokenCreate {
                        project,
                        label,
                        ..Default::default()
                    },
                )?));
            }
            Effect::RotateToken {
                public_key,
                overlap,
            } => {
                let request = TokenRotate {
                    public_key,
                    overlap,
                };
                send(Msg::TokenRotated(call(admin, request)?));
            }
            Effect::CreatePublisher { label, packages } => {
                let request = PublisherCreate { label, packages };
                send(Msg::PublisherCreated(call(admin, request)?));
            }
            Effect::RefreshAdvisories => send(Msg::Loaded(Loaded::Advisories(call(
                admin,
                AdvisoryOverview {},
            )?))),
            Effect::LoadAdvisory(id) => send(Msg::Loaded(Loaded::Advisory(call(
                admin,
                AdvisoryImpact { id },
            )?))),
            Effect::LoadCustomer(slug) => send(Msg::Loaded(Loaded::Customer(call(
                admin,
                CustomerShow { slug },
            )?))),
            Effect::PlanDelete(slug) => send(Msg::DeletePlan(call(
                admin,
                ProjectDelete {
                    slug,
                    dry_run: true,
                },
            )?)),
            Effect::PlanDeleteCustomer(slug) => send(Msg::CustomerDeletePlan(call(
                admin,
                CustomerDelete {
                    slug,
                    dry_run: true,
                },
            )?)),
            Effect::Preview(project) => send(preview(admin, project)?),
            Effect::Publish(path) => publish(admin, &path, tx)?,
            Effect::WriteAuthJson { path, host, token } => {
                let written =
                    crate::service::auth_json::merge_into(Path::new(&path), &host, &token)
                        .map(|()| format!("written to {path}"))
                        .map_err(|e| e.to_string());
                send(Msg::AuthWritten(written));
            }
            // The loop writes it to the terminal and never hands it here.
            Effect::Copy(_) => {}
        }
        Ok(())
    })();
    if let Err(error) = outcome {
        send(Msg::Failed(error));
    }
}

/// Runs a change; a create also answers with the screen and key of the row it made.
fn change(admin: &Admin, request: AdminRequest) -> Result<Option<(Tab, String)>, String> {
    let created = match request {
        AdminRequest::ProjectCreate(create) => {
            (Tab::Projects, call(admin, create)?.slug.to_string())
        }
        AdminRequest::CustomerCreate(create) => {
            (Tab::Customers, call(admin, create)?.slug.to_string())
        }
        AdminRequest::LicenceCreate(create) => (Tab::Licences, call(admin, create)?.id),
        other => {
            admin.send(other).map_err(|e| e.to_string())?;
            return Ok(None);
        }
    };
    Ok(Some(created))
}

fn preview(admin: &Admin, project: String) -> Result<Msg, String> {
    let slug = project.clone();
    let packages = call(admin, LicencePreview { project: slug })?;
    let slug = project.clone();
    let gaps = call(admin, ProjectCheck { slug })?.gaps;
    Ok(Msg::Preview {
        project,
        packages,
        gaps,
    })
}

fn refresh(admin: &Admin, tx: &Sender<Msg>, everything: bool) -> Result<(), String> {
    let send = |loaded| {
        let _ = tx.send(Msg::Loaded(loaded));
    };
    if everything {
        send(Loaded::Customers(call(admin, CustomerList {})?));
        send(Loaded::Projects(call(admin, ProjectList::default())?));
        send(Loaded::Tokens(call(admin, TokenList::default())?));
        send(Loaded::Licences(call(admin, LicenceList::default())?));
        send(Loaded::Packages(call(admin, PackageList {})?));
        let audit = AuditLog {
            limit: LIVE_FEED_LEN,
            filter: Default::default(),
        };
        send(Loaded::Audit(admin.rows(audit).map_err(|e| e.to_string())?));
        send(Loaded::Advisories(call(admin, AdvisoryOverview {})?));
        send(Loaded::Publishers(call(admin, PublisherList {})?));
        let log = PublishLog {
            limit: LIVE_FEED_LEN,
        };
        send(Loaded::PublishLog(
            admin.rows(log).map_err(|e| e.to_string())?,
        ));
    }
    // What expires within 30 days changes with the clock alone, so it comes with the statistics.
    let within = "30d".to_string();
    let expiring = LicenceExpiring {
        within,
        customer: None,
    };
    send(Loaded::Expiring(call(admin, expiring)?));
    send(Loaded::Stats(call(admin, DashboardStats {})?));
    send(Loaded::Report(call(admin, DownloadStats {})?));
    Ok(())
}

/// A batch at a time (one change each), and one bad zip does not stop the rest; every failure is
/// reported whole.
fn publish(admin: &Admin, path: &str, tx: &Sender<Msg>) -> Result<(), String> {
    let archives = collect_archives(&[PathBuf::from(path)]).map_err(|e| e.to_string())?;
    let busy = |index: usize| {
        let name = archives[index]
            .file_name()
            .unwrap_or_default()
            .to_string_lossy();
        let progress = format!("publishing {}/{}: {name}", index + 1, archives.len());
        let _ = tx.send(Msg::Busy(Some(progress)));
    };
    busy(0);
    let report = publish_in_batches(
        &archives,
        |batch| publish_batch(admin, batch),
        // Each finished archive announces the next, so the status line names the one running.
        |progress| {
            if progress.done < progress.total {
                busy(progress.done);
            }
        },
        || "the server answered no outcome for this archive".to_string(),
    );
    let _ = tx.send(Msg::Busy(None));
    if report.failed.is_empty() {
        let _ = tx.send(Msg::Done(publish_summary(&report.published)));
        return Ok(());
    }
    let failures: Vec<String> = report
        .failed
        .iter()
        .map(|(archive, error)| format!("{}: {error}", archive.display()))
        .collect();
    Err(format!(
        "{} of {} not published:\n{}",
        failures.len(),
        report.total,
        failures.join("\n")
    ))
}

fn publish_batch(admin: &Admin, batch: &[PathBuf]) -> Vec<Result<PublishOutcome, String>> {
    let archives = (batch.iter())
        .map(|archive| PublishRequest {
            path: archive.to_path_buf(),
            version: None,
            released_at: None,
        })
        .collect();
    match call(admin, PackagePublishBatch { archives }) {
        Ok(answers) => (answers.into_iter())
            .map(|answer| match answer {
                PublishAnswer::Outcome(outcome) => Ok(outcome),
                PublishAnswer::Error(error) => Err(error.message),
            })
            .collect(),
        Err(error) => batch.iter().map(|_| Err(error.clone())).collect(),
    }
}

/// "published a 1.0.0, b 2.0.0; unchanged c 1.1.0": an archive already there with the same bytes
/// changed nothing, and saying "published" would hide that a rebuild was not picked up.
pub fn publish_summary(outcomes: &[PublishOutcome]) -> String {
    let names = |unchanged: bool| {
        let picked = outcomes
            .iter()
            .filter(|o| (o.status == "unchanged") == unchanged);
        let names: Vec<String> = picked
            .map(|o| format!("{} {}", o.name, o.version))
            .collect();
        names.join(", ")
    };
    let parts = [("published", names(false)), ("unchanged", names(true))];
    let said: Vec<String> = parts
        .iter()
        .filter(|(_, names)| !names.is_empty())
        .map(|(what, names)| format!("{what} {names}"))
        .collect();
    match said.is_empty() {
        true => "nothing to publish".into(),
        false => said.join("; "),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn outcome(name: &str, version: &str, status: &str) -> PublishOutcome {
        PublishOutcome {
            name: name.into(),
            version: version.into(),
            version_normalized: format!("{version}.0"),
            shasum: "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b".into(),
            status: status.into(),
            warnings: vec![],
        }
    }

    #[test]
    fn republishing_the_same_archive_says_unchanged() {
        let outcomes = [outcome("acme/hello", "1.0.0", "unchanged")];
        assert_eq!(publish_summary(&outcomes), "unchanged acme/hello 1.0.0");
    }

    #[test]
    fn a_mixed_folder_says_what_was_published_and_what_was_unchanged() {
        let outcomes = [
            outcome("acme/hello", "1.0.0", "unchanged"),
            outcome("acme/hello", "1.1.0", "published"),
            outcome("acme/dev", "dev-main", "replaced"),
        ];
        assert_eq!(
            publish_summary(&outcomes),
            "published acme/hello 1.1.0, acme/dev dev-main; unchanged acme/hello 1.0.0"
        );
    }
}
