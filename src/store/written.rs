//! What a write transaction has written, by kind of record, so the serving snapshot can be
//! rebuilt from only what a change touched.
//!
//! Every row written goes through `Writer::put`, `Writer::remove` or an event-table writer, and
//! each of those notes its table here: a kind left out would let a rebuild skip what it must
//! redo, so an unknown table is noted as `Other`, which no shortcut accepts.

use super::Writer;
use super::tables::{
    ADVISORIES, AUDIT, CUSTOMERS, DOWNLOADS, LICENCES, META, PROJECT_VIEWS, PROJECTS, PUBLISH_LOG,
    PUBLISHERS, RELEASES, SHELF_STAMPS, TOKEN_USAGE, TOKENS,
};
use redb::{TableDefinition, TableHandle};
use std::collections::BTreeSet;

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum RecordKind {
    Meta,
    Customers,
    Projects,
    Tokens,
    Licences,
    Releases,
    Stamps,
    Publishers,
    TokenUsage,
    Advisories,
    Downloads,
    PublishLog,
    Audit,
    /// A table this list does not know yet: treated as touching everything.
    Other,
}

/// The kinds written so far, and which install tokens (by the key their row is stored under).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Written {
    pub kinds: BTreeSet<RecordKind>,
    /// Keys of token rows put or deleted; a rotation names both the old key and the new one.
    pub tokens: BTreeSet<String>,
    /// Slugs of project rows put or deleted.
    pub projects: BTreeSet<String>,
    /// Ids of licence rows put or deleted.
    pub licences: BTreeSet<String>,
}

impl Written {
    /// True when nothing outside `kinds` was written.
    pub fn only(&self, kinds: &[RecordKind]) -> bool {
        self.kinds.iter().all(|kind| kinds.contains(kind))
    }
}

fn kind_of<K: redb::Key + 'static, V: redb::Value + 'static>(
    table: &TableDefinition<'static, K, V>,
) -> RecordKind {
    let known: [(&str, RecordKind); 11] = [
        (META.name(), RecordKind::Meta),
        (CUSTOMERS.name(), RecordKind::Customers),
        (PROJECTS.name(), RecordKind::Projects),
        (TOKENS.name(), RecordKind::Tokens),
        (LICENCES.name(), RecordKind::Licences),
        (RELEASES.name(), RecordKind::Releases),
        (SHELF_STAMPS.name(), RecordKind::Stamps),
        (PROJECT_VIEWS.name(), RecordKind::Stamps),
        (PUBLISHERS.name(), RecordKind::Publishers),
        (TOKEN_USAGE.name(), RecordKind::TokenUsage),
        (ADVISORIES.name(), RecordKind::Advisories),
    ];
    let events: [(&str, RecordKind); 3] = [
        (DOWNLOADS.name(), RecordKind::Downloads),
        (PUBLISH_LOG.name(), RecordKind::PublishLog),
        (AUDIT.name(), RecordKind::Audit),
    ];
    known
        .into_iter()
        .chain(events)
        .find(|(name, _)| *name == table.name())
        .map_or(RecordKind::Other, |(_, kind)| kind)
}

impl Writer<'_> {
    /// Notes a write to `table`, under `key` for the tables whose rows are tracked one by one.
    pub(super) fn note_write<K: redb::Key + 'static, V: redb::Value + 'static>(
        &self,
        table: &TableDefinition<'static, K, V>,
        key: Option<&str>,
    ) {
        let kind = kind_of(table);
        let mut written = self.written.borrow_mut();
        written.kinds.insert(kind);
        let keys = match kind {
            RecordKind::Tokens => Some(&mut written.tokens),
            RecordKind::Projects => Some(&mut written.projects),
            RecordKind::Licences => Some(&mut written.licences),
            _ => None,
        };
        if let (Some(keys), Some(key)) = (keys, key) {
            keys.insert(key.to_string());
        }
    }

    /// Everything this transaction has written so far.
    pub fn written(&self) -> Written {
        self.written.borrow().clone()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::Store;

    #[test]
    fn every_table_a_backup_carries_has_a_known_kind() {
        for table in super::super::tables::ALL_TEXT_TABLES {
            assert_ne!(kind_of(&table), RecordKind::Other, "{}", table.name());
        }
        for table in super::super::tables::ALL_EVENT_TABLES {
            assert_ne!(kind_of(&table), RecordKind::Other, "{}", table.name());
        }
    }

    #[test]
    fn a_transaction_reports_the_kinds_and_token_keys_it_wrote() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(&dir.path().join("db.redb")).unwrap();
        let written = store
            .write(|w| {
                assert_eq!(w.written(), Written::default());
                w.put(TOKENS, "aaaa", &1u32)?;
                w.remove(TOKENS, "bbbb")?;
                w.put(TOKEN_USAGE, "aaaa\u{0}2026-01-01", &1u32)?;
                Ok::<_, crate::store::StoreError>(w.written())
            })
            .unwrap();
        assert!(written.only(&[RecordKind::Tokens, RecordKind::TokenUsage]));
        assert!(!written.only(&[RecordKind::Tokens]));
        let keys: Vec<&str> = written.tokens.iter().map(String::as_str).collect();
        assert_eq!(keys, ["aaaa", "bbbb"]);
    }

    #[test]
    fn event_rows_and_pruning_are_noted_too() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(&dir.path().join("db.redb")).unwrap();
        let written = store
            .write(|w| {
                w.append_downloads(&[])?;
                w.prune_audit_before(0)?;
                w.prune_token_usage_before("2000-01-01")?;
                Ok::<_, crate::store::StoreError>(w.written())
            })
            .unwrap();
        let kinds: Vec<RecordKind> = written.kinds.into_iter().collect();
        assert_eq!(
            kinds,
            [
                RecordKind::TokenUsage,
                RecordKind::Downloads,
                RecordKind::Audit
            ]
        );
    }
}
