//! Several snapshot files scanned as one organisation, each read one
//! account at a time: two snapshots give what their merge gives, an account
//! in two files is refused (exit 2), and the accounts of a shard whose file
//! is missing are not evaluated (exit 3), never silently clean.

#![allow(clippy::expect_used, clippy::unwrap_used)]

mod common;

use std::path::{Path, PathBuf};

use common::{code, palisade};
use serde_json::Value;

/// A snapshot of `accounts` (each with two empty IAM groups: findings),
/// with `extra` top-level fields.
fn snapshot(accounts: &[&str], extra: &str) -> String {
    let accounts: Vec<String> = accounts
        .iter()
        .map(|a| {
            format!(
                r#"{{"account_id":"{a}","regions":["us-east-1"],"iam":{{"groups":[
{{"arn":"arn:aws:iam::{a}:group/ops","name":"ops"}},
{{"arn":"arn:aws:iam::{a}:group/dev","name":"dev"}}]}}}}"#
            )
        })
        .collect();
    format!(
        r#"{{"format":"palisade-snapshot","version":1,"scan_time":"2026-11-01T00:00:00Z"{extra},
"accounts":[{}]}}"#,
        accounts.join(",\n")
    )
}

fn write(dir: &Path, name: &str, text: &str) -> PathBuf {
    let p = dir.join(name);
    std::fs::write(&p, text).unwrap();
    p
}

/// `palisade scan PATHS --format json`: (exit code, report, stderr).
fn scan(paths: &[&Path]) -> (i32, Value, String) {
    let mut args: Vec<String> = vec!["scan".into()];
    args.extend(paths.iter().map(|p| p.display().to_string()));
    args.extend(["--format", "json", "--today", "2026-11-01"].map(String::from));
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    let out = palisade(&args);
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    let doc = serde_json::from_slice(&out.stdout).unwrap_or(Value::Null);
    (code(&out), doc, stderr)
}

/// Each result as (finding id, status, severity).
fn rows(doc: &Value) -> Vec<(String, String, String)> {
    doc["results"]
        .as_array()
        .expect("results")
        .iter()
        .map(|r| {
            (
                r["finding_id"].as_str().unwrap().to_owned(),
                r["status"].as_str().unwrap().to_owned(),
                r["severity"].as_str().unwrap_or("").to_owned(),
            )
        })
        .collect()
}

#[test]
fn two_snapshots_are_scanned_as_their_merge() {
    let dir = tempfile::tempdir().unwrap();
    let a = write(dir.path(), "a.json", &snapshot(&["111111111111"], ""));
    let b = write(dir.path(), "b.json", &snapshot(&["222222222222"], ""));
    let both = write(
        dir.path(),
        "both.json",
        &snapshot(&["111111111111", "222222222222"], ""),
    );
    let (c2, two, e2) = scan(&[&a, &b]);
    let (c1, one, _) = scan(&[&both]);
    assert_eq!(c2, c1, "{e2}");
    assert_eq!(rows(&two), rows(&one));
    assert!(rows(&two).iter().any(|r| r.1 == "fail"));
    assert_eq!(two["summary"], one["summary"]);
    assert_eq!(two["snapshot"]["accounts"], one["snapshot"]["accounts"]);
    // Each result points into the file its account came from.
    let files = two["snapshot"]["files"]
        .as_array()
        .expect("both files listed");
    assert_eq!(files.len(), 2);
    for r in two["results"].as_array().unwrap() {
        let uri = r["location"]["uri"].as_str().unwrap();
        let want = if r["resource"]["account_id"] == "111111111111" {
            "a.json"
        } else {
            "b.json"
        };
        assert!(uri.ends_with(want), "{uri} for {}", r["resource"]["id"]);
        assert!(r["location"]["line"].as_u64().unwrap() >= 1);
    }
    // A directory of snapshot files is the same scan.
    let d = dir.path().join("shards");
    std::fs::create_dir(&d).unwrap();
    std::fs::copy(&a, d.join("a.json")).unwrap();
    std::fs::copy(&b, d.join("b.json")).unwrap();
    let (c3, three, e3) = scan(&[&d]);
    assert_eq!(c3, c2, "{e3}");
    assert_eq!(rows(&three), rows(&two));
}

#[test]
fn an_account_in_two_files_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let a = write(dir.path(), "a.json", &snapshot(&["111111111111"], ""));
    let b = write(
        dir.path(),
        "b.json",
        &snapshot(&["222222222222", "111111111111"], ""),
    );
    let (c, doc, stderr) = scan(&[&a, &b]);
    assert_eq!(c, 2, "{stderr}");
    assert!(doc.is_null(), "nothing is written");
    assert!(
        stderr.contains("111111111111") && stderr.contains("appears in both"),
        "{stderr}"
    );
}

