//! Sharded collection end to end, as a Kubernetes Indexed Job runs it: the
//! built binary in three processes with `JOB_COMPLETION_INDEX` 0, 1 and 2
//! and `--shard auto`, assuming a role into five accounts on a seeded moto
//! server (moto assumes roles into any account id), writing to moto's S3;
//! then `palisade merge` of the S3 prefix, compared with one unsharded
//! collection of the same accounts, a merge with a shard missing, and
//! uploads that fail (no such bucket) and leave nothing behind.

#![allow(clippy::expect_used, clippy::unwrap_used)]

#[allow(dead_code)] // `palisade()` is for the other test binaries
mod common;

use std::collections::BTreeSet;
use std::path::Path;
use std::process::{Command, Output, Stdio};

use common::{code, verdicts};
use palisade_test_kit::moto as harness;
use serde_json::Value;

const ROLE: &str = "arn:aws:iam::123456789012:role/palisade";
const ACCOUNTS: [&str; 5] = [
    "444444444444",
    "111111111111",
    harness::ACCOUNT,
    "333333333333",
    "222222222222",
];
const BUCKET: &str = "palisade-shard-test";

/// `palisade` with credentials from the environment only (nothing outside
/// the test is read) and no scheduler variables but `env`.
fn palisade_cmd(dir: &Path, env: &[(&str, &str)], args: &[&str]) -> Command {
    let mut cmd = Command::new(assert_cmd::cargo::cargo_bin("palisade"));
    cmd.current_dir(common::root())
        .env("AWS_ACCESS_KEY_ID", "testing")
        .env("AWS_SECRET_ACCESS_KEY", "testing")
        .env("AWS_REGION", "us-east-1")
        .env("AWS_CONFIG_FILE", dir.join("no-config"))
        .env("AWS_SHARED_CREDENTIALS_FILE", dir.join("no-credentials"))
        .env("AWS_EC2_METADATA_DISABLED", "true");
    for k in [
        "AWS_PROFILE",
        "AWS_SESSION_TOKEN",
        "AWS_ENDPOINT_URL",
        "JOB_COMPLETION_INDEX",
        "AWS_BATCH_JOB_ARRAY_INDEX",
        "AWS_BATCH_JOB_ARRAY_SIZE",
        "AWS_BATCH_JOB_ID",
        "PALISADE_SHARD_COUNT",
        "PALISADE_RUN_ID",
    ] {
        cmd.env_remove(k);
    }
    cmd.envs(env.iter().copied()).args(args);
    cmd
}

fn run(dir: &Path, args: &[&str]) -> Output {
    palisade_cmd(dir, &[], args).output().expect("run palisade")
}

fn text(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

/// The bytes of `key` in the test bucket, read with boto3.
fn read_object(url: &str, key: &str) -> Vec<u8> {
    let script = format!(
        "import sys, boto3\n\
         s3 = boto3.client('s3', endpoint_url='{url}', region_name='us-east-1', \
         aws_access_key_id='testing', aws_secret_access_key='testing')\n\
         sys.stdout.buffer.write(s3.get_object(Bucket='{BUCKET}', Key='{key}')['Body'].read())\n"
    );
    let out = Command::new(harness::python())
        .args(["-c", &script])
        .output()
        .expect("run python");
    assert!(out.status.success(), "{}", text(&out.stderr));
    out.stdout
}

/// Creates `bucket` in moto with boto3 (the harness's Python).
fn create_bucket(url: &str, bucket: &str) {
    let script = format!(
        "import boto3\n\
         boto3.client('s3', endpoint_url='{url}', region_name='us-east-1', \
         aws_access_key_id='testing', aws_secret_access_key='testing').create_bucket(Bucket='{bucket}')\n"
    );
    let o = Command::new(harness::python())
        .args(["-c", &script])
        .output()
        .expect("run python");
    assert!(o.status.success(), "{}", text(&o.stderr));
}

/// The collection arguments every run shares.
fn collect_args<'a>(url: &'a str, accounts: &'a str, output: &'a str) -> Vec<&'a str> {
    vec![
        "collect",
        "--endpoint-url",
        url,
        "--regions",
        "us-east-1",
        "--role-arn",
        ROLE,
        "--accounts",
        accounts,
        "-q",
        "-o",
        output,
    ]
}

