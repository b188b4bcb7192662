//! A fixture of customers, projects, tokens and versions, with dist and notify events, and what
//! `advisory impact` and the overview make of it.

use super::*;
use crate::domain::advisory::advisory_id;
use crate::domain::licence::VersionBound;
use crate::domain::names::{PackageName, PublicKey};
use crate::domain::records::DownloadEvent;
use crate::service::Settings;

const T0: i64 = 1_790_000_000_000_000;
const HOUR: i64 = 3_600_000_000;

fn key(c: char) -> PublicKey {
    PublicKey::parse(&c.to_string().repeat(32)).unwrap()
}

fn customer(slug: &str, name: &str) -> Customer {
    Customer {
        slug: CustomerSlug::parse(slug).unwrap(),
        name: name.into(),
        email: None,
        created_at: 0,
    }
}

fn project(slug: &str, customer: Option<&str>) -> Project {
    Project {
        slug: ProjectSlug::parse(slug).unwrap(),
        name: format!("{slug} (name)"),
        created_at: 0,
        customer: customer.map(|c| CustomerSlug::parse(c).unwrap()),
    }
}

fn token(current: char, former: &[char], project: &str, label: &str) -> Token {
    Token {
        public_key: key(current),
        project: ProjectSlug::parse(project).unwrap(),
        label: label.into(),
        secret_hash: "not a real hash".into(),
        created_at: 0,
        revoked_at: None,
        last_used: None,
        expires_at: None,
        previous: None,
        former_keys: former.iter().map(|c| key(*c)).collect(),
        allowed_ips: Vec::new(),
    }
}

fn advisory(number: u32, package: &str, affected: &str, withdrawn: bool) -> Advisory {
    Advisory {
        id: advisory_id(2026, number),
        package: PackageName::parse(package).unwrap(),
        affected: VersionBound::parse(affected).unwrap(),
        title: format!("advisory {number}"),
        severity: Some(Severity::High),
        cve: None,
        link: None,
        reported_at: 0,
        created_at: 0,
        updated_at: 0,
        withdrawn_at: withdrawn.then_some(1),
    }
}

fn event(
    hours: i64,
    kind: DownloadKind,
    package: &str,
    version: &str,
    who: (char, &str),
) -> DownloadEvent {
    DownloadEvent {
        at_micros: T0 + hours * HOUR,
        kind,
        package: package.into(),
        version: version.into(),
        project: ProjectSlug::parse(who.1).unwrap(),
        public_key: key(who.0),
        ip: "10.0.0.1".into(),
        user_agent: "Composer/2.8".into(),
    }
}

const CORE: &str = "acme/core";
const DIST: DownloadKind = DownloadKind::Dist;
const NOTIFY: DownloadKind = DownloadKind::Notify;

