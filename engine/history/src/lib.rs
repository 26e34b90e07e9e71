//! Scan history in an embedded SQLite database: each recorded scan (time,
//! accounts, rule-pack fingerprint, snapshot hash) and its findings, so a
//! nightly job can say what is new, what was fixed and how old every open
//! finding is.
//!
//! The store knows nothing about Cedar or the report formats: callers give it
//! [`ScanRecord`]s and [`FindingRecord`]s.
//!
//! What it guarantees: a scan is recorded in one transaction (a process
//! killed while recording leaves no trace of that scan); two processes
//! recording at once both land (the second waits for the first, see
//! [`LOCK_WAIT`]); the schema is versioned and upgraded in place
//! ([`MIGRATIONS`]); a database written by a newer version, a file that is
//! not a SQLite database and a damaged one are errors naming the file; a new
//! database file is readable by its owner only.

mod prune;
mod schema;
mod sqlite;

pub use prune::Pruned;
pub use schema::{Migration, Step, MIGRATIONS, SCHEMA_VERSION};
pub use sqlite::LOCK_WAIT;

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::time::Duration;

use chrono::{DateTime, Utc};
use rusqlite::{params, Connection, OptionalExtension, TransactionBehavior};
use serde::Serialize;

/// Errors from the history store.
#[derive(Debug, thiserror::Error)]
pub enum HistoryError {
    /// SQLite failed.
    #[error("{path}: {error}")]
    Db {
        /// The database file.
        path: PathBuf,
        /// Underlying error (its message is part of this one).
        error: rusqlite::Error,
    },
    /// The file is not a SQLite database, or it is damaged.
    #[error("{path}: not a readable history database (not a SQLite file, or damaged): {error}")]
    Unreadable {
        /// The database file.
        path: PathBuf,
        /// Underlying error (its message is part of this one).
        error: rusqlite::Error,
    },
    /// A SQLite database of something else.
    #[error("{path}: not a Palisade history database: {why}")]
    NotHistory {
        /// The database file.
        path: PathBuf,
        /// What gave it away.
        why: String,
    },
    /// The database was written by a newer Palisade, with a schema this
    /// version does not know.
    #[error(
        "{path}: history database schema version {found} is newer than this palisade supports \
         (version {supported}); use a newer palisade, or another database file"
    )]
    TooNew {
        /// The database file.
        path: PathBuf,
        /// Its schema version.
        found: i64,
        /// The newest version this build knows.
        supported: i64,
    },
    /// Another process kept the database locked for longer than the lock
    /// wait.
    #[error("{path}: the database stayed locked by another process (a scan recording or a prune); gave up waiting: {error}")]
    Locked {
        /// The database file.
        path: PathBuf,
        /// Underlying error (its message is part of this one).
        error: rusqlite::Error,
    },
    /// A scan id that is not in the store.
    #[error("{path}: no scan with id {id}")]
    NoSuchScan {
        /// The database file.
        path: PathBuf,
        /// The id asked for.
        id: i64,
    },
    /// The directory or the file could not be created.
    #[error("{path}: {source}")]
    Io {
        /// The directory or file.
        path: PathBuf,
        /// Underlying error.
        source: std::io::Error,
    },
}

/// One recorded scan.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ScanRecord {
    /// Row id (assigned by the store).
    pub id: i64,
    /// The snapshot's scan time.
    pub scan_time: DateTime<Utc>,
    /// When the evaluation ran.
    pub evaluated_at: DateTime<Utc>,
    /// Accounts in the snapshot, comma-separated.
    pub accounts: String,
    /// Rule-pack fingerprint.
    pub rules_fingerprint: String,
    /// Palisade version.
    pub tool_version: String,
    /// SHA-256 of the snapshot file.
    pub snapshot_sha256: String,
    /// Open (unwaived) findings recorded.
    pub open_findings: i64,
}

/// One finding of a recorded scan.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize)]
pub struct FindingRecord {
    /// Stable finding id.
    pub finding_id: String,
    /// Rule id.
    pub rule_id: String,
    /// Resource id.
    pub resource_id: String,
    /// Account.
    pub account_id: String,
    /// Severity name.
    pub severity: String,
    /// Suppressed by a waiver in that scan.
    pub suppressed: bool,
}

