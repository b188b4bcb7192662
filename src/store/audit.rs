//! The audit log: entries appended in the transaction of the change they describe, read newest
//! first a page at a time (see `downloads` for the walk).

use super::downloads::{NewestFirst, PAGE_ROWS};
use super::tables::AUDIT;
use super::{Result, Store, Writer};
use crate::domain::audit::{AuditEntry, AuditRecord};

impl Writer<'_> {
    /// Notes what this change did; `App::change` stamps the actor and time and appends it to the
    /// log in this same transaction, so a change and its entry commit or vanish together.
    pub fn audit(&self, record: AuditRecord) {
        self.audit_records.borrow_mut().push(record);
    }

    /// The records noted so far by this transaction's work, taken (each is written once).
    pub fn take_audit_records(&self) -> Vec<AuditRecord> {
        std::mem::take(&mut *self.audit_records.borrow_mut())
    }

    /// Keys are microsecond times nudged forward on collision, so order is commit order.
    pub fn append_audit(&self, entry: &AuditEntry) -> Result<()> {
        self.append_events(AUDIT, [(entry.at_micros, entry)])
    }
}

impl Store {
    /// The newest `limit` audit entries, newest first, read `PAGE_ROWS` at a time.
    pub fn audit_newest_first(
        &self,
        limit: usize,
    ) -> Result<impl Iterator<Item = Result<AuditEntry>> + '_> {
        NewestFirst::new(self, AUDIT, limit, PAGE_ROWS)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::audit::Actor;

    #[test]
    fn entries_come_back_newest_first_even_when_written_in_the_same_microsecond() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(&dir.path().join("db.redb")).unwrap();
        let entry = |target: &str| {
            AuditEntry::new(
                1_000,
                Actor::Server,
                AuditRecord::new("project.create", target, "created"),
            )
        };
        store
            .write(|w| {
                w.append_audit(&entry("first"))?;
                w.append_audit(&entry("second"))
            })
            .unwrap();
        let targets: Vec<String> = store
            .audit_newest_first(10)
            .unwrap()
            .map(|e| e.unwrap().target)
            .collect();
        assert_eq!(targets, ["second", "first"]);
    }
}
