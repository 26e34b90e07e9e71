//! End-to-end tests of the CI gate: baselines (new / absent), --fail-on-new,
//! waivers with expiry on a fixed clock, SARIF validity in every mode, JUnit.

#![allow(clippy::expect_used, clippy::unwrap_used)]

mod common;

use std::path::{Path, PathBuf};

use common::{code, palisade, root};
use serde_json::Value;

fn s(p: &Path) -> &str {
    p.to_str().expect("utf8 path")
}

use palisade_test_kit::sarif::errors as sarif_errors;

fn demo_time_plus_one_day(demo: &mut Value) {
    demo["scan_time"] = Value::String("2026-11-21T02:00:00Z".into());
}

/// The demo with one finding fixed (dev's root MFA enabled) and one added (a
/// new, empty IAM group in prod).
fn changed_demo(dir: &Path) -> PathBuf {
    let mut demo: Value = serde_json::from_str(
        &std::fs::read_to_string(root().join("fixtures/demo/snapshot.json")).expect("demo"),
    )
    .expect("json");
    let accounts = demo["accounts"].as_array_mut().expect("accounts");
    let dev = accounts
        .iter_mut()
        .find(|a| a["account_id"] == "222222222222")
        .expect("dev");
    dev["iam"]["root"]["mfa_active"] = Value::Bool(true);
    demo_time_plus_one_day(&mut demo);
    let accounts = demo["accounts"].as_array_mut().expect("accounts");
    let prod = accounts
        .iter_mut()
        .find(|a| a["account_id"] == "111111111111")
        .expect("prod");
    prod["iam"]["groups"]
        .as_array_mut()
        .expect("groups")
        .push(serde_json::json!({
            "arn": "arn:aws:iam::111111111111:group/QuarterlyAuditors",
            "name": "QuarterlyAuditors"
        }));
    let path = dir.join("changed.json");
    std::fs::write(&path, serde_json::to_string_pretty(&demo).expect("ser")).expect("write");
    path
}

#[test]
fn baseline_marks_exactly_one_new_and_one_fixed() {
    let dir = tempfile::tempdir().expect("tmp");
    let base = dir.path().join("base.sarif");
    let o = palisade(&[
        "scan",
        "fixtures/demo/snapshot.json",
        "--format",
        "sarif",
        "--output",
        s(&base),
    ]);
    assert_eq!(code(&o), 1);
    let changed = changed_demo(dir.path());

    for (baseline, format) in [(base.clone(), "sarif"), (base.clone(), "json")] {
        let o = palisade(&[
            "scan",
            s(&changed),
            "--baseline",
            s(&baseline),
            "--format",
            format,
        ]);
        assert_eq!(code(&o), 1, "{}", String::from_utf8_lossy(&o.stderr));
        let doc: Value = serde_json::from_slice(&o.stdout).expect("json");
        if format == "sarif" {
            assert!(sarif_errors(&doc).is_empty(), "{:?}", sarif_errors(&doc));
            let results = doc["runs"][0]["results"].as_array().expect("results");
            let new: Vec<&Value> = results
                .iter()
                .filter(|r| r["baselineState"] == "new")
                .collect();
            assert_eq!(new.len(), 1, "exactly one new finding");
            assert_eq!(new[0]["ruleId"], "iam-group-empty");
            assert!(results
                .iter()
                .all(|r| r["baselineState"] == "new" || r["baselineState"] == "unchanged"));
            let fixed = doc["runs"][0]["properties"]["fixedSinceBaseline"]
                .as_array()
                .expect("fixed");
            assert_eq!(fixed.len(), 1);
            assert_eq!(fixed[0]["ruleId"], "iam-root-mfa-disabled");
        } else {
            let results = doc["results"].as_array().expect("results");
            assert_eq!(
                results
                    .iter()
                    .filter(|r| r["baseline_state"] == "new")
                    .count(),
                1
            );
            assert_eq!(doc["baseline"]["fixed"].as_array().map(Vec::len), Some(1));
            assert_eq!(doc["summary"]["new"], 1);
            assert_eq!(doc["summary"]["fixed"], 1);
        }
    }

    // --fail-on-new: the only new finding is an info-level hygiene finding.
    let o = palisade(&[
        "scan",
        s(&changed),
        "--baseline",
        s(&base),
        "--fail-on-new",
        "--fail-on",
        "info",
    ]);
    assert_eq!(code(&o), 1);
    let o = palisade(&[
        "scan",
        s(&changed),
        "--baseline",
        s(&base),
        "--fail-on-new",
        "--fail-on",
        "low",
    ]);
    assert_eq!(code(&o), 0, "the new finding is below low");
    // Rescanning the baseline's own snapshot: nothing new, the gate stays green.
    let o = palisade(&[
        "scan",
        "fixtures/demo/snapshot.json",
        "--baseline",
        s(&base),
        "--fail-on-new",
    ]);
    assert_eq!(code(&o), 0);
    // Without --fail-on-new the old findings still fail the build.
    let o = palisade(&[
        "scan",
        "fixtures/demo/snapshot.json",
        "--baseline",
        s(&base),
    ]);
    assert_eq!(code(&o), 1);
}

