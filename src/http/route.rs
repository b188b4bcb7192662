//! Which endpoint a request path belongs to, for the per-route metrics: knowing the paths is the
//! HTTP layer's business, so the classification lives here and metrics only name the labels.

use crate::service::metrics::Route;

/// The route `path` is counted under; unknown paths all fall into `Other`, so a scan of random
/// paths cannot grow the label set.
pub(super) fn of_path(path: &str) -> Route {
    match path.trim_start_matches('/').split('/').next() {
        Some("packages.json") => Route::PackagesJson,
        Some("p2") => Route::P2,
        Some("dist") => Route::Dist,
        Some("composer") => Route::Notify,
        Some("api") => Route::Advisories,
        Some("healthz") => Route::Healthz,
        _ => Route::Other,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_map_to_a_fixed_set_of_routes() {
        assert_eq!(of_path("/p2/acme/x.json"), Route::P2);
        assert_eq!(of_path("/dist/acme/x/1.0.zip"), Route::Dist);
        assert_eq!(of_path("/api/security-advisories"), Route::Advisories);
        assert_eq!(of_path("/wp-login.php"), Route::Other);
    }
}
