//! The audit trail's records: who changed what, when, and a short before → after. Never a secret.

use serde::{Deserialize, Serialize};
use std::fmt;

/// Who made a change.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Actor {
    /// A request through the admin socket, by the Unix user the socket's peer credentials name.
    Socket { user: String },
    /// A command that opened the database itself, no server running.
    Direct { user: String },
    /// The operator at the terminal UI of a server running in the same process.
    Console { user: String },
    /// An upload authenticated by a publisher token (its public key and label; never its secret).
    Publisher { public_key: String, label: String },
    /// A release zip dropped into the inbox folder.
    Inbox,
    /// A release imported from a watched git repository.
    GitImport,
    /// The server on its own: configuration reloads, alerts it raises.
    Server,
}

impl fmt::Display for Actor {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Actor::Socket { user } => write!(f, "{user} (admin socket)"),
            Actor::Direct { user } => write!(f, "direct (user {user})"),
            Actor::Console { user } => write!(f, "tui (user {user})"),
            Actor::Publisher { public_key, label } if label.is_empty() => {
                write!(f, "publisher {public_key}")
            }
            Actor::Publisher { public_key, label } => write!(f, "publisher {public_key} ({label})"),
            Actor::Inbox => f.write_str("inbox"),
            Actor::GitImport => f.write_str("git import"),
            Actor::Server => f.write_str("server"),
        }
    }
}

/// What a change says about itself; the actor and the time are added where it commits.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct AuditRecord {
    /// Dotted and stable, for filtering: `token.rotate`, `licence.activate`, `package.publish`.
    pub action: String,
    /// What was changed, as the operator names it: a public key, a slug, `acme/core 1.2.0`.
    pub target: String,
    /// A short before → after, e.g. `expires never → 2027-01-01`.
    pub summary: String,
}

impl AuditRecord {
    pub fn new(
        action: impl Into<String>,
        target: impl Into<String>,
        summary: impl Into<String>,
    ) -> Self {
        Self {
            action: action.into(),
            target: target.into(),
            summary: summary.into(),
        }
    }
}

/// One committed change, as the audit log keeps it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct AuditEntry {
    /// Unix microseconds of the commit.
    pub at_micros: i64,
    pub actor: Actor,
    pub action: String,
    pub target: String,
    pub summary: String,
}

impl AuditEntry {
    pub fn new(at_micros: i64, actor: Actor, record: AuditRecord) -> Self {
        Self {
            at_micros,
            actor,
            action: record.action,
            target: record.target,
            summary: record.summary,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn actors_read_as_the_operator_would_name_them() {
        let socket = Actor::Socket {
            user: "alice".into(),
        };
        assert_eq!(socket.to_string(), "alice (admin socket)");
        let direct = Actor::Direct { user: "bob".into() };
        assert_eq!(direct.to_string(), "direct (user bob)");
        let publisher = Actor::Publisher {
            public_key: "4b48".into(),
            label: "ci uploads".into(),
        };
        assert_eq!(publisher.to_string(), "publisher 4b48 (ci uploads)");
        assert_eq!(Actor::GitImport.to_string(), "git import");
    }

    #[test]
    fn an_actor_travels_as_json_tagged_with_its_kind() {
        let json = serde_json::to_value(Actor::Direct { user: "bob".into() }).unwrap();
        assert_eq!(json, serde_json::json!({"kind": "direct", "user": "bob"}));
        let back: Actor = serde_json::from_value(json).unwrap();
        assert_eq!(back, Actor::Direct { user: "bob".into() });
    }
}
