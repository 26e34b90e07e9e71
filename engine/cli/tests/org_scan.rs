//! `palisade collect --org` and `scan --live --org` as a user runs them:
//! the built binary, credentials from the environment, and a moto server of
//! its own seeded by fixtures/moto/seed_org.py (an organisation whose member
//! accounts each hold a different violation).

#![allow(clippy::expect_used, clippy::unwrap_used)]

#[allow(dead_code)] // `palisade()` is for the other test binaries
mod common;

use std::collections::BTreeSet;
use std::path::Path;
use std::sync::OnceLock;

use common::{code, palisade_env, verdicts};
use palisade_test_kit::moto::{python, seed_with, start, Moto};
use serde_json::Value;

const MANAGEMENT: &str = "123456789012";
const ROLE: &str = "OrganizationAccountAccessRole";

fn org_moto() -> &'static (Moto, Value) {
    static ORG: OnceLock<(Moto, Value)> = OnceLock::new();
    ORG.get_or_init(|| {
        let py = python();
        let moto = start(&py).unwrap_or_else(|e| panic!("{e}"));
        let out = seed_with(&py, &moto.url, "moto/seed_org.py").unwrap_or_else(|e| panic!("{e}"));
        let ids: Value = serde_json::from_str(out.trim()).expect("seed_org.py prints JSON");
        (moto, ids)
    })
}

fn account(name: &str) -> String {
    org_moto().1["accounts"][name]
        .as_str()
        .expect(name)
        .to_owned()
}

fn unit(name: &str) -> String {
    org_moto().1["units"][name].as_str().expect(name).to_owned()
}

