//! Download events: append in batches, read newest first, a page per read transaction.
//!
//! The event tables (downloads, the publish log) can hold hundreds of thousands of rows, so a long
//! listing is walked in pages: each page is read in its own short read transaction and the next
//! resumes below the last key seen. Neither the whole answer nor a long-lived transaction (which
//! would keep redb from reusing freed pages) is ever held.

use super::tables::DOWNLOADS;
use super::{Reader, Result, Store, StoreError, Writer, decode};
use crate::domain::records::DownloadEvent;
use redb::{ReadableTable, TableDefinition};
use serde::de::DeserializeOwned;
use std::ops::Bound;

/// Rows read per read transaction when a listing is walked page by page.
pub const PAGE_ROWS: usize = 1_000;

type EventTable = TableDefinition<'static, u64, &'static [u8]>;

impl Writer<'_> {
    /// Keys are microsecond times nudged forward on collision, so order is arrival order.
    pub fn append_downloads(&self, events: &[DownloadEvent]) -> Result<()> {
        let timed = events.iter().map(|event| (event.at_micros, event));
        self.append_events(DOWNLOADS, timed)
    }

    /// Appends `(at_micros, row)` pairs to an event table, each keyed by its time nudged past
    /// the last key, so keys stay unique and in arrival order.
    pub(super) fn append_events<T: serde::Serialize>(
        &self,
        table: EventTable,
        rows: impl IntoIterator<Item = (i64, T)>,
    ) -> Result<()> {
        self.note_write(&table, None);
        let mut table = self.txn.open_table(table)?;
        let mut next_free = table.last()?.map(|(key, _)| key.value() + 1).unwrap_or(0);
        for (at_micros, row) in rows {
            let key = next_free.max(u64::try_from(at_micros).unwrap_or(0));
            let bytes =
                serde_json::to_vec(&row).map_err(|e| StoreError::Database(e.to_string()))?;
            table.insert(key, bytes.as_slice())?;
            next_free = key + 1;
        }
        Ok(())
    }
}

impl Reader<'_> {
    /// The newest `limit` events, newest first: for short lists read inside a larger transaction.
    pub fn recent_downloads(&self, limit: usize) -> Result<Vec<DownloadEvent>> {
        let page = self.events_before(DOWNLOADS, None, limit)?;
        Ok(page.into_iter().map(|(_, event)| event).collect())
    }

    /// Up to `limit` rows of an event table with keys below `before` (all when `None`), newest
    /// first, each with its key so the next page can resume after it.
    pub(super) fn events_before<T: DeserializeOwned>(
        &self,
        table: EventTable,
        before: Option<u64>,
        limit: usize,
    ) -> Result<Vec<(u64, T)>> {
        let handle = self.txn.open_table(table)?;
        let upper = before.map_or(Bound::Unbounded, Bound::Excluded);
        let mut rows = Vec::with_capacity(limit.min(PAGE_ROWS));
        for row in handle
            .range::<u64>((Bound::Unbounded, upper))?
            .rev()
            .take(limit)
        {
            let (key, value) = row?;
            let key = key.value();
            rows.push((key, decode(table, &key.to_string(), value.value())?));
        }
        Ok(rows)
    }
}

impl Store {
    /// The newest `limit` download events, newest first, read `PAGE_ROWS` at a time.
    pub fn downloads_newest_first(
        &self,
        limit: usize,
    ) -> Result<impl Iterator<Item = Result<DownloadEvent>> + '_> {
        NewestFirst::new(self, DOWNLOADS, limit, PAGE_ROWS)
    }
}

/// Walks an event table newest first, one read transaction per page. Events appended while it
/// walks are newer than where it started and are not included; events pruned meanwhile are
/// simply not met.
pub(super) struct NewestFirst<'a, T> {
    store: &'a Store,
    table: EventTable,
    page: std::vec::IntoIter<(u64, T)>,
    /// The smallest key handed out so far: the next page starts below it.
    before: Option<u64>,
    /// Rows still wanted, counting those in `page`.
    remaining: usize,
    page_rows: usize,
    /// The last page came back short, so the table holds nothing older.
    exhausted: bool,
}

impl<'a, T: DeserializeOwned> NewestFirst<'a, T> {
    /// Reads the first page at once, so a store that cannot be read fails the call, not the walk.
    pub(super) fn new(
        store: &'a Store,
        table: EventTable,
        limit: usize,
        page_rows: usize,
    ) -> Result<Self> {
        let mut walk = Self {
            store,
            table,
            page: Vec::new().into_iter(),
            before: None,
            remaining: limit,
            page_rows: page_rows.max(1),
            exhausted: limit == 0,
        };
        walk.read_page()?;
        Ok(walk)
    }

    fn read_page(&mut self) -> Result<()> {
        if self.exhausted {
            return Ok(());
        }
        let wanted = self.remaining.min(self.page_rows);
        let (table, before) = (self.table, self.before);
        let rows: Vec<(u64, T)> = self
            .store
            .read(|r| r.events_before(table, before, wanted))?;
        self.exhausted = rows.len() < wanted;
        self.before = rows.last().map(|(key, _)| *key).or(self.before);
        self.page = rows.into_iter();
        Ok(())
    }
}