/// Advisory 1 covers acme/core >=1.0,<1.2.3 (1.2.3 is the fix); 2 (withdrawn) covers <1.0;
/// 3 covers acme/other ^9.0, which nobody downloaded.
fn fixture() -> (tempfile::TempDir, std::sync::Arc<App>) {
    let dir = tempfile::tempdir().unwrap();
    let app = App::open(Settings::for_tests(dir.path().to_path_buf())).unwrap();
    let events = [
        // acme-prod moved from an affected version to the fix.
        event(1, DIST, CORE, "1.1.0", ('a', "acme-prod")),
        event(5, DIST, CORE, "1.2.3", ('a', "acme-prod")),
        // acme-staging's token was rotated: b is its former key; it moved to 1.2.0, still affected.
        event(2, NOTIFY, CORE, "1.0.0", ('b', "acme-staging")),
        event(6, DIST, CORE, "1.2.0", ('c', "acme-staging")),
        // globex-ci: one token only ever fetched an older, unaffected version.
        event(1, DIST, CORE, "0.9.0", ('d', "globex-ci")),
        // Another was on the fix first and went back to an affected version.
        event(2, DIST, CORE, "1.3.0", ('e', "globex-ci")),
        event(3, DIST, CORE, "not a version", ('e', "globex-ci")),
        event(4, NOTIFY, CORE, "1.2.2", ('e', "globex-ci")),
        // A project without a customer; other packages do not count.
        event(3, DIST, CORE, "1.1.5", ('f', "solo")),
        event(7, DIST, "acme/other", "2.0.0", ('f', "solo")),
        // A token and project deleted since.
        event(2, DIST, CORE, "1.0.1", ('9', "gone-project")),
    ];
    let mut events = events.to_vec();
    events.sort_by_key(|e| e.at_micros);
    app.store()
        .write(|w| {
            w.put_customer(&customer("acme", "ACME Ltd"))?;
            w.put_customer(&customer("globex", "Globex"))?;
            w.put_project(&project("acme-prod", Some("acme")))?;
            w.put_project(&project("acme-staging", Some("acme")))?;
            w.put_project(&project("globex-ci", Some("globex")))?;
            w.put_project(&project("solo", None))?;
            w.put_token(&token('a', &[], "acme-prod", "deploy"))?;
            w.put_token(&token('c', &['b'], "acme-staging", "ci"))?;
            w.put_token(&token('d', &[], "globex-ci", "old"))?;
            w.put_token(&token('e', &[], "globex-ci", "runner"))?;
            w.put_token(&token('f', &[], "solo", "laptop"))?;
            w.put_advisory(&advisory(1, CORE, ">=1.0,<1.2.3", false))?;
            w.put_advisory(&advisory(2, CORE, "<1.0", true))?;
            w.put_advisory(&advisory(3, "acme/other", "^9.0", false))?;
            w.append_downloads(&events)
        })
        .unwrap();
    (dir, app)
}

/// (customer, project, public key, resolved) per affected token, in the order listed.
fn listed(impact: &AdvisoryImpact) -> Vec<(Option<String>, String, String, bool)> {
    let mut rows = Vec::new();
    for customer in &impact.customers {
        for project in &customer.projects {
            for token in &project.tokens {
                let row = (
                    customer.slug.clone(),
                    project.slug.clone(),
                    token.public_key.clone(),
                    token.resolved,
                );
                rows.push(row);
            }
        }
    }
    rows
}

fn token_of(impact: &AdvisoryImpact, c: char) -> &AffectedToken {
    let key = key(c).to_string();
    let tokens = impact
        .customers
        .iter()
        .flat_map(|c| &c.projects)
        .flat_map(|p| &p.tokens);
    tokens.into_iter().find(|t| t.public_key == key).unwrap()
}

#[test]
fn impact_lists_exactly_the_tokens_that_downloaded_an_affected_version() {
    let (_dir, app) = fixture();
    let impact = impact(&app, "pkga-2026-0001").unwrap();
    let some = |s: &str| Some(s.to_string());
    let k = |c: char| key(c).to_string();
    assert_eq!(
        listed(&impact),
        [
            (some("acme"), "acme-prod".into(), k('a'), true),
            (some("acme"), "acme-staging".into(), k('c'), false),
            (some("globex"), "globex-ci".into(), k('e'), false),
            (None, "gone-project".into(), k('9'), false),
            (None, "solo".into(), k('f'), false),
        ]
    );
    assert_eq!(impact.customers[0].name.as_deref(), Some("ACME Ltd"));
    assert_eq!(
        impact.totals,
        ImpactTotals {
            customers: 2,
            projects: 5,
            unresolved_projects: 4,
            tokens: 5,
            resolved_tokens: 1,
        }
    );
    assert!(!impact.withdrawn);
}

#[test]
fn a_later_download_of_the_fix_resolves_the_token_and_names_the_fix() {
    let (_dir, app) = fixture();
    let impact = impact(&app, "PKGA-2026-0001").unwrap();
    let moved = token_of(&impact, 'a');
    assert_eq!(moved.versions, ["1.1.0"]);
    assert_eq!(moved.fixed_version.as_deref(), Some("1.2.3"));
    assert_eq!(moved.fixed_at_micros, Some(T0 + 5 * HOUR));
    assert_eq!(moved.label.as_deref(), Some("deploy"));
    // The fix seen before an affected version does not count: the token went back.
    let back = token_of(&impact, 'e');
    assert!(!back.resolved);
    assert_eq!(back.fixed_version, None);
    assert_eq!(
        (back.last_version.as_str(), back.last_seen_kind),
        ("1.2.2", NOTIFY)
    );
}

