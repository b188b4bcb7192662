//! The Projects, Tokens and Licences screens: a filterable table, and details where rows are wide.

use super::style::{
    ago, bad, dim, fit_line, good, header, notice, selected, short_key, shown, when,
};
use super::{empty, filter_line};
use crate::service::summaries::{LicenceSummary, TokenSummary};
use crate::tui::licence_order::{self, LicenceState};
use crate::tui::model::{Model, Tab};
use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Cell, Paragraph, Row, Table, TableState};

/// Splits off a line for the filter when there is one.
pub fn with_filter(frame: &mut Frame, area: Rect, model: &Model, tab: Tab) -> Rect {
    match filter_line(model, tab) {
        Some(line) => {
            let [top, rest] =
                Layout::vertical([Constraint::Length(1), Constraint::Min(0)]).areas(area);
            frame.render_widget(Paragraph::new(line), top);
            rest
        }
        None => area,
    }
}

pub fn table<'a>(
    rows: Vec<Row<'a>>,
    widths: Vec<Constraint>,
    titles: &'a [&'a str],
    block: Block<'a>,
) -> Table<'a> {
    Table::new(rows, widths)
        .header(Row::new(titles.iter().map(|t| Cell::from(*t))).style(header()))
        .block(block)
        .row_highlight_style(selected())
        .column_spacing(2)
}

/// The width each column of a bordered table in `area` gets, laid out as the table itself does
/// (no selection symbol, columns from the left), so cells can be cut to fit beforehand.
pub fn column_widths(area: Rect, widths: &[Constraint], spacing: u16) -> Vec<usize> {
    let inner = Rect::new(0, 0, area.width.saturating_sub(2), 1);
    let layout = Layout::horizontal(widths.iter().copied()).spacing(spacing);
    layout.split(inner).iter().map(|r| r.width.into()).collect()
}

/// A row whose cells are cut to their columns with `…`: a table cuts silently, which passes a
/// partial name or key off as the whole.
pub fn fitted(cells: Vec<Line<'static>>, widths: &[usize]) -> Row<'static> {
    let cells = cells.into_iter().zip(widths);
    Row::new(cells.map(|(line, width)| Cell::from(fit_line(line, *width))))
}

/// Each line cut to the inner width of a bordered pane in `area`.
pub fn fitted_lines(lines: Vec<Line<'static>>, area: Rect) -> Vec<Line<'static>> {
    let width = usize::from(area.width.saturating_sub(2));
    lines.into_iter().map(|l| fit_line(l, width)).collect()
}

fn show(frame: &mut Frame, area: Rect, table: Table, selected_row: usize) {
    let mut state = TableState::default().with_selected(Some(selected_row));
    frame.render_stateful_widget(table, area, &mut state);
}

pub fn titled(title: String) -> Block<'static> {
    Block::bordered().title(Span::styled(title, super::style::bold()))
}

pub fn projects(frame: &mut Frame, area: Rect, model: &Model) {
    let area = with_filter(frame, area, model, Tab::Projects);
    let projects = model.visible_projects();
    let block = titled(format!(" Projects ({}) ", projects.len()));
    if projects.is_empty() {
        let hint = empty(model, "No projects yet. Press n to create one.");
        frame.render_widget(hint.block(block), area);
        return;
    }
    let widths = vec![
        Constraint::Fill(2),
        Constraint::Fill(3),
        Constraint::Length(6),
        Constraint::Length(8),
        Constraint::Length(16),
    ];
    let cols = column_widths(area, &widths, 2);
    let data = &model.data;
    let rows = projects.iter().map(|p| {
        let tokens = data
            .tokens
            .iter()
            .filter(|t| t.project == p.slug.as_str() && t.revoked_at.is_none())
            .count();
        let licences = data
            .licences
            .iter()
            .filter(|l| !l.revoked && l.projects.iter().any(|x| x == p.slug.as_str()))
            .count();
        let cells = vec![
            Line::from(p.slug.to_string()),
            Line::from(shown(&p.name)),
            Line::from(tokens.to_string()),
            Line::from(licences.to_string()),
            Line::from(when(p.created_at)),
        ];
        fitted(cells, &cols)
    });
    const TITLES: &[&str] = &["Slug", "Name", "Tokens", "Licences", "Created"];
    let table = table(rows.collect(), widths, TITLES, block);
    show(frame, area, table, model.selected(Tab::Projects));
}

pub fn tokens(frame: &mut Frame, area: Rect, model: &Model) {
    let area = with_filter(frame, area, model, Tab::Tokens);
    let tokens = model.visible_tokens();
    let block = titled(format!(" Tokens ({}) ", tokens.len()));
    if tokens.is_empty() {
        let hint = empty(model, "No tokens here. Press n to issue one.");
        frame.render_widget(hint.block(block), area);
        return;
    }
    let details_lines = model.selected_token().map(|t| token_details(t, model.now));
    let details_height = details_lines.as_ref().map_or(0, |d| d.len() as u16 + 2);
    let [list, details] =
        Layout::vertical([Constraint::Min(4), Constraint::Length(details_height)]).areas(area);
    let wide = area.width >= 110;
    let widths = vec![
        Constraint::Fill(2),
        Constraint::Length(if wide { 32 } else { 10 }),
        Constraint::Fill(2),
        Constraint::Length(8),
        Constraint::Length(9),
    ];
    let cols = column_widths(list, &widths, 2);
    let rows = tokens.iter().map(|t| {
        let key = if wide {
            t.public_key.clone()
        } else {
            short_key(&t.public_key)
        };
        let state = token_state(t, model.now);
        let used = t
            .last_used_at
            .map(|at| ago(model.now, at))
            .unwrap_or("never".into());
        let cells = vec![
            Line::from(t.project.clone()),
            Line::from(key),
            Line::from(shown(&t.label)),
            Line::from(state),
            Line::from(used),
        ];
        fitted(cells, &cols)
    });
    const TITLES: &[&str] = &["Project", "Public key", "Label", "State", "Last used"];
    let table = table(rows.collect(), widths, TITLES, block);
    show(frame, list, table, model.selected(Tab::Tokens));
    if let Some(lines) = details_lines {
        let lines = fitted_lines(lines, details);
        let text = Paragraph::new(lines).block(Block::bordered().title(" Token "));
        frame.render_widget(text, details);
    }
}

/// Revoked and expired tokens are refused; a rotating one still takes its old key.
fn token_state(t: &TokenSummary, now: i64) -> Span<'static> {
    match (t.revoked_at, t.is_expired(now), t.is_rotating(now)) {
        (Some(_), _, _) => Span::styled("revoked", bad()),
        (None, true, _) => Span::styled("expired", bad()),
        (None, false, true) => Span::styled("rotating", notice()),
        (None, false, false) => Span::styled("active", good()),
    }
}

