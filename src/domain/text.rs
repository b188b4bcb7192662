//! Text that reaches an operator's terminal: stored names refuse control and bidirectional-override
//! characters, and everything printed for people has them made visible.
//!
//! Why both: a refused name can never be stored, but some text comes from the network and cannot
//! be refused (a download's user agent), and data stored before this rule existed may hold them.
//! An escape sequence printed raw can recolour, retitle or rewrite the operator's terminal; a
//! bidirectional override makes a name read differently from what it is.

use std::borrow::Cow;
use std::fmt::Write;

/// `1 project`, `2 projects`: a count with its noun, plural when it is not one.
pub fn counted(count: usize, noun: &str) -> String {
    match count {
        1 => format!("1 {noun}"),
        n => format!("{n} {noun}s"),
    }
}

/// C0, DEL and C1 controls, and the characters that change the direction text is shown in.
pub fn is_hostile(c: char) -> bool {
    c.is_control()
        || matches!(
            c,
            '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}' | '\u{200E}' | '\u{200F}' | '\u{061C}'
        )
}

/// The first hostile character in `text`: its position (counted in characters, from 1) and itself.
pub fn find_hostile(text: &str) -> Option<(usize, char)> {
    // Every log line passes here; printable ASCII, by far the most of it, is checked bytewise.
    if text.bytes().all(|b| (0x20..0x7f).contains(&b)) {
        return None;
    }
    text.chars()
        .enumerate()
        .find(|&(_, c)| is_hostile(c))
        .map(|(index, c)| (index + 1, c))
}

/// Refuses a value for `field` that holds a hostile character. The message names the character by
/// its code point and never contains it, so printing the error is safe.
pub fn check_field(field: &str, value: &str) -> Result<(), String> {
    match find_hostile(value) {
        None => Ok(()),
        Some((at, c)) => Err(format!(
            "the {field} contains {} U+{:04X} at character {at}; control and text-direction characters are not allowed",
            kind(c),
            u32::from(c)
        )),
    }
}

fn kind(c: char) -> &'static str {
    match c.is_control() {
        true => "the control character",
        false => "the text-direction character",
    }
}

/// `text` with each hostile character replaced by a visible escape such as `\u{1b}`; borrowed
/// unchanged when there is none (nearly always).
pub fn printable(text: &str) -> Cow<'_, str> {
    if find_hostile(text).is_none() {
        return Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len() + 8);
    for c in text.chars() {
        match is_hostile(c) {
            true => {
                let _ = write!(out, "\\u{{{:x}}}", u32::from(c));
            }
            false => out.push(c),
        }
    }
    Cow::Owned(out)
}

/// Like [`printable`], but keeps line breaks: for messages that are several lines on purpose.
pub fn printable_lines(text: &str) -> String {
    text.split('\n')
        .map(printable)
        .collect::<Vec<_>>()
        .join("\n")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_is_counted_in_the_singular_and_every_other_count_in_the_plural() {
        assert_eq!(counted(1, "version"), "1 version");
        assert_eq!(counted(0, "version"), "0 versions");
        assert_eq!(counted(2, "seat"), "2 seats");
    }

    #[test]
    fn controls_and_direction_overrides_are_hostile() {
        for c in [
            '\0', '\t', '\n', '\r', '\u{1b}', '\u{7f}', '\u{85}', '\u{9b}', '\u{202a}', '\u{202e}',
            '\u{2066}', '\u{2069}', '\u{200e}', '\u{200f}', '\u{061c}',
        ] {
            assert!(is_hostile(c), "{:x}", u32::from(c));
        }
        for c in ['a', ' ', 'é', '→', '\u{200b}', '\u{2070}', '\u{2029}'] {
            assert!(!is_hostile(c), "{:x}", u32::from(c));
        }
    }

    #[test]
    fn a_refused_value_is_named_by_field_and_code_point_without_the_raw_character() {
        let error = check_field("version", "dev-\u{1b}[31mRED").unwrap_err();
        assert_eq!(
            error,
            "the version contains the control character U+001B at character 5; control and text-direction characters are not allowed"
        );
        let error = check_field("label", "abc\u{202e}cba").unwrap_err();
        assert!(error.contains("text-direction character U+202E at character 4"));
        assert!(!error.contains('\u{202e}'));
        assert_eq!(check_field("label", "ci – Ünïcode ok"), Ok(()));
    }

    #[test]
    fn printable_escapes_each_hostile_character_and_keeps_the_rest() {
        assert_eq!(
            printable("dev-\u{1b}[31mRED\u{1b}]0;T\u{7}"),
            "dev-\\u{1b}[31mRED\\u{1b}]0;T\\u{7}"
        );
        assert_eq!(
            printable("a\0b\r\nc\td\u{202e}é\u{9b}"),
            "a\\u{0}b\\u{d}\\u{a}c\\u{9}d\\u{202e}é\\u{9b}"
        );
        assert!(matches!(
            printable("Composer/2.7 (Linux)"),
            Cow::Borrowed(_)
        ));
        assert_eq!(printable_lines("one\u{1b}\ntwo\r"), "one\\u{1b}\ntwo\\u{d}");
    }
}
