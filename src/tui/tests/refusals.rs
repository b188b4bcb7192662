//! Keys on rows they cannot apply to: no dialog, and a status line that says why and what to do.

use super::{on_tab, press};
use crate::tui::model::{Model, Tab};

/// The error on the status line after `keys`, with no dialog open.
fn refused(model: &mut Model, keys: &str) -> String {
    assert!(press(model, keys).is_empty());
    assert!(model.dialog.is_none(), "{keys:?} opened {:?}", model.dialog);
    let status = model.status.clone().expect("a status line");
    assert!(status.is_error, "{status:?}");
    status.text
}

fn revoked_licences() -> Model {
    let mut model = on_tab(Tab::Licences);
    model.data.licences[0].revoked = true;
    model
}

#[test]
fn activating_a_revoked_licence_says_why_not_and_to_create_a_new_one() {
    let text = refused(&mut revoked_licences(), "a");
    assert!(
        text.contains("is revoked and cannot be activated again"),
        "{text}"
    );
    assert!(
        text.contains("press n to create a new licence for acme-ltd"),
        "{text}"
    );
}

#[test]
fn no_dialog_opens_for_anything_else_a_revoked_licence_cannot_do() {
    for (key, says) in [
        ("t", "cannot be extended"),
        ("e", "cannot be edited"),
        ("m", "cannot be moved"),
        ("u", "nothing to deactivate"),
        ("x", "already revoked"),
    ] {
        let text = refused(&mut revoked_licences(), key);
        assert!(text.contains(says), "{key}: {text}");
    }
}

#[test]
fn a_revoked_licence_still_opens_a_new_licence_and_a_preview() {
    for key in ["n", "p"] {
        let mut model = revoked_licences();
        press(&mut model, key);
        assert!(model.dialog.is_some(), "{key} opened nothing");
    }
}

#[test]
fn a_licence_active_nowhere_has_nothing_to_deactivate_or_move() {
    let mut model = on_tab(Tab::Licences);
    model.data.licences[1].projects.clear();
    press(&mut model, "j");
    assert!(refused(&mut model, "u").contains("not active on any project"));
    assert!(refused(&mut model, "m").contains("press a to activate it"));
    press(&mut model, "a");
    assert!(
        model.dialog.is_some(),
        "activating it still opens the dialog"
    );
}

#[test]
fn extending_a_perpetual_licence_is_refused_with_what_to_do_instead() {
    let text = refused(&mut on_tab(Tab::Licences), "t");
    assert!(text.contains("is perpetual"), "{text}");
    assert!(
        text.contains("press n for a licence with an end date"),
        "{text}"
    );
}

#[test]
fn a_revoked_token_cannot_be_revoked_again_or_rotated() {
    let mut model = on_tab(Tab::Tokens);
    model.data.tokens[0].revoked_at = Some(super::NOW - 60);
    assert!(refused(&mut model, "x").contains("already revoked"));
    let text = refused(&mut model, "o");
    assert!(text.contains("cannot be rotated"), "{text}");
    assert!(
        text.contains("press n to issue a new token for acme-production"),
        "{text}"
    );
    press(&mut model, "n");
    assert!(model.dialog.is_some(), "a new token is still offered");
}

#[test]
fn an_error_from_the_server_names_the_key_rather_than_the_cli_command() {
    let mut model = on_tab(Tab::Licences);
    let full = "licence lic_0a1b2c3d4e5f has 1 seat, all taken: it is active on globex. \
                Deactivate it on one of them, or move it with `packagento licence move \
                lic_0a1b2c3d4e5f --from PROJECT --to PROJECT`";
    crate::tui::update::update(&mut model, crate::tui::message::Msg::Failed(full.into()));
    let error = model.status.map(|s| s.text).unwrap_or_default();
    assert!(
        error.ends_with("move it with m on the Licences screen, 5"),
        "{error}"
    );
}
