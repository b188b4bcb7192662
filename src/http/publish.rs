//! `POST /api/publish`: release uploads from CI, authenticated with a publisher token.
//!
//! The body is the zip itself (`curl --data-binary @release.zip`). It is streamed to a file in
//! the archive folder, never held in memory, then goes through the same validated publish path
//! as `packagento package publish`. Access is decided before a byte of the body is read.

use super::error::ApiError;
use crate::service::App;
use crate::service::publish::{Origin, PublishRequest, publish};
use crate::service::publishers::{UploadAuthError, authenticate_upload};
use crate::service::secrets::random_hex;
use bytes::Buf;
use futures_util::{Stream, StreamExt};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use tokio::io::AsyncWriteExt;
use warp::Filter;
use warp::http::HeaderMap;
use warp::reply::{Reply, Response};

#[derive(Debug, serde::Deserialize)]
struct PublishQuery {
    version: Option<String>,
    released_at: Option<String>,
}

pub fn routes(
    app: Arc<App>,
) -> impl Filter<Extract = (Response,), Error = warp::Rejection> + Clone {
    let upload_route = warp::post()
        .and(warp::query::<PublishQuery>())
        .and(warp::header::headers_cloned())
        .and(warp::body::stream())
        .then(move |query, headers, body| {
            let app = app.clone();
            async move {
                upload(app, query, headers, body)
                    .await
                    .unwrap_or_else(ApiError::into_publish_response)
            }
        });
    // Recovered under the path, so anything else sent there is answered in the upload shape.
    warp::path!("api" / "publish").and(
        upload_route
            .recover(super::upload_rejection)
            .unify()
            .boxed(),
    )
}

async fn upload<S, B>(
    app: Arc<App>,
    query: PublishQuery,
    headers: HeaderMap,
    body: S,
) -> Result<Response, ApiError>
where
    S: Stream<Item = Result<B, warp::Error>> + Unpin,
    B: Buf,
{
    let header = headers.get("authorization").and_then(|v| v.to_str().ok());
    let publisher = authenticate_upload(&app, header)
        .await
        .map_err(|error| match error {
            UploadAuthError::Auth(reason) => ApiError::Unauthorized(reason),
            UploadAuthError::InstallToken => ApiError::Forbidden(
                "this is an install token: it can download packages but not publish them; \
                 use a publisher token (packagento publisher create)"
                    .into(),
            ),
            UploadAuthError::Service(error) => ApiError::Publish(error),
        })?;
    // The body is the archive, so the configured archive limit is the body limit too.
    let max = app.settings().limits.archive_bytes;
    if declared_length(&headers).is_some_and(|length| length > max) {
        return Err(ApiError::ArchiveTooLarge { max });
    }
    let folder = app
        .settings()
        .archive_dir()
        .join(format!(".upload-{}", random_hex(8)));
    let path = folder.join("upload.zip");
    let received = receive(body, &folder, &path, max).await;
    let outcome = match received {
        Ok(()) => {
            let request = PublishRequest {
                path: path.clone(),
                version: query.version,
                released_at: query.released_at,
            };
            let app = app.clone();
            tokio::task::spawn_blocking(move || {
                publish(&app, &request, &Origin::Upload { publisher })
            })
            .await
            .map_err(|e| ApiError::Internal(e.to_string()))
            .and_then(|result| result.map_err(ApiError::Publish))
        }
        Err(error) => Err(error),
    };
    let _ = tokio::fs::remove_dir_all(&folder).await;
    Ok(warp::reply::json(&outcome?).into_response())
}

fn declared_length(headers: &HeaderMap) -> Option<u64> {
    headers
        .get("content-length")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse().ok())
}

/// Writes the body to `path`, stopping as soon as it grows past `max` (a missing or lying
/// Content-Length must not let an upload fill the disk).
async fn receive<S, B>(mut body: S, folder: &Path, path: &PathBuf, max: u64) -> Result<(), ApiError>
where
    S: Stream<Item = Result<B, warp::Error>> + Unpin,
    B: Buf,
{
    let io = |e: std::io::Error| ApiError::Internal(format!("cannot stage upload: {e}"));
    // Private whatever the umask, like everything in the data folder.
    tokio::fs::DirBuilder::new()
        .mode(crate::service::disk::PRIVATE_DIR)
        .create(folder)
        .await
        .map_err(io)?;
    let mut file = tokio::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(crate::service::disk::PRIVATE_FILE)
        .open(path)
        .await
        .map_err(io)?;
    let mut written = 0u64;
    while let Some(chunk) = body.next().await {
        let mut chunk = chunk.map_err(interrupted)?;
        written += chunk.remaining() as u64;
        if written > max {
            return Err(ApiError::ArchiveTooLarge { max });
        }
        while chunk.has_remaining() {
            let part = chunk.chunk();
            file.write_all(part).await.map_err(io)?;
            let len = part.len();
            chunk.advance(len);
        }
    }
    file.flush().await.map_err(io)?;
    Ok(())
}

/// A body cut for its rate is the client's slowness (408); anything else broke the upload.
fn interrupted(error: warp::Error) -> ApiError {
    match std::error::Error::source(&error) {
        Some(cause) if super::paced::is_too_slow(cause) => ApiError::TooSlow(cause.to_string()),
        _ => ApiError::BadRequest(format!("upload interrupted: {error}")),
    }
}
