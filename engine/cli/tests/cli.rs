//! End-to-end tests of the built `palisade` binary on the demo organisation
//! and on bad input: exit codes, SARIF validity and locations, error messages.

#![allow(clippy::expect_used, clippy::unwrap_used)]

mod common;

use std::path::Path;

use common::{code, palisade, root};
use serde_json::Value;

fn text(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

const DEMO: &str = "fixtures/demo/snapshot.json";
/// Failed results of the full pack on the demo organisation.
const DEMO_FINDINGS: usize = 546;

#[test]
fn demo_scan_prints_findings_and_fails_on_them() {
    let o = palisade(&["scan", DEMO]);
    let out = text(&o.stdout);
    assert_eq!(code(&o), 1, "stdout:\n{out}\nstderr:\n{}", text(&o.stderr));
    // Seeded violations in both accounts, across all five areas.
    for needle in [
        "iam-root-mfa-disabled",
        "ec2-sg-admin-ports-open-ipv4",
        "ec2-nacl-admin-ports-open",
        "wafv2-webacl-no-rules",
        "backup-vault-lock-disabled",
        "config-recorder-not-enabled",
        "222222222222",
        "111111111111",
    ] {
        assert!(out.contains(needle), "missing {needle} in:\n{out}");
    }
    assert!(out.contains("Failures by severity: critical"), "{out}");
    assert!(out.contains("Failures by pack: security"), "{out}");
    // Untrusted names in the table: see hostile.rs (the demo holds none).
}

#[test]
fn fail_on_threshold_and_clean_exit() {
    let o = palisade(&["scan", DEMO, "--fail-on", "critical"]);
    assert_eq!(code(&o), 1, "the demo has critical findings");
    let dir = tempfile::tempdir().expect("tmp");
    let empty = dir.path().join("empty.json");
    std::fs::write(
        &empty,
        r#"{"format":"palisade-snapshot","version":1,"scan_time":"2026-11-01T00:00:00Z","accounts":[{"account_id":"123456789012","regions":["us-east-1"]}]}"#,
    )
    .expect("write");
    let o = palisade(&["scan", empty.to_str().expect("utf8"), "--pack", "cost"]);
    assert_eq!(code(&o), 0, "{}", text(&o.stdout));
    // The same empty account fails the security pack (no password policy),
    // and its root facts are unknown (no credential report, no account
    // summary): the root checks are not evaluated, so the scan is incomplete.
    let o = palisade(&["scan", empty.to_str().expect("utf8"), "--pack", "security"]);
    assert_eq!(code(&o), 3);
    let out = text(&o.stdout);
    assert!(out.contains("iam-password-policy-min-length"), "{out}");
    assert!(!out.contains("iam-root-mfa-disabled "), "{out}");
    assert!(
        out.contains("11 fail, 1 pass, 0 error, 5 not evaluated"),
        "{out}"
    );
}

#[test]
fn sarif_is_valid_and_every_result_points_at_its_resource() {
    let dir = tempfile::tempdir().expect("tmp");
    let out = dir.path().join("demo.sarif");
    let o = palisade(&[
        "scan",
        DEMO,
        "--format",
        "sarif",
        "--output",
        out.to_str().expect("utf8"),
    ]);
    assert_eq!(code(&o), 1, "{}", text(&o.stderr));
    let sarif: Value =
        serde_json::from_str(&std::fs::read_to_string(&out).expect("sarif written")).expect("json");
    palisade_test_kit::sarif::assert_valid(&sarif);

    let snapshot_lines: Vec<String> = std::fs::read_to_string(root().join(DEMO))
        .expect("demo")
        .lines()
        .map(str::to_owned)
        .collect();
    let run = &sarif["runs"][0];
    let rules = run["tool"]["driver"]["rules"].as_array().expect("rules");
    assert_eq!(rules.len(), palisade_test_kit::pack().rules.len());
    for r in rules {
        assert!(
            r["help"]["text"].as_str().is_some_and(|t| !t.is_empty()),
            "rule without help: {r}"
        );
        assert!(
            r["properties"]["security-severity"].as_str().is_some(),
            "rule without security-severity: {r}"
        );
        assert!(r["properties"]["tags"]
            .as_array()
            .is_some_and(|t| !t.is_empty()));
    }
    let results = run["results"].as_array().expect("results");
    assert_eq!(results.len(), DEMO_FINDINGS, "demo findings");
    let mut fingerprints = std::collections::HashSet::new();
    for res in results {
        let loc = &res["locations"][0];
        assert_eq!(loc["physicalLocation"]["artifactLocation"]["uri"], DEMO);
        let line = loc["physicalLocation"]["region"]["startLine"]
            .as_u64()
            .expect("startLine") as usize;
        let fqn = loc["logicalLocations"][0]["fullyQualifiedName"]
            .as_str()
            .expect("fqn");
        // The physical line is where the resource (or its owning resource) starts.
        let line_text = &snapshot_lines[line - 1];
        let owner_matches = [
            "\"arn\"",
            "\"resource_arn\"",
            "\"account_id\"",
            "\"region\"",
        ]
        .iter()
        .any(|k| line_text.contains(k));
        assert!(
            owner_matches,
            "result for {fqn} points at line {line}: {line_text}"
        );
        if fqn.starts_with("arn:") {
            // The line names the resource itself or the resource that owns it.
            let owner_named = fqn
                .char_indices()
                .filter(|(_, c)| *c == '/' || *c == '#')
                .map(|(i, _)| &fqn[..i])
                .chain([fqn])
                .any(|p| line_text.contains(&format!("\"{p}\"")));
            assert!(
                owner_named,
                "result for {fqn} points at line {line}: {line_text}"
            );
        }
        let fp = res["partialFingerprints"]["palisadeFindingId/v1"]
            .as_str()
            .expect("fingerprint");
        assert!(
            fingerprints.insert(fp.to_owned()),
            "duplicate fingerprint {fp} for {fqn}"
        );
    }
    assert!(run["automationDetails"]["id"]
        .as_str()
        .is_some_and(|id| id.starts_with("palisade/")));
}

#[test]
fn json_report_is_deterministic_and_versioned() {
    let a = palisade(&["scan", DEMO, "--format", "json"]);
    let b = palisade(&["scan", DEMO, "--format", "json"]);
    assert_eq!(a.stdout, b.stdout, "two scans of the same snapshot differ");
    let v: Value = serde_json::from_slice(&a.stdout).expect("json");
    assert_eq!(v["format"], "palisade-report");
    assert_eq!(v["version"], 1);
    let results = v["results"].as_array().expect("results");
    let statuses: std::collections::HashSet<&str> = results
        .iter()
        .filter_map(|r| r["status"].as_str())
        .collect();
    assert!(
        statuses.contains("pass") && statuses.contains("fail"),
        "{statuses:?}"
    );
    let mut keys: Vec<(String, String)> = results
        .iter()
        .map(|r| {
            (
                r["rule_id"].as_str().unwrap_or("").to_owned(),
                r["resource"]["id"].as_str().unwrap_or("").to_owned(),
            )
        })
        .collect();
    let sorted = {
        let mut k = keys.clone();
        k.sort();
        k
    };
    assert_eq!(keys, sorted, "results are not sorted by rule then resource");
    keys.dedup();
    assert_eq!(
        keys.len(),
        results.len(),
        "a (rule, resource) pair appears twice"
    );
}

#[test]
fn malformed_snapshot_exits_2_with_path_and_line() {
    let dir = tempfile::tempdir().expect("tmp");
    let bad = dir.path().join("bad.json");
    std::fs::write(
        &bad,
        "{\n  \"format\": \"palisade-snapshot\",\n  \"version\": 1,\n  \"scan_time\": \"2026-11-01T00:00:00Z\",\n  \"accounts\": [{\"account_id\": \"123456789012\",\n    \"iam\": {\"users\": [{\"arn\": \"arn:aws:iam::123456789012:user/a\", \"name\": 7}]}}]\n}\n",
    )
    .expect("write");
    let o = palisade(&["scan", bad.to_str().expect("utf8")]);
    assert_eq!(code(&o), 2);
    let err = text(&o.stderr);
    assert!(err.contains("bad.json:6:"), "{err}");
    assert!(err.contains("accounts[0].iam.users[0].name"), "{err}");
    // Truncated file.
    std::fs::write(&bad, "{\"format\": \"palisade-snapshot\", \"version\": 1,").expect("write");
    let o = palisade(&["scan", bad.to_str().expect("utf8")]);
    assert_eq!(code(&o), 2);
    // Missing file.
    let o = palisade(&["scan", "does/not/exist.json"]);
    assert_eq!(code(&o), 2);
    assert!(text(&o.stderr).contains("does/not/exist.json"));
}

fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).expect("mkdir");
    for e in std::fs::read_dir(from).expect("read_dir").flatten() {
        let p = e.path();
        if p.is_dir() {
            copy_dir(&p, &to.join(e.file_name()));
        } else {
            std::fs::copy(&p, to.join(e.file_name())).expect("copy");
        }
    }
}

