//! The terminal UI driven by keystrokes in a real pseudo-terminal, its screen read back through a
//! terminal emulator: what an operator types and sees.

use crate::common::http_client::get;
use crate::common::zips::library;
use crate::common::{Appliance, BIN};
use portable_pty::{Child, CommandBuilder, PtySize, native_pty_system};
use serde_json::json;
use std::io::{Read, Write};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

const WAIT: Duration = Duration::from_secs(20);
const ROWS: std::num::NonZeroU16 = std::num::NonZeroU16::new(24).unwrap();
const COLS: std::num::NonZeroU16 = std::num::NonZeroU16::new(80).unwrap();

/// `packagento` (server and TUI) running in an 80×24 pseudo-terminal.
struct Terminal {
    screen: Arc<Mutex<vt100::Parser>>,
    keys: Box<dyn Write + Send>,
    child: Box<dyn Child + Send + Sync>,
}

impl Terminal {
    fn start(app: &Appliance) -> Self {
        Self::start_with(app, &[])
    }

    /// `packagento ARGS` in the terminal; `["tui"]` attaches to a running server.
    fn start_with(app: &Appliance, args: &[&str]) -> Self {
        let pty = native_pty_system()
            .openpty(PtySize {
                rows: 24,
                cols: 80,
                pixel_width: 0,
                pixel_height: 0,
            })
            .expect("open a pty");
        let mut command = CommandBuilder::new(BIN);
        command.args(args);
        command.env("PACKAGENTO_DATA_DIR", app.data_dir());
        command.env("PACKAGENTO_LISTEN", "127.0.0.1:0");
        command.env("PACKAGENTO_ARGON2_MEMORY_KIB", "64");
        command.env("PACKAGENTO_ARGON2_ITERATIONS", "1");
        command.env("TERM", "xterm-256color");
        command.env_remove("PACKAGENTO_PUBLIC_URL");
        let child = pty.slave.spawn_command(command).expect("spawn packagento");
        drop(pty.slave);
        let screen = Arc::new(Mutex::new(vt100::Parser::new(ROWS, COLS, 0)));
        let mut output = pty.master.try_clone_reader().expect("pty reader");
        let feed = Arc::clone(&screen);
        std::thread::spawn(move || {
            let mut buffer = [0u8; 8192];
            while let Ok(n @ 1..) = output.read(&mut buffer) {
                feed.lock().unwrap().process(&buffer[..n]);
            }
        });
        let keys = pty.master.take_writer().expect("pty writer");
        // The master must stay open for the child's terminal to live; leak it with the test.
        std::mem::forget(pty.master);
        Terminal {
            screen,
            keys,
            child,
        }
    }

    fn contents(&self) -> String {
        self.screen.lock().unwrap().screen().contents()
    }

