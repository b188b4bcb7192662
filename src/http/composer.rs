//! The Composer-facing routes: the reads (named by `Read`, which the public listeners route
//! without warp) and the notify batch. Each route: path → method → extractors → handler;
//! handlers never reject, they answer, so every status is decided in `error.rs`.

use super::error::ApiError;
use super::peer::{Identity, Peer};
use super::responses::{dist_response, metadata_response};
use crate::domain::records::{DownloadEvent, DownloadKind};
use crate::domain::time;
use crate::service::App;
use crate::service::auth::Caller;
use crate::service::catalog::{Catalog, View};
use bytes::Buf;
use futures_util::{Stream, StreamExt};
use std::collections::HashSet;
use std::convert::Infallible;
use std::sync::Arc;
use warp::Filter;
use warp::filters::path::FullPath;
use warp::http::uri::Authority;
use warp::http::{HeaderMap, Method, Uri};
use warp::reply::Response;

pub fn routes(
    app: Arc<App>,
) -> impl Filter<Extract = (Response,), Error = warp::Rejection> + Clone {
    reads(app.clone()).or(notify_batch(app)).unify()
}

/// A Composer read, named by its path. The public listeners route these paths themselves
/// ([`Read::of_request`]), ahead of warp: they are nearly every request a repository answers, and
/// warp's chain of filters, with its copy of the headers, was a fifth of a 304's server CPU
/// (benchmarks.md, "Reads routed without warp"). The warp route below matches the same paths
/// with the same rule, for `warp::test`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Read<'p> {
    Root,
    P2 {
        vendor: &'p str,
        file: &'p str,
    },
    Dist {
        vendor: &'p str,
        name: &'p str,
        file: &'p str,
    },
}

impl<'p> Read<'p> {
    /// The read `path` names, as `warp::path!` would match it: raw (still percent-encoded)
    /// segments, none empty, and one trailing slash allowed.
    pub fn of(path: &'p str) -> Option<Self> {
        let path = path.strip_prefix('/')?;
        let path = path.strip_suffix('/').unwrap_or(path);
        let mut segments = path.split('/');
        let first = segments.next()?;
        let mut params = [""; 3];
        let mut count = 0;
        for segment in segments {
            if segment.is_empty() || count == params.len() {
                return None;
            }
            params[count] = segment;
            count += 1;
        }
        match (first, &params[..count]) {
            ("packages.json", []) => Some(Read::Root),
            ("p2", [vendor, file]) => Some(Read::P2 { vendor, file }),
            ("dist", [vendor, name, file]) => Some(Read::Dist { vendor, name, file }),
            _ => None,
        }
    }

    /// The read a request asks for; other methods on these paths are left to warp, which
    /// answers them 405.
    pub fn of_request(method: &Method, path: &'p str) -> Option<Self> {
        let readable = method == Method::GET || method == Method::HEAD;
        readable.then(|| Self::of(path)).flatten()
    }

    pub async fn answer(self, app: &App, ctx: &RequestContext) -> Response {
        respond(match self {
            Read::Root => serve_root(app, ctx).await,
            Read::P2 { vendor, file } => serve_p2(app, ctx, vendor, file).await,
            Read::Dist { vendor, name, file } => serve_dist(app, ctx, vendor, name, file).await,
        })
    }
}

/// The path is matched first so that other paths fall through before the method is checked (a
/// wrong method on a read's path is 405, elsewhere 404), and again to borrow the segments.
fn reads(app: Arc<App>) -> impl Filter<Extract = (Response,), Error = warp::Rejection> + Clone {
    warp::path::full()
        .and_then(|path: FullPath| async move {
            match Read::of(path.as_str()) {
                Some(_) => Ok(path),
                None => Err(warp::reject::not_found()),
            }
        })
        .and(warp::get().or(warp::head()).unify())
        .and(with_app(app))
        .and(context())
        .then(
            |path: FullPath, app: Arc<App>, ctx: RequestContext| async move {
                match Read::of(path.as_str()) {
                    Some(read) => read.answer(&app, &ctx).await,
                    None => respond(Err(ApiError::NotFound)),
                }
            },
        )
}

/// What every Composer request carries that the handlers need.
pub struct RequestContext {
    pub headers: HeaderMap,
    /// The client behind trusted proxies, when served by `server.rs` (absent in `warp::test`).
    pub peer: Option<Peer>,
    /// Where the authenticated token is noted for the access line.
    pub identity: Option<Identity>,
    /// Host header, or the request target's authority (HTTP/2 sends no Host header).
    pub authority: Option<String>,
    /// HEAD probes (monitoring, benchmarks) are answered but are not downloads.
    pub is_head: bool,
}

