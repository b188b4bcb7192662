//! Keys to actions. Which action a key means depends only on what is on screen (a text field, a
//! question, a list), so this is a pure function of the model and the key.

use super::dialog::{COPY_ROW, Dialog};
use super::model::Model;
use ratatui::crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Action {
    Quit,
    NextTab,
    PrevTab,
    GoTab(usize),
    Up,
    Down,
    Top,
    Bottom,
    PageUp,
    PageDown,
    Open,
    Back,
    Help,
    Filter,
    Refresh,
    New,
    Rename,
    Delete,
    Revoke,
    Activate,
    Deactivate,
    Preview,
    Extend,
    Move,
    Rotate,
    Sort,
    /// Copy to the clipboard: on the token card 1 public key, 2 private key, 3 auth.json,
    /// 4 the composer command; on the Tokens screen the selected public key.
    Clipboard(u8),
    // In a text field.
    Type(char),
    Backspace,
    DeleteChar,
    Left,
    Right,
    Home,
    End,
    ClearLine,
    NextField,
    PrevField,
    Submit,
    // In a question.
    Yes,
    No,
    Nothing,
}

enum Context {
    Text,
    /// The token card's copy row: digits copy, Tab goes on to the fields.
    Card,
    Question,
    Reading,
    Lists,
}

fn context(model: &Model) -> Context {
    match &model.dialog {
        Some(Dialog::TokenCreated(card)) if card.focus == COPY_ROW => Context::Card,
        Some(Dialog::Form(_)) | Some(Dialog::TokenCreated(_)) => Context::Text,
        Some(Dialog::Confirm(_)) | Some(Dialog::Quit { .. }) => Context::Question,
        Some(Dialog::Help { .. }) | Some(Dialog::Preview(_)) => Context::Reading,
        Some(Dialog::PublisherCreated(_)) | Some(Dialog::Details(_)) => Context::Reading,
        None if model.tab.editing_filter => Context::Text,
        None => Context::Lists,
    }
}

pub fn action(model: &Model, key: KeyEvent) -> Action {
    let ctrl = key.modifiers.contains(KeyModifiers::CONTROL);
    if ctrl && key.code == KeyCode::Char('c') {
        return Action::Quit;
    }
    match context(model) {
        Context::Text => text_action(key.code, ctrl),
        Context::Question => match key.code {
            KeyCode::Char('y') | KeyCode::Char('Y') => Action::Yes,
            KeyCode::Char('n') | KeyCode::Char('N') | KeyCode::Esc | KeyCode::Char('q') => {
                Action::No
            }
            _ => Action::Nothing,
        },
        Context::Reading => match key.code {
            KeyCode::Esc | KeyCode::Enter | KeyCode::Char('q') | KeyCode::Char('?') => Action::Back,
            code => movement(code, ctrl).unwrap_or(Action::Nothing),
        },
        Context::Card => card_action(key.code),
        Context::Lists => list_action(key.code, ctrl),
    }
}

fn card_action(code: KeyCode) -> Action {
    match code {
        KeyCode::Char(c @ '1'..='4') => Action::Clipboard(c as u8 - b'0'),
        KeyCode::Tab | KeyCode::Down => Action::NextField,
        KeyCode::BackTab | KeyCode::Up => Action::PrevField,
        KeyCode::Enter => Action::Submit,
        KeyCode::Esc | KeyCode::Char('q') => Action::Back,
        _ => Action::Nothing,
    }
}

fn text_action(code: KeyCode, ctrl: bool) -> Action {
    match code {
        KeyCode::Char('u') if ctrl => Action::ClearLine,
        KeyCode::Char('a') if ctrl => Action::Home,
        KeyCode::Char('e') if ctrl => Action::End,
        KeyCode::Char(c) if !ctrl => Action::Type(c),
        KeyCode::Backspace => Action::Backspace,
        KeyCode::Delete => Action::DeleteChar,
        KeyCode::Left => Action::Left,
        KeyCode::Right => Action::Right,
        KeyCode::Home => Action::Home,
        KeyCode::End => Action::End,
        KeyCode::Tab | KeyCode::Down => Action::NextField,
        KeyCode::BackTab | KeyCode::Up => Action::PrevField,
        KeyCode::Enter => Action::Submit,
        KeyCode::Esc => Action::Back,
        _ => Action::Nothing,
    }
}

