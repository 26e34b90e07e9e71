//! Several writers on one database file: threads of one process, each
//! with its own connection, as separate `palisade scan --record` processes
//! would have (the process-level test is engine/cli/tests/history_concurrent.rs).

#![allow(clippy::expect_used, clippy::unwrap_used)]

mod common;

use std::sync::{Arc, Barrier};
use std::time::Duration;

use chrono::{TimeZone as _, Utc};
use common::{findings, framework, scan};
use palisade_history::{History, HistoryError};
use rusqlite::{Connection, TransactionBehavior};

#[test]
fn writers_starting_together_on_a_new_file_all_land_with_their_findings() {
    let dir = tempfile::tempdir().expect("tmp");
    let path = dir.path().join("nested/history.sqlite");
    const THREADS: usize = 4;
    const SCANS: usize = 5;
    const FINDINGS: usize = 1500;
    let start = Arc::new(Barrier::new(THREADS));
    let workers: Vec<_> = (0..THREADS)
        .map(|t| {
            let (path, start) = (path.clone(), Arc::clone(&start));
            std::thread::spawn(move || -> Result<Vec<i64>, HistoryError> {
                start.wait();
                // The file does not exist yet: every thread creates it,
                // switches it to WAL and runs the migrations at once.
                let mut h = History::open(&path)?;
                let mut ids = Vec::new();
                for s in 0..SCANS {
                    let tag = format!("t{t}s{s}");
                    let time = Utc
                        .with_ymd_and_hms(2026, 11, 1, 0, 0, 0)
                        .single()
                        .expect("time")
                        + chrono::Duration::minutes(i64::try_from(t * SCANS + s).expect("small"));
                    ids.push(h.record(
                        &scan(time, &tag),
                        &findings(&tag, FINDINGS + t),
                        &[framework(i64::try_from(s).expect("small"))],
                    )?);
                }
                Ok(ids)
            })
        })
        .collect();
    let mut ids = Vec::new();
    for w in workers {
        ids.extend(w.join().expect("thread").expect("every record lands"));
    }
    ids.sort_unstable();
    ids.dedup();
    assert_eq!(ids.len(), THREADS * SCANS);
    let h = History::open(&path).expect("open");
    let scans = h.scans().expect("scans");
    assert_eq!(scans.len(), THREADS * SCANS);
    for s in &scans {
        // Each scan holds exactly its own findings.
        let t: usize = s.snapshot_sha256[1..2].parse().expect("thread tag");
        let mine = h.findings(s.id).expect("findings");
        assert_eq!(mine.len(), FINDINGS + t, "scan {}", s.snapshot_sha256);
        assert!(mine.keys().all(|k| k.starts_with(&s.snapshot_sha256)));
    }
    let check = h.check().expect("check");
    assert!(check.is_ok(), "{check:?}");
}

#[test]
fn a_writer_waits_for_a_long_write_by_another_connection_then_lands() {
    let dir = tempfile::tempdir().expect("tmp");
    let path = dir.path().join("h.sqlite");
    History::open(&path).expect("create");
    let (locked, release) = (Arc::new(Barrier::new(2)), Arc::new(Barrier::new(2)));
    let holder = {
        let (path, locked, release) = (path.clone(), Arc::clone(&locked), Arc::clone(&release));
        std::thread::spawn(move || {
            let mut c = Connection::open(&path).expect("open");
            let tx = c
                .transaction_with_behavior(TransactionBehavior::Immediate)
                .expect("write lock");
            locked.wait();
            release.wait();
            // Hold the lock past rusqlite's default busy timeout (5 s), as
            // the recording of a very large scan does: the other writer
            // must wait, not fail with "database is locked".
            std::thread::sleep(Duration::from_secs(6));
            tx.commit().expect("commit");
        })
    };
    locked.wait();
    let mut h = History::open(&path).expect("open while another writes");
    release.wait();
    let t = Utc
        .with_ymd_and_hms(2026, 11, 2, 0, 0, 0)
        .single()
        .expect("time");
    let id = h
        .record(&scan(t, "waited"), &findings("w", 10), &[])
        .expect("recorded once the other write ended");
    holder.join().expect("holder");
    assert_eq!(h.findings(id).expect("findings").len(), 10);
}

#[test]
fn a_writer_blocked_past_its_lock_wait_fails_naming_the_file_and_records_nothing() {
    let dir = tempfile::tempdir().expect("tmp");
    let path = dir.path().join("h.sqlite");
    let mut h = History::open(&path).expect("create");
    h.set_lock_wait(Duration::from_millis(200)).expect("wait");
    let t = Utc
        .with_ymd_and_hms(2026, 11, 2, 0, 0, 0)
        .single()
        .expect("time");
    let mut other = Connection::open(&path).expect("other");
    let tx = other
        .transaction_with_behavior(TransactionBehavior::Immediate)
        .expect("write lock");
    let e = h
        .record(&scan(t, "blocked"), &findings("b", 10), &[])
        .expect_err("locked");
    assert!(matches!(e, HistoryError::Locked { .. }), "{e:?}");
    let msg = e.to_string();
    assert!(msg.contains(&path.display().to_string()), "{msg}");
    assert!(msg.contains("locked by another process"), "{msg}");
    drop(tx);
    assert!(h.scans().expect("scans").is_empty());
    h.record(&scan(t, "after"), &findings("a", 10), &[])
        .expect("records once the lock is free");
    assert_eq!(h.scans().expect("scans").len(), 1);
}
