//! The caller's side of the protocol: one handle whether the `App` is in this process or a server
//! is reached through its admin socket, so the CLI and the TUI do not care which.

use super::listing::read_array;
use super::{AdminCommand, AdminListing, AdminRequest, decode, execute};
use crate::service::audit;
use crate::service::changes::Subscription;
use crate::service::{App, Result};
use std::sync::Arc;

/// Runs `work` as the operator of this process: the audit log names a direct command's Unix
/// user, or the TUI's beside a server in this process.
fn as_operator<T>(app: &App, work: impl FnOnce() -> T) -> T {
    audit::acting_as(audit::local_operator(app), work)
}

/// How requests reach a server in another process (the admin socket, spoken in `http`).
pub trait Remote: Send + Sync {
    /// Sends one request; the answer's JSON on success, the server's error otherwise.
    fn send(&self, request: &AdminRequest) -> Result<Vec<u8>>;

    /// Sends a listing; its answer, one JSON array, is read from the returned reader as the
    /// server writes it. A failed request is an error here; an answer that breaks off is a read
    /// error later.
    fn open(&self, request: &AdminRequest) -> Result<Box<dyn std::io::Read>>;

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
            Admin::Local(app) => as_operator(app, || command.run(app)),
            Admin::Remote(remote) => decode(&remote.send(&command.into())?),
        }
    }

    /// Runs a listing and hands each row to `each` as it is read: from the store a page at a
    /// time here, or off the socket as the server sends it. An error from `each` stops the walk.
    pub fn for_each_row<L: AdminListing>(
        &self,
        listing: L,
        mut each: impl FnMut(L::Row) -> Result<()>,
    ) -> Result<()> {
        match self {
            Admin::Local(app) => listing.rows(app)?.try_for_each(|row| each(row?)),
            Admin::Remote(remote) => read_array(remote.open(&listing.into())?, &mut each),
        }
    }

    /// A listing's rows gathered: for a short one (a small limit).
    pub fn rows<L: AdminListing>(&self, listing: L) -> Result<Vec<L::Row>> {
        let mut rows = Vec::new();
        self.for_each_row(listing, |row| {
            rows.push(row);
            Ok(())
        })?;
        Ok(rows)
    }

    /// Runs a request whose answer the caller does not read (a change made from a form).
    pub fn send(&self, request: AdminRequest) -> Result<()> {
        match self {
            Admin::Local(app) => as_operator(app, || execute(app, request).map(drop)),
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::audit::Actor;
    use crate::service::Settings;
    use crate::service::admin::{ProjectCreate, ProjectRename};

    fn newest_actor(app: &App) -> Actor {
        let newest = app.store().audit_newest_first(1).unwrap().next();
        newest.unwrap().unwrap().actor
    }

    #[test]
    fn a_local_call_is_the_direct_users_and_beside_a_running_server_the_tuis() {
        let dir = tempfile::tempdir().unwrap();
        let app = App::open(Settings::for_tests(dir.path().into())).unwrap();
        let admin = Admin::Local(app.clone());
        let slug = "shop".to_string();
        admin
            .call(ProjectCreate {
                slug: slug.clone(),
                ..Default::default()
            })
            .unwrap();
        assert!(matches!(newest_actor(&app), Actor::Direct { .. }));
        app.set_listening("127.0.0.1:8080".into());
        let name = "The Shop".to_string();
        admin.send(ProjectRename { slug, name }.into()).unwrap();
        assert!(matches!(newest_actor(&app), Actor::Console { .. }));
    }
}
