//! Text that must survive being read or copied: keys on one line and on the clipboard whole,
//! cut text marked with `…`, versions acted on from the row under the cursor, projects picked.

use super::{KEY_CI, NOW, draw, key, on_tab, press};
use crate::service::tokens::CreatedToken;
use crate::tui::message::{Clip, Effect, Msg};
use crate::tui::model::{Model, Tab};
use crate::tui::update::update;
use ratatui::crossterm::event::KeyCode;

const PRIVATE: &str = "7c4a8d09ca3762af61e59520943dc26494f8941b7c4a8d09ca3762af61e59520";

fn with_card() -> Model {
    let mut model = on_tab(Tab::Tokens);
    update(
        &mut model,
        Msg::TokenCreated(CreatedToken {
            public_key: KEY_CI.into(),
            private_key: PRIVATE.into(),
            project: "acme-production".into(),
            label: "ci".into(),
            created_at: NOW,
        }),
    );
    model
}

/// The text of the one clipboard write among `effects`.
fn copied(effects: &[Effect]) -> String {
    match effects {
        [Effect::Copy(Clip(text))] => text.clone(),
        other => panic!("expected one clipboard write, got {other:?}"),
    }
}

#[test]
fn the_token_card_copies_the_private_key_to_the_clipboard() {
    let mut model = with_card();
    assert_eq!(copied(&press(&mut model, "2")), PRIVATE);
    let status = model.status.as_ref().map(|s| s.text.as_str());
    assert_eq!(
        status,
        Some("copied the private key to the clipboard (OSC 52; your terminal must allow it)")
    );
}

#[test]
fn the_composer_command_is_copied_as_one_line() {
    let mut model = with_card();
    let command =
        format!("composer config --global http-basic.packages.example.com {KEY_CI} {PRIVATE}");
    assert_eq!(copied(&press(&mut model, "4")), command);
    let json = copied(&press(&mut model, "3"));
    assert!(
        json.contains(&format!("\"password\": \"{PRIVATE}\"")),
        "{json}"
    );
}

#[test]
fn digits_are_typed_once_tab_moves_from_the_copy_keys_to_a_field() {
    let mut model = with_card();
    update(&mut model, key(KeyCode::Tab));
    update(&mut model, key(KeyCode::Tab));
    let effects = press(&mut model, "12");
    assert!(effects.is_empty(), "{effects:?}");
    let Some(crate::tui::dialog::Dialog::TokenCreated(card)) = &model.dialog else {
        panic!("the card stays open");
    };
    assert_eq!(card.path.text(), "12");
}

#[test]
fn c_on_the_tokens_screen_copies_the_selected_public_key() {
    let mut model = on_tab(Tab::Tokens);
    assert_eq!(copied(&press(&mut model, "c")), KEY_CI);
}

#[test]
fn the_clipboard_effect_never_shows_the_key_in_debug_output() {
    let debug = format!("{:?}", Effect::Copy(Clip(PRIVATE.into())));
    assert!(!debug.contains(PRIVATE), "{debug}");
}

#[test]
fn keys_on_the_token_card_stay_whole_on_their_own_lines_at_80_columns() {
    let screen = draw(&with_card(), 80, 24);
    let lines: Vec<&str> = screen.lines().collect();
    let whole = |key: &str| lines.iter().filter(|l| l.contains(key)).count();
    assert_eq!(whole(PRIVATE), 2, "the card and the command: {screen}");
    assert_eq!(whole(KEY_CI), 2, "the card and the command: {screen}");
    assert!(
        screen.contains("composer config --global http-basic.packages.example.com \\"),
        "{screen}"
    );
}

#[test]
fn a_package_name_too_long_for_its_column_ends_with_an_ellipsis() {
    let mut model = on_tab(Tab::Packages);
    model.data.packages[1].name = "acme/a-package-with-a-very-long-name-indeed".into();
    let screen = draw(&model, 80, 24);
    assert!(screen.contains("│acme/a-package… 2"), "{screen}");
    assert!(draw(&on_tab(Tab::Packages), 80, 24).contains("acme/payments "));
}

#[test]
fn the_whole_sha1_fits_at_120_columns() {
    let screen = draw(&on_tab(Tab::Packages), 120, 40);
    assert!(
        screen.contains("9f86d081884c7d659a2feaa0c55ad015a3bf4f1b"),
        "{screen}"
    );
}