pub(super) fn context() -> impl Filter<Extract = (RequestContext,), Error = Infallible> + Clone {
    warp::header::headers_cloned()
        .and(warp::method())
        .and(warp::ext::optional::<Peer>())
        .and(warp::ext::optional::<Identity>())
        .and(authority())
        .map(
            |headers, method, peer, identity, authority| RequestContext {
                headers,
                peer,
                identity,
                authority,
                is_head: method == warp::http::Method::HEAD,
            },
        )
}

impl RequestContext {
    /// The context of a request routed without warp, built as [`context`] builds it.
    pub fn of_request(
        uri: &Uri,
        headers: HeaderMap,
        is_head: bool,
        peer: Peer,
        identity: Identity,
    ) -> Self {
        let authority = authority_of(uri, &headers);
        RequestContext {
            headers,
            peer: Some(peer),
            identity: Some(identity),
            authority,
            is_head,
        }
    }
}

/// The authority as `warp::host::optional` finds it: the request target's and the Host header's,
/// which must agree when both are sent; a malformed or conflicting one is treated as absent.
pub(super) fn authority_of(uri: &Uri, headers: &HeaderMap) -> Option<String> {
    let from_uri = uri.authority();
    let from_header = match headers.get("host") {
        None => None,
        Some(value) => Some(value.to_str().ok()?.parse::<Authority>().ok()?),
    };
    match (from_uri, from_header) {
        (Some(target), Some(host)) if *target != host => None,
        (_, Some(host)) => Some(host.to_string()),
        (Some(target), None) => Some(target.to_string()),
        (None, None) => None,
    }
}

/// A malformed Host header is treated as absent (and then refused where a host is needed).
pub(super) fn authority() -> impl Filter<Extract = (Option<String>,), Error = Infallible> + Clone {
    warp::host::optional()
        .map(|authority: Option<warp::host::Authority>| authority.map(|a| a.to_string()))
        .or(warp::any().map(|| None))
        .unify()
}

pub(super) fn with_app(
    app: Arc<App>,
) -> impl Filter<Extract = (Arc<App>,), Error = Infallible> + Clone {
    warp::any().map(move || app.clone())
}

fn notify_batch(
    app: Arc<App>,
) -> impl Filter<Extract = (Response,), Error = warp::Rejection> + Clone {
    warp::path!("composer" / "downloads")
        .and(warp::post())
        .and(warp::body::content_length_limit(
            app.settings().limits.notify_body_bytes,
        ))
        .and(warp::body::stream())
        .and(with_app(app))
        .and(context())
        .then(|body, app: Arc<App>, ctx: RequestContext| async move {
            respond(record_notify_batch(&app, &ctx, body).await)
        })
}

/// The whole body, already bounded by the Content-Length limit. Read only after the caller is
/// known, so a flood of large reports with bad credentials is answered without reading them.
pub(super) async fn read_body<S, B>(mut body: S) -> Result<Vec<u8>, ApiError>
where
    S: Stream<Item = Result<B, warp::Error>> + Unpin,
    B: Buf,
{
    let mut bytes = Vec::new();
    while let Some(chunk) = body.next().await {
        let mut chunk =
            chunk.map_err(|_| ApiError::BadRequest("the request body could not be read".into()))?;
        while chunk.has_remaining() {
            let part = chunk.chunk();
            bytes.extend_from_slice(part);
            let read = part.len();
            chunk.advance(read);
        }
    }
    Ok(bytes)
}

pub(super) fn respond(result: Result<Response, ApiError>) -> Response {
    result.unwrap_or_else(ApiError::into_composer_response)
}

pub(super) async fn authenticate(
    app: &App,
    catalog: &Catalog,
    ctx: &RequestContext,
) -> Result<Caller, ApiError> {
    let header = ctx
        .headers
        .get("authorization")
        .and_then(|v| v.to_str().ok());
    let caller = app
        .auth
        .authenticate_from(catalog, header, client_addr(ctx))
        .await?;
    if let Some(identity) = &ctx.identity {
        identity.set(caller.public_key.as_str());
    }
    let agent = truncated(raw_user_agent(ctx));
    let ip = client_ip(ctx);
    let at_micros = time::now_micros();
    let at = at_micros.div_euclid(1_000_000);
    app.analytics
        .note_token_use(caller.public_key.as_str(), at, ip, agent);
    app.analytics
        .usage
        .note(&caller.public_key, at_micros, ip, agent);
    Ok(caller)
}

