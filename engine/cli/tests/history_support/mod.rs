//! Helpers for the history tests that drive the built binary: synthetic
//! snapshots with as many findings as wanted (empty IAM groups, each one a
//! finding of `iam-group-empty` in the cost pack) and the `scan --record`
//! command.

#![allow(clippy::expect_used, clippy::unwrap_used)]
#![allow(dead_code)] // each test binary uses its own part

use std::path::{Path, PathBuf};
use std::process::Command;

use sha2::Digest as _;

/// Writes a snapshot of one account (`account`, 12 digits) holding
/// `groups` empty IAM groups to `dir/name`.
pub fn snapshot(dir: &Path, name: &str, account: &str, groups: usize) -> PathBuf {
    let groups: Vec<serde_json::Value> = (0..groups)
        .map(|i| {
            serde_json::json!({
                "arn": format!("arn:aws:iam::{account}:group/g{i:07}"),
                "name": format!("g{i:07}"),
            })
        })
        .collect();
    let snap = serde_json::json!({
        "format": "palisade-snapshot",
        "version": 1,
        "tool_version": "0.1.0",
        "scan_time": "2026-11-01T00:00:00Z",
        "accounts": [{
            "account_id": account,
            "name": "history-test",
            "regions": ["us-east-1"],
            "iam": { "groups": groups },
        }],
    });
    let path = dir.join(name);
    std::fs::write(&path, serde_json::to_vec(&snap).expect("json")).expect("write snapshot");
    path
}

/// The SHA-256 of a file, as the history records a snapshot's.
pub fn sha256(path: &Path) -> String {
    hex::encode(sha2::Sha256::digest(std::fs::read(path).expect("read")))
}

/// `palisade scan SNAPSHOT --pack cost --record --history-db DB` with the
/// SARIF report written to `out`, run from the repository root.
pub fn record(snapshot: &Path, db: &Path, out: &Path) -> Command {
    let mut cmd = Command::new(assert_cmd::cargo::cargo_bin("palisade"));
    cmd.current_dir(palisade_test_kit::root())
        .arg("scan")
        .arg(snapshot)
        .args(["--pack", "cost", "--record", "--format", "sarif"])
        .arg("--history-db")
        .arg(db)
        .arg("-o")
        .arg(out);
    cmd
}

/// The number of findings a `scan -o FILE` says it wrote ("wrote FILE: N
/// findings, ...").
pub fn findings_written(stderr: &[u8]) -> i64 {
    let text = String::from_utf8_lossy(stderr);
    text.lines()
        .find_map(|l| {
            let rest = l.strip_prefix("wrote ")?;
            let (_, counts) = rest.rsplit_once(": ")?;
            counts.split_once(" findings")?.0.parse().ok()
        })
        .unwrap_or_else(|| panic!("no 'wrote' line in: {text}"))
}
