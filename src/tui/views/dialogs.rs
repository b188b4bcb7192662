//! Dialogs drawn over the screen: forms, questions, the new-token card, previews and help.

use super::style::{accent, bad, bold, dim, fit_line, good, notice, selected, shown, when};
use crate::service::auth_json::{composer_config_line, document_for};
use crate::service::check::RequirementGap;
use crate::service::preview::{Hidden, PackagePreview, Visible};
use crate::service::tokens::CreatedToken;
use crate::tui::clipboard::CARD_ITEMS;
use crate::tui::dialog::{COPY_ROW, Choices, Confirm, Dialog, Form, Preview, TokenCard};
use crate::tui::text_input::TextInput;
use ratatui::Frame;
use ratatui::layout::Constraint;
use ratatui::style::Style;
use ratatui::text::{Line, Span, Text};
use ratatui::widgets::{Block, Clear, Paragraph, Wrap};

pub fn render(frame: &mut Frame, dialog: &Dialog) {
    if let Dialog::Quit {
        behind: Some(behind),
    } = dialog
    {
        render(frame, behind);
    }
    let area = frame.area();
    let (title, text, scroll): (String, Text, u16) = match dialog {
        Dialog::Help { scroll, tab } => (
            format!(" Help: {} ", tab.title()),
            super::help::text(*tab),
            *scroll,
        ),
        Dialog::Form(form) => (format!(" {} ", form.title), form_text(form), 0),
        Dialog::Confirm(confirm) => (format!(" {} ", confirm.title), confirm_text(confirm), 0),
        Dialog::Quit { .. } => (" Quit ".into(), quit_text(), 0),
        Dialog::TokenCreated(card) => {
            let roomy = area.height >= 34;
            let title = match card.rotated {
                Some(_) => " Token rotated ",
                None => " Token created ",
            };
            let inner = area.width.saturating_sub(2).min(100).saturating_sub(2);
            (title.into(), token_text(card, roomy, inner.into()), 0)
        }
        Dialog::Preview(preview) => (
            format!(" What {} sees ", preview.project),
            preview_text(preview),
            preview.scroll,
        ),
        Dialog::PublisherCreated(card) => (
            " Publisher token created ".into(),
            super::publishers::card_text(card),
            0,
        ),
        Dialog::Details(details) => (
            format!(" {} ", details.title),
            super::publish_log::details_text(details),
            details.scroll,
        ),
    };
    let width = (area.width.saturating_sub(2)).min(100);
    let inner = usize::from(width.saturating_sub(2)).max(1);
    let rows: usize = text
        .lines
        .iter()
        .map(|l| l.width().max(1).div_ceil(inner))
        .sum();
    let height = (rows as u16 + 2).min(area.height.saturating_sub(2));
    let popup = area.centered(Constraint::Length(width), Constraint::Length(height));
    frame.render_widget(Clear, popup);
    let block = Block::bordered().title(Span::styled(title, accent()));
    let paragraph = Paragraph::new(text)
        .block(block)
        .wrap(Wrap { trim: false })
        .scroll((scroll, 0));
    frame.render_widget(paragraph, popup);
}

/// A text field's content with its cursor shown as a reversed cell when it has the keyboard.
pub fn input_spans(input: &TextInput, focused: bool) -> Vec<Span<'static>> {
    let text = input.text();
    if !focused {
        return vec![Span::raw(text)];
    }
    let chars: Vec<char> = text.chars().collect();
    let cursor = input.cursor();
    let before: String = chars[..cursor].iter().collect();
    let at: String = chars
        .get(cursor)
        .map(|c| c.to_string())
        .unwrap_or(" ".into());
    let after: String = chars
        .get(cursor + 1..)
        .map(|c| c.iter().collect())
        .unwrap_or_default();
    vec![
        Span::raw(before),
        Span::styled(at, selected()),
        Span::raw(after),
    ]
}

fn field_line(label: &str, input: &TextInput, focused: bool) -> Line<'static> {
    let marker = if focused {
        Span::styled("› ", accent())
    } else {
        Span::raw("  ")
    };
    let mut spans = vec![marker, Span::styled(format!("{label:<14}"), bold())];
    spans.extend(input_spans(input, focused));
    Line::from(spans)
}

/// A field picked from a list: the option chosen between arrows, or every option with its mark.
fn choice_line(label: &str, choices: &Choices, focused: bool) -> Line<'static> {
    let marker = if focused {
        Span::styled("› ", accent())
    } else {
        Span::raw("  ")
    };
    let mut spans = vec![marker, Span::styled(format!("{label:<14}"), bold())];
    let cursor = |i: usize| match focused && i == choices.index {
        true => selected(),
        false => Style::new(),
    };
    if choices.options.is_empty() {
        spans.push(Span::styled("(nothing to pick)", dim()));
    } else if choices.several {
        for (i, option) in choices.options.iter().enumerate() {
            let mark = if option.marked { "[x] " } else { "[ ] " };
            let text = format!("{mark}{}", shown(&option.label));
            spans.push(Span::styled(text, cursor(i)));
            spans.push(Span::raw("  "));
        }
    } else {
        spans.extend(single_choice(choices, cursor(choices.index)));
    }
    Line::from(spans)
}

