//! Schema versions and unreadable files: older databases (the committed
//! fixtures of versions 1 and 2) are upgraded with their scans intact, a
//! newer one is refused untouched, and files that are not history databases
//! are errors naming the file.

#![allow(clippy::expect_used, clippy::unwrap_used)]

mod common;

use chrono::{TimeZone as _, Utc};
use common::{copy_fixture, findings, framework, scan};
use palisade_history::{History, HistoryError, MIGRATIONS, SCHEMA_VERSION};
use rusqlite::Connection;

/// The error of an open (or a later step) that must fail.
fn refused<T>(r: Result<T, HistoryError>) -> HistoryError {
    match r {
        Ok(_) => panic!("accepted"),
        Err(e) => e,
    }
}

fn user_version(path: &std::path::Path) -> i64 {
    Connection::open(path)
        .expect("open")
        .pragma_query_value(None, "user_version", |r| r.get(0))
        .expect("user_version")
}

#[test]
fn migrations_run_from_version_1_to_the_current_one_by_one() {
    let versions: Vec<i64> = MIGRATIONS.iter().map(|m| m.to).collect();
    let expected: Vec<i64> = (1..=SCHEMA_VERSION).collect();
    assert_eq!(versions, expected);
}

/// What both fixtures hold: three nightly scans of 4, 6 and 6 findings
/// (one of them waived in the last two).
fn assert_fixture_scans_kept(h: &History) {
    let scans = h.scans().expect("scans");
    let got: Vec<_> = scans
        .iter()
        .map(|s| (s.scan_time.to_rfc3339(), s.open_findings))
        .collect();
    assert_eq!(
        got,
        [
            ("2026-10-01T02:00:00+00:00".to_owned(), 4),
            ("2026-10-02T02:00:00+00:00".to_owned(), 5),
            ("2026-10-03T02:00:00+00:00".to_owned(), 5),
        ]
    );
    let d = h.diff(scans[0].id, scans[1].id).expect("diff");
    assert_eq!((d.new.len(), d.fixed.len(), d.unchanged), (3, 1, 3));
    let check = h.check().expect("check");
    assert!(check.is_ok(), "{check:?}");
    assert_eq!(check.scans, 3);
}

#[test]
fn a_version_1_database_is_upgraded_and_keeps_its_scans_and_findings() {
    let dir = tempfile::tempdir().expect("tmp");
    let path = copy_fixture("v1.sqlite", dir.path());
    assert_eq!(user_version(&path), 1);
    let mut h = History::open(&path).expect("upgrade");
    assert_eq!(user_version(&path), SCHEMA_VERSION);
    assert_fixture_scans_kept(&h);
    let latest = h.latest().expect("latest").expect("a scan");
    assert!(
        h.trend(latest).expect("trend").is_empty(),
        "v1 kept no outcomes"
    );
    // And it takes new scans.
    let t = Utc
        .with_ymd_and_hms(2026, 10, 4, 2, 0, 0)
        .single()
        .expect("time");
    let id = h
        .record(&scan(t, "new"), &findings("n", 7), &[framework(9)])
        .expect("record");
    assert_eq!(h.trend(id).expect("trend").len(), 1);
    assert!(h.check().expect("check").is_ok());
}

#[test]
fn a_version_2_database_is_upgraded_and_keeps_its_framework_outcomes() {
    let dir = tempfile::tempdir().expect("tmp");
    let path = copy_fixture("v2.sqlite", dir.path());
    assert_eq!(user_version(&path), 2);
    let h = History::open(&path).expect("upgrade");
    assert_eq!(user_version(&path), SCHEMA_VERSION);
    assert_fixture_scans_kept(&h);
    let latest = h.latest().expect("latest").expect("a scan");
    let passes: Vec<i64> = h
        .trend(latest)
        .expect("trend")
        .iter()
        .map(|r| r.framework.pass)
        .collect();
    assert_eq!(passes, [10, 11, 12]);
}

