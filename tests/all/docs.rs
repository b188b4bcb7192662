//! The reference in packaging/docs/ checked against what it describes, so it cannot quietly go
//! stale: every command and flag of `--help` is in cli.md and every flag cli.md gives a command
//! exists, every environment variable named exists, the terminal UI screens in tui.md are the ones
//! the snapshot tests draw, and every link between the documents leads somewhere.

use crate::common::BIN;
use std::path::{Path, PathBuf};
use std::process::Command;

fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

fn read(path: &Path) -> String {
    std::fs::read_to_string(path).unwrap_or_else(|e| panic!("read {}: {e}", path.display()))
}

fn documents() -> Vec<PathBuf> {
    let docs = root().join("packaging/docs");
    let mut paths: Vec<PathBuf> = std::fs::read_dir(&docs)
        .expect("packaging/docs")
        .map(|entry| entry.expect("entry").path())
        .filter(|path| path.extension().is_some_and(|ext| ext == "md"))
        .collect();
    paths.sort();
    paths.push(root().join("README.md"));
    paths.push(root().join("packaging/README.md"));
    paths
}

fn help(path: &[String]) -> String {
    let output = Command::new(BIN)
        .args(path)
        .arg("--help")
        .output()
        .expect("run packagento --help");
    assert!(output.status.success(), "packagento {path:?} --help failed");
    String::from_utf8_lossy(&output.stdout).into_owned()
}

/// The subcommands a `--help` lists, without `help` itself.
fn subcommands(help: &str) -> Vec<String> {
    help.lines()
        .skip_while(|line| *line != "Commands:")
        .skip(1)
        .take_while(|line| !line.trim().is_empty())
        .filter_map(|line| line.split_whitespace().next())
        .filter(|name| *name != "help")
        .map(str::to_string)
        .collect()
}

/// Every command path (`["serve"]`, `["package", "import-git"]`, …) with its `--help`.
fn command_tree() -> Vec<(Vec<String>, String)> {
    let mut commands = Vec::new();
    for top in subcommands(&help(&[])) {
        let path = vec![top];
        let text = help(&path);
        let children = subcommands(&text);
        for child in &children {
            let mut sub = path.clone();
            sub.push(child.clone());
            let text = help(&sub);
            commands.push((sub, text));
        }
        if children.is_empty() {
            commands.push((path, text));
        }
    }
    commands
}

/// The `--flags` written in a piece of text.
fn flags(text: &str) -> Vec<String> {
    let mut found = Vec::new();
    for (at, _) in text.match_indices("--") {
        let name: String = text[at + 2..]
            .chars()
            .take_while(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || *c == '-')
            .collect();
        let before = text[..at].chars().next_back();
        let word = name.starts_with(|c: char| c.is_ascii_lowercase());
        if word && !before.is_some_and(|c| c.is_alphanumeric() || c == '-') {
            found.push(format!("--{name}"));
        }
    }
    found
}

/// The contents of the `code spans` of a Markdown text, and the lines of its code blocks that
/// start with `packagento ` (synopses and examples).
fn code_spans(text: &str) -> Vec<&str> {
    let mut spans = Vec::new();
    let mut in_block = false;
    for line in text.lines() {
        if line.starts_with("```") {
            in_block = !in_block;
        } else if in_block {
            spans.extend(line.starts_with("packagento ").then_some(line));
        } else {
            spans.extend(line.split('`').skip(1).step_by(2));
        }
    }
    spans
}

#[test]
fn cli_md_documents_every_command_and_flag_and_only_real_ones() {
    let cli_md = read(&root().join("packaging/docs/cli.md"));
    let commands = command_tree();
    for (path, text) in &commands {
        let name = path.join(" ");
        let named = ["`", "`packagento "]
            .iter()
            .flat_map(|before| [" ", "`"].map(|after| format!("{before}{name}{after}")))
            .any(|form| cli_md.contains(&form));
        assert!(named, "cli.md does not document `packagento {name}`");
        for flag in flags(text).into_iter().filter(|f| f != "--help") {
            assert!(
                flags(&cli_md).contains(&flag),
                "cli.md never mentions {flag} of `packagento {name}`"
            );
        }
    }
    for span in code_spans(&cli_md) {
        let words = span.strip_prefix("packagento ").unwrap_or(span);
        let Some((path, text)) = commands
            .iter()
            .filter(|(path, _)| {
                words == path.join(" ") || words.starts_with(&(path.join(" ") + " "))
            })
            .max_by_key(|(path, _)| path.len())
        else {
            continue;
        };
        for flag in flags(span) {
            assert!(
                flags(text).contains(&flag),
                "cli.md gives `{span}`, but `packagento {}` has no {flag}",
                path.join(" ")
            );
        }
    }
}

fn rust_sources(folder: &Path, into: &mut String) {
    for entry in std::fs::read_dir(folder).expect("read folder").flatten() {
        let path = entry.path();
        if path.is_dir() {
            rust_sources(&path, into);
        } else if path.extension().is_some_and(|ext| ext == "rs") {
            into.push_str(&read(&path));
        }
    }
}

fn environment_variables(text: &str) -> Vec<String> {
    let mut names: Vec<String> = text
        .match_indices("PACKAGENTO_")
        .map(|(at, _)| {
            text[at..]
                .chars()
                .take_while(|c| c.is_ascii_uppercase() || c.is_ascii_digit() || *c == '_')
                .collect::<String>()
        })
        .map(|name| name.trim_end_matches('_').to_string())
        .collect();
    names.sort();
    names.dedup();
    names
}

