//! The audit log: who changed what, newest first, growing as changes commit.

use super::empty;
use super::lists::{column_widths, fitted, table, titled, with_filter};
use super::style::{accent, bold, clock, dim, shown, when};
use crate::domain::audit::AuditEntry;
use crate::tui::model::{Model, Tab};
use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span, Text};
use ratatui::widgets::{Block, Paragraph, TableState, Wrap};

pub fn render(frame: &mut Frame, area: Rect, model: &Model) {
    let area = with_filter(frame, area, model, Tab::Audit);
    let entries = model.visible_audit();
    let mut title = format!(" Audit log ({}) ", entries.len());
    title.push_str(&super::feed_ended(model));
    let block = titled(title);
    if entries.is_empty() {
        let hint = empty(
            model,
            "Nothing recorded yet. Every change (customers, projects, licences, tokens, publishes, backups) appears here as it commits.",
        );
        frame.render_widget(hint.block(block), area);
        return;
    }
    // The date only where there is room: on a narrow screen the time of day tells recent apart.
    let wide = area.width >= 100;
    let widths = vec![
        Constraint::Length(if wide { 16 } else { 8 }),
        Constraint::Fill(2),
        Constraint::Length(17),
        Constraint::Fill(2),
        Constraint::Fill(4),
    ];
    const TITLES: &[&str] = &["Time", "Actor", "Action", "Target", "Summary"];
    let [list, detail] = Layout::vertical([Constraint::Min(0), Constraint::Length(4)]).areas(area);
    let cols = column_widths(list, &widths, 1);
    let rows = entries.iter().map(|e| {
        let at = match wide {
            true => when(e.at_micros / 1_000_000),
            false => clock(e.at_micros),
        };
        let cells = vec![
            Line::from(Span::styled(at, dim())),
            Line::from(shown(&e.actor.to_string())),
            Line::from(Span::styled(shown(&e.action), accent())),
            Line::from(shown(&e.target)),
            Line::from(shown(&e.summary)),
        ];
        fitted(cells, &cols)
    });
    let table = table(rows.collect(), widths, TITLES, block).column_spacing(1);
    let selected = model.selected(Tab::Audit);
    let mut state = TableState::default().with_selected(Some(selected));
    frame.render_stateful_widget(table, list, &mut state);
    if let Some(entry) = entries.get(selected) {
        selected_entry(frame, detail, entry);
    }
}

/// The entry under the cursor in full: the columns above cut long summaries short.
fn selected_entry(frame: &mut Frame, area: Rect, entry: &AuditEntry) {
    let head = Line::from(vec![
        Span::styled(when(entry.at_micros / 1_000_000), dim()),
        Span::raw("  "),
        Span::raw(shown(&entry.actor.to_string())),
        Span::raw("  "),
        Span::styled(shown(&entry.action), accent()),
        Span::raw("  "),
        Span::styled(shown(&entry.target), bold()),
    ]);
    let text = Text::from(vec![head, Line::raw(shown(&entry.summary))]);
    let paragraph = Paragraph::new(text)
        .wrap(Wrap { trim: false })
        .block(Block::bordered());
    frame.render_widget(paragraph, area);
}
