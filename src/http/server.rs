//! The public listeners, plain and TLS, served with HTTP/1.1 and HTTP/2. Connections are served
//! here rather than by `warp::serve` so that each request learns who sent it (the peer, or the
//! client behind a trusted proxy, and the scheme), every request gets one access line and its
//! metrics, and a shutdown can bound how long transfers in flight may still run.

use super::composer::{Read, RequestContext};
use super::connections::{Connections, Ending, Member, Policy, Slot};
use super::paced::{Paced, Tracked, Watched};
use super::peer::{Identity, Peer};
use super::route;
use super::tls::TlsAcceptor;
use crate::domain::proxies::{Client, Forwarding};
use crate::service::App;
use crate::service::access_log::AccessLine;
use crate::service::metrics::Route;
use hyper::body::{Body as _, Incoming};
use hyper_util::rt::{TokioExecutor, TokioIo};
use hyper_util::server::conn::auto;
use hyper_util::service::TowerToHyperService;
use std::future::Future;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::{Duration, Instant};
use tokio::io::{AsyncRead, AsyncWrite};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::watch;
use warp::http::{HeaderMap, Request};
use warp::reply::Response;

/// The body type of warp's replies, which warp does not name.
type WarpBody = <Response as BodyOf>::Body;

trait BodyOf {
    type Body;
}

impl<B> BodyOf for warp::http::Response<B> {
    type Body = B;
}

/// A slow or silent client must not hold a connection slot through the handshake forever.
const TLS_HANDSHAKE_TIMEOUT: Duration = Duration::from_secs(10);
/// How long a connection closed for idling may take to say goodbye (an HTTP/2 GOAWAY).
const CLOSE_BOUND: Duration = Duration::from_secs(1);
/// At the cap with every connection busy, how often the accept loop looks again.
const FULL_RECHECK: Duration = Duration::from_millis(250);

pub enum PublicListener {
    Plain(TcpListener),
    Tls(TcpListener, TlsAcceptor),
}

/// Serves `routes` on `listener` until `shutdown`; then stops accepting and gives open
/// connections `grace` to finish before they are dropped. `connections` is shared by every
/// public listener: the cap is on the process's sockets.
pub async fn serve_listener(
    app: Arc<App>,
    listener: PublicListener,
    connections: Arc<Connections>,
    shutdown: impl Future<Output = ()>,
    grace: Duration,
) {
    let routes = super::public_routes(app.clone());
    let (tcp, tls) = match listener {
        PublicListener::Plain(tcp) => (tcp, None),
        PublicListener::Tls(tcp, acceptor) => (tcp, Some(acceptor)),
    };
    // Every connection task holds a receiver: the sender sees them all gone at the end.
    let (stop_tx, stop_rx) = watch::channel(false);
    tokio::pin!(shutdown);
    loop {
        let (stream, remote) = tokio::select! {
            accepted = accept(&tcp, &connections) => accepted,
            _ = &mut shutdown => break,
        };
        let member = connections.admit();
        connections.enforce_cap();
        let connection = Connection {
            app: app.clone(),
            remote,
            remote_text: remote.ip().to_canonical().to_string().into(),
            https: tls.is_some(),
            slot: member.slot.clone(),
            policy: connections.policy,
        };
        let service = TowerToHyperService::new(warp::service(routes.clone()));
        let task = Task {
            member,
            stop: stop_rx.clone(),
            remote,
        };
        tokio::spawn(task.run(stream, tls.clone(), connection, service));
    }
    // Dropping the listener refuses new connections at once; open ones get the grace period.
    drop(tcp);
    drop(stop_rx);
    let _ = stop_tx.send(true);
    if tokio::time::timeout(grace, stop_tx.closed()).await.is_err() {
        tracing::warn!(
            ?grace,
            "transfers still running at the end of the grace period were cut"
        );
    }
}

/// The next client, once there is room for it: at the cap with every connection busy, new
/// clients wait in the kernel's backlog. Out of file descriptors, an idle connection is shed so
/// the loop recovers instead of spinning.
async fn accept(tcp: &TcpListener, connections: &Connections) -> (TcpStream, SocketAddr) {
    loop {
        if !connections.has_room() {
            connections.wait_for_room(FULL_RECHECK).await;
            continue;
        }
        match tcp.accept().await {
            Ok(pair) => return pair,
            Err(error) => {
                let shed = connections.shed_longest_idle();
                tracing::warn!(%error, shed, open = connections.open_count(), "accept failed");
                let pause = if shed { CLOSE_BOUND / 10 } else { FULL_RECHECK };
                connections.wait_for_room(pause).await;
            }
        }
    }
}

/// One connection's life: the TLS handshake, then HTTP until the client leaves, the connection
/// times out or is shed, or the listener stops.
struct Task {
    member: Member,
    stop: watch::Receiver<bool>,
    remote: SocketAddr,
}

enum Outcome {
    Done(Result<(), Box<dyn std::error::Error + Send + Sync>>),
    Ended(Ending),
    Stopped,
}

impl Task {
    async fn run<S>(
        mut self,
        stream: TcpStream,
        tls: Option<TlsAcceptor>,
        connection: Connection,
        service: TowerToHyperService<S>,
    ) where
        TowerToHyperService<S>: RouteService,
    {
        let Some(acceptor) = tls else {
            return self.serve(stream, connection, service).await;
        };
        let slot = self.member.slot.clone();
        let handshake = tokio::select! {
            handshake = tokio::time::timeout(TLS_HANDSHAKE_TIMEOUT, acceptor.accept(stream)) => handshake,
            _ = slot.ending() => return,
            _ = self.stop.wait_for(|stop| *stop) => return,
        };
        let Ok(Ok(stream)) = handshake else {
            tracing::debug!(remote = %self.remote, "TLS handshake failed or timed out");
            return;
        };
        self.serve(stream, connection, service).await;
    }