#[test]
fn validate_rejects_a_typo_with_file_and_line() {
    let o = palisade(&["validate"]);
    assert_eq!(code(&o), 0, "{}", text(&o.stderr));
    let dir = tempfile::tempdir().expect("tmp");
    copy_dir(&root().join("policies"), &dir.path().join("policies"));
    copy_dir(&root().join("rules"), &dir.path().join("rules"));
    let policy = dir
        .path()
        .join("policies/iam/iam-user-console-without-mfa.cedar");
    let src = std::fs::read_to_string(&policy).expect("policy");
    assert!(src.contains("mfa_device_count"));
    std::fs::write(&policy, src.replace("mfa_device_count", "mfa_device_cnt")).expect("write");
    let typo_line = std::fs::read_to_string(&policy)
        .expect("policy")
        .lines()
        .position(|l| l.contains("mfa_device_cnt"))
        .expect("line")
        + 1;
    let o = palisade(&[
        "validate",
        "--policies",
        dir.path().join("policies").to_str().expect("utf8"),
        "--rules",
        dir.path().join("rules").to_str().expect("utf8"),
    ]);
    assert_eq!(code(&o), 2);
    let err = text(&o.stderr);
    assert!(
        err.contains(&format!("iam-user-console-without-mfa.cedar:{typo_line}:")),
        "{err}"
    );
    assert!(err.contains("mfa_device_cnt"), "{err}");

    // Metadata without a policy is refused too.
    std::fs::remove_file(&policy).expect("rm");
    let o = palisade(&[
        "validate",
        "--policies",
        dir.path().join("policies").to_str().expect("utf8"),
        "--rules",
        dir.path().join("rules").to_str().expect("utf8"),
    ]);
    assert_eq!(code(&o), 2);
    assert!(
        text(&o.stderr).contains("has no policy file"),
        "{}",
        text(&o.stderr)
    );
}

