//! Pruning: deleting the scans recorded before a cut-off time, with their
//! findings and framework outcomes, in one transaction. The newest scan is
//! always kept, however old, so `diff`, the nightly summary and the HTML
//! report's "new since the previous scan" keep a baseline.

use chrono::{DateTime, Utc};
use rusqlite::{params, TransactionBehavior};
use serde::Serialize;

use crate::sqlite::{error, retry};
use crate::{History, HistoryError};

/// What [`History::prune`] removed (or would remove, in a dry run).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Pruned {
    /// Scans removed.
    pub scans: usize,
    /// Findings removed with them.
    pub findings: usize,
    /// Scans left.
    pub kept: usize,
    /// The newest scan, when it is older than the cut-off: kept anyway as
    /// the baseline of the next diff.
    pub kept_newest: Option<i64>,
}

impl History {
    /// Removes every scan whose scan time is before `before`, except the
    /// newest scan, together with its findings and framework outcomes, in
    /// one transaction. With `dry_run` nothing is changed and the answer
    /// says what would be removed.
    pub fn prune(&mut self, before: DateTime<Utc>, dry_run: bool) -> Result<Pruned, HistoryError> {
        let path = self.path.clone();
        let conn = &mut self.conn;
        retry(&path, self.lock_wait, || {
            let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
            let mut scans: Vec<(i64, DateTime<Utc>)> = {
                let mut stmt = tx.prepare("SELECT id, scan_time FROM scans")?;
                let rows = stmt.query_map([], |r| {
                    Ok((r.get(0)?, crate::parse_time(&r.get::<_, String>(1)?)))
                })?;
                rows.collect::<Result<_, _>>()?
            };
            // Newest last, as `latest` orders them.
            scans.sort_by_key(|&(id, t)| (t, id));
            let newest = scans.pop();
            let mut out = Pruned {
                kept_newest: newest.filter(|&(_, t)| t < before).map(|(id, _)| id),
                ..Pruned::default()
            };
            let old: Vec<i64> = scans
                .iter()
                .filter(|&&(_, t)| t < before)
                .map(|&(id, _)| id)
                .collect();
            out.scans = old.len();
            out.kept = scans.len() - old.len() + usize::from(newest.is_some());
            {
                let mut count = tx.prepare("SELECT COUNT(*) FROM findings WHERE scan_id = ?1")?;
                let mut findings = tx.prepare("DELETE FROM findings WHERE scan_id = ?1")?;
                let mut frameworks =
                    tx.prepare("DELETE FROM framework_results WHERE scan_id = ?1")?;
                let mut scan = tx.prepare("DELETE FROM scans WHERE id = ?1")?;
                for id in &old {
                    let n: i64 = count.query_row(params![id], |r| r.get(0))?;
                    out.findings += usize::try_from(n).unwrap_or(0);
                    if !dry_run {
                        findings.execute(params![id])?;
                        frameworks.execute(params![id])?;
                        scan.execute(params![id])?;
                    }
                }
            }
            if !dry_run {
                tx.commit()?;
            }
            Ok(out)
        })
    }

    /// Rebuilds the database file so the space of pruned scans goes back to
    /// the file system (SQLite otherwise reuses it for later scans); returns
    /// the file's size before and after, in bytes.
    pub fn vacuum(&mut self) -> Result<(u64, u64), HistoryError> {
        let size = |h: &Self| -> Result<u64, HistoryError> {
            let pages: i64 = h
                .conn
                .pragma_query_value(None, "page_count", |r| r.get(0))
                .map_err(|e| error(&h.path, e))?;
            let page: i64 = h
                .conn
                .pragma_query_value(None, "page_size", |r| r.get(0))
                .map_err(|e| error(&h.path, e))?;
            Ok(u64::try_from(pages.saturating_mul(page)).unwrap_or(0))
        };
        let before = size(self)?;
        retry(&self.path, self.lock_wait, || {
            self.conn
                .execute_batch("VACUUM; PRAGMA wal_checkpoint(TRUNCATE);")
        })?;
        Ok((before, size(self)?))
    }
}
