//! `?`: help for the screen on view — what it shows, every key that works there, what its states
//! and colours mean — then the keys that work everywhere.

use super::style::{accent, bad, bold, dim, good, notice};
use crate::tui::model::Tab;
use ratatui::style::Style;
use ratatui::text::{Line, Span, Text};

/// (keys or state, what it means), one a line.
type Pairs = &'static [(&'static str, &'static str)];

/// One screen's help.
pub struct ScreenHelp {
    pub shows: &'static str,
    /// (keys, what they do) on this screen only.
    pub keys: Pairs,
    /// (state, meaning); the state is drawn in the colour the screen uses for it.
    pub states: Pairs,
}

/// Keys that work on every screen.
pub const EVERYWHERE: &[(&str, &str)] = &[
    ("Tab/Shift-Tab", "next / previous screen (also ←/→ and h/l)"),
    (
        "1 … 9, 0",
        "go to a screen; 0: Publishers, again: Publish log",
    ),
    (
        "↑/↓, k/j",
        "move in a list; g/G first/last, PgUp/PgDn a page",
    ),
    ("r", "refresh now"),
    ("?", "this help; Esc closes it"),
    (
        "q, Ctrl-c",
        "quit (with the server in this process, y confirms)",
    ),
];

const LIST: &[(&str, &str)] = &[("/", "filter the list; Enter keeps it, Esc clears it")];

pub fn screen(tab: Tab) -> ScreenHelp {
    let (shows, keys, states): (_, Pairs, Pairs) = match tab {
        Tab::Dashboard => (
            "The server at a glance: counts, downloads per minute, the latest downloads, licences and tokens about to expire, shared tokens and open advisories.",
            &[],
            &[
                (
                    "expired",
                    "a token past its expiry: Composer is refused with it",
                ),
                (
                    "Shared tokens",
                    "a token used from more addresses than allowed in a day",
                ),
            ],
        ),
        Tab::Customers => (
            "Who buys: each customer with their projects and licences; the one under the cursor in detail (projects, licences, tokens, downloads).",
            &[
                ("n", "new customer"),
                ("e", "rename the customer"),
                ("d", "delete, after showing everything that goes with it"),
            ],
            &[],
        ),
        Tab::Projects => (
            "Each customer environment, with its active tokens and activated licences.",
            &[
                ("n", "new project"),
                ("e", "rename the project (the slug stays)"),
                (
                    "d",
                    "delete, after showing the tokens and licences it touches",
                ),
                ("Enter", "the project's tokens"),
                ("p", "preview what the project sees, version by version"),
            ],
            &[],
        ),
        Tab::Tokens => (
            "Install tokens (Composer's credentials), per project, with where they were last used.",
            &[
                ("n", "new token; its private key is shown once"),
                (
                    "o",
                    "rotate: a new key pair, the old one kept for an overlap",
                ),
                ("x", "revoke the token (from the next request on)"),
                ("c", "copy its public key to the clipboard (OSC 52)"),
                (
                    "1 … 4 on a new token",
                    "copy public key, private key, auth.json, composer command",
                ),
            ],
            &[
                ("active", "Composer may install with it"),
                (
                    "rotating",
                    "replaced; its old key still works until the overlap ends",
                ),
                ("expired", "past its expiry date: refused"),
                ("revoked", "refused"),
            ],
        ),
        Tab::Licences => (
            "What each customer may install: packages, term, the projects it is activated on; the one under the cursor in full below.",
            &[
                ("n", "new licence"),
                ("a / u", "activate on / deactivate from a project"),
                ("t", "extend a subscription's window"),
                ("e", "edit the terms (versions, seats, dependencies, note)"),
                ("m", "move an activation to another project"),
                ("x", "revoke the licence"),
                ("p", "preview what a project sees"),
                (
                    "s",
                    "sort by created, expiry, customer, project, package, state",
                ),
            ],
            &[
                ("active", "grants what it covers, new releases included"),
                (
                    "expired",
                    "window closed: earlier releases stay installable",
                ),
                ("revoked", "grants nothing"),
            ],
        ),
        Tab::Packages => (
            "Every package with its versions; the one under the cursor version by version.",
            &[
                ("n", "publish a .zip or a folder of them"),
                ("Enter", "move into the versions; Esc back to the packages"),
                (
                    "x",
                    "yank the version under the cursor (lock files still install it)",
                ),
                ("u", "unyank the version under the cursor"),
                (
                    "d",
                    "remove the version under the cursor for good (asks first)",
                ),
            ],
            &[("yanked", "hidden from new resolutions")],
        ),
        Tab::Downloads => (
            "Downloads as they happen (newest on top) and the totals per package and token.",
            &[],
            &[
                ("dist", "an archive was downloaded"),
                ("notify", "Composer reported an install"),
            ],
        ),
        Tab::Audit => (
            "Every committed change: when, who (operator, publisher token, inbox, git), what, before → after. Grows as changes commit.",
            &[],
            &[],
        ),
        Tab::Advisories => (
            "Security advisories with how many projects downloaded an affected version and how many are not yet seen on a fix; who exactly, for the one under the cursor.",
            &[],
            &[
                ("Unresolved", "projects last seen on an affected version"),
                ("withdrawn", "no longer served to composer audit"),
            ],
        ),
        Tab::Publishers => (
            "Publisher tokens: the credentials CI uploads releases with (POST /api/publish). They may publish, never install. Last used is read from the audit log on hand.",
            &[
                ("n", "new publisher token; its private key is shown once"),
                ("x", "revoke the publisher token"),
            ],
            &[
                ("active", "uploads with it are accepted"),
                ("revoked", "uploads with it are refused"),
            ],
        ),
        Tab::PublishLog => (
            "Every attempt to publish, from the CLI, an upload, the inbox or git, newest first; failed inbox files are in inbox/failed/.",
            &[("Enter", "the attempt in full, with the whole error")],
            &[
                ("published", "the release went in"),
                ("unchanged", "the same archive was already published"),
                ("failed", "refused; the message says why"),
            ],
        ),
    };
    ScreenHelp {
        shows,
        keys,
        states,
    }
}