const WAIVERS: &str = r#"
# Waivers for the demo organisation.
[[waiver]]
rule = "iam-root-mfa-disabled"
account = "222222222222"
reason = "Dev root is locked in a safe; MFA device on order (TICKET-42)"
owner = "secops@acme.example"
expires = 2026-12-31

# A cost-pack rule: still valid when only --pack security is scanned.
[[waiver]]
rule = "iam-group-empty"
resource = "arn:aws:iam::999999999999:*"
reason = "Old exception for an account that no longer exists"
owner = "network-team"
expires = 2027-06-30
"#;

#[test]
fn waivers_suppress_until_they_expire() {
    let dir = tempfile::tempdir().expect("tmp");
    let w = dir.path().join("waivers.toml");
    std::fs::write(&w, WAIVERS).expect("write");
    let json = |today: &str| -> Value {
        let o = palisade(&[
            "scan",
            "fixtures/demo/snapshot.json",
            "--waivers",
            s(&w),
            "--today",
            today,
            "--format",
            "json",
        ]);
        assert_eq!(code(&o), 1);
        serde_json::from_slice(&o.stdout).expect("json")
    };
    let before = json("2026-12-31");
    let root_mfa = before["results"]
        .as_array()
        .expect("results")
        .iter()
        .find(|r| r["rule_id"] == "iam-root-mfa-disabled" && r["status"] == "fail")
        .expect("dev root finding")
        .clone();
    assert_eq!(root_mfa["suppression"]["owner"], "secops@acme.example");
    assert_eq!(before["summary"]["suppressed"], 1);
    assert_eq!(
        before["waivers"]["stale"].as_array().map(Vec::len),
        Some(1),
        "second waiver matches nothing"
    );
    assert_eq!(
        before["waivers"]["expired"].as_array().map(Vec::len),
        Some(0)
    );

    let after = json("2027-01-01");
    assert_eq!(
        after["summary"]["suppressed"], 0,
        "an expired waiver stops suppressing"
    );
    let expired = after["waivers"]["expired"].as_array().expect("expired");
    assert_eq!(expired.len(), 1);
    assert_eq!(expired[0]["rule"], "iam-root-mfa-disabled");
    assert_eq!(expired[0]["matching_findings"], 1);

    // SARIF: suppressions present and valid; omitted on request.
    let o = palisade(&[
        "scan",
        "fixtures/demo/snapshot.json",
        "--waivers",
        s(&w),
        "--today",
        "2026-12-01",
        "--format",
        "sarif",
    ]);
    let doc: Value = serde_json::from_slice(&o.stdout).expect("json");
    assert!(sarif_errors(&doc).is_empty(), "{:?}", sarif_errors(&doc));
    let results = doc["runs"][0]["results"].as_array().expect("results");
    let suppressed: Vec<&Value> = results
        .iter()
        .filter(|r| r.get("suppressions").is_some())
        .collect();
    assert_eq!(suppressed.len(), 1);
    assert_eq!(
        suppressed[0]["suppressions"][0]["justification"],
        "Dev root is locked in a safe; MFA device on order (TICKET-42)"
    );
    let o = palisade(&[
        "scan",
        "fixtures/demo/snapshot.json",
        "--waivers",
        s(&w),
        "--today",
        "2026-12-01",
        "--format",
        "sarif",
        "--sarif-omit-suppressed",
    ]);
    let omitted: Value = serde_json::from_slice(&o.stdout).expect("json");
    assert_eq!(
        omitted["runs"][0]["results"].as_array().map(Vec::len),
        Some(results.len() - 1)
    );
    assert!(sarif_errors(&omitted).is_empty());

    // A gate at critical: the only critical finding in dev's account is waived... others remain.
    let o = palisade(&[
        "scan",
        "fixtures/demo/snapshot.json",
        "--waivers",
        s(&w),
        "--today",
        "2026-12-01",
        "--pack",
        "security",
        "--fail-on",
        "critical",
    ]);
    assert_eq!(code(&o), 1);
}

