//! The operator's terminal UI: the only module that names ratatui and crossterm.
//!
//! Elm-like: `model` is the state, `input` turns keys into actions, `update` applies messages and
//! returns effects, `worker` runs effects on background threads and answers with messages, and
//! `views` draw the model. Everything but the loop below is a pure function, tested without a
//! terminal; the loop itself only waits for keys and messages and draws.

mod clipboard;
mod customer_forms;
mod dialog;
mod forms;
mod freshness;
mod input;
mod licence_forms;
mod licence_order;
mod message;
mod model;
mod navigation;
mod publishing;
mod refusals;
mod tab;
mod terminal;
mod text_input;
mod update;
mod views;
mod wording;
mod worker;

#[cfg(test)]
mod tests;

pub use input::KEY_MAP;
pub use model::ServerInfo;

use crate::service::admin::Admin;
use message::{Effect, Msg};
use model::Model;
use ratatui::crossterm::event::{self, Event, KeyEventKind};
use std::sync::Arc;
use std::sync::mpsc;
use std::time::Duration;

/// How long the loop waits for a key before looking at background answers and the clock.
const POLL: Duration = Duration::from_millis(100);

/// Runs until the operator quits. The terminal is restored on every way out.
pub fn run(admin: Arc<Admin>, info: ServerInfo) -> Result<(), String> {
    let (mut screen, _guard) =
        terminal::enter().map_err(|e| format!("cannot take over the terminal: {e}"))?;
    let (tx, rx) = mpsc::channel();
    let mut model = Model::new(info, crate::domain::time::now());
    // Following starts before the first load, so a change made in between is not missed.
    worker::spawn_feed(&admin, &tx);
    worker::spawn(&admin, Effect::Refresh, &tx);
    let fail = |e: std::io::Error| format!("terminal error: {e}");
    while !model.quit {
        screen
            .draw(|frame| views::render(frame, &model))
            .map_err(fail)?;
        let mut effects = Vec::new();
        if event::poll(POLL).map_err(fail)?
            && let Some(msg) = terminal_msg(event::read().map_err(fail)?)
        {
            effects.extend(update::update(&mut model, msg));
        }
        while let Ok(msg) = rx.try_recv() {
            effects.extend(update::update(&mut model, msg));
        }
        effects.extend(update::update(
            &mut model,
            Msg::Tick(crate::domain::time::now()),
        ));
        for effect in effects {
            match effect {
                Effect::Copy(clip) => {
                    if let Err(e) = terminal::copy(&clip.0) {
                        model::set_status(&mut model, format!("could not copy: {e}"), true);
                    }
                }
                effect => worker::spawn(&admin, effect, &tx),
            }
        }
    }
    Ok(())
}

fn terminal_msg(event: Event) -> Option<Msg> {
    match event {
        Event::Key(key) if key.kind != KeyEventKind::Release => Some(Msg::Key(key)),
        Event::Paste(text) => Some(Msg::Paste(text)),
        // A resize needs nothing but the next draw, which follows at once.
        _ => None,
    }
}
