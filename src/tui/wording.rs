//! Service errors are worded for the command line (flags, `packagento …` commands); inside the
//! TUI the same error names the screen or key that does it instead. The CLI wording stays as it
//! is: only what the TUI shows is rewritten.

use super::model::Tab;

/// Phrases written for the command line, and what the TUI says instead.
const PHRASES: &[(&str, &str)] = &[
    ("pass --version (?version= when uploading), set", "set"),
    (" (--package)", ""),
    (
        "(or --unlimited-seats)",
        "(or leave Seats empty for no limit)",
    ),
    (
        "add one with --add-package,",
        "add one under Add packages (e),",
    ),
    (
        "or use --any-version",
        "or leave Versions empty for any version",
    ),
    (
        "issue a new one with token create",
        "issue a new one with n on the Tokens screen",
    ),
    (
        "create a new licence with --access-until and revoke this one",
        "create a new licence with an Access until date (n) and revoke this one (x)",
    ),
    ("--from and --to are both", "From and To are both"),
    (
        "(see packagento advisory list)",
        "(see the Advisories screen, 9)",
    ),
];

/// `error` as the TUI shows it.
pub fn for_tui(error: &str) -> String {
    let mut text = error.to_string();
    for (cli, tui) in PHRASES {
        text = text.replace(cli, tui);
    }
    commands(&text)
}

/// Each `` `packagento …` `` command becomes the screen or key that does the same.
fn commands(text: &str) -> String {
    let mut out = String::new();
    let mut rest = text;
    while let Some(start) = rest.find("`packagento ") {
        let after = &rest[start + 1..];
        let Some(end) = after.find('`') else {
            break;
        };
        out.push_str(&rest[..start]);
        out.push_str(&instead(&after[..end]));
        rest = &after[end + 1..];
    }
    out.push_str(rest);
    out
}

fn instead(command: &str) -> String {
    let words: Vec<&str> = command.split_whitespace().skip(1).collect();
    let screen = |tab: Tab| format!("the {} screen, {}", tab.title(), tab.index() + 1);
    let tab = match words.first().copied() {
        Some("customer") => Tab::Customers,
        Some("project") => Tab::Projects,
        Some("token") => Tab::Tokens,
        Some("licence") => Tab::Licences,
        Some("package") => Tab::Packages,
        Some("advisory") => Tab::Advisories,
        _ => return command.to_string(),
    };
    match words.get(1).copied() {
        Some("create") => format!("n on {}", screen(tab)),
        Some("move") => format!("m on {}", screen(tab)),
        _ => screen(tab),
    }
}

#[cfg(test)]
mod tests {
    use super::for_tui;

    #[test]
    fn a_listing_command_becomes_its_screen() {
        assert_eq!(
            for_tui("no project \"x\" (see `packagento project list`)"),
            "no project \"x\" (see the Projects screen, 3)"
        );
    }

    #[test]
    fn a_full_seat_count_says_which_keys_move_the_licence() {
        let error = "licence lic_1 has 1 seat, all taken: it is active on a. Deactivate it on one \
                     of them, or move it with `packagento licence move lic_1 --from PROJECT --to \
                     PROJECT`";
        let text = for_tui(error);
        assert!(
            text.ends_with("or move it with m on the Licences screen, 5"),
            "{text}"
        );
        assert!(!text.contains("--"), "{text}");
    }

    #[test]
    fn a_missing_customer_says_where_to_create_it() {
        let error = "no customer \"acme\" (see `packagento customer list`, or create it with \
                     `packagento customer create acme`)";
        assert_eq!(
            for_tui(error),
            "no customer \"acme\" (see the Customers screen, 2, or create it with n on the \
             Customers screen, 2)"
        );
    }

    #[test]
    fn flags_become_the_fields_of_the_form() {
        let publish = "no version: pass --version (?version= when uploading), set \"version\" in \
                       composer.json, or name the file after the version";
        assert_eq!(
            for_tui(publish),
            "no version: set \"version\" in composer.json, or name the file after the version"
        );
        let empty = "licence lic_1 would be left with no packages: add one with --add-package, \
                     or revoke the licence";
        assert!(for_tui(empty).contains("add one under Add packages (e),"));
        let seats = "a licence needs at least one seat (or --unlimited-seats)";
        assert!(for_tui(seats).ends_with("(or leave Seats empty for no limit)"));
        let revoked = "token abc is revoked; issue a new one with token create";
        assert!(for_tui(revoked).ends_with("with n on the Tokens screen"));
    }

    #[test]
    fn text_without_cli_words_is_left_alone() {
        let plain = "licence lic_1 is revoked and cannot be activated";
        assert_eq!(for_tui(plain), plain);
    }
}
