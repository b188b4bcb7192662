//! Token usage per UTC day: one row per public key and day, read a key's days at a time.

use super::tables::TOKEN_USAGE;
use super::{ReadTables, Reader, Result, Writer, decode};
use crate::domain::names::PublicKey;
use crate::domain::usage::TokenUsageDay;
use redb::ReadableTable;

fn usage_key(key: &PublicKey, day: &str) -> String {
    format!("{key}\0{day}")
}

macro_rules! usage_readers {
    ($($transaction:ident),*) => {$(
        impl $transaction<'_> {
            pub fn token_usage(&self, key: &PublicKey, day: &str) -> Result<Option<TokenUsageDay>> {
                self.get(TOKEN_USAGE, &usage_key(key, day))
            }

            /// The key's rows from `from_day` on (inclusive), oldest first.
            pub fn token_usage_since(
                &self,
                key: &PublicKey,
                from_day: &str,
            ) -> Result<Vec<TokenUsageDay>> {
                let table = self.readable(TOKEN_USAGE)?;
                let start = usage_key(key, from_day);
                // Every row of this key sorts before "{key}\u{1}".
                let end = format!("{key}\u{1}");
                let mut rows = Vec::new();
                for row in table.range::<&str>(start.as_str()..end.as_str())? {
                    let (stored_key, value) = row?;
                    rows.push(decode(TOKEN_USAGE, stored_key.value(), value.value())?);
                }
                Ok(rows)
            }
        }
    )*};
}

usage_readers!(Reader, Writer);

impl Writer<'_> {
    pub fn put_token_usage(&self, usage: &TokenUsageDay) -> Result<()> {
        self.put(
            TOKEN_USAGE,
            &usage_key(&usage.public_key, &usage.day),
            usage,
        )
    }

    /// Deletes the rows of days before `day` (`YYYY-MM-DD`); returns how many went.
    pub fn prune_token_usage_before(&self, day: &str) -> Result<u64> {
        self.note_write(&TOKEN_USAGE, None);
        let mut table = self.txn.open_table(TOKEN_USAGE)?;
        let mut removed = 0;
        table.retain(|key, _| {
            let old = key
                .split_once('\0')
                .is_some_and(|(_, row_day)| row_day < day);
            removed += u64::from(old);
            !old
        })?;
        Ok(removed)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::Store;

    fn key(c: char) -> PublicKey {
        PublicKey::parse(&c.to_string().repeat(32)).unwrap()
    }

    fn row(k: &PublicKey, day: &str, requests: u64) -> TokenUsageDay {
        let mut row = TokenUsageDay::new(k.clone(), day.into(), 0);
        for _ in 0..requests {
            row.note(0, "10.0.0.1", "Composer/2.8");
        }
        row
    }

    #[test]
    fn a_keys_days_are_read_oldest_first_without_other_keys_rows() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(&dir.path().join("db.redb")).unwrap();
        let (a, b) = (key('a'), key('b'));
        store
            .write(|w| {
                for (k, day, n) in [
                    (&a, "2026-11-27", 3),
                    (&a, "2026-11-25", 1),
                    (&b, "2026-11-26", 7),
                    (&a, "2026-11-20", 2),
                ] {
                    w.put_token_usage(&row(k, day, n))?;
                }
                Ok::<_, crate::store::StoreError>(())
            })
            .unwrap();
        let days = store
            .read(|r| r.token_usage_since(&a, "2026-11-21"))
            .unwrap();
        let seen: Vec<(&str, u64)> = days.iter().map(|d| (d.day.as_str(), d.requests)).collect();
        assert_eq!(seen, [("2026-11-25", 1), ("2026-11-27", 3)]);
        let one = store.read(|r| r.token_usage(&b, "2026-11-26")).unwrap();
        assert_eq!(one.map(|d| d.requests), Some(7));

        let removed = store
            .write(|w| w.prune_token_usage_before("2026-11-26"))
            .unwrap();
        assert_eq!(removed, 2);
        let left = store
            .read(|r| r.token_usage_since(&a, "2000-01-01"))
            .unwrap();
        assert_eq!(left.len(), 1);
        assert!(
            store
                .read(|r| r.token_usage(&b, "2026-11-26"))
                .unwrap()
                .is_some()
        );
    }
}