fn scan(dir: &Path, snapshot: &Path) -> Value {
    let o = run(
        dir,
        &[
            "scan",
            snapshot.to_str().unwrap(),
            "--format",
            "json",
            "--fail-on",
            "critical",
        ],
    );
    assert!(matches!(code(&o), 0 | 3), "{}", text(&o.stderr));
    serde_json::from_slice(&o.stdout).expect("json report")
}

fn account_ids(snapshot: &Path) -> Vec<String> {
    let v: Value = serde_json::from_slice(&std::fs::read(snapshot).unwrap()).unwrap();
    v["accounts"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["account_id"].as_str().unwrap().to_owned())
        .collect()
}

#[test]
fn three_shards_in_s3_merge_into_the_unsharded_collection() {
    let moto = harness::moto();
    let url = moto.url.as_str();
    create_bucket(url, BUCKET);
    let dir = tempfile::tempdir().unwrap();
    let accounts = ACCOUNTS.join(",");
    let prefix = format!("s3://{BUCKET}/run-1/");

    // Three processes at once, as the pods of an Indexed Job.
    let children: Vec<_> = (0..3)
        .map(|i| {
            let index = i.to_string();
            let mut args = collect_args(url, &accounts, &prefix);
            args.extend(["--shard", "auto", "--shard-count", "3"]);
            palisade_cmd(
                dir.path(),
                &[
                    ("JOB_COMPLETION_INDEX", index.as_str()),
                    ("PALISADE_RUN_ID", "nightly-1"),
                ],
                &args,
            )
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .expect("spawn palisade")
        })
        .collect();
    for (i, child) in children.into_iter().enumerate() {
        let o = child.wait_with_output().unwrap();
        let err = text(&o.stderr);
        // moto lacks some APIs: gaps, exit 3.
        assert!(matches!(code(&o), 0 | 3), "shard {i}: {err}");
        let object = format!("{prefix}shard-000{i}-of-0003.json");
        assert!(err.contains(&format!("wrote {object}")), "shard {i}: {err}");
        assert!(
            err.contains(&format!("shard {i} of 3 (run \"nightly-1\")")),
            "{err}"
        );
    }

    // One unsharded collection of the same accounts.
    let whole = dir.path().join("whole.json");
    let o = run(
        dir.path(),
        &collect_args(url, &accounts, whole.to_str().unwrap()),
    );
    assert!(matches!(code(&o), 0 | 3), "{}", text(&o.stderr));

    // Merge the prefix into S3, then read the merge back from S3.
    let merged_uri = format!("s3://{BUCKET}/merged/");
    let o = run(
        dir.path(),
        &["merge", &prefix, "-o", &merged_uri, "--endpoint-url", url],
    );
    let err = text(&o.stderr);
    assert_eq!(code(&o), 0, "{err}");
    assert!(
        err.contains(&format!(
            "merged 3 of 3 shard(s) of run \"nightly-1\": 5 account(s) into s3://{BUCKET}/merged/snapshot.json"
        )),
        "{err}"
    );
    let merged = dir.path().join("merged.json");
    let o = run(
        dir.path(),
        &[
            "merge",
            &format!("{merged_uri}snapshot.json"),
            "-o",
            merged.to_str().unwrap(),
            "--endpoint-url",
            url,
        ],
    );
    assert_eq!(code(&o), 0, "{}", text(&o.stderr));

    let mut expected: Vec<String> = ACCOUNTS.iter().map(|a| (*a).to_owned()).collect();
    expected.sort();
    assert_eq!(account_ids(&merged), expected);
    let mut whole_ids = account_ids(&whole);
    whole_ids.sort();
    assert_eq!(whole_ids, expected);

    // The same findings, gaps and passes as the single run.
    let from_shards = verdicts(&scan(dir.path(), &merged));
    let from_whole = verdicts(&scan(dir.path(), &whole));
    assert!(
        from_whole.iter().any(|v| v.3 == "fail"),
        "the accounts have findings to compare"
    );
    let seen: BTreeSet<&str> = from_shards.iter().map(|v| v.1.as_str()).collect();
    assert_eq!(seen.len(), 5, "every account has results: {seen:?}");
    assert_eq!(
        from_shards, from_whole,
        "sharded and single collections differ"
    );

    // `scan` reads the shard prefix straight from S3 (as one organisation)
    // and writes its report to S3: the same verdicts again, and the report
    // names each shard object by its s3:// URI.
    let report_uri = format!("s3://{BUCKET}/reports/report.json");
    let o = run(
        dir.path(),
        &[
            "scan",
            &prefix,
            "--format",
            "json",
            "--fail-on",
            "critical",
            "-o",
            &report_uri,
            "--endpoint-url",
            url,
        ],
    );
    assert!(matches!(code(&o), 0 | 3), "{}", text(&o.stderr));
    let report = read_object(url, "reports/report.json");
    let from_s3: Value = serde_json::from_slice(&report).expect("json report from S3");
    assert_eq!(
        verdicts(&from_s3),
        from_whole,
        "scan of the S3 prefix differs"
    );
    let files = from_s3.to_string();
    assert!(
        files.contains(&format!("{prefix}shard-0000-of-0003.json")),
        "the report names the shard objects by URI"
    );

    // Shard 1's object left out: its accounts are gaps, the merge exits 3
    // and the scan reports every check over them as not evaluated.
    let partial = dir.path().join("partial.json");
    let o = run(
        dir.path(),
        &[
            "merge",
            &format!("{prefix}shard-0000-of-0003.json"),
            &format!("{prefix}shard-0002-of-0003.json"),
            "-o",
            partial.to_str().unwrap(),
            "--endpoint-url",
            url,
        ],
    );
    let err = text(&o.stderr);
    assert_eq!(code(&o), 3, "{err}");
    assert!(err.contains("shard 1 of 3 is missing"), "{err}");
    let mut sorted = ACCOUNTS.to_vec();
    sorted.sort_unstable();
    let gone = [sorted[1], sorted[4]];
    let report = scan(dir.path(), &partial);
    for v in verdicts(&report) {
        if gone.contains(&v.1.as_str()) {
            assert_eq!(v.3, "not_evaluated", "{v:?}");
        }
    }
    assert!(verdicts(&report).iter().any(|v| v.1 == gone[0]));
}

