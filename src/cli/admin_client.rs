//! A small HTTP/1.1 client for the admin Unix socket.

use super::CliError;
use crate::service::admin::AdminRequest;
use bytes::Bytes;
use http_body_util::{BodyExt, Full};
use hyper::Request;
use hyper_util::rt::TokioIo;
use serde_json::Value;
use std::path::Path;
use tokio::net::UnixStream;

pub fn is_listening(socket: &Path) -> bool {
    std::os::unix::net::UnixStream::connect(socket).is_ok()
}

fn runtime() -> Result<tokio::runtime::Runtime, CliError> {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| CliError::msg(format!("cannot start the runtime: {e}")))
}

async fn connect(
    socket: &Path,
) -> Result<hyper::client::conn::http1::SendRequest<Full<Bytes>>, CliError> {
    let unreachable = |e: &dyn std::fmt::Display| {
        CliError::msg(format!(
            "cannot reach the server's admin socket {}: {e}",
            socket.display()
        ))
    };
    let stream = UnixStream::connect(socket)
        .await
        .map_err(|e| unreachable(&e))?;
    let (sender, connection) = hyper::client::conn::http1::handshake(TokioIo::new(stream))
        .await
        .map_err(|e| unreachable(&e))?;
    tokio::spawn(connection);
    Ok(sender)
}

pub fn call(socket: &Path, request: &AdminRequest) -> Result<Value, CliError> {
    let body = serde_json::to_vec(request).map_err(|e| CliError::msg(e.to_string()))?;
    runtime()?.block_on(async {
        let mut sender = connect(socket).await?;
        let http_request = Request::post("/v1/admin")
            .header("host", "packagento")
            .header("content-type", "application/json")
            .body(Full::new(Bytes::from(body)))
            .map_err(|e| CliError::msg(e.to_string()))?;
        let response = sender
            .send_request(http_request)
            .await
            .map_err(|e| CliError::msg(format!("admin request failed: {e}")))?;
        let status = response.status();
        let bytes = response
            .into_body()
            .collect()
            .await
            .map_err(|e| CliError::msg(format!("admin answer unreadable: {e}")))?
            .to_bytes();
        let value: Value = serde_json::from_slice(&bytes)
            .map_err(|e| CliError::msg(format!("admin answer is not JSON: {e}")))?;
        if status.is_success() {
            return Ok(value);
        }
        let field = |name: &str| value["error"][name].as_str().unwrap_or("").to_string();
        Err(CliError::Service {
            code: field("code"),
            message: field("message"),
        })
    })
}

/// Streams server-sent download events, calling `on_event` with each event's JSON data.
pub fn follow(socket: &Path, on_event: impl FnMut(Value)) -> Result<(), CliError> {
    follow_events(socket, "/v1/downloads/events", on_event)
}

/// Streams the server-sent events at `path`, calling `on_event` with each event's JSON data.
pub fn follow_events(
    socket: &Path,
    path: &str,
    mut on_event: impl FnMut(Value),
) -> Result<(), CliError> {
    runtime()?.block_on(async {
        let mut sender = connect(socket).await?;
        let request = Request::get(path)
            .header("host", "packagento")
            .body(Full::new(Bytes::new()))
            .map_err(|e| CliError::msg(e.to_string()))?;
        let mut body = sender
            .send_request(request)
            .await
            .map_err(|e| CliError::msg(format!("cannot follow {path}: {e}")))?
            .into_body();
        let mut pending = String::new();
        while let Some(frame) = body.frame().await {
            let frame = frame.map_err(|e| CliError::msg(format!("event stream ended: {e}")))?;
            let Some(chunk) = frame.data_ref() else {
                continue;
            };
            pending.push_str(&String::from_utf8_lossy(chunk));
            while let Some(end) = pending.find("\n\n") {
                let message: String = pending.drain(..end + 2).collect();
                for line in message.lines() {
                    if let Some(data) = line.strip_prefix("data:")
                        && let Ok(value) = serde_json::from_str(data.trim())
                    {
                        on_event(value);
                    }
                }
            }
        }
        Ok(())
    })
}