fn text(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

/// The accounts with a failing result of `rule` in a JSON report.
fn failing(report: &Value, rule: &str) -> Vec<String> {
    let set: BTreeSet<String> = report["results"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|r| r["rule_id"] == rule && r["status"] == "fail")
        .map(|r| r["resource"]["account_id"].as_str().unwrap().to_owned())
        .collect();
    set.into_iter().collect()
}

#[test]
fn collect_org_then_scan_finds_each_violation_on_its_own_account() {
    let moto = org_moto();
    let dir = tempfile::tempdir().expect("tmp");
    let snap = dir.path().join("org.json");
    let snap_s = snap.to_str().unwrap();
    let o = palisade_env(
        dir.path(),
        &[
            "collect",
            "--org",
            "--role-name",
            ROLE,
            "--endpoint-url",
            &moto.0.url,
            "--regions",
            "us-east-1",
            "-o",
            snap_s,
            "-q",
        ],
    );
    let err = text(&o.stderr);
    // moto lacks some APIs (Artifact, ...): gaps, exit 3.
    assert_eq!(code(&o), 3, "{err}");
    assert!(err.contains("wrote"), "{err}");
    assert!(err.contains("5 account(s)"), "{err}");
    let closed = account("closed-e");
    assert!(
        err.contains(&format!(
            "not collected: {closed} (closed-e): status SUSPENDED"
        )),
        "{err}"
    );

    let v: Value = serde_json::from_slice(&std::fs::read(&snap).unwrap()).unwrap();
    let org = &v["organization"];
    assert_eq!(org["id"], moto.1["organization"]);
    assert_eq!(org["management_account_id"], MANAGEMENT);
    assert_eq!(org["accounts"].as_array().unwrap().len(), 6);
    assert_eq!(org["units"].as_array().unwrap().len(), 3);
    assert!(org["policies"]
        .as_array()
        .unwrap()
        .iter()
        .any(|p| p["name"] == "deny-stop-logging"
            && p["targets"] == serde_json::json!([unit("Workloads")])));
    let mut ids: Vec<&str> = v["accounts"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["account_id"].as_str().unwrap())
        .collect();
    ids.sort_unstable();
    let mut expected = vec![
        MANAGEMENT.to_owned(),
        account("workload-a"),
        account("workload-b"),
        account("sandbox-c"),
        account("shared-d"),
    ];
    expected.sort();
    assert_eq!(ids, expected);
    let names: Vec<&str> = v["accounts"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["name"].as_str().unwrap_or_default())
        .collect();
    assert!(names.contains(&"workload-b"), "{names:?}");

    let o = palisade_env(dir.path(), &["scan", snap_s, "--format", "json"]);
    assert!(matches!(code(&o), 1 | 3), "{}", text(&o.stderr));
    let report: Value = serde_json::from_slice(&o.stdout).expect("json report");
    assert_eq!(
        failing(&report, "iam-user-console-without-mfa"),
        [account("workload-a")]
    );
    assert_eq!(
        failing(&report, "ec2-sg-ssh-open-to-internet"),
        [account("workload-b")]
    );
    assert_eq!(
        failing(&report, "iam-customer-policy-full-admin"),
        [account("sandbox-c")]
    );
    assert_eq!(
        failing(&report, "iam-user-multiple-active-access-keys"),
        [account("shared-d")]
    );
    // No account gets an "organizations" gap.
    let gaps = report["gaps"].as_array().unwrap();
    assert!(
        gaps.iter().all(|g| g["service"] != "organizations"),
        "{gaps:?}"
    );
}

#[test]
fn scan_live_org_with_ou_and_exclude_accounts() {
    let moto = org_moto();
    let dir = tempfile::tempdir().expect("tmp");
    let live = dir.path().join("live.json");
    let workloads = unit("Workloads");
    let a = account("workload-a");
    let o = palisade_env(
        dir.path(),
        &[
            "scan",
            "--live",
            live.to_str().unwrap(),
            "--org",
            "--role-name",
            ROLE,
            "--ou",
            &workloads,
            "--exclude-accounts",
            &a,
            "--endpoint-url",
            &moto.0.url,
            "--regions",
            "us-east-1",
            "-q",
            "--format",
            "json",
        ],
    );
    let err = text(&o.stderr);
    assert!(matches!(code(&o), 1 | 3), "{err}");
    assert!(
        err.contains(&format!(
            "not collected: {a} (workload-a): --exclude-accounts"
        )),
        "{err}"
    );
    assert!(
        err.contains(&format!(
            "not collected: {} (sandbox-c): not below --ou",
            account("sandbox-c")
        )),
        "{err}"
    );
    let report: Value = serde_json::from_slice(&o.stdout).expect("json report");
    // Account results only for the one account collected; the organisation's
    // own results (org-* rules) are the management account's.
    let of = |org: bool| -> BTreeSet<&str> {
        report["results"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|r| r["rule_id"].as_str().unwrap().starts_with("org-") == org)
            .map(|r| r["resource"]["account_id"].as_str().unwrap())
            .collect()
    };
    assert_eq!(of(false), BTreeSet::from([account("workload-b").as_str()]));
    assert_eq!(of(true), BTreeSet::from([MANAGEMENT]));
    assert_eq!(
        failing(&report, "ec2-sg-ssh-open-to-internet"),
        [account("workload-b")]
    );
}

#[test]
fn bad_org_options_are_refused_with_exit_2() {
    let dir = tempfile::tempdir().expect("tmp");
    let out = dir.path().join("never.json");
    let out_s = out.to_str().unwrap();
    // A closed port: nothing may be called before the options are checked.
    let closed = "http://127.0.0.1:9";
    for (args, expect) in [
        (
            vec![
                "--org",
                "--role-name",
                ROLE,
                "--accounts",
                "111111111111",
                "--role-arn",
                "arn:aws:iam::111111111111:role/x",
            ],
            "cannot be used with",
        ),
        (vec!["--role-name", ROLE], "--role-name needs --org"),
        (vec!["--org"], "--org needs --role-name"),
        (
            vec!["--org", "--role-name", ROLE, "--ou", "finance"],
            "not an organisational unit id",
        ),
        (vec!["--ou", "ou-abcd-12345678"], "--ou needs --org"),
        (
            vec!["--org", "--role-name", ROLE, "--exclude-accounts", "12345"],
            "not a 12-digit AWS account id",
        ),
        (
            vec!["--org", "--role-name", "bad name"],
            "not an IAM role name",
        ),
    ] {
        let mut all = vec!["collect", "--endpoint-url", closed, "-o", out_s, "-q"];
        all.extend(args.iter().copied());
        let o = palisade_env(dir.path(), &all);
        let err = text(&o.stderr);
        assert_eq!(code(&o), 2, "{args:?}: {err}");
        assert!(err.contains(expect), "{args:?}: {err}");
        assert!(!err.contains("127.0.0.1:9"), "{args:?} reached AWS: {err}");
        assert!(!out.exists());
    }
}

#[test]
fn an_ou_that_is_not_in_the_organisation_is_refused() {
    let moto = org_moto();
    let dir = tempfile::tempdir().expect("tmp");
    let out = dir.path().join("never.json");
    let o = palisade_env(
        dir.path(),
        &[
            "collect",
            "--org",
            "--role-name",
            ROLE,
            "--ou",
            "ou-zzzz-zzzzzzzz",
            "--endpoint-url",
            &moto.0.url,
            "--regions",
            "us-east-1",
            "-o",
            out.to_str().unwrap(),
            "-q",
        ],
    );
    let err = text(&o.stderr);
    assert_eq!(code(&o), 2, "{err}");
    assert!(
        err.contains("\"ou-zzzz-zzzzzzzz\" is not an organisational unit or root"),
        "{err}"
    );
    assert!(!out.exists());
}

fn scan_json(dir: &Path, snapshot: &Path) -> Value {
    let o = palisade_env(
        dir,
        &["scan", snapshot.to_str().unwrap(), "--format", "json"],
    );
    assert!(matches!(code(&o), 1 | 3), "{}", text(&o.stderr));
    serde_json::from_slice(&o.stdout).expect("json report")
}

/// The organisation collected whole and as three shards (three processes,
/// as a Kubernetes Indexed Job runs them: `JOB_COMPLETION_INDEX` 0, 1, 2
/// with `--shard auto`) and merged: the same verdicts, account by account.
/// Without shard 1's file the merge exits 3 and its accounts are gaps.
#[test]
fn the_organisation_in_three_shards_merges_into_the_single_run() {
    let moto = org_moto();
    let dir = tempfile::tempdir().expect("tmp");
    let collect = |out: &str, index: Option<&str>| {
        let mut cmd = common::command();
        cmd.env("AWS_ACCESS_KEY_ID", "testing")
            .env("AWS_SECRET_ACCESS_KEY", "testing")
            .env("AWS_REGION", "us-east-1")
            .env("AWS_CONFIG_FILE", dir.path().join("no-config"))
            .env(
                "AWS_SHARED_CREDENTIALS_FILE",
                dir.path().join("no-credentials"),
            )
            .env("AWS_EC2_METADATA_DISABLED", "true")
            .env_remove("AWS_PROFILE")
            .env_remove("AWS_SESSION_TOKEN")
            .env_remove("AWS_ENDPOINT_URL")
            .env_remove("AWS_BATCH_JOB_ARRAY_INDEX")
            .env("PALISADE_RUN_ID", "org-nightly");
        cmd.args([
            "collect",
            "--org",
            "--role-name",
            ROLE,
            "--endpoint-url",
            &moto.0.url,
            "--regions",
            "us-east-1",
            "-q",
            "-o",
            out,
        ]);
        match index {
            Some(i) => {
                cmd.env("JOB_COMPLETION_INDEX", i)
                    .args(["--shard", "auto", "--shard-count", "3"]);
            }
            None => {
                cmd.env_remove("JOB_COMPLETION_INDEX");
            }
        }
        let o = cmd.output().expect("run palisade");
        assert_eq!(code(&o), 3, "{}", text(&o.stderr));
    };
    let whole = dir.path().join("whole.json");
    collect(whole.to_str().unwrap(), None);
    let shards = dir.path().join("shards");
    let shards_dir = format!("{}/", shards.display());
    for i in ["0", "1", "2"] {
        collect(&shards_dir, Some(i));
    }
    let merged = dir.path().join("merged.json");
    let o = palisade_env(
        dir.path(),
        &["merge", &shards_dir, "-o", merged.to_str().unwrap()],
    );
    assert_eq!(code(&o), 0, "{}", text(&o.stderr));

    let from_whole = verdicts(&scan_json(dir.path(), &whole));
    let from_shards = verdicts(&scan_json(dir.path(), &merged));
    let accounts: BTreeSet<&str> = from_whole.iter().map(|v| v.1.as_str()).collect();
    assert_eq!(accounts.len(), 5, "every collected account has results");
    assert!(from_whole.iter().any(|v| v.0.starts_with("org-")));
    assert_eq!(from_shards, from_whole, "sharded and single runs differ");

    // Shard 1's output deleted: its accounts become gaps.
    let s1 = shards.join("shard-0001-of-0003.json");
    let lost: Vec<String> = serde_json::from_slice::<Value>(&std::fs::read(&s1).unwrap()).unwrap()
        ["accounts"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["account_id"].as_str().unwrap().to_owned())
        .collect();
    assert!(!lost.is_empty());
    std::fs::remove_file(&s1).unwrap();
    let partial = dir.path().join("partial.json");
    let o = palisade_env(
        dir.path(),
        &["merge", &shards_dir, "-o", partial.to_str().unwrap()],
    );
    assert_eq!(code(&o), 3, "{}", text(&o.stderr));
    assert!(text(&o.stderr).contains("shard 1 of 3 is missing"));
    let report = scan_json(dir.path(), &partial);
    for account in &lost {
        let statuses: BTreeSet<&str> = report["results"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|r| r["resource"]["account_id"] == account.as_str())
            .filter(|r| !r["rule_id"].as_str().unwrap().starts_with("org-"))
            .map(|r| r["status"].as_str().unwrap())
            .collect();
        assert_eq!(statuses, BTreeSet::from(["not_evaluated"]), "{account}");
    }
}
