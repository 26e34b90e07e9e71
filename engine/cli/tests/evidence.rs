//! End-to-end tests of `palisade evidence` and `palisade evidence verify`
//! with the built binary: every file of the bundle, CSV statuses equal to
//! `scan --framework`, coverage gaps shown (never passes), OSCAL valid
//! against NIST's schema and loadable by compliance-trestle, tampering of
//! every file detected, hostile strings inert, bad inputs refused, and the
//! same inputs giving the same bytes (directory and zip).

#![allow(clippy::expect_used, clippy::unwrap_used)]

#[allow(dead_code)] // `palisade()` is replaced here (PALISADE_BIN)
mod common;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use common::code;
use serde_json::Value;

/// Runs the built `palisade` (or `$PALISADE_BIN`, for a copy of the binary
/// when several checkouts share one target directory) from the repository
/// root.
fn palisade(args: &[&str]) -> std::process::Output {
    let mut cmd = match std::env::var_os("PALISADE_BIN") {
        Some(bin) => assert_cmd::Command::new(bin),
        None => common::command(),
    };
    cmd.current_dir(common::root())
        .args(args)
        .output()
        .expect("run palisade")
}

const DEMO: &str = "fixtures/demo/snapshot.json";
const HOSTILE: &str = "fixtures/hostile/snapshot.json";
const TODAY: &str = "2026-11-30";

fn text(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

/// Writes a bundle of `snapshot` into `dir/name` (and `dir/name.zip`),
/// asserting success; returns the bundle directory.
/// Writes a bundle; the exit code is 0, or 3 when the evidence is
/// incomplete (coverage gaps, checks not evaluated).
fn bundle(dir: &Path, name: &str, snapshot: &str, extra: &[&str]) -> PathBuf {
    bundle_code(dir, name, snapshot, extra).0
}

/// [`bundle`], with the exit code.
fn bundle_code(dir: &Path, name: &str, snapshot: &str, extra: &[&str]) -> (PathBuf, i32) {
    let out = dir.join(name);
    let zip = dir.join(format!("{name}.zip"));
    let mut args = vec![
        "evidence",
        snapshot,
        "--output",
        out.to_str().unwrap(),
        "--zip",
        zip.to_str().unwrap(),
        "--today",
        TODAY,
    ];
    args.extend_from_slice(extra);
    let o = palisade(&args);
    assert!(matches!(code(&o), 0 | 3), "{}", text(&o.stderr));
    (out, code(&o))
}

/// Every file under `dir`, by relative `/` path.
fn files(dir: &Path) -> BTreeMap<String, Vec<u8>> {
    let mut out = BTreeMap::new();
    let mut stack = vec![dir.to_owned()];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d).unwrap() {
            let p = e.unwrap().path();
            if p.is_dir() {
                stack.push(p);
            } else {
                let rel = p
                    .strip_prefix(dir)
                    .unwrap()
                    .to_str()
                    .unwrap()
                    .replace('\\', "/");
                out.insert(rel, std::fs::read(&p).unwrap());
            }
        }
    }
    out
}

/// An RFC 4180 parser (quoted fields, doubled quotes, CRLF rows).
fn parse_csv(s: &str) -> Vec<Vec<String>> {
    let (mut rows, mut row, mut field) = (Vec::new(), Vec::new(), String::new());
    let (mut quoted, mut chars) = (false, s.chars().peekable());
    while let Some(c) = chars.next() {
        match (quoted, c) {
            (true, '"') if chars.peek() == Some(&'"') => {
                chars.next();
                field.push('"');
            }
            (true, '"') => quoted = false,
            (true, c) => field.push(c),
            (false, '"') => quoted = true,
            (false, ',') => row.push(std::mem::take(&mut field)),
            (false, '\r') => {}
            (false, '\n') => {
                row.push(std::mem::take(&mut field));
                rows.push(std::mem::take(&mut row));
            }
            (false, c) => field.push(c),
        }
    }
    assert!(
        !quoted && field.is_empty() && row.is_empty(),
        "unterminated CSV"
    );
    rows
}

fn json(bytes: &[u8]) -> Value {
    serde_json::from_slice(bytes).expect("JSON")
}

