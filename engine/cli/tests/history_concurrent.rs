//! Two `palisade scan --record` processes started together on the same
//! history database, several rounds: both scans land, each with all its
//! findings (no "database is locked").

#![allow(clippy::expect_used, clippy::unwrap_used)]

mod history_support;

use std::collections::BTreeMap;

use history_support::{findings_written, record, sha256, snapshot};
use palisade_history::History;

#[test]
fn two_scans_recording_into_one_database_at_once_both_land_with_their_findings() {
    let dir = tempfile::tempdir().expect("tmp");
    // A fresh file: the first round also creates it from both processes.
    let db = dir.path().join("state/same.sqlite");
    let snaps = [
        snapshot(dir.path(), "a.json", "111111111111", 3000),
        snapshot(dir.path(), "b.json", "222222222222", 3500),
    ];
    const ROUNDS: usize = 4;
    // Findings each snapshot's scans wrote, by snapshot hash.
    let mut written: BTreeMap<String, i64> = BTreeMap::new();
    for round in 0..ROUNDS {
        let children: Vec<_> = snaps
            .iter()
            .enumerate()
            .map(|(i, s)| {
                record(s, &db, &dir.path().join(format!("r{round}-{i}.sarif")))
                    .stdout(std::process::Stdio::null())
                    .stderr(std::process::Stdio::piped())
                    .spawn()
                    .expect("spawn palisade")
            })
            .collect();
        for (child, s) in children.into_iter().zip(&snaps) {
            let out = child.wait_with_output().expect("wait");
            let stderr = String::from_utf8_lossy(&out.stderr);
            // 1 (findings) or 3 (the synthetic account lacks some data):
            // never 2, the input error a locked database used to give.
            assert!(
                matches!(out.status.code(), Some(1 | 3)),
                "round {round}: {:?}\n{stderr}",
                out.status
            );
            assert!(stderr.contains("recorded scan"), "round {round}: {stderr}");
            let n = findings_written(&out.stderr);
            assert!(n >= 3000, "{stderr}");
            let prev = written.insert(sha256(s), n);
            assert!(prev.is_none() || prev == Some(n));
        }
    }
    let h = History::open(&db).expect("open");
    let scans = h.scans().expect("scans");
    assert_eq!(scans.len(), 2 * ROUNDS);
    for s in &scans {
        let expected = written.get(&s.snapshot_sha256).expect("a scan of a or b");
        let stored = h.findings(s.id).expect("findings").len();
        assert_eq!(
            i64::try_from(stored).expect("count"),
            *expected,
            "scan {}",
            s.id
        );
    }
    for sha in written.keys() {
        assert_eq!(
            scans.iter().filter(|s| &s.snapshot_sha256 == sha).count(),
            ROUNDS
        );
    }
    let check = h.check().expect("check");
    assert!(check.is_ok(), "{check:?}");
}