#[test]
fn bad_price_table_or_cost_model_exits_2_naming_the_file() {
    let dir = tempfile::tempdir().expect("tmp");
    copy_dir(&root().join("policies"), &dir.path().join("policies"));
    copy_dir(&root().join("rules"), &dir.path().join("rules"));
    let validate = || {
        palisade(&[
            "validate",
            "--policies",
            dir.path().join("policies").to_str().expect("utf8"),
            "--rules",
            dir.path().join("rules").to_str().expect("utf8"),
        ])
    };
    // A cost model naming a price the table lacks.
    let meta = dir
        .path()
        .join("rules/wafv2/wafv2-webacl-unassociated.toml");
    let src = std::fs::read_to_string(&meta).expect("meta");
    std::fs::write(&meta, src.replace("\"wafv2.rule\"", "\"wafv2.rules\"")).expect("write");
    let o = validate();
    assert_eq!(code(&o), 2);
    let err = text(&o.stderr);
    assert!(err.contains("wafv2-webacl-unassociated.toml:"), "{err}");
    assert!(err.contains("wafv2.rules"), "{err}");
    std::fs::write(&meta, src).expect("restore");
    // A malformed price table: file and line.
    let prices = dir.path().join("rules/pricing/prices.toml");
    let table = std::fs::read_to_string(&prices).expect("prices");
    std::fs::write(
        &prices,
        table.replacen("amount = 5.00", "amount = \"five\"", 1),
    )
    .expect("write");
    let o = validate();
    assert_eq!(code(&o), 2);
    let err = text(&o.stderr);
    assert!(err.contains("prices.toml:"), "{err}");
}

