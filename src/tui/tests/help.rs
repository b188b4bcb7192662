//! `?` shows help for the screen on view, and every key a screen's help names is in the key map
//! the README's list is made from.

use super::{draw, fixture, key, on_tab, press};
use crate::tui::dialog::Dialog;
use crate::tui::input::KEY_MAP;
use crate::tui::model::{Model, Tab};
use crate::tui::update::update;
use crate::tui::views::help::{EVERYWHERE, screen_keys};
use ratatui::crossterm::event::KeyCode;

/// `?` pressed on `tab`.
pub(super) fn help_on(tab: Tab) -> Model {
    let mut model = fixture();
    model.tab.current = tab;
    press(&mut model, "?");
    model
}

/// The single keys in a cell such as "Tab / Shift-Tab, ←/→" or "/".
fn keys_in(cell: &str) -> Vec<&str> {
    cell.split([' ', ','])
        .flat_map(|part| match part {
            "/" => vec!["/"],
            part => part.split('/').filter(|k| !k.is_empty()).collect(),
        })
        .collect()
}

#[test]
fn question_mark_shows_the_help_of_the_screen_on_view() {
    let model = help_on(Tab::Licences);
    assert!(matches!(
        model.dialog,
        Some(Dialog::Help {
            tab: Tab::Licences,
            ..
        })
    ));
    let screen = draw(&model, 120, 40);
    assert!(screen.contains("Help: Licences"), "{screen}");
    assert!(screen.contains("sort by created, expiry"), "{screen}");
    assert!(
        screen.contains("window closed: earlier releases"),
        "{screen}"
    );
    assert!(
        !screen.contains("rotate"),
        "Tokens' keys are not listed: {screen}"
    );

    let screen = draw(&help_on(Tab::Tokens), 120, 40);
    assert!(screen.contains("rotate"), "{screen}");
    assert!(!screen.contains("sort by"), "{screen}");
}

#[test]
fn help_closes_with_escape_and_scrolls_with_the_arrows() {
    let mut model = on_tab(Tab::Projects);
    press(&mut model, "?j");
    assert!(matches!(model.dialog, Some(Dialog::Help { scroll: 1, .. })));
    update(&mut model, key(KeyCode::Esc));
    assert!(model.dialog.is_none());
    assert_eq!(model.current(), Tab::Projects);
}

#[test]
fn every_key_a_screens_help_names_is_in_the_key_map() {
    let mapped: Vec<&str> = KEY_MAP.iter().flat_map(|(keys, _)| keys_in(keys)).collect();
    let everywhere = EVERYWHERE.iter().map(|(keys, _)| *keys);
    for tab in Tab::ALL {
        let keys = screen_keys(tab);
        for cell in keys.iter().map(|(keys, _)| *keys).chain(everywhere.clone()) {
            for single in keys_in(cell) {
                assert!(
                    mapped.contains(&single),
                    "{single:?} in the help of {} is not in KEY_MAP",
                    tab.title()
                );
            }
        }
    }
}
