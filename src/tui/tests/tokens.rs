//! Tokens through their lifetime on screen: rotation asks for the overlap and shows the new key
//! once, and tokens about to expire reach the dashboard.

use super::{KEY_CI, KEY_LAPTOP, KEY_OLD_CI, NOW, draw, key, on_tab, press};
use crate::service::tokens::{CreatedToken, RotatedToken};
use crate::tui::dialog::Dialog;
use crate::tui::message::{Effect, Msg};
use crate::tui::model::Tab;
use crate::tui::update::update;
use ratatui::crossterm::event::KeyCode;

#[test]
fn rotating_asks_for_the_overlap_and_enter_sends_it() {
    let mut model = on_tab(Tab::Tokens);
    assert!(press(&mut model, "o").is_empty());
    assert!(matches!(model.dialog, Some(Dialog::Form(_))));
    assert!(update(&mut model, key(KeyCode::Esc)).is_empty());
    assert!(model.dialog.is_none(), "Esc cancels the rotation");

    press(&mut model, "o7d");
    let effects = update(&mut model, key(KeyCode::Enter));
    match effects.as_slice() {
        [
            Effect::RotateToken {
                public_key,
                overlap,
            },
        ] => {
            assert_eq!(public_key, KEY_CI);
            assert_eq!(overlap.as_deref(), Some("7d"));
        }
        other => panic!("expected a rotation, got {other:?}"),
    }
}

#[test]
fn an_empty_overlap_rotates_without_one() {
    let mut model = on_tab(Tab::Tokens);
    press(&mut model, "o");
    let effects = update(&mut model, key(KeyCode::Enter));
    assert!(
        matches!(
            effects.as_slice(),
            [Effect::RotateToken { overlap: None, .. }]
        ),
        "{effects:?}"
    );
}

#[test]
fn a_rotated_token_shows_its_new_private_key_once_and_what_became_of_the_old() {
    let mut model = on_tab(Tab::Tokens);
    let secret = "5eb63bbbe01eeed093cb22bb8f5acdc35eb63bbbe01eeed093cb22bb8f5acdc3";
    let effects = update(
        &mut model,
        Msg::TokenRotated(RotatedToken {
            token: CreatedToken {
                public_key: KEY_CI.into(),
                private_key: secret.into(),
                project: "acme-production".into(),
                label: "ci".into(),
                created_at: NOW,
            },
            previous_public_key: KEY_OLD_CI.into(),
            previous_valid_until: NOW - 1,
        }),
    );
    assert!(matches!(effects.as_slice(), [Effect::Refresh]));
    let screen = draw(&model, 120, 40);
    assert!(screen.contains(" Token rotated "), "{screen}");
    assert!(screen.contains(secret), "{screen}");
    assert!(
        screen.contains(&format!("Old key  {KEY_OLD_CI} no longer works")),
        "{screen}"
    );
    update(&mut model, key(KeyCode::Esc));
    assert!(!draw(&model, 120, 40).contains(secret), "shown once only");
}

#[test]
fn the_dashboard_lists_expiring_tokens_soonest_first_with_the_expired_marked() {
    let model = on_tab(Tab::Dashboard);
    let keys: Vec<&str> = model
        .expiring_tokens()
        .iter()
        .map(|t| t.public_key.as_str())
        .collect();
    assert_eq!(keys, [KEY_LAPTOP, KEY_CI]);
    let screen = draw(&model, 120, 40);
    assert!(
        screen.contains("Tokens expiring in the next 30 days (2)"),
        "{screen}"
    );
    assert!(screen.contains("expired"), "{screen}");
    assert!(screen.contains("in 12 days"), "{screen}");
}
