//! The README's quickstart, run for real: every ```` ```console ```` block in README.md is a list of
//! `$ ` commands (`> ` continues one) followed by the lines they print. The commands run one by one
//! in a single bash session, in a temporary folder, and their output (stdout and stderr together)
//! must match the lines shown, so the test fails as soon as the README and the program disagree.
//!
//! In the shown lines, `…` and placeholders such as `<public-key>` stand for any text; a line that
//! is only `…` stands for any number of lines (none included). Everything else is literal.
//! Only two things of the README are changed before running it: paths under `/tmp/` move into the
//! test's own temporary folder, and the address `127.0.0.1:8080` becomes a free port (through
//! `PACKAGENTO_LISTEN`), so the test never touches a real data folder or a real server. A command
//! that starts with `packagento serve` keeps running in the background; the lines under it are
//! the first lines it prints, and at the end it must stop cleanly on SIGTERM. Steps from the first
//! `composer` or `php` command on need Composer; without it they are skipped with a note, unless
//! `PACKAGENTO_REQUIRE_COMPOSER=1` makes that a failure.

use crate::common::BIN;
use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::process::{Child, ChildStdin, Command, Stdio};
use std::sync::mpsc::{Receiver, RecvTimeoutError, channel};
use std::time::{Duration, Instant};

/// Composer resolving and installing over the network of one machine, on a busy CI box.
const STEP_TIMEOUT: Duration = Duration::from_secs(300);
/// Separates a command's output from the exit status (or process id) that follows it.
const MARK: u8 = 0x1e;

/// One `$ ` command of a console block and the lines the README shows under it.
#[derive(Debug, Clone, PartialEq)]
struct Step {
    /// README line of the `$ `, for error messages.
    line: usize,
    command: String,
    expected: Vec<String>,
}

/// Every console block's steps, in README order.
fn steps(readme: &str) -> Vec<Step> {
    let mut steps: Vec<Step> = Vec::new();
    let mut in_console = false;
    let mut in_other = false;
    let mut continuing = false;
    for (index, line) in readme.lines().enumerate() {
        if let Some(info) = line.strip_prefix("```") {
            if in_console || in_other {
                (in_console, in_other) = (false, false);
            } else if info.split_whitespace().next() == Some("console") {
                in_console = true;
            } else {
                in_other = true;
            }
            continuing = false;
            continue;
        }
        if !in_console {
            continue;
        }
        if let Some(command) = line.strip_prefix("$ ") {
            steps.push(Step {
                line: index + 1,
                command: command.to_string(),
                expected: Vec::new(),
            });
            continuing = true;
            continue;
        }
        let step = steps
            .last_mut()
            .unwrap_or_else(|| panic!("README.md line {}: output before any `$ `", index + 1));
        match line.strip_prefix('>') {
            Some(rest) if continuing => {
                step.command.push('\n');
                step.command
                    .push_str(rest.strip_prefix(' ').unwrap_or(rest));
            }
            _ => {
                continuing = false;
                step.expected.push(line.to_string());
            }
        }
    }
    steps
}

/// A piece of one shown line: literal text, or a wildcard that takes at least `min` characters.
#[derive(Debug, PartialEq)]
enum Piece {
    Text(String),
    Any { min: usize },
}

/// Splits a shown line at its wildcards: `…` (any text) and `<name>` (any text, not empty).
fn pieces(pattern: &str) -> Vec<Piece> {
    let mut pieces = Vec::new();
    let mut text = String::new();
    let mut rest = pattern;
    while let Some(c) = rest.chars().next() {
        let wildcard = if c == '…' {
            Some((0, c.len_utf8()))
        } else if c == '<' {
            placeholder_len(rest).map(|len| (1, len))
        } else {
            None
        };
        match wildcard {
            Some((min, len)) => {
                pieces.push(Piece::Text(std::mem::take(&mut text)));
                pieces.push(Piece::Any { min });
                rest = &rest[len..];
            }
            None => {
                text.push(c);
                rest = &rest[c.len_utf8()..];
            }
        }
    }
    pieces.push(Piece::Text(text));
    pieces
}