/// Control outcomes of one compliance framework in a recorded scan, so the
/// pass rate can be followed over time.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct FrameworkRecord {
    /// Framework id, e.g. `cis-aws-6.0`.
    pub framework_id: String,
    /// Controls that passed.
    pub pass: i64,
    /// Controls that failed.
    pub fail: i64,
    /// Controls that could not be evaluated.
    pub not_evaluated: i64,
    /// Controls with no resource in scope.
    pub not_applicable: i64,
    /// Controls assessed by a person.
    pub manual: i64,
}

/// One framework's outcome in one scan, for trends.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct TrendRow {
    /// The scan.
    pub scan_id: i64,
    /// Its scan time.
    pub scan_time: DateTime<Utc>,
    /// The framework's control outcomes in it.
    pub framework: FrameworkRecord,
}

/// Differences between two scans.
#[derive(Debug, Clone, Default, Serialize)]
pub struct Diff {
    /// In the later scan only.
    pub new: Vec<FindingRecord>,
    /// In the earlier scan only.
    pub fixed: Vec<FindingRecord>,
    /// In both, with a different severity or waiver state (later values).
    pub changed: Vec<FindingRecord>,
    /// In both, unchanged (count).
    pub unchanged: usize,
}

/// An open finding with its age.
#[derive(Debug, Clone, Serialize)]
pub struct Aged {
    /// The finding (as in the latest scan).
    pub finding: FindingRecord,
    /// Scan time of the earliest recorded scan that had it.
    pub first_seen: DateTime<Utc>,
    /// Whole days from first seen to the latest scan.
    pub age_days: i64,
}

/// A recorded scan whose findings do not add up (see [`History::check`]).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct IncompleteScan {
    /// The scan.
    pub scan_id: i64,
    /// Findings the scan row says were recorded with it.
    pub expected: i64,
    /// Findings stored for it.
    pub found: i64,
}

/// The state of a database file, from [`History::check`].
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Check {
    /// SQLite's `integrity_check` answer (`["ok"]` when sound).
    pub integrity: Vec<String>,
    /// Scans whose stored findings differ from their recorded count.
    pub incomplete: Vec<IncompleteScan>,
    /// Finding and framework rows whose scan does not exist.
    pub orphans: i64,
    /// Scans recorded.
    pub scans: i64,
}

impl Check {
    /// True when SQLite finds no damage and every scan is whole.
    pub fn is_ok(&self) -> bool {
        self.integrity == ["ok"] && self.incomplete.is_empty() && self.orphans == 0
    }
}

/// The history database.
pub struct History {
    conn: Connection,
    path: PathBuf,
    lock_wait: Duration,
}

