//! The Publish log screen: every attempt to publish, from the CLI, an upload, the inbox or git,
//! newest first, failures marked; and the dialog that shows one attempt in full.

use super::empty;
use super::lists::{column_widths, fitted, table, titled, with_filter};
use super::style::{accent, bad, clock, dim, good, notice, shown, when};
use crate::domain::publish_log::PublishEvent;
use crate::tui::dialog::Details;
use crate::tui::model::{Model, Tab};
use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::style::Style;
use ratatui::text::{Line, Span, Text};
use ratatui::widgets::{Block, Paragraph, Row, TableState, Wrap};

pub fn render(frame: &mut Frame, area: Rect, model: &Model) {
    let area = with_filter(frame, area, model, Tab::PublishLog);
    let entries = model.visible_publish_log();
    let failed = entries.iter().filter(|e| e.outcome == "failed").count();
    let mut title = format!(" Publish log ({}) ", entries.len());
    if failed > 0 {
        title.push_str(&format!("· {failed} failed "));
    }
    title.push_str(&super::feed_ended(model));
    let block = titled(title);
    if entries.is_empty() {
        let hint = empty(
            model,
            "Nothing published yet. Every attempt (CLI, upload, inbox, git) appears here with its outcome.",
        );
        frame.render_widget(hint.block(block), area);
        return;
    }
    let wide = area.width >= 100;
    let widths = vec![
        Constraint::Length(if wide { 16 } else { 8 }),
        Constraint::Length(6),
        Constraint::Fill(3),
        Constraint::Length(8),
        Constraint::Length(9),
        Constraint::Fill(4),
    ];
    const TITLES: &[&str] = &["Time", "Route", "Package", "Version", "Outcome", "Message"];
    let [list, detail] = Layout::vertical([Constraint::Min(0), Constraint::Length(4)]).areas(area);
    let cols = column_widths(list, &widths, 1);
    let rows = entries.iter().map(|e| entry_row(e, wide, &cols));
    let table = table(rows.collect(), widths, TITLES, block).column_spacing(1);
    let selected = model.selected(Tab::PublishLog);
    let mut state = TableState::default().with_selected(Some(selected));
    frame.render_stateful_widget(table, list, &mut state);
    if let Some(entry) = entries.get(selected) {
        selected_entry(frame, detail, entry);
    }
}

fn outcome_style(outcome: &str) -> Style {
    match outcome {
        "failed" => bad(),
        "published" => good(),
        _ => dim(),
    }
}

/// What was published, or the file when the archive could not be read far enough to say.
fn what(entry: &PublishEvent) -> String {
    let what = entry.package.as_deref().or(entry.file.as_deref());
    shown(what.unwrap_or("–"))
}

fn entry_row(entry: &PublishEvent, wide: bool, cols: &[usize]) -> Row<'static> {
    let at = match wide {
        true => when(entry.at_micros / 1_000_000),
        false => clock(entry.at_micros),
    };
    let message = entry.message.as_deref().unwrap_or("");
    let first = shown(message.lines().next().unwrap_or(""));
    let style = outcome_style(&entry.outcome);
    let cells = vec![
        Line::from(Span::styled(at, dim())),
        Line::from(shown(&entry.source)),
        Line::from(what(entry)),
        Line::from(shown(entry.version.as_deref().unwrap_or("–"))),
        Line::from(Span::styled(shown(&entry.outcome), style)),
        Line::from(match entry.outcome.as_str() {
            "failed" => Span::styled(first, bad()),
            _ => Span::raw(first),
        }),
    ];
    fitted(cells, cols)
}

/// The attempt under the cursor: the row cuts the message short, Enter shows all of it.
fn selected_entry(frame: &mut Frame, area: Rect, entry: &PublishEvent) {
    let version = entry.version.as_deref().unwrap_or("");
    let head = Line::from(vec![
        Span::styled(when(entry.at_micros / 1_000_000), dim()),
        Span::raw("  "),
        Span::raw(shown(&entry.source)),
        Span::raw("  "),
        Span::styled(shown(&entry.outcome), outcome_style(&entry.outcome)),
        Span::raw("  "),
        Span::raw(shown(&format!("{} {version}", what(entry)))),
        Span::styled("   Enter: in full", dim()),
    ]);
    let message = entry.message.as_deref().unwrap_or("");
    let text = Text::from(vec![head, Line::raw(shown(&message.replace('\n', " · ")))]);
    let paragraph = Paragraph::new(text)
        .wrap(Wrap { trim: false })
        .block(Block::bordered());
    frame.render_widget(paragraph, area);
}

/// A publish attempt in full, for the Details dialog.
pub fn details_text(details: &Details) -> Text<'static> {
    let mut lines: Vec<Line> = details
        .fields
        .iter()
        .map(|(label, value)| {
            Line::from(vec![
                Span::styled(format!("{label:<10}"), dim()),
                Span::raw(shown(value)),
            ])
        })
        .collect();
    if let Some(note) = &details.note {
        lines.push(Line::from(Span::styled(shown(note), notice())));
    }
    lines.push(Line::raw(""));
    lines.extend(details.body.lines().map(|line| Line::raw(shown(line))));
    lines.push(Line::raw(""));
    lines.push(Line::from(vec![
        Span::styled("Esc", accent()),
        Span::styled(" closes · ↑↓ scroll", dim()),
    ]));
    Text::from(lines)
}
