//! `GET /healthz` for load balancers and `GET /metrics` for Prometheus. Health says ok or not ok,
//! with the I/O error while database writes fail (no paths, no data), so it needs no
//! authentication; metrics are kept off the public listener.

use crate::service::App;
use std::sync::Arc;
use warp::Filter;
use warp::http::{HeaderValue, StatusCode, header};
use warp::reply::Response;

pub fn healthz(
    app: Arc<App>,
) -> impl Filter<Extract = (Response,), Error = warp::Rejection> + Clone {
    warp::path!("healthz")
        .and(warp::get().or(warp::head()).unify())
        .then(move || {
            let app = app.clone();
            async move { health_response(&app).await }
        })
}

pub fn metrics(
    app: Arc<App>,
) -> impl Filter<Extract = (Response,), Error = warp::Rejection> + Clone {
    warp::path!("metrics").and(warp::get()).map(move || {
        app.metrics
            .observe_storage(app.store().failure().is_some(), app.analytics.pending());
        let mut response = Response::new(app.metrics.render().into());
        response.headers_mut().insert(
            header::CONTENT_TYPE,
            HeaderValue::from_static("application/openmetrics-text; version=1.0.0; charset=utf-8"),
        );
        response
    })
}

/// Healthy means the database answers a read and its writes are not failing: a wedged or
/// vanished store is not ok, and neither is a full disk, though metadata is still served then.
async fn health_response(app: &Arc<App>) -> Response {
    let probe = app.clone();
    let readable = tokio::task::spawn_blocking(move || probe.store().read(|_| Ok(())).is_ok())
        .await
        .unwrap_or(false);
    let (status, body) = match app.store().failure() {
        Some(reason) => (
            StatusCode::SERVICE_UNAVAILABLE,
            format!("not ok: database writes are failing: {reason}; retrying\n"),
        ),
        None if readable => (StatusCode::OK, "ok\n".to_string()),
        None => (StatusCode::SERVICE_UNAVAILABLE, "not ok\n".to_string()),
    };
    let mut response = Response::new(body.into());
    *response.status_mut() = status;
    let headers = response.headers_mut();
    headers.insert(header::CONTENT_TYPE, HeaderValue::from_static("text/plain"));
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    response
}
