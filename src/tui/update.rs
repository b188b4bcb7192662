//! The one place the model changes: a message in, the background work it calls for out.

use super::dialog::{COPY_ROW, Choices, Dialog, Preview, PublisherCard, TokenCard};
use super::freshness::{loaded_tokens, reload_customer_details, select_created, tokens_used};
use super::input::{Action, action};
use super::message::{Effect, Loaded, Msg};
use super::model::{LIVE_FEED_LEN, Model, Tab, set_status};
use super::text_input::TextInput;
use super::{clipboard, customer_forms, forms, navigation, publishing};
use crate::domain::audit::AuditEntry;
use crate::domain::records::DownloadEvent;
use crate::domain::time::to_rfc3339;
use crate::service::changes::{ChangeEvent, FeedItem};
use crate::service::tokens::CreatedToken;

/// While downloads arrive, statistics are re-read at most this often (seconds); live events
/// update the sparkline in between.
const STATS_EVERY: i64 = 5;

/// The audit action of a shared-token alert, which changes a token row without its own event.
const SHARED_ALERT: &str = "token.shared_alert";

pub fn update(model: &mut Model, msg: Msg) -> Vec<Effect> {
    match msg {
        Msg::Key(key) => {
            let action = action(model, key);
            on_action(model, action)
        }
        Msg::Paste(text) => {
            if let Some(Dialog::Form(form)) = &mut model.dialog
                && let Some(choices) = form.focused_choices()
            {
                // A pasted slug narrows a pick to it, as typing it would.
                if !choices.several {
                    let filter = format!("{}{}", choices.filter, text.trim());
                    choices.set_filter(filter);
                }
            } else if let Some(input) = focused_input(model) {
                input.paste(&text);
            }
            vec![]
        }
        Msg::Tick(now) => on_tick(model, now),
        Msg::Loaded(loaded) => on_loaded(model, loaded),
        Msg::Done(text) => {
            close_finished(model);
            set_status(model, text, false);
            // The change comes back on the feed; without one, reload by hand.
            match model.live_error {
                Some(_) => vec![Effect::Refresh],
                None => vec![],
            }
        }
        Msg::Created { tab, key } => {
            model.created = Some((tab, key));
            select_created(model);
            navigation::load_selected(model)
        }
        Msg::Failed(error) => {
            let error = super::wording::for_tui(&error);
            match &mut model.dialog {
                Some(Dialog::Form(form)) if form.waiting => {
                    form.waiting = false;
                    form.error = Some(error);
                }
                _ => set_status(model, error, true),
            }
            vec![]
        }
        other => on_result(model, other),
    }
}

/// The form or question just answered closes, also when the quit question covers it.
fn close_finished(model: &mut Model) {
    let finished = |d: &Dialog| matches!(d, Dialog::Form(_) | Dialog::Confirm(_));
    match &mut model.dialog {
        Some(Dialog::Quit { behind }) if behind.as_deref().is_some_and(finished) => *behind = None,
        Some(dialog) if finished(dialog) => model.dialog = None,
        _ => {}
    }
}

/// With the server in this process, quitting takes the repository offline: ask first. Asked
/// again (Ctrl-c twice), it quits.
fn quit(model: &mut Model) {
    match model.dialog {
        _ if !model.info.in_process => model.quit = true,
        Some(Dialog::Quit { .. }) => model.quit = true,
        _ => {
            let behind = model.dialog.take().map(Box::new);
            model.dialog = Some(Dialog::Quit { behind });
        }
    }
}

/// A new private key, shown this once with a way to write it into an auth.json.
fn token_card(model: &mut Model, token: CreatedToken, rotated: Option<String>) -> Vec<Effect> {
    model.created = Some((Tab::Tokens, token.public_key.clone()));
    model.dialog = Some(Dialog::TokenCreated(Box::new(TokenCard {
        host: TextInput::with_text(&model.info.default_host()),
        path: TextInput::default(),
        focus: COPY_ROW,
        outcome: None,
        token,
        rotated,
    })));
    vec![Effect::Refresh]
}