#[test]
fn a_database_set_back_to_version_2_by_an_older_palisade_is_upgraded_again() {
    // Palisade 0.1 (schema 2) rewrote `user_version = 2` on every open and
    // recorded scans without a finding count.
    let dir = tempfile::tempdir().expect("tmp");
    let path = dir.path().join("h.sqlite");
    let t = Utc
        .with_ymd_and_hms(2026, 10, 4, 2, 0, 0)
        .single()
        .expect("time");
    History::open(&path)
        .expect("create")
        .record(&scan(t, "new"), &findings("n", 3), &[])
        .expect("record");
    {
        let c = Connection::open(&path).expect("old palisade");
        c.execute_batch(
            "PRAGMA user_version = 2;
             INSERT INTO scans (scan_time, evaluated_at, accounts, rules_fingerprint, tool_version, snapshot_sha256)
               VALUES ('2026-10-05T02:00:00+00:00', '2026-10-05T02:00:00+00:00', '1', 'f', '0.1.0', 's');
             INSERT INTO findings VALUES (last_insert_rowid(), 'x', 'r', 'arn:x', '1', 'low', 0);",
        )
        .expect("old write");
    }
    let h = History::open(&path).expect("upgraded again");
    assert_eq!(user_version(&path), SCHEMA_VERSION);
    let check = h.check().expect("check");
    assert!(check.is_ok(), "{check:?}");
    assert_eq!(check.scans, 2);
}

#[test]
fn a_database_of_a_newer_schema_is_refused_and_left_as_it_was() {
    let dir = tempfile::tempdir().expect("tmp");
    let path = copy_fixture("v2.sqlite", dir.path());
    Connection::open(&path)
        .expect("open")
        .pragma_update(None, "user_version", SCHEMA_VERSION + 1)
        .expect("newer");
    let before = std::fs::read(&path).expect("read");
    let e = refused(History::open(&path));
    assert!(
        matches!(e, HistoryError::TooNew { found, supported, .. } if found == SCHEMA_VERSION + 1 && supported == SCHEMA_VERSION),
        "{e:?}"
    );
    let msg = e.to_string();
    assert!(msg.starts_with(&path.display().to_string()), "{msg}");
    assert!(
        msg.contains(&format!("schema version {}", SCHEMA_VERSION + 1))
            && msg.contains(&format!("(version {SCHEMA_VERSION})")),
        "{msg}"
    );
    assert_eq!(std::fs::read(&path).expect("read"), before);
    assert_eq!(user_version(&path), SCHEMA_VERSION + 1);
}

#[test]
fn a_file_that_is_not_sqlite_is_an_error_naming_it_and_is_not_changed() {
    let dir = tempfile::tempdir().expect("tmp");
    let path = dir.path().join("notes.txt");
    let text = "scan results, by hand\n".repeat(100);
    std::fs::write(&path, &text).expect("write");
    let e = refused(History::open(&path));
    assert!(matches!(e, HistoryError::Unreadable { .. }), "{e:?}");
    assert!(
        e.to_string().starts_with(&path.display().to_string()),
        "{e}"
    );
    assert_eq!(std::fs::read_to_string(&path).expect("read"), text);
}

/// A fixture copy with every page after the first (the schema) overwritten.
fn damaged(dir: &std::path::Path) -> std::path::PathBuf {
    let path = copy_fixture("v2.sqlite", dir);
    let mut bytes = std::fs::read(&path).expect("read");
    let page = 4096;
    assert!(bytes.len() > 2 * page);
    for b in &mut bytes[page..] {
        *b = 0xA5;
    }
    std::fs::write(&path, bytes).expect("damage");
    path
}

#[test]
fn a_damaged_database_is_an_error_naming_the_file() {
    let dir = tempfile::tempdir().expect("tmp");
    let path = damaged(dir.path());
    let e = refused(History::open(&path).and_then(|h| h.scans()));
    assert!(matches!(e, HistoryError::Unreadable { .. }), "{e:?}");
    assert!(
        e.to_string().starts_with(&path.display().to_string()),
        "{e}"
    );
}