fn frameworks() -> Vec<String> {
    palisade_test_kit::pack()
        .frameworks
        .iter()
        .map(|f| f.id.clone())
        .collect()
}

fn schema() -> jsonschema::Validator {
    let s = json(
        &std::fs::read(palisade_test_kit::fixture(
            "oscal/oscal_assessment-results_schema.json",
        ))
        .unwrap(),
    );
    jsonschema::validator_for(&s).expect("schema compiles")
}

fn assert_oscal_valid(files: &BTreeMap<String, Vec<u8>>) {
    let v = schema();
    for (path, bytes) in files
        .iter()
        .filter(|(p, _)| p.ends_with("assessment-results.json"))
    {
        let doc = json(bytes);
        let errs: Vec<String> = v
            .iter_errors(&doc)
            .map(|e| format!("{}: {e}", e.instance_path))
            .collect();
        assert!(errs.is_empty(), "{path}: {errs:#?}");
    }
}

/// The control statuses of `scan --framework fw --format json`.
fn scan_statuses(snapshot: &str, fw: &str) -> Vec<(String, String, Vec<String>)> {
    let o = palisade(&["scan", snapshot, "--framework", fw, "--format", "json"]);
    assert!(matches!(code(&o), 0 | 1 | 3), "{}", text(&o.stderr));
    let v = json(&o.stdout);
    v["framework"]["controls"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| {
            let failing = c["failing_resources"]
                .as_array()
                .unwrap()
                .iter()
                .map(|r| r.as_str().unwrap().to_owned())
                .collect();
            (
                c["id"].as_str().unwrap().to_owned(),
                c["status"].as_str().unwrap().to_owned(),
                failing,
            )
        })
        .collect()
}

/// (id, status, failing resources) of each row of a controls.csv.
fn csv_statuses(bytes: &[u8]) -> Vec<(String, String, Vec<String>)> {
    let rows = parse_csv(&text(bytes));
    assert_eq!(rows[0][0], "control_id");
    assert!(rows.iter().all(|r| r.len() == rows[0].len()));
    rows[1..]
        .iter()
        .map(|r| {
            let failing = r[8]
                .lines()
                .filter(|l| !l.is_empty())
                .map(str::to_owned)
                .collect();
            (r[0].clone(), r[2].clone(), failing)
        })
        .collect()
}

#[test]
fn demo_bundle_has_every_file_and_agrees_with_scan() {
    let dir = tempfile::tempdir().unwrap();
    let (out, exit) = bundle_code(dir.path(), "demo", DEMO, &[]);
    assert_eq!(exit, 0, "the demo is complete: no gap, every check judged");
    let f = files(&out);
    let mut want: Vec<String> = [
        "snapshot.json",
        "report.json",
        "report.sarif",
        "artifact/reports.json",
        "index.html",
        "manifest.json",
    ]
    .map(str::to_owned)
    .to_vec();
    for fw in frameworks() {
        want.push(format!("frameworks/{fw}/controls.csv"));
        want.push(format!("frameworks/{fw}/assessment-results.json"));
    }
    want.sort();
    assert_eq!(f.keys().cloned().collect::<Vec<_>>(), want);
    assert_eq!(
        f["snapshot.json"],
        std::fs::read(common::root().join(DEMO)).unwrap(),
        "not the exact bytes"
    );
    let report = json(&f["report.json"]);
    assert!(report.get("framework").is_none());
    // The HTML report of the same scan, for the person reading the bundle.
    let page = String::from_utf8(f["index.html"].clone()).unwrap();
    assert!(page.starts_with("<!DOCTYPE html>"), "{}", &page[..100]);
    assert!(page.contains("Content-Security-Policy"));
    assert_eq!(report["snapshot"]["uri"], "snapshot.json");
    for fw in frameworks() {
        let csv = csv_statuses(&f[&format!("frameworks/{fw}/controls.csv")]);
        assert_eq!(csv, scan_statuses(DEMO, &fw), "{fw}");
    }
    // The manifest: every other file with its hash and size, sorted.
    let m = json(&f["manifest.json"]);
    let listed: Vec<&str> = m["files"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["path"].as_str().unwrap())
        .collect();
    let others: Vec<&str> = want
        .iter()
        .map(String::as_str)
        .filter(|p| *p != "manifest.json")
        .collect();
    assert_eq!(listed, others);
    assert_eq!(m["snapshot"]["sha256"], report["snapshot"]["sha256"]);
    assert_eq!(m["rules"]["fingerprint"], report["rules"]["fingerprint"]);
    assert_eq!(m["generated"], "2026-11-30T00:00:00Z");
    assert_eq!(m["results"], report["summary"]);
    // Artifact: the reports of 111111111111; 222222222222 was never read.
    let art = json(&f["artifact/reports.json"]);
    let accounts = art["accounts"].as_array().unwrap();
    assert_eq!(accounts[0]["status"], "collected");
    assert_eq!(accounts[0]["reports"].as_array().unwrap().len(), 4);
    assert_eq!(accounts[1]["status"], "not_collected");
    // The demo was collected before agreements were: unknown, not none.
    assert_eq!(accounts[0]["agreements"]["status"], "not_collected");
    assert!(accounts[0]["agreements"]["items"]
        .as_array()
        .unwrap()
        .is_empty());
    assert_oscal_valid(&f);
    // A subset of frameworks, in the order asked.
    let o = bundle(
        dir.path(),
        "two",
        DEMO,
        &["--framework", "soc2", "--framework", "aws-fsbp"],
    );
    let m = json(&std::fs::read(o.join("manifest.json")).unwrap());
    let ids: Vec<&str> = m["frameworks"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["id"].as_str().unwrap())
        .collect();
    assert_eq!(ids, ["soc2", "aws-fsbp"]);
    assert!(!o.join("frameworks/cis-aws-6.0").exists());
}