fn on_result(model: &mut Model, msg: Msg) -> Vec<Effect> {
    match msg {
        Msg::TokenCreated(token) => return token_card(model, token, None),
        Msg::TokenRotated(rotated) => {
            let old = rotated.previous_public_key;
            let until = to_rfc3339(rotated.previous_valid_until);
            let note = match rotated.previous_valid_until > model.now {
                true => format!("{old} works until {} UTC", until[..16].replace('T', " ")),
                false => format!("{old} no longer works"),
            };
            return token_card(model, rotated.token, Some(note));
        }
        Msg::PublisherCreated(publisher) => {
            let publish_url = format!("{}/api/publish", model.info.base_url());
            let card = PublisherCard {
                publisher,
                publish_url,
            };
            model.dialog = Some(Dialog::PublisherCreated(Box::new(card)));
            // The new row comes on the feed; without one, reload by hand.
            if model.live_error.is_some() {
                return vec![Effect::Refresh];
            }
        }
        Msg::DeletePlan(plan) => model.dialog = Some(forms::confirm_delete(plan)),
        Msg::CustomerDeletePlan(plan) => model.dialog = Some(customer_forms::confirm_delete(plan)),
        Msg::Preview {
            project,
            packages,
            gaps,
        } => {
            model.dialog = Some(Dialog::Preview(Preview {
                project,
                packages,
                gaps,
                scroll: 0,
            }))
        }
        Msg::AuthWritten(outcome) => {
            if let Some(Dialog::TokenCreated(card)) = &mut model.dialog {
                card.outcome = Some(outcome);
            }
        }
        Msg::Busy(text) => model.busy = text,
        Msg::Feed(item) => on_feed(model, item),
        Msg::LiveEnded(error) => {
            // Said on every screen: from now on what is shown may go stale.
            set_status(model, format!("live updates stopped: {error}"), true);
            model.live_error = Some(error);
        }
        _ => {}
    }
    vec![]
}

/// Reloads are coalesced to one per tick: a bulk publish announces every archive.
fn on_tick(model: &mut Model, now: i64) -> Vec<Effect> {
    // The dashboard's windows (per minute, today) move with the clock even without traffic.
    let minute_turned = now / 60 != model.now / 60;
    model.now = now;
    if std::mem::take(&mut model.lists_stale) {
        model.stats_stale = false;
        model.advisories_stale = false;
        model.stats_asked_at = now;
        return vec![Effect::Refresh];
    }
    // A screen that shows download figures keeps them within a second of the feed.
    let every = match model.current() {
        Tab::Dashboard | Tab::Downloads | Tab::Customers => 1,
        _ => STATS_EVERY,
    };
    let stats_due = model.stats_stale && now - model.stats_asked_at >= every;
    let mut effects = Vec::new();
    if stats_due || minute_turned {
        model.stats_stale = false;
        model.stats_asked_at = now;
        effects.push(Effect::RefreshStats);
        // A customer's downloads and licence states move with the traffic and the clock.
        effects.extend(reload_customer_details(model));
    }
    // Who is affected walks every download event: after downloads, once a minute at most unless
    // the screen that shows it is open.
    let advisories_due = minute_turned || model.current() == Tab::Advisories;
    if advisories_due && std::mem::take(&mut model.advisories_stale) {
        effects.push(Effect::RefreshAdvisories);
    }
    effects
}

fn on_feed(model: &mut Model, item: FeedItem) {
    let change = match item {
        FeedItem::Change(change) => change,
        // Something was dropped on the way: only a full reload is sure to be right.
        FeedItem::Missed(_) => {
            model.lists_stale = true;
            return;
        }
    };
    match &change.event {
        ChangeEvent::DownloadsRecorded { events } => {
            events.iter().for_each(|event| live_download(model, event));
            model.stats_stale = true;
            model.advisories_stale = true;
        }
        ChangeEvent::DownloadsPruned { .. } => {
            model.stats_stale = true;
            model.advisories_stale = true;
        }
        ChangeEvent::TokensUsed { uses } => tokens_used(model, uses),
        // The change it describes is announced on its own and reloads what it touched, except a
        // shared-token alert, written with the downloads and announced only here.
        ChangeEvent::Audited { entries } => {
            if entries.iter().any(|e| e.action == SHARED_ALERT) {
                model.lists_stale = true;
            }
            live_audit(model, entries)
        }
        ChangeEvent::PublisherCreated { publisher }
        | ChangeEvent::PublisherRevoked { publisher } => {
            publishing::publisher_changed(model, publisher)
        }
        ChangeEvent::PublishAttempted { entry } => publishing::publish_attempted(model, entry),
        _ => model.lists_stale = true,
    }
}

