//! Where the server listens, what it holds, and how busy it has been in the last hour.

use super::lists::{column_widths, fitted};
use super::style::{accent, bad, bold, clock, dim, header, short_key, shown, when};
use crate::service::summaries::TokenSummary;
use crate::tui::model::Model;
use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Paragraph, Row, Sparkline, Table};

/// Rows of the expiring panel at most; `packagento licence list --expiring 30d` lists them all.
const EXPIRING_ROWS: usize = 5;
/// Rows of the expiring tokens panel at most; `packagento token list --expiring 30d` lists them all.
const TOKEN_ROWS: usize = 3;

pub fn render(frame: &mut Frame, area: Rect, model: &Model) {
    let tokens = model.expiring_tokens();
    // A short terminal keeps one row of bars and the soonest token without a header, so the
    // latest downloads keep their room.
    let roomy = area.height >= 30;
    let token_rows = if roomy { TOKEN_ROWS } else { 1 };
    let tokens_height = match roomy {
        true => panel_height(tokens.len(), token_rows),
        false => 3,
    };
    let spark_height = if roomy { 6 } else { 3 };
    let shared_height = super::shared_tokens::height(model);
    let advisories_height = super::advisories::open_height(model, token_rows);
    let mut expiring_rows = EXPIRING_ROWS;
    let mut server_height = 5;
    // Open advisories take their room from the renewals' header and the server's details, in
    // that order and only when needed: the latest download stays in view at 80×24.
    let needed = |server: u16, expiring: usize| {
        let expiring = expiring_height(model.data.expiring.len(), expiring);
        server + 3 + shared_height + advisories_height + expiring + tokens_height + 4
    };
    if needed(server_height, expiring_rows) > area.height {
        expiring_rows = 1;
    }
    if needed(server_height, expiring_rows) > area.height {
        server_height = 3;
    }
    let [
        server,
        counts,
        shared,
        advisories,
        expiring,
        expiring_tokens,
        spark,
        latest,
    ] = Layout::vertical([
        Constraint::Length(server_height),
        Constraint::Length(3),
        Constraint::Length(shared_height),
        Constraint::Length(advisories_height),
        Constraint::Length(expiring_height(model.data.expiring.len(), expiring_rows)),
        Constraint::Length(tokens_height),
        // On a short screen the sparkline gives up rows first: the latest event stays in view.
        Constraint::Max(spark_height),
        Constraint::Min(4),
    ])
    .areas(area);
    frame.render_widget(server_block(model, server_height > 3), server);
    frame.render_widget(count_block(model), counts);
    super::shared_tokens::panel(frame, shared, model);
    super::advisories::open_panel(frame, advisories, model);
    expiring_panel(frame, expiring, model, expiring_rows);
    tokens_panel(frame, expiring_tokens, model, (&tokens, token_rows));
    sparkline(frame, spark, model);
    latest_events(frame, latest, model);
}

/// Borders, a header row when there is a table, a placeholder line when there is none.
fn panel_height(items: usize, most: usize) -> u16 {
    items.clamp(1, most) as u16 + 2 + u16::from(items > 0)
}

/// The renewals panel: one row and no header when squeezed.
fn expiring_height(items: usize, most: usize) -> u16 {
    match most {
        1 => 3,
        _ => panel_height(items, most),
    }
}

fn in_days(at: i64, now: i64) -> String {
    match (at - now).div_euclid(86_400) {
        ..0 => "expired".to_string(),
        0 => "today".to_string(),
        1 => "in 1 day".to_string(),
        n => format!("in {n} days"),
    }
}

/// Install tokens that expire in the next 30 days, or have: the credentials to renew.
fn tokens_panel(
    frame: &mut Frame,
    area: Rect,
    model: &Model,
    shown_rows: (&[&TokenSummary], usize),
) {
    let (tokens, most) = shown_rows;
    let title = format!(" Tokens expiring in the next 30 days ({}) ", tokens.len());
    let block = Block::bordered().title(Span::styled(title, bold()));
    if tokens.is_empty() {
        let text = Span::styled("No token expires in the next 30 days.", dim());
        frame.render_widget(Paragraph::new(text).block(block), area);
        return;
    }
    let wide = area.width >= 110;
    let widths = [
        Constraint::Length(10),
        Constraint::Length(11),
        Constraint::Fill(2),
        Constraint::Fill(2),
        Constraint::Length(if wide { 32 } else { 10 }),
    ];
    let titles = ["Expires", "", "Project", "Label", "Public key"];
    let cols = column_widths(area, &widths, 2);
    let rows = tokens.iter().take(most).map(|t| {
        let at = t.expires_at.unwrap_or_default();
        let days = in_days(at, model.now);
        let days = match at <= model.now {
            true => Line::from(Span::styled(days, bad())),
            false => Line::from(days),
        };
        let key = match wide {
            true => t.public_key.clone(),
            false => short_key(&t.public_key),
        };
        fitted(
            vec![
                Line::from(when(at)[..10].to_string()),
                days,
                Line::from(t.project.clone()),
                Line::from(shown(&t.label)),
                Line::from(key),
            ],
            &cols,
        )
    });
    let mut table = Table::new(rows, widths).block(block).column_spacing(2);
    if most > 1 {
        table = table.header(Row::new(titles).style(header()));
    }
    frame.render_widget(table, area);
}

