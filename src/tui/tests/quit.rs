//! Quitting: with the server in this process the repository goes offline, so `q` and Ctrl-c
//! ask first; attached to another server they quit at once.

use super::{fixture, key, press};
use crate::tui::dialog::Dialog;
use crate::tui::message::Msg;
use crate::tui::model::{Model, Tab};
use crate::tui::update::update;
use ratatui::crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

fn ctrl_c() -> Msg {
    Msg::Key(KeyEvent::new(KeyCode::Char('c'), KeyModifiers::CONTROL))
}

fn attached() -> Model {
    let mut model = fixture();
    model.info.in_process = false;
    model.info.mode = "attached through /var/lib/packagento/admin.sock".into();
    model
}

fn asking(model: &Model) -> bool {
    matches!(model.dialog, Some(Dialog::Quit { .. }))
}

#[test]
fn q_asks_before_stopping_the_server_in_this_process() {
    let mut model = fixture();
    press(&mut model, "q");
    assert!(asking(&model));
    assert!(!model.quit);
}

#[test]
fn y_on_the_quit_question_quits() {
    let mut model = fixture();
    press(&mut model, "qy");
    assert!(model.quit);
}

#[test]
fn n_or_esc_on_the_quit_question_keeps_running() {
    let mut model = fixture();
    press(&mut model, "qn");
    assert!(!model.quit);
    assert!(model.dialog.is_none());
    press(&mut model, "q");
    update(&mut model, key(KeyCode::Esc));
    assert!(!model.quit);
    assert!(model.dialog.is_none());
}

#[test]
fn other_keys_on_the_quit_question_do_nothing() {
    let mut model = fixture();
    press(&mut model, "q2jr");
    assert!(asking(&model));
    assert_eq!(model.current(), Tab::Dashboard);
    assert!(!model.quit);
}

#[test]
fn ctrl_c_asks_too_and_a_second_ctrl_c_quits() {
    let mut model = fixture();
    update(&mut model, ctrl_c());
    assert!(asking(&model));
    assert!(!model.quit);
    update(&mut model, ctrl_c());
    assert!(model.quit);
}

#[test]
fn ctrl_c_in_a_form_asks_and_cancelling_brings_the_form_back_as_typed() {
    let mut model = fixture();
    update(&mut model, key(KeyCode::Char('3')));
    press(&mut model, "nacme-qa");
    update(&mut model, ctrl_c());
    assert!(asking(&model));
    update(&mut model, key(KeyCode::Char('n')));
    match &model.dialog {
        Some(Dialog::Form(form)) => assert_eq!(form.value(0), "acme-qa"),
        other => panic!("the form should be back, found {other:?}"),
    }
    assert!(!model.quit);
}

#[test]
fn attached_to_another_server_q_quits_at_once() {
    let mut model = attached();
    press(&mut model, "q");
    assert!(model.quit);
    assert!(model.dialog.is_none());
}

#[test]
fn attached_to_another_server_ctrl_c_quits_at_once() {
    let mut model = attached();
    update(&mut model, ctrl_c());
    assert!(model.quit);
}
