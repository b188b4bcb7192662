//! Drawing the model. Nothing here changes state or does I/O.

mod advisories;
mod audit;
mod charts;
mod customers;
mod dashboard;
mod dialogs;
mod downloads;
pub mod help;
mod lists;
mod packages;
mod publish_log;
mod publishers;
mod shared_tokens;
pub mod style;

use super::dialog::{COPY_ROW, Dialog};
use super::model::{Model, Tab};
use ratatui::Frame;
use ratatui::layout::{Alignment, Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Paragraph, Tabs};
use style::{accent, bad, bold, dim, notice, selected};

pub fn render(frame: &mut Frame, model: &Model) {
    let [top, body, bottom] = Layout::vertical([
        Constraint::Length(1),
        Constraint::Min(0),
        Constraint::Length(1),
    ])
    .areas(frame.area());
    tabs(frame, top, model);
    match model.current() {
        Tab::Dashboard => dashboard::render(frame, body, model),
        Tab::Customers => customers::render(frame, body, model),
        Tab::Projects => lists::projects(frame, body, model),
        Tab::Tokens => lists::tokens(frame, body, model),
        Tab::Licences => lists::licences(frame, body, model),
        Tab::Packages => packages::render(frame, body, model),
        Tab::Downloads => downloads::render(frame, body, model),
        Tab::Audit => audit::render(frame, body, model),
        Tab::Advisories => advisories::render(frame, body, model),
        Tab::Publishers => publishers::render(frame, body, model),
        Tab::PublishLog => publish_log::render(frame, body, model),
    }
    footer(frame, bottom, model);
    if let Some(dialog) = &model.dialog {
        dialogs::render(frame, dialog);
    }
}

fn tabs(frame: &mut Frame, area: Rect, model: &Model) {
    let brand = " packagento ";
    let titles = Tab::ALL.iter().map(|t| t.title());
    let names: u16 = Tab::ALL.iter().map(|t| t.title().len() as u16).sum();
    let screens = Tab::ALL.len() as u16;
    // Dividers only where every name still fits whole with them; at 80 columns one space apart.
    let divided = area.width >= names + 3 * screens;
    let padded = area.width >= names + 2 * screens;
    if area.width < names + screens - 1 {
        return tab_window(frame, area, model.current().index());
    }
    let (divider, padding) = match (divided, padded) {
        (true, _) => ("│", " "),
        (false, true) => ("", " "),
        (false, false) => (" ", ""),
    };
    let tabs = Tabs::new(titles)
        .select(model.current().index())
        .highlight_style(selected().patch(bold()))
        .divider(Span::styled(divider, dim()))
        .padding(padding, padding);
    // The brand only where it leaves every screen's name whole.
    if area.width < names + 3 * screens + brand.len() as u16 {
        frame.render_widget(tabs, area);
        return;
    }
    let [left, right] =
        Layout::horizontal([Constraint::Min(0), Constraint::Length(brand.len() as u16)])
            .areas(area);
    frame.render_widget(tabs, left);
    frame.render_widget(Paragraph::new(Span::styled(brand, accent())), right);
}

/// The screens that fit around the current one, with ‹ and › where more lie beyond.
fn tab_window(frame: &mut Frame, area: Rect, current: usize) {
    let widths: Vec<u16> = Tab::ALL.iter().map(|t| t.title().len() as u16).collect();
    let fits = |start: usize, end: usize| {
        let names: u16 = widths[start..end].iter().sum();
        let marks = 2 * (u16::from(start > 0) + u16::from(end < widths.len()));
        names + (end - start - 1) as u16 + marks <= area.width
    };
    let mut start = 0;
    while start < current && !fits(start, current + 1) {
        start += 1;
    }
    let mut end = current + 1;
    while end < widths.len() && fits(start, end + 1) {
        end += 1;
    }
    let before = if start > 0 { 2 } else { 0 };
    let after = if end < widths.len() { 2 } else { 0 };
    let [left, middle, right] = Layout::horizontal([
        Constraint::Length(before),
        Constraint::Min(0),
        Constraint::Length(after),
    ])
    .areas(area);
    let titles = Tab::ALL[start..end].iter().map(|t| t.title());
    let tabs = Tabs::new(titles)
        .select(current - start)
        .highlight_style(selected().patch(bold()))
        .divider(" ")
        .padding("", "");
    frame.render_widget(Paragraph::new(Span::styled("‹", accent())), left);
    frame.render_widget(tabs, middle);
    let more = Paragraph::new(Span::styled("›", accent())).alignment(Alignment::Right);
    frame.render_widget(more, right);
}

/// Key hints, or the last outcome while it is fresh; work in progress on the right.
fn footer(frame: &mut Frame, area: Rect, model: &Model) {
    let busy = model.busy.as_deref().unwrap_or("");
    let [left, right] = Layout::horizontal([
        Constraint::Min(0),
        Constraint::Length(busy.chars().count() as u16 + 1),
    ])
    .areas(area);
    let line = match &model.status {
        Some(status) if status.is_error => Line::from(Span::styled(
            format!(" {}", style::shown(&status.text.replace('\n', " · "))),
            bad(),
        )),
        Some(status) => Line::from(Span::styled(
            format!(" {}", style::shown(&status.text)),
            style::good(),
        )),
        None => hints(model),
    };
    frame.render_widget(Paragraph::new(line), left);
    frame.render_widget(Paragraph::new(Span::styled(busy, notice())), right);
}