#[test]
fn malformed_waivers_exit_2_with_file_and_line() {
    let dir = tempfile::tempdir().expect("tmp");
    let w = dir.path().join("waivers.toml");
    let cases = [
        ("[[waiver]]\nrule = \"iam-root-mfa-disabled\"\naccount = \"222222222222\"\nreason = \"r\"\nexpires = 2026-12-31\n", "waivers.toml:1:", "owner"),
        ("\n\n[[waiver]]\nrule = \"no-such-rule\"\nresource = \"*\"\nreason = \"r\"\nowner = \"o\"\nexpires = 2026-12-31\n", "waivers.toml:3:", "no-such-rule"),
        ("[[waiver]]\nrule = \"iam-root-mfa-disabled\"\nresource = \"*\"\nreason = \"r\"\nowner = \"o\"\nexpires = \"next week\"\n", "waivers.toml:1:", "expires"),
        ("[[waiver]\nrule = 1\n", "waivers.toml:1:", ""),
    ];
    for (text, location, word) in cases {
        std::fs::write(&w, text).expect("write");
        let o = palisade(&["scan", "fixtures/demo/snapshot.json", "--waivers", s(&w)]);
        let err = String::from_utf8_lossy(&o.stderr);
        assert_eq!(code(&o), 2, "{text}\n{err}");
        assert!(
            err.contains(location) && err.contains(word),
            "{text}\n{err}"
        );
    }
    // A baseline that is not a report.
    std::fs::write(&w, "{\"hello\": 1}").expect("write");
    let o = palisade(&["scan", "fixtures/demo/snapshot.json", "--baseline", s(&w)]);
    assert_eq!(code(&o), 2);
    std::fs::write(&w, "{\"runs\": [").expect("write");
    let o = palisade(&["scan", "fixtures/demo/snapshot.json", "--baseline", s(&w)]);
    assert_eq!(code(&o), 2);
    assert!(String::from_utf8_lossy(&o.stderr).contains("waivers.toml:1:"));
}

#[test]
fn junit_output_parses_and_matches_the_json_report() {
    let o = palisade(&["scan", "fixtures/demo/snapshot.json", "--format", "junit"]);
    assert_eq!(code(&o), 1);
    let xml = String::from_utf8(o.stdout).expect("utf8");
    assert!(xml.starts_with("<?xml"));
    // Hostile names are covered by hostile.rs; here, the structure.
    let doc = roxmltree::Document::parse(&xml).expect("well-formed XML");
    let o = palisade(&["scan", "fixtures/demo/snapshot.json", "--format", "json"]);
    let json: Value = serde_json::from_slice(&o.stdout).expect("json");
    let results = json["results"].as_array().expect("results");
    let root = doc.root_element();
    assert_eq!(root.tag_name().name(), "testsuites");
    assert_eq!(
        root.attribute("tests"),
        Some(results.len().to_string().as_str())
    );
    let fails = results.iter().filter(|r| r["status"] == "fail").count();
    assert_eq!(root.attribute("failures"), Some(fails.to_string().as_str()));
    let rules: std::collections::BTreeSet<&str> = results
        .iter()
        .filter_map(|r| r["rule_id"].as_str())
        .collect();
    let suites: Vec<&str> = root
        .children()
        .filter(|n| n.has_tag_name("testsuite"))
        .filter_map(|n| n.attribute("name"))
        .collect();
    assert_eq!(suites, rules.into_iter().collect::<Vec<_>>());
    let cases = doc
        .descendants()
        .filter(|n| n.has_tag_name("testcase"))
        .count();
    assert_eq!(cases, results.len());
    let root_mfa = doc
        .descendants()
        .filter(|n| n.has_tag_name("failure"))
        .filter(|n| {
            n.parent()
                .and_then(|c| c.attribute("classname"))
                .is_some_and(|c| c == "iam-root-mfa-disabled")
        })
        .collect::<Vec<_>>();
    assert_eq!(root_mfa.len(), 1, "the dev account's root MFA finding");
    assert_eq!(root_mfa[0].attribute("type"), Some("critical"));
}

