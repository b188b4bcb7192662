//! Prometheus metrics (the only module that names prometheus-client). Counters are atomics, so
//! recording on the request path costs no lock beyond the label family's read lock.

use prometheus_client::encoding::{EncodeLabelSet, EncodeLabelValue};
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
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

type HistogramFamily = Family<RouteLabels, Histogram, fn() -> Histogram>;

pub struct Metrics {
    registry: Registry,
    requests: Family<RequestLabels, Counter>,
    latency: HistogramFamily,
    auth_failures: Counter,
    archive_cache: Family<CacheLabels, Counter>,
    archive_bytes: Counter,
    notify_dropped: Counter,
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
        Self {
            registry,
            requests,
            latency,
            auth_failures,
            archive_cache,
            archive_bytes,
            notify_dropped,
        }
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