fn hints(model: &Model) -> Line<'static> {
    let keys: &[(&str, &str)] = match (&model.dialog, model.tab.editing_filter) {
        (Some(Dialog::Form(form)), _)
            if form
                .fields
                .get(form.focus)
                .and_then(|f| f.choices.as_ref())
                .is_some_and(|c| c.several) =>
        {
            &[
                ("←→", "move"),
                ("Space", "mark"),
                ("Enter", "submit"),
                ("Tab", "next field"),
                ("Esc", "cancel"),
            ]
        }
        (Some(Dialog::Form(form)), _)
            if form
                .fields
                .get(form.focus)
                .is_some_and(|f| f.choices.is_some()) =>
        {
            &[
                ("←→", "choose"),
                ("type", "filter"),
                ("Enter", "submit"),
                ("Tab", "next field"),
                ("Esc", "cancel"),
            ]
        }
        (Some(Dialog::Form(_)), _) => &[
            ("Enter", "submit"),
            ("Tab", "next field"),
            ("Esc", "cancel"),
        ],
        (Some(Dialog::TokenCreated(card)), _) if card.focus == COPY_ROW => &[
            ("1-4", "copy"),
            ("Tab", "host/path"),
            ("Enter", "write auth.json"),
            ("Esc", "close"),
        ],
        (Some(Dialog::TokenCreated(_)), _) => &[
            ("Enter", "write auth.json"),
            ("Tab", "host/path"),
            ("Esc", "close"),
        ],
        (Some(Dialog::Confirm(_)), _) => &[("y", "confirm"), ("n/Esc", "cancel")],
        (Some(Dialog::Quit { .. }), _) => &[("y", "quit"), ("n/Esc", "keep running")],
        (Some(_), _) => &[("↑↓", "scroll"), ("Esc", "close")],
        (None, true) => &[("Enter", "keep filter"), ("Esc", "clear filter")],
        (None, false) => match model.current() {
            Tab::Dashboard => &[
                ("Tab", "screens"),
                ("r", "refresh"),
                ("?", "help"),
                ("q", "quit"),
            ],
            Tab::Customers => &[
                ("n", "new"),
                ("e", "rename"),
                ("d", "delete"),
                ("/", "filter"),
                ("?", "help"),
                ("q", "quit"),
            ],
            Tab::Projects => &[
                ("n", "new"),
                ("e", "rename"),
                ("d", "delete"),
                ("Enter", "tokens"),
                ("p", "preview"),
                ("/", "filter"),
                ("?", "help"),
            ],
            Tab::Tokens => &[
                ("n", "new"),
                ("o", "rotate"),
                ("x", "revoke"),
                ("c", "copy key"),
                ("/", "filter"),
                ("?", "help"),
                ("q", "quit"),
            ],
            Tab::Licences => &[
                ("n", "new"),
                ("a/u", "(de)activate"),
                ("t", "extend"),
                ("e", "edit"),
                ("x", "revoke"),
                ("/", "filter"),
                ("s", "sort"),
                ("?", "help"),
            ],
            Tab::Packages if model.in_versions => &[
                ("↑↓", "version"),
                ("x", "yank"),
                ("u", "unyank"),
                ("d", "remove"),
                ("Esc", "packages"),
                ("?", "help"),
            ],
            Tab::Packages => &[
                ("n", "publish"),
                ("Enter", "versions"),
                ("x", "yank"),
                ("u", "unyank"),
                ("d", "remove"),
                ("/", "filter"),
                ("?", "help"),
            ],
            Tab::Downloads => &[
                ("/", "project or package"),
                ("Esc", "clear"),
                ("?", "help"),
                ("q", "quit"),
            ],
            Tab::Audit => &[
                ("/", "target, action or actor"),
                ("Esc", "clear"),
                ("?", "help"),
                ("q", "quit"),
            ],
            Tab::Advisories => &[
                ("↑↓", "who is affected"),
                ("/", "id, package or title"),
                ("?", "help"),
                ("q", "quit"),
            ],
            Tab::Publishers => &[
                ("n", "new"),
                ("x", "revoke"),
                ("/", "filter"),
                ("?", "help"),
                ("q", "quit"),
            ],
            Tab::PublishLog => &[
                ("Enter", "in full"),
                ("/", "package, route or outcome"),
                ("?", "help"),
                ("q", "quit"),
            ],
        },
    };
    let mut spans = vec![Span::raw(" ")];
    for (key, what) in keys {
        spans.push(Span::styled(*key, accent()));
        spans.push(Span::styled(format!(" {what}  "), dim()));
    }
    Line::from(spans)
}

/// The filter line above a list, when a filter is set or being typed.
fn filter_line(model: &Model, tab: Tab) -> Option<Line<'static>> {
    let text = model.tab.filters.get(&tab)?;
    let editing = model.tab.editing_filter && model.current() == tab && model.dialog.is_none();
    if text.is_empty() && !editing {
        return None;
    }
    let mut spans = vec![Span::styled(" / ", accent())];
    spans.extend(dialogs::input_spans(text, editing));
    if !editing {
        spans.push(Span::styled("   Esc clears", dim()));
    }
    Some(Line::from(spans))
}

/// A placeholder for an empty list that says what to do next, wrapped: it is read, not copied.
fn empty(model: &Model, what: &str) -> Paragraph<'static> {
    let text = if model.loaded {
        what.to_string()
    } else {
        "loading…".to_string()
    };
    Paragraph::new(Span::styled(text, dim())).wrap(ratatui::widgets::Wrap { trim: false })
}

/// What a live list's title adds once the change feed has ended: from then on it may be stale.
fn feed_ended(model: &Model) -> String {
    match &model.live_error {
        Some(error) => format!("· live updates stopped: {} ", style::shown(error)),
        None => String::new(),
    }
}
