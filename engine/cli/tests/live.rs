//! End-to-end tests of `palisade collect` and `palisade scan --live` as a
//! user runs them: the built binary, credentials from the environment (the
//! default chain), and a seeded moto server on 127.0.0.1 as the AWS endpoint.

#![allow(clippy::expect_used, clippy::unwrap_used)]

#[allow(dead_code)] // `palisade()` is for the other test binaries
mod common;

use palisade_test_kit::moto as harness;

use common::{code, palisade_env};
use serde_json::Value;

fn text(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

#[test]
fn collect_then_scan_and_scan_live_agree() {
    let moto = harness::moto();
    let dir = tempfile::tempdir().expect("tmp");
    let regions = harness::REGIONS.join(",");
    let snap = dir.path().join("snap.json");
    let snap_s = snap.to_str().unwrap();

    // moto lacks some APIs (backup selections, WAF associations, Artifact):
    // they are gaps, so collect exits 3 and names them.
    let o = palisade_env(
        dir.path(),
        &[
            "collect",
            "--endpoint-url",
            &moto.url,
            "--regions",
            &regions,
            "-o",
            snap_s,
            "-q",
        ],
    );
    let err = text(&o.stderr);
    assert_eq!(code(&o), 3, "{err}");
    assert!(err.contains("coverage gaps"), "{err}");
    assert!(err.contains("ListReports"), "artifact gap not named: {err}");
    let v: Value = serde_json::from_slice(&std::fs::read(&snap).expect("snapshot written"))
        .expect("snapshot is JSON");
    assert_eq!(v["accounts"][0]["account_id"], harness::ACCOUNT);

    let o = palisade_env(
        dir.path(),
        &["scan", snap_s, "--format", "json", "--fail-on", "critical"],
    );
    assert_eq!(code(&o), 3, "{}", text(&o.stderr));
    let from_file: Value = serde_json::from_slice(&o.stdout).expect("json report");

    // One command: collect into live.json, then scan it.
    let live = dir.path().join("live.json");
    let o = palisade_env(
        dir.path(),
        &[
            "scan",
            "--live",
            live.to_str().unwrap(),
            "--endpoint-url",
            &moto.url,
            "--regions",
            &regions,
            "-q",
            "--format",
            "json",
            "--fail-on",
            "critical",
        ],
    );
    assert_eq!(code(&o), 3, "{}", text(&o.stderr));
    assert!(live.exists(), "the live snapshot is kept as evidence");
    let from_live: Value = serde_json::from_slice(&o.stdout).expect("json report");

    let fails = |v: &Value| -> Vec<(String, String)> {
        let mut f: Vec<_> = v["results"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|r| r["status"] == "fail")
            .map(|r| {
                (
                    r["rule_id"].as_str().unwrap().to_owned(),
                    r["resource"]["id"].as_str().unwrap().to_owned(),
                )
            })
            .collect();
        f.sort();
        f
    };
    let a = fails(&from_file);
    assert_eq!(a, fails(&from_live), "collect+scan and scan --live differ");
    for (rule, needle) in [
        ("iam-user-console-without-mfa", "user/alice"),
        ("iam-policy-full-admin", "policy/AllStar"),
        ("ec2-sg-admin-ports-open-ipv4", "security-group-rule/"),
        ("config-recorder-not-enabled", "eu-west-1"),
    ] {
        assert!(
            a.iter().any(|(r, id)| r == rule && id.contains(needle)),
            "seeded violation {rule} on {needle} not found"
        );
    }
    // moto's missing APIs are gaps in the report, never passes.
    let gaps = from_live["gaps"].as_array().unwrap();
    assert!(
        gaps.iter()
            .any(|g| g["service"] == "wafv2" && g["api"] == "ListResourcesForWebACL"),
        "{gaps:?}"
    );
}

#[test]
fn bad_inputs_are_refused_before_collecting() {
    // The endpoint is a closed port: had collection started, the error would
    // be about the endpoint, and the snapshot path would have been written.
    let dir = tempfile::tempdir().expect("tmp");
    let snap = dir.path().join("never.json");
    for bad in [
        vec!["--framework", "cis-aws-9.9"],
        vec!["--today", "tomorrow"],
        vec!["--baseline", "no-such-baseline.sarif"],
    ] {
        let mut args = vec![
            "scan",
            "--live",
            snap.to_str().unwrap(),
            "--endpoint-url",
            "http://127.0.0.1:9",
            "--regions",
            "us-east-1",
        ];
        args.extend(bad.iter().copied());
        let o = palisade_env(dir.path(), &args);
        assert_eq!(code(&o), 2, "{bad:?}: {}", text(&o.stderr));
        assert!(!snap.exists(), "{bad:?}: collected before checking inputs");
    }
}

#[test]
fn collection_options_without_live_are_refused() {
    let dir = tempfile::tempdir().expect("tmp");
    for option in [
        ["--endpoint-url", "http://127.0.0.1:9"],
        ["--max-attempts", "2"],
    ] {
        let mut args = vec!["scan", "fixtures/demo/snapshot.json"];
        args.extend(option);
        let o = palisade_env(dir.path(), &args);
        assert_eq!(code(&o), 2, "{option:?}");
        assert!(
            text(&o.stderr).contains("need --live"),
            "{option:?}: {}",
            text(&o.stderr)
        );
    }
}