#[test]
fn history_records_diffs_and_summarises() {
    let dir = tempfile::tempdir().expect("tmp");
    let db = dir.path().join("history.sqlite");
    let changed = changed_demo(dir.path());
    let o = palisade(&[
        "scan",
        "fixtures/demo/snapshot.json",
        "--record",
        "--history-db",
        s(&db),
        "--format",
        "json",
    ]);
    assert_eq!(code(&o), 1);
    // The nightly HTML report of the second scan carries its history
    // section: one new and one fixed finding since the first scan, and
    // every framework's trend over both.
    let page = dir.path().join("nightly.html");
    let o = palisade(&[
        "scan",
        s(&changed),
        "--record",
        "--history-db",
        s(&db),
        "--format",
        "html",
        "--output",
        s(&page),
    ]);
    assert_eq!(code(&o), 1);
    let page = std::fs::read_to_string(&page).expect("html");
    let data = common::html_data(&page);
    let history = &data["history"];
    assert_eq!(history["new"]["total"], 1, "{history}");
    assert_eq!(history["fixed"]["total"], 1, "{history}");
    assert_eq!(history["new"]["groups"][0]["rule_id"], "iam-group-empty");
    assert_eq!(history["previous_scan_id"], 1);
    let o = palisade(&["history", "--db", s(&db)]);
    assert_eq!(code(&o), 0);
    let list = String::from_utf8_lossy(&o.stdout).into_owned();
    assert_eq!(list.lines().count(), 3, "{list}");
    let o = palisade(&["diff", "1", "2", "--db", s(&db), "--json"]);
    assert_eq!(code(&o), 0);
    let d: Value = serde_json::from_slice(&o.stdout).expect("json");
    assert_eq!(d["new"].as_array().map(Vec::len), Some(1));
    assert_eq!(d["fixed"].as_array().map(Vec::len), Some(1));
    assert_eq!(d["new"][0]["rule_id"], "iam-group-empty");
    let o = palisade(&["history", "--db", s(&db), "--markdown"]);
    let md = String::from_utf8_lossy(&o.stdout).into_owned();
    assert!(md.contains("1 new") && md.contains("1 fixed"), "{md}");
    // Both recorded scans kept every framework's control outcomes.
    let cis = md
        .lines()
        .find(|l| l.starts_with("| cis\\-aws\\-6\\.0 |"))
        .unwrap_or_else(|| panic!("no CIS trend row:\n{md}"));
    assert!(cis.ends_with("| 2 |"), "two scans in the trend: {cis}");
    assert!(
        md.contains("| 1 |"),
        "findings open since the first scan are one day old:\n{md}"
    );
    let o = palisade(&["diff", "1", "7", "--db", s(&db)]);
    assert_eq!(code(&o), 2);
}

#[test]
fn framework_report_per_control() {
    let o = palisade(&[
        "scan",
        "fixtures/demo/snapshot.json",
        "--framework",
        "cis-aws-6.0",
    ]);
    assert_eq!(code(&o), 1);
    let out = String::from_utf8_lossy(&o.stdout).into_owned();
    assert!(
        out.contains("CIS") && out.contains("manual") && out.contains("FAIL"),
        "{out}"
    );
    let o = palisade(&[
        "scan",
        "fixtures/demo/snapshot.json",
        "--framework",
        "cis-aws-6.0",
        "--format",
        "json",
    ]);
    let doc: Value = serde_json::from_slice(&o.stdout).expect("json");
    let controls = doc["framework"]["controls"].as_array().expect("controls");
    let root_mfa = controls
        .iter()
        .find(|c| c["id"] == "2.4")
        .expect("CIS 2.4 root MFA");
    assert_eq!(root_mfa["status"], "fail");
    assert!(root_mfa["failing_resources"]
        .as_array()
        .expect("resources")
        .iter()
        .any(|r| r == "222222222222"));
    assert!(controls
        .iter()
        .any(|c| c["status"] == "manual" && c["note"].as_str().is_some_and(|n| !n.is_empty())));
    let o = palisade(&[
        "scan",
        "fixtures/demo/snapshot.json",
        "--framework",
        "no-such-framework",
    ]);
    assert_eq!(code(&o), 2);
}