#[test]
fn config_errors_exit_2_and_parameters_apply() {
    let dir = tempfile::tempdir().expect("tmp");
    let cfg = dir.path().join("palisade.toml");
    std::fs::write(
        &cfg,
        "fail_on = \"high\"\n[parameters]\nmax_acces_key_age_days = 30\n",
    )
    .expect("write");
    let o = palisade(&["scan", DEMO, "--config", cfg.to_str().expect("utf8")]);
    assert_eq!(code(&o), 2);
    assert!(
        text(&o.stderr).contains("palisade.toml:3:"),
        "{}",
        text(&o.stderr)
    );

    std::fs::write(&cfg, "[parameters]\nmax_access_key_age_days = \"ninety\"\n").expect("write");
    let o = palisade(&["scan", DEMO, "--config", cfg.to_str().expect("utf8")]);
    assert_eq!(code(&o), 2);
    assert!(
        text(&o.stderr).contains("palisade.toml:2:"),
        "{}",
        text(&o.stderr)
    );

    // A stricter key age finds more old keys than the default.
    let count = |args: &[&str]| -> usize {
        let o = palisade(args);
        let v: Value = serde_json::from_slice(&o.stdout).expect("json");
        v["results"]
            .as_array()
            .expect("results")
            .iter()
            .filter(|r| r["rule_id"] == "iam-access-key-not-rotated" && r["status"] == "fail")
            .count()
    };
    let default = count(&["scan", DEMO, "--format", "json"]);
    std::fs::write(&cfg, "[parameters]\nmax_access_key_age_days = 1\n").expect("write");
    let strict = count(&[
        "scan",
        DEMO,
        "--format",
        "json",
        "--config",
        cfg.to_str().expect("utf8"),
    ]);
    assert!(strict > default, "strict {strict} vs default {default}");
}