/// The length of a `<name>` placeholder (lowercase letters, digits and dashes) at the start.
fn placeholder_len(text: &str) -> Option<usize> {
    let inner = text.strip_prefix('<')?;
    let end = inner.find('>')?;
    let name = &inner[..end];
    let valid = name.starts_with(|c: char| c.is_ascii_lowercase())
        && name
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-');
    valid.then_some(end + 2)
}

fn line_matches(pattern: &str, line: &str) -> bool {
    fits(&pieces(pattern.trim_end()), line.trim_end())
}

fn fits(pieces: &[Piece], line: &str) -> bool {
    match pieces.split_first() {
        None => line.is_empty(),
        Some((Piece::Text(text), rest)) => line
            .strip_prefix(text.as_str())
            .is_some_and(|line| fits(rest, line)),
        Some((Piece::Any { min }, rest)) => line
            .char_indices()
            .map(|(at, _)| at)
            .chain([line.len()])
            .filter(|&at| line[..at].chars().count() >= *min)
            .any(|at| fits(rest, &line[at..])),
    }
}

/// Whether the shown lines account for every line of the output, in order.
fn lines_match(expected: &[String], actual: &[&str]) -> bool {
    match expected.split_first() {
        None => actual.is_empty(),
        Some((gap, rest)) if gap.trim() == "…" => {
            (0..=actual.len()).any(|skip| lines_match(rest, &actual[skip..]))
        }
        Some((first, rest)) => actual
            .split_first()
            .is_some_and(|(line, more)| line_matches(first, line) && lines_match(rest, more)),
    }
}

/// The first shown line that no continuation of the output matches (what a reader needs to fix).
fn first_mismatch(expected: &[String], actual: &[&str]) -> usize {
    (0..expected.len())
        .find(|&count| {
            let mut prefix = expected[..=count].to_vec();
            prefix.push("…".into());
            !lines_match(&prefix, actual)
        })
        .unwrap_or(expected.len())
}

fn trimmed<T: AsRef<str>>(lines: &[T]) -> &[T] {
    let end = lines
        .iter()
        .rposition(|line| !line.as_ref().trim().is_empty())
        .map_or(0, |last| last + 1);
    &lines[..end]
}

fn check(step: &Step, expected: &[String], output: &str) {
    let actual: Vec<&str> = output.lines().collect();
    let (expected, actual) = (trimmed(expected), trimmed(&actual));
    if lines_match(expected, actual) {
        return;
    }
    let at = first_mismatch(expected, actual);
    let wanted = expected
        .get(at)
        .map_or("(the end of the output)", String::as_str);
    panic!(
        "README.md drifted: `{}` (line {}) printed something else.\n\
         first shown line that does not match (README.md line {}):\n  {wanted}\n\
         --- README shows ---\n{}\n--- the command printed ---\n{}\n",
        step.command,
        step.line,
        step.line + 1 + at,
        expected.join("\n"),
        actual.join("\n"),
    );
}

/// One bash process fed the commands on stdin, as a person types them into one terminal.
struct Session {
    shell: Child,
    stdin: ChildStdin,
    output: Receiver<Vec<u8>>,
    pending: Vec<u8>,
    scratch: PathBuf,
    servers: Vec<u32>,
}

