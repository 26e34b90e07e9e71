//! The schema and its versions. The version is SQLite's `user_version`;
//! [`MIGRATIONS`] lists the steps from each version to the next, and
//! opening a database runs the missing ones, each in its own transaction
//! together with the new version number, so an interrupted upgrade leaves
//! the database at the version before that step. A database of a newer
//! version than this build knows is refused, never written.
//!
//! Versions: 1 (scans and findings, the first release), 2 (per-framework
//! control outcomes), 3 (each scan's finding count, so a scan can be checked
//! complete, and an index by scan time for pruning).

use std::path::Path;
use std::time::Duration;

use rusqlite::{Connection, Transaction, TransactionBehavior};

use crate::sqlite::retry;
use crate::HistoryError;

/// One step of the schema, from the version before it to [`Migration::to`].
pub struct Migration {
    /// The version the step upgrades to.
    pub to: i64,
    /// What the step adds, for people.
    pub what: &'static str,
    /// The change itself.
    pub step: Step,
}

/// How a migration changes the database.
pub enum Step {
    /// SQL statements.
    Sql(&'static str),
    /// Code, for changes SQL alone cannot make safely.
    Code(fn(&Transaction<'_>) -> rusqlite::Result<()>),
}

/// Every schema step, oldest first; the last one's version is the version
/// this build writes ([`SCHEMA_VERSION`]).
pub const MIGRATIONS: &[Migration] = &[
    Migration {
        to: 1,
        what: "scans and their findings",
        step: Step::Sql(
            "CREATE TABLE IF NOT EXISTS scans (
                id INTEGER PRIMARY KEY AUTOINCREMENT,
                scan_time TEXT NOT NULL,
                evaluated_at TEXT NOT NULL,
                accounts TEXT NOT NULL,
                rules_fingerprint TEXT NOT NULL,
                tool_version TEXT NOT NULL,
                snapshot_sha256 TEXT NOT NULL
            );
            CREATE TABLE IF NOT EXISTS findings (
                scan_id INTEGER NOT NULL REFERENCES scans(id) ON DELETE CASCADE,
                finding_id TEXT NOT NULL,
                rule_id TEXT NOT NULL,
                resource_id TEXT NOT NULL,
                account_id TEXT NOT NULL,
                severity TEXT NOT NULL,
                suppressed INTEGER NOT NULL,
                PRIMARY KEY (scan_id, finding_id)
            );
            CREATE INDEX IF NOT EXISTS findings_by_id ON findings(finding_id, scan_id);",
        ),
    },
    Migration {
        to: 2,
        what: "per-framework control outcomes of each scan",
        step: Step::Sql(
            "CREATE TABLE IF NOT EXISTS framework_results (
                scan_id INTEGER NOT NULL REFERENCES scans(id) ON DELETE CASCADE,
                framework_id TEXT NOT NULL,
                pass INTEGER NOT NULL,
                fail INTEGER NOT NULL,
                not_evaluated INTEGER NOT NULL,
                not_applicable INTEGER NOT NULL,
                manual INTEGER NOT NULL,
                PRIMARY KEY (scan_id, framework_id)
            );",
        ),
    },
    Migration {
        to: 3,
        what: "each scan's finding count (completeness check) and an index by scan time",
        step: Step::Code(add_finding_count),
    },
];

/// The schema version this build reads and writes: the last step's.
pub const SCHEMA_VERSION: i64 = MIGRATIONS[MIGRATIONS.len() - 1].to;

/// Version 3: `scans.finding_count`, filled in from the findings already
/// recorded. Code rather than SQL because a palisade of version 2 writing
/// to a version 3 database resets `user_version` to 2 (it did not check):
/// the column may then exist already, and the counts of the scans it
/// recorded (0 by default) are filled in again.
fn add_finding_count(tx: &Transaction<'_>) -> rusqlite::Result<()> {
    let exists: bool = tx.query_row(
        "SELECT COUNT(*) > 0 FROM pragma_table_info('scans') WHERE name = 'finding_count'",
        [],
        |r| r.get(0),
    )?;
    if !exists {
        tx.execute_batch("ALTER TABLE scans ADD COLUMN finding_count INTEGER NOT NULL DEFAULT 0;")?;
    }
    tx.execute_batch(
        "UPDATE scans SET finding_count = (SELECT COUNT(*) FROM findings f WHERE f.scan_id = scans.id);
         CREATE INDEX IF NOT EXISTS scans_by_time ON scans(scan_time, id);",
    )
}

fn version(conn: &Connection) -> rusqlite::Result<i64> {
    conn.pragma_query_value(None, "user_version", |r| r.get(0))
}

/// What one pass of [`migrate`] found or did under the write lock.
enum Pass {
    /// A step was applied and committed.
    Applied,
    /// No step applies: the database is at this version.
    At(i64),
    /// A database without a schema version that has tables of its own.
    Foreign(Vec<String>),
}

/// Brings the database at `path` to [`SCHEMA_VERSION`]: nothing to do for
/// a current one (no write lock taken), the missing steps for an older one,
/// an error for a newer one or for a SQLite file of something else.
pub(crate) fn migrate(
    conn: &mut Connection,
    path: &Path,
    wait: Duration,
) -> Result<(), HistoryError> {
    let found = retry(path, wait, || version(conn))?;
    if found == SCHEMA_VERSION {
        return Ok(());
    }
    check(path, found)?;
    // Another process may be upgrading the same file: each pass reads the
    // version again under the write lock.
    loop {
        let pass = retry(path, wait, || {
            let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
            let at = version(&tx)?;
            let Some(m) = MIGRATIONS.iter().find(|m| m.to == at + 1) else {
                return Ok(Pass::At(at));
            };
            if at == 0 {
                let tables = foreign_tables(&tx)?;
                if !tables.is_empty() {
                    return Ok(Pass::Foreign(tables));
                }
            }
            match m.step {
                Step::Sql(sql) => tx.execute_batch(sql)?,
                Step::Code(f) => f(&tx)?,
            }
            tx.pragma_update(None, "user_version", m.to)?;
            tx.commit()?;
            Ok(Pass::Applied)
        })?;
        match pass {
            Pass::Applied => {}
            Pass::At(at) if at == SCHEMA_VERSION => return Ok(()),
            Pass::At(at) => return check(path, at),
            Pass::Foreign(tables) => {
                return Err(HistoryError::NotHistory {
                    path: path.to_owned(),
                    why: format!(
                        "it holds tables ({}) and no Palisade schema version",
                        tables.join(", ")
                    ),
                })
            }
        }
    }
}

/// Refuses a version this build cannot upgrade from: newer than it, or
/// not one Palisade ever wrote.
fn check(path: &Path, found: i64) -> Result<(), HistoryError> {
    if found > SCHEMA_VERSION {
        return Err(HistoryError::TooNew {
            path: path.to_owned(),
            found,
            supported: SCHEMA_VERSION,
        });
    }
    if found < 0 {
        return Err(HistoryError::NotHistory {
            path: path.to_owned(),
            why: format!("its schema version is {found}"),
        });
    }
    Ok(())
}

/// The tables of a database without a schema version: none for a new
/// (empty) database; any means the file belongs to something else.
fn foreign_tables(conn: &Connection) -> rusqlite::Result<Vec<String>> {
    let mut stmt = conn.prepare(
        "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name",
    )?;
    let names = stmt.query_map([], |r| r.get(0))?;
    names.collect()
}