fn live_download(model: &mut Model, event: &DownloadEvent) {
    let stats = &mut model.data.stats;
    if let Some(last) = stats.downloads_per_minute.last_mut() {
        *last += 1;
    }
    stats.latest.insert(0, event.clone());
    stats.latest.truncate(12);
    model.data.report.record(event);
    model.data.live.push_front(event.clone());
    model.data.live.truncate(LIVE_FEED_LEN);
    if model.current() == Tab::Downloads && model.selected(Tab::Downloads) > 0 {
        // Keep the row the operator is looking at under the cursor as the feed grows.
        navigation::move_by(model, 1);
    }
}

fn live_audit(model: &mut Model, entries: &[AuditEntry]) {
    for entry in entries {
        model.data.audit.push_front(entry.clone());
        if model.current() == Tab::Audit && model.selected(Tab::Audit) > 0 {
            navigation::move_by(model, 1);
        }
    }
    model.data.audit.truncate(LIVE_FEED_LEN);
}

/// A reload read before the newest entries committed must not drop the ones the feed brought.
fn loaded_audit(model: &mut Model, rows: Vec<AuditEntry>) {
    let newest = rows.first().map_or(i64::MIN, |e| e.at_micros);
    let mut audit: std::collections::VecDeque<AuditEntry> = rows.into();
    let arrived = model
        .data
        .audit
        .iter()
        .take_while(|e| e.at_micros >= newest);
    let missing: Vec<AuditEntry> = arrived.filter(|e| !audit.contains(e)).cloned().collect();
    for entry in missing.into_iter().rev() {
        audit.push_front(entry);
    }
    audit.truncate(LIVE_FEED_LEN);
    model.data.audit = audit;
}

fn on_loaded(model: &mut Model, loaded: Loaded) -> Vec<Effect> {
    model.loaded = true;
    let data = &mut model.data;
    match loaded {
        Loaded::Projects(rows) => data.projects = rows,
        Loaded::Tokens(rows) => loaded_tokens(model, rows),
        Loaded::Licences(rows) => data.licences = rows,
        Loaded::Expiring(rows) => data.expiring = rows,
        Loaded::Customers(rows) => {
            data.customers = rows;
            data.customer_details.clear();
            select_created(model);
            navigation::clamp_all(model);
            return navigation::load_selected(model);
        }
        Loaded::Customer(detail) => {
            let slug = detail.customer.slug.to_string();
            data.customer_details.insert(slug, detail);
        }
        Loaded::Packages(rows) => {
            data.packages = rows;
            data.package_details.clear();
            navigation::clamp_all(model);
            return navigation::load_selected(model);
        }
        Loaded::Package(detail) => {
            data.package_details.insert(detail.name.clone(), detail);
        }
        Loaded::Stats(stats) => data.stats = stats,
        Loaded::Report(report) => data.report = report,
        Loaded::Audit(rows) => loaded_audit(model, rows),
        Loaded::Publishers(rows) => data.publishers = rows,
        Loaded::PublishLog(rows) => publishing::loaded_publish_log(model, rows),
        Loaded::Advisories(rows) => {
            data.advisories = rows;
            data.advisory_details.clear();
            navigation::clamp_all(model);
            return navigation::load_selected(model);
        }
        Loaded::Advisory(impact) => {
            data.advisory_details
                .insert(impact.advisory.id.clone(), impact);
        }
    }
    select_created(model);
    navigation::clamp_all(model);
    vec![]
}

fn focused_input(model: &mut Model) -> Option<&mut TextInput> {
    let tab = model.current();
    match &mut model.dialog {
        Some(Dialog::Form(form)) => Some(form.focused()),
        Some(Dialog::TokenCreated(card)) => match card.focus {
            0 => Some(&mut card.host),
            1 => Some(&mut card.path),
            _ => None,
        },
        None if model.tab.editing_filter => Some(model.tab.filters.entry(tab).or_default()),
        _ => None,
    }
}

/// Keys on a field picked from a list: ←/→ move; on a single pick typing narrows the list, on a
/// pick of several Space marks and a letter jumps to the next option starting with it. False
/// when the action is not about the list.
fn pick(choices: &mut Choices, action: Action) -> bool {
    let mut filter = choices.filter.clone();
    match action {
        Action::Left => choices.step(false),
        Action::Right => choices.step(true),
        Action::Type(' ') if choices.several => choices.toggle(),
        Action::Type(c) if choices.several => jump(choices, c),
        Action::Type(c) => {
            filter.push(c);
            choices.set_filter(filter);
        }
        Action::Backspace => {
            filter.pop();
            choices.set_filter(filter);
        }
        Action::ClearLine => choices.set_filter(String::new()),
        Action::DeleteChar | Action::Home | Action::End => {}
        _ => return false,
    }
    true
}