    fn wait_for(&self, text: &str) -> String {
        let started = Instant::now();
        loop {
            let contents = self.contents();
            if contents.contains(text) {
                return contents;
            }
            assert!(
                started.elapsed() < WAIT,
                "{text:?} never appeared; the screen shows:\n{contents}"
            );
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    /// Waits for `text` with no key pressed, failing unless it shows within `bound` of `since`.
    fn shows_within(&self, text: &str, since: Instant, bound: Duration) {
        let contents = self.wait_for(text);
        let took = since.elapsed();
        assert!(
            took < bound,
            "{text:?} took {took:?} to appear (bound {bound:?}):\n{contents}"
        );
    }

    /// Types `text` a key at a time, as a person would.
    fn type_keys(&mut self, text: &str) {
        for byte in text.bytes() {
            self.keys.write_all(&[byte]).unwrap();
            self.keys.flush().unwrap();
            std::thread::sleep(Duration::from_millis(15));
        }
    }

    /// A lone Escape, given time to be read as such rather than as the start of a sequence.
    fn escape(&mut self) {
        std::thread::sleep(Duration::from_millis(100));
        self.type_keys("\x1b");
        std::thread::sleep(Duration::from_millis(200));
    }

    /// `q`, and `y` when asked: with the server in this process, quitting asks first.
    fn quit(mut self) {
        self.type_keys("q");
        let started = Instant::now();
        let mut answered = false;
        loop {
            if let Some(status) = self.child.try_wait().unwrap() {
                assert!(status.success(), "packagento exited with {status:?}");
                return;
            }
            if !answered && self.contents().contains("Quit and stop the server?") {
                self.type_keys("y");
                answered = true;
            }
            assert!(started.elapsed() < WAIT, "packagento did not quit");
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    /// The Composer address, as the dashboard shows it.
    fn listening(&self) -> String {
        let screen = self.wait_for("Listening");
        let line = screen.lines().find(|l| l.contains("Listening")).unwrap();
        let url = line.split("http://").nth(1).unwrap();
        url.split_whitespace()
            .next()
            .unwrap()
            .trim_end_matches('│')
            .to_string()
    }
}

#[test]
fn a_project_and_a_token_made_by_keystrokes_are_there_after_quitting() {
    let app = Appliance::new();
    let mut tui = Terminal::start(&app);
    tui.listening();
    tui.type_keys("3");
    tui.wait_for("No projects yet");
    tui.type_keys("n");
    tui.wait_for("New project");
    tui.type_keys("acme-prod\tACME Production\r");
    tui.wait_for("Projects (1)");
    tui.type_keys("\r");
    tui.wait_for("No tokens here");
    tui.type_keys("n");
    tui.wait_for("New token");
    tui.type_keys("\tci\r");
    let card = tui.wait_for("Token created");
    assert!(card.contains("shown this one time only"), "{card}");
    tui.escape();
    tui.wait_for("Tokens (1)");
    tui.quit();

    let tokens = app.json(&["token", "list"]);
    assert_eq!(tokens.as_array().unwrap().len(), 1, "{tokens}");
    assert_eq!(tokens[0]["project"], "acme-prod");
    assert_eq!(tokens[0]["label"], "ci");
    let projects = app.json(&["project", "list"]);
    assert_eq!(projects[0]["name"], "ACME Production");
}

#[test]
fn a_download_shows_on_the_live_screen_while_it_happens() {
    let app = Appliance::new();
    let zips = app.dir.path().join("zips");
    app.publish(
        &library(&zips, "acme/widget", "1.2.0", json!({}), None),
        &[],
    );
    let token = app.customer("shop");
    let mut tui = Terminal::start(&app);
    let address = tui.listening();
    tui.type_keys("7");
    tui.wait_for("Waiting for Composer requests");

    let basic = token.basic();
    let response = get(
        &address,
        "/dist/acme/widget/1.2.0.zip",
        &[("Authorization", &basic)],
    );
    assert_eq!(response.status, 200);

    let screen = tui.wait_for("acme/widget");
    let feed_line = screen.lines().find(|l| l.contains("acme/widget")).unwrap();
    assert!(
        feed_line.contains("dist") && feed_line.contains("shop"),
        "{screen}"
    );
    tui.quit();
    let downloads = app.json(&["downloads"]);
    assert_eq!(downloads[0]["package"], "acme/widget");
}

#[test]
fn the_customers_screen_lists_a_customer_from_the_command_line_and_creates_another() {
    let app = Appliance::new();
    let created = [
        "customer",
        "create",
        "initech",
        "--name",
        "Initech",
        "--email",
        "it@initech.example",
    ];
    app.run(&created);
    let mut tui = Terminal::start(&app);
    tui.listening();
    tui.type_keys("2");
    let screen = tui.wait_for("Customers (1)");
    assert!(screen.contains("Initech"), "{screen}");
    // The detail pane of the customer under the cursor, read through `customer show`.
    tui.wait_for("Licences (0)");
    tui.type_keys("n");
    tui.wait_for("New customer");
    tui.type_keys("acme-ltd\tACME Ltd\r");
    tui.wait_for("Customers (2)");
    tui.quit();

    let customers = app.json(&["customer", "list"]);
    let names: Vec<&str> = customers
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["name"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["ACME Ltd", "Initech"], "{customers}");
}

#[test]
fn attaching_without_a_running_server_says_what_is_wrong() {
    let app = Appliance::new();
    let error = app.fails(&["tui"]);
    assert!(error.contains("no packagento server is running"), "{error}");
    assert!(error.contains("packagento serve"), "{error}");
}

#[test]
fn an_attached_screen_follows_changes_from_elsewhere_and_lets_the_server_stop() {
    let mut app = Appliance::started();
    let mut tui = Terminal::start_with(&app, &["tui"]);
    tui.wait_for("attached through");
    tui.type_keys("3");
    tui.wait_for("No projects yet");
    // Made by someone else: the screen shows it without being asked to reload.
    app.run(&["project", "create", "from-the-cli"]);
    tui.wait_for("from-the-cli");

    let stopping = Instant::now();
    app.stop(); // SIGTERM; asserts a zero exit status
    assert!(
        stopping.elapsed() < Duration::from_secs(10),
        "the attached screen held the server for {:?}",
        stopping.elapsed()
    );
    tui.wait_for("live updates stopped: the server stopped");
    tui.quit();
}

/// What "current" means for the screen: a change shows within this of the command returning.
const LIVE: Duration = Duration::from_secs(1);

#[test]
fn a_project_made_with_the_cli_shows_on_an_attached_screen_within_a_second() {
    let app = Appliance::started();
    let mut tui = Terminal::start_with(&app, &["tui"]);
    tui.wait_for("attached through");
    tui.type_keys("3");
    tui.wait_for("No projects yet");
    app.run(&["project", "create", "made-elsewhere"]);
    tui.shows_within("made-elsewhere", Instant::now(), LIVE);
    tui.quit();
}

#[test]
fn a_project_made_with_the_cli_shows_on_the_in_process_screen_within_a_second() {
    let app = Appliance::new();
    let mut tui = Terminal::start(&app);
    tui.listening();
    tui.type_keys("3");
    tui.wait_for("No projects yet");
    app.run(&["project", "create", "made-elsewhere"]);
    tui.shows_within("made-elsewhere", Instant::now(), LIVE);
    tui.quit();
}

#[test]
fn a_tokens_last_use_shows_on_an_attached_screen_with_no_key_pressed() {
    let app = Appliance::started();
    let token = app.customer("shop");
    let mut tui = Terminal::start_with(&app, &["tui"]);
    tui.wait_for("attached through");
    tui.type_keys("4");
    tui.wait_for("Last used   never");
    let response = app.get_as(&token, "/packages.json", &[]);
    assert_eq!(response.status, 200);
    // The server writes token uses once a second (off the request path), so a use may wait up
    // to a second before it is announced; the screen then has the same second as any change.
    tui.shows_within("from 127.0.0.1", Instant::now(), LIVE * 2);
    let screen = tui.contents();
    assert!(screen.contains("just now"), "{screen}");
    tui.quit();
}