fn shard(index: u32) -> String {
    format!(
        r#","shard":{{"index":{index},"count":3,"run_id":"run-7","assignment":{{"111111111111":0,"222222222222":1,"333333333333":2}}}}"#
    )
}

#[test]
fn a_missing_shard_leaves_its_accounts_not_evaluated() {
    let dir = tempfile::tempdir().unwrap();
    let s0 = write(
        dir.path(),
        "s0.json",
        &snapshot(&["111111111111"], &shard(0)),
    );
    let s1 = write(
        dir.path(),
        "s1.json",
        &snapshot(&["222222222222"], &shard(1)),
    );
    let (c, doc, stderr) = scan(&[&s0, &s1]);
    assert_eq!(c, 3, "incomplete: {stderr}");
    let results = doc["results"].as_array().unwrap();
    let missing: Vec<&Value> = results
        .iter()
        .filter(|r| r["resource"]["account_id"] == "333333333333")
        .collect();
    assert!(!missing.is_empty(), "the missing shard's account has rows");
    assert!(missing.iter().all(|r| r["status"] == "not_evaluated"));
    assert!(missing
        .iter()
        .any(|r| r["message"].as_str().unwrap_or("").contains("shard 2")));
    assert!(doc["summary"]["gaps"].as_u64().unwrap() > 0);
    // The same shard twice, or shards of another run, are refused.
    let again = write(
        dir.path(),
        "again.json",
        &snapshot(&["222222222222"], &shard(1)),
    );
    let (c, _, stderr) = scan(&[&s0, &s1, &again]);
    assert_eq!(c, 2, "{stderr}");
    let other = write(
        dir.path(),
        "other.json",
        &snapshot(&["333333333333"], &shard(2).replace("run-7", "run-8")),
    );
    let (c, _, stderr) = scan(&[&s0, &s1, &other]);
    assert_eq!(c, 2, "{stderr}");
    // All three: what one file of the three accounts gives.
    let s2 = write(
        dir.path(),
        "s2.json",
        &snapshot(&["333333333333"], &shard(2)),
    );
    let (c, doc, stderr) = scan(&[&s0, &s1, &s2]);
    let whole = write(
        dir.path(),
        "whole.json",
        &snapshot(&["111111111111", "222222222222", "333333333333"], ""),
    );
    let (cw, want, _) = scan(&[&whole]);
    assert_eq!(c, cw, "{stderr}");
    assert_eq!(rows(&doc), rows(&want));
    assert_eq!(doc["summary"]["gaps"], want["summary"]["gaps"]);
}

#[test]
fn sarif_of_a_streamed_scan_lists_the_findings_and_counts_the_passes() {
    let dir = tempfile::tempdir().unwrap();
    let a = write(dir.path(), "a.json", &snapshot(&["111111111111"], ""));
    let out = dir.path().join("out.sarif");
    let o = palisade(&[
        "scan",
        a.to_str().unwrap(),
        "--format",
        "sarif",
        "-o",
        out.to_str().unwrap(),
    ]);
    // Findings (1), or incomplete (3: this hand-written account leaves
    // some checks not evaluated); never an input error.
    assert!(
        matches!(code(&o), 1 | 3),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
    let doc: Value = serde_json::from_slice(&std::fs::read(&out).unwrap()).unwrap();
    palisade_test_kit::sarif::assert_valid(&doc);
    let results = doc["runs"][0]["results"].as_array().unwrap();
    assert!(results.len() >= 2, "both empty groups");
    assert!(results.iter().all(
        |r| r["locations"][0]["physicalLocation"]["region"]["startLine"]
            .as_u64()
            .unwrap()
            >= 2
    ));
    // The summary line on standard error counts the findings.
    let stderr = String::from_utf8_lossy(&o.stderr);
    assert!(
        stderr.contains(&format!("{} findings", results.len())),
        "{stderr}"
    );
}

#[test]
fn two_snapshots_render_as_a_table_too() {
    let dir = tempfile::tempdir().unwrap();
    let a = write(dir.path(), "a.json", &snapshot(&["111111111111"], ""));
    let b = write(dir.path(), "b.json", &snapshot(&["222222222222"], ""));
    let out = palisade(&["scan", a.to_str().unwrap(), b.to_str().unwrap()]);
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        matches!(code(&out), 1 | 3),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(!text.trim().is_empty(), "a table is printed");
}
