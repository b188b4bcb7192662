//! The public listeners, plain and TLS, served with HTTP/1.1 and HTTP/2. Connections are served
//! here rather than by `warp::serve` so that each request learns who sent it (the peer, or the
//! client behind a trusted proxy, and the scheme), every request gets one access line and its
//! metrics, and a shutdown can bound how long transfers in flight may still run.

use super::route;
use super::tls::TlsAcceptor;
use crate::domain::proxies::{Client, Forwarding};
use crate::service::App;
use crate::service::metrics::Route;
use hyper::body::{Body as _, Incoming};
use hyper_util::rt::{TokioExecutor, TokioIo};
use hyper_util::server::conn::auto;
use hyper_util::server::graceful::GracefulShutdown;
use hyper_util::service::TowerToHyperService;
use std::future::Future;
use std::net::SocketAddr;
use std::sync::{Arc, OnceLock};
use std::time::{Duration, Instant};
use tokio::net::TcpListener;
use warp::http::{HeaderMap, Request};
use warp::reply::Response;

/// A slow or silent client must not hold a connection slot through the handshake forever.
const TLS_HANDSHAKE_TIMEOUT: Duration = Duration::from_secs(10);

pub enum PublicListener {
    Plain(TcpListener),
    Tls(TcpListener, TlsAcceptor),
}

/// Put on every request: who is asking, after trusted-proxy headers were weighed.
#[derive(Clone, Copy, Debug)]
pub struct Peer(pub Client);

/// Filled by the handler once a token authenticates, read by the access line.
#[derive(Clone, Debug, Default)]
pub struct Identity(Arc<OnceLock<String>>);

impl Identity {
    pub fn set(&self, public_key: &str) {
        let _ = self.0.set(public_key.to_string());
    }
}

/// Serves `routes` on `listener` until `shutdown`; then stops accepting and gives open
/// connections `grace` to finish before they are dropped.
pub async fn serve_listener(
    app: Arc<App>,
    listener: PublicListener,
    shutdown: impl Future<Output = ()>,
    grace: Duration,
) {
    let routes = super::public_routes(app.clone());
    let graceful = GracefulShutdown::new();
    let (tcp, tls) = match listener {
        PublicListener::Plain(tcp) => (tcp, None),
        PublicListener::Tls(tcp, acceptor) => (tcp, Some(acceptor)),
    };
    tokio::pin!(shutdown);
    loop {
        let (stream, remote) = tokio::select! {
            accepted = tcp.accept() => match accepted {
                Ok(pair) => pair,
                Err(error) => {
                    // Out of file descriptors, most likely: pause rather than spin.
                    tracing::warn!(%error, "accept failed");
                    tokio::time::sleep(Duration::from_millis(200)).await;
                    continue;
                }
            },
            _ = &mut shutdown => break,
        };
        let connection = Connection {
            app: app.clone(),
            remote,
            https: tls.is_some(),
        };
        let service = TowerToHyperService::new(warp::service(routes.clone()));
        let watcher = graceful.watcher();
        let tls = tls.clone();
        tokio::spawn(async move {
            let builder = auto::Builder::new(TokioExecutor::new());
            let hyper_service = hyper::service::service_fn(move |request| {
                connection.clone().handle(service.clone(), request)
            });
            let result = match tls {
                None => {
                    let io = TokioIo::new(stream);
                    let served = builder.serve_connection(io, hyper_service);
                    watcher.watch(served.into_owned()).await
                }
                Some(acceptor) => {
                    let handshake =
                        tokio::time::timeout(TLS_HANDSHAKE_TIMEOUT, acceptor.accept(stream));
                    let Ok(Ok(stream)) = handshake.await else {
                        tracing::debug!(%remote, "TLS handshake failed or timed out");
                        return;
                    };
                    let served = builder.serve_connection(TokioIo::new(stream), hyper_service);
                    watcher.watch(served.into_owned()).await
                }
            };
            if let Err(error) = result {
                tracing::debug!(%remote, %error, "connection ended with an error");
            }
        });
    }
    // Dropping the listener refuses new connections at once; open ones get the grace period.
    drop(tcp);
    if tokio::time::timeout(grace, graceful.shutdown())
        .await
        .is_err()
    {
        tracing::warn!(
            ?grace,
            "transfers still running at the end of the grace period were cut"
        );
    }
}

#[derive(Clone)]
struct Connection {
    app: Arc<App>,
    remote: SocketAddr,
    https: bool,
}

impl Connection {
    async fn handle<S>(
        self,
        service: TowerToHyperService<S>,
        mut request: Request<Incoming>,
    ) -> Result<Response, std::convert::Infallible>
    where
        TowerToHyperService<S>: hyper::service::Service<
                Request<Incoming>,
                Response = Response,
                Error = std::convert::Infallible,
            >,
    {
        let started = Instant::now();
        let client = self.client(request.headers());
        let identity = Identity::default();
        request.extensions_mut().insert(Peer(client));
        request.extensions_mut().insert(identity.clone());
        let method = request.method().clone();
        let path = request.uri().path().to_string();
        let response = hyper::service::Service::call(&service, request).await?;
        let elapsed = started.elapsed();
        let status = response.status().as_u16();
        let bytes = body_bytes(&method, &response);
        let route = route::of_path(&path);
        self.app.metrics.observe_request(route, status, elapsed);
        if route == Route::Dist && status == 200 {
            self.app.metrics.archive_bytes_served(bytes);
        }
        // The path only: a query string is the client's to fill and could carry anything.
        tracing::info!(
            target: "packagento::access",
            method = %method,
            path = %path,
            status,
            bytes,
            duration_ms = elapsed.as_secs_f64() * 1000.0,
            token = identity.0.get().map(String::as_str).unwrap_or("-"),
            client = %client.ip,
            "request"
        );
        Ok(response)
    }

    fn client(&self, headers: &HeaderMap) -> Client {
        let joined = |name: &str| {
            let values: Vec<&str> = headers
                .get_all(name)
                .iter()
                .filter_map(|v| v.to_str().ok())
                .collect();
            (!values.is_empty()).then(|| values.join(", "))
        };
        let forwarded = joined("forwarded");
        let x_forwarded_for = joined("x-forwarded-for");
        let x_forwarded_proto = joined("x-forwarded-proto");
        let headers = Forwarding {
            forwarded: forwarded.as_deref(),
            x_forwarded_for: x_forwarded_for.as_deref(),
            x_forwarded_proto: x_forwarded_proto.as_deref(),
        };
        let live = self.app.live();
        live.trusted_proxies
            .resolve(self.remote.ip().to_canonical(), self.https, headers)
    }
}

/// The body bytes this response sends: none for HEAD; a streamed archive declares its length in
/// the header, while an in-memory body (metadata, errors) gets its Content-Length from hyper only
/// later, so its own exact size is asked.
fn body_bytes(method: &warp::http::Method, response: &Response) -> u64 {
    if method == warp::http::Method::HEAD {
        return 0;
    }
    content_length(response.headers())
        .or_else(|| response.body().size_hint().exact())
        .unwrap_or(0)
}

fn content_length(headers: &HeaderMap) -> Option<u64> {
    headers
        .get(warp::http::header::CONTENT_LENGTH)?
        .to_str()
        .ok()?
        .parse()
        .ok()
}