/// The demo snapshot with the password policy unreadable in both accounts
/// and Artifact unreadable in 111111111111.
fn gap_snapshot(dir: &Path) -> PathBuf {
    let mut v = json(&std::fs::read(common::root().join(DEMO)).unwrap());
    for a in v["accounts"].as_array_mut().unwrap() {
        for c in a["coverage"].as_array_mut().unwrap() {
            if c["api"] == "GetAccountPasswordPolicy" || c["service"] == "artifact" {
                c["status"] = "failed".into();
                c["error"] = "AccessDenied: not authorized".into();
            }
        }
        a["artifact_reports"] = Value::Array(Vec::new());
        a["iam"]["password_policy"] = Value::Null;
    }
    let p = dir.join("gaps.json");
    std::fs::write(&p, serde_json::to_vec_pretty(&v).unwrap()).unwrap();
    p
}

#[test]
fn coverage_gaps_make_controls_not_evaluated_and_are_stated() {
    let dir = tempfile::tempdir().unwrap();
    let snap = gap_snapshot(dir.path());
    let snap = snap.to_str().unwrap();
    let (out, exit) = bundle_code(dir.path(), "gaps", snap, &[]);
    assert_eq!(exit, 3, "written, and incomplete");
    let f = files(&out);
    for fw in frameworks() {
        let csv = csv_statuses(&f[&format!("frameworks/{fw}/controls.csv")]);
        assert_eq!(csv, scan_statuses(snap, &fw), "{fw}");
    }
    let cis = parse_csv(&text(&f["frameworks/cis-aws-6.0/controls.csv"]));
    let ne: Vec<&Vec<String>> = cis.iter().filter(|r| r[2] == "not_evaluated").collect();
    assert!(!ne.is_empty(), "no not_evaluated control");
    for r in &ne {
        assert_ne!(r[6], "0", "{r:?}");
        assert!(
            r[9].contains("111111111111 (coverage gap: ")
                && r[9].contains("AccessDenied: not authorized"),
            "{r:?}"
        );
    }
    let m = json(&f["manifest.json"]);
    let gaps = m["coverage_gaps"].as_array().unwrap();
    for api in ["GetAccountPasswordPolicy", "ListReports"] {
        assert!(
            gaps.iter()
                .any(|g| g["api"] == api && g["account_id"] == "111111111111"),
            "{api}: {gaps:?}"
        );
    }
    let art = json(&f["artifact/reports.json"]);
    let a = &art["accounts"][0];
    assert_eq!(a["status"], "not_readable");
    assert_eq!(a["gaps"][0]["error"], "AccessDenied: not authorized");
    assert!(a["explanation"].as_str().unwrap().contains("not absent"));
    // OSCAL: a not-satisfied finding with reason "other" per not-evaluated control.
    let doc = json(&f["frameworks/cis-aws-6.0/assessment-results.json"]);
    let findings = doc["assessment-results"]["results"][0]["findings"]
        .as_array()
        .unwrap();
    let other = findings
        .iter()
        .filter(|x| x["target"]["status"]["reason"] == "other")
        .count();
    assert_eq!(other, ne.len());
    assert!(doc["assessment-results"]["results"][0]["remarks"]
        .as_str()
        .unwrap()
        .contains("GetAccountPasswordPolicy"));
    assert_oscal_valid(&f);
}