/// The option chosen between arrows, where it is among those the filter lets through, and the
/// filter itself.
fn single_choice(choices: &Choices, style: Style) -> Vec<Span<'static>> {
    let matching = choices.matching();
    let mut spans = vec![Span::styled("‹ ", dim())];
    match choices.current() {
        Some(option) => spans.push(Span::styled(shown(&option.label), style)),
        None => spans.push(Span::styled("nothing matches", bad())),
    }
    spans.push(Span::styled(" ›", dim()));
    let position = matching.iter().position(|&i| i == choices.index);
    if let (Some(at), true) = (position, matching.len() > 1) {
        let of = format!("  {} of {}", at + 1, matching.len());
        spans.push(Span::styled(of, dim()));
    }
    if !choices.filter.is_empty() {
        let typed = format!("  filter: {}", shown(&choices.filter));
        spans.push(Span::styled(typed, accent()));
    }
    spans
}

fn form_text(form: &Form) -> Text<'static> {
    let mut lines = Vec::new();
    for (index, field) in form.fields.iter().enumerate() {
        let focused = index == form.focus;
        lines.push(match &field.choices {
            Some(choices) => choice_line(field.label, choices, focused),
            None => field_line(field.label, &field.input, focused),
        });
        lines.push(Line::from(Span::styled(
            format!("{:16}{}", "", field.hint),
            dim(),
        )));
    }
    lines.push(Line::raw(""));
    if form.waiting {
        lines.push(Line::from(Span::styled("working…", notice())));
    }
    if let Some(error) = &form.error {
        lines.extend(
            error
                .lines()
                .map(|l| Line::from(Span::styled(shown(l), bad()))),
        );
    }
    lines.push(Line::from(Span::styled(
        "Enter submit · Tab next field · Esc cancel",
        dim(),
    )));
    Text::from(lines)
}

fn confirm_text(confirm: &Confirm) -> Text<'static> {
    let mut lines: Vec<Line> = confirm.lines.iter().map(|l| Line::raw(shown(l))).collect();
    lines.push(Line::raw(""));
    lines.push(Line::from(vec![
        Span::styled("y", bad()),
        Span::raw(" confirm   "),
        Span::styled("n", accent()),
        Span::raw(" / Esc cancel"),
    ]));
    Text::from(lines)
}

fn quit_text() -> Text<'static> {
    Text::from(vec![
        Line::raw("Quit and stop the server? Composer clients lose the repository."),
        Line::raw(""),
        Line::from(vec![
            Span::styled("y", bad()),
            Span::raw(" quit and stop the server   "),
            Span::styled("n", accent()),
            Span::raw(" / Esc keep running"),
        ]),
    ])
}

/// Keys and the fields that act on them first, so they stay on screen at 80×24; the auth.json
/// is pretty-printed only when there is room for it. No line wraps: a key broken over two lines
/// is broken when copied, so a line too long for the screen is cut with `…` and the copy keys
/// carry the whole value.
fn token_text(card: &TokenCard, roomy: bool, width: usize) -> Text<'static> {
    let token = &card.token;
    let host = card.host.text();
    let label = |text: &str| Span::styled(format!("{text:<9}"), dim());
    let mut lines = vec![
        Line::from(vec![label("Project"), Span::raw(token.project.clone())]),
        Line::from(vec![label("Public"), Span::raw(token.public_key.clone())]),
        Line::from(vec![
            label("Private"),
            Span::styled(token.private_key.clone(), bold()),
        ]),
        Line::from(Span::styled(
            "The private key is shown this one time only: store it now.",
            notice(),
        )),
    ];
    if let Some(note) = &card.rotated {
        lines.push(Line::from(vec![label("Old key"), Span::raw(note.clone())]));
    }
    lines.extend([
        Line::raw(""),
        copy_line(card.focus == COPY_ROW),
        field_line("Host", &card.host, card.focus == 0),
        field_line("Write to", &card.path, card.focus == 1),
        match &card.outcome {
            Some(Ok(text)) => Line::from(Span::styled(text.clone(), good())),
            Some(Err(error)) => Line::from(Span::styled(shown(error), bad())),
            None => Line::from(Span::styled(
                "Type a path for auth.json (e.g. ./auth.json) and press Enter; Esc closes.",
                dim(),
            )),
        },
        Line::raw(""),
    ]);
    lines.extend(auth_json_lines(&host, token, roomy));
    lines.push(Line::from(Span::styled("or run:", bold())));
    lines.extend(command_lines(&composer_config_line(&host, token)));
    Text::from(
        lines
            .into_iter()
            .map(|l| fit_line(l, width))
            .collect::<Vec<_>>(),
    )
}

