//! The logger: human or JSON lines on stderr, its level changeable while serving.

mod access;
mod batched;

use super::CliError;
use crate::config::LogFormat;
use crate::domain::text::{find_hostile, printable};
use crate::service::access_log::AccessLog;
use std::fmt::Write as _;
use std::path::Path;
use std::sync::{Arc, Mutex};
use tracing_subscriber::field::MakeExt;
use tracing_subscriber::fmt::format::Writer;
use tracing_subscriber::fmt::writer::BoxMakeWriter;
use tracing_subscriber::layer::SubscriberExt;
use tracing_subscriber::util::SubscriberInitExt;
use tracing_subscriber::{EnvFilter, Registry, fmt, reload};

/// Changes the level of the logger `init` installed, and hands access lines to it directly.
#[derive(Clone)]
pub struct LogHandle {
    level: Option<reload::Handle<EnvFilter, Registry>>,
    access: Option<Arc<access::DirectAccess>>,
}

impl LogHandle {
    /// Where the server writes its access lines, when this logger takes them directly (human
    /// lines; JSON ones go through the general formatter).
    pub fn access_log(&self) -> Option<Arc<dyn AccessLog>> {
        let access = self.access.clone()?;
        Some(access)
    }

    pub fn set_level(&self, level: &str) -> Result<(), String> {
        let filter = filter(level).map_err(|e| e.to_string())?;
        match &self.level {
            Some(handle) => handle.reload(filter).map_err(|e| e.to_string()),
            None => Ok(()),
        }
    }
}

pub fn filter(level: &str) -> Result<EnvFilter, CliError> {
    EnvFilter::try_new(level)
        .map_err(|e| CliError::msg(format!("invalid setting `log.level` ({level:?}): {e}")))
}

pub fn init(level: &str, format: LogFormat) -> Result<LogHandle, CliError> {
    // Colours only for a person at a terminal: journald and log files get plain text.
    let colour = std::io::IsTerminal::is_terminal(&std::io::stderr());
    let writeback = batched::Writeback::of(std::os::fd::AsFd::as_fd(&std::io::stderr()));
    install(level, format, std::io::stderr(), writeback, colour)
}

/// For the terminal UI, which owns the terminal: the same lines, appended to a file.
pub fn init_to_file(level: &str, format: LogFormat, path: &Path) -> Result<LogHandle, CliError> {
    use std::os::unix::fs::OpenOptionsExt;
    let file = std::fs::OpenOptions::new()
        .create(true)
        .mode(crate::service::disk::PRIVATE_FILE)
        .append(true)
        .open(path)
        .map_err(|e| CliError::msg(format!("cannot open log {}: {e}", path.display())))?;
    let writeback = batched::Writeback::of(std::os::fd::AsFd::as_fd(&file));
    install(level, format, file, writeback, false)
}

/// Keeps the background writer alive; taken (and so drained) by [`flush`] before the process ends.
static WRITER_GUARD: Mutex<Option<batched::Guard>> = Mutex::new(None);

/// Log lines are formatted on the request path but written by a thread of their own, batched:
/// one unbuffered write per access line on the serving threads halved the server's throughput,
/// and one wake-up of a writer thread per line tripled the tail (see `batched`). Not lossy: when
/// the writer falls far behind, requests wait rather than lines vanish.
fn install(
    level: &str,
    format: LogFormat,
    destination: impl std::io::Write + Send + 'static,
    writeback: Option<batched::Writeback>,
    colour: bool,
) -> Result<LogHandle, CliError> {
    let (writer, guard) = batched::spawn(destination, writeback)
        .map_err(|e| CliError::msg(format!("cannot start the log writer: {e}")))?;
    let access = Arc::new(access::DirectAccess(writer.clone()));
    let writer = BoxMakeWriter::new(writer);
    let (filter, handle) = reload::Layer::new(filter(level)?);
    let registry = tracing_subscriber::registry().with(filter);
    let installed = match format {
        LogFormat::Human => registry
            .with(
                fmt::layer()
                    .with_ansi(colour)
                    .fmt_fields(escaping_fields())
                    .with_writer(writer),
            )
            .try_init(),
        LogFormat::Json => registry
            .with(fmt::layer().json().with_writer(writer))
            .try_init(),
    };
    // Already installed (a second `run` in one process): keep the first logger.
    if installed.is_ok() {
        *WRITER_GUARD.lock().unwrap_or_else(|p| p.into_inner()) = Some(guard);
    }
    let human = matches!(format, LogFormat::Human);
    Ok(LogHandle {
        level: installed.is_ok().then_some(handle),
        access: (installed.is_ok() && human).then_some(access),
    })
}

/// Human log lines carry what clients and files supplied (names, messages, reasons): every
/// control and text-direction character in a field is shown as an escape such as `\u{1b}`, so a
/// value can neither split a line nor drive the terminal reading the log. (JSON escapes them
/// itself.)
fn escaping_fields() -> impl for<'w> fmt::FormatFields<'w> + Send + Sync + 'static {
    fmt::format::debug_fn(|writer, field, value| {
        let mut escaped = Escaping(writer);
        match field.name() {
            "message" => write!(escaped, "{value:?}"),
            name => write!(escaped, "{name}={value:?}"),
        }
    })
    .delimited(" ")
}

struct Escaping<'a, 'w>(&'a mut Writer<'w>);

impl std::fmt::Write for Escaping<'_, '_> {
    fn write_str(&mut self, text: &str) -> std::fmt::Result {
        match find_hostile(text) {
            None => self.0.write_str(text),
            Some(_) => self.0.write_str(&printable(text)),
        }
    }
}

/// Writes out every pending log line; called once, as the process is about to exit.
pub fn flush() {
    let guard = WRITER_GUARD
        .lock()
        .unwrap_or_else(|p| p.into_inner())
        .take();
    drop(guard);
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::{Arc, Mutex};

    /// Every byte a logger wrote, for the tests of this module and its children.
    #[derive(Clone, Default)]
    pub(super) struct Captured(pub(super) Arc<Mutex<Vec<u8>>>);

    impl std::io::Write for Captured {
        fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
            self.0.lock().unwrap().extend_from_slice(bytes);
            Ok(bytes.len())
        }
        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }

    #[test]
    fn control_and_direction_characters_in_log_fields_are_escaped_and_lines_stay_whole() {
        let captured = Captured::default();
        let sink = captured.clone();
        let subscriber = fmt::Subscriber::builder()
            .fmt_fields(escaping_fields())
            .with_ansi(false)
            .with_writer(move || sink.clone())
            .finish();
        tracing::subscriber::with_default(subscriber, || {
            let file = "evil\x1b[31mRED\r\nFAKE LINE\u{202e}.zip";
            tracing::warn!(file = %file, reason = file, "publish failed for {file}");
        });
        let text = String::from_utf8(captured.0.lock().unwrap().clone()).unwrap();
        assert_eq!(text.lines().count(), 1, "{text}");
        assert!(!text.contains('\x1b') && !text.contains('\r') && !text.contains('\u{202e}'));
        assert!(text.contains("file=evil\\u{1b}[31mRED"), "{text}");
        assert!(text.contains("publish failed for evil\\u{1b}"), "{text}");
    }
}
