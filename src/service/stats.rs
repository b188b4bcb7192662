//! Download statistics for the dashboard and the live screen: counts over the stored events.
//!
//! The aggregation is pure (events and a clock in, figures out) so it is tested without a store;
//! the two entry points only gather what it needs.

use super::timeline::Timeline;
use super::{App, Result};
use crate::domain::names::PublicKey;
use crate::domain::records::{DownloadEvent, DownloadKind, Token};
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, BTreeSet, HashMap};

const MICROS_PER_MINUTE: i64 = 60_000_000;
const MICROS_PER_DAY: i64 = 24 * 60 * MICROS_PER_MINUTE;
/// The sparkline's span: one bar per minute of the last hour.
pub const MINUTES_SHOWN: usize = 60;
const LATEST_SHOWN: usize = 12;
const TOP_TOKENS: usize = 10;

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct DashboardStats {
    pub projects: usize,
    pub active_tokens: usize,
    /// Licences not revoked.
    pub licences: usize,
    pub packages: usize,
    pub versions: usize,
    /// Oldest minute first; the last entry is the minute in progress.
    pub downloads_per_minute: Vec<u64>,
    /// Newest first.
    pub latest: Vec<DownloadEvent>,
    /// Tokens flagged as shared in the last 7 days, most recent day first.
    #[serde(default)]
    pub shared_tokens: Vec<super::usage_report::SharedToken>,
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct KindCounts {
    /// Archive transfers from this server.
    pub dist: u64,
    /// Installs Composer reported, including those served from its own cache.
    pub notify: u64,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct PackageTotals {
    pub package: String,
    pub today: KindCounts,
    pub last_30_days: KindCounts,
    /// This package's downloads per hour and per day, for the charts.
    #[serde(default)]
    pub timeline: Timeline,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct TokenTotals {
    pub public_key: String,
    pub project: String,
    pub last_30_days: u64,
    pub distinct_ips_today: usize,
    /// Today's shared-token alert for this key, if one was raised.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub shared_alert: Option<String>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct DownloadReport {
    /// Busiest first over the last 30 days.
    pub packages: Vec<PackageTotals>,
    pub top_tokens: Vec<TokenTotals>,
    pub today: KindCounts,
    pub last_30_days: KindCounts,
    /// Every package's downloads per hour and per day, for the charts.
    #[serde(default)]
    pub timeline: Timeline,
}

impl DownloadReport {
    /// A download the change feed brought, counted in the charts' current buckets until the
    /// next reload replaces them.
    pub fn record(&mut self, event: &DownloadEvent) {
        self.timeline.record(event.at_micros);
        if let Some(package) = self
            .packages
            .iter_mut()
            .find(|p| p.package == event.package)
        {
            package.timeline.record(event.at_micros);
        }
    }
}

pub fn dashboard(app: &App, now_micros: i64) -> Result<DashboardStats> {
    app.analytics.flush(app.store())?;
    let hour_start = minute_start(now_micros) - (MINUTES_SHOWN as i64 - 1) * MICROS_PER_MINUTE;
    let (projects, licences, recent, latest) = app.store().read(|r| {
        let projects = r.projects()?;
        let licences = r.licences()?;
        Ok((
            projects.len(),
            licences.iter().filter(|l| l.is_active()).count(),
            r.downloads_since(hour_start)?,
            r.recent_downloads(LATEST_SHOWN)?,
        ))
    })?;
    let catalog = app.catalog();
    Ok(DashboardStats {
        projects,
        active_tokens: catalog
            .tokens
            .values()
            .filter(|t| t.expires_at.is_none_or(|at| at * 1_000_000 > now_micros))
            .count(),
        licences,
        packages: catalog.packages.len(),
        versions: catalog.packages.values().map(Vec::len).sum(),
        downloads_per_minute: per_minute(&recent, now_micros, MINUTES_SHOWN),
        latest,
        shared_tokens: super::usage_report::recent_shared(app, now_micros.div_euclid(1_000_000))?,
    })
}

pub fn downloads(app: &App, now_micros: i64) -> Result<DownloadReport> {
    app.analytics.flush(app.store())?;
    let since = day_start(now_micros) - 29 * MICROS_PER_DAY;
    let (mut events, tokens) = app
        .store()
        .read(|r| Ok((r.downloads_since(since)?, r.tokens()?)))?;
    under_current_keys(&mut events, &tokens);
    let mut report = report(&events, now_micros);
    alerts_today(app, &mut report.top_tokens, now_micros)?;
    Ok(report)
}

/// Events recorded under a key a rotation replaced count for the token's current key. Done
/// when a report is read, so the request path pays nothing for it.
pub fn under_current_keys(events: &mut [DownloadEvent], tokens: &[Token]) {
    let current: HashMap<&PublicKey, &PublicKey> = tokens
        .iter()
        .flat_map(|t| t.former_keys.iter().map(move |old| (old, &t.public_key)))
        .collect();
    if current.is_empty() {
        return;
    }
    for event in events {
        if let Some(key) = current.get(&event.public_key) {
            event.public_key = (*key).clone();
        }
    }
}

fn minute_start(micros: i64) -> i64 {
    micros - micros.rem_euclid(MICROS_PER_MINUTE)
}

/// The start of the 30 days ending today (UTC), the window every "last 30 days" figure counts.
pub fn last_30_days_start(now_micros: i64) -> i64 {
    day_start(now_micros) - 29 * MICROS_PER_DAY
}

/// Midnight UTC of the day `micros` falls in.
fn day_start(micros: i64) -> i64 {
    micros - micros.rem_euclid(MICROS_PER_DAY)
}

/// Events per minute over the last `minutes` minutes, oldest first, ending with the current one.
pub fn per_minute(events: &[DownloadEvent], now_micros: i64, minutes: usize) -> Vec<u64> {
    let mut counts = vec![0; minutes];
    let current = minute_start(now_micros);
    for event in events {
        let age = (current - minute_start(event.at_micros)) / MICROS_PER_MINUTE;
        if let Ok(age) = usize::try_from(age)
            && age < minutes
        {
            counts[minutes - 1 - age] += 1;
        }
    }
    counts
}

/// Totals for today (UTC) and the 30 days ending today, from events of at least that window.
pub fn report(events: &[DownloadEvent], now_micros: i64) -> DownloadReport {
    let today_start = day_start(now_micros);
    let window_start = today_start - 29 * MICROS_PER_DAY;
    let mut packages: BTreeMap<&str, PackageTotals> = BTreeMap::new();
    let mut tokens: HashMap<&str, (TokenTotals, BTreeSet<&str>)> = HashMap::new();
    let mut totals = DownloadReport {
        timeline: Timeline::new(now_micros),
        ..Default::default()
    };
    for event in events.iter().filter(|e| e.at_micros >= window_start) {
        let today = event.at_micros >= today_start;
        let package = packages
            .entry(event.package.as_str())
            .or_insert_with(|| PackageTotals {
                package: event.package.clone(),
                timeline: Timeline::new(now_micros),
                ..Default::default()
            });
        package.timeline.record(event.at_micros);
        totals.timeline.record(event.at_micros);
        count(&mut package.last_30_days, event.kind);
        count(&mut totals.last_30_days, event.kind);
        if today {
            count(&mut package.today, event.kind);
            count(&mut totals.today, event.kind);
        }
        let (token, ips) = tokens.entry(event.public_key.as_str()).or_insert_with(|| {
            let totals = TokenTotals {
                public_key: event.public_key.to_string(),
                project: event.project.to_string(),
                ..Default::default()
            };
            (totals, BTreeSet::new())
        });
        token.last_30_days += 1;
        if today {
            ips.insert(event.ip.as_str());
        }
    }
    totals.packages = packages.into_values().collect();
    totals
        .packages
        .sort_by_key(|p| std::cmp::Reverse(busiest(&p.last_30_days)));
    let mut top: Vec<TokenTotals> = tokens
        .into_values()
        .map(|(mut token, ips)| {
            token.distinct_ips_today = ips.len();
            token
        })
        .collect();
    top.sort_by(|a, b| (b.last_30_days, &a.public_key).cmp(&(a.last_30_days, &b.public_key)));
    top.truncate(TOP_TOKENS);
    totals.top_tokens = top;
    totals
}

pub(super) fn count(counts: &mut KindCounts, kind: DownloadKind) {
    match kind {
        DownloadKind::Dist => counts.dist += 1,
        DownloadKind::Notify => counts.notify += 1,
    }
}

fn busiest(counts: &KindCounts) -> u64 {
    counts.dist + counts.notify
}

/// Sets each top token's `shared_alert` to the reason of today's alert under its key.
pub fn alerts_today(app: &App, tokens: &mut [TokenTotals], now_micros: i64) -> Result<()> {
    let today = crate::domain::time::utc_day(now_micros.div_euclid(1_000_000));
    app.store().read(|r| {
        for totals in tokens.iter_mut() {
            if let Ok(key) = crate::domain::names::PublicKey::parse(&totals.public_key) {
                let row = r.token_usage(&key, &today)?;
                totals.shared_alert = row.and_then(|d| d.shared_alert).map(|a| a.reason);
            }
        }
        Ok(())
    })?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::names::ProjectSlug;

    const NOW: i64 = 1_750_000_000_000_000; // 2025-06-15T15:06:40Z

    fn event(
        minutes_ago: i64,
        kind: DownloadKind,
        package: &str,
        key: &str,
        ip: &str,
    ) -> DownloadEvent {
        DownloadEvent {
            at_micros: NOW - minutes_ago * MICROS_PER_MINUTE,
            kind,
            package: package.into(),
            version: "1.0.0".into(),
            project: ProjectSlug::parse("acme-prod").unwrap(),
            public_key: PublicKey::parse(key).unwrap(),
            ip: ip.into(),
            user_agent: "Composer/2.8".into(),
        }
    }

    const KEY_A: &str = "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa";
    const KEY_B: &str = "bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb";

    #[test]
    fn per_minute_puts_the_current_minute_last_and_drops_older_events() {
        let events = [
            event(0, DownloadKind::Dist, "acme/a", KEY_A, "10.0.0.1"),
            event(0, DownloadKind::Notify, "acme/a", KEY_A, "10.0.0.1"),
            event(2, DownloadKind::Dist, "acme/a", KEY_A, "10.0.0.1"),
            event(60, DownloadKind::Dist, "acme/a", KEY_A, "10.0.0.1"),
        ];
        let counts = per_minute(&events, NOW, 60);
        assert_eq!(counts.len(), 60);
        assert_eq!(counts[59], 2);
        assert_eq!(counts[57], 1);
        assert_eq!(counts.iter().sum::<u64>(), 3);
    }

    #[test]
    fn report_separates_dist_transfers_from_reported_installs() {
        let events = [
            event(1, DownloadKind::Dist, "acme/a", KEY_A, "10.0.0.1"),
            event(1, DownloadKind::Notify, "acme/a", KEY_A, "10.0.0.1"),
            event(2, DownloadKind::Notify, "acme/a", KEY_A, "10.0.0.1"),
        ];
        let report = report(&events, NOW);
        assert_eq!(report.today, KindCounts { dist: 1, notify: 2 });
        assert_eq!(report.packages[0].today, KindCounts { dist: 1, notify: 2 });
    }

    #[test]
    fn report_counts_today_and_the_last_30_days_apart() {
        let day = 24 * 60;
        let events = [
            event(40 * day, DownloadKind::Dist, "acme/old", KEY_A, "10.0.0.1"),
            event(10 * day, DownloadKind::Dist, "acme/a", KEY_A, "10.0.0.1"),
            event(10 * day, DownloadKind::Dist, "acme/a", KEY_A, "10.0.0.1"),
            event(1, DownloadKind::Dist, "acme/b", KEY_B, "10.0.0.2"),
        ];
        let report = report(&events, NOW);
        let names: Vec<&str> = report.packages.iter().map(|p| p.package.as_str()).collect();
        assert_eq!(names, ["acme/a", "acme/b"]);
        assert_eq!(report.packages[0].last_30_days.dist, 2);
        assert_eq!(report.packages[0].today.dist, 0);
        assert_eq!(report.packages[1].today.dist, 1);
        assert_eq!(report.last_30_days.dist, 3);
    }

    #[test]
    fn top_tokens_count_distinct_addresses_seen_today() {
        let events = [
            event(1, DownloadKind::Dist, "acme/a", KEY_A, "10.0.0.1"),
            event(2, DownloadKind::Dist, "acme/a", KEY_A, "10.0.0.2"),
            event(3, DownloadKind::Dist, "acme/a", KEY_A, "10.0.0.2"),
            event(4, DownloadKind::Dist, "acme/a", KEY_B, "10.0.0.9"),
        ];
        let report = report(&events, NOW);
        assert_eq!(report.top_tokens[0].public_key, KEY_A);
        assert_eq!(report.top_tokens[0].last_30_days, 3);
        assert_eq!(report.top_tokens[0].distinct_ips_today, 2);
        assert_eq!(report.top_tokens[1].distinct_ips_today, 1);
    }

    #[test]
    fn downloads_under_a_rotated_key_count_for_the_tokens_current_key() {
        let mut events = [
            event(1, DownloadKind::Dist, "acme/a", KEY_A, "10.0.0.1"),
            event(2, DownloadKind::Dist, "acme/a", KEY_B, "10.0.0.1"),
        ];
        let token = Token {
            public_key: PublicKey::parse(KEY_B).unwrap(),
            project: ProjectSlug::parse("shop").unwrap(),
            label: String::new(),
            secret_hash: String::new(),
            created_at: 0,
            revoked_at: None,
            last_used: None,
            expires_at: None,
            previous: None,
            former_keys: vec![PublicKey::parse(KEY_A).unwrap()],
            allowed_ips: Vec::new(),
        };
        under_current_keys(&mut events, &[token]);
        let report = report(&events, NOW);
        assert_eq!(report.top_tokens.len(), 1);
        assert_eq!(report.top_tokens[0].public_key, KEY_B);
        assert_eq!(report.top_tokens[0].last_30_days, 2);
    }

    #[test]
    fn report_charts_downloads_per_hour_and_day_overall_and_per_package() {
        let hour = 60;
        let events = [
            event(1, DownloadKind::Dist, "acme/a", KEY_A, "10.0.0.1"),
            event(2, DownloadKind::Notify, "acme/a", KEY_A, "10.0.0.1"),
            event(3 * hour, DownloadKind::Dist, "acme/b", KEY_A, "10.0.0.1"),
            event(
                3 * 24 * hour,
                DownloadKind::Dist,
                "acme/b",
                KEY_A,
                "10.0.0.1",
            ),
        ];
        let report = report(&events, NOW);
        let overall = &report.timeline;
        assert_eq!(overall.per_hour[47], 2);
        assert_eq!(overall.per_hour[44], 1);
        assert_eq!(overall.per_hour.iter().sum::<u64>(), 3);
        assert_eq!(overall.per_day[29], 3);
        assert_eq!(overall.per_day[26], 1);
        let b = report
            .packages
            .iter()
            .find(|p| p.package == "acme/b")
            .unwrap();
        assert_eq!(b.timeline.per_hour.iter().sum::<u64>(), 1);
        assert_eq!(b.timeline.per_day.iter().sum::<u64>(), 2);
    }

    #[test]
    fn a_live_download_grows_the_current_hour_overall_and_for_its_package() {
        let mut report = report(
            &[event(5, DownloadKind::Dist, "acme/a", KEY_A, "10.0.0.1")],
            NOW,
        );
        report.record(&event(0, DownloadKind::Notify, "acme/a", KEY_A, "10.0.0.1"));
        assert_eq!(report.timeline.per_hour[47], 2);
        assert_eq!(report.packages[0].timeline.per_hour[47], 2);
        assert_eq!(report.packages[0].timeline.per_day[29], 2);
    }
}
