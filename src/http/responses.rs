//! Building successful responses: cached metadata with revalidation, and streamed archives.

use super::error::ApiError;
use crate::domain::records::Release;
use crate::domain::time;
use crate::service::App;
use crate::service::catalog::Resource;
use crate::service::storage::DistMode;
use bytes::Bytes;
use std::cell::RefCell;
use std::collections::HashMap;
use std::path::Path;
use warp::http::{HeaderMap, HeaderValue, StatusCode, header};
use warp::reply::{Reply, Response};

pub fn json_response(body: String) -> Response {
    let mut response = Response::new(body.into());
    response.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json"),
    );
    response
}

/// Composer revalidates with If-Modified-Since only; browsers and proxies use ETags. Both are
/// compared after access was granted, never before.
pub fn metadata_response(resource: &Resource, base: &str, request: &HeaderMap) -> Response {
    let encoded = resource.body.encoded(base);
    let last_modified = http_date(resource.last_modified);
    let fresh = match request.get(header::IF_NONE_MATCH) {
        Some(tags) => etag_matches(tags, &encoded.etag),
        None => request.get(header::IF_MODIFIED_SINCE).is_some_and(|since| {
            unchanged_since(since, last_modified.as_ref(), resource.last_modified)
        }),
    };
    let gzip = !fresh && accepts_gzip(request);
    let mut response = if fresh {
        let mut not_modified = Response::new(Default::default());
        *not_modified.status_mut() = StatusCode::NOT_MODIFIED;
        not_modified
    } else if gzip {
        Response::new(encoded.gzip.clone().into())
    } else {
        Response::new(encoded.plain.clone().into())
    };
    let headers = response.headers_mut();
    if !fresh {
        headers.insert(
            header::CONTENT_TYPE,
            HeaderValue::from_static("application/json"),
        );
        if gzip {
            headers.insert(header::CONTENT_ENCODING, HeaderValue::from_static("gzip"));
        }
    }
    headers.insert(
        header::VARY,
        HeaderValue::from_static("Accept-Encoding, Authorization"),
    );
    headers.insert(
        header::CACHE_CONTROL,
        HeaderValue::from_static("private, no-cache"),
    );
    if let Some(value) = last_modified {
        headers.insert(header::LAST_MODIFIED, value);
    }
    if let Ok(value) = HeaderValue::from_str(&encoded.etag) {
        headers.insert(header::ETAG, value);
    }
    response
}

/// A warm Composer sends back the Last-Modified it was given, byte for byte: that is compared as
/// bytes, and only another spelling of a date is parsed.
fn unchanged_since(since: &HeaderValue, ours: Option<&HeaderValue>, last_modified: i64) -> bool {
    if ours.is_some_and(|ours| ours.as_bytes() == since.as_bytes()) {
        return true;
    }
    since
        .to_str()
        .ok()
        .and_then(time::parse_http_date)
        .is_some_and(|since| since >= last_modified)
}

/// Dates already made into header values, per serving thread; a catalogue has far fewer distinct
/// modification times than this, and a full table simply starts again.
const KEPT_DATES: usize = 4096;

thread_local! {
    static HTTP_DATES: RefCell<HashMap<i64, HeaderValue>> = RefCell::new(HashMap::new());
}

/// The Last-Modified value for `unix_secs`, formatted once per thread rather than per request.
fn http_date(unix_secs: i64) -> Option<HeaderValue> {
    HTTP_DATES.with(|dates| {
        let mut dates = dates.borrow_mut();
        if let Some(value) = dates.get(&unix_secs) {
            return Some(value.clone());
        }
        let value = HeaderValue::from_str(&time::to_http_date(unix_secs)).ok()?;
        if dates.len() >= KEPT_DATES {
            dates.clear();
        }
        dates.insert(unix_secs, value.clone());
        Some(value)
    })
}

