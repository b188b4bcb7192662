//! Named, re-runnable migrations. Each step checks what is there before it changes anything, so
//! a crash half-way leaves a database the next open finishes.

mod customers;

use super::tables::{self, SCHEMA_VERSION};
use super::{ReadTables, Result, StoreError, Writer};

type Migration = (&'static str, fn(&Writer) -> Result<()>);

/// Index `i` brings schema `i` to `i + 1`.
const MIGRATIONS: [Migration; 5] = [
    ("create tables v1", create_tables_v1),
    (
        "create publisher tokens and publish log tables",
        create_publishing_v1,
    ),
    (
        "give every licence and licensed project a customer",
        customers::assign_customers,
    ),
    (
        "create the audit log, token usage and advisories tables",
        create_audit_v1,
    ),
    (
        "share Last-Modified stamps between projects with the same grants",
        share_stamps_by_grants,
    ),
];

pub fn bring_up_to_date(writer: &Writer) -> Result<()> {
    let found: u32 = writer
        .get::<u32>(tables::META, "schema_version")?
        .unwrap_or(0);
    if found > SCHEMA_VERSION {
        return Err(StoreError::SchemaTooNew {
            found,
            supported: SCHEMA_VERSION,
        });
    }
    for (index, (name, step)) in MIGRATIONS.iter().enumerate().skip(found as usize) {
        tracing::info!(migration = name, "migrating database");
        step(writer)?;
        writer.put(tables::META, "schema_version", &(index as u32 + 1))?;
    }
    Ok(())
}

fn create_tables_v1(writer: &Writer) -> Result<()> {
    for table in [
        tables::META,
        tables::PROJECTS,
        tables::TOKENS,
        tables::LICENCES,
        tables::RELEASES,
        tables::STAMPS,
    ] {
        writer.txn.open_table(table)?;
    }
    writer.txn.open_table(tables::DOWNLOADS)?;
    Ok(())
}

fn create_publishing_v1(writer: &Writer) -> Result<()> {
    writer.txn.open_table(tables::PUBLISHERS)?;
    writer.txn.open_table(tables::PUBLISH_LOG)?;
    Ok(())
}

fn create_audit_v1(writer: &Writer) -> Result<()> {
    writer.txn.open_table(tables::AUDIT)?;
    writer.txn.open_table(tables::TOKEN_USAGE)?;
    writer.txn.open_table(tables::ADVISORIES)?;
    Ok(())
}

/// The per-project stamps go: the first rebuild stamps every file anew, so each client fetches
/// each metadata file once more and revalidates as before from then on. Nothing a customer bought
/// or was sent is lost; a Last-Modified only ever moves forward.
fn share_stamps_by_grants(writer: &Writer) -> Result<()> {
    writer.txn.delete_table(tables::STAMPS)?;
    writer.txn.open_table(tables::SHELF_STAMPS)?;
    writer.txn.open_table(tables::PROJECT_VIEWS)?;
    Ok(())
}
