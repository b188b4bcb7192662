//! Prometheus metrics (the only module that names prometheus-client). Counters are atomics, so
//! recording on the request path costs no lock beyond the label family's read lock.

use prometheus_client::encoding::{EncodeLabelSet, EncodeLabelValue};
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::Gauge;
use prometheus_client::metrics::histogram::{Histogram, exponential_buckets};
use prometheus_client::registry::Registry;
use std::time::Duration;

/// The routes requests are counted by (`http::route` decides which); a fixed set, so a scan of
/// random paths cannot grow it.
#[derive(Clone, Copy, Debug, Hash, PartialEq, Eq, EncodeLabelValue)]
pub enum Route {
    PackagesJson,
    P2,
    Dist,
    Notify,
    Advisories,
    Healthz,
    Other,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct RequestLabels {
    route: Route,
    status: u16,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct RouteLabels {
    route: Route,
}

#[derive(Clone, Copy, Debug, Hash, PartialEq, Eq, EncodeLabelValue)]
enum Outcome {
    Hit,
    Miss,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct CacheLabels {
    outcome: Outcome,
}

#[derive(Clone, Copy, Debug, Hash, PartialEq, Eq, EncodeLabelValue)]
enum KeyHashLabel {
    Argon2id,
    Sha256,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct KeyHashLabels {
    hash: KeyHashLabel,
}

type HistogramFamily = Family<RouteLabels, Histogram, fn() -> Histogram>;

pub struct Metrics {
    registry: Registry,
    requests: Family<RequestLabels, Counter>,
    latency: HistogramFamily,
    auth_failures: Counter,
    archive_cache: Family<CacheLabels, Counter>,
    archive_bytes: Counter,
    notify_dropped: Counter,
    downloads_dropped: Counter,
    downloads_pending: Gauge,
    store_failing: Gauge,
    key_checks: Family<KeyHashLabels, Counter>,
}

/// Counts download events lost because the buffer waiting for the database was full; handed to
/// `Analytics`, which decides when that happens.
#[derive(Clone, Default)]
pub struct DroppedEvents(Counter);

impl DroppedEvents {
    pub fn add(&self, events: u64) {
        self.0.inc_by(events);
    }

    pub fn total(&self) -> u64 {
        self.0.get()
    }
}

/// Counts private keys checked against their stored hash, by kind of hash; handed to `Auth`,
/// which does the checking. A first login after a restart is one check.
#[derive(Clone, Default)]
pub struct KeyChecks(Family<KeyHashLabels, Counter>);

impl KeyChecks {
    pub fn add(&self, argon2id: bool) {
        let hash = if argon2id {
            KeyHashLabel::Argon2id
        } else {
            KeyHashLabel::Sha256
        };
        self.0.get_or_create(&KeyHashLabels { hash }).inc();
    }
}

impl Default for Metrics {
    fn default() -> Self {
        Self::new()
    }
}

fn latency_histogram() -> Histogram {
    // 0.5 ms … ~16 s: cached metadata is sub-millisecond, big archives take seconds.
    Histogram::new(exponential_buckets(0.0005, 2.0, 16))
}

impl Metrics {
    pub fn new() -> Self {
        let mut registry = Registry::with_prefix("packagento");
        let requests = Family::<RequestLabels, Counter>::default();
        let latency: HistogramFamily = Family::new_with_constructor(latency_histogram);
        let auth_failures = Counter::default();
        let archive_cache = Family::<CacheLabels, Counter>::default();
        let archive_bytes = Counter::default();
        let notify_dropped = Counter::default();
        let downloads_dropped = Counter::default();
        let downloads_pending = Gauge::default();
        let store_failing = Gauge::default();
        let key_checks = Family::<KeyHashLabels, Counter>::default();
        registry.register(
            "key_checks",
            "Private keys checked against their stored hash (first logins), by kind of hash",
            key_checks.clone(),
        );
        registry.register(
            "http_requests",
            "Requests answered, by route and status",
            requests.clone(),
        );
        registry.register(
            "http_request_duration_seconds",
            "Time to the response head, by route",
            latency.clone(),
        );
        registry.register(
            "auth_failures",
            "Requests refused with 401",
            auth_failures.clone(),
        );
        registry.register(
            "archive_cache_lookups",
            "In-memory archive cache lookups, by outcome",
            archive_cache.clone(),
        );
        registry.register(
            "archive_bytes_served",
            "Bytes of dist archives sent",
            archive_bytes.clone(),
        );
        registry.register(
            "notify_events_dropped",
            "Notify install reports not stored because the token was over its per-minute budget",
            notify_dropped.clone(),
        );
        registry.register(
            "download_events_dropped",
            "Download events lost because too many were waiting for the database (see operating.md)",
            downloads_dropped.clone(),
        );
        registry.register(
            "download_events_pending",
            "Download events held in memory, waiting to be written to the database",
            downloads_pending.clone(),
        );
        registry.register(
            "database_writes_failing",
            "1 while database writes fail (a full disk) and the server retries; 0 when they work",
            store_failing.clone(),
        );
        Self {
            registry,
            requests,
            latency,
            auth_failures,
            archive_cache,
            archive_bytes,
            notify_dropped,
            downloads_dropped,
            downloads_pending,
            store_failing,
            key_checks,
        }
    }

    /// The counter `Auth` adds each key check to.
    pub fn key_checks(&self) -> KeyChecks {
        KeyChecks(self.key_checks.clone())
    }

    /// The counter `Analytics` adds lost download events to.
    pub fn dropped_events(&self) -> DroppedEvents {
        DroppedEvents(self.downloads_dropped.clone())
    }

    /// Taken at scrape time, so both are current without the flush task touching metrics.
    pub fn observe_storage(&self, writes_failing: bool, events_pending: usize) {
        self.store_failing.set(i64::from(writes_failing));
        self.downloads_pending
            .set(i64::try_from(events_pending).unwrap_or(i64::MAX));
    }

    pub fn observe_request(&self, route: Route, status: u16, elapsed: Duration) {
        self.requests
            .get_or_create(&RequestLabels { route, status })
            .inc();
        self.latency
            .get_or_create(&RouteLabels { route })
            .observe(elapsed.as_secs_f64());
        if status == 401 {
            self.auth_failures.inc();
        }
    }

    pub fn archive_cache_lookup(&self, hit: bool) {
        let outcome = if hit { Outcome::Hit } else { Outcome::Miss };
        self.archive_cache
            .get_or_create(&CacheLabels { outcome })
            .inc();
    }

    pub fn archive_bytes_served(&self, bytes: u64) {
        self.archive_bytes.inc_by(bytes);
    }

    pub fn notify_events_dropped(&self, events: u64) {
        self.notify_dropped.inc_by(events);
    }

    /// The OpenMetrics text exposition, which Prometheus scrapes.
    pub fn render(&self) -> String {
        let mut text = String::new();
        if let Err(error) = prometheus_client::encoding::text::encode(&mut text, &self.registry) {
            tracing::warn!(%error, "metrics could not be rendered");
        }
        text
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_failing_database_and_lost_events_show_in_the_metrics() {
        let metrics = Metrics::new();
        metrics.dropped_events().add(3);
        metrics.observe_storage(true, 42);
        let text = metrics.render();
        assert!(
            text.contains("packagento_download_events_dropped_total 3"),
            "{text}"
        );
        assert!(
            text.contains("packagento_download_events_pending 42"),
            "{text}"
        );
        assert!(
            text.contains("packagento_database_writes_failing 1"),
            "{text}"
        );
    }

    #[test]
    fn key_checks_are_counted_by_kind_of_hash() {
        let metrics = Metrics::new();
        let checks = metrics.key_checks();
        checks.add(true);
        checks.add(false);
        checks.add(false);
        let text = metrics.render();
        for series in [
            "packagento_key_checks_total{hash=\"Argon2id\"} 1",
            "packagento_key_checks_total{hash=\"Sha256\"} 2",
        ] {
            assert!(text.contains(series), "{text}");
        }
    }

    #[test]
    fn a_401_counts_as_an_auth_failure() {
        let metrics = Metrics::new();
        metrics.observe_request(Route::P2, 401, Duration::from_millis(2));
        let text = metrics.render();
        assert!(text.contains("packagento_auth_failures_total 1"), "{text}");
        assert!(
            text.contains("packagento_http_requests_total{route=\"P2\",status=\"401\"} 1"),
            "{text}"
        );
    }
}
