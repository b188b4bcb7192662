//! The admin API, served on a Unix socket only the data folder's owner can open.
//! `POST /v1/admin` runs one `AdminRequest`; `GET /v1/events` streams the change feed (SSE).

use super::error::admin_error_response;
use crate::service::App;
use crate::service::admin::{AdminRequest, execute};
use crate::service::changes::Change;
use bytes::Bytes;
use futures_util::{Stream, StreamExt};
use std::convert::Infallible;
use std::sync::Arc;
use tokio_stream::wrappers::BroadcastStream;
use tokio_stream::wrappers::errors::BroadcastStreamRecvError;
use warp::Filter;
use warp::reply::{Reply, Response};

/// The paths, spelled once: the server routes them and the client in `admin_client` calls them.
pub const ADMIN_PATH: &str = "/v1/admin";
pub const EVENTS_PATH: &str = "/v1/events";

/// SSE event names on the change feed.
pub const CHANGE_EVENT: &str = "change";
pub const MISSED_EVENT: &str = "missed";

pub fn routes(
    app: Arc<App>,
) -> impl Filter<Extract = (Response,), Error = warp::Rejection> + Clone {
    run_request(app.clone()).or(change_feed(app)).unify()
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
        Ok(Ok(json)) => json_response(json),
        Ok(Err(error)) => admin_error_response(&error),
        Err(join) => admin_error_response(&crate::service::ServiceError::Io(join.to_string())),
    }
}

fn json_response(json: Vec<u8>) -> Response {
    let mut response = Response::new(json.into());
    response.headers_mut().insert(
        warp::http::header::CONTENT_TYPE,
        warp::http::HeaderValue::from_static("application/json"),
    );
    response
}

/// One stream for every kind of change. It ends when the feed closes at shutdown, so an attached
/// TUI or `--follow` never holds a stopping server open.
fn change_feed(
    app: Arc<App>,
) -> impl Filter<Extract = (Response,), Error = warp::Rejection> + Clone {
    warp::path!("v1" / "events")
        .and(warp::get())
        .map(move || match app.changes.subscribe() {
            Some(receiver) => {
                let events = sse_events(BroadcastStream::new(receiver));
                warp::sse::reply(warp::sse::keep_alive().stream(events)).into_response()
            }
            None => admin_error_response(&crate::service::ServiceError::Conflict(
                "the server is shutting down".into(),
            )),
        })
}

fn sse_events(
    changes: BroadcastStream<Arc<Change>>,
) -> impl Stream<Item = Result<warp::sse::Event, Infallible>> + Send + 'static {
    changes.filter_map(|item| async move {
        let event = match item {
            Ok(change) => {
                let data = serde_json::to_string(change.as_ref()).ok()?;
                warp::sse::Event::default()
                    .event(CHANGE_EVENT)
                    .id(change.seq.to_string())
                    .data(data)
            }
            Err(BroadcastStreamRecvError::Lagged(missed)) => warp::sse::Event::default()
                .event(MISSED_EVENT)
                .data(serde_json::json!({ "missed": missed }).to_string()),
        };
        Some(Ok(event))
    })
}
