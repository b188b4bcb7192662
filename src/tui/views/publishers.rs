//! The Publishers screen: the tokens CI uploads releases with, and the card that shows a new
//! one's private key this one time.

use super::empty;
use super::lists::{column_widths, fitted, table, titled, with_filter};
use super::style::{ago, bad, bold, dim, good, notice, short_key, shown, when};
use crate::service::summaries::PublisherSummary;
use crate::tui::dialog::PublisherCard;
use crate::tui::model::{LIVE_FEED_LEN, Model, Tab};
use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span, Text};
use ratatui::widgets::{Block, Paragraph, Row, TableState};

pub fn render(frame: &mut Frame, area: Rect, model: &Model) {
    let area = with_filter(frame, area, model, Tab::Publishers);
    let publishers = model.visible_publishers();
    let block = titled(format!(" Publisher tokens ({}) ", publishers.len()));
    if publishers.is_empty() {
        let hint = empty(
            model,
            "No publisher tokens. Press n to create one: CI uploads releases with it to /api/publish.",
        );
        frame.render_widget(hint.block(block), area);
        return;
    }
    let [list, details] = Layout::vertical([Constraint::Min(4), Constraint::Length(7)]).areas(area);
    let wide = area.width >= 110;
    let widths = vec![
        Constraint::Length(if wide { 32 } else { 10 }),
        Constraint::Fill(2),
        Constraint::Fill(3),
        Constraint::Length(if wide { 16 } else { 10 }),
        Constraint::Length(9),
        Constraint::Length(7),
    ];
    const TITLES: &[&str] = &[
        "Public key",
        "Label",
        "May publish",
        "Created",
        "Last used",
        "State",
    ];
    let cols = column_widths(list, &widths, 1);
    let rows = publishers
        .iter()
        .map(|p| publisher_row(model, p, wide, &cols));
    let table = table(rows.collect(), widths, TITLES, block).column_spacing(1);
    let selected = model.selected(Tab::Publishers);
    let mut state = TableState::default().with_selected(Some(selected));
    frame.render_stateful_widget(table, list, &mut state);
    if let Some(publisher) = publishers.get(selected) {
        frame.render_widget(publisher_details(model, publisher), details);
    }
}

fn scope(packages: &[String]) -> String {
    match packages {
        [] => "any package".into(),
        patterns => shown(&patterns.join(" ")),
    }
}

fn publisher_row(model: &Model, p: &PublisherSummary, wide: bool, cols: &[usize]) -> Row<'static> {
    let key = match wide {
        true => p.public_key.clone(),
        false => short_key(&p.public_key),
    };
    let created = match wide {
        true => when(p.created_at),
        false => when(p.created_at).chars().take(10).collect(),
    };
    let used = model
        .publisher_last_used(&p.public_key)
        .map_or("–".into(), |at| ago(model.now, at));
    let state = match p.revoked_at {
        Some(_) => Span::styled("revoked", bad()),
        None => Span::styled("active", good()),
    };
    let cells = vec![
        Line::from(key),
        Line::from(shown(&p.label)),
        Line::from(scope(&p.packages)),
        Line::from(created),
        Line::from(used),
        Line::from(state),
    ];
    let row = fitted(cells, cols);
    match p.revoked_at {
        Some(_) => row.style(dim()),
        None => row,
    }
}

fn publisher_details(model: &Model, p: &PublisherSummary) -> Paragraph<'static> {
    let field = |label: &str, value: String| {
        Line::from(vec![
            Span::styled(format!("{label:<12}"), dim()),
            Span::raw(value),
        ])
    };
    // Uses are read from the audit log the screen holds, so an older one may not be in it.
    let used = match model.publisher_last_used(&p.public_key) {
        Some(at) => format!("last published {}", when(at)),
        None => format!("no publish in the latest {LIVE_FEED_LEN} audit entries"),
    };
    let mut lines = vec![
        field("Public key", p.public_key.clone()),
        field("May publish", scope(&p.packages)),
        field("Created", when(p.created_at)),
        field("Used", used),
    ];
    lines.push(match p.revoked_at {
        Some(at) => Line::from(Span::styled(format!("Revoked {}", when(at)), bad())),
        None => field(
            "Upload to",
            format!("{}/api/publish", model.info.base_url()),
        ),
    });
    let title = format!(" {} ", shown(&p.label));
    Paragraph::new(lines).block(Block::bordered().title(title))
}

/// The new token's keys first, so they stay on screen at 80×24, then how CI uploads with it.
pub fn card_text(card: &PublisherCard) -> Text<'static> {
    let publisher = &card.publisher;
    let label = |text: &str| Span::styled(format!("{text:<12}"), dim());
    Text::from(vec![
        Line::from(vec![label("Label"), Span::raw(shown(&publisher.label))]),
        Line::from(vec![
            label("May publish"),
            Span::raw(scope(&publisher.packages)),
        ]),
        Line::from(vec![
            label("Public"),
            Span::raw(publisher.public_key.clone()),
        ]),
        Line::from(vec![
            label("Private"),
            Span::styled(publisher.private_key.clone(), bold()),
        ]),
        Line::from(Span::styled(
            "The private key is shown this one time only: store it now, e.g. as a CI secret.",
            notice(),
        )),
        Line::raw(""),
        Line::from(Span::styled(
            "Upload a release (version from ?version= or composer.json):",
            bold(),
        )),
        // One line per part, so only the credentials wrap on a narrow screen.
        Line::raw("curl --fail-with-body --data-binary @release.zip -u \\"),
        Line::raw(format!(
            "{}:{} \\",
            publisher.public_key, publisher.private_key
        )),
        Line::raw(format!("'{}?version=1.2.0'", card.publish_url)),
    ])
}
