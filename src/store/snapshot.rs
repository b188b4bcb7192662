//! Whole-database export and import for backups. The export reads every table inside ONE read
//! transaction, so the rows form a single consistent moment while writers carry on. The import
//! builds a fresh database in one write transaction and then runs the migrations, so a snapshot
//! from an older schema comes up to date and one from a newer schema is refused.

use super::tables::{self, JsonTable};
use super::{Result, Store, StoreError, Writer, migrations};
use redb::{Database, ReadableDatabase, ReadableTable, TableDefinition, TableHandle};
use serde::{Deserialize, Serialize};
use std::path::Path;

type NumberTable = TableDefinition<'static, u64, &'static [u8]>;

// Every table the database holds is listed in `tables` beside its definition; an export meeting a
// table it does not know fails loudly instead of leaving it out of the backup.
const TEXT_TABLES: [JsonTable; 11] = tables::ALL_TEXT_TABLES;
const NUMBER_TABLES: [NumberTable; 3] = tables::ALL_EVENT_TABLES;

/// One stored record: its table's name, its key, and the stored JSON document unchanged.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Row {
    pub table: String,
    pub key: RowKey,
    pub value: String,
}

impl Row {
    /// A release record, whose archive a backup must carry.
    pub fn is_release(&self) -> bool {
        self.table == tables::RELEASES.name()
    }

    /// The schema version the snapshot was taken at, if this is the row that records it.
    pub fn schema_version(&self) -> Option<u32> {
        let is_it = self.table == tables::META.name()
            && self.key == RowKey::Text("schema_version".to_string());
        is_it.then(|| self.value.parse().ok()).flatten()
    }
}

/// Token rows hold argon2 hashes: the value stays out of Debug output.
impl std::fmt::Debug for Row {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Row")
            .field("table", &self.table)
            .field("key", &self.key)
            .field("value_bytes", &self.value.len())
            .finish()
    }
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum RowKey {
    Number(u64),
    Text(String),
}

enum Known {
    Text(JsonTable),
    Number(NumberTable),
}

fn known(name: &str) -> Option<Known> {
    let text = TEXT_TABLES
        .into_iter()
        .chain(tables::RETIRED_TEXT_TABLES)
        .find(|t| t.name() == name);
    let number = NUMBER_TABLES.into_iter().find(|t| t.name() == name);
    text.map(Known::Text).or(number.map(Known::Number))
}

fn unknown_table(name: &str) -> StoreError {
    StoreError::Database(format!("table {name:?} is not known to this build"))
}

fn text_value(table: &str, bytes: &[u8]) -> Result<String> {
    String::from_utf8(bytes.to_vec()).map_err(|_| StoreError::Corrupt {
        table: table.to_string(),
        key: String::new(),
        reason: "value is not UTF-8 text".to_string(),
    })
}

impl Store {
    /// Hands every row of every table to `each`, all from one read transaction.
    pub fn export<E: From<StoreError>>(
        &self,
        mut each: impl FnMut(Row) -> std::result::Result<(), E>,
    ) -> std::result::Result<(), E> {
        let begun = self.db.database().and_then(|db| Ok(db.begin_read()?));
        self.db.note(&begun);
        let txn = begun?;
        let names: Vec<String> = txn
            .list_tables()
            .map_err(StoreError::from)?
            .map(|handle| handle.name().to_string())
            .collect();
        for name in names {
            match known(&name).ok_or_else(|| unknown_table(&name))? {
                Known::Text(table) => {
                    for entry in txn
                        .open_table(table)
                        .map_err(StoreError::from)?
                        .iter()
                        .map_err(StoreError::from)?
                    {
                        let (key, value) = entry.map_err(StoreError::from)?;
                        let key = RowKey::Text(key.value().to_string());
                        let value = text_value(&name, value.value())?;
                        each(Row {
                            table: name.clone(),
                            key,
                            value,
                        })?;
                    }
                }
                Known::Number(table) => {
                    for entry in txn
                        .open_table(table)
                        .map_err(StoreError::from)?
                        .iter()
                        .map_err(StoreError::from)?
                    {
                        let (key, value) = entry.map_err(StoreError::from)?;
                        let key = RowKey::Number(key.value());
                        let value = text_value(&name, value.value())?;
                        each(Row {
                            table: name.clone(),
                            key,
                            value,
                        })?;
                    }
                }
            }
        }
        Ok(())
    }

