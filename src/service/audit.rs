//! Who is acting: the actor every change made on this thread is recorded under.
//!
//! The caller that knows who asked (the admin socket, an upload, the inbox) runs the work inside
//! [`acting_as`]; `App::change` reads [`current`] when it writes the change's audit entries. Work
//! outside any scope is the server's own when a server runs in this process, else a direct
//! command by the Unix user running it.

use super::App;
use crate::domain::audit::{Actor, AuditRecord};
use std::cell::RefCell;

thread_local! {
    static ACTING: RefCell<Option<Actor>> = const { RefCell::new(None) };
}

/// Runs `work` with every change it commits on this thread recorded under `actor`.
pub fn acting_as<T>(actor: Actor, work: impl FnOnce() -> T) -> T {
    let outer = ACTING.with(|acting| acting.replace(Some(actor)));
    // Restored even if `work` panics, so a later request on this pooled thread is not misnamed.
    let _restore = Restore(outer);
    work()
}

/// Runs `work` under `actor` unless an outer scope already names who is acting.
pub fn unless_acting<T>(actor: Actor, work: impl FnOnce() -> T) -> T {
    if ACTING.with(|acting| acting.borrow().is_some()) {
        work()
    } else {
        acting_as(actor, work)
    }
}

struct Restore(Option<Actor>);

impl Drop for Restore {
    fn drop(&mut self) {
        let outer = self.0.take();
        ACTING.with(|acting| acting.replace(outer));
    }
}

/// Records an entry about something that changed outside the database (a configuration file, a
/// backup written elsewhere), in a transaction of its own.
pub fn record(app: &App, record: AuditRecord) -> super::Result<()> {
    app.change(|w| {
        w.audit(record);
        Ok(())
    })
}

/// The actor for a change made now on this thread.
pub fn current(app: &App) -> Actor {
    ACTING
        .with(|acting| acting.borrow().clone())
        .unwrap_or_else(|| unscoped(app))
}

fn unscoped(app: &App) -> Actor {
    if app.listening().is_some() {
        Actor::Server
    } else {
        Actor::Direct {
            user: user_name(current_uid()),
        }
    }
}

/// Whoever this thread acts as, else the Unix user running this process directly: for work
/// done before any `App` is open (a restore).
pub fn operator_here() -> Actor {
    ACTING
        .with(|acting| acting.borrow().clone())
        .unwrap_or_else(|| Actor::Direct {
            user: user_name(current_uid()),
        })
}

/// The operator in this process: at a TUI beside a running server, or a direct command.
pub fn local_operator(app: &App) -> Actor {
    let user = user_name(current_uid());
    if app.listening().is_some() {
        Actor::Console { user }
    } else {
        Actor::Direct { user }
    }
}

fn current_uid() -> u32 {
    nix::unistd::getuid().as_raw()
}

/// The account name of a Unix user id, or `uid N` when the system knows no name for it.
pub fn user_name(uid: u32) -> String {
    match nix::unistd::User::from_uid(nix::unistd::Uid::from_raw(uid)) {
        Ok(Some(user)) => user.name,
        _ => format!("uid {uid}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_scope_names_the_actor_and_ends_with_its_work() {
        let dir = tempfile::tempdir().unwrap();
        let app = App::open(crate::service::Settings::for_tests(dir.path().into())).unwrap();
        let inside = acting_as(Actor::Inbox, || current(&app));
        assert_eq!(inside, Actor::Inbox);
        assert!(matches!(current(&app), Actor::Direct { .. }));
    }

    #[test]
    fn the_root_user_is_named_and_an_unknown_uid_is_given_by_number() {
        assert_eq!(user_name(0), "root");
        assert_eq!(user_name(4_000_000_123), "uid 4000000123");
    }
}