#[test]
fn every_environment_variable_the_docs_name_exists_and_the_help_ones_are_documented() {
    let mut code = String::new();
    rust_sources(&root().join("src"), &mut code);
    rust_sources(&root().join("tests"), &mut code);
    code.push_str(&read(&root().join("packaging/Dockerfile")));
    for document in documents() {
        for name in environment_variables(&read(&document)) {
            let known = code.contains(&name);
            assert!(
                known,
                "{} names {name}, which nothing reads",
                document.display()
            );
        }
    }
    let cli_md = read(&root().join("packaging/docs/cli.md"));
    for (path, text) in command_tree() {
        for name in environment_variables(&text) {
            assert!(
                cli_md.contains(&name),
                "`packagento {}` reads {name}, which cli.md does not name",
                path.join(" ")
            );
        }
    }
}

/// The screen an insta snapshot holds, one string per row.
fn snapshot_rows(name: &str) -> Vec<String> {
    let file = root().join(format!(
        "src/tui/snapshots/packagento__tui__tests__{name}.snap"
    ));
    let text = read(&file);
    let body = text.splitn(3, "---\n").nth(2).expect("snapshot body");
    body.lines()
        .filter(|line| !line.is_empty())
        .map(|line| {
            let inner = line.strip_prefix('"').and_then(|l| l.strip_suffix('"'));
            let inner = inner.unwrap_or_else(|| panic!("unexpected row in {name}: {line}"));
            inner
                .replace("\\\"", "\"")
                .replace("\\\\", "\\")
                .trim_end()
                .to_string()
        })
        .collect()
}

#[test]
fn the_screens_in_tui_md_are_the_ones_the_snapshot_tests_draw() {
    let tui_md = read(&root().join("packaging/docs/tui.md"));
    let mut shown = 0;
    let mut lines = tui_md.lines();
    while let Some(line) = lines.next() {
        let Some(name) = line
            .strip_prefix("<!-- snapshot: ")
            .and_then(|rest| rest.strip_suffix(" -->"))
        else {
            continue;
        };
        assert_eq!(
            lines.next(),
            Some("```text"),
            "a text block must follow {name}"
        );
        let block: Vec<String> = lines
            .by_ref()
            .take_while(|line| *line != "```")
            .map(|line| line.trim_end().to_string())
            .collect();
        let drawn = snapshot_rows(name);
        if let Some(row) = (0..block.len().max(drawn.len())).find(|&i| block.get(i) != drawn.get(i))
        {
            panic!(
                "tui.md shows {name} differently from src/tui/snapshots (copy the snapshot again); \
                 row {}:\n  tui.md:   {:?}\n  snapshot: {:?}",
                row + 1,
                block.get(row),
                drawn.get(row)
            );
        }
        shown += 1;
    }
    assert!(shown >= 3, "tui.md shows {shown} snapshot screens");
}

/// GitHub's anchor for a heading: lowercase, punctuation dropped, spaces as dashes.
fn anchor(heading: &str) -> String {
    heading
        .trim()
        .to_lowercase()
        .chars()
        .filter(|c| c.is_alphanumeric() || *c == ' ' || *c == '-' || *c == '_')
        .map(|c| if c == ' ' { '-' } else { c })
        .collect()
}

fn anchors(markdown: &str) -> Vec<String> {
    let mut in_code = false;
    let mut found = Vec::new();
    for line in markdown.lines() {
        if line.starts_with("```") {
            in_code = !in_code;
        } else if !in_code && line.starts_with('#') {
            found.push(anchor(line.trim_start_matches('#')));
        }
    }
    found
}

/// `(target)` of each `[text](target)` that points inside the repository.
fn local_links(markdown: &str) -> Vec<String> {
    markdown
        .match_indices("](")
        .filter_map(|(at, _)| {
            let rest = &markdown[at + 2..];
            let target = &rest[..rest.find(')')?];
            let external = target.contains("://") || target.starts_with("mailto:");
            (!external).then(|| target.to_string())
        })
        .collect()
}

#[test]
fn every_link_between_the_documents_leads_to_a_file_and_heading_that_exist() {
    for document in documents() {
        let text = read(&document);
        for link in local_links(&text) {
            let (file, fragment) = link.split_once('#').unwrap_or((&link, ""));
            let target = if file.is_empty() {
                document.clone()
            } else {
                document.parent().expect("folder").join(file)
            };
            assert!(
                target.exists(),
                "{}: link to missing {link}",
                document.display()
            );
            if !fragment.is_empty() {
                assert!(
                    anchors(&read(&target)).contains(&fragment.to_string()),
                    "{}: link to {link}, but no such heading",
                    document.display()
                );
            }
        }
    }
}

#[test]
fn anchors_and_flags_are_read_as_github_and_clap_write_them() {
    assert_eq!(
        anchor(" TLS: directly or behind a proxy"),
        "tls-directly-or-behind-a-proxy"
    );
    assert_eq!(anchor(" `backup` and `restore`"), "backup-and-restore");
    assert_eq!(
        flags("`token create --auth-json PATH` (--host, x--y, ---)"),
        ["--auth-json", "--host"]
    );
    assert_eq!(
        environment_variables("`PACKAGENTO_TLS_CERT`/`_KEY`, PACKAGENTO_LOG."),
        ["PACKAGENTO_LOG", "PACKAGENTO_TLS_CERT"]
    );
}