    /// Creates a new database at `path` holding exactly `rows`, brought up to this build's schema.
    /// Nothing is committed unless every row went in and the migrations succeeded.
    pub fn create_from<E: From<StoreError>>(
        path: &Path,
        rows: impl IntoIterator<Item = std::result::Result<Row, E>>,
    ) -> std::result::Result<(), E> {
        if path.exists() {
            return Err(StoreError::Database(format!("{} already exists", path.display())).into());
        }
        super::make_private(path)?;
        let db = Database::create(path).map_err(StoreError::from)?;
        let txn = db.begin_write().map_err(StoreError::from)?;
        for row in rows {
            insert(&txn, &row?)?;
        }
        let writer = Writer::new(&txn);
        migrations::bring_up_to_date(&writer)?;
        txn.commit().map_err(StoreError::from)?;
        Ok(())
    }
}

fn insert(txn: &redb::WriteTransaction, row: &Row) -> Result<()> {
    let value = row.value.as_bytes();
    match (known(&row.table), &row.key) {
        (Some(Known::Text(table)), RowKey::Text(key)) => {
            txn.open_table(table)?.insert(key.as_str(), value)?;
        }
        (Some(Known::Number(table)), RowKey::Number(key)) => {
            txn.open_table(table)?.insert(*key, value)?;
        }
        (Some(_), _) => {
            return Err(StoreError::Corrupt {
                table: row.table.clone(),
                key: format!("{:?}", row.key),
                reason: "key of the wrong kind for this table".to_string(),
            });
        }
        (None, _) => return Err(unknown_table(&row.table)),
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::ReadTables;

    #[test]
    fn an_export_imported_elsewhere_exports_the_same_rows() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(&dir.path().join("a.redb")).unwrap();
        store
            .write(|w| {
                w.put(
                    tables::PROJECTS,
                    "acme",
                    &serde_json::json!({"slug": "acme"}),
                )?;
                w.txn
                    .open_table(tables::DOWNLOADS)?
                    .insert(7u64, &b"{}"[..])?;
                Ok::<_, StoreError>(())
            })
            .unwrap();
        let mut rows = Vec::new();
        store
            .export(|row| {
                rows.push(row);
                Ok::<_, StoreError>(())
            })
            .unwrap();
        let copy = dir.path().join("b.redb");
        Store::create_from(&copy, rows.clone().into_iter().map(Ok::<_, StoreError>)).unwrap();
        let mut again = Vec::new();
        Store::open(&copy)
            .unwrap()
            .export(|row| {
                again.push(row);
                Ok::<_, StoreError>(())
            })
            .unwrap();
        assert_eq!(rows, again);
        assert!(rows.iter().any(|r| r.key == RowKey::Number(7)));
    }

    #[test]
    fn a_snapshot_from_a_newer_schema_is_refused_on_import() {
        let dir = tempfile::tempdir().unwrap();
        let rows = [Ok::<_, StoreError>(Row {
            table: "meta_v1".into(),
            key: RowKey::Text("schema_version".into()),
            value: "99".into(),
        })];
        let result = Store::create_from(&dir.path().join("db.redb"), rows);
        assert!(matches!(
            result,
            Err(StoreError::SchemaTooNew { found: 99, .. })
        ));
    }

    #[test]
    fn a_snapshot_from_an_older_schema_is_migrated_on_import() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("db.redb");
        let rows = [Ok::<_, StoreError>(Row {
            table: "meta_v1".into(),
            key: RowKey::Text("schema_version".into()),
            value: "1".into(),
        })];
        Store::create_from(&path, rows).unwrap();
        let store = Store::open(&path).unwrap();
        let version = store
            .read(|r| r.get::<u32>(tables::META, "schema_version"))
            .unwrap();
        assert_eq!(version, Some(tables::SCHEMA_VERSION));
        let txn = store.db.database().unwrap().begin_read().unwrap();
        assert!(
            txn.open_table(tables::PUBLISHERS).is_ok(),
            "the v2 tables exist"
        );
    }
}
