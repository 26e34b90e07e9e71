//! `palisade history prune` and `history check` through the binary, and
//! the history database files every command refuses: a newer schema, a file
//! that is not SQLite, a damaged database (exit 2 naming the file, never a
//! panic, the file left as it was). Plus: a database `scan --record`
//! creates is private to its owner, and an older one is upgraded.

#![allow(clippy::expect_used, clippy::unwrap_used)]

mod common;
mod history_support;

use std::path::{Path, PathBuf};
use std::process::Output;

use chrono::{Duration, Utc};
use common::{code, palisade, root};
use palisade_history::{FindingRecord, FrameworkRecord, History, ScanRecord, SCHEMA_VERSION};

fn s(p: &Path) -> String {
    p.display().to_string()
}

fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

/// Records scans taken `days` ago (one per entry), each with `findings`
/// findings and one framework outcome; returns their ids.
fn scans_days_ago(db: &Path, days: &[i64], findings: usize) -> Vec<i64> {
    let mut h = History::open(db).expect("open");
    days.iter()
        .map(|&d| {
            let t = Utc::now() - Duration::days(d) - Duration::hours(1);
            let scan = ScanRecord {
                id: 0,
                scan_time: t,
                evaluated_at: t,
                accounts: "111111111111".into(),
                rules_fingerprint: "f".into(),
                tool_version: "test".into(),
                snapshot_sha256: format!("{d}-days-ago"),
                open_findings: 0,
            };
            let f: Vec<_> = (0..findings)
                .map(|i| FindingRecord {
                    finding_id: format!("{d}-{i:06}"),
                    rule_id: "iam-group-empty".into(),
                    resource_id: format!("arn:aws:iam::111111111111:group/g{i}-with-a-longer-name"),
                    account_id: "111111111111".into(),
                    severity: "low".into(),
                    suppressed: false,
                })
                .collect();
            let fw = FrameworkRecord {
                framework_id: "cis-aws-6.0".into(),
                pass: 3,
                fail: 1,
                not_evaluated: 0,
                not_applicable: 0,
                manual: 0,
            };
            h.record(&scan, &f, &[fw]).expect("record")
        })
        .collect()
}

fn prune(db: &Path, extra: &[&str]) -> Output {
    let db = s(db);
    let mut args = vec!["history", "prune", "--history-db", db.as_str()];
    args.extend_from_slice(extra);
    palisade(&args)
}

#[test]
fn prune_removes_scans_older_than_the_days_kept_with_their_findings() {
    let dir = tempfile::tempdir().expect("tmp");
    let db = dir.path().join("h.sqlite");
    let ids = scans_days_ago(&db, &[40, 35, 10, 1], 100);

    let dry = prune(&db, &["--keep-days", "30", "--dry-run"]);
    assert_eq!(code(&dry), 0, "{}", stderr(&dry));
    assert!(
        stdout(&dry).contains("would remove 2 scans (200 findings)"),
        "{}",
        stdout(&dry)
    );
    assert_eq!(
        History::open(&db)
            .expect("open")
            .scans()
            .expect("scans")
            .len(),
        4
    );

    let o = prune(&db, &["--keep-days", "30"]);
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    let out = stdout(&o);
    assert!(out.starts_with(&s(&db)), "{out}");
    assert!(
        out.contains("removed 2 scans (200 findings)") && out.contains("2 kept"),
        "{out}"
    );
    let h = History::open(&db).expect("open");
    let left: Vec<i64> = h.scans().expect("scans").iter().map(|s| s.id).collect();
    assert_eq!(left, ids[2..]);
    // Their findings and framework outcomes went with them.
    let check = h.check().expect("check");
    assert!(check.is_ok() && check.orphans == 0, "{check:?}");
    assert_eq!(h.trend(ids[3]).expect("trend").len(), 2);
    // Nothing older is left: a second prune removes nothing.
    let again = prune(&db, &["--keep-days", "30"]);
    assert!(
        stdout(&again).contains("removed 0 scans"),
        "{}",
        stdout(&again)
    );
}

