//! The only module that names warp. `serve` and `serve_admin` take their listener and a shutdown
//! future, so tests and the CLI drive the same server on real sockets.

pub mod admin;
pub mod admin_client;
mod advisories;
pub mod composer;
pub mod connections;
mod dist_store;
mod error;
mod health;
mod paced;
mod peer;
pub mod publish;
mod responses;
mod route;
pub mod server;
#[cfg(test)]
mod tests;
pub mod tls;

use crate::service::App;
use error::ApiError;
use std::future::Future;
use std::sync::Arc;
use tokio::net::{TcpListener, UnixListener};
use warp::Filter;
use warp::reply::Response;

/// Plain HTTP on one listener, transfers in flight given `grace` at shutdown.
pub async fn serve(
    app: Arc<App>,
    listener: TcpListener,
    shutdown: impl Future<Output = ()> + Send + 'static,
    grace: std::time::Duration,
) {
    let listener = server::PublicListener::Plain(listener);
    let connections = connections::Connections::new(connections::Policy::default());
    server::serve_listener(app, listener, connections, shutdown, grace).await;
}

/// Everything the public listeners answer: the Composer endpoints and the health check.
fn public_routes(
    app: Arc<App>,
) -> impl Filter<Extract = (Response,), Error = std::convert::Infallible> + Clone + Send + Sync + 'static
{
    composer::routes(app.clone())
        .or(advisories::route(app.clone()))
        .unify()
        .or(publish::routes(app.clone()))
        .unify()
        .or(health::healthz(app))
        .unify()
        .recover(composer_rejection)
        .unify()
}

/// Metrics and health on their own address (`metrics_listen`), for a scraper on the network.
pub async fn serve_metrics(
    app: Arc<App>,
    listener: TcpListener,
    shutdown: impl Future<Output = ()> + Send + 'static,
) {
    let routes = health::metrics(app.clone())
        .or(health::healthz(app))
        .unify()
        .recover(composer_rejection);
    warp::serve(routes)
        .incoming(listener)
        .graceful(shutdown)
        .run()
        .await;
}

/// The admin socket. Served here rather than by `warp::serve` so that a client that goes away
/// mid-stream (an operator's `--follow` ended with Ctrl-C) is a debug line, not an error, and so
/// that shutdown closes idle connections at once: the change feed has ended by then.
pub async fn serve_admin(
    app: Arc<App>,
    listener: UnixListener,
    shutdown: impl Future<Output = ()> + Send + 'static,
    grace: std::time::Duration,
) {
    use hyper_util::rt::{TokioExecutor, TokioIo};
    use hyper_util::server::conn::auto;
    use hyper_util::service::TowerToHyperService;
    let routes = admin_routes(app);
    let graceful = hyper_util::server::graceful::GracefulShutdown::new();
    tokio::pin!(shutdown);
    loop {
        let stream = tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok((stream, _)) => stream,
                Err(error) => {
                    tracing::warn!(%error, "admin socket accept failed");
                    tokio::time::sleep(std::time::Duration::from_millis(200)).await;
                    continue;
                }
            },
            _ = &mut shutdown => break,
        };
        // Read once per connection: the peer cannot change, and every request on it is its user's.
        let peer = admin::PeerUid(stream.peer_cred().ok().map(|cred| cred.uid()));
        let routed = TowerToHyperService::new(warp::service(routes.clone()));
        let service = hyper::service::service_fn(move |mut request| {
            request.extensions_mut().insert(peer);
            hyper::service::Service::call(&routed, request)
        });
        let served = auto::Builder::new(TokioExecutor::new())
            .serve_connection(TokioIo::new(stream), service)
            .into_owned();
        let watched = graceful.watch(served);
        tokio::spawn(async move {
            if let Err(error) = watched.await {
                tracing::debug!(%error, "admin connection ended with an error");
            }
        });
    }
    drop(listener);
    if tokio::time::timeout(grace, graceful.shutdown())
        .await
        .is_err()
    {
        tracing::warn!(?grace, "admin requests still running at shutdown were cut");
    }
}

/// Everything the admin socket answers: the admin API, the change feed and the metrics.
fn admin_routes(
    app: Arc<App>,
) -> impl Filter<Extract = (Response,), Error = std::convert::Infallible> + Clone + Send + Sync + 'static
{
    admin::routes(app.clone())
        .or(health::metrics(app))
        .unify()
        .recover(admin_rejection)
        .unify()
}

fn rejection_to_error(rejection: &warp::Rejection) -> ApiError {
    if rejection.find::<warp::reject::PayloadTooLarge>().is_some() {
        ApiError::PayloadTooLarge
    } else if rejection.find::<warp::reject::MethodNotAllowed>().is_some() {
        ApiError::MethodNotAllowed
    } else if rejection.find::<warp::reject::LengthRequired>().is_some() {
        ApiError::BadRequest("a Content-Length header is required".into())
    } else if rejection.is_not_found() {
        ApiError::NotFound
    } else if let Some(invalid) = rejection.find::<warp::reject::InvalidQuery>() {
        ApiError::BadRequest(format!("invalid query string: {invalid}"))
    } else if let Some(missing) = rejection.find::<warp::reject::MissingHeader>() {
        ApiError::BadRequest(format!("missing header {}", missing.name()))
    } else if let Some(invalid) = rejection.find::<warp::reject::InvalidHeader>() {
        ApiError::BadRequest(format!("invalid header {}", invalid.name()))
    } else if rejection
        .find::<warp::reject::UnsupportedMediaType>()
        .is_some()
    {
        ApiError::BadRequest("unsupported content type".into())
    } else {
        // warp's own description names its internals, which means nothing to a client.
        tracing::debug!(?rejection, "request rejected");
        ApiError::BadRequest("bad request".into())
    }
}

async fn composer_rejection(
    rejection: warp::Rejection,
) -> Result<Response, std::convert::Infallible> {
    Ok(rejection_to_error(&rejection).into_composer_response())
}

/// Upload answers keep the `{"error": {"code", "message"}}` shape whatever went wrong.
pub(crate) async fn upload_rejection(
    rejection: warp::Rejection,
) -> Result<Response, std::convert::Infallible> {
    Ok(rejection_to_error(&rejection).into_publish_response())
}

async fn admin_rejection(rejection: warp::Rejection) -> Result<Response, std::convert::Infallible> {
    let error = rejection_to_error(&rejection);
    let code = error.code();
    Ok(error.into_admin_response(code))
}
