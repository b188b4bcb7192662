//! The Dashboard's "Shared tokens" panel: tokens flagged in the last 7 days, shown only when
//! there are some, so a quiet day costs the Dashboard no room.

use super::lists::{column_widths, fitted};
use super::style::{bad, bold, short_key, shown};
use crate::tui::model::Model;
use ratatui::Frame;
use ratatui::layout::{Constraint, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Table};

/// Rows of the panel at most; `packagento token list` marks them all.
const SHARED_ROWS: usize = 3;

/// The panel's height: nothing when no token is flagged.
pub fn height(model: &Model) -> u16 {
    match model.data.stats.shared_tokens.len() {
        0 => 0,
        n => n.min(SHARED_ROWS) as u16 + 2,
    }
}

pub fn panel(frame: &mut Frame, area: Rect, model: &Model) {
    let shared = &model.data.stats.shared_tokens;
    if shared.is_empty() {
        return;
    }
    let title = format!(" Shared tokens, last 7 days ({}) ", shared.len());
    let block = Block::bordered()
        .title(Span::styled(title, bold()))
        .border_style(bad());
    let widths = [
        Constraint::Length(9),
        Constraint::Fill(1),
        Constraint::Fill(3),
    ];
    let cols = column_widths(area, &widths, 2);
    let rows = shared.iter().take(SHARED_ROWS).map(|t| {
        fitted(
            vec![
                Line::from(short_key(&t.public_key)),
                Line::from(shown(&t.project)),
                Line::from(Span::styled(shown(&t.shared_alert.reason), bad())),
            ],
            &cols,
        )
    });
    frame.render_widget(
        Table::new(rows, widths).block(block).column_spacing(2),
        area,
    );
}