impl History {
    /// Opens the database at `path`, creating it (and its directory) if
    /// needed, readable by its owner only, and upgrading an older schema.
    pub fn open(path: &Path) -> Result<Self, HistoryError> {
        let io = |path: &Path| {
            let path = path.to_owned();
            move |source| HistoryError::Io { path, source }
        };
        if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
            std::fs::create_dir_all(dir).map_err(io(dir))?;
        }
        sqlite::create_private(path).map_err(io(path))?;
        let mut conn = Connection::open(path).map_err(|e| sqlite::error(path, e))?;
        sqlite::configure(&conn, path, LOCK_WAIT)?;
        schema::migrate(&mut conn, path, LOCK_WAIT)?;
        Ok(Self {
            conn,
            path: path.to_owned(),
            lock_wait: LOCK_WAIT,
        })
    }

    /// The database file.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// How long a write waits for another process's write before failing
    /// with [`HistoryError::Locked`] (default [`LOCK_WAIT`]).
    pub fn set_lock_wait(&mut self, wait: Duration) -> Result<(), HistoryError> {
        self.conn
            .busy_timeout(wait)
            .map_err(|e| sqlite::error(&self.path, e))?;
        self.lock_wait = wait;
        Ok(())
    }

    fn db(&self) -> impl Fn(rusqlite::Error) -> HistoryError + '_ {
        |source| sqlite::error(&self.path, source)
    }

    /// Records a scan, its findings and its per-framework control outcomes
    /// in one transaction; returns the scan id. The transaction takes the
    /// write lock first (`BEGIN IMMEDIATE`), so a concurrent writer waits
    /// rather than failing halfway; if the lock stays taken it is tried
    /// again as a whole, for up to the lock wait.
    pub fn record(
        &mut self,
        scan: &ScanRecord,
        findings: &[FindingRecord],
        frameworks: &[FrameworkRecord],
    ) -> Result<i64, HistoryError> {
        // A finding id given twice is stored once.
        let distinct = findings
            .iter()
            .map(|f| f.finding_id.as_str())
            .collect::<BTreeSet<_>>()
            .len();
        let count = i64::try_from(distinct).unwrap_or(i64::MAX);
        let conn = &mut self.conn;
        sqlite::retry(&self.path, self.lock_wait, || {
            record_once(conn, scan, count, findings, frameworks)
        })
    }

    /// Checks the database: SQLite's integrity check, and that every scan
    /// holds as many findings as were recorded with it and no row belongs
    /// to a scan that does not exist. Reads every page: seconds for a large
    /// database.
    pub fn check(&self) -> Result<Check, HistoryError> {
        let mut out = Check::default();
        {
            let mut stmt = self
                .conn
                .prepare("PRAGMA integrity_check")
                .map_err(self.db())?;
            let rows = stmt.query_map([], |r| r.get(0)).map_err(self.db())?;
            out.integrity = rows.collect::<Result<_, _>>().map_err(self.db())?;
        }
        let mut stmt = self
            .conn
            .prepare(
                "SELECT s.id, s.finding_count, (SELECT COUNT(*) FROM findings f WHERE f.scan_id = s.id)
                 FROM scans s ORDER BY s.id",
            )
            .map_err(self.db())?;
        let rows = stmt
            .query_map([], |r| {
                Ok(IncompleteScan {
                    scan_id: r.get(0)?,
                    expected: r.get(1)?,
                    found: r.get(2)?,
                })
            })
            .map_err(self.db())?;
        for row in rows {
            let row = row.map_err(self.db())?;
            out.scans += 1;
            if row.expected != row.found {
                out.incomplete.push(row);
            }
        }
        out.orphans = self
            .conn
            .query_row(
                "SELECT (SELECT COUNT(*) FROM findings WHERE scan_id NOT IN (SELECT id FROM scans))
                      + (SELECT COUNT(*) FROM framework_results WHERE scan_id NOT IN (SELECT id FROM scans))",
                [],
                |r| r.get(0),
            )
            .map_err(self.db())?;
        Ok(out)
    }

    /// All scans, oldest first.
    pub fn scans(&self) -> Result<Vec<ScanRecord>, HistoryError> {
        let mut stmt = self
            .conn
            .prepare(
                "SELECT s.id, s.scan_time, s.evaluated_at, s.accounts, s.rules_fingerprint, s.tool_version, s.snapshot_sha256,
                        (SELECT COUNT(*) FROM findings f WHERE f.scan_id = s.id AND f.suppressed = 0)
                 FROM scans s ORDER BY s.scan_time, s.id",
            )
            .map_err(self.db())?;
        let rows = stmt
            .query_map([], |r| {
                Ok(ScanRecord {
                    id: r.get(0)?,
                    scan_time: parse_time(&r.get::<_, String>(1)?),
                    evaluated_at: parse_time(&r.get::<_, String>(2)?),
                    accounts: r.get(3)?,
                    rules_fingerprint: r.get(4)?,
                    tool_version: r.get(5)?,
                    snapshot_sha256: r.get(6)?,
                    open_findings: r.get(7)?,
                })
            })
            .map_err(self.db())?;
        rows.collect::<Result<_, _>>().map_err(self.db())
    }

    fn scan(&self, id: i64) -> Result<ScanRecord, HistoryError> {
        self.scans()?
            .into_iter()
            .find(|s| s.id == id)
            .ok_or(HistoryError::NoSuchScan {
                path: self.path.clone(),
                id,
            })
    }

    /// The findings of scan `id`, by finding id.
    pub fn findings(&self, id: i64) -> Result<BTreeMap<String, FindingRecord>, HistoryError> {
        self.scan(id)?;
        let mut stmt = self
            .conn
            .prepare("SELECT finding_id, rule_id, resource_id, account_id, severity, suppressed FROM findings WHERE scan_id = ?1")
            .map_err(self.db())?;
        let rows = stmt
            .query_map([id], |r| {
                Ok(FindingRecord {
                    finding_id: r.get(0)?,
                    rule_id: r.get(1)?,
                    resource_id: r.get(2)?,
                    account_id: r.get(3)?,
                    severity: r.get(4)?,
                    suppressed: r.get(5)?,
                })
            })
            .map_err(self.db())?;
        let mut out = BTreeMap::new();
        for f in rows {
            let f = f.map_err(self.db())?;
            out.insert(f.finding_id.clone(), f);
        }
        Ok(out)
    }

    /// Every recorded framework outcome of the scans up to and including
    /// scan `upto` (by scan time), oldest scan first, then by framework id.
    /// Scans recorded before outcomes were kept have none.
    pub fn trend(&self, upto: i64) -> Result<Vec<TrendRow>, HistoryError> {
        let last = self.scan(upto)?;
        let mut stmt = self
            .conn
            .prepare(
                "SELECT s.id, s.scan_time, r.framework_id, r.pass, r.fail, r.not_evaluated, r.not_applicable, r.manual
                 FROM framework_results r JOIN scans s ON s.id = r.scan_id
                 ORDER BY s.scan_time, s.id, r.framework_id",
            )
            .map_err(self.db())?;
        let rows = stmt
            .query_map([], |r| {
                Ok(TrendRow {
                    scan_id: r.get(0)?,
                    scan_time: parse_time(&r.get::<_, String>(1)?),
                    framework: FrameworkRecord {
                        framework_id: r.get(2)?,
                        pass: r.get(3)?,
                        fail: r.get(4)?,
                        not_evaluated: r.get(5)?,
                        not_applicable: r.get(6)?,
                        manual: r.get(7)?,
                    },
                })
            })
            .map_err(self.db())?;
        let mut out = Vec::new();
        for row in rows {
            let row = row.map_err(self.db())?;
            if (row.scan_time, row.scan_id) <= (last.scan_time, last.id) {
                out.push(row);
            }
        }
        Ok(out)
    }

    /// The id of the latest scan (by scan time), if any.
    pub fn latest(&self) -> Result<Option<i64>, HistoryError> {
        self.conn
            .query_row(
                "SELECT id FROM scans ORDER BY scan_time DESC, id DESC LIMIT 1",
                [],
                |r| r.get(0),
            )
            .optional()
            .map_err(self.db())
    }

    /// The scan recorded just before `id` (by scan time), if any.
    pub fn previous(&self, id: i64) -> Result<Option<i64>, HistoryError> {
        let scans = self.scans()?;
        let pos = scans
            .iter()
            .position(|s| s.id == id)
            .ok_or(HistoryError::NoSuchScan {
                path: self.path.clone(),
                id,
            })?;
        Ok(pos.checked_sub(1).map(|p| scans[p].id))
    }

    /// What changed from scan `a` to scan `b`.
    pub fn diff(&self, a: i64, b: i64) -> Result<Diff, HistoryError> {
        let before = self.findings(a)?;
        let after = self.findings(b)?;
        let mut d = Diff::default();
        for (id, f) in &after {
            match before.get(id) {
                None => d.new.push(f.clone()),
                Some(old) if old.severity != f.severity || old.suppressed != f.suppressed => {
                    d.changed.push(f.clone())
                }
                Some(_) => d.unchanged += 1,
            }
        }
        d.fixed = before
            .iter()
            .filter(|(id, _)| !after.contains_key(*id))
            .map(|(_, f)| f.clone())
            .collect();
        Ok(d)
    }

    /// Open findings of scan `id` with first-seen time and age in days.
    pub fn aged(&self, id: i64) -> Result<Vec<Aged>, HistoryError> {
        let scan = self.scan(id)?;
        let findings = self.findings(id)?;
        let mut stmt = self
            .conn
            .prepare("SELECT MIN(s.scan_time) FROM findings f JOIN scans s ON s.id = f.scan_id WHERE f.finding_id = ?1 AND s.scan_time <= ?2")
            .map_err(self.db())?;
        let mut out = Vec::new();
        for f in findings.into_values().filter(|f| !f.suppressed) {
            let first: Option<String> = stmt
                .query_row(params![f.finding_id, scan.scan_time.to_rfc3339()], |r| {
                    r.get(0)
                })
                .map_err(self.db())?;
            let first_seen = first.map_or(scan.scan_time, |t| parse_time(&t));
            out.push(Aged {
                age_days: (scan.scan_time - first_seen).num_days(),
                first_seen,
                finding: f,
            });
        }
        out.sort_by(|a, b| {
            b.age_days
                .cmp(&a.age_days)
                .then_with(|| a.finding.cmp(&b.finding))
        });
        Ok(out)
    }
}

