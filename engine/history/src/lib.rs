//! Scan history in an embedded SQLite database: each recorded scan (time,
//! accounts, rule-pack fingerprint, snapshot hash) and its findings, so a
//! nightly job can say what is new, what was fixed and how old every open
//! finding is.
//!
//! The store knows nothing about Cedar or the report formats: callers give it
//! [`ScanRecord`]s and [`FindingRecord`]s.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use chrono::{DateTime, Utc};
use rusqlite::{params, Connection, OptionalExtension};
use serde::Serialize;

/// Errors from the history store.
#[derive(Debug, thiserror::Error)]
pub enum HistoryError {
    /// SQLite failed (unreadable, corrupt or locked database).
    #[error("{path}: {source}")]
    Db {
        /// The database file.
        path: PathBuf,
        /// Underlying error.
        source: rusqlite::Error,
    },
    /// A scan id that is not in the store.
    #[error("{path}: no scan with id {id}")]
    NoSuchScan {
        /// The database file.
        path: PathBuf,
        /// The id asked for.
        id: i64,
    },
    /// The directory could not be created.
    #[error("{path}: {source}")]
    Io {
        /// The directory.
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

/// The history database.
pub struct History {
    conn: Connection,
    path: PathBuf,
}

const SCHEMA: &str = "
CREATE TABLE IF NOT EXISTS scans (
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
CREATE INDEX IF NOT EXISTS findings_by_id ON findings(finding_id, scan_id);
CREATE TABLE IF NOT EXISTS framework_results (
    scan_id INTEGER NOT NULL REFERENCES scans(id) ON DELETE CASCADE,
    framework_id TEXT NOT NULL,
    pass INTEGER NOT NULL,
    fail INTEGER NOT NULL,
    not_evaluated INTEGER NOT NULL,
    not_applicable INTEGER NOT NULL,
    manual INTEGER NOT NULL,
    PRIMARY KEY (scan_id, framework_id)
);
PRAGMA user_version = 2;
";

impl History {
    /// Opens (creating if needed) the database at `path`.
    pub fn open(path: &Path) -> Result<Self, HistoryError> {
        if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
            std::fs::create_dir_all(dir).map_err(|source| HistoryError::Io {
                path: dir.to_owned(),
                source,
            })?;
        }
        let db = |source| HistoryError::Db {
            path: path.to_owned(),
            source,
        };
        let conn = Connection::open(path).map_err(db)?;
        conn.execute_batch("PRAGMA journal_mode = WAL; PRAGMA foreign_keys = ON;")
            .map_err(db)?;
        conn.execute_batch(SCHEMA).map_err(db)?;
        Ok(Self {
            conn,
            path: path.to_owned(),
        })
    }

    fn db(&self) -> impl Fn(rusqlite::Error) -> HistoryError + '_ {
        |source| HistoryError::Db {
            path: self.path.clone(),
            source,
        }
    }

    /// Records a scan, its findings and its per-framework control outcomes
    /// in one transaction; returns the scan id.
    pub fn record(
        &mut self,
        scan: &ScanRecord,
        findings: &[FindingRecord],
        frameworks: &[FrameworkRecord],
    ) -> Result<i64, HistoryError> {
        let path = self.path.clone();
        let db = |source| HistoryError::Db {
            path: path.clone(),
            source,
        };
        let tx = self.conn.transaction().map_err(db)?;
        tx.execute(
            "INSERT INTO scans (scan_time, evaluated_at, accounts, rules_fingerprint, tool_version, snapshot_sha256) VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
            params![
                scan.scan_time.to_rfc3339(),
                scan.evaluated_at.to_rfc3339(),
                scan.accounts,
                scan.rules_fingerprint,
                scan.tool_version,
                scan.snapshot_sha256
            ],
        )
        .map_err(db)?;
        let id = tx.last_insert_rowid();
        {
            let mut stmt = tx
                .prepare("INSERT OR REPLACE INTO findings (scan_id, finding_id, rule_id, resource_id, account_id, severity, suppressed) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)")
                .map_err(db)?;
            for f in findings {
                stmt.execute(params![
                    id,
                    f.finding_id,
                    f.rule_id,
                    f.resource_id,
                    f.account_id,
                    f.severity,
                    f.suppressed
                ])
                .map_err(db)?;
            }
            let mut stmt = tx
                .prepare("INSERT OR REPLACE INTO framework_results (scan_id, framework_id, pass, fail, not_evaluated, not_applicable, manual) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)")
                .map_err(db)?;
            for f in frameworks {
                stmt.execute(params![
                    id,
                    f.framework_id,
                    f.pass,
                    f.fail,
                    f.not_evaluated,
                    f.not_applicable,
                    f.manual
                ])
                .map_err(db)?;
            }
        }
        tx.commit().map_err(db)?;
        Ok(id)
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
            let v1 = SCHEMA
                .split("CREATE TABLE IF NOT EXISTS framework_results")
                .next()
                .expect("v1 part");
            c.execute_batch(v1).expect("v1 schema");
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
