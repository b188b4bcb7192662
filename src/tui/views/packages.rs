//! Packages on the left, the selected package's versions on the right.

use super::lists::table;
use super::style::{bold, dim, shown, size};
use super::{empty, filter_line};
use crate::service::timeline::Timeline;
use crate::tui::model::{Model, Tab};
use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::Span;
use ratatui::widgets::{Block, Cell, Paragraph, Row, TableState};

pub fn render(frame: &mut Frame, area: Rect, model: &Model) {
    let area = match filter_line(model, Tab::Packages) {
        Some(line) => {
            let [top, rest] =
                Layout::vertical([Constraint::Length(1), Constraint::Min(0)]).areas(area);
            frame.render_widget(Paragraph::new(line), top);
            rest
        }
        None => area,
    };
    let [left, right] =
        Layout::horizontal([Constraint::Percentage(40), Constraint::Percentage(60)]).areas(area);
    let packages = model.visible_packages();
    let block = Block::bordered().title(Span::styled(
        format!(" Packages ({}) ", packages.len()),
        bold(),
    ));
    if packages.is_empty() {
        let hint = empty(
            model,
            "No packages yet. Press n to publish a .zip or a folder of them.",
        );
        frame.render_widget(hint.wrap(Default::default()).block(block), area);
        return;
    }
    let rows = packages.iter().map(|p| {
        Row::new(vec![
            Cell::from(p.name.clone()),
            Cell::from(p.versions.to_string()),
            Cell::from(shown(p.latest.as_deref().unwrap_or_default())),
        ])
    });
    let widths = vec![
        Constraint::Fill(1),
        Constraint::Length(4),
        Constraint::Length(9),
    ];
    const TITLES: &[&str] = &["Name", "Vers", "Latest"];
    let table = table(rows.collect(), widths, TITLES, block).column_spacing(1);
    let mut state = TableState::default().with_selected(Some(model.selected(Tab::Packages)));
    frame.render_stateful_widget(table, left, &mut state);
    let [right, charts] = Layout::vertical([
        Constraint::Min(4),
        Constraint::Length(super::charts::stacked_height(area.height)),
    ])
    .areas(right);
    versions(frame, right, model);
    package_charts(frame, charts, model);
}

/// The selected package's downloads over time; none in the report is none in 30 days.
fn package_charts(frame: &mut Frame, area: Rect, model: &Model) {
    let Some(package) = model.selected_package() else {
        return;
    };
    let report = &model.data.report.packages;
    let none = Timeline::default();
    let timeline = report
        .iter()
        .find(|p| p.package == package.name)
        .map_or(&none, |p| &p.timeline);
    super::charts::pair(frame, area, "Downloads", timeline, false);
}

fn versions(frame: &mut Frame, area: Rect, model: &Model) {
    let Some(package) = model.selected_package() else {
        return;
    };
    let block = Block::bordered().title(Span::styled(format!(" {} ", package.name), bold()));
    let Some(detail) = model.data.package_details.get(&package.name) else {
        frame.render_widget(
            Paragraph::new(Span::styled("loading…", dim())).block(block),
            area,
        );
        return;
    };
    let label = |v: &crate::service::packages::VersionDetail| {
        if v.yanked {
            format!("{} (yanked)", shown(&v.version))
        } else {
            shown(&v.version)
        }
    };
    // As wide as the longest label, so short versions leave room for the checksum.
    let version_width = detail
        .versions
        .iter()
        .map(|v| label(v).chars().count())
        .max()
        .unwrap_or(0)
        .max(10) as u16;
    let rows = detail.versions.iter().map(|v| {
        let version = if v.yanked {
            Span::styled(label(v), dim())
        } else {
            Span::raw(label(v))
        };
        Row::new(vec![
            Cell::from(version),
            Cell::from(crate::domain::time::utc_day(v.released_at)),
            Cell::from(size(v.size)),
            Cell::from(Span::styled(v.shasum.clone(), dim())),
        ])
    });
    let widths = vec![
        Constraint::Length(version_width),
        Constraint::Length(10),
        Constraint::Length(9),
        Constraint::Fill(1),
    ];
    const TITLES: &[&str] = &["Version", "Released", "Size", "SHA-1"];
    frame.render_widget(
        table(rows.collect(), widths, TITLES, block).column_spacing(1),
        area,
    );
}
