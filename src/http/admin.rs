//! The admin API, served on a Unix socket only the data folder's owner can open.
//! `POST /v1/admin` runs one `AdminRequest`; `GET /v1/events` streams the change feed (SSE).
//! A listing's answer is sent as it is read (chunked), so a long one is never held whole.

use super::error::admin_error_response;
use crate::domain::audit::Actor;
use crate::service::App;
use crate::service::ServiceError;
use crate::service::admin::{AdminRequest, Answer, answer};
use crate::service::audit;
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

/// The Unix user on the other end of an admin connection, from the socket's peer credentials;
/// the audit log names it for every change the connection's requests make.
#[derive(Clone, Copy, Debug)]
pub struct PeerUid(pub Option<u32>);

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
        .and(warp::ext::optional::<PeerUid>())
        .then(move |body: Bytes, peer: Option<PeerUid>| {
            let app = app.clone();
            let uid = peer.and_then(|peer| peer.0);
            async move { handle(app, body, uid).await }
        })
}

async fn handle(app: Arc<App>, body: Bytes, uid: Option<u32>) -> Response {
    let request: AdminRequest = match serde_json::from_slice(&body) {
        Ok(request) => request,
        Err(e) => {
            let error =
                crate::service::ServiceError::Invalid(format!("unreadable admin request: {e}"));
            return admin_error_response(&error);
        }
    };
    // Admin work touches the disk (argon2, archives, commits): keep it off the async threads.
    // A listing's walk stays on that thread too, handing pieces over as it reads them.
    let (head, headed) = tokio::sync::oneshot::channel();
    let (pieces, piece_stream) = tokio::sync::mpsc::channel(PIECES_IN_FLIGHT);
    // The user's name is looked up here too: the system's user database may be slow to answer.
    tokio::task::spawn_blocking(move || match uid {
        Some(uid) => {
            let actor = Actor::Socket {
                user: audit::user_name(uid),
            };
            audit::acting_as(actor, || produce(&app, request, head, pieces))
        }
        None => produce(&app, request, head, pieces),
    });
    match headed.await {
        Ok(Ok(Head::Whole(json))) => json_response(json),
        Ok(Ok(Head::Streamed)) => {
            let stream = tokio_stream::wrappers::ReceiverStream::new(piece_stream);
            let mut response = warp::reply::stream(stream).into_response();
            set_json_type(&mut response);
            response
        }
        Ok(Err(error)) => admin_error_response(&error),
        Err(_) => admin_error_response(&ServiceError::Io("the admin request stopped".into())),
    }
}

/// Pieces (about 64 KiB each) written ahead of a slow reader: this, not the listing's length,
/// bounds what a streamed answer holds in memory.
const PIECES_IN_FLIGHT: usize = 4;

enum Head {
    Whole(Vec<u8>),
    Streamed,
}

type Piece = Result<Bytes, std::io::Error>;

/// Runs `request` on a blocking thread. Its status is decided before anything is sent; a listing
/// that fails part way can only break its body off, which the client reports as an error.
fn produce(
    app: &App,
    request: AdminRequest,
    head: tokio::sync::oneshot::Sender<crate::service::Result<Head>>,
    pieces: tokio::sync::mpsc::Sender<Piece>,
) {
    let pieces_of_answer = match answer(app, request) {
        Ok(Answer::Whole(json)) => return drop(head.send(Ok(Head::Whole(json)))),
        Ok(Answer::Streamed(answer_pieces)) => answer_pieces,
        Err(error) => return drop(head.send(Err(error))),
    };
    if head.send(Ok(Head::Streamed)).is_err() {
        return;
    }
    for piece in pieces_of_answer {
        let piece = piece.map(Bytes::from).map_err(|error| {
            tracing::warn!(%error, "admin listing broken off");
            std::io::Error::other("the listing could not be read to its end")
        });
        let failed = piece.is_err();
        // Blocks while the reader is behind; fails once it has gone away, ending the walk.
        if pieces.blocking_send(piece).is_err() || failed {
            return;
        }
    }
}

fn json_response(json: Vec<u8>) -> Response {
    let mut response = Response::new(json.into());
    set_json_type(&mut response);
    response
}

fn set_json_type(response: &mut Response) {
    response.headers_mut().insert(
        warp::http::header::CONTENT_TYPE,
        warp::http::HeaderValue::from_static("application/json"),
    );
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
