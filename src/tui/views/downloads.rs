//! The live feed, and the totals behind it: per package, per token, dist apart from notify.

use super::filter_line;
use super::lists::{column_widths, fitted, table};
use super::style::{accent, bad, bar, bold, clock, dim, short_key, shown};
use crate::domain::records::DownloadKind;
use crate::tui::model::{Model, Tab};
use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Paragraph, TableState};

pub fn kind(kind: DownloadKind) -> Span<'static> {
    match kind {
        DownloadKind::Dist => Span::styled("dist", accent()),
        DownloadKind::Notify => Span::raw("install"),
    }
}

pub fn render(frame: &mut Frame, area: Rect, model: &Model) {
    // The charts take a fixed height; the feed and the totals share the rest.
    let [summary, feed, charts, totals] = Layout::vertical([
        Constraint::Length(1),
        Constraint::Min(5),
        Constraint::Length(super::charts::chart_height(area.height)),
        Constraint::Percentage(25),
    ])
    .areas(area);
    frame.render_widget(Paragraph::new(summary_line(model)), summary);
    live_feed(frame, feed, model);
    let timeline = &model.data.report.timeline;
    super::charts::pair(frame, charts, "Downloads", timeline, true);
    let [packages, tokens] =
        Layout::horizontal([Constraint::Percentage(50), Constraint::Percentage(50)]).areas(totals);
    package_totals(frame, packages, model);
    top_tokens(frame, tokens, model);
}

fn summary_line(model: &Model) -> Line<'static> {
    if let Some(line) = filter_line(model, Tab::Downloads) {
        return line;
    }
    let r = &model.data.report;
    let mut spans = vec![
        Span::styled(" Today ", bold()),
        Span::styled(r.today.dist.to_string(), accent()),
        Span::raw(" dist transfers, "),
        Span::styled(r.today.notify.to_string(), accent()),
        Span::raw(" installs reported   "),
        Span::styled("30 days ", bold()),
        Span::styled(r.last_30_days.dist.to_string(), accent()),
        Span::raw(" / "),
        Span::styled(r.last_30_days.notify.to_string(), accent()),
    ];
    if let Some(error) = &model.live_error {
        spans.push(Span::styled(
            format!("   live feed stopped: {error}"),
            super::style::bad(),
        ));
    }
    Line::from(spans)
}

fn live_feed(frame: &mut Frame, area: Rect, model: &Model) {
    let events = model.visible_live();
    let block = Block::bordered().title(Span::styled(format!(" Live ({}) ", events.len()), bold()));
    if events.is_empty() {
        let text = "Waiting for Composer requests… new downloads appear here as they happen.";
        frame.render_widget(Paragraph::new(Span::styled(text, dim())).block(block), area);
        return;
    }
    // The token column only when there is room: project and address matter more.
    let wide = area.width >= 100;
    let mut widths = vec![
        Constraint::Length(8),
        Constraint::Length(7),
        Constraint::Fill(3),
        Constraint::Length(8),
        Constraint::Fill(2),
        Constraint::Length(15),
    ];
    let titles: &[&str] = if wide {
        widths.insert(5, Constraint::Length(9));
        &[
            "Time", "Kind", "Package", "Version", "Project", "Token", "IP",
        ]
    } else {
        &["Time", "Kind", "Package", "Version", "Project", "IP"]
    };
    let cols = column_widths(area, &widths, 1);
    let rows = events.iter().map(|e| {
        let mut cells = vec![
            Line::from(clock(e.at_micros)),
            Line::from(kind(e.kind)),
            Line::from(shown(&e.package)),
            Line::from(shown(&e.version)),
            Line::from(e.project.to_string()),
            Line::from(shown(&e.ip)),
        ];
        if wide {
            cells.insert(5, Line::from(short_key(e.public_key.as_str())));
        }
        fitted(cells, &cols)
    });
    let table = table(rows.collect(), widths, titles, block).column_spacing(1);
    let mut state = TableState::default().with_selected(Some(model.selected(Tab::Downloads)));
    frame.render_stateful_widget(table, area, &mut state);
}

fn package_totals(frame: &mut Frame, area: Rect, model: &Model) {
    let report = &model.data.report;
    let block = Block::bordered().title(Span::styled(" Per package: today · 30 days ", bold()));
    if report.packages.is_empty() {
        frame.render_widget(
            Paragraph::new(Span::styled("Nothing downloaded in 30 days.", dim())).block(block),
            area,
        );
        return;
    }
    let max = report
        .packages
        .iter()
        .map(|p| p.last_30_days.dist + p.last_30_days.notify)
        .max()
        .unwrap_or(0);
    let bar_width = usize::from(area.width.saturating_sub(34) / 2).max(4);
    let widths = vec![
        Constraint::Fill(2),
        Constraint::Length(7),
        Constraint::Length(9),
        Constraint::Fill(1),
    ];
    const TITLES: &[&str] = &["Package", "Today", "30 days", "dist/inst"];
    let cols = column_widths(area, &widths, 1);
    let rows = report.packages.iter().map(|p| {
        let month = p.last_30_days.dist + p.last_30_days.notify;
        fitted(
            vec![
                Line::from(shown(&p.package)),
                Line::from(format!("{}/{}", p.today.dist, p.today.notify)),
                Line::from(format!("{}/{}", p.last_30_days.dist, p.last_30_days.notify)),
                Line::from(Span::styled(bar(month, max, bar_width), accent())),
            ],
            &cols,
        )
    });
    frame.render_widget(
        table(rows.collect(), widths, TITLES, block).column_spacing(1),
        area,
    );
}

fn top_tokens(frame: &mut Frame, area: Rect, model: &Model) {
    let report = &model.data.report;
    let block = Block::bordered().title(Span::styled(" Top tokens, 30 days ", bold()));
    if report.top_tokens.is_empty() {
        frame.render_widget(
            Paragraph::new(Span::styled("No token used yet.", dim())).block(block),
            area,
        );
        return;
    }
    let widths = vec![
        Constraint::Length(9),
        Constraint::Fill(1),
        Constraint::Length(5),
        Constraint::Length(11),
    ];
    const TITLES: &[&str] = &["Token", "Project", "Reqs", "IPs today"];
    let cols = column_widths(area, &widths, 1);
    let rows = report.top_tokens.iter().map(|t| {
        // The alert, raised by the server's rule (`alerts.shared_token_ips`, overlapping installs).
        let ips = match &t.shared_alert {
            Some(_) => Span::styled(format!("{} SHARED", t.distinct_ips_today), bad()),
            None => Span::raw(t.distinct_ips_today.to_string()),
        };
        fitted(
            vec![
                Line::from(short_key(&t.public_key)),
                Line::from(t.project.clone()),
                Line::from(t.last_30_days.to_string()),
                Line::from(ips),
            ],
            &cols,
        )
    });
    frame.render_widget(
        table(rows.collect(), widths, TITLES, block).column_spacing(1),
        area,
    );
}