#[test]
fn verify_detects_a_change_to_every_file_an_added_and_a_removed_file() {
    let dir = tempfile::tempdir().unwrap();
    let out = bundle(dir.path(), "b", DEMO, &[]);
    let out_s = out.to_str().unwrap();
    let o = palisade(&["evidence", "verify", out_s]);
    assert_eq!(code(&o), 0, "{}{}", text(&o.stdout), text(&o.stderr));
    let manifest_sha =
        palisade_report::evidence::sha256_hex(&std::fs::read(out.join("manifest.json")).unwrap());
    assert!(text(&o.stdout).contains(&manifest_sha));
    let zip = dir.path().join("b.zip");
    let o = palisade(&["evidence", "verify", zip.to_str().unwrap()]);
    assert_eq!(code(&o), 0, "{}{}", text(&o.stdout), text(&o.stderr));
    for (rel, bytes) in files(&out) {
        let path = out.join(&rel);
        let mut changed = bytes.clone();
        // One byte, in the middle of the file.
        changed[bytes.len() / 2] ^= 0x01;
        std::fs::write(&path, &changed).unwrap();
        let o = palisade(&["evidence", "verify", out_s]);
        let stdout = text(&o.stdout);
        if rel == "manifest.json" {
            // A changed manifest is unreadable (2) or no longer matches
            // its self_sha256 (1).
            assert!(matches!(code(&o), 1 | 2), "{rel}: {stdout}");
            if code(&o) == 1 {
                assert!(stdout.contains("changed: manifest.json"), "{stdout}");
            }
        } else {
            assert_eq!(code(&o), 1, "{rel}: {stdout}");
            assert!(
                stdout.contains(&format!("changed: {rel} ")),
                "{rel}: {stdout}"
            );
        }
        std::fs::write(&path, &bytes).unwrap();
    }
    // The recorded manifest hash: matched, then not.
    let o = palisade(&[
        "evidence",
        "verify",
        out_s,
        "--manifest-sha256",
        &manifest_sha,
    ]);
    assert_eq!(code(&o), 0, "{}", text(&o.stdout));
    let other = "0".repeat(64);
    let o = palisade(&["evidence", "verify", out_s, "--manifest-sha256", &other]);
    assert_eq!(code(&o), 1, "{}", text(&o.stdout));
    // A manifest whose every byte is changed in turn: never intact.
    let m = std::fs::read(out.join("manifest.json")).unwrap();
    for i in (0..m.len()).step_by(97) {
        let mut changed = m.clone();
        changed[i] = if changed[i] == b'0' { b'1' } else { b'0' };
        std::fs::write(out.join("manifest.json"), &changed).unwrap();
        let o = palisade(&["evidence", "verify", out_s]);
        assert_ne!(code(&o), 0, "byte {i}: {}", text(&o.stdout));
    }
    std::fs::write(out.join("manifest.json"), &m).unwrap();
    std::fs::write(out.join("frameworks/notes.txt"), "x").unwrap();
    std::fs::remove_file(out.join("report.sarif")).unwrap();
    let o = palisade(&["evidence", "verify", out_s]);
    let stdout = text(&o.stdout);
    assert_eq!(code(&o), 1, "{stdout}");
    assert!(stdout.contains("added: frameworks/notes.txt"), "{stdout}");
    assert!(stdout.contains("removed: report.sarif"), "{stdout}");
    std::fs::write(
        out.join("manifest.json"),
        "{\"format\": \"palisade-evidence\",\n \"files\": 3}",
    )
    .unwrap();
    let o = palisade(&["evidence", "verify", out_s]);
    let err = text(&o.stderr);
    assert_eq!(code(&o), 2, "{err}");
    assert!(err.contains("manifest.json:2:"), "{err}");
}