impl Session {
    fn start(scratch: &Path, port: u16) -> Session {
        let bin_dir = Path::new(BIN).parent().expect("binary folder");
        let path = std::env::var("PATH").unwrap_or_default();
        let mut command = Command::new("bash");
        command
            .args(["--noprofile", "--norc"])
            .current_dir(env!("CARGO_MANIFEST_DIR"))
            .env("PATH", format!("{}:{path}", bin_dir.display()))
            .env("HOME", scratch.join("home"))
            .env("PACKAGENTO_LISTEN", format!("127.0.0.1:{port}"))
            .env("COMPOSER_HOME", scratch.join("composer-home"))
            .env("COMPOSER_CACHE_DIR", scratch.join("composer-cache"))
            .env("COMPOSER_ALLOW_SUPERUSER", "1")
            // Composer wraps long lines at the terminal width.
            .env("COLUMNS", "500")
            .env_remove("XDG_DATA_HOME")
            .env_remove("COMPOSER")
            .env_remove("COMPOSER_AUTH");
        for (name, _) in std::env::vars() {
            if name.starts_with("PACKAGENTO_") && name != "PACKAGENTO_LISTEN" {
                command.env_remove(name);
            }
        }
        let mut shell = command
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .expect("start bash");
        let mut stdout = shell.stdout.take().expect("bash stdout");
        let (tx, output) = channel();
        std::thread::spawn(move || {
            let mut buffer = [0u8; 8192];
            while let Ok(n @ 1..) = stdout.read(&mut buffer) {
                if tx.send(buffer[..n].to_vec()).is_err() {
                    break;
                }
            }
        });
        let stdin = shell.stdin.take().expect("bash stdin");
        let mut session = Session {
            shell,
            stdin,
            output,
            pending: Vec::new(),
            scratch: scratch.to_path_buf(),
            servers: Vec::new(),
        };
        // What a person sees in a terminal is stdout and stderr interleaved.
        session.send("exec 2>&1\n");
        session
    }

    fn send(&mut self, text: &str) {
        self.stdin
            .write_all(text.as_bytes())
            .and_then(|()| self.stdin.flush())
            .expect("write to bash");
    }

    /// Runs one command (stdin closed, so nothing waits for input) and returns its exit status
    /// and output.
    fn run(&mut self, command: &str) -> (i32, String) {
        self.send(&format!(
            "{{ {command}\n}} </dev/null\nprintf '\\036%s\\n' \"$?\"\n"
        ));
        self.answer(command)
    }

    /// Reads up to the mark, then the number after it.
    fn answer(&mut self, command: &str) -> (i32, String) {
        let deadline = Instant::now() + STEP_TIMEOUT;
        loop {
            if let Some(at) = self.pending.iter().position(|&b| b == MARK)
                && let Some(end) = self.pending[at..].iter().position(|&b| b == b'\n')
            {
                let rest = self.pending.split_off(at + end + 1);
                let block = std::mem::replace(&mut self.pending, rest);
                let output = String::from_utf8_lossy(&block[..at]).into_owned();
                let number = String::from_utf8_lossy(&block[at + 1..at + end]).into_owned();
                let number = number.trim().parse().unwrap_or(-1);
                return (number, output);
            }
            let left = deadline.saturating_duration_since(Instant::now());
            match self.output.recv_timeout(left) {
                Ok(bytes) => self.pending.extend(bytes),
                Err(RecvTimeoutError::Timeout) => panic!(
                    "`{command}` did not finish within {STEP_TIMEOUT:?}; it printed:\n{}",
                    String::from_utf8_lossy(&self.pending)
                ),
                Err(RecvTimeoutError::Disconnected) => panic!(
                    "the shell ended during `{command}`; it printed:\n{}",
                    String::from_utf8_lossy(&self.pending)
                ),
            }
        }
    }