/// One attempt at [`History::record`]; rolled back when it fails.
fn record_once(
    conn: &mut Connection,
    scan: &ScanRecord,
    finding_count: i64,
    findings: &[FindingRecord],
    frameworks: &[FrameworkRecord],
) -> rusqlite::Result<i64> {
    let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
    tx.execute(
        "INSERT INTO scans (scan_time, evaluated_at, accounts, rules_fingerprint, tool_version, snapshot_sha256, finding_count) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
        params![
            scan.scan_time.to_rfc3339(),
            scan.evaluated_at.to_rfc3339(),
            scan.accounts,
            scan.rules_fingerprint,
            scan.tool_version,
            scan.snapshot_sha256,
            finding_count
        ],
    )?;
    let id = tx.last_insert_rowid();
    {
        let mut stmt = tx.prepare("INSERT OR REPLACE INTO findings (scan_id, finding_id, rule_id, resource_id, account_id, severity, suppressed) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)")?;
        for f in findings {
            stmt.execute(params![
                id,
                f.finding_id,
                f.rule_id,
                f.resource_id,
                f.account_id,
                f.severity,
                f.suppressed
            ])?;
        }
        let mut stmt = tx.prepare("INSERT OR REPLACE INTO framework_results (scan_id, framework_id, pass, fail, not_evaluated, not_applicable, manual) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)")?;
        for f in frameworks {
            stmt.execute(params![
                id,
                f.framework_id,
                f.pass,
                f.fail,
                f.not_evaluated,
                f.not_applicable,
                f.manual
            ])?;
        }
    }
    tx.commit()?;
    Ok(id)
}