#[test]
fn hostile_strings_are_inert_in_csv_and_exact_in_oscal() {
    let dir = tempfile::tempdir().unwrap();
    // The hostile snapshot, with one user's ARN itself a formula (so the
    // CSV cell of failing resources starts with it).
    let mut v = json(&std::fs::read(common::root().join(HOSTILE)).unwrap());
    let arn = v["accounts"][0]["iam"]["users"][0]["arn"]
        .as_str()
        .unwrap()
        .to_owned();
    assert!(arn.contains("=HYPERLINK("), "fixture changed: {arn}");
    let formula = format!("=HYPERLINK(\"http://evil.example\",\"x\")\n{arn}");
    let text_of = serde_json::to_string_pretty(&v).unwrap().replace(
        &serde_json::to_string(&arn).unwrap(),
        &serde_json::to_string(&formula).unwrap(),
    );
    v = json(text_of.as_bytes());
    assert_eq!(v["accounts"][0]["iam"]["users"][0]["arn"], formula.as_str());
    let snap = dir.path().join("hostile.json");
    std::fs::write(&snap, &text_of).unwrap();
    let out = bundle(
        dir.path(),
        "h",
        snap.to_str().unwrap(),
        &["--framework", "cis-aws-6.0"],
    );
    let f = files(&out);
    let rows = parse_csv(&text(&f["frameworks/cis-aws-6.0/controls.csv"]));
    let mut seen = false;
    for row in &rows {
        for cell in row {
            // No cell starts a formula; the hostile ARN is there, prefixed.
            assert!(
                !cell.starts_with(['=', '+', '-', '@', '\t', '\r']),
                "{cell:?}"
            );
            seen |= cell.starts_with(&format!("'{formula}"));
        }
    }
    assert!(seen, "the hostile resource is not listed first in a cell");
    let doc = json(&f["frameworks/cis-aws-6.0/assessment-results.json"]);
    let r = &doc["assessment-results"]["results"][0];
    let items = r["local-definitions"]["inventory-items"]
        .as_array()
        .unwrap();
    assert!(items.iter().any(|i| i["description"] == formula.as_str()));
    assert!(r["observations"]
        .as_array()
        .unwrap()
        .iter()
        .any(|o| o["subjects"][0]["title"] == formula.as_str()));
    assert_oscal_valid(&f);
}

#[test]
fn bad_inputs_exit_2_with_clear_messages() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("o");
    let out_s = out.to_str().unwrap();
    let o = palisade(&["evidence", DEMO, "-o", out_s, "--framework", "nope"]);
    let err = text(&o.stderr);
    assert_eq!(code(&o), 2, "{err}");
    assert!(
        err.contains("unknown framework \"nope\"") && err.contains("cis-aws-6.0"),
        "{err}"
    );
    let bad = dir.path().join("bad.json");
    std::fs::write(
        &bad,
        "{\"format\": \"palisade-snapshot\", \"version\": 1,\n \"scan_time\": 5}",
    )
    .unwrap();
    let o = palisade(&["evidence", bad.to_str().unwrap(), "-o", out_s]);
    let err = text(&o.stderr);
    assert_eq!(code(&o), 2, "{err}");
    assert!(err.contains("bad.json") && err.contains(":2:"), "{err}");
    assert!(!out.exists(), "a failed run left a bundle");
    std::fs::create_dir(&out).unwrap();
    std::fs::write(out.join("keep.txt"), "mine").unwrap();
    let o = palisade(&["evidence", DEMO, "-o", out_s]);
    let err = text(&o.stderr);
    assert_eq!(code(&o), 2, "{err}");
    assert!(
        err.contains("not empty") && err.contains("--force"),
        "{err}"
    );
    assert_eq!(
        std::fs::read_to_string(out.join("keep.txt")).unwrap(),
        "mine"
    );
    let o = palisade(&["evidence", DEMO, "-o", out_s, "--force", "--today", TODAY]);
    assert_eq!(code(&o), 0, "{}", text(&o.stderr));
    assert!(!out.join("keep.txt").exists() && out.join("manifest.json").exists());
    // Nothing but the bundle is left beside it (no temporary directory).
    let names: Vec<_> = std::fs::read_dir(dir.path())
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .collect();
    assert_eq!(names.len(), 2, "{names:?}");
    let inside = out.join("b.zip");
    let o = palisade(&[
        "evidence",
        DEMO,
        "-o",
        out_s,
        "--force",
        "--zip",
        inside.to_str().unwrap(),
    ]);
    assert_eq!(code(&o), 2, "{}", text(&o.stderr));
    assert!(
        text(&o.stderr).contains("inside the bundle"),
        "{}",
        text(&o.stderr)
    );
    let zip = dir.path().join("o.zip");
    std::fs::write(&zip, "mine").unwrap();
    let o = palisade(&[
        "evidence",
        DEMO,
        "-o",
        dir.path().join("p").to_str().unwrap(),
        "--zip",
        zip.to_str().unwrap(),
    ]);
    assert_eq!(code(&o), 2, "{}", text(&o.stderr));
    assert!(text(&o.stderr).contains("--force"), "{}", text(&o.stderr));
    assert_eq!(std::fs::read_to_string(&zip).unwrap(), "mine");
    let o = palisade(&["evidence", DEMO]);
    assert_eq!(code(&o), 2);
    assert!(text(&o.stderr).contains("--output"), "{}", text(&o.stderr));
}