/// Subscriptions whose window closes in the next 30 days: the renewals to chase.
fn expiring_panel(frame: &mut Frame, area: Rect, model: &Model, most: usize) {
    let expiring = &model.data.expiring;
    let title = format!(" Ending in the next 30 days ({}) ", expiring.len());
    let block = Block::bordered().title(Span::styled(title, bold()));
    if expiring.is_empty() {
        let text = Span::styled("No subscription ends in the next 30 days.", dim());
        frame.render_widget(Paragraph::new(text).block(block), area);
        return;
    }
    let widths = [
        Constraint::Length(10),
        Constraint::Length(11),
        Constraint::Fill(2),
        Constraint::Fill(3),
        Constraint::Length(16),
    ];
    let titles = ["Ends", "", "Customer", "Packages", "Licence"];
    let cols = column_widths(area, &widths, 2);
    let rows = expiring.iter().take(most).map(|e| {
        let customer = e.customer_name.as_deref().unwrap_or(&e.licence.customer);
        fitted(
            vec![
                Line::from(when(e.ends_at)[..10].to_string()),
                Line::from(in_days(e.ends_at, model.now)),
                Line::from(shown(customer)),
                Line::from(shown(&e.licence.packages.join(" "))),
                Line::from(e.licence.id.clone()),
            ],
            &cols,
        )
    });
    let mut table = Table::new(rows, widths).block(block).column_spacing(2);
    if most > 1 {
        table = table.header(Row::new(titles).style(header()));
    }
    frame.render_widget(table, area);
}

/// Listening, public URL and data folder; squeezed, the two addresses on one line.
fn server_block(model: &Model, whole: bool) -> Paragraph<'static> {
    let info = &model.info;
    let field = |label: &str, value: String| {
        Line::from(vec![
            Span::styled(format!("{label:<12}"), dim()),
            Span::raw(value),
        ])
    };
    let public = info
        .public_url
        .clone()
        .unwrap_or_else(|| "(from each request's Host header)".into());
    let lines = match whole {
        true => vec![
            field("Listening", info.listen.clone()),
            field("Public URL", public),
            field("Data", format!("{}  ({})", info.data_dir, info.mode)),
        ],
        false => vec![field("Listening", format!("{}  ·  {public}", info.listen))],
    };
    Paragraph::new(lines).block(Block::bordered().title(Span::styled(" Server ", bold())))
}

fn count_block(model: &Model) -> Paragraph<'static> {
    let s = &model.data.stats;
    let figures = [
        ("projects", s.projects),
        ("active tokens", s.active_tokens),
        ("licences", s.licences),
        ("packages", s.packages),
        ("versions", s.versions),
    ];
    let mut spans = Vec::new();
    for (index, (label, value)) in figures.iter().enumerate() {
        if index > 0 {
            spans.push(Span::styled("  │  ", dim()));
        }
        spans.push(Span::styled(value.to_string(), accent()));
        spans.push(Span::raw(format!(" {label}")));
    }
    Paragraph::new(Line::from(spans))
        .block(Block::bordered().title(Span::styled(" Holding ", bold())))
}

fn sparkline(frame: &mut Frame, area: Rect, model: &Model) {
    // Squeezed out by the panels above: no room for a single row of bars.
    if area.height < 3 {
        return;
    }
    let per_minute = &model.data.stats.downloads_per_minute;
    let total: u64 = per_minute.iter().sum();
    let peak = per_minute.iter().copied().max().unwrap_or(0);
    let title = format!(" Downloads per minute, last hour: {total} in all, peak {peak}/min ");
    let block = Block::bordered().title(Span::styled(title, bold()));
    // The newest minute sits at the right edge; a narrow screen shows the most recent minutes.
    let inner = block.inner(area).width as usize;
    let shown = &per_minute[per_minute.len().saturating_sub(inner)..];
    let spark = Sparkline::default()
        .block(block)
        .data(shown)
        .style(ratatui::style::Style::new().fg(ratatui::style::Color::Cyan));
    frame.render_widget(spark, area);
}

fn latest_events(frame: &mut Frame, area: Rect, model: &Model) {
    let block = Block::bordered().title(Span::styled(" Latest downloads ", bold()));
    let latest = &model.data.stats.latest;
    if latest.is_empty() {
        let text = Span::styled("No downloads yet.", dim());
        frame.render_widget(Paragraph::new(text).block(block), area);
        return;
    }
    let widths = [
        Constraint::Length(8),
        Constraint::Length(7),
        Constraint::Fill(3),
        Constraint::Fill(2),
        Constraint::Length(15),
    ];
    let titles = ["Time", "Kind", "Package", "Project", "IP"];
    let cols = column_widths(area, &widths, 2);
    let rows = latest.iter().map(|e| {
        fitted(
            vec![
                Line::from(clock(e.at_micros)),
                Line::from(super::downloads::kind(e.kind)),
                Line::from(shown(&format!("{} {}", e.package, e.version))),
                Line::from(e.project.to_string()),
                Line::from(shown(&e.ip)),
            ],
            &cols,
        )
    });
    let table = Table::new(rows, widths)
        .header(Row::new(titles).style(header()))
        .block(block)
        .column_spacing(2);
    frame.render_widget(table, area);
}
