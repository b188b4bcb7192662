//! The client side of the admin socket: requests and the change feed, over HTTP/1.1 on the Unix
//! socket, for the CLI and an attached TUI in another process.

use super::admin::{ADMIN_PATH, CHANGE_EVENT, EVENTS_PATH, MISSED_EVENT};
use crate::service::admin::{AdminRequest, Remote, encode};
use crate::service::changes::{Change, FeedItem, Subscription};
use crate::service::{Result, ServiceError};
use bytes::Bytes;
use http_body_util::{BodyExt, Full};
use hyper::Request;
use hyper::body::Incoming;
use hyper_util::rt::TokioIo;
use std::path::{Path, PathBuf};
use std::sync::{Arc, mpsc};
use tokio::net::UnixStream;

/// True when a server answers on `socket`.
pub fn is_listening(socket: &Path) -> bool {
    std::os::unix::net::UnixStream::connect(socket).is_ok()
}

pub struct SocketClient {
    socket: PathBuf,
}

impl SocketClient {
    pub fn new(socket: PathBuf) -> Self {
        Self { socket }
    }

    fn unreachable(&self, error: impl std::fmt::Display) -> ServiceError {
        ServiceError::Io(format!(
            "cannot reach the server's admin socket {}: {error}",
            self.socket.display()
        ))
    }

    async fn request(&self, request: Request<Full<Bytes>>) -> Result<hyper::Response<Incoming>> {
        let stream = UnixStream::connect(&self.socket)
            .await
            .map_err(|e| self.unreachable(e))?;
        let (mut sender, connection) = hyper::client::conn::http1::handshake(TokioIo::new(stream))
            .await
            .map_err(|e| self.unreachable(e))?;
        tokio::spawn(connection);
        sender
            .send_request(request)
            .await
            .map_err(|e| ServiceError::Io(format!("admin request failed: {e}")))
    }
}

fn runtime() -> Result<tokio::runtime::Runtime> {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| ServiceError::Io(format!("cannot start the runtime: {e}")))
}

fn http_request(method: &str, path: &str, body: Vec<u8>) -> Result<Request<Full<Bytes>>> {
    Request::builder()
        .method(method)
        .uri(path)
        .header("host", "packagento")
        .header("content-type", "application/json")
        .body(Full::new(Bytes::from(body)))
        .map_err(|e| ServiceError::Io(e.to_string()))
}

/// The admin API's error body, `{"error": {"code", "message"}}`, as the error it stands for.
fn remote_error(bytes: &[u8]) -> ServiceError {
    #[derive(serde::Deserialize)]
    struct Body {
        error: Detail,
    }
    #[derive(serde::Deserialize)]
    struct Detail {
        code: String,
        message: String,
    }
    match serde_json::from_slice::<Body>(bytes) {
        Ok(body) => ServiceError::from_remote(&body.error.code, body.error.message),
        Err(_) => ServiceError::Io(format!(
            "the server answered with an error it did not explain: {}",
            String::from_utf8_lossy(bytes)
        )),
    }
}

impl Remote for SocketClient {
    fn send(&self, request: &AdminRequest) -> Result<Vec<u8>> {
        let request = http_request("POST", ADMIN_PATH, encode(request)?)?;
        runtime()?.block_on(async {
            let response = self.request(request).await?;
            let status = response.status();
            let bytes = response
                .into_body()
                .collect()
                .await
                .map_err(|e| ServiceError::Io(format!("admin answer unreadable: {e}")))?
                .to_bytes();
            match status.is_success() {
                true => Ok(bytes.to_vec()),
                false => Err(remote_error(&bytes)),
            }
        })
    }

    fn open(&self, request: &AdminRequest) -> Result<Box<dyn std::io::Read>> {
        let request = http_request("POST", ADMIN_PATH, encode(request)?)?;
        let runtime = runtime()?;
        let response = runtime.block_on(self.request(request))?;
        if !response.status().is_success() {
            let bytes = runtime
                .block_on(response.into_body().collect())
                .map_err(|e| ServiceError::Io(format!("admin answer unreadable: {e}")))?
                .to_bytes();
            return Err(remote_error(&bytes));
        }
        Ok(Box::new(BodyReader {
            runtime,
            body: response.into_body(),
            pending: Bytes::new(),
        }))
    }