#[test]
fn coverage_gap_is_not_evaluated_and_exits_3() {
    let dir = tempfile::tempdir().expect("tmp");
    let snap = dir.path().join("gap.json");
    std::fs::write(
        &snap,
        r#"{"format":"palisade-snapshot","version":1,"scan_time":"2026-11-01T00:00:00Z","accounts":[{"account_id":"123456789012","regions":["us-east-1"],
        "coverage":[{"service":"backup","region":"us-east-1","api":"ListBackupPlans","status":"failed","error":"AccessDeniedException: not authorized"}],
        "iam":{"root":{"mfa_active":true,"hardware_mfa":true}},
        "region_data":[{"region":"us-east-1","ec2":{"network_interfaces":[{"arn":"arn:aws:ec2:us-east-1:123456789012:network-interface/eni-1","network_interface_id":"eni-1","interface_type":"interface","groups":[]}]}}]}]}"#,
    )
    .expect("write");
    let o = palisade(&[
        "scan",
        snap.to_str().expect("utf8"),
        "--format",
        "json",
        "--pack",
        "dr",
    ]);
    assert_eq!(code(&o), 3, "{}", text(&o.stderr));
    let v: Value = serde_json::from_slice(&o.stdout).expect("json");
    let results = v["results"].as_array().expect("results");
    let backup: Vec<&Value> = results
        .iter()
        .filter(|r| {
            r["rule_id"]
                .as_str()
                .is_some_and(|id| id.starts_with("backup-"))
        })
        .collect();
    assert!(!backup.is_empty());
    assert!(
        backup.iter().all(|r| r["status"] != "pass"),
        "a backup check passed despite the gap"
    );
    assert!(backup.iter().any(|r| r["status"] == "not_evaluated"));
    // The region runs workloads and no plan could be listed: "no backup
    // plan" would be a false finding, so it is not evaluated either.
    assert!(
        backup.iter().all(|r| r["status"] != "fail"),
        "a backup check failed on data that could not be read: {backup:#?}"
    );
    // The explicit backup gap, plus IAM: the snapshot has coverage records
    // but none for IAM, whose dr-pack rule therefore cannot be trusted.
    let gaps = v["gaps"].as_array().expect("gaps");
    assert!(
        gaps.iter()
            .any(|g| g["service"] == "backup" && g["api"] == "ListBackupPlans"),
        "{gaps:?}"
    );
    assert!(
        gaps.iter()
            .any(|g| g["service"] == "iam" && g["api"] == "(none)"),
        "{gaps:?}"
    );
    // And EC2, which backup-region-workloads-without-plan depends on.
    assert!(
        gaps.iter()
            .any(|g| g["service"] == "ec2" && g["api"] == "(none)"),
        "{gaps:?}"
    );
    // And S3, GuardDuty, RDS, EFS and Auto Scaling, which dr-pack rules read
    // (S3: the buckets holding audit logs) and the snapshot has no record of.
    for service in ["s3", "guardduty", "rds", "elasticfilesystem", "autoscaling"] {
        assert!(
            gaps.iter()
                .any(|g| g["service"] == service && g["api"] == "(none)"),
            "{service}: {gaps:?}"
        );
    }
    assert_eq!(gaps.len(), 8, "{gaps:?}");
    // The table says so loudly.
    let o = palisade(&["scan", snap.to_str().expect("utf8"), "--pack", "dr"]);
    assert_eq!(code(&o), 3);
    assert!(text(&o.stdout).contains("COVERAGE GAPS"));
}

#[test]
fn rules_list_and_explain() {
    let o = palisade(&["rules", "list"]);
    assert_eq!(code(&o), 0);
    let out = text(&o.stdout);
    // A header, then one line per rule, in pack order.
    let pack = palisade_test_kit::pack();
    assert_eq!(out.lines().count(), 1 + pack.rules.len(), "{out}");
    let ids: Vec<&str> = out
        .lines()
        .skip(1)
        .filter_map(|l| l.split_whitespace().next())
        .collect();
    let want: Vec<&str> = pack.rules.iter().map(|r| r.id.as_str()).collect();
    assert_eq!(ids, want);
    let o = palisade(&["rules", "explain", "iam-root-mfa-disabled"]);
    assert_eq!(code(&o), 0);
    let out = text(&o.stdout);
    assert!(
        out.contains("forbid") && out.contains("Remediation") && out.contains("cis-aws-6.0"),
        "{out}"
    );
    let o = palisade(&["rules", "explain", "no-such-rule"]);
    assert_eq!(code(&o), 2);
}

#[test]
fn generated_rule_docs_are_up_to_date() {
    let dir = tempfile::tempdir().expect("tmp");
    let o = palisade(&[
        "rules",
        "docs",
        "--output",
        dir.path().to_str().expect("utf8"),
    ]);
    assert_eq!(code(&o), 0, "{}", text(&o.stderr));
    let mut stale = Vec::new();
    for entry in std::fs::read_dir(dir.path()).expect("generated").flatten() {
        let committed = root().join("docs/rules").join(entry.file_name());
        let fresh = std::fs::read_to_string(entry.path()).expect("read");
        if std::fs::read_to_string(&committed).ok().as_deref() != Some(fresh.as_str()) {
            stale.push(entry.file_name().to_string_lossy().into_owned());
        }
    }
    assert!(
        stale.is_empty(),
        "docs/rules is stale; run `palisade rules docs`: {stale:?}"
    );
    let page = std::fs::read_to_string(dir.path().join("iam-root-mfa-disabled.md")).expect("page");
    for section in [
        "## What it checks",
        "## Why it matters",
        "## Remediation",
        "## References",
        "## Frameworks",
    ] {
        assert!(page.contains(section), "missing {section}");
    }
}
