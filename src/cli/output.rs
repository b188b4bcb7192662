//! What every command's output shares: JSON for machines, times for people, following the feed.

use super::CliError;
use crate::domain::time::to_rfc3339;
use crate::service::ServiceError;
use crate::service::admin::{Admin, AdminListing};
use crate::service::changes::{Change, ChangeEvent, FeedItem};
use serde::Serialize;
use std::io::Write;
use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, OnceLock};

/// Which data folder an admin command used and whether a running server answered: an admin
/// command run in the wrong terminal otherwise changes a folder no server reads, silently.
#[derive(Debug, Clone)]
pub struct Origin {
    pub data_dir: PathBuf,
    /// Taken because nothing named a folder (no flag, environment variable or config value).
    pub default_data_dir: bool,
    pub socket: PathBuf,
    pub server: bool,
}

static ORIGIN: OnceLock<Origin> = OnceLock::new();
/// Set once the origin has gone out with the JSON, so it is said once per command.
static ORIGIN_SAID: AtomicBool = AtomicBool::new(false);

/// Records where this command runs; set once, by `backend::connect`.
pub fn record_origin(origin: Origin) {
    let _ = ORIGIN.set(origin);
}

/// One line on stderr for people: the folder (and that it is the default), and whether a server
/// answered.
pub fn say_origin() {
    let Some(origin) = ORIGIN.get() else { return };
    let folder = match origin.default_data_dir {
        true => "default data folder",
        false => "data folder",
    };
    let path = origin.data_dir.display();
    match origin.server {
        true => eprintln!("{folder} {path} · the server answered on its admin socket"),
        false => eprintln!(
            "{folder} {path} · no server answered on {}: used the database directly",
            origin.socket.display()
        ),
    }
}

/// The origin as JSON fields, unless a JSON object on stdout already carried them: on stderr,
/// as one object line, so arrays and JSON lines on stdout keep their shape.
pub fn say_origin_json() {
    let Some(origin) = ORIGIN.get() else { return };
    if !ORIGIN_SAID.swap(true, Ordering::Relaxed) {
        let mut fields = serde_json::Map::new();
        add_origin(&mut fields, origin);
        eprintln!("{}", serde_json::Value::Object(fields));
    }
}

fn add_origin(object: &mut serde_json::Map<String, serde_json::Value>, origin: &Origin) {
    let path = origin.data_dir.display().to_string();
    object.entry("data_dir").or_insert(path.into());
    object.entry("server").or_insert(origin.server.into());
}

/// Pretty JSON on stdout; an object from an admin command also says where it ran (`data_dir`,
/// `server`), anything else leaves that to a line on stderr.
pub fn print_json<T: Serialize + ?Sized>(value: &T) {
    let mut value = serde_json::to_value(value).unwrap_or(serde_json::Value::Null);
    match (&mut value, ORIGIN.get()) {
        (serde_json::Value::Object(object), Some(origin)) => {
            add_origin(object, origin);
            ORIGIN_SAID.store(true, Ordering::Relaxed);
        }
        (_, Some(_)) => say_origin_json(),
        (_, None) => {}
    }
    let text = serde_json::to_string_pretty(&value).unwrap_or_else(|_| "null".into());
    println!("{text}");
}

pub use crate::domain::text::counted;

/// A Unix time in seconds as RFC 3339, or "never".
pub fn when(unix: Option<i64>) -> String {
    unix.map(to_rfc3339).unwrap_or_else(|| "never".into())
}

