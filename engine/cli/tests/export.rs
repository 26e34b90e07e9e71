//! OCSF and ASFF output and `palisade export securityhub`, end to end: the
//! built binary; OCSF lines validated with py-ocsf-models (the test venv's
//! python); the Security Hub import against moto's Security Hub on
//! 127.0.0.1, read back with boto3.

#![allow(clippy::expect_used, clippy::unwrap_used)]

#[allow(dead_code)]
mod common;

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;
use std::process::{Command, Output};

use common::code;
use palisade_test_kit::moto as harness;
use serde_json::Value;

fn text(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

fn scan(snapshot: &Path, format: &str, out: &Path) {
    let o = common::palisade(&[
        "scan",
        snapshot.to_str().unwrap(),
        "--format",
        format,
        "-o",
        out.to_str().unwrap(),
    ]);
    // 0 or 1 (findings) or 3 (gaps): never 2.
    assert_ne!(code(&o), 2, "{}", text(&o.stderr));
}

#[test]
fn ocsf_lines_validate_with_py_ocsf_models() {
    let python = harness::python();
    harness::check_python(&python, &["py_ocsf_models"]).unwrap();
    let dir = tempfile::tempdir().unwrap();
    for fixture in ["demo/snapshot.json", "hostile/snapshot.json"] {
        let out = dir.path().join("events.jsonl");
        scan(&palisade_test_kit::fixture(fixture), "ocsf", &out);
        let lines = std::fs::read_to_string(&out).unwrap().lines().count();
        assert!(lines > 0);
        let script = common::root().join("engine/cli/tests/ocsf_validate.py");
        let o = Command::new(&python)
            .arg(&script)
            .arg(&out)
            .output()
            .unwrap();
        let stdout = text(&o.stdout);
        assert!(o.status.success(), "{fixture}: {stdout}{}", text(&o.stderr));
        assert!(
            stdout.contains(&format!("{lines} events, 0 invalid")),
            "{stdout}"
        );
    }
}

#[test]
fn ocsf_and_asff_are_the_same_bytes_on_every_run() {
    let dir = tempfile::tempdir().unwrap();
    let snap = palisade_test_kit::fixture("demo/snapshot.json");
    for format in ["ocsf", "asff"] {
        let a = dir.path().join(format!("a.{format}"));
        let b = dir.path().join(format!("b.{format}"));
        scan(&snap, format, &a);
        scan(&snap, format, &b);
        let a = std::fs::read(&a).unwrap();
        assert!(!a.is_empty());
        assert!(
            a == std::fs::read(&b).unwrap(),
            "{format} differs between runs"
        );
    }
}

#[test]
fn ocsf_and_asff_carry_hostile_strings_exactly() {
    let dir = tempfile::tempdir().unwrap();
    let snap = palisade_test_kit::fixture("hostile/snapshot.json");
    let ocsf = dir.path().join("h.jsonl");
    let asff = dir.path().join("h.asff.json");
    scan(&snap, "ocsf", &ocsf);
    scan(&snap, "asff", &asff);
    let names: BTreeSet<String> = std::fs::read_to_string(&ocsf)
        .unwrap()
        .lines()
        .map(|l| {
            let v: Value = serde_json::from_str(l).unwrap();
            v["resources"][0]["name"].as_str().unwrap().to_owned()
        })
        .collect();
    // Every name carrying a payload carries one of the snapshot's hostile
    // strings exactly: nothing escaped, stripped or interpreted.
    let snapshot: Value = serde_json::from_str(&std::fs::read_to_string(&snap).unwrap()).unwrap();
    let mut hostile = Vec::new();
    strings(&snapshot, &mut hostile);
    hostile.retain(|s| s.contains("<script>"));
    assert!(!hostile.is_empty());
    let carrying: Vec<&String> = names.iter().filter(|n| n.contains("<script>")).collect();
    assert!(!carrying.is_empty());
    for n in carrying {
        assert!(hostile.iter().any(|h| n.contains(h.as_str())), "{n:?}");
    }
    let doc: Vec<Value> = serde_json::from_str(&std::fs::read_to_string(&asff).unwrap()).unwrap();
    for f in &doc {
        assert_eq!(palisade_report::asff::check(f), Vec::<String>::new());
    }
    assert!(doc
        .iter()
        .any(|f| f["ProductFields"]["palisade/ResourceName"]
            .as_str()
            .is_some_and(|n| n.contains("<script>"))));
}

fn strings(v: &Value, out: &mut Vec<String>) {
    match v {
        Value::String(s) => out.push(s.clone()),
        Value::Array(a) => a.iter().for_each(|x| strings(x, out)),
        Value::Object(o) => o.iter().for_each(|(k, x)| {
            out.push(k.clone());
            strings(x, out)
        }),
        _ => {}
    }
}

/// What moto's Security Hub holds: Id -> the finding.
fn hub(url: &str, regions: &BTreeSet<String>) -> BTreeMap<String, Value> {
    let script = r#"
import json, sys, boto3
url, regions = sys.argv[1], sys.argv[2:]
out = []
for r in regions:
    c = boto3.client("securityhub", region_name=r, endpoint_url=url,
                     aws_access_key_id="testing", aws_secret_access_key="testing")
    for page in c.get_paginator("get_findings").paginate():
        out += page["Findings"]
print(json.dumps(out))
"#;
    let o = Command::new(harness::python())
        .args(["-c", script, url])
        .args(regions)
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", text(&o.stderr));
    let all: Vec<Value> = serde_json::from_slice(&o.stdout).unwrap();
    let mut by_id = BTreeMap::new();
    for f in all {
        let id = f["Id"].as_str().unwrap().to_owned();
        assert!(by_id.insert(id.clone(), f).is_none(), "duplicate {id}");
    }
    by_id
}

fn export(url: &str, dir: &Path, files: &[&Path], extra: &[&str]) -> Output {
    let mut cmd = common::command();
    cmd.env("AWS_ACCESS_KEY_ID", "testing")
        .env("AWS_SECRET_ACCESS_KEY", "testing")
        .env("AWS_REGION", "us-east-1")
        .env("AWS_CONFIG_FILE", dir.join("no-config"))
        .env("AWS_SHARED_CREDENTIALS_FILE", dir.join("no-credentials"))
        .env("AWS_EC2_METADATA_DISABLED", "true")
        .env_remove("AWS_PROFILE")
        .env_remove("AWS_ENDPOINT_URL")
        .args(["export", "securityhub", "--endpoint-url", url])
        .args(extra);
    for f in files {
        cmd.arg(f);
    }
    cmd.output().unwrap()
}

fn regions(doc: &[Value]) -> BTreeSet<String> {
    doc.iter()
        .map(|f| {
            f["ProductArn"]
                .as_str()
                .unwrap()
                .split(':')
                .nth(3)
                .unwrap()
                .to_owned()
        })
        .collect()
}

/// The demo snapshot with another scan time.
fn rescanned(dir: &Path, time: &str) -> std::path::PathBuf {
    let mut snap: Value = serde_json::from_str(
        &std::fs::read_to_string(palisade_test_kit::fixture("demo/snapshot.json")).unwrap(),
    )
    .unwrap();
    snap["scan_time"] = Value::String(time.into());
    let path = dir.join(format!("snap-{}.json", &time[..10]));
    std::fs::write(&path, serde_json::to_string(&snap).unwrap()).unwrap();
    path
}

#[test]
fn security_hub_import_updates_and_archives() {
    let python = harness::python();
    let moto = harness::start(&python).unwrap();
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();

    // First import: every finding, in batches of at most 100.
    let first = d.join("first.asff.json");
    scan(&rescanned(d, "2026-11-20T02:00:00Z"), "asff", &first);
    let doc: Vec<Value> = serde_json::from_str(&std::fs::read_to_string(&first).unwrap()).unwrap();
    let n = doc.len();
    let per_region = regions(&doc)
        .iter()
        .map(|r| {
            doc.iter()
                .filter(|f| {
                    f["ProductArn"]
                        .as_str()
                        .unwrap()
                        .contains(&format!(":{r}:"))
                })
                .count()
        })
        .collect::<Vec<_>>();
    assert!(
        per_region.iter().any(|c| *c > 100),
        "{per_region:?}: a region needs several batches"
    );
    let batches: usize = per_region.iter().map(|c| c.div_ceil(100)).sum();
    let o = export(&moto.url, d, &[&first], &[]);
    let err = text(&o.stderr);
    assert_eq!(code(&o), 0, "{err}");
    assert!(
        err.contains(&format!(
            "{n} findings imported (0 updated, {n} new), 0 archived, {batches} calls"
        )),
        "{err}"
    );
    let held = hub(&moto.url, &regions(&doc));
    assert_eq!(held.len(), n);
    assert!(held
        .values()
        .all(|f| f["CreatedAt"] == "2026-11-20T02:00:00.000Z" && f["RecordState"] == "ACTIVE"));

    // Re-import a later scan: the same findings, updated, CreatedAt kept.
    let second = d.join("second.asff.json");
    scan(&rescanned(d, "2026-11-21T02:00:00Z"), "asff", &second);
    let o = export(&moto.url, d, &[&second], &[]);
    let err = text(&o.stderr);
    assert_eq!(code(&o), 0, "{err}");
    assert!(
        err.contains(&format!(
            "{n} findings imported ({n} updated, 0 new), 0 archived"
        )),
        "{err}"
    );
    let held = hub(&moto.url, &regions(&doc));
    assert_eq!(held.len(), n, "no duplicates");
    for f in held.values() {
        assert_eq!(f["CreatedAt"], "2026-11-20T02:00:00.000Z");
        assert_eq!(f["UpdatedAt"], "2026-11-21T02:00:00.000Z");
    }

    // A finding no longer reported (its resource fixed away or deleted) is archived.
    let mut third: Vec<Value> =
        serde_json::from_str(&std::fs::read_to_string(&second).unwrap()).unwrap();
    let gone = third
        .iter()
        .position(|f| f["Compliance"]["Status"] == "FAILED")
        .unwrap();
    let gone_id = third.remove(gone)["Id"].as_str().unwrap().to_owned();
    let third_path = d.join("third.asff.json");
    std::fs::write(&third_path, serde_json::to_string(&third).unwrap()).unwrap();
    let o = export(&moto.url, d, &[&third_path], &[]);
    let err = text(&o.stderr);
    assert_eq!(code(&o), 0, "{err}");
    assert!(
        err.contains(&format!("{} findings imported", n - 1)) && err.contains(", 1 archived"),
        "{err}"
    );
    let held = hub(&moto.url, &regions(&doc));
    assert_eq!(held.len(), n);
    assert_eq!(held[&gone_id]["RecordState"], "ARCHIVED");
    assert_eq!(held[&gone_id]["CreatedAt"], "2026-11-20T02:00:00.000Z");
    assert_eq!(
        held.values()
            .filter(|f| f["RecordState"] == "ACTIVE")
            .count(),
        n - 1
    );
}

#[test]
fn dry_run_prints_batches_of_at_most_100_and_sends_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let asff = dir.path().join("a.json");
    scan(
        &palisade_test_kit::fixture("demo/snapshot.json"),
        "asff",
        &asff,
    );
    let doc: Vec<Value> = serde_json::from_str(&std::fs::read_to_string(&asff).unwrap()).unwrap();
    // An endpoint nothing listens on: a call would fail.
    let o = export(
        "http://127.0.0.1:9",
        dir.path(),
        &[&asff],
        &["--dry-run", "--home-region", "eu-west-1"],
    );
    assert_eq!(code(&o), 0, "{}", text(&o.stderr));
    let mut ids = BTreeSet::new();
    for line in text(&o.stdout).lines() {
        let b: Value = serde_json::from_str(line).unwrap();
        let fs = b["Findings"].as_array().unwrap();
        assert!((1..=100).contains(&fs.len()));
        for f in fs {
            let region = b["Region"].as_str().unwrap();
            assert!(f["ProductArn"]
                .as_str()
                .unwrap()
                .contains(&format!(":{region}:")));
            if f["ProductFields"]["palisade/ResourceRegion"] == "global" {
                assert_eq!(
                    region, "eu-west-1",
                    "global resources go to the home region"
                );
            }
            ids.insert(f["Id"].as_str().unwrap().to_owned());
        }
    }
    assert_eq!(ids.len(), doc.len());
}

#[test]
fn export_refuses_findings_over_the_limits() {
    let dir = tempfile::tempdir().unwrap();
    let asff = dir.path().join("a.json");
    scan(
        &palisade_test_kit::fixture("demo/snapshot.json"),
        "asff",
        &asff,
    );
    let mut doc: Vec<Value> =
        serde_json::from_str(&std::fs::read_to_string(&asff).unwrap()).unwrap();
    doc[3]["Description"] = Value::String("x".repeat(1025));
    std::fs::write(&asff, serde_json::to_string(&doc).unwrap()).unwrap();
    let o = export("http://127.0.0.1:9", dir.path(), &[&asff], &["--dry-run"]);
    assert_eq!(code(&o), 2);
    let err = text(&o.stderr);
    assert!(
        err.contains("a.json: finding 3: /Description: 1025 characters"),
        "{err}"
    );
}