fn jump(choices: &mut Choices, c: char) {
    let count = choices.options.len();
    let starts = |i: usize| {
        let label = &choices.options[i % count].label;
        label.to_lowercase().starts_with(c.to_ascii_lowercase())
    };
    if let Some(i) = (choices.index + 1..choices.index + 1 + count).find(|&i| starts(i)) {
        choices.index = i % count;
    }
}

fn on_action(model: &mut Model, action: Action) -> Vec<Effect> {
    if let Some(effects) = edit_text(model, action) {
        return effects;
    }
    match action {
        Action::Quit => quit(model),
        Action::Help => {
            let tab = model.current();
            model.dialog = Some(Dialog::Help { scroll: 0, tab });
        }
        Action::Filter => {
            model.tab.editing_filter = true;
            model.tab.filters.entry(model.current()).or_default().end();
        }
        Action::Refresh => return vec![Effect::Refresh],
        Action::Sort if model.current() == Tab::Licences => sort_licences(model),
        Action::Clipboard(what) => return clipboard::copy(model, what),
        Action::Yes if matches!(model.dialog, Some(Dialog::Quit { .. })) => model.quit = true,
        Action::Yes => return forms::confirmed(model),
        Action::No => {
            if let Some(Dialog::Quit { behind }) = model.dialog.take() {
                model.dialog = behind.map(|d| *d);
            }
        }
        Action::Back => back(model),
        // Enter on a publish attempt shows the whole of it.
        Action::Open if model.current() == Tab::PublishLog => {
            model.dialog = publishing::entry_details(model)
        }
        Action::Open => return navigation::open(model),
        Action::NextTab | Action::PrevTab | Action::GoTab(_) => {
            return navigation::switch_tab(model, action);
        }
        Action::Up | Action::Down | Action::Top | Action::Bottom => {
            return navigation::move_cursor(model, action);
        }
        Action::PageUp | Action::PageDown => return navigation::move_cursor(model, action),
        _ => return forms::open(model, action),
    }
    vec![]
}

/// The next sort column; the cursor stays on the licence it was on.
fn sort_licences(model: &mut Model) {
    let id = model.selected_licence().map(|l| l.id.clone());
    model.tab.licence_sort = model.tab.licence_sort.next();
    let visible = model.visible_licences();
    let index = visible.iter().position(|l| Some(&l.id) == id.as_ref());
    model.tab.selected.insert(Tab::Licences, index.unwrap_or(0));
}

fn back(model: &mut Model) {
    if model.dialog.take().is_some() {
        return;
    }
    if std::mem::take(&mut model.in_versions) {
        return;
    }
    let tab = model.current();
    model.tab.filters.remove(&tab);
    model.status = None;
}

/// Text editing, when a field has the keyboard. `None` when the action is not about text.
fn edit_text(model: &mut Model, action: Action) -> Option<Vec<Effect>> {
    if model.tab.editing_filter && model.dialog.is_none() {
        match action {
            Action::Submit | Action::NextField | Action::PrevField => {
                model.tab.editing_filter = false;
                return Some(vec![]);
            }
            Action::Back => {
                model.tab.editing_filter = false;
                model.tab.filters.remove(&model.current());
                return Some(vec![]);
            }
            _ => {}
        }
    }
    if matches!(
        action,
        Action::Submit | Action::NextField | Action::PrevField
    ) {
        return Some(forms::field_key(model, action));
    }
    if let Some(Dialog::Form(form)) = &mut model.dialog
        && let Some(choices) = form.focused_choices()
    {
        return pick(choices, action).then(Vec::new);
    }
    let input = focused_input(model)?;
    match action {
        Action::Type(c) => input.insert(c),
        Action::Backspace => input.backspace(),
        Action::DeleteChar => input.delete(),
        Action::Left => input.left(),
        Action::Right => input.right(),
        Action::Home => input.home(),
        Action::End => input.end(),
        Action::ClearLine => input.clear_before_cursor(),
        _ => return None,
    }
    let tab = model.current();
    if model.dialog.is_none() {
        model.tab.selected.insert(tab, 0);
    }
    Some(navigation::after_filter(model))
}