    async fn serve<S, IO>(mut self, io: IO, connection: Connection, service: TowerToHyperService<S>)
    where
        TowerToHyperService<S>: RouteService,
        IO: AsyncRead + AsyncWrite + Unpin + Send + 'static,
    {
        let slot = self.member.slot.clone();
        let io = TokioIo::new(Watched::new(io, slot.clone()));
        // Boxed once here, so hyper moves a pointer, not the whole routing future, per request.
        let hyper_service = hyper::service::service_fn(move |request| {
            Box::pin(connection.clone().handle(service.clone(), request))
        });
        let builder = auto::Builder::new(TokioExecutor::new());
        let served = builder.serve_connection(io, hyper_service);
        tokio::pin!(served);
        let outcome = tokio::select! {
            result = served.as_mut() => Outcome::Done(result),
            ending = slot.ending() => Outcome::Ended(ending),
            _ = self.stop.wait_for(|stop| *stop) => Outcome::Stopped,
        };
        let result = match outcome {
            Outcome::Done(result) => result,
            // Nothing was asked on it yet: there is nothing to finish.
            _ if slot.never_served() => return,
            Outcome::Ended(ending) => {
                tracing::debug!(remote = %self.remote, ?ending, "closing an idle connection");
                served.as_mut().graceful_shutdown();
                match tokio::time::timeout(CLOSE_BOUND, served).await {
                    Ok(result) => result,
                    Err(_) => return,
                }
            }
            // The listener's grace period bounds this wait.
            Outcome::Stopped => {
                served.as_mut().graceful_shutdown();
                served.await
            }
        };
        if let Err(error) = result {
            tracing::debug!(remote = %self.remote, %error, "connection ended with an error");
        }
    }
}

/// The warp service as hyper calls it, with the paced request body.
trait RouteService:
    hyper::service::Service<
        Request<Paced<Incoming>>,
        Response = Response,
        Error = std::convert::Infallible,
        Future: Send,
    > + Clone
    + Send
    + Sync
    + 'static
{
}

impl<T> RouteService for T where
    T: hyper::service::Service<
            Request<Paced<Incoming>>,
            Response = Response,
            Error = std::convert::Infallible,
            Future: Send,
        > + Clone
        + Send
        + Sync
        + 'static
{
}

#[derive(Clone)]
struct Connection {
    app: Arc<App>,
    remote: SocketAddr,
    remote_text: Arc<str>,
    https: bool,
    slot: Arc<Slot>,
    policy: Policy,
}

impl Connection {
    async fn handle<S>(
        self,
        service: TowerToHyperService<S>,
        request: Request<Incoming>,
    ) -> Result<warp::http::Response<Tracked<WarpBody>>, std::convert::Infallible>
    where
        TowerToHyperService<S>: RouteService,
    {
        let in_flight = self
            .slot
            .request_started(request.version() == warp::http::Version::HTTP_2);
        let (rate, window) = (
            self.policy.min_upload_bytes_per_sec,
            self.policy.upload_window,
        );
        let request = request.map(|body| Paced::new(body, rate, window));
        let started = Instant::now();
        let peer = self.peer(request.headers());
        let client = peer.address.clone();
        let identity = Identity::default();
        let method = request.method().clone();
        let path = request.uri().path().to_string();
        let response = self.route(service, request, peer, identity.clone()).await?;
        let elapsed = started.elapsed();
        let status = response.status().as_u16();
        let bytes = body_bytes(&method, &response);
        let route = route::of_path(&path);
        self.app.metrics.observe_request(route, status, elapsed);
        if route == Route::Dist && status == 200 {
            self.app.metrics.archive_bytes_served(bytes);
        }
        self.app.log_access(&AccessLine {
            method: method.as_str(),
            path: &path,
            status,
            bytes,
            duration_ms: elapsed.as_secs_f64() * 1000.0,
            token: identity.get().unwrap_or("-"),
            client: &client,
        });
        Ok(response.map(|body| Tracked::new(body, in_flight)))
    }

    /// Composer reads are routed here, without warp's filters; everything else goes to warp.
    async fn route<S>(
        &self,
        service: TowerToHyperService<S>,
        request: Request<Paced<Incoming>>,
        peer: Peer,
        identity: Identity,
    ) -> Result<Response, std::convert::Infallible>
    where
        TowerToHyperService<S>: RouteService,
    {
        let (parts, body) = request.into_parts();
        let Some(read) = Read::of_request(&parts.method, parts.uri.path()) else {
            let mut request = Request::from_parts(parts, body);
            request.extensions_mut().insert(peer);
            request.extensions_mut().insert(identity);
            return hyper::service::Service::call(&service, request).await;
        };
        let is_head = parts.method == warp::http::Method::HEAD;
        let ctx = RequestContext::of_request(&parts.uri, parts.headers, is_head, peer, identity);
        Ok(read.answer(&self.app, &ctx).await)
    }

    fn peer(&self, headers: &HeaderMap) -> Peer {
        let client = self.client(headers);
        let address = if client.ip == self.remote.ip().to_canonical() {
            Arc::clone(&self.remote_text)
        } else {
            client.ip.to_string().into()
        };
        Peer { client, address }
    }

    fn client(&self, headers: &HeaderMap) -> Client {
        let live = self.app.live();
        let peer = self.remote.ip().to_canonical();
        // Most servers trust no proxy: then the forwarding headers are not even read.
        if !live.trusted_proxies.contains(peer) {
            return Client {
                ip: peer,
                https: self.https,
            };
        }
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
        live.trusted_proxies.resolve(peer, self.https, headers)
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
