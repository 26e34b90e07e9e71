//! A `palisade scan --record` killed with SIGKILL while it records leaves
//! the history database readable, every recorded scan whole, and the killed
//! scan absent or complete, never half there; the next record works.
//!
//! The process records a scan of 20,000 findings, a transaction larger than
//! SQLite's page cache, so pages spill into the write-ahead log before the
//! commit. It is killed at points measured from when it opens the database
//! (its `-wal` file appears; nothing else touches the database during
//! evaluation): after the WAL has grown past a number of bytes (so the
//! transaction is under way), and after fixed delays.

#![allow(clippy::expect_used, clippy::unwrap_used)]
#![cfg(unix)]

mod history_support;

use std::os::unix::process::ExitStatusExt as _;
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use chrono::{TimeZone as _, Utc};
use history_support::{findings_written, record, snapshot};
use palisade_history::{FindingRecord, History, ScanRecord};

/// When to kill, counted from the moment the process opened the database.
#[derive(Debug, Clone, Copy)]
enum KillAt {
    /// Once the WAL holds at least this many bytes.
    WalBytes(u64),
    /// This long after the open.
    After(Duration),
}

fn wal_len(wal: &Path) -> Option<u64> {
    std::fs::metadata(wal).ok().map(|m| m.len())
}

/// Waits for the child to open the database, then for `at`; returns the
/// WAL's size just before the kill, or None when the child exited first.
fn wait_for(child: &mut Child, wal: &Path, at: KillAt) -> Option<u64> {
    let deadline = Instant::now() + Duration::from_secs(600);
    let opened = loop {
        if wal_len(wal).is_some() {
            break Instant::now();
        }
        if child.try_wait().expect("try_wait").is_some() {
            return None;
        }
        assert!(
            Instant::now() < deadline,
            "the scan never opened the database"
        );
        std::thread::sleep(Duration::from_micros(200));
    };
    loop {
        if child.try_wait().expect("try_wait").is_some() {
            return None;
        }
        let len = wal_len(wal).unwrap_or(0);
        let due = match at {
            KillAt::WalBytes(n) => len >= n,
            KillAt::After(d) => opened.elapsed() >= d,
        };
        if due {
            return Some(len);
        }
        assert!(Instant::now() < deadline, "never reached {at:?}");
        std::thread::sleep(Duration::from_micros(100));
    }
}

fn kill9(child: &Child) {
    let status = Command::new("kill")
        .args(["-9", &child.id().to_string()])
        .status()
        .expect("run kill");
    assert!(status.success(), "kill -9 failed");
}

/// The database is sound and every scan in it whole.
fn assert_sound(db: &Path, what: &str) -> History {
    let h = History::open(db).unwrap_or_else(|e| panic!("{what}: open: {e}"));
    let check = h.check().unwrap_or_else(|e| panic!("{what}: check: {e}"));
    assert!(check.is_ok(), "{what}: {check:?}");
    h
}

#[test]
fn a_scan_killed_while_recording_leaves_the_database_sound_and_is_absent_or_whole() {
    let dir = tempfile::tempdir().expect("tmp");
    let db = dir.path().join("history.sqlite");
    let wal = dir.path().join("history.sqlite-wal");
    let snap = snapshot(dir.path(), "big.json", "111111111111", 20_000);
    let out = dir.path().join("out.sarif");

    // A scan recorded to the end: the reference count, and a database that
    // already holds a scan.
    let first = record(&snap, &db, &out).output().expect("run");
    assert!(
        matches!(first.status.code(), Some(1 | 3)),
        "{}",
        String::from_utf8_lossy(&first.stderr)
    );
    let full = findings_written(&first.stderr);
    assert!(full >= 20_000);
    drop(assert_sound(&db, "first scan"));
    assert!(wal_len(&wal).is_none(), "a clean close removes the WAL");

    let points = [
        KillAt::WalBytes(1),
        KillAt::WalBytes(256 << 10),
        KillAt::WalBytes(1 << 20),
        KillAt::WalBytes(2 << 20),
        KillAt::WalBytes(4 << 20),
        KillAt::After(Duration::ZERO),
        KillAt::After(Duration::from_millis(5)),
        KillAt::After(Duration::from_millis(30)),
        KillAt::After(Duration::from_millis(120)),
        KillAt::After(Duration::from_millis(500)),
        // Likely after the commit, while the report is written.
        KillAt::After(Duration::from_millis(2500)),
    ];
    let mut scans = 1;
    let (mut mid_transaction, mut after_commit) = (0, 0);
    for (round, at) in points.into_iter().enumerate() {
        let mut child = record(&snap, &db, &out)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("spawn");
        let wal_at_kill = wait_for(&mut child, &wal, at);
        if wal_at_kill.is_some() {
            kill9(&child);
        }
        let status = child.wait().expect("wait");
        let killed = status.signal() == Some(9);
        assert!(
            killed || matches!(status.code(), Some(1 | 3)),
            "round {round}: {status:?}"
        );

        let what = format!("round {round} ({at:?}, killed: {killed})");
        let mut h = assert_sound(&db, &what);
        let now = h.scans().expect("scans");
        // Absent, or there with every finding (check() compared the count
        // recorded with the rows stored).
        assert!(
            now.len() == scans || now.len() == scans + 1,
            "{what}: {} scans",
            now.len()
        );
        if now.len() == scans + 1 {
            after_commit += usize::from(killed);
            // The killed scan is the one recorded last (the highest id).
            let last = now.iter().map(|s| s.id).max().expect("scan");
            assert_eq!(
                i64::try_from(h.findings(last).expect("findings").len()).expect("n"),
                full,
                "{what}"
            );
        } else {
            assert!(killed, "{what}: a scan that ran to the end is recorded");
            if wal_at_kill.unwrap_or(0) > 0 {
                // Pages of the transaction were in the WAL: killed mid-write.
                mid_transaction += 1;
            }
        }
        // The next record works.
        let t = Utc
            .with_ymd_and_hms(2026, 11, 2, 0, 0, 0)
            .single()
            .expect("time");
        let after = h
            .record(
                &ScanRecord {
                    id: 0,
                    scan_time: t,
                    evaluated_at: t,
                    accounts: "111111111111".into(),
                    rules_fingerprint: "f".into(),
                    tool_version: "test".into(),
                    snapshot_sha256: format!("after-round-{round}"),
                    open_findings: 0,
                },
                &[FindingRecord {
                    finding_id: format!("after-{round}"),
                    rule_id: "r".into(),
                    resource_id: "arn:x".into(),
                    account_id: "111111111111".into(),
                    severity: "low".into(),
                    suppressed: false,
                }],
                &[],
            )
            .unwrap_or_else(|e| panic!("{what}: record after the kill: {e}"));
        assert_eq!(h.findings(after).expect("findings").len(), 1);
        scans = h.scans().expect("scans").len();
        drop(h);
        eprintln!("{what}: WAL at kill {wal_at_kill:?}, {scans} scans now");
    }
    eprintln!("killed mid-transaction: {mid_transaction}, after the commit: {after_commit}");
    assert!(
        mid_transaction > 0,
        "no kill landed while the scan's pages were being written"
    );
}