/// A listing, newest first, printed row by row as it is read (a long one is never held whole);
/// or, following, the same listing oldest first (it reads like a log) and then each new item the
/// server announces, until it stops. Subscribed before listing, so nothing between the two is
/// lost; what both carry is printed once (so following holds the listing: keep its limit small).
pub fn list_or_follow<L: AdminListing + Clone>(
    admin: &Admin,
    (follow, json): (bool, bool),
    listing: L,
    announced: impl Fn(&ChangeEvent) -> &[L::Row],
    print: impl Fn(&L::Row, bool),
) -> Result<(), CliError>
where
    L::Row: PartialEq,
{
    if json {
        say_origin_json();
    }
    if !follow {
        if json {
            return print_json_rows(admin, listing);
        }
        admin.for_each_row(listing, |row| {
            print(&row, false);
            Ok(())
        })?;
        return Ok(());
    }
    let feed = follow_changes(admin)?;
    let recent = admin.rows(listing)?;
    recent.iter().rev().for_each(|item| print(item, json));
    for change in feed {
        announced(&change.event)
            .iter()
            .filter(|item| !recent.contains(item))
            .for_each(|item| print(item, json));
    }
    eprintln!("the server stopped; no more events");
    Ok(())
}

/// The listing as the same pretty JSON array `print_json` would print, written as rows arrive.
fn print_json_rows<L: AdminListing>(admin: &Admin, listing: L) -> Result<(), CliError> {
    let unwritable = |e: std::io::Error| ServiceError::Io(format!("cannot write the output: {e}"));
    let mut array = JsonArrayWriter::new(std::io::BufWriter::new(std::io::stdout().lock()));
    admin.for_each_row(listing, |row| array.push(&row).map_err(unwritable))?;
    array.finish().map_err(unwritable)?;
    Ok(())
}

/// Writes a JSON array one element at a time, byte for byte as `print_json` writes the whole
/// array; nothing until the first element, so a listing that fails at once prints nothing.
pub struct JsonArrayWriter<W: Write> {
    out: W,
    empty: bool,
}

impl<W: Write> JsonArrayWriter<W> {
    pub fn new(out: W) -> Self {
        Self { out, empty: true }
    }

    pub fn push<T: Serialize>(&mut self, value: &T) -> std::io::Result<()> {
        let text = serde_json::to_string_pretty(value).map_err(std::io::Error::other)?;
        self.out
            .write_all(if self.empty { b"[\n" } else { b",\n" })?;
        self.empty = false;
        // Pretty JSON escapes line breaks inside strings, so every line break is structure and
        // indenting each line nests the element exactly as the whole array's printing would.
        for (index, line) in text.lines().enumerate() {
            if index > 0 {
                self.out.write_all(b"\n")?;
            }
            self.out.write_all(b"  ")?;
            self.out.write_all(line.as_bytes())?;
        }
        Ok(())
    }

    pub fn finish(mut self) -> std::io::Result<()> {
        self.out
            .write_all(if self.empty { b"[]\n" } else { b"\n]\n" })?;
        self.out.flush()
    }
}

pub const FOLLOW_NEEDS_SERVER: &str =
    "--follow needs a running server (start it with `packagento serve`)";

/// The running server's changes, until it stops. A reader that fell behind is told on stderr
/// (the lines it missed are in the listing commands).
fn follow_changes(admin: &Admin) -> Result<impl Iterator<Item = Arc<Change>>, CliError> {
    if !admin.is_remote() {
        return Err(CliError::msg(FOLLOW_NEEDS_SERVER));
    }
    let feed = admin.subscribe()?;
    Ok(feed.filter_map(|item| match item {
        FeedItem::Change(change) => Some(change),
        FeedItem::Missed(missed) => {
            eprintln!("(fell behind: {missed} changes not shown)");
            None
        }
    }))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn streamed(values: &[serde_json::Value]) -> String {
        let mut out = Vec::new();
        let mut array = JsonArrayWriter::new(&mut out);
        for value in values {
            array.push(value).unwrap();
        }
        array.finish().unwrap();
        String::from_utf8(out).unwrap()
    }

    #[test]
    fn a_streamed_array_prints_exactly_as_the_whole_array_would() {
        let row = json!({
            "at_micros": 1,
            "nested": {"list": [1, {"deep": "x"}], "empty": [], "none": {}},
            "text": "two\nlines \"quoted\"",
        });
        for values in [
            vec![],
            vec![row.clone()],
            vec![row.clone(), json!(3), json!("s"), row],
        ] {
            let whole = serde_json::to_string_pretty(&values).unwrap() + "\n";
            assert_eq!(streamed(&values), whole);
        }
    }
}
