//! The caller's side of the protocol: one handle whether the `App` is in this process or a server
//! is reached through its admin socket, so the CLI and the TUI do not care which.

use super::{AdminCommand, AdminRequest, decode, execute};
use crate::service::changes::Subscription;
use crate::service::{App, Result};
use std::sync::Arc;

/// How requests reach a server in another process (the admin socket, spoken in `http`).
pub trait Remote: Send + Sync {
    /// Sends one request; the answer's JSON on success, the server's error otherwise.
    fn send(&self, request: &AdminRequest) -> Result<Vec<u8>>;

    /// Follows the server's change feed; returns once the stream is open, so nothing announced
    /// after this call is missed.
    fn subscribe(&self) -> Result<Subscription>;

    /// Where the server is, for messages ("attached through …").
    fn describe(&self) -> String;
}

pub enum Admin {
    Local(Arc<App>),
    Remote(Box<dyn Remote>),
}

impl Admin {
    /// Runs `command` and answers its typed response.
    pub fn call<C: AdminCommand>(&self, command: C) -> Result<C::Response> {
        match self {
            Admin::Local(app) => command.run(app),
            Admin::Remote(remote) => decode(&remote.send(&command.into())?),
        }
    }

    /// Runs a request whose answer the caller does not read (a change made from a form).
    pub fn send(&self, request: AdminRequest) -> Result<()> {
        match self {
            Admin::Local(app) => execute(app, request).map(drop),
            Admin::Remote(remote) => remote.send(&request).map(drop),
        }
    }

    /// Every change committed from now on, until the server stops.
    pub fn subscribe(&self) -> Result<Subscription> {
        match self {
            Admin::Local(app) => Ok(Subscription::local(&app.changes)),
            Admin::Remote(remote) => remote.subscribe(),
        }
    }

    pub fn is_remote(&self) -> bool {
        matches!(self, Admin::Remote(_))
    }

    /// The app in this process, for work that only runs locally (backup progress on this
    /// terminal, say).
    pub fn local_app(&self) -> Option<&Arc<App>> {
        match self {
            Admin::Local(app) => Some(app),
            Admin::Remote(_) => None,
        }
    }
}
