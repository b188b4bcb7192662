//! Listings that can be long (`downloads --limit N`) travel from the store through the admin
//! socket to the terminal page by page, so the server's memory does not grow with the answer.

use crate::common::Appliance;
use packagento::domain::names::{ProjectSlug, PublicKey};
use packagento::domain::records::{DownloadEvent, DownloadKind};
use packagento::store::Store;

/// Enough rows that holding them all at once costs the server far more than the bound below.
const EVENTS: usize = 60_000;
/// The server's peak resident memory may grow this much while it answers (page cache, buffers).
const PEAK_GROWTH_BOUND_KIB: u64 = 24 * 1024;

fn event(index: usize, now_micros: i64) -> DownloadEvent {
    let age = i64::try_from(EVENTS - index).unwrap() * 1_000;
    DownloadEvent {
        at_micros: now_micros - age,
        kind: if index.is_multiple_of(3) {
            DownloadKind::Notify
        } else {
            DownloadKind::Dist
        },
        package: format!("acme/package-{}", index % 40),
        version: format!("1.{}.{}", index % 7, index),
        project: ProjectSlug::parse("shop").unwrap(),
        public_key: PublicKey::parse(&format!("{:032x}", index % 25)).unwrap(),
        ip: format!("10.0.{}.{}", index % 200, index % 250),
        user_agent: "Composer/2.8.1 (Linux; 6.1.0; PHP 8.3.6; cURL 8.5.0; large listing test)"
            .into(),
    }
}

/// Writes `count` events straight into the stopped appliance's database, oldest first, and
/// answers them in the order they were stored.
pub fn record_downloads(app: &Appliance, count: usize) -> Vec<DownloadEvent> {
    // Any writing command creates the data folder and the database.
    app.json(&["project", "create", "shop"]);
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_micros();
    let now = i64::try_from(now).unwrap();
    let events: Vec<DownloadEvent> = (0..count).map(|i| event(i, now)).collect();
    let store = Store::open(&app.data_dir().join("packagento.redb")).unwrap();
    for batch in events.chunks(10_000) {
        store.write(|w| w.append_downloads(batch)).unwrap();
    }
    events
}

/// The process's peak resident set so far, in KiB.
fn peak_rss_kib(pid: u32) -> u64 {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap();
    let line = status
        .lines()
        .find(|line| line.starts_with("VmHWM:"))
        .unwrap();
    line.split_whitespace().nth(1).unwrap().parse().unwrap()
}

#[test]
fn every_download_is_listed_newest_first_without_the_server_holding_them_all() {
    let mut app = Appliance::new();
    let stored = record_downloads(&app, EVENTS);
    app.start(&[]);
    let pid = app.pid().unwrap();
    // A small listing first, so what every answer costs (a first read, buffers) is in the baseline.
    assert_eq!(
        app.json(&["downloads", "--limit", "5"])
            .as_array()
            .unwrap()
            .len(),
        5
    );
    let before = peak_rss_kib(pid);
    let output = app.run(&["downloads", "--limit", "1000000", "--json"]);
    let after = peak_rss_kib(pid);
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let listed: Vec<DownloadEvent> = serde_json::from_slice(&output.stdout).unwrap();
    assert_eq!(listed.len(), EVENTS);
    assert!(listed.iter().eq(stored.iter().rev()), "not newest first");
    let growth = after.saturating_sub(before);
    assert!(
        growth < PEAK_GROWTH_BOUND_KIB,
        "the server's peak memory grew {growth} KiB answering {EVENTS} rows ({before} → {after})"
    );
    // Without a server the command walks the database itself and prints the very same bytes.
    app.stop();
    let local = app.run(&["downloads", "--limit", "1000000", "--json"]);
    assert!(local.status.success());
    assert!(local.stdout == output.stdout, "the local listing differs");
}

#[test]
fn a_listing_prints_each_row_once_in_order_through_the_socket_and_without_it() {
    let mut app = Appliance::new();
    let stored = record_downloads(&app, 2_500);
    let newest: Vec<String> = stored
        .iter()
        .rev()
        .take(2_100)
        .map(|event| format!(" {} {} ", event.package, event.version))
        .collect();
    let lines = |app: &Appliance| {
        let output = app.run(&["downloads", "--limit", "2100"]);
        assert!(output.status.success());
        String::from_utf8(output.stdout).unwrap()
    };
    let local = lines(&app);
    app.start(&[]);
    let remote = lines(&app);
    assert_eq!(local, remote);
    let printed: Vec<&str> = remote.lines().collect();
    assert_eq!(printed.len(), newest.len());
    for (line, expected) in printed.iter().zip(&newest) {
        assert!(
            line.contains(expected.as_str()),
            "{line:?} is not {expected:?}"
        );
    }
}