fn movement(code: KeyCode, ctrl: bool) -> Option<Action> {
    Some(match code {
        KeyCode::Up | KeyCode::Char('k') => Action::Up,
        KeyCode::Down | KeyCode::Char('j') => Action::Down,
        KeyCode::Home | KeyCode::Char('g') => Action::Top,
        KeyCode::End | KeyCode::Char('G') => Action::Bottom,
        KeyCode::PageUp => Action::PageUp,
        KeyCode::PageDown => Action::PageDown,
        KeyCode::Char('u') if ctrl => Action::PageUp,
        KeyCode::Char('d') if ctrl => Action::PageDown,
        _ => return None,
    })
}

fn list_action(code: KeyCode, ctrl: bool) -> Action {
    if let Some(action) = movement(code, ctrl) {
        return action;
    }
    match code {
        KeyCode::Char('q') => Action::Quit,
        KeyCode::Tab | KeyCode::Right | KeyCode::Char('l') => Action::NextTab,
        KeyCode::BackTab | KeyCode::Left | KeyCode::Char('h') => Action::PrevTab,
        KeyCode::Char(c @ '1'..='9') => Action::GoTab(c as usize - '1' as usize),
        // The screens after the ninth share 0: pressed again, it moves on to the next of them.
        KeyCode::Char('0') => Action::GoTab(9),
        KeyCode::Enter => Action::Open,
        KeyCode::Esc => Action::Back,
        KeyCode::Char('?') => Action::Help,
        KeyCode::Char('/') => Action::Filter,
        KeyCode::Char('r') => Action::Refresh,
        KeyCode::Char('n') => Action::New,
        KeyCode::Char('e') => Action::Rename,
        KeyCode::Char('d') => Action::Delete,
        KeyCode::Char('x') => Action::Revoke,
        KeyCode::Char('a') => Action::Activate,
        KeyCode::Char('u') => Action::Deactivate,
        KeyCode::Char('p') => Action::Preview,
        KeyCode::Char('t') => Action::Extend,
        KeyCode::Char('m') => Action::Move,
        KeyCode::Char('o') => Action::Rotate,
        KeyCode::Char('s') => Action::Sort,
        KeyCode::Char('c') => Action::Clipboard(1),
        _ => Action::Nothing,
    }
}

/// Every key, for the help screen and the README: (keys, what they do).
pub const KEY_MAP: &[(&str, &str)] = &[
    ("Tab / Shift-Tab, ←/→, h/l", "next / previous screen"),
    (
        "1 … 9, 0",
        "go to a screen; 0: Publishers, pressed again: Publish log",
    ),
    ("↑/↓, k/j", "move in a list"),
    ("g/G, Home/End", "first / last row"),
    ("PgUp/PgDn, Ctrl-u/Ctrl-d", "a page up / down"),
    (
        "Enter",
        "open: a project's tokens, a publish attempt in full",
    ),
    ("Esc", "back: close a dialog, clear the filter"),
    ("/", "filter the list (Downloads: by project or package)"),
    (
        "n",
        "new customer / project / token / licence / release / publisher",
    ),
    ("e", "rename a customer or project / edit a licence's terms"),
    ("d", "delete a customer or project / remove a version"),
    ("x", "revoke a token, licence or publisher / yank a version"),
    ("a / u", "(de)activate a licence; u: unyank a version"),
    ("t / m", "extend a licence / move it to another project"),
    (
        "o",
        "rotate a token: a new key pair, the old one kept for an overlap",
    ),
    ("p", "preview what a project sees"),
    (
        "s",
        "sort the Licences: created, expiry, customer, project, package, state",
    ),
    (
        "c",
        "copy the selected token's public key to the clipboard (OSC 52)",
    ),
    (
        "1 … 4 on a new token",
        "copy public key, private key, auth.json, composer command",
    ),
    ("r", "refresh now"),
    ("?", "this help"),
    (
        "q, Ctrl-c",
        "quit; with the server in this process, y confirms stopping it",
    ),
    (
        "In a field",
        "←/→ Home/End move, Backspace/Del, Ctrl-u clear, paste",
    ),
    (
        "In a form",
        "Tab/↓ next field, Shift-Tab/↑ previous, Enter submit, Esc cancel",
    ),
    (
        "In a list field",
        "←/→ choose, typing filters; several: Space marks",
    ),
    ("In a question", "y confirm, n or Esc cancel"),
];