#[test]
fn same_snapshot_pack_and_today_give_identical_bytes() {
    let dir = tempfile::tempdir().unwrap();
    let a = bundle(dir.path(), "a", DEMO, &[]);
    let b = bundle(dir.path(), "b", DEMO, &[]);
    let (fa, fb) = (files(&a), files(&b));
    assert_eq!(fa.keys().collect::<Vec<_>>(), fb.keys().collect::<Vec<_>>());
    for (k, v) in &fa {
        assert!(v == &fb[k], "{k} differs between runs");
    }
    let za = std::fs::read(dir.path().join("a.zip")).unwrap();
    let zb = std::fs::read(dir.path().join("b.zip")).unwrap();
    assert!(za == zb, "the zips differ");
    // Another day: only the timestamps move.
    let c = dir.path().join("c");
    let o = palisade(&[
        "evidence",
        DEMO,
        "-o",
        c.to_str().unwrap(),
        "--today",
        "2026-12-01",
    ]);
    assert_eq!(code(&o), 0, "{}", text(&o.stderr));
    let fc = files(&c);
    assert_eq!(
        fa["frameworks/soc2/controls.csv"],
        fc["frameworks/soc2/controls.csv"]
    );
    assert_ne!(fa["manifest.json"], fc["manifest.json"]);
}

/// compliance-trestle (the OSCAL reference tooling in Python) loads every
/// document of the demo and gap bundles. Fails, naming the fix, when the
/// test dependencies are not installed.
#[test]
fn compliance_trestle_loads_every_document() {
    let python = palisade_test_kit::moto::python();
    if let Err(e) = palisade_test_kit::moto::check_python(&python, &["trestle"]) {
        panic!("compliance-trestle is required (scripts/test-requirements.txt): {e}");
    }
    let dir = tempfile::tempdir().unwrap();
    let snap = gap_snapshot(dir.path());
    for (name, snap) in [("demo", DEMO), ("gaps", snap.to_str().unwrap())] {
        let out = bundle(dir.path(), name, snap, &[]);
        let docs: Vec<PathBuf> = files(&out)
            .keys()
            .filter(|p| p.ends_with("assessment-results.json"))
            .map(|p| out.join(p))
            .collect();
        let script = common::root().join("engine/cli/tests/evidence_py/load_with_trestle.py");
        let o = std::process::Command::new(&python)
            .arg(&script)
            .args(&docs)
            .output()
            .expect("run python");
        let stdout = text(&o.stdout);
        assert!(o.status.success(), "{stdout}{}", text(&o.stderr));
        for d in &docs {
            let doc = json(&std::fs::read(d).unwrap());
            let r = &doc["assessment-results"]["results"][0];
            let want = format!(
                "{}: results=1 observations={} findings={}",
                d.display(),
                r["observations"].as_array().map_or(0, Vec::len),
                r["findings"].as_array().map_or(0, Vec::len)
            );
            assert!(stdout.lines().any(|l| l == want), "{want}\n{stdout}");
        }
    }
}

