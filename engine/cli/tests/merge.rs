//! `palisade merge` over snapshot files and directories written here (no
//! moto, no network): the merged account set, the refusals (exit 2, naming
//! the files), a missing shard (exit 3, its accounts gaps that a following
//! scan reports as not evaluated), and the `collect --shard` usage errors
//! that come before any AWS call.

#![allow(clippy::expect_used, clippy::unwrap_used)]

#[allow(dead_code)] // `palisade()` is for the other test binaries
mod common;

use std::path::{Path, PathBuf};
use std::process::Output;

use common::code;
use palisade_model::load::write_snapshot;
use palisade_model::merge::{assign, shard_file_name};
use palisade_model::organization::ShardInfo;
use palisade_model::{Account, Snapshot};
use serde_json::Value;

const ACCOUNTS: [&str; 5] = [
    "555555555555",
    "111111111111",
    "444444444444",
    "222222222222",
    "333333333333",
];

fn text(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

fn palisade(args: &[&str]) -> Output {
    common::command()
        .env_remove("JOB_COMPLETION_INDEX")
        .env_remove("AWS_BATCH_JOB_ARRAY_INDEX")
        .env_remove("AWS_BATCH_JOB_ARRAY_SIZE")
        .env_remove("AWS_BATCH_JOB_ID")
        .env_remove("PALISADE_SHARD_COUNT")
        .env_remove("PALISADE_RUN_ID")
        .args(args)
        .output()
        .expect("run palisade")
}

/// An account with one empty IAM group (a failing `iam-group-empty`).
fn account(id: &str) -> Account {
    let v = serde_json::json!({
        "account_id": id,
        "regions": ["us-east-1"],
        "iam": {"groups": [{"arn": format!("arn:aws:iam::{id}:group/idle"), "name": "idle"}]}
    });
    serde_json::from_value(v).unwrap()
}

fn snapshot(tool_version: &str) -> Snapshot {
    Snapshot::new("2026-11-01T00:00:00Z".parse().unwrap(), tool_version)
}

/// Writes the `count` shard files of run `run` over [`ACCOUNTS`] into `dir`.
fn write_shards(dir: &Path, count: u32, run: &str) -> Vec<PathBuf> {
    std::fs::create_dir_all(dir).unwrap();
    let assignment = assign(&ACCOUNTS, count);
    (0..count)
        .map(|index| {
            let mut s = snapshot("1.0.0");
            s.accounts = assignment
                .iter()
                .filter(|(_, i)| **i == index)
                .map(|(a, _)| account(a))
                .collect();
            s.shard = Some(ShardInfo {
                index,
                count,
                run_id: run.into(),
                assignment: assignment.clone(),
            });
            let path = dir.join(shard_file_name(index, count));
            write_snapshot(&path, &s).unwrap();
            path
        })
        .collect()
}

fn s(p: &Path) -> &str {
    p.to_str().unwrap()
}

fn json(p: &Path) -> Value {
    serde_json::from_slice(&std::fs::read(p).expect("output written")).expect("JSON")
}

fn account_ids(v: &Value) -> Vec<String> {
    v["accounts"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["account_id"].as_str().unwrap().to_owned())
        .collect()
}

fn sorted_ids() -> Vec<String> {
    let mut ids: Vec<String> = ACCOUNTS.iter().map(|s| (*s).to_owned()).collect();
    ids.sort();
    ids
}

#[test]
fn a_shard_directory_and_its_files_merge_into_one_snapshot() {
    let dir = tempfile::tempdir().unwrap();
    let shards = dir.path().join("run");
    let files = write_shards(&shards, 3, "nightly-7");
    // A stray non-JSON file and a writer's temporary file are not inputs.
    std::fs::write(shards.join("README.txt"), "not a snapshot").unwrap();
    std::fs::write(shards.join(".shard-0001-of-0003.json.99.tmp"), "{").unwrap();

    let out = dir.path().join("merged.json");
    let o = palisade(&["merge", s(&shards), "-o", s(&out)]);
    let err = text(&o.stderr);
    assert_eq!(code(&o), 0, "{err}");
    assert!(
        err.contains("merged 3 of 3 shard(s) of run \"nightly-7\": 5 account(s)"),
        "{err}"
    );
    let v = json(&out);
    assert_eq!(account_ids(&v), sorted_ids());
    assert!(v.get("shard").is_none(), "a merge is not a shard");

    // The same files in another order, into a directory: the same snapshot.
    let out_dir = dir.path().join("out/");
    let o = palisade(&[
        "merge",
        s(&files[2]),
        s(&files[0]),
        s(&files[1]),
        "-o",
        s(&out_dir),
    ]);
    assert_eq!(code(&o), 0, "{}", text(&o.stderr));
    assert_eq!(
        std::fs::read(out_dir.join("snapshot.json")).unwrap(),
        std::fs::read(&out).unwrap()
    );

    // The merge scans like any snapshot: every account's finding.
    let o = palisade(&[
        "scan",
        s(&out),
        "--format",
        "json",
        "--fail-on",
        "critical",
        "--pack",
        "cost",
    ]);
    assert_eq!(code(&o), 0, "{}", text(&o.stderr));
    let report: Value = serde_json::from_slice(&o.stdout).unwrap();
    for id in ACCOUNTS {
        let group = format!("arn:aws:iam::{id}:group/idle");
        assert!(
            results(&report)
                .iter()
                .any(|r| r["rule_id"] == "iam-group-empty"
                    && r["status"] == "fail"
                    && resource_id(r) == group),
            "no finding for {id}"
        );
    }
}

fn results(report: &Value) -> Vec<&Value> {
    report["results"]
        .as_array()
        .expect("results")
        .iter()
        .collect()
}

fn resource_id(r: &Value) -> &str {
    r["resource"]["id"]
        .as_str()
        .or_else(|| r["resource_id"].as_str())
        .unwrap_or_default()
}

fn result_account(r: &Value) -> &str {
    r["resource"]["account_id"]
        .as_str()
        .or_else(|| r["account_id"].as_str())
        .unwrap_or_default()
}

#[test]
fn a_missing_shard_makes_its_accounts_gaps_and_exits_3() {
    let dir = tempfile::tempdir().unwrap();
    let shards = dir.path().join("run");
    let files = write_shards(&shards, 3, "r1");
    std::fs::remove_file(&files[1]).unwrap();
    let gone: Vec<String> = assign(&ACCOUNTS, 3)
        .into_iter()
        .filter(|(_, i)| *i == 1)
        .map(|(a, _)| a)
        .collect();
    assert_eq!(gone.len(), 2);

    let out = dir.path().join("merged.json");
    let o = palisade(&["merge", s(&shards), "-o", s(&out)]);
    let err = text(&o.stderr);
    assert_eq!(code(&o), 3, "{err}");
    assert!(
        err.contains(&format!(
            "shard 1 of 3 is missing: its 2 account(s) are gaps, every check over them is reported as not evaluated: {}",
            gone.join(", ")
        )),
        "{err}"
    );
    let v = json(&out);
    assert_eq!(
        account_ids(&v),
        sorted_ids(),
        "the missing accounts are listed"
    );

    let o = palisade(&[
        "scan",
        s(&out),
        "--format",
        "json",
        "--fail-on",
        "critical",
        "--pack",
        "cost",
    ]);
    assert_eq!(code(&o), 3, "a scan of a merge with gaps is incomplete");
    let report: Value = serde_json::from_slice(&o.stdout).unwrap();
    let all = results(&report);
    for id in &gone {
        let mine: Vec<&&Value> = all.iter().filter(|r| result_account(r) == id).collect();
        assert!(
            !mine.is_empty(),
            "nothing reported for missing account {id}"
        );
        assert!(
            mine.iter().all(|r| r["status"] == "not_evaluated"),
            "a check over missing account {id} was judged: {mine:#?}"
        );
        assert!(mine.iter().any(|r| r["message"]
            .as_str()
            .unwrap_or_default()
            .contains("shard 1 of 3")));
    }
    for id in ACCOUNTS.iter().filter(|a| !gone.iter().any(|g| g == *a)) {
        assert!(all
            .iter()
            .any(|r| result_account(r) == *id && r["status"] == "fail"));
    }
}

#[test]
fn refusals_exit_2_and_name_the_files() {
    let dir = tempfile::tempdir().unwrap();
    let a = write_shards(&dir.path().join("a"), 3, "run-a");
    let b = write_shards(&dir.path().join("b"), 3, "run-b");
    let c = write_shards(&dir.path().join("c"), 2, "run-a");
    let out = dir.path().join("never.json");
    let refused = |args: &[&str], expect: &[&str]| {
        let mut full = vec!["merge"];
        full.extend_from_slice(args);
        full.extend_from_slice(&["-o", s(&out)]);
        let o = palisade(&full);
        let err = text(&o.stderr);
        assert_eq!(code(&o), 2, "{args:?}: {err}");
        for e in expect {
            assert!(err.contains(e), "{args:?}: {e:?} not in {err}");
        }
        assert!(!out.exists(), "{args:?}: an output was written");
    };

    // Shards of different runs, of different counts.
    refused(
        &[s(&a[0]), s(&b[1])],
        &[
            s(&a[0]),
            s(&b[1]),
            "not shards of one run",
            "\"run-a\" vs \"run-b\"",
        ],
    );
    refused(&[s(&a[0]), s(&c[1])], &["3 shards vs 2 shards"]);
    // The same shard twice.
    let copy = dir.path().join("copy.json");
    std::fs::copy(&a[1], &copy).unwrap();
    refused(
        &[s(&a[0]), s(&a[1]), s(&copy)],
        &["shard 1 appears twice", s(&copy)],
    );
    // Different tool versions.
    let mut other: Snapshot = serde_json::from_value(json(&a[2])).unwrap();
    other.tool_version = "9.9.9".into();
    let newer = dir.path().join("newer.json");
    write_snapshot(&newer, &other).unwrap();
    refused(
        &[s(&a[0]), s(&newer)],
        &["different versions", "palisade 1.0.0 vs 9.9.9", s(&newer)],
    );
    // A shard with a whole collection.
    let mut w = snapshot("1.0.0");
    w.accounts = vec![account("999999999999")];
    let whole = dir.path().join("whole.json");
    write_snapshot(&whole, &w).unwrap();
    refused(
        &[s(&a[0]), s(&whole)],
        &["is a shard", "a whole collection"],
    );
    // Whole snapshots sharing an account.
    let mut w2 = snapshot("1.0.0");
    w2.accounts = vec![account("888888888888"), account("999999999999")];
    let whole2 = dir.path().join("whole2.json");
    write_snapshot(&whole2, &w2).unwrap();
    refused(
        &[s(&whole), s(&whole2)],
        &[
            "account 999999999999 appears in both",
            s(&whole),
            s(&whole2),
        ],
    );
    // A malformed input, a missing one, an empty directory.
    let bad = dir.path().join("bad.json");
    std::fs::write(
        &bad,
        "{\"format\": \"palisade-snapshot\",\n \"version\": 1, \"accounts\": [}",
    )
    .unwrap();
    refused(&[s(&a[0]), s(&bad)], &[&format!("{}:2:", s(&bad))]);
    refused(&[s(&dir.path().join("nope.json"))], &["nope.json"]);
    let empty = dir.path().join("empty");
    std::fs::create_dir(&empty).unwrap();
    refused(&[s(&empty)], &["holds no *.json snapshot"]);
}

#[test]
fn whole_snapshots_of_disjoint_accounts_merge() {
    let dir = tempfile::tempdir().unwrap();
    let mut x = snapshot("1.0.0");
    x.accounts = vec![account("222222222222")];
    let mut y = snapshot("1.0.0");
    y.accounts = vec![account("111111111111"), account("333333333333")];
    let (px, py) = (dir.path().join("x.json"), dir.path().join("y.json"));
    write_snapshot(&px, &x).unwrap();
    write_snapshot(&py, &y).unwrap();
    let out = dir.path().join("m.json");
    let o = palisade(&["merge", s(&px), s(&py), "-o", s(&out)]);
    let err = text(&o.stderr);
    assert_eq!(code(&o), 0, "{err}");
    assert!(err.contains("merged 2 snapshot(s): 3 account(s)"), "{err}");
    assert_eq!(
        account_ids(&json(&out)),
        ["222222222222", "111111111111", "333333333333"]
    );
}

/// Arguments, environment, and the message expected on standard error.
type ShardCase<'a> = (&'a [&'a str], &'a [(&'a str, &'a str)], &'a str);

#[test]
fn bad_shard_options_exit_2_before_any_aws_call() {
    let cases: [ShardCase; 6] = [
        (
            &["--shard", "3/3"],
            &[],
            "shard index 3 is not below the shard count 3",
        ),
        (&["--shard", "one/3"], &[], "not a whole number"),
        (&["--shard", "auto/3"], &[], "neither JOB_COMPLETION_INDEX"),
        (
            &["--shard", "auto/3"],
            &[("JOB_COMPLETION_INDEX", "x1")],
            "JOB_COMPLETION_INDEX is \"x1\"",
        ),
        (
            &["--shard", "auto"],
            &[("JOB_COMPLETION_INDEX", "1")],
            "number of shards is not known",
        ),
        (
            &["--shard", "auto"],
            &[
                ("AWS_BATCH_JOB_ARRAY_INDEX", "5"),
                ("AWS_BATCH_JOB_ARRAY_SIZE", "5"),
            ],
            "not below",
        ),
    ];
    let dir = tempfile::tempdir().unwrap();
    for (args, env, expect) in cases {
        let mut cmd = common::command();
        for k in [
            "JOB_COMPLETION_INDEX",
            "AWS_BATCH_JOB_ARRAY_INDEX",
            "AWS_BATCH_JOB_ARRAY_SIZE",
            "PALISADE_SHARD_COUNT",
        ] {
            cmd.env_remove(k);
        }
        for (k, v) in env {
            cmd.env(k, v);
        }
        // An endpoint nothing listens on: a usage error must come first.
        let o = cmd
            .args([
                "collect",
                "--endpoint-url",
                "http://127.0.0.1:9",
                "-q",
                "-o",
            ])
            .arg(dir.path().join("x.json"))
            .args(args)
            .output()
            .unwrap();
        let err = text(&o.stderr);
        assert_eq!(code(&o), 2, "{args:?} {env:?}: {err}");
        assert!(
            err.contains(expect),
            "{args:?} {env:?}: {expect:?} not in {err}"
        );
        assert!(!dir.path().join("x.json").exists());
    }
    // --run-id and --shard-count mean nothing without --shard.
    let o = palisade(&["collect", "--run-id", "x"]);
    assert_eq!(code(&o), 2, "{}", text(&o.stderr));
}
