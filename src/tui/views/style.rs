//! A restrained palette that reads on dark and light terminals alike: emphasis by bold, dim and
//! reverse video; colour only for meaning (accent, good, bad), never for backgrounds.

use chrono::{TimeZone, Utc};
use ratatui::style::{Color, Modifier, Style};
use ratatui::text::{Line, Span};

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

/// Display cells a character takes (wide CJK 2, combining marks 0), as ratatui measures it.
fn cells(c: char) -> usize {
    let mut buf = [0; 4];
    Span::raw(&*c.encode_utf8(&mut buf)).width()
}

/// `text` in `width` cells at most: whole when it fits, else cut and ending with `…`, so a cut
/// is never mistaken for the whole value (a key, a checksum, a name).
pub fn fit(text: &str, width: usize) -> String {
    match Span::raw(text).width() <= width {
        true => text.to_string(),
        false => cut(text, width),
    }
}

/// The first `width - 1` cells of `text` and `…`.
fn cut(text: &str, width: usize) -> String {
    if width == 0 {
        return String::new();
    }
    let mut kept = String::new();
    let mut used = 0;
    for c in text.chars() {
        used += cells(c);
        if used > width - 1 {
            break;
        }
        kept.push(c);
    }
    kept + "…"
}

/// A styled line in `width` cells at most, cut like [`fit`], each part keeping its style.
pub fn fit_line(line: Line<'static>, width: usize) -> Line<'static> {
    if line.width() <= width {
        return line;
    }
    let mut left = width;
    let mut spans = Vec::new();
    for span in line.spans {
        let span_width = span.width();
        if span_width < left {
            left -= span_width;
            spans.push(span);
            continue;
        }
        spans.push(Span::styled(cut(&span.content, left), span.style));
        break;
    }
    Line::from(spans).style(line.style)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_that_fits_is_left_whole() {
        assert_eq!(fit("acme/hello", 10), "acme/hello");
    }

    #[test]
    fn cut_text_ends_with_an_ellipsis_within_the_width() {
        assert_eq!(fit("acme/hello", 9), "acme/hel…");
        assert_eq!(fit("acme/hello", 1), "…");
        assert_eq!(fit("acme/hello", 0), "");
    }

    #[test]
    fn wide_characters_are_measured_in_cells() {
        let cut = fit("日本語パッケージ", 7);
        assert_eq!(cut, "日本語…");
        assert!(Span::raw(cut.as_str()).width() <= 7);
    }

    #[test]
    fn a_cut_line_keeps_its_styles_and_ends_with_an_ellipsis() {
        let line = Line::from(vec![
            Span::styled("Public ", dim()),
            Span::raw("3f9a1c0b7d2e"),
        ]);
        let cut = fit_line(line, 12);
        assert_eq!(cut.width(), 12);
        assert_eq!(cut.spans[0].style, dim());
        assert_eq!(cut.spans[1].content, "3f9a…");
    }

    #[test]
    fn a_line_that_ends_exactly_at_a_span_boundary_is_cut_there() {
        let line = Line::from(vec![Span::raw("abcd"), Span::raw("ef")]);
        assert_eq!(fit_line(line, 4).to_string(), "abc…");
    }
}