pub(super) fn view_for<'c>(catalog: &'c Catalog, caller: &Caller) -> Result<View<'c>, ApiError> {
    // A token whose project vanished sees nothing, like any other unentitled request.
    catalog.view(&caller.project).ok_or(ApiError::NotFound)
}

async fn serve_root(app: &App, ctx: &RequestContext) -> Result<Response, ApiError> {
    let catalog = app.catalog();
    let caller = authenticate(app, &catalog, ctx).await?;
    let view = view_for(&catalog, &caller)?;
    // The advisories api-url in it is absolute, like dist URLs. Without a usable Host it stays a
    // bare path: Composer always sends one, and packages.json needs no Host otherwise.
    let base = base_url(app, ctx).unwrap_or_default();
    Ok(metadata_response(&view.root(), &base, &ctx.headers))
}

async fn serve_p2(
    app: &App,
    ctx: &RequestContext,
    vendor: &str,
    file: &str,
) -> Result<Response, ApiError> {
    let catalog = app.catalog();
    let caller = authenticate(app, &catalog, ctx).await?;
    let view = view_for(&catalog, &caller)?;
    let (name, dev) = match file.strip_suffix("~dev.json") {
        Some(name) => (name, true),
        None => (file.strip_suffix(".json").ok_or(ApiError::NotFound)?, false),
    };
    let package = view
        .package(&format!("{vendor}/{name}"))
        .ok_or(ApiError::NotFound)?;
    let resource = if dev { package.dev() } else { package.tagged() };
    let resource = resource.ok_or(ApiError::NotFound)?;
    let base = base_url(app, ctx)?;
    Ok(metadata_response(&resource, &base, &ctx.headers))
}

async fn serve_dist(
    app: &App,
    ctx: &RequestContext,
    vendor: &str,
    name: &str,
    file: &str,
) -> Result<Response, ApiError> {
    let catalog = app.catalog();
    let caller = authenticate(app, &catalog, ctx).await?;
    let view = view_for(&catalog, &caller)?;
    let package_name = format!("{vendor}/{name}");
    let version = file
        .strip_suffix(".zip")
        .map(percent_decode)
        .ok_or(ApiError::NotFound)?;
    let release = view
        .package(&package_name)
        .and_then(|p| p.dist(&version))
        .ok_or(ApiError::NotFound)?;
    let response = dist_response(app, release).await?;
    if !ctx.is_head {
        let version = release.version.clone();
        app.analytics.record(event(
            &caller,
            ctx,
            DownloadKind::Dist,
            package_name,
            version,
        ));
    }
    Ok(response)
}

#[derive(serde::Deserialize)]
struct NotifyBatch {
    downloads: Vec<NotifyEntry>,
}

#[derive(serde::Deserialize)]
struct NotifyEntry {
    name: String,
    version: String,
}

/// Composer reports each package installed from this repository once, so a batch naming more
/// distinct releases is not an install report. Refusing it is safe: Composer ignores a failed notify.
pub const NOTIFY_MAX_ENTRIES: usize = 1_000;

async fn record_notify_batch<S, B>(
    app: &App,
    ctx: &RequestContext,
    body: S,
) -> Result<Response, ApiError>
where
    S: Stream<Item = Result<B, warp::Error>> + Unpin,
    B: Buf,
{
    let catalog = app.catalog();
    let caller = authenticate(app, &catalog, ctx).await?;
    let body = read_body(body).await?;
    let body = body.as_slice();
    let public_key = caller.public_key.as_str();
    // A report sent again, or one past the token's budget, stores nothing: it waits, so a
    // flood of them costs the server little.
    let repeat = app.analytics.is_repeat_batch(public_key, batch_hash(body));
    if repeat || app.analytics.notify_budget_spent(public_key) {
        tokio::time::sleep(crate::service::analytics::NOTIFY_OVER_BUDGET_HOLD).await;
    }
    let batch: NotifyBatch = serde_json::from_slice(body).map_err(|e| {
        ApiError::BadRequest(format!(
            "expected {{\"downloads\": [{{\"name\", \"version\"}}]}}: {e}"
        ))
    })?;
    let view = view_for(&catalog, &caller)?;
    let entries = distinct(batch.downloads);
    if entries.len() > NOTIFY_MAX_ENTRIES {
        return Err(ApiError::PayloadTooLarge);
    }
    let mut recorded = 0;
    if !repeat {
        // Entries that match nothing are counted too: a flood of them must reach the wait.
        let reported = entries.len();
        let events = notify_events(&view, &caller, ctx, entries);
        recorded = app
            .analytics
            .take_notify_budget(public_key, reported, events.len());
        let dropped = events.len() - recorded;
        app.metrics.notify_events_dropped(dropped as u64);
        for event in events.into_iter().take(recorded) {
            app.analytics.record(event);
        }
    }
    let body = serde_json::json!({ "status": "ok", "recorded": recorded }).to_string();
    Ok(super::responses::json_response(body))
}

