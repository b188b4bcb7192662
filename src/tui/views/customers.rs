//! The Customers screen: whom the vendor sells to, and for the one under the cursor everything
//! that hangs off it (projects, licences and their state, tokens, the last 30 days' downloads).

use super::empty;
use super::lists::{column_widths, fitted, fitted_lines, table, titled, with_filter};
use super::style::{bad, bold, dim, good, notice, shown, when};
use crate::service::customers::{CustomerDetail, CustomerLicence, LicenceState};
use crate::tui::licence_forms::seats_used;
use crate::tui::model::{Model, Tab};
use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Paragraph, TableState};

pub fn render(frame: &mut Frame, area: Rect, model: &Model) {
    let area = with_filter(frame, area, model, Tab::Customers);
    let customers = model.visible_customers();
    let block = titled(format!(" Customers ({}) ", customers.len()));
    if customers.is_empty() {
        let hint = empty(model, "No customers yet. Press n to create one.");
        frame.render_widget(hint.block(block), area);
        return;
    }
    let list_height = (customers.len() as u16 + 3).clamp(4, area.height / 2);
    let [list, details] =
        Layout::vertical([Constraint::Length(list_height), Constraint::Min(0)]).areas(area);
    let widths = vec![
        Constraint::Fill(3),
        Constraint::Fill(3),
        Constraint::Fill(3),
        Constraint::Length(8),
        Constraint::Length(8),
        Constraint::Length(10),
    ];
    let cols = column_widths(list, &widths, 2);
    let rows = customers.iter().map(|c| {
        let customer = &c.customer;
        let cells = vec![
            Line::from(customer.slug.to_string()),
            Line::from(shown(&customer.name)),
            Line::from(customer.email.as_deref().map_or("–".into(), shown)),
            Line::from(c.projects.to_string()),
            Line::from(c.licences.to_string()),
            Line::from(when(customer.created_at)[..10].to_string()),
        ];
        fitted(cells, &cols)
    });
    const TITLES: &[&str] = &["Slug", "Name", "Email", "Projects", "Licences", "Since"];
    let table = table(rows.collect(), widths, TITLES, block);
    let mut state = TableState::default().with_selected(Some(model.selected(Tab::Customers)));
    frame.render_stateful_widget(table, list, &mut state);
    let Some(selected) = model.selected_customer() else {
        return;
    };
    let slug = selected.customer.slug.as_str();
    let block = Block::bordered().title(Span::styled(format!(" {slug} "), bold()));
    let lines = match model.data.customer_details.get(slug) {
        Some(detail) => detail_lines(detail),
        None => vec![Line::from(Span::styled("loading…", dim()))],
    };
    frame.render_widget(
        Paragraph::new(fitted_lines(lines, details)).block(block),
        details,
    );
}

fn field(label: &str, value: String) -> Line<'static> {
    Line::from(vec![
        Span::styled(format!("{label:<11}"), dim()),
        Span::raw(value),
    ])
}

fn detail_lines(detail: &CustomerDetail) -> Vec<Line<'static>> {
    let projects: Vec<String> = detail.projects.iter().map(|p| p.slug.to_string()).collect();
    let active = detail.tokens.iter().filter(|t| t.revoked_at.is_none());
    let active = active.count();
    let revoked = detail.tokens.len() - active;
    let tokens = match revoked {
        0 => format!("{active} active"),
        n => format!("{active} active, {n} revoked"),
    };
    let downloads = &detail.downloads;
    let mut busiest = String::new();
    if let Some(top) = downloads.packages.first() {
        let count = top.downloads.dist + top.downloads.notify;
        busiest = format!("; most {} ({count})", shown(&top.package));
    }
    let mut tokens = field("Tokens", tokens);
    let shared = detail.tokens.iter().filter(|t| t.shared_alert.is_some());
    match shared.count() {
        0 => {}
        n => tokens.push_span(Span::styled(
            format!(", {n} shared in the last 7 days"),
            bad(),
        )),
    }
    let mut lines = vec![
        field("Projects", none_or(projects.join(", "))),
        tokens,
        field(
            "30 days",
            format!(
                "{} transfers, {} installs{busiest}",
                downloads.total.dist, downloads.total.notify
            ),
        ),
    ];
    if let Some(email) = &detail.customer.email {
        lines.insert(0, field("Email", shown(email)));
    }
    lines.push(Line::from(Span::styled(
        format!("Licences ({})", detail.licences.len()),
        dim(),
    )));
    lines.extend(detail.licences.iter().map(licence_line));
    lines
}

fn none_or(text: String) -> String {
    if text.is_empty() { "none".into() } else { text }
}

fn licence_line(entry: &CustomerLicence) -> Line<'static> {
    let l = &entry.licence;
    let term = match &l.access_until {
        Some(until) => format!("until {}", &until[..until.len().min(10)]),
        None => "perpetual".into(),
    };
    let state = match entry.state {
        LicenceState::Active => Span::styled("active ", good()),
        LicenceState::Expired => Span::styled("expired", notice()),
        LicenceState::Revoked => Span::styled("revoked", bad()),
    };
    let versions = l
        .versions
        .as_deref()
        .map(|v| format!(" {v}"))
        .unwrap_or_default();
    Line::from(vec![
        Span::raw(format!("  {}  ", l.id)),
        state,
        Span::raw(format!("  {:<16}  ", term)),
        Span::raw(shown(&format!("{}{versions}", l.packages.join(" ")))),
        Span::styled(format!("  seats {}", seats_used(l)), dim()),
    ])
}
