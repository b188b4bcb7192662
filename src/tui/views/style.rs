//! A restrained palette that reads on dark and light terminals alike: emphasis by bold, dim and
//! reverse video; colour only for meaning (accent, good, bad), never for backgrounds.

use chrono::{TimeZone, Utc};
use ratatui::style::{Color, Modifier, Style};

pub fn accent() -> Style {
    Style::new().fg(Color::Cyan).add_modifier(Modifier::BOLD)
}
pub fn bold() -> Style {
    Style::new().add_modifier(Modifier::BOLD)
}
pub fn dim() -> Style {
    Style::new().add_modifier(Modifier::DIM)
}
pub fn selected() -> Style {
    Style::new().add_modifier(Modifier::REVERSED)
}
pub fn header() -> Style {
    Style::new().add_modifier(Modifier::BOLD | Modifier::UNDERLINED)
}
pub fn good() -> Style {
    Style::new().fg(Color::Green)
}
pub fn bad() -> Style {
    Style::new().fg(Color::Red).add_modifier(Modifier::BOLD)
}
pub fn notice() -> Style {
    Style::new().fg(Color::Magenta).add_modifier(Modifier::BOLD)
}

/// `2025-06-15 15:06` (UTC, as everywhere in the appliance).
pub fn when(unix: i64) -> String {
    Utc.timestamp_opt(unix, 0)
        .single()
        .map(|t| t.format("%Y-%m-%d %H:%M").to_string())
        .unwrap_or_default()
}

/// `15:06:40` of an event time in microseconds.
pub fn clock(micros: i64) -> String {
    Utc.timestamp_micros(micros)
        .single()
        .map(|t| t.format("%H:%M:%S").to_string())
        .unwrap_or_default()
}

/// `just now`, `5m ago`, `3h ago`, `12d ago`.
pub fn ago(now: i64, then: i64) -> String {
    let seconds = (now - then).max(0);
    match seconds {
        0..60 => "just now".into(),
        60..3600 => format!("{}m ago", seconds / 60),
        3600..86400 => format!("{}h ago", seconds / 3600),
        _ => format!("{}d ago", seconds / 86400),
    }
}

pub fn size(bytes: u64) -> String {
    match bytes {
        0..1024 => format!("{bytes} B"),
        1024..1_048_576 => format!("{:.1} KiB", bytes as f64 / 1024.0),
        _ => format!("{:.1} MiB", bytes as f64 / 1_048_576.0),
    }
}

/// The first characters of a public key: enough to tell tokens apart in a narrow column.
pub fn short_key(key: &str) -> String {
    key.chars().take(8).collect::<String>() + "…"
}

/// A text bar of `value` relative to `max`, `width` cells wide at most.
pub fn bar(value: u64, max: u64, width: usize) -> String {
    if max == 0 || value == 0 {
        return String::new();
    }
    let cells = ((value as f64 / max as f64) * width as f64).ceil() as usize;
    "█".repeat(cells.clamp(1, width))
}

/// Stored or received text as it may be drawn: control and text-direction characters made
/// visible (`\u{1b}`), so a name or a user agent cannot restyle or reorder the screen.
pub fn shown(text: &str) -> String {
    crate::domain::text::printable(text).into_owned()
}
