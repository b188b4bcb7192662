//! The admin API, served on a Unix socket only the data folder's owner can open.
//! `POST /v1/admin` runs one `AdminRequest`; `GET /v1/downloads/events` streams new downloads (SSE).

use super::error::admin_error_response;
use crate::service::App;
use crate::service::admin::{AdminRequest, execute};
use bytes::Bytes;
use futures_util::StreamExt;
use std::convert::Infallible;
use std::sync::Arc;
use tokio_stream::wrappers::BroadcastStream;
use warp::Filter;
use warp::reply::{Reply, Response};

pub fn routes(
    app: Arc<App>,
) -> impl Filter<Extract = (Response,), Error = warp::Rejection> + Clone {
    run_request(app.clone())
        .or(download_events(app.clone()))
        .unify()
        .or(super::publish::log_events(app))
        .unify()
}

fn run_request(
    app: Arc<App>,
) -> impl Filter<Extract = (Response,), Error = warp::Rejection> + Clone {
    warp::path!("v1" / "admin")
        .and(warp::post())
        .and(warp::body::content_length_limit(
            app.settings().limits.admin_body_bytes,
        ))
        .and(warp::body::bytes())
        .then(move |body: Bytes| {
            let app = app.clone();
            async move { handle(app, body).await }
        })
}

async fn handle(app: Arc<App>, body: Bytes) -> Response {
    let request: AdminRequest = match serde_json::from_slice(&body) {
        Ok(request) => request,
        Err(e) => {
            let error =
                crate::service::ServiceError::Invalid(format!("unreadable admin request: {e}"));
            return admin_error_response(&error);
        }
    };
    // Admin work touches the disk (argon2, archives, commits): keep it off the async threads.
    let outcome = tokio::task::spawn_blocking(move || execute(&app, request)).await;
    match outcome {
        Ok(Ok(value)) => warp::reply::json(&value).into_response(),
        Ok(Err(error)) => admin_error_response(&error),
        Err(join) => admin_error_response(&crate::service::ServiceError::Io(join.to_string())),
    }
}

fn download_events(
    app: Arc<App>,
) -> impl Filter<Extract = (Response,), Error = warp::Rejection> + Clone {
    warp::path!("v1" / "downloads" / "events")
        .and(warp::get())
        .map(move || {
            let events =
                BroadcastStream::new(app.analytics.subscribe()).filter_map(|item| async move {
                    // A lagging reader skips what it missed rather than ending the stream.
                    let event = item.ok()?;
                    let data = serde_json::to_string(&event).ok()?;
                    Some(Ok::<_, Infallible>(
                        warp::sse::Event::default().event("download").data(data),
                    ))
                });
            warp::sse::reply(warp::sse::keep_alive().stream(events)).into_response()
        })
}
