//! Runs effects off the UI thread and sends the answers back as messages, so the screen keeps
//! drawing and taking keys while the server works (a slow publish, a big statistics query).

use super::message::{Effect, Loaded, Msg};
use super::source::DataSource;
use crate::service::admin::AdminRequest;
use crate::service::publish::{PublishOutcome, PublishRequest, collect_archives, publish_each};
use serde::de::DeserializeOwned;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::mpsc::Sender;

pub fn spawn(source: &Arc<dyn DataSource>, effect: Effect, tx: &Sender<Msg>) {
    let (source, tx) = (source.clone(), tx.clone());
    std::thread::spawn(move || run(source.as_ref(), effect, &tx));
}

/// Follows live downloads for as long as the screen is open.
pub fn spawn_live(source: &Arc<dyn DataSource>, tx: &Sender<Msg>) {
    let (source, tx) = (source.clone(), tx.clone());
    std::thread::spawn(move || {
        let outcome = source.follow(&mut |event| tx.send(Msg::Live(event)).is_ok());
        let reason = outcome.err().unwrap_or_else(|| "the stream ended".into());
        let _ = tx.send(Msg::LiveEnded(reason));
    });
}

fn call<T: DeserializeOwned>(source: &dyn DataSource, request: AdminRequest) -> Result<T, String> {
    let value = source.call(request)?;
    serde_json::from_value(value).map_err(|e| format!("unexpected answer from the server: {e}"))
}

fn run(source: &dyn DataSource, effect: Effect, tx: &Sender<Msg>) {
    let send = |msg| {
        let _ = tx.send(msg);
    };
    let outcome: Result<(), String> = (|| {
        match effect {
            Effect::Refresh => refresh(source, tx, true)?,
            Effect::RefreshStats => refresh(source, tx, false)?,
            Effect::LoadPackage(name) => send(Msg::Loaded(Loaded::Package(call(
                source,
                AdminRequest::PackageShow { name },
            )?))),
            Effect::Change { request, done } => {
                source.call(request)?;
                send(Msg::Done(done));
            }
            Effect::CreateToken { project, label } => {
                send(Msg::TokenCreated(call(
                    source,
                    AdminRequest::TokenCreate { project, label },
                )?));
            }
            Effect::PlanDelete(slug) => send(Msg::DeletePlan(call(
                source,
                AdminRequest::ProjectDelete {
                    slug,
                    dry_run: true,
                },
            )?)),
            Effect::Preview(project) => {
                let packages = call(
                    source,
                    AdminRequest::LicencePreview {
                        project: project.clone(),
                    },
                )?;
                send(Msg::Preview { project, packages });
            }
            Effect::Publish(path) => publish(source, &path, tx)?,
            Effect::WriteAuthJson { path, host, token } => {
                let written =
                    crate::service::auth_json::merge_into(Path::new(&path), &host, &token)
                        .map(|()| format!("written to {path}"))
                        .map_err(|e| e.to_string());
                send(Msg::AuthWritten(written));
            }
        }
        Ok(())
    })();
    if let Err(error) = outcome {
        send(Msg::Failed(error));
    }
}

fn refresh(source: &dyn DataSource, tx: &Sender<Msg>, everything: bool) -> Result<(), String> {
    let send = |loaded| {
        let _ = tx.send(Msg::Loaded(loaded));
    };
    if everything {
        send(Loaded::Projects(call(source, AdminRequest::ProjectList)?));
        send(Loaded::Tokens(call(
            source,
            AdminRequest::TokenList { project: None },
        )?));
        send(Loaded::Licences(call(source, AdminRequest::LicenceList)?));
        send(Loaded::Packages(call(source, AdminRequest::PackageList)?));
    }
    send(Loaded::Stats(call(source, AdminRequest::DashboardStats)?));
    send(Loaded::Report(call(source, AdminRequest::DownloadStats)?));
    Ok(())
}

/// One archive at a time, so one bad zip does not stop the rest; every failure is reported whole.
fn publish(source: &dyn DataSource, path: &str, tx: &Sender<Msg>) -> Result<(), String> {
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
    let report = publish_each(
        &archives,
        |archive| {
            let request = AdminRequest::PackagePublish(PublishRequest {
                path: archive.to_path_buf(),
                version: None,
                released_at: None,
            });
            call::<PublishOutcome>(source, request)
        },
        // Each finished archive announces the next, so the status line names the one running.
        |progress| {
            if progress.done < progress.total {
                busy(progress.done);
            }
        },
    );
    let _ = tx.send(Msg::Busy(None));
    if report.failed.is_empty() {
        let published: Vec<String> = report
            .published
            .iter()
            .map(|outcome| format!("{} {}", outcome.name, outcome.version))
            .collect();
        let _ = tx.send(Msg::Done(format!("published {}", published.join(", "))));
        return Ok(());
    }
    let _ = tx.send(Msg::Loaded(Loaded::Packages(call(
        source,
        AdminRequest::PackageList,
    )?)));
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