#[test]
fn prune_keeps_the_newest_scan_as_the_baseline_however_old() {
    let dir = tempfile::tempdir().expect("tmp");
    let db = dir.path().join("h.sqlite");
    let ids = scans_days_ago(&db, &[100, 90], 10);
    let o = prune(&db, &["--keep-days", "30"]);
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    let out = stdout(&o);
    assert!(
        out.contains("removed 1 scan (10 findings)") && out.contains("1 kept"),
        "{out}"
    );
    assert!(
        out.contains(&format!("kept scan {} although older", ids[1])),
        "{out}"
    );
    let md = palisade(&["history", "--markdown", "--history-db", &s(&db)]);
    assert_eq!(code(&md), 0, "{}", stderr(&md));
}

#[test]
fn prune_with_vacuum_gives_the_space_back() {
    let dir = tempfile::tempdir().expect("tmp");
    let db = dir.path().join("h.sqlite");
    scans_days_ago(&db, &[60, 50, 40, 1], 5000);
    let size = || std::fs::metadata(&db).expect("size").len();
    let before = size();
    let o = prune(&db, &["--keep-days", "30", "--vacuum"]);
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    assert!(
        stdout(&o).contains("removed 3 scans (15000 findings)"),
        "{}",
        stdout(&o)
    );
    assert!(stdout(&o).contains("vacuumed"), "{}", stdout(&o));
    assert!(size() * 2 < before, "{} -> {}", before, size());
    assert!(History::open(&db)
        .expect("open")
        .check()
        .expect("check")
        .is_ok());
}

#[test]
fn prune_needs_a_positive_number_of_days_and_an_existing_database() {
    let dir = tempfile::tempdir().expect("tmp");
    let db = dir.path().join("h.sqlite");
    scans_days_ago(&db, &[40], 1);
    for bad in [
        &["--keep-days", "0"][..],
        &["--keep-days", "-3"],
        &["--keep-days", "x"],
        &[],
    ] {
        let o = prune(&db, bad);
        assert_eq!(code(&o), 2, "{bad:?}: {}", stderr(&o));
        assert!(
            stderr(&o).contains("--keep-days"),
            "{bad:?}: {}",
            stderr(&o)
        );
    }
    assert_eq!(
        History::open(&db)
            .expect("open")
            .scans()
            .expect("scans")
            .len(),
        1
    );
    let missing = dir.path().join("none.sqlite");
    let o = prune(&missing, &["--keep-days", "30"]);
    assert_eq!(code(&o), 2);
    assert!(
        stderr(&o).contains(&s(&missing)) && stderr(&o).contains("no history yet"),
        "{}",
        stderr(&o)
    );
    assert!(!missing.exists());
}

#[test]
fn history_check_passes_a_sound_database_and_names_a_scan_missing_findings() {
    let dir = tempfile::tempdir().expect("tmp");
    let db = dir.path().join("h.sqlite");
    let ids = scans_days_ago(&db, &[2, 1], 10);
    let ok = palisade(&["history", "check", "--history-db", &s(&db)]);
    assert_eq!(code(&ok), 0, "{}", stderr(&ok));
    assert!(
        stdout(&ok).contains("ok (schema version"),
        "{}",
        stdout(&ok)
    );
    rusqlite_delete_one(&db, ids[1]);
    let bad = palisade(&["history", "check", "--history-db", &s(&db)]);
    assert_eq!(code(&bad), 2);
    let e = stderr(&bad);
    assert!(
        e.contains(&s(&db))
            && e.contains(&format!("scan {}: 9 findings stored, 10 recorded", ids[1])),
        "{e}"
    );
}

/// Deletes one finding of scan `id` behind the store's back.
fn rusqlite_delete_one(db: &Path, id: i64) {
    let c = rusqlite::Connection::open(db).expect("open");
    c.execute(
        "DELETE FROM findings WHERE rowid = (SELECT MIN(rowid) FROM findings WHERE scan_id = ?1)",
        [id],
    )
    .expect("delete");
}

/// Every command that opens the history database, on `db`.
fn every_command(db: &Path, out: &Path) -> Vec<(String, Output)> {
    let db = s(db);
    let snap = s(&root().join("fixtures/demo/snapshot.json"));
    let out = s(out);
    let runs: Vec<Vec<&str>> = vec![
        vec!["history", "--history-db", &db],
        vec!["history", "--markdown", "--history-db", &db],
        vec!["diff", "1", "2", "--history-db", &db],
        vec!["history", "prune", "--keep-days", "30", "--history-db", &db],
        vec!["history", "check", "--history-db", &db],
        vec!["scan", &snap, "--record", "--history-db", &db, "-o", &out],
    ];
    runs.into_iter()
        .map(|args| (args.join(" "), palisade(&args)))
        .collect()
}