/// Each (name, version) once, names lowercased, in first-seen order: a package listed twice
/// in one report was installed once.
fn distinct(entries: Vec<NotifyEntry>) -> Vec<NotifyEntry> {
    let mut seen = HashSet::new();
    entries
        .into_iter()
        .map(|entry| NotifyEntry {
            name: entry.name.to_lowercase(),
            version: entry.version,
        })
        .filter(|entry| seen.insert((entry.name.clone(), entry.version.clone())))
        .collect()
}

fn notify_events(
    view: &View,
    caller: &Caller,
    ctx: &RequestContext,
    entries: Vec<NotifyEntry>,
) -> Vec<DownloadEvent> {
    let mut events = Vec::new();
    for entry in entries {
        // Best effort: entries for things this token cannot see are skipped, not errors.
        let Some(package) = view.package(&entry.name) else {
            continue;
        };
        let Some(release) = package
            .dists()
            .find(|r| r.version_normalized == entry.version)
        else {
            continue;
        };
        let package = release.name.to_string();
        let version = release.version.clone();
        events.push(event(caller, ctx, DownloadKind::Notify, package, version));
    }
    events
}

/// Batches are compared within one process only, so std's fixed-key hasher is enough.
fn batch_hash(bytes: &[u8]) -> u64 {
    use std::hash::{DefaultHasher, Hasher};
    let mut hasher = DefaultHasher::new();
    hasher.write(bytes);
    hasher.finish()
}

fn event(
    caller: &Caller,
    ctx: &RequestContext,
    kind: DownloadKind,
    package: String,
    version: String,
) -> DownloadEvent {
    DownloadEvent {
        at_micros: time::now_micros(),
        kind,
        package,
        version,
        project: caller.project.clone(),
        public_key: caller.public_key.clone(),
        ip: client_ip(ctx).to_string(),
        user_agent: user_agent(ctx),
    }
}

/// The client behind trusted proxies; unknown only in `warp::test`, which has no connection.
fn client_addr(ctx: &RequestContext) -> Option<std::net::IpAddr> {
    ctx.peer.as_ref().map(|peer| peer.client.ip)
}

/// The client's address as text, made once per connection by `server.rs`.
fn client_ip(ctx: &RequestContext) -> &str {
    ctx.peer.as_ref().map_or("", |peer| &peer.address)
}

fn user_agent(ctx: &RequestContext) -> String {
    truncated(raw_user_agent(ctx)).to_string()
}

fn raw_user_agent(ctx: &RequestContext) -> &str {
    ctx.headers
        .get("user-agent")
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
}

/// User agents are stored, so an absurd one is cut (at a character boundary).
fn truncated(agent: &str) -> &str {
    match agent.char_indices().nth(512) {
        Some((end, _)) => &agent[..end],
        None => agent,
    }
}

/// `--public-url` when set; otherwise the scheme and Host the client used (as seen through
/// trusted proxies), the Host checked so a hostile header cannot inject anything into the metadata.
fn base_url(app: &App, ctx: &RequestContext) -> Result<String, ApiError> {
    if let Some(url) = &app.settings().public_url {
        return Ok(url.clone());
    }
    let host = ctx
        .authority
        .as_deref()
        .ok_or_else(|| ApiError::BadRequest("missing Host header".into()))?;
    let plausible = |c: char| c.is_ascii_alphanumeric() || ".-:[]_".contains(c);
    if host.is_empty() || host.len() > 255 || !host.chars().all(plausible) {
        return Err(ApiError::BadRequest("invalid Host header".into()));
    }
    let https = ctx.peer.as_ref().is_some_and(|peer| peer.client.https);
    let scheme = if https { "https" } else { "http" };
    Ok(format!("{scheme}://{host}"))
}

fn percent_decode(text: &str) -> String {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let hex = bytes
            .get(i + 1..i + 3)
            .and_then(|h| std::str::from_utf8(h).ok());
        match (bytes[i], hex.and_then(|h| u8::from_str_radix(h, 16).ok())) {
            (b'%', Some(byte)) => {
                out.push(byte);
                i += 3;
            }
            (byte, _) => {
                out.push(byte);
                i += 1;
            }
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}
