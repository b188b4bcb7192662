//! Access lines written directly into the log's buffer, in the very text the general formatter
//! gives the same event: the per-field layers of a general event cost a busy server a tenth of
//! its processor time on the cheapest answers (a 304).

use super::batched::LineWriter;
use crate::domain::text::printable;
use crate::domain::time;
use crate::service::access_log::{ACCESS_TARGET, AccessLine, AccessLog};
use std::cell::RefCell;
use std::fmt::Write as _;
use std::io::Write as _;
use tracing::Level;
use tracing_subscriber::fmt::MakeWriter;

/// Human access lines into the same buffer, in the same order, as every other log line.
pub struct DirectAccess(pub LineWriter);

thread_local! {
    /// One line's text, kept per serving thread so a line costs no allocation.
    static LINE: RefCell<String> = const { RefCell::new(String::new()) };
}

impl AccessLog for DirectAccess {
    fn record(&self, line: &AccessLine<'_>) {
        // The level can change while serving: asked each time, as the general path does.
        if !tracing::enabled!(target: ACCESS_TARGET, Level::INFO) {
            return;
        }
        LINE.with(|text| {
            let mut text = text.borrow_mut();
            text.clear();
            if human_line(line, &mut text).is_ok() {
                let _ = self.0.make_writer().write(text.as_bytes());
            }
        });
    }
}

/// `2026-01-02T03:04:05.678901Z  INFO packagento::access: request method=GET path=… status=200
/// bytes=… duration_ms=… token="…" client=…`, with hostile characters made visible. Put together
/// piece by piece: general formatting of every field was most of a line's cost.
fn human_line(line: &AccessLine<'_>, out: &mut String) -> std::fmt::Result {
    time::write_log_timestamp(time::now_micros(), out)?;
    out.push_str("  INFO packagento::access: request method=");
    push_printable(out, line.method);
    out.push_str(" path=");
    push_printable(out, line.path);
    write!(out, " status={} bytes={}", line.status, line.bytes)?;
    write!(out, " duration_ms={:?} token=", line.duration_ms)?;
    push_quoted(out, line.token);
    out.push_str(" client=");
    push_printable(out, line.client);
    out.push('\n');
    Ok(())
}

fn push_printable(out: &mut String, text: &str) {
    out.push_str(&printable(text));
}

/// `text` as `Debug` quotes it: a public key (hex) or `-` needs no escape, so it is copied.
fn push_quoted(out: &mut String, text: &str) {
    if text.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-') {
        out.push('"');
        out.push_str(text);
        out.push('"');
        return;
    }
    push_printable(out, &format!("{text:?}"));
}

#[cfg(test)]
mod tests {
    use super::super::tests::Captured;
    use super::*;
    use tracing_subscriber::fmt;

    const LINE: AccessLine<'static> = AccessLine {
        method: "GET",
        path: "/p2/acme/t\u{1b}[31mool\u{202e}.json",
        status: 304,
        bytes: 0,
        duration_ms: 0.25,
        token: "e6f565cd",
        client: "127.0.0.1",
    };

    /// The line as the general formatter writes the event `AccessLine::trace` logs.
    fn general_line() -> String {
        let captured = Captured::default();
        let sink = captured.clone();
        let subscriber = fmt::Subscriber::builder()
            .fmt_fields(super::super::escaping_fields())
            .with_ansi(false)
            .with_writer(move || sink.clone())
            .finish();
        tracing::subscriber::with_default(subscriber, || LINE.trace());
        String::from_utf8(captured.0.lock().unwrap().clone()).unwrap()
    }

    #[test]
    fn a_direct_access_line_reads_exactly_as_the_general_formatter_writes_it() {
        let general = general_line();
        let mut direct = String::new();
        human_line(&LINE, &mut direct).unwrap();
        let after_stamp = |line: &str| line.split_once("Z ").unwrap().1.to_string();
        assert_eq!(after_stamp(&direct), after_stamp(&general));
        assert!(
            direct.contains("path=/p2/acme/t\\u{1b}[31mool\\u{202e}.json"),
            "{direct}"
        );
        assert!(
            direct.ends_with(" token=\"e6f565cd\" client=127.0.0.1\n"),
            "{direct}"
        );
        let stamp = |line: &str| line.split_once(' ').unwrap().0.len();
        assert_eq!(stamp(&direct), stamp(&general));
        assert_eq!(direct.as_bytes()[19], b'.', "{direct}");
    }

    #[test]
    fn a_token_field_that_needs_escapes_is_quoted_as_the_general_formatter_quotes_it() {
        let mut quoted = String::new();
        push_quoted(&mut quoted, "a\"b\\c");
        assert_eq!(quoted, r#""a\"b\\c""#);
        quoted.clear();
        push_quoted(&mut quoted, "0ed4c23b-");
        assert_eq!(quoted, "\"0ed4c23b-\"");
    }

    #[test]
    fn direct_access_lines_follow_the_log_level() {
        let captured = Captured::default();
        let (writer, guard) = super::super::batched::spawn(captured.clone(), None).unwrap();
        let direct = DirectAccess(writer);
        let quiet = fmt::Subscriber::builder()
            .with_max_level(Level::WARN)
            .finish();
        tracing::subscriber::with_default(quiet, || direct.record(&LINE));
        let chatty = fmt::Subscriber::builder()
            .with_max_level(Level::INFO)
            .finish();
        tracing::subscriber::with_default(chatty, || direct.record(&LINE));
        drop(guard);
        let text = String::from_utf8(captured.0.lock().unwrap().clone()).unwrap();
        assert_eq!(text.lines().count(), 1, "{text}");
        assert!(text.contains("status=304"), "{text}");
    }
}