#[test]
fn a_newer_version_still_affected_leaves_the_token_unresolved_and_former_keys_count() {
    let (_dir, app) = fixture();
    let impact = impact(&app, "PKGA-2026-0001").unwrap();
    let rotated = token_of(&impact, 'c');
    assert!(!rotated.resolved);
    assert_eq!(rotated.versions, ["1.0.0", "1.2.0"]);
    assert_eq!(rotated.last_version, "1.2.0");
    assert_eq!(rotated.last_seen_micros, T0 + 6 * HOUR);
    assert_eq!(rotated.last_seen_kind, DIST);
    assert!(!rotated.deleted);
}

#[test]
fn a_deleted_token_and_project_are_listed_by_what_the_events_carry() {
    let (_dir, app) = fixture();
    let impact = impact(&app, "PKGA-2026-0001").unwrap();
    let loose = impact.customers.last().unwrap();
    assert_eq!((loose.slug.as_ref(), loose.deleted), (None, false));
    let gone = &loose.projects[0];
    assert_eq!(
        (gone.slug.as_str(), gone.deleted, gone.name.as_ref()),
        ("gone-project", true, None)
    );
    let token = &gone.tokens[0];
    assert!(token.deleted);
    assert_eq!(token.label, None);
    let solo = &loose.projects[1];
    assert_eq!(
        (solo.deleted, solo.name.as_deref()),
        (false, Some("solo (name)"))
    );
}

#[test]
fn a_withdrawn_advisory_is_still_answered_and_marked() {
    let (_dir, app) = fixture();
    let impact = impact(&app, "PKGA-2026-0002").unwrap();
    assert!(impact.withdrawn);
    let k = key('d').to_string();
    assert_eq!(
        listed(&impact),
        [(Some("globex".into()), "globex-ci".into(), k, false)]
    );
}

#[test]
fn an_unknown_or_malformed_id_is_not_found_with_a_clear_message() {
    let (_dir, app) = fixture();
    for id in ["PKGA-2026-0099", "not-an-id"] {
        let error = impact(&app, id).unwrap_err();
        assert_eq!(error.code(), "not_found", "{id}");
        assert!(error.to_string().contains("no advisory"), "{error}");
    }
}

#[test]
fn the_overview_counts_every_advisory_newest_first_as_impact_does() {
    let (_dir, app) = fixture();
    let counts = overview(&app).unwrap();
    let ids: Vec<&str> = counts.iter().map(|c| c.id.as_str()).collect();
    assert_eq!(ids, ["PKGA-2026-0003", "PKGA-2026-0002", "PKGA-2026-0001"]);
    assert_eq!(counts[0].totals, ImpactTotals::default());
    assert!(!counts[0].is_open());
    assert!(counts[1].withdrawn && !counts[1].is_open());
    assert_eq!(counts[1].totals.projects, 1);
    assert!(counts[2].is_open());
    let one = impact(&app, "PKGA-2026-0001").unwrap();
    assert_eq!(counts[2].totals, one.totals);
    assert_eq!(counts[2].affected, ">=1.0,<1.2.3");
}

#[test]
fn a_walk_over_several_pages_still_finds_the_oldest_affected_download() {
    let (_dir, app) = fixture();
    let many: Vec<DownloadEvent> = (0..2_500)
        .map(|i| event(100 + i, DIST, CORE, "1.2.3", ('f', "solo")))
        .collect();
    app.store().write(|w| w.append_downloads(&many)).unwrap();
    let impact = impact(&app, "PKGA-2026-0001").unwrap();
    let solo = token_of(&impact, 'f');
    assert!(solo.resolved);
    assert_eq!(solo.fixed_at_micros, Some(T0 + 2_599 * HOUR));
    assert_eq!(solo.versions, ["1.1.5"]);
}
