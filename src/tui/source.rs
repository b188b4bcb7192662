//! Where the screens get their data: the `App` in this process, or a server's admin socket.
//! Both run the same `AdminRequest`s, so what the TUI does is what the CLI does.

use crate::domain::records::DownloadEvent;
use crate::service::App;
use crate::service::admin::{AdminRequest, execute};
use serde_json::Value;
use std::sync::Arc;

pub trait DataSource: Send + Sync + 'static {
    /// Runs one admin request; the error is the full message for the operator.
    fn call(&self, request: AdminRequest) -> Result<Value, String>;

    /// Blocks, handing each new download to `on_event`, until the stream ends (an error says
    /// why) or `on_event` returns false.
    fn follow(&self, on_event: &mut dyn FnMut(DownloadEvent) -> bool) -> Result<(), String>;
}

/// The server runs in this process: requests run directly, live events come off its broadcast.
pub struct LocalSource(pub Arc<App>);

impl DataSource for LocalSource {
    fn call(&self, request: AdminRequest) -> Result<Value, String> {
        execute(&self.0, request).map_err(|e| e.to_string())
    }

    fn follow(&self, on_event: &mut dyn FnMut(DownloadEvent) -> bool) -> Result<(), String> {
        use tokio::sync::broadcast::error::RecvError;
        let mut events = self.0.analytics.subscribe();
        loop {
            match events.blocking_recv() {
                Ok(event) => {
                    if !on_event(event) {
                        return Ok(());
                    }
                }
                // A slow screen skips what it missed; the statistics still count it.
                Err(RecvError::Lagged(_)) => continue,
                Err(RecvError::Closed) => return Err("the server stopped".into()),
            }
        }
    }
}