/// The copy keys, numbered as `1`…`4` copy them.
fn copy_line(focused: bool) -> Line<'static> {
    let marker = match focused {
        true => Span::styled("› ", accent()),
        false => Span::raw("  "),
    };
    let mut spans = vec![marker, Span::styled(format!("{:<14}", "Copy"), bold())];
    for (number, item) in CARD_ITEMS.iter().enumerate() {
        if number > 0 {
            spans.push(Span::raw("  "));
        }
        spans.push(Span::styled((number + 1).to_string(), accent()));
        spans.push(Span::raw(format!(" {item}")));
    }
    Line::from(spans)
}

/// The auth.json in full where there is room; else a pointer to the keys that copy or write it.
fn auth_json_lines(host: &str, token: &CreatedToken, roomy: bool) -> Vec<Line<'static>> {
    let pretty = serde_json::to_string_pretty(&document_for(host, token));
    match (roomy, pretty) {
        (true, Ok(json)) => {
            let mut lines = vec![Line::from(Span::styled(
                "auth.json (next to composer.json):",
                bold(),
            ))];
            lines.extend(json.lines().map(|l| Line::raw(l.to_string())));
            lines
        }
        _ => vec![Line::from(vec![
            Span::styled("auth.json ", bold()),
            Span::styled(
                "(next to composer.json): 3 copies it, Enter writes it",
                dim(),
            ),
        ])],
    }
}

/// `composer config … HOST PUBLIC PRIVATE` with each key on a line of its own, joined by shell
/// line continuations, so what is selected on screen still pastes as one command.
fn command_lines(command: &str) -> Vec<Line<'static>> {
    let mut parts = command.rsplitn(3, ' ').collect::<Vec<_>>();
    parts.reverse();
    let last = parts.len().saturating_sub(1);
    let lines = parts.iter().enumerate().map(|(i, part)| {
        let indent = if i == 0 { "" } else { "    " };
        let more = if i < last { " \\" } else { "" };
        Line::raw(format!("{indent}{part}{more}"))
    });
    lines.collect()
}

/// Requirements that cannot be met first, since they break `composer install`; then each
/// package's versions, visible or hidden, and why.
fn preview_text(preview: &Preview) -> Text<'static> {
    let mut lines: Vec<Line> = preview.gaps.iter().map(gap_line).collect();
    if !preview.gaps.is_empty() {
        lines.push(Line::from(Span::styled(
            "composer install would fail for this project: license the required versions too",
            dim(),
        )));
    }
    if preview.packages.is_empty() {
        lines.push(Line::from(Span::styled(
            "No packages published yet.",
            dim(),
        )));
        return Text::from(lines);
    }
    for package in &preview.packages {
        lines.extend(package_lines(package));
    }
    Text::from(lines)
}

fn gap_line(gap: &RequirementGap) -> Line<'static> {
    Line::from(Span::styled(
        shown(&format!(
            "⚠ {} {} requires {} {}: no visible version",
            gap.package, gap.version, gap.requires, gap.constraint
        )),
        notice(),
    ))
}

fn package_lines(package: &PackagePreview) -> Vec<Line<'static>> {
    let visible = package
        .versions
        .iter()
        .filter(|v| v.hidden.is_none())
        .count();
    let mut lines = vec![Line::from(vec![
        Span::styled(package.package.clone(), bold()),
        Span::styled(
            format!("  {visible} of {} visible", package.versions.len()),
            dim(),
        ),
    ])];
    for version in &package.versions {
        let (mark, why) = match (&version.hidden, &version.visible) {
            (None, visible) => (
                Span::styled("✓ visible", good()),
                visible.as_ref().map(why_visible).unwrap_or_default(),
            ),
            (Some(reason), _) => (Span::styled("✗ hidden ", bad()), describe(reason)),
        };
        lines.push(Line::from(vec![
            Span::raw(format!(
                "  {:<12} {}  ",
                shown(&version.version),
                when(version.released_at)
            )),
            mark,
            Span::styled(format!(" {}", shown(&why)), dim()),
        ]));
    }
    lines
}

fn why_visible(reason: &Visible) -> String {
    match reason {
        Visible::Licence { licence } => format!("(licence {licence})"),
        Visible::RequiredBy { package, version } => format!("(required by {package} {version})"),
    }
}

fn describe(reason: &Hidden) -> String {
    match reason {
        Hidden::SubscriptionWindow { access_until } => {
            format!(
                "released after the subscription window (until {})",
                &access_until[..10]
            )
        }
        Hidden::OutsideVersions { versions } => {
            format!("outside the licence's versions {versions}")
        }
        Hidden::LicenceRevoked { licence } => format!("licence {licence} revoked"),
        Hidden::NotCovered => "not covered by any activated licence".into(),
    }
}
