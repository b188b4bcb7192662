//! Dist answers for archives in an object store, after the entitlement check: the bytes
//! streamed through this server (the default), or a 302 to a presigned URL of the store's own
//! (`storage.s3.redirect`), so the bandwidth is the store's (or its CDN's). A store that does
//! not answer makes dist a 503 with Retry-After; metadata never depends on it.

use super::error::ApiError;
use crate::domain::records::Release;
use crate::service::App;
use crate::service::storage::{DistMode, StorageError};
use std::time::Duration;
use warp::http::{HeaderValue, StatusCode, header};
use warp::reply::{Reply, Response};

pub async fn dist_from_store(app: &App, release: &Release) -> Result<Response, ApiError> {
    match app.archive_store().dist_mode() {
        DistMode::Redirect(ttl) => redirect(app, release, ttl).await,
        DistMode::Stream => stream(app, release).await,
    }
}

async fn redirect(app: &App, release: &Release, ttl: Duration) -> Result<Response, ApiError> {
    let url = app
        .archive_store()
        .presigned_url(&release.sha256, ttl)
        .await
        .map_err(unavailable)?;
    let location = HeaderValue::from_str(&url)
        .map_err(|_| ApiError::Internal("the presigned URL is not a valid header".into()))?;
    let mut response = Response::new(Default::default());
    *response.status_mut() = StatusCode::FOUND;
    let headers = response.headers_mut();
    headers.insert(header::LOCATION, location);
    // The URL expires; a cached redirect would outlive it, and entitlement is decided per request.
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    Ok(response)
}

/// Small archives go through the same memory cache as local ones, so a hot release costs the
/// store one read; big ones stream through without being held.
async fn stream(app: &App, release: &Release) -> Result<Response, ApiError> {
    let store = app.archive_store();
    let mut response = if app.archives.admits(release.size) {
        let read = store.read_all(&release.sha256, release.size);
        let bytes = cached(app, release, async { read.await.map_err(unavailable) }).await?;
        Response::new(bytes.into())
    } else {
        let body = store.stream(&release.sha256).await.map_err(unavailable)?;
        warp::reply::stream(body).into_response()
    };
    archive_headers(&mut response, release.size);
    Ok(response)
}

fn unavailable(error: StorageError) -> ApiError {
    match error {
        StorageError::Unreachable(detail) => ApiError::StoreUnavailable(detail),
        other => ApiError::Internal(other.to_string()),
    }
}

/// Archives are immutable under their URL, whichever store they come from.
pub(super) fn archive_headers(response: &mut Response, size: u64) {
    let headers = response.headers_mut();
    headers.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/zip"),
    );
    headers.insert(header::CONTENT_LENGTH, HeaderValue::from(size));
    headers.insert(
        header::CACHE_CONTROL,
        HeaderValue::from_static("private, max-age=31536000, immutable"),
    );
}

/// A small archive from the memory cache, or read with `read` and kept there.
pub(super) async fn cached(
    app: &App,
    release: &Release,
    read: impl std::future::Future<Output = Result<bytes::Bytes, ApiError>>,
) -> Result<bytes::Bytes, ApiError> {
    let cached = app.archives.get(&release.sha256);
    app.metrics.archive_cache_lookup(cached.is_some());
    if let Some(bytes) = cached {
        return Ok(bytes);
    }
    let bytes = read.await?;
    app.archives.insert(&release.sha256, bytes.clone());
    Ok(bytes)
}
