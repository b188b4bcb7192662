//! What the copy keys put on the clipboard: keys are long hex strings that break when a wrapped
//! screen line is copied by hand, so the UI hands them to the terminal whole (OSC 52).

use super::dialog::Dialog;
use super::message::{Clip, Effect};
use super::model::set_status;
use super::model::{Model, Tab};
use crate::service::auth_json::{composer_config_line, document_for};

/// The copy keys of the token card, in the order of their numbers (1 first).
pub const CARD_ITEMS: [&str; 4] = ["public key", "private key", "auth.json", "composer command"];

/// The effect that copies item `what` of what is on screen, with the status line saying so.
pub fn copy(model: &mut Model, what: u8) -> Vec<Effect> {
    let Some((name, text)) = picked(model, what) else {
        return vec![];
    };
    let said = format!("copied the {name} to the clipboard (OSC 52; your terminal must allow it)");
    set_status(model, said, false);
    vec![Effect::Copy(Clip(text))]
}

fn picked(model: &Model, what: u8) -> Option<(&'static str, String)> {
    if let Some(Dialog::TokenCreated(card)) = &model.dialog {
        let token = &card.token;
        let host = card.host.text();
        let host = host.trim();
        let text = match what {
            1 => token.public_key.clone(),
            2 => token.private_key.clone(),
            3 => serde_json::to_string_pretty(&document_for(host, token)).ok()?,
            4 => composer_config_line(host, token),
            _ => return None,
        };
        return Some((CARD_ITEMS.get(usize::from(what).checked_sub(1)?)?, text));
    }
    match (model.dialog.is_none(), model.current()) {
        (true, Tab::Tokens) => Some(("public key", model.selected_token()?.public_key.clone())),
        _ => None,
    }
}