impl<T: DeserializeOwned> Iterator for NewestFirst<'_, T> {
    type Item = Result<T>;

    fn next(&mut self) -> Option<Result<T>> {
        if self.remaining == 0 {
            return None;
        }
        if self.page.as_slice().is_empty()
            && let Err(error) = self.read_page()
        {
            // One error ends the walk: what lies below a page that cannot be read is unknown.
            self.remaining = 0;
            return Some(Err(error));
        }
        let (_, row) = self.page.next()?;
        self.remaining -= 1;
        Some(Ok(row))
    }
}

impl Reader<'_> {
    /// Every event at or after `since_micros`, oldest first: the window the live statistics need.
    pub fn downloads_since(&self, since_micros: i64) -> Result<Vec<DownloadEvent>> {
        let table = self.txn.open_table(DOWNLOADS)?;
        let start = u64::try_from(since_micros).unwrap_or(0);
        let mut events = Vec::new();
        for row in table.range(start..)? {
            let (key, value) = row?;
            events.push(decode(DOWNLOADS, &key.value().to_string(), value.value())?);
        }
        Ok(events)
    }
}

impl Reader<'_> {
    /// Hands each event at or after `since_micros` to `visit`, oldest first, one at a time: for
    /// totals over a window whose events need not all fit in memory.
    pub fn each_download_since(
        &self,
        since_micros: i64,
        mut visit: impl FnMut(DownloadEvent),
    ) -> Result<()> {
        let table = self.txn.open_table(DOWNLOADS)?;
        let start = u64::try_from(since_micros).unwrap_or(0);
        for row in table.range(start..)? {
            let (key, value) = row?;
            visit(decode(DOWNLOADS, &key.value().to_string(), value.value())?);
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::names::{ProjectSlug, PublicKey};
    use crate::domain::records::DownloadKind;

    fn event(at_micros: i64, version: &str) -> DownloadEvent {
        DownloadEvent {
            at_micros,
            kind: DownloadKind::Dist,
            package: "acme/widget".into(),
            version: version.into(),
            project: ProjectSlug::parse("shop").unwrap(),
            public_key: PublicKey::parse("aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa").unwrap(),
            ip: "10.0.0.1".into(),
            user_agent: "Composer/2.8".into(),
        }
    }

    /// A store holding `count` events, versions "0" (oldest) to "count - 1"; every third shares
    /// its time with the one before, so some keys were nudged forward on collision.
    fn store_with(count: usize) -> (tempfile::TempDir, Store) {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(&dir.path().join("db.redb")).unwrap();
        let events: Vec<DownloadEvent> = (0..count)
            .map(|i| event(1_000_000 + (i - i / 3) as i64, &i.to_string()))
            .collect();
        store.write(|w| w.append_downloads(&events)).unwrap();
        (dir, store)
    }

    fn versions(walk: impl Iterator<Item = Result<DownloadEvent>>) -> Vec<usize> {
        walk.map(|event| event.unwrap().version.parse().unwrap())
            .collect()
    }

    #[test]
    fn a_walk_across_many_pages_is_newest_first_with_nothing_lost_or_repeated() {
        let (_dir, store) = store_with(50);
        let walk = NewestFirst::new(&store, DOWNLOADS, usize::MAX, 7).unwrap();
        assert_eq!(versions(walk), (0..50).rev().collect::<Vec<_>>());
    }

    #[test]
    fn the_limit_holds_across_page_boundaries() {
        let (_dir, store) = store_with(50);
        for limit in [0, 1, 6, 7, 8, 14, 20, 49, 50] {
            let walk = NewestFirst::new(&store, DOWNLOADS, limit, 7).unwrap();
            let expected: Vec<usize> = (0..50).rev().take(limit).collect();
            assert_eq!(versions(walk), expected, "limit {limit}");
        }
    }

    #[test]
    fn a_walk_holds_one_page_at_a_time_and_reads_the_next_only_when_needed() {
        let (_dir, store) = store_with(30);
        let mut walk = NewestFirst::<DownloadEvent>::new(&store, DOWNLOADS, 25, 10).unwrap();
        let mut seen: usize = 0;
        while let Some(event) = walk.next() {
            event.unwrap();
            seen += 1;
            assert!(walk.page.as_slice().len() < 10, "more than a page held");
            // Pages are read as the walk reaches them; the last one only as far as the limit.
            let read_so_far = (seen.div_ceil(10) * 10).min(25);
            assert_eq!(walk.page.as_slice().len(), read_so_far - seen);
        }
        assert_eq!(seen, 25);
    }

    #[test]
    fn events_stored_during_a_walk_are_not_in_it() {
        let (_dir, store) = store_with(20);
        let mut walk = NewestFirst::<DownloadEvent>::new(&store, DOWNLOADS, 100, 5).unwrap();
        let first = walk.next().unwrap().unwrap();
        store
            .write(|w| w.append_downloads(&[event(9_000_000, "new")]))
            .unwrap();
        assert_eq!(first.version, "19");
        assert_eq!(versions(walk), (0..19).rev().collect::<Vec<_>>());
    }

    #[test]
    fn an_empty_table_walks_to_nothing() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(&dir.path().join("db.redb")).unwrap();
        assert_eq!(store.downloads_newest_first(10).unwrap().count(), 0);
    }

    #[test]
    fn the_short_read_inside_a_transaction_agrees_with_the_walk() {
        let (_dir, store) = store_with(12);
        let short = store.read(|r| r.recent_downloads(5)).unwrap();
        let walked: Vec<DownloadEvent> = store
            .downloads_newest_first(5)
            .unwrap()
            .map(Result::unwrap)
            .collect();
        assert_eq!(short, walked);
    }
}