    fn subscribe(&self) -> Result<Subscription> {
        let (items, received) = mpsc::channel();
        let (opened, open) = mpsc::channel();
        let client = SocketClient::new(self.socket.clone());
        // The stream is read on its own thread, so the caller can block on items like any
        // iterator; the thread ends when the server ends the stream or the caller stops reading.
        std::thread::spawn(move || {
            let outcome = runtime().and_then(|runtime| {
                runtime.block_on(async {
                    let request = http_request("GET", EVENTS_PATH, Vec::new())?;
                    let response = client.request(request).await?;
                    if !response.status().is_success() {
                        let status = response.status();
                        return Err(ServiceError::Io(format!(
                            "the server refused the change feed ({status})"
                        )));
                    }
                    let _ = opened.send(Ok(()));
                    read_events(response.into_body(), &items).await;
                    Ok(())
                })
            });
            if let Err(error) = outcome {
                let _ = opened.send(Err(error));
            }
        });
        match open.recv() {
            Ok(Ok(())) => Ok(Subscription::new(received.into_iter())),
            Ok(Err(error)) => Err(error),
            Err(_) => Err(ServiceError::Io(
                "the change feed could not be opened".into(),
            )),
        }
    }

    fn describe(&self) -> String {
        self.socket.display().to_string()
    }
}

/// An answer's body as a blocking reader: each read that finds nothing buffered drives the
/// connection (spawned on this same single-threaded runtime) until the next piece arrives.
struct BodyReader {
    runtime: tokio::runtime::Runtime,
    body: Incoming,
    pending: Bytes,
}

impl std::io::Read for BodyReader {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        while self.pending.is_empty() {
            match self.runtime.block_on(self.body.frame()) {
                None => return Ok(0),
                Some(Ok(frame)) => {
                    if let Ok(data) = frame.into_data() {
                        self.pending = data;
                    }
                }
                Some(Err(error)) => {
                    let message = format!("the server's answer broke off: {error}");
                    return Err(std::io::Error::other(message));
                }
            }
        }
        let count = buf.len().min(self.pending.len());
        buf[..count].copy_from_slice(&self.pending.split_to(count));
        Ok(count)
    }
}

/// Parses server-sent events off `body` until it ends or nobody reads `items` any more.
async fn read_events(mut body: Incoming, items: &mpsc::Sender<FeedItem>) {
    let mut pending = String::new();
    while let Some(Ok(frame)) = body.frame().await {
        let Some(chunk) = frame.data_ref() else {
            continue;
        };
        pending.push_str(&String::from_utf8_lossy(chunk));
        while let Some(end) = pending.find("\n\n") {
            let message: String = pending.drain(..end + 2).collect();
            if let Some(item) = parse_event(&message)
                && items.send(item).is_err()
            {
                return;
            }
        }
    }
}

fn parse_event(message: &str) -> Option<FeedItem> {
    let (mut name, mut data) = ("message", String::new());
    for line in message.lines() {
        if let Some(value) = line.strip_prefix("event:") {
            name = value.trim();
        } else if let Some(value) = line.strip_prefix("data:") {
            data.push_str(value.trim_start());
        }
    }
    match name {
        CHANGE_EVENT => serde_json::from_str::<Change>(&data)
            .ok()
            .map(|change| FeedItem::Change(Arc::new(change))),
        MISSED_EVENT => {
            let value: serde_json::Value = serde_json::from_str(&data).ok()?;
            Some(FeedItem::Missed(value["missed"].as_u64()?))
        }
        // Keep-alive comments and events of later versions are not for us.
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_change_event_is_read_back_whole() {
        let message = "event:change\nid:4\ndata:{\"seq\":4,\"at_micros\":9,\"event\":{\"kind\":\"downloads_pruned\",\"removed\":2}}\n\n";
        match parse_event(message) {
            Some(FeedItem::Change(change)) => assert_eq!(change.seq, 4),
            other => panic!("expected a change, got {other:?}"),
        }
    }

    #[test]
    fn a_missed_event_says_how_many() {
        let message = "event:missed\ndata:{\"missed\":12}\n\n";
        assert_eq!(parse_event(message), Some(FeedItem::Missed(12)));
    }

    #[test]
    fn keep_alive_comments_are_skipped() {
        assert_eq!(parse_event(":\n\n"), None);
    }

    #[test]
    fn an_error_body_becomes_the_error_it_names() {
        let body = br#"{"error":{"code":"not_found","message":"no project \"x\""}}"#;
        assert!(
            matches!(remote_error(body), ServiceError::NotFound(m) if m.contains("no project"))
        );
    }
}