fn etag_matches(header_value: &HeaderValue, etag: &str) -> bool {
    let Ok(text) = header_value.to_str() else {
        return false;
    };
    let bare = |tag: &str| tag.trim().trim_start_matches("W/").to_string();
    let ours = bare(etag);
    text.split(',')
        .any(|tag| tag.trim() == "*" || bare(tag) == ours)
}

fn accepts_gzip(request: &HeaderMap) -> bool {
    request
        .get_all(header::ACCEPT_ENCODING)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .any(|coding| {
            let mut parts = coding.split(';');
            let name = parts.next().unwrap_or("").trim();
            let refused = parts.any(|p| matches!(p.trim(), "q=0" | "q=0.0" | "q=0.00" | "q=0.000"));
            name.eq_ignore_ascii_case("gzip") && !refused
        })
}

/// Archives are immutable under their URL, so they may be cached forever; no ETag, as asked.
pub async fn dist_response(app: &App, release: &Release) -> Result<Response, ApiError> {
    if let Some(response) = hot_archive(app, release) {
        return Ok(response);
    }
    // Boxed: reading the disk or an object store makes a future several times larger than any
    // other route's, and every request's future is as large as the largest route's.
    Box::pin(cold_archive(app, release)).await
}

/// An archive already in the memory cache, answered without waiting on anything.
fn hot_archive(app: &App, release: &Release) -> Option<Response> {
    let store = app.archive_store();
    let streamed = store.is_local() || matches!(store.dist_mode(), DistMode::Stream);
    if !streamed || !app.archives.admits(release.size) {
        return None;
    }
    let bytes = app.archives.get(&release.sha256)?;
    app.metrics.archive_cache_lookup(true);
    let mut response = Response::new(bytes.into());
    super::dist_store::archive_headers(&mut response, release.size);
    Some(response)
}

async fn cold_archive(app: &App, release: &Release) -> Result<Response, ApiError> {
    if !app.archive_store().is_local() {
        return super::dist_store::dist_from_store(app, release).await;
    }
    let path = app.settings().archive_path(&release.sha256);
    let unreadable = |e: std::io::Error| {
        ApiError::Internal(format!("archive {} unreadable: {e}", path.display()))
    };
    let mut response = if app.archives.admits(release.size) {
        let read = async { read_whole(&path, release.size).await.map_err(unreadable) };
        let bytes = super::dist_store::cached(app, release, read).await?;
        Response::new(bytes.into())
    } else {
        let file = tokio::fs::File::open(&path).await.map_err(unreadable)?;
        let stream = tokio_util::io::ReaderStream::with_capacity(file, 256 * 1024);
        warp::reply::stream(stream).into_response()
    };
    super::dist_store::archive_headers(&mut response, release.size);
    Ok(response)
}

async fn read_whole(path: &Path, size: u64) -> std::io::Result<Bytes> {
    let owned = path.to_path_buf();
    let bytes = tokio::task::spawn_blocking(move || std::fs::read(owned)).await??;
    if bytes.len() as u64 != size {
        return Err(std::io::Error::other(
            "archive size differs from the published size",
        ));
    }
    Ok(Bytes::from(bytes))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn gzip_is_chosen_only_when_accepted() {
        let mut headers = HeaderMap::new();
        assert!(!accepts_gzip(&headers));
        headers.insert(
            header::ACCEPT_ENCODING,
            HeaderValue::from_static("br, gzip;q=0.8"),
        );
        assert!(accepts_gzip(&headers));
        headers.insert(
            header::ACCEPT_ENCODING,
            HeaderValue::from_static("gzip;q=0"),
        );
        assert!(!accepts_gzip(&headers));
    }

    #[test]
    fn etags_match_weak_strong_and_star() {
        let ours = "W/\"abc\"";
        assert!(etag_matches(&HeaderValue::from_static("\"abc\""), ours));
        assert!(etag_matches(
            &HeaderValue::from_static("\"x\", W/\"abc\""),
            ours
        ));
        assert!(etag_matches(&HeaderValue::from_static("*"), ours));
        assert!(!etag_matches(&HeaderValue::from_static("\"abd\""), ours));
    }
}