/// A stored time; one this version cannot read (a database edited by
/// hand) counts as the epoch rather than failing every query.
fn parse_time(s: &str) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(s)
        .map(|t| t.with_timezone(&Utc))
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn scan(day: u32) -> ScanRecord {
        let t = Utc
            .with_ymd_and_hms(2026, 11, day, 2, 0, 0)
            .single()
            .expect("time");
        ScanRecord {
            id: 0,
            scan_time: t,
            evaluated_at: t,
            accounts: "111111111111".into(),
            rules_fingerprint: "f".into(),
            tool_version: "0.1.0".into(),
            snapshot_sha256: format!("sha{day}"),
            open_findings: 0,
        }
    }

    fn finding(id: &str, sev: &str) -> FindingRecord {
        FindingRecord {
            finding_id: id.into(),
            rule_id: "r".into(),
            resource_id: format!("arn:{id}"),
            account_id: "111111111111".into(),
            severity: sev.into(),
            suppressed: false,
        }
    }

    #[test]
    fn records_diffs_and_ages() {
        let dir = tempfile::tempdir().expect("tmp");
        let path = dir.path().join("h/history.sqlite");
        let mut h = History::open(&path).expect("open");
        let a = h
            .record(&scan(1), &[finding("x", "high"), finding("y", "low")], &[])
            .expect("a");
        let b = h
            .record(
                &scan(4),
                &[
                    finding("x", "high"),
                    finding("z", "medium"),
                    finding("y", "high"),
                ],
                &[],
            )
            .expect("b");
        drop(h);
        // Reopen: the data survived.
        let h = History::open(&path).expect("reopen");
        let scans = h.scans().expect("scans");
        assert_eq!(scans.len(), 2);
        assert_eq!(scans[1].open_findings, 3);
        assert_eq!(h.latest().expect("latest"), Some(b));
        assert_eq!(h.previous(b).expect("prev"), Some(a));
        let d = h.diff(a, b).expect("diff");
        assert_eq!(
            d.new
                .iter()
                .map(|f| f.finding_id.as_str())
                .collect::<Vec<_>>(),
            vec!["z"]
        );
        assert_eq!(
            d.changed
                .iter()
                .map(|f| f.finding_id.as_str())
                .collect::<Vec<_>>(),
            vec!["y"]
        );
        assert_eq!(d.unchanged, 1);
        assert!(d.fixed.is_empty());
        let back = h.diff(b, a).expect("diff back");
        assert_eq!(back.fixed.len(), 1);
        let aged = h.aged(b).expect("aged");
        let x = aged
            .iter()
            .find(|f| f.finding.finding_id == "x")
            .expect("x");
        assert_eq!(x.age_days, 3);
        let z = aged
            .iter()
            .find(|f| f.finding.finding_id == "z")
            .expect("z");
        assert_eq!(z.age_days, 0);
        assert!(matches!(
            h.diff(a, 99),
            Err(HistoryError::NoSuchScan { id: 99, .. })
        ));
    }

    fn fw(id: &str, pass: i64, fail: i64) -> FrameworkRecord {
        FrameworkRecord {
            framework_id: id.into(),
            pass,
            fail,
            not_evaluated: 1,
            not_applicable: 2,
            manual: 3,
        }
    }

    #[test]
    fn framework_outcomes_come_back_in_scan_order_up_to_the_scan_asked() {
        let dir = tempfile::tempdir().expect("tmp");
        let path = dir.path().join("history.sqlite");
        let mut h = History::open(&path).expect("open");
        // Recorded out of time order: the trend follows scan time.
        let late = h
            .record(&scan(9), &[], &[fw("cis", 8, 1), fw("fsbp", 5, 5)])
            .expect("late");
        let early = h.record(&scan(2), &[], &[fw("cis", 4, 5)]).expect("early");
        let mid = h.record(&scan(5), &[], &[]).expect("mid: no outcomes");
        drop(h);
        let h = History::open(&path).expect("reopen");
        let all = h.trend(late).expect("trend");
        let got: Vec<_> = all
            .iter()
            .map(|r| {
                (
                    r.scan_id,
                    r.framework.framework_id.as_str(),
                    r.framework.pass,
                )
            })
            .collect();
        assert_eq!(
            got,
            [(early, "cis", 4), (late, "cis", 8), (late, "fsbp", 5)]
        );
        assert_eq!(all[0].framework, fw("cis", 4, 5));
        // Up to the middle scan: only the early one had outcomes.
        assert_eq!(h.trend(mid).expect("mid").len(), 1);
        assert!(matches!(
            h.trend(99),
            Err(HistoryError::NoSuchScan { id: 99, .. })
        ));
    }

    #[test]
    fn a_version_1_database_gains_the_outcomes_table_and_keeps_its_scans() {
        let dir = tempfile::tempdir().expect("tmp");
        let path = dir.path().join("v1.sqlite");
        {
            let c = Connection::open(&path).expect("create");
            let Step::Sql(v1) = MIGRATIONS[0].step else {
                panic!("version 1 is SQL")
            };
            c.execute_batch(v1).expect("v1 schema");
            c.pragma_update(None, "user_version", 1).expect("v1");
            c.execute(
                "INSERT INTO scans (scan_time, evaluated_at, accounts, rules_fingerprint, tool_version, snapshot_sha256) VALUES ('2026-11-01T02:00:00+00:00', '2026-11-01T02:00:00+00:00', '1', 'f', '0.1.0', 's')",
                [],
            )
            .expect("old scan");
        }
        let mut h = History::open(&path).expect("upgrade");
        let old = h.latest().expect("latest").expect("old scan kept");
        let new = h.record(&scan(3), &[], &[fw("cis", 1, 0)]).expect("record");
        let t = h.trend(new).expect("trend");
        assert_eq!(t.len(), 1);
        assert_eq!(t[0].scan_id, new);
        assert!(h.trend(old).expect("old trend").is_empty());
    }
}
