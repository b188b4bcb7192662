//! Text that must survive being read or copied: keys on one line and on the clipboard whole,
//! cut text marked with `…`, versions acted on from the row under the cursor, projects picked.

use super::{KEY_CI, NOW, draw, key, on_tab, press};
use crate::service::admin::{self, AdminRequest};
use crate::service::tokens::CreatedToken;
use crate::tui::dialog::Dialog;
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

fn sent(effects: Vec<Effect>) -> AdminRequest {
    match effects.into_iter().next() {
        Some(Effect::Change { request, .. }) => request,
        other => panic!("expected a request, got {other:?}"),
    }
}

fn question(model: &Model) -> String {
    match &model.dialog {
        Some(Dialog::Confirm(confirm)) => confirm.lines.join("\n"),
        other => panic!("expected a question, got {other:?}"),
    }
}

#[test]
fn yanking_acts_on_the_version_under_the_cursor_and_asks_only_a_reason() {
    let mut model = on_tab(Tab::Packages);
    update(&mut model, key(KeyCode::Enter));
    press(&mut model, "jx");
    let Some(Dialog::Form(form)) = &model.dialog else {
        panic!("expected the yank form, got {:?}", model.dialog);
    };
    assert_eq!(form.title, "Yank acme/payments 2.0.0");
    press(&mut model, "broken build");
    match sent(update(&mut model, key(KeyCode::Enter))) {
        AdminRequest::PackageYank(admin::PackageYank {
            name,
            version,
            reason,
        }) => {
            assert_eq!(
                (name.as_str(), version.as_str()),
                ("acme/payments", "2.0.0")
            );
            assert_eq!(reason.as_deref(), Some("broken build"));
        }
        other => panic!("expected a yank, got {other:?}"),
    }
}

#[test]
fn removing_asks_a_question_naming_the_version_and_the_lock_files_it_breaks() {
    let mut model = on_tab(Tab::Packages);
    update(&mut model, key(KeyCode::Enter));
    press(&mut model, "Gd");
    let asked = question(&model);
    assert!(
        asked.contains("Remove acme/payments 1.9.3 for good?"),
        "{asked}"
    );
    assert!(
        asked.contains("Lock files that pin acme/payments 1.9.3 will fail to install"),
        "{asked}"
    );
    assert!(
        press(&mut model, "n").is_empty(),
        "n asks nothing of the server"
    );
    press(&mut model, "d");
    match sent(press(&mut model, "y")) {
        AdminRequest::PackageRemove(remove) => {
            assert_eq!(remove.version, "1.9.3");
            assert!(!remove.dry_run);
        }
        other => panic!("expected a removal, got {other:?}"),
    }
}

#[test]
fn without_entering_the_versions_x_acts_on_the_newest_and_esc_leaves_them() {
    let mut model = on_tab(Tab::Packages);
    update(&mut model, key(KeyCode::Enter));
    press(&mut model, "j");
    update(&mut model, key(KeyCode::Esc));
    assert!(!model.in_versions);
    press(&mut model, "j");
    assert_eq!(model.selected_package().unwrap().name, "acme/shipping");
    press(&mut model, "k");
    assert_eq!(
        model.version_row, 0,
        "another package starts at its newest version"
    );
    press(&mut model, "x");
    let Some(Dialog::Form(form)) = &model.dialog else {
        panic!("expected the yank form, got {:?}", model.dialog);
    };
    assert_eq!(form.title, "Yank acme/payments 2.1.0");
}

#[test]
fn unyanking_a_version_that_is_not_yanked_says_so_and_asks_nothing() {
    let mut model = on_tab(Tab::Packages);
    assert!(press(&mut model, "u").is_empty());
    assert!(model.dialog.is_none());
    let status = model.status.as_ref().unwrap();
    assert_eq!(status.text, "acme/payments 2.1.0 is not yanked");
}

#[test]
fn a_yanked_version_is_restored_after_a_question_naming_it() {
    let mut model = on_tab(Tab::Packages);
    for detail in model.data.package_details.values_mut() {
        detail.versions[0].yanked = true;
    }
    press(&mut model, "u");
    assert!(question(&model).contains("Restore acme/payments 2.1.0?"));
    match sent(press(&mut model, "y")) {
        AdminRequest::PackageUnyank(unyank) => assert_eq!(unyank.version, "2.1.0"),
        other => panic!("expected an unyank, got {other:?}"),
    }
}

fn picked(model: &Model) -> String {
    match &model.dialog {
        Some(Dialog::Form(form)) => form.value(0),
        other => panic!("expected a form, got {other:?}"),
    }
}

#[test]
fn a_new_token_picks_its_project_starting_from_the_one_in_view() {
    let mut model = on_tab(Tab::Tokens);
    press(&mut model, "j");
    press(&mut model, "n");
    assert_eq!(
        picked(&model),
        "acme-staging",
        "the selected token's project"
    );
    update(&mut model, key(KeyCode::Right));
    assert_eq!(picked(&model), "globex");
    update(&mut model, key(KeyCode::Right));
    assert_eq!(picked(&model), "acme-production", "round the end");
}

#[test]
fn typing_narrows_the_projects_and_arrows_move_among_those_left() {
    let mut model = on_tab(Tab::Tokens);
    press(&mut model, "nacme");
    assert_eq!(picked(&model), "acme-production");
    update(&mut model, key(KeyCode::Right));
    assert_eq!(picked(&model), "acme-staging");
    update(&mut model, key(KeyCode::Right));
    assert_eq!(picked(&model), "acme-production", "globex is filtered out");
    press(&mut model, "x");
    assert_eq!(picked(&model), "", "nothing matches acmex");
    assert!(update(&mut model, key(KeyCode::Enter)).is_empty());
    update(&mut model, key(KeyCode::Backspace));
    update(&mut model, key(KeyCode::Tab));
    press(&mut model, "ci");
    match update(&mut model, key(KeyCode::Enter)).as_slice() {
        [Effect::CreateToken { project, label }] => {
            assert_eq!(project, "acme-production");
            assert_eq!(label.as_deref(), Some("ci"));
        }
        other => panic!("expected a token request, got {other:?}"),
    }
}

#[test]
fn a_slug_pasted_into_a_project_pick_narrows_it_to_that_project() {
    let mut model = on_tab(Tab::Tokens);
    press(&mut model, "n");
    update(&mut model, Msg::Paste("globex\n".into()));
    assert_eq!(picked(&model), "globex");
    let Some(Dialog::Form(form)) = &model.dialog else {
        panic!("expected the new-token form");
    };
    let choices = form.fields[0].choices.as_ref().unwrap();
    assert_eq!(choices.filter, "globex");
}