/// Each command exits 2 with a message naming the file and containing
/// `says`, without panicking, and the file is unchanged.
fn assert_refused(db: &Path, says: &[&str]) {
    let before = std::fs::read(db).expect("read");
    let out = db.with_extension("report");
    for (cmd, o) in every_command(db, &out) {
        let e = stderr(&o);
        assert_eq!(code(&o), 2, "{cmd}: {e}");
        assert!(!e.contains("panicked"), "{cmd}: {e}");
        assert!(e.contains(&format!("error: {}: ", s(db))), "{cmd}: {e}");
        for word in says {
            assert!(e.contains(word), "{cmd}: {e}");
        }
        assert_eq!(
            std::fs::read(db).expect("read"),
            before,
            "{cmd} changed the file"
        );
    }
    assert!(
        !out.exists(),
        "no report is written when the scan cannot be recorded"
    );
}

fn fixture_copy(name: &str, dir: &Path) -> PathBuf {
    let to = dir.join(name);
    std::fs::copy(root().join("fixtures/history").join(name), &to).expect("copy");
    to
}

#[test]
fn a_database_of_a_newer_palisade_is_refused_by_every_command_with_both_versions() {
    let dir = tempfile::tempdir().expect("tmp");
    let db = fixture_copy("v2.sqlite", dir.path());
    rusqlite::Connection::open(&db)
        .expect("open")
        .pragma_update(None, "user_version", SCHEMA_VERSION + 4)
        .expect("newer");
    assert_refused(
        &db,
        &[
            &format!("schema version {}", SCHEMA_VERSION + 4),
            &format!("(version {SCHEMA_VERSION})"),
        ],
    );
}

#[test]
fn a_file_that_is_not_sqlite_is_refused_by_every_command() {
    let dir = tempfile::tempdir().expect("tmp");
    let db = dir.path().join("history.sqlite");
    std::fs::write(&db, "{\"not\": \"a database\"}\n".repeat(300)).expect("write");
    assert_refused(&db, &["not a readable history database"]);
}

#[test]
fn a_damaged_database_is_refused_by_every_command() {
    let dir = tempfile::tempdir().expect("tmp");
    let db = fixture_copy("v2.sqlite", dir.path());
    // Upgrade it first, so only the damage can make a command fail.
    drop(History::open(&db).expect("upgrade"));
    let mut bytes = std::fs::read(&db).expect("read");
    for b in &mut bytes[4096..] {
        *b = 0x5A;
    }
    std::fs::write(&db, bytes).expect("damage");
    assert_refused(&db, &["not a readable history database"]);
}

#[test]
fn an_older_database_is_upgraded_by_the_first_command_and_keeps_its_scans() {
    let dir = tempfile::tempdir().expect("tmp");
    let db = fixture_copy("v1.sqlite", dir.path());
    let o = palisade(&["history", "--history-db", &s(&db)]);
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    let out = stdout(&o);
    assert_eq!(out.lines().count(), 4, "{out}");
    assert!(
        out.contains("2026-10-01T02:00:00+00:00") && out.contains("2026-10-03T02:00:00+00:00"),
        "{out}"
    );
    let d = palisade(&["diff", "1", "2", "--history-db", &s(&db)]);
    assert!(stdout(&d).contains("3 new, 1 fixed"), "{}", stdout(&d));
}

#[cfg(unix)]
#[test]
fn scan_record_creates_the_database_readable_by_its_owner_only() {
    use std::os::unix::fs::PermissionsExt as _;
    let dir = tempfile::tempdir().expect("tmp");
    let db = dir.path().join("state/history.sqlite");
    let o = palisade(&[
        "scan",
        &s(&root().join("fixtures/demo/snapshot.json")),
        "--record",
        "--history-db",
        &s(&db),
        "-o",
        &s(&dir.path().join("out.txt")),
    ]);
    assert!(stderr(&o).contains("recorded scan 1"), "{}", stderr(&o));
    let mode = std::fs::metadata(&db).expect("db").permissions().mode() & 0o777;
    assert_eq!(mode, 0o600, "{mode:o}");
}