/// Every key that works on the screen: its own, then filtering where there is a list.
pub fn screen_keys(tab: Tab) -> Vec<(&'static str, &'static str)> {
    let mut keys = screen(tab).keys.to_vec();
    if tab != Tab::Dashboard {
        keys.extend_from_slice(LIST);
    }
    keys
}

fn state_style(state: &str) -> Style {
    match state {
        "active" | "published" => good(),
        "expired" | "revoked" | "failed" | "Shared tokens" | "Unresolved" => bad(),
        "rotating" => notice(),
        _ => dim(),
    }
}

pub fn text(tab: Tab) -> Text<'static> {
    let help = screen(tab);
    let key_line = |keys: &str, what: &str| {
        Line::from(vec![
            Span::styled(format!("  {keys:<16}"), accent()),
            Span::raw(what.to_string()),
        ])
    };
    let mut lines = vec![Line::raw(help.shows), Line::raw("")];
    let keys = screen_keys(tab);
    if !keys.is_empty() {
        lines.push(Line::from(Span::styled("On this screen", bold())));
        lines.extend(keys.iter().map(|(k, w)| key_line(k, w)));
    }
    if !help.states.is_empty() {
        lines.push(Line::from(Span::styled("States", bold())));
        for (state, meaning) in help.states {
            lines.push(Line::from(vec![
                Span::styled(format!("  {state:<16}"), state_style(state)),
                Span::raw(meaning.to_string()),
            ]));
        }
    }
    lines.push(Line::from(Span::styled("Everywhere", bold())));
    lines.extend(EVERYWHERE.iter().map(|(k, w)| key_line(k, w)));
    lines.push(Line::from(Span::styled(
        "Forms: Tab next field, Enter submit, Esc cancel. Questions: y / n.",
        dim(),
    )));
    Text::from(lines)
}