    /// Starts a server in the background and returns its first `lines` lines of stdout.
    fn start_server(&mut self, command: &str, lines: usize) -> String {
        let out = self
            .scratch
            .join(format!("server-{}.out", self.servers.len()));
        let log = out.with_extension("log");
        let line = format!(
            "{command} >'{}' 2>'{}' </dev/null &\nprintf '\\036%s\\n' \"$!\"\n",
            out.display(),
            log.display()
        );
        self.send(&line);
        let (pid, _) = self.answer(command);
        self.servers.push(u32::try_from(pid).expect("server pid"));
        let deadline = Instant::now() + Duration::from_secs(60);
        loop {
            let text = std::fs::read_to_string(&out).unwrap_or_default();
            if text.lines().count() >= lines && text.ends_with('\n') {
                return text.lines().take(lines).collect::<Vec<_>>().join("\n");
            }
            let log_text = || std::fs::read_to_string(&log).unwrap_or_default();
            let alive = Path::new(&format!("/proc/{pid}")).exists();
            assert!(alive, "`{command}` stopped: {text}{}", log_text());
            assert!(
                Instant::now() < deadline,
                "`{command}` printed only {text:?} in 60 s; log: {}",
                log_text()
            );
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    /// SIGTERM to each server, which must exit 0 (the graceful shutdown).
    fn stop_servers(&mut self) {
        while let Some(pid) = self.servers.pop() {
            let (status, output) = self.run(&format!("kill -TERM {pid}; wait {pid}"));
            assert_eq!(status, 0, "the server did not stop cleanly: {output}");
        }
    }
}

impl Drop for Session {
    fn drop(&mut self) {
        for pid in &self.servers {
            let _ = Command::new("kill").arg(pid.to_string()).status();
        }
        let _ = self.shell.kill();
        let _ = self.shell.wait();
    }
}

fn free_port() -> u16 {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind a free port");
    listener.local_addr().expect("local address").port()
}

fn needs_composer(command: &str) -> bool {
    matches!(command.split_whitespace().next(), Some("composer" | "php"))
}

#[test]
fn the_readme_quickstart_runs_and_prints_what_the_readme_shows() {
    let scratch = tempfile::tempdir().expect("temp dir");
    std::fs::create_dir_all(scratch.path().join("home")).expect("home");
    let port = free_port();
    let readme = std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("README.md"))
        .expect("read README.md")
        .replace("/tmp/", &format!("{}/", scratch.path().display()))
        .replace("127.0.0.1:8080", &format!("127.0.0.1:{port}"));
    let steps = steps(&readme);
    assert!(
        steps
            .iter()
            .any(|s| s.command.starts_with("packagento serve"))
            && steps.len() >= 8,
        "README.md has lost its quickstart: {} console steps",
        steps.len()
    );
    let mut session = Session::start(scratch.path(), port);
    for step in &steps {
        if needs_composer(&step.command) && !crate::composer::composer_available() {
            eprintln!("note: the quickstart was checked up to `{}`", step.command);
            break;
        }
        if step.command.starts_with("packagento serve") {
            let shown = trimmed(&step.expected);
            let output = session.start_server(&step.command, shown.len());
            check(step, shown, &output);
            continue;
        }
        let (status, output) = session.run(&step.command);
        assert_eq!(
            status, 0,
            "`{}` (README.md line {}) failed:\n{output}",
            step.command, step.line
        );
        check(step, &step.expected, &output);
    }
    session.stop_servers();
}

fn shown(lines: &[&str]) -> Vec<String> {
    lines.iter().map(|line| line.to_string()).collect()
}

#[test]
fn shown_lines_match_only_the_output_they_describe() {
    let expected = shown(&["Token for <project>.", "…", "key: …  (once)", "done"]);
    let output = ["Token for demo.", "", "x", "key: ab12  (once)", "done"];
    assert!(lines_match(&expected, &output));
    // Placeholders need some text, `…` lines may stand for none, every other line is literal.
    assert!(!lines_match(
        &expected,
        &["Token for .", "key: a  (once)", "done"]
    ));
    assert!(lines_match(
        &expected,
        &["Token for d.", "key:   (once)", "done"]
    ));
    assert!(!lines_match(
        &expected,
        &["Token for demo.", "key: ab  (once)"]
    ));
    assert!(!lines_match(
        &expected,
        &["Token for demo.", "key: ab  (once)", "done", "more"]
    ));
    assert_eq!(first_mismatch(&expected, &["Token for demo.", "done"]), 2);
    // Only lowercase names are placeholders: `<B>` stays literal.
    assert!(line_matches("a <B> c", "a <B> c"));
    assert!(!line_matches("a <B> c", "a b c"));
}

#[test]
fn console_blocks_split_into_commands_continuations_and_output() {
    let readme = "text\n```sh\n$ not run\n```\n```console\n$ echo a \\\n>   b\na b\n$ cat <<'EOF'\n> x\n> EOF\nx\n```\n";
    assert_eq!(
        steps(readme),
        vec![
            Step {
                line: 6,
                command: "echo a \\\n  b".into(),
                expected: shown(&["a b"]),
            },
            Step {
                line: 9,
                command: "cat <<'EOF'\nx\nEOF".into(),
                expected: shown(&["x"]),
            },
        ]
    );
}