#[test]
fn a_truncated_database_is_an_error_naming_the_file() {
    let dir = tempfile::tempdir().expect("tmp");
    let path = copy_fixture("v2.sqlite", dir.path());
    let bytes = std::fs::read(&path).expect("read");
    std::fs::write(&path, &bytes[..bytes.len() / 2]).expect("truncate");
    let e = refused(History::open(&path).and_then(|h| h.check()).and_then(|c| {
        if c.is_ok() {
            Ok(c)
        } else {
            Err(HistoryError::NoSuchScan {
                path: path.clone(),
                id: -1,
            })
        }
    }));
    assert!(
        e.to_string().starts_with(&path.display().to_string()),
        "{e}"
    );
}

#[test]
fn a_sqlite_database_of_something_else_is_refused_and_not_changed() {
    let dir = tempfile::tempdir().expect("tmp");
    let path = dir.path().join("app.db");
    Connection::open(&path)
        .expect("create")
        .execute_batch("CREATE TABLE users (name TEXT); INSERT INTO users VALUES ('a');")
        .expect("other app");
    let e = refused(History::open(&path));
    assert!(matches!(e, HistoryError::NotHistory { .. }), "{e:?}");
    let msg = e.to_string();
    assert!(
        msg.contains("not a Palisade history database") && msg.contains("users"),
        "{msg}"
    );
    let tables: i64 = Connection::open(&path)
        .expect("open")
        .query_row("SELECT COUNT(*) FROM sqlite_master", [], |r| r.get(0))
        .expect("count");
    assert_eq!(tables, 1);
}

#[test]
fn an_empty_file_becomes_a_new_database() {
    let dir = tempfile::tempdir().expect("tmp");
    let path = dir.path().join("h.sqlite");
    std::fs::write(&path, b"").expect("touch");
    let mut h = History::open(&path).expect("open");
    let t = Utc
        .with_ymd_and_hms(2026, 10, 4, 2, 0, 0)
        .single()
        .expect("time");
    h.record(&scan(t, "a"), &findings("a", 2), &[])
        .expect("record");
    assert_eq!(user_version(&path), SCHEMA_VERSION);
}

#[test]
fn check_reports_a_scan_missing_findings() {
    let dir = tempfile::tempdir().expect("tmp");
    let path = dir.path().join("h.sqlite");
    let mut h = History::open(&path).expect("open");
    let t = Utc
        .with_ymd_and_hms(2026, 10, 4, 2, 0, 0)
        .single()
        .expect("time");
    let id = h
        .record(&scan(t, "a"), &findings("a", 5), &[])
        .expect("record");
    assert!(h.check().expect("check").is_ok());
    Connection::open(&path)
        .expect("open")
        .execute("DELETE FROM findings WHERE finding_id = 'a-000003'", [])
        .expect("lose one");
    let c = h.check().expect("check");
    assert!(!c.is_ok());
    assert_eq!(c.incomplete.len(), 1);
    assert_eq!(
        (
            c.incomplete[0].scan_id,
            c.incomplete[0].expected,
            c.incomplete[0].found
        ),
        (id, 5, 4)
    );
}

#[cfg(unix)]
#[test]
fn a_new_database_and_its_wal_are_private_to_the_owner_and_an_existing_file_keeps_its_mode() {
    use std::os::unix::fs::PermissionsExt as _;
    let mode =
        |p: &std::path::Path| std::fs::metadata(p).expect("metadata").permissions().mode() & 0o777;
    let dir = tempfile::tempdir().expect("tmp");
    let path = dir.path().join("new/h.sqlite");
    let mut h = History::open(&path).expect("open");
    let t = Utc
        .with_ymd_and_hms(2026, 10, 4, 2, 0, 0)
        .single()
        .expect("time");
    h.record(&scan(t, "a"), &findings("a", 50), &[])
        .expect("record");
    // While the connection is open the WAL and its index exist.
    for p in [
        path.clone(),
        path.with_extension("sqlite-wal"),
        path.with_extension("sqlite-shm"),
    ] {
        assert_eq!(mode(&p), 0o600, "{}", p.display());
    }
    drop(h);
    let shared = dir.path().join("shared.sqlite");
    std::fs::write(&shared, b"").expect("touch");
    std::fs::set_permissions(&shared, std::fs::Permissions::from_mode(0o640)).expect("chmod");
    History::open(&shared).expect("open");
    assert_eq!(mode(&shared), 0o640);
}