/// `evidence --live` collects first (moto as the AWS endpoint) and the
/// bundle holds the snapshot collected; moto has no AWS Artifact, so the
/// inventory says the reports could not be read.
#[test]
fn live_bundle_holds_the_collected_snapshot_and_states_the_artifact_gap() {
    let moto = palisade_test_kit::moto::moto();
    let dir = tempfile::tempdir().unwrap();
    let live = dir.path().join("live.json");
    let out = dir.path().join("bundle");
    let regions = palisade_test_kit::moto::REGIONS.join(",");
    let mut cmd = match std::env::var_os("PALISADE_BIN") {
        Some(bin) => assert_cmd::Command::new(bin),
        None => common::command(),
    };
    let o = cmd
        .current_dir(common::root())
        .env("AWS_ACCESS_KEY_ID", "testing")
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
        .args([
            "evidence",
            "--live",
            live.to_str().unwrap(),
            "--endpoint-url",
            &moto.url,
            "--regions",
            &regions,
            "-q",
            "--output",
            out.to_str().unwrap(),
            "--framework",
            "cis-aws-6.0",
        ])
        .output()
        .unwrap();
    // moto has no Artifact: the bundle is written, and incomplete.
    assert_eq!(code(&o), 3, "{}", text(&o.stderr));
    let f = files(&out);
    assert_eq!(f["snapshot.json"], std::fs::read(&live).unwrap());
    let art = json(&f["artifact/reports.json"]);
    let a = &art["accounts"][0];
    assert_eq!(a["account_id"], palisade_test_kit::moto::ACCOUNT);
    assert_eq!(a["status"], "not_readable", "{a}");
    assert_eq!(a["gaps"][0]["api"], "ListReports");
    // moto has no Artifact: the agreements are a gap of their own.
    assert_eq!(a["agreements"]["status"], "not_readable", "{a}");
    assert_eq!(a["agreements"]["gaps"][0]["api"], "ListCustomerAgreements");
    let m = json(&f["manifest.json"]);
    assert!(m["coverage_gaps"]
        .as_array()
        .unwrap()
        .iter()
        .any(|g| g["api"] == "ListReports"));
    assert_oscal_valid(&f);
}

#[test]
fn accepted_agreements_are_in_the_artifact_inventory() {
    let dir = tempfile::tempdir().unwrap();
    let mut v = json(&std::fs::read(common::root().join(DEMO)).unwrap());
    let a = &mut v["accounts"][0];
    a["coverage"].as_array_mut().unwrap().push(serde_json::json!({
        "service": "artifact", "region": "global", "api": "ListCustomerAgreements", "status": "ok"
    }));
    a["artifact_agreements"] = serde_json::json!([{
        "arn": "arn:aws:artifact::111111111111:customer-agreement/customer-agreement-abcdef0123456789",
        "id": "customer-agreement-abcdef0123456789",
        "name": "=HYPERLINK(\"http://evil.example\") Business Associate Addendum",
        "agreement_type": "DEFAULT",
        "state": "ACTIVE",
        "effective_start": "2025-03-01T12:00:00Z"
    }]);
    let snap = dir.path().join("agreements.json");
    std::fs::write(&snap, serde_json::to_vec_pretty(&v).unwrap()).unwrap();
    let out = bundle(dir.path(), "agreements", snap.to_str().unwrap(), &[]);
    let art = json(&files(&out)["artifact/reports.json"]);
    let ag = &art["accounts"][0]["agreements"];
    assert_eq!(ag["status"], "collected", "{ag}");
    assert_eq!(ag["items"].as_array().unwrap().len(), 1);
    assert_eq!(ag["items"][0]["state"], "ACTIVE");
    assert_eq!(
        ag["items"][0]["name"], "=HYPERLINK(\"http://evil.example\") Business Associate Addendum",
        "carried exactly (JSON, not a spreadsheet)"
    );
    assert!(ag["gaps"].as_array().unwrap().is_empty());
}