fn token_details(t: &TokenSummary, now: i64) -> Vec<Line<'static>> {
    let field = |label: &str, value: String| {
        Line::from(vec![
            Span::styled(format!("{label:<12}"), dim()),
            Span::raw(value),
        ])
    };
    let last = match (t.last_used_at, &t.last_ip) {
        (Some(at), Some(ip)) => format!("{} from {}", when(at), shown(ip)),
        _ => "never".into(),
    };
    let mut lines = vec![
        field("Public key", t.public_key.clone()),
        field("Created", when(t.created_at)),
        field("Last used", last),
        field(
            "User agent",
            t.last_user_agent.as_deref().map_or("–".into(), shown),
        ),
        field("Expires", t.expires_at.map_or("never".into(), when)),
    ];
    if let (true, Some(old)) = (t.is_rotating(now), &t.previous_public_key) {
        let until = t.previous_valid_until.map_or_else(String::new, when);
        lines.push(field("Rotating", format!("old key {old} until {until}")));
    }
    if !t.allowed_ips.is_empty() {
        lines.push(field("Allowed", t.allowed_ips.join(" ")));
    }
    if let Some(at) = t.revoked_at {
        lines.push(Line::from(Span::styled(
            format!("Revoked {}", when(at)),
            bad(),
        )));
    }
    lines
}

pub fn licences(frame: &mut Frame, area: Rect, model: &Model) {
    let area = with_filter(frame, area, model, Tab::Licences);
    let licences = model.visible_licences();
    let sort = model.tab.licence_sort.name();
    let block = titled(format!(
        " Licences ({}) · sorted by {sort} ",
        licences.len()
    ));
    if licences.is_empty() {
        let hint = empty(model, "No licences yet. Press n to create one.");
        frame.render_widget(hint.block(block), area);
        return;
    }
    let widths = vec![
        Constraint::Length(16),
        Constraint::Fill(2),
        Constraint::Fill(2),
        Constraint::Length(16),
        Constraint::Fill(2),
        Constraint::Length(7),
    ];
    let [list, details] = Layout::vertical([Constraint::Min(4), Constraint::Length(6)]).areas(area);
    let cols = column_widths(list, &widths, 2);
    let rows = licences.iter().map(|l| {
        let term = match &l.access_until {
            Some(until) => format!("until {}", &until[..until.len().min(10)]),
            None => "perpetual".into(),
        };
        let style = if l.revoked { dim() } else { Default::default() };
        let state = match licence_order::state(l, model.now) {
            LicenceState::Active => Span::styled("active", good()),
            LicenceState::Expired => Span::styled("expired", notice()),
            LicenceState::Revoked => Span::styled("revoked", bad()),
        };
        let cells = vec![
            Line::from(l.id.clone()),
            Line::from(l.customer.clone()),
            Line::from(l.packages.join(" ")),
            Line::from(term),
            Line::from(l.projects.join(" ")),
            Line::from(state),
        ];
        fitted(cells, &cols).style(style)
    });
    const TITLES: &[&str] = &["Id", "Customer", "Packages", "Term", "Projects", "State"];
    let table = table(rows.collect(), widths, TITLES, block);
    show(frame, list, table, model.selected(Tab::Licences));
    if let Some(licence) = model.selected_licence() {
        frame.render_widget(licence_details(licence, details), details);
    }
}

/// The terms a row has no room for: versions, seats, dependencies, the note.
fn licence_details(l: &LicenceSummary, area: Rect) -> Paragraph<'static> {
    let field = |label: &str, value: String| {
        Line::from(vec![
            Span::styled(format!("{label:<10}"), dim()),
            Span::raw(value),
        ])
    };
    let dependencies = match l.dependencies {
        true => "hosted requirements of its releases included",
        false => "hosted requirements left out",
    };
    let versions = l.versions.clone().unwrap_or_else(|| "any".into());
    let lines = vec![
        field("Holder", shown(&l.holder)),
        field(
            "Versions",
            format!("{}   ({dependencies})", shown(&versions)),
        ),
        field("Seats", crate::tui::licence_forms::seats_used(l)),
        field("Note", l.note.as_deref().map_or("–".into(), shown)),
    ];
    let title = format!(" {} ", l.id);
    Paragraph::new(fitted_lines(lines, area)).block(Block::bordered().title(title))
}
