//! The Publishers and Publish log screens' state changes: creating and revoking publisher tokens,
//! and keeping both lists current from the change feed.

use super::dialog::{Confirm, Details, Dialog, Field, Form, FormKind};
use super::input::Action;
use super::message::Effect;
use super::model::{LIVE_FEED_LEN, Model, Tab};
use super::navigation;
use crate::domain::publish_log::PublishEvent;
use crate::domain::time::to_rfc3339;
use crate::service::admin::{self, AdminRequest};
use crate::service::summaries::PublisherSummary;
use std::collections::VecDeque;

/// The form or question a key opens on the Publishers screen.
pub fn dialog(model: &Model, action: Action) -> Option<Dialog> {
    match action {
        Action::New => Some(Dialog::Form(Form::new(
            FormKind::NewPublisher,
            "New publisher token",
            vec![
                Field::new("Label", "optional, e.g. github-actions", ""),
                Field::new(
                    "Packages",
                    "names or vendor/* it may publish, space-separated; empty: any package",
                    "",
                ),
            ],
        ))),
        Action::Revoke => {
            let publisher = model.selected_publisher()?;
            if publisher.revoked_at.is_some() {
                return None;
            }
            let key = publisher.public_key.clone();
            Some(Dialog::Confirm(Confirm {
                title: "Revoke publisher token".into(),
                lines: vec![
                    format!("Revoke publisher token {key} ({})?", publisher.label),
                    "Uploads with it are refused from the next request on.".into(),
                    "Releases it published stay. This cannot be undone.".into(),
                ],
                request: AdminRequest::PublisherRevoke(admin::PublisherRevoke {
                    public_key: key.clone(),
                }),
                done: format!("revoked publisher token {key}"),
            }))
        }
        _ => None,
    }
}

/// The new-publisher form's request: packages may be separated by spaces or commas.
pub fn submit(form: &Form) -> Effect {
    let label = form.value(0);
    let packages = form.value(1);
    Effect::CreatePublisher {
        label: (!label.is_empty()).then_some(label),
        packages: packages
            .split(|c: char| c == ',' || c.is_whitespace())
            .filter(|p| !p.is_empty())
            .map(str::to_string)
            .collect(),
    }
}

/// The publish attempt under the cursor in full: its error can be many lines long.
pub fn entry_details(model: &Model) -> Option<Dialog> {
    let entries = model.visible_publish_log();
    let entry = entries.get(model.selected(Tab::PublishLog))?;
    let mut fields = vec![
        ("When", to_rfc3339(entry.at_micros / 1_000_000)),
        ("Route", entry.source.clone()),
        ("Outcome", entry.outcome.clone()),
    ];
    if let Some(package) = &entry.package {
        let version = entry.version.as_deref().unwrap_or("");
        fields.push(("Release", format!("{package} {version}")));
    }
    if let Some(file) = &entry.file {
        fields.push(("File", file.clone()));
    }
    let note = (entry.source == "inbox" && entry.outcome == "failed")
        .then(|| "The file was moved to inbox/failed/, with this error beside it.".to_string());
    Some(Dialog::Details(Details {
        title: format!("Publish attempt, {}", entry.outcome),
        fields,
        note,
        body: entry.message.clone().unwrap_or_else(|| "no message".into()),
        scroll: 0,
    }))
}

/// A created or revoked publisher token replaces its row, or joins the list.
pub fn publisher_changed(model: &mut Model, publisher: &PublisherSummary) {
    let rows = &mut model.data.publishers;
    match rows
        .iter_mut()
        .find(|p| p.public_key == publisher.public_key)
    {
        Some(row) => *row = publisher.clone(),
        None => rows.push(publisher.clone()),
    }
}

/// Only a release that went in changes other screens; failures and repeats touch nothing else.
pub fn publish_attempted(model: &mut Model, entry: &PublishEvent) {
    model.data.publish_log.push_front(entry.clone());
    model.data.publish_log.truncate(LIVE_FEED_LEN);
    if model.current() == Tab::PublishLog && model.selected(Tab::PublishLog) > 0 {
        // Keep the row the operator is reading under the cursor as the log grows.
        navigation::move_by(model, 1);
    }
    if entry.outcome == "published" {
        model.lists_stale = true;
    }
}

/// A reload read before the newest attempts were logged must not drop the ones the feed brought.
pub fn loaded_publish_log(model: &mut Model, rows: Vec<PublishEvent>) {
    let newest = rows.first().map_or(i64::MIN, |e| e.at_micros);
    let mut log: VecDeque<PublishEvent> = rows.into();
    let held = &model.data.publish_log;
    let arrived = held.iter().take_while(|e| e.at_micros >= newest);
    let missing: Vec<PublishEvent> = arrived.filter(|e| !log.contains(e)).cloned().collect();
    for entry in missing.into_iter().rev() {
        log.push_front(entry);
    }
    log.truncate(LIVE_FEED_LEN);
    model.data.publish_log = log;
}
