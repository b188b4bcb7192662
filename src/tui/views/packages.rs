//! Packages on the left, the selected package's versions on the right.

use super::lists::{column_widths, fitted, table};
use super::style::{bold, dim, fit, selected, shown, size};
use super::{empty, filter_line};
use crate::service::packages::PackageSummary;
use crate::service::timeline::Timeline;
use crate::tui::model::{Model, Tab};
use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Paragraph, TableState};

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
    let packages = model.visible_packages();
    let [left, right] = Layout::horizontal([
        Constraint::Length(list_width(&packages, area)),
        Constraint::Fill(1),
    ])
    .areas(area);
    let block = Block::bordered().title(Span::styled(
        format!(" Packages ({}) ", packages.len()),
        bold(),
    ));
    if packages.is_empty() {
        let hint = empty(
            model,
            "No packages yet. Press n to publish a .zip or a folder of them.",
        );
        frame.render_widget(hint.block(block), area);
        return;
    }
    let widths = vec![
        Constraint::Fill(1),
        Constraint::Length(4),
        Constraint::Length(LATEST),
    ];
    let cols = column_widths(left, &widths, 1);
    let rows = packages.iter().map(|p| {
        let cells = vec![
            Line::from(shown(&p.name)),
            Line::from(p.versions.to_string()),
            Line::from(shown(p.latest.as_deref().unwrap_or_default())),
        ];
        fitted(cells, &cols)
    });
    const TITLES: &[&str] = &["Name", "Vers", "Latest"];
    let table = table(rows.collect(), widths, TITLES, block).column_spacing(1);
    let mut state = TableState::default().with_selected(Some(model.selected(Tab::Packages)));
    frame.render_stateful_widget(table, left, &mut state);
    // On a short screen the charts leave room for a few versions only: while the operator picks
    // a version, the versions take the whole pane.
    if model.in_versions && area.height < 30 {
        versions(frame, right, model);
        return;
    }
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

/// Columns of the package list besides the name: "Vers", "Latest", spacing and borders.
const LATEST: u16 = 9;
const BESIDES_NAME: u16 = 4 + LATEST + 2 + 2;

/// As wide as the longest name needs, so the versions pane keeps the rest (a whole SHA-1 at 120
/// columns), but never more than 40% of the screen: longer names are cut with `…`.
fn list_width(packages: &[&PackageSummary], area: Rect) -> u16 {
    let longest = packages.iter().map(|p| Span::raw(shown(&p.name)).width());
    let name = longest.max().unwrap_or(0).max(12) as u16;
    (name + BESIDES_NAME).min(area.width * 2 / 5)
}

fn versions(frame: &mut Frame, area: Rect, model: &Model) {
    let Some(package) = model.selected_package() else {
        return;
    };
    let name = fit(&shown(&package.name), area.width.saturating_sub(4).into());
    let block = Block::bordered().title(Span::styled(format!(" {name} "), bold()));
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
    let widths = vec![
        Constraint::Length(version_width),
        Constraint::Length(10),
        Constraint::Length(9),
        Constraint::Fill(1),
    ];
    let cols = column_widths(area, &widths, 1);
    let rows = detail.versions.iter().map(|v| {
        let version = if v.yanked {
            Span::styled(label(v), dim())
        } else {
            Span::raw(label(v))
        };
        let cells = vec![
            Line::from(version),
            Line::from(crate::domain::time::utc_day(v.released_at)),
            Line::from(size(v.size)),
            Line::from(Span::styled(v.shasum.clone(), dim())),
        ];
        fitted(cells, &cols)
    });
    const TITLES: &[&str] = &["Version", "Released", "Size", "SHA-1"];
    // The row x, u and d act on is always marked; reversed while the pane has the keyboard.
    let cursor = match model.in_versions {
        true => selected(),
        false => bold(),
    };
    let table = table(rows.collect(), widths, TITLES, block)
        .column_spacing(1)
        .row_highlight_style(cursor);
    let mut state = TableState::default().with_selected(Some(model.version_row));
    frame.render_stateful_widget(table, area, &mut state);
}