#[test]
fn an_upload_to_a_missing_bucket_fails_and_writes_nothing() {
    let moto = harness::moto();
    let url = moto.url.as_str();
    let dir = tempfile::tempdir().unwrap();
    let o = run(
        dir.path(),
        &collect_args(url, "111111111111", "s3://palisade-no-such-bucket/x/"),
    );
    let err = text(&o.stderr);
    assert_eq!(code(&o), 2, "{err}");
    assert!(
        err.contains("s3://palisade-no-such-bucket/x/snapshot.json"),
        "{err}"
    );
    assert!(err.contains("NoSuchBucket"), "{err}");
    assert!(err.contains("nothing was written"), "{err}");

    let local = dir.path().join("one.json");
    let o = run(
        dir.path(),
        &collect_args(url, "111111111111", local.to_str().unwrap()),
    );
    assert!(matches!(code(&o), 0 | 3), "{}", text(&o.stderr));
    let o = run(
        dir.path(),
        &[
            "merge",
            local.to_str().unwrap(),
            "-o",
            "s3://palisade-no-such-bucket/m.json",
            "--endpoint-url",
            url,
        ],
    );
    let err = text(&o.stderr);
    assert_eq!(code(&o), 2, "{err}");
    assert!(err.contains("NoSuchBucket"), "{err}");
    // The bucket was not created on the way.
    let o = run(
        dir.path(),
        &[
            "merge",
            "s3://palisade-no-such-bucket/",
            "-o",
            dir.path().join("never.json").to_str().unwrap(),
            "--endpoint-url",
            url,
        ],
    );
    assert_eq!(code(&o), 2, "{}", text(&o.stderr));
    assert!(
        text(&o.stderr).contains("NoSuchBucket"),
        "{}",
        text(&o.stderr)
    );
}
