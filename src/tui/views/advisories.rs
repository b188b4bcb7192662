//! The Advisories screen: every advisory with how many projects downloaded a version it covers
//! and how many of them have not been seen on the fix; for the one under the cursor, who exactly.
//! Also the Dashboard's "Open advisories" panel.

use super::empty;
use super::lists::{column_widths, fitted, table, titled, with_filter};
use super::style::{bad, bold, dim, good, short_key, shown, when};
use crate::service::advisory_impact::{AdvisoryCounts, AdvisoryImpact, AffectedToken};
use crate::tui::model::{Model, Tab};
use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Paragraph, Row, Table, TableState};

pub fn render(frame: &mut Frame, area: Rect, model: &Model) {
    let area = with_filter(frame, area, model, Tab::Advisories);
    let advisories = model.visible_advisories();
    let block = titled(format!(" Advisories ({}) ", advisories.len()));
    if advisories.is_empty() {
        let hint = empty(
            model,
            "No advisories. Add one with packagento advisory add; who downloaded an affected version shows here.",
        );
        frame.render_widget(hint.block(block), area);
        return;
    }
    let list_height = (advisories.len() as u16 + 3).clamp(4, area.height / 2);
    let [list, details] =
        Layout::vertical([Constraint::Length(list_height), Constraint::Min(0)]).areas(area);
    let wide = area.width >= 100;
    let mut widths = vec![Constraint::Length(14), Constraint::Fill(2)];
    let mut titles: Vec<&str> = vec!["Id", "Package"];
    if wide {
        widths.push(Constraint::Fill(2));
        titles.push("Affected");
    }
    widths.extend([
        Constraint::Length(9),
        Constraint::Fill(3),
        Constraint::Length(8),
        Constraint::Length(10),
    ]);
    titles.extend(["Severity", "Title", "Projects", "Unresolved"]);
    let titles: &[&str] = &titles;
    let cols = column_widths(list, &widths, 1);
    let rows = advisories.iter().map(|a| advisory_row(a, wide, &cols));
    let table = table(rows.collect(), widths, titles, block).column_spacing(1);
    let selected = model.selected(Tab::Advisories);
    let mut state = TableState::default().with_selected(Some(selected));
    frame.render_stateful_widget(table, list, &mut state);
    if let Some(advisory) = advisories.get(selected) {
        details_pane(frame, details, model, advisory);
    }
}

fn advisory_row(a: &AdvisoryCounts, wide: bool, cols: &[usize]) -> Row<'static> {
    let severity = a.severity.map_or("–", |s| s.as_str());
    let title = match a.withdrawn {
        true => format!("(withdrawn) {}", shown(&a.title)),
        false => shown(&a.title),
    };
    let unresolved = a.totals.unresolved_projects;
    let open = match unresolved > 0 && !a.withdrawn {
        true => Span::styled(unresolved.to_string(), bad()),
        false => Span::raw(unresolved.to_string()),
    };
    let mut cells = vec![Line::from(a.id.clone()), Line::from(shown(&a.package))];
    if wide {
        cells.push(Line::from(shown(&a.affected)));
    }
    cells.extend([
        Line::from(severity.to_string()),
        Line::from(title),
        Line::from(a.totals.projects.to_string()),
        Line::from(open),
    ]);
    let row = fitted(cells, cols);
    if a.withdrawn { row.style(dim()) } else { row }
}

fn details_pane(frame: &mut Frame, area: Rect, model: &Model, advisory: &AdvisoryCounts) {
    let title = format!(
        " {} {} {} ",
        advisory.id, advisory.package, advisory.affected
    );
    let block = Block::bordered().title(Span::styled(shown(&title), bold()));
    let lines = match model.data.advisory_details.get(&advisory.id) {
        Some(impact) => impact_lines(impact),
        None => vec![Line::from(Span::styled("loading…", dim()))],
    };
    frame.render_widget(Paragraph::new(lines).block(block), area);
}

/// Customer → project → token, one line each, with the totals first.
fn impact_lines(impact: &AdvisoryImpact) -> Vec<Line<'static>> {
    let t = &impact.totals;
    let mut lines = vec![Line::from(Span::styled(
        format!(
            "{} customers · {} projects ({} unresolved) · {} tokens, {} resolved",
            t.customers, t.projects, t.unresolved_projects, t.tokens, t.resolved_tokens
        ),
        dim(),
    ))];
    if impact.customers.is_empty() {
        let none = "No recorded download includes an affected version.";
        lines.push(Line::from(Span::styled(none, dim())));
    }
    for customer in &impact.customers {
        let name = match (&customer.slug, &customer.name) {
            (None, _) => "(no customer)".to_string(),
            (Some(slug), Some(name)) => format!("{} ({slug})", shown(name)),
            (Some(slug), None) => format!("{slug} (deleted)"),
        };
        lines.push(Line::from(Span::styled(name, bold())));
        for project in &customer.projects {
            let gone = if project.deleted { " (deleted)" } else { "" };
            lines.push(Line::raw(format!("  {}{gone}", project.slug)));
            for token in &project.tokens {
                lines.push(token_line(token));
            }
        }
    }
    lines
}

fn token_line(token: &AffectedToken) -> Line<'static> {
    let label = match (token.deleted, &token.label) {
        (true, _) => "(deleted)".to_string(),
        (false, Some(label)) => shown(label),
        (false, None) => String::new(),
    };
    let seen = when(token.last_seen_micros / 1_000_000);
    let state = match &token.fixed_version {
        Some(fix) => Span::styled(format!("resolved → {}", shown(fix)), good()),
        None => Span::styled("unresolved", bad()),
    };
    Line::from(vec![
        Span::raw(format!("    {} {label:<8} ", short_key(&token.public_key))),
        Span::raw(format!("{:<12} ", shown(&token.versions.join(", ")))),
        Span::styled(
            format!("{seen} {:<7}", token.last_seen_kind.as_str()),
            dim(),
        ),
        state,
    ])
}

/// Rows of the Dashboard panel at most; the Advisories screen lists them all.
const OPEN_ROWS: usize = 3;

/// The Dashboard panel's height: nothing when no advisory is open; `rows` at most.
pub fn open_height(model: &Model, rows: usize) -> u16 {
    match model.open_advisories().len() {
        0 => 0,
        n => n.min(rows.min(OPEN_ROWS)) as u16 + 2,
    }
}

/// Advisories still served whose affected projects have not all moved to the fix.
pub fn open_panel(frame: &mut Frame, area: Rect, model: &Model) {
    let open = model.open_advisories();
    if open.is_empty() || area.height < 3 {
        return;
    }
    let title = format!(" Open advisories ({}) ", open.len());
    let block = Block::bordered()
        .title(Span::styled(title, bold()))
        .border_style(bad());
    let widths = [
        Constraint::Length(14),
        Constraint::Length(8),
        Constraint::Fill(1),
        Constraint::Length(18),
        Constraint::Fill(2),
    ];
    let cols = column_widths(area, &widths, 1);
    let rows = open.iter().take(area.height as usize - 2).map(|a| {
        let t = &a.totals;
        fitted(
            vec![
                Line::from(a.id.clone()),
                Line::from(a.severity.map_or("–", |s| s.as_str()).to_string()),
                Line::from(shown(&a.package)),
                Line::from(Span::styled(
                    format!("{} of {} unresolved", t.unresolved_projects, t.projects),
                    bad(),
                )),
                Line::from(shown(&a.title)),
            ],
            &cols,
        )
    });
    let table = Table::new(rows, widths).block(block).column_spacing(1);
    frame.render_widget(table, area);
}
