//! End-to-end tests of scanning templates and plans: findings on the
//! template line (JSON and SARIF), parameters, unknown values, live-only
//! rules absent, directory walks with globs, mixing with a snapshot, the
//! pull-request gate (baseline + --fail-on-new) and exit 2 with file:line
//! for bad input.

#![allow(clippy::expect_used, clippy::unwrap_used)]

mod common;

use std::path::Path;
use std::process::Output;

use common::{code, command, palisade};
use serde_json::Value;

const OPEN_SSH: &str = r#"AWSTemplateFormatVersion: "2010-09-09"
Description: web tier
Parameters:
  AdminCidr:
    Type: String
    Default: 0.0.0.0/0
Resources:
  WebSg:
    Type: AWS::EC2::SecurityGroup
    Properties:
      GroupDescription: web
      VpcId: vpc-123
      SecurityGroupIngress:
        - IpProtocol: tcp
          FromPort: 443
          ToPort: 443
          CidrIp: 10.0.0.0/8
        - IpProtocol: tcp
          FromPort: 22
          ToPort: 22
          CidrIp: !Ref AdminCidr
      SecurityGroupEgress:
        - IpProtocol: tcp
          FromPort: 443
          ToPort: 443
          CidrIp: 10.0.0.0/8
  Logs:
    Type: AWS::S3::Bucket
"#;

/// Runs palisade in `dir` (so paths and URIs are relative to it).
fn run_in(dir: &Path, args: &[&str]) -> Output {
    let mut cmd = command();
    cmd.current_dir(dir);
    cmd.args(args).output().expect("run palisade")
}

/// Scans in `dir`; the report is written to a temporary file, never into
/// `dir` (which may be the repository).
fn json_report(dir: &Path, args: &[&str]) -> (i32, Value, String) {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("report.json");
    let mut all = vec!["scan"];
    all.extend_from_slice(args);
    all.extend_from_slice(&["--format", "json", "--output", out.to_str().unwrap()]);
    let o = run_in(dir, &all);
    let stderr = String::from_utf8_lossy(&o.stderr).into_owned();
    let report = std::fs::read_to_string(&out)
        .map(|t| serde_json::from_str(&t).expect("json report"))
        .unwrap_or(Value::Null);
    (code(&o), report, stderr)
}

fn results_of<'a>(report: &'a Value, rule: &str) -> Vec<&'a Value> {
    report["results"]
        .as_array()
        .expect("results")
        .iter()
        .filter(|r| r["rule_id"] == rule)
        .collect()
}

/// The 1-based line of the first line of `text` containing `needle` at or
/// after line `from`.
fn line_of(text: &str, needle: &str, from: usize) -> usize {
    text.lines()
        .enumerate()
        .skip(from.saturating_sub(1))
        .find(|(_, l)| l.contains(needle))
        .map(|(i, _)| i + 1)
        .expect("needle")
}

#[test]
fn an_open_ssh_rule_fails_on_its_template_line_and_the_rest_passes() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir(dir.path().join("infra")).unwrap();
    std::fs::write(dir.path().join("infra/web.yaml"), OPEN_SSH).unwrap();
    let (exit, report, stderr) = json_report(dir.path(), &["infra/web.yaml"]);
    assert_eq!(exit, 1, "{stderr}");
    let ssh = results_of(&report, "ec2-sg-ssh-open-to-internet");
    let fails: Vec<_> = ssh.iter().filter(|r| r["status"] == "fail").collect();
    assert_eq!(fails.len(), 1, "{ssh:?}");
    let loc = &fails[0]["location"];
    assert_eq!(loc["uri"], "infra/web.yaml");
    // The finding points into the SSH rule (its CidrIp or its list item),
    // never at the top of the file or at the HTTPS rule.
    let line = loc["line"].as_u64().unwrap() as usize;
    let ssh_item = line_of(OPEN_SSH, "FromPort: 22", 1) - 1;
    let ssh_cidr = line_of(OPEN_SSH, "CidrIp: !Ref AdminCidr", 1);
    assert!((ssh_item..=ssh_cidr).contains(&line), "line {line}");
    assert!(
        ssh.iter().any(|r| r["status"] == "pass"),
        "the HTTPS rule passes"
    );
    // Uncovered resources are counted, not dropped.
    assert!(stderr.contains("AWS::S3::Bucket (1)"), "{stderr}");
    assert_eq!(report["inputs"][0]["uncovered"]["AWS::S3::Bucket"], 1);
    assert_eq!(report["inputs"][0]["origin"], "cloudformation");
}

#[test]
fn sarif_points_github_at_the_template_line() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("web.yaml"), OPEN_SSH).unwrap();
    let o = run_in(
        dir.path(),
        &[
            "scan",
            "web.yaml",
            "--format",
            "sarif",
            "--output",
            "out.sarif",
        ],
    );
    assert_eq!(code(&o), 1, "{}", String::from_utf8_lossy(&o.stderr));
    let doc: Value =
        serde_json::from_str(&std::fs::read_to_string(dir.path().join("out.sarif")).unwrap())
            .unwrap();
    palisade_test_kit::sarif::assert_valid(&doc);
    let run = &doc["runs"][0];
    let ssh = run["results"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["ruleId"] == "ec2-sg-ssh-open-to-internet")
        .expect("ssh finding");
    let phys = &ssh["locations"][0]["physicalLocation"];
    assert_eq!(phys["artifactLocation"]["uri"], "web.yaml");
    assert!(phys["region"]["startLine"].as_u64().unwrap() > 10);
    assert!(phys["region"]["startColumn"].as_u64().is_some());
    assert_eq!(run["artifacts"][0]["location"]["uri"], "web.yaml");
}

#[test]
fn a_parameter_without_value_is_not_evaluated_until_given() {
    let dir = tempfile::tempdir().unwrap();
    let t = OPEN_SSH.replace("    Default: 0.0.0.0/0\n", "");
    std::fs::write(dir.path().join("web.yaml"), t).unwrap();
    let (exit, report, stderr) = json_report(dir.path(), &["web.yaml"]);
    assert_eq!(exit, 3, "unknown values make the scan incomplete: {stderr}");
    let ssh = results_of(&report, "ec2-sg-ssh-open-to-internet");
    let unknown: Vec<_> = ssh
        .iter()
        .filter(|r| r["status"] == "not_evaluated")
        .collect();
    assert_eq!(unknown.len(), 1, "{ssh:?}");
    assert!(unknown[0]["message"]
        .as_str()
        .unwrap()
        .contains("AdminCidr"));
    assert!(!ssh.iter().any(|r| r["status"] == "fail"));

    let (exit, report, _) = json_report(
        dir.path(),
        &["web.yaml", "--parameter", "AdminCidr=10.1.0.0/16"],
    );
    assert_eq!(exit, 0);
    assert!(results_of(&report, "ec2-sg-ssh-open-to-internet")
        .iter()
        .all(|r| r["status"] == "pass"));
    std::fs::write(
        dir.path().join("params.json"),
        r#"[{"ParameterKey": "AdminCidr", "ParameterValue": "0.0.0.0/0"}]"#,
    )
    .unwrap();
    let (exit, _, _) = json_report(dir.path(), &["web.yaml", "--parameters", "params.json"]);
    assert_eq!(exit, 1);
}

#[test]
fn live_only_rules_are_absent_on_templates() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("iam.yaml"),
        "Resources:\n  Dev:\n    Type: AWS::IAM::User\n    Properties:\n      UserName: dev\n      LoginProfile:\n        Password: '{{resolve:secretsmanager:dev}}'\n",
    )
    .unwrap();
    let (_, report, stderr) = json_report(dir.path(), &["iam.yaml"]);
    assert!(report["results"].is_array(), "{stderr}");
    for rule in [
        "iam-user-without-mfa",
        "iam-user-console-without-mfa",
        "iam-root-mfa-disabled",
        "iam-password-policy-min-length",
    ] {
        assert!(
            results_of(&report, rule).is_empty(),
            "{rule} must not run on a template"
        );
    }
    // Rules that apply to templates still judge the user.
    assert!(!results_of(&report, "iam-user-direct-policies").is_empty());
}

#[test]
fn rules_list_shows_where_each_rule_applies() {
    let o = palisade(&["rules", "list"]);
    assert_eq!(code(&o), 0);
    let text = String::from_utf8_lossy(&o.stdout);
    let inputs_of = |id: &str| {
        text.lines()
            .find(|l| l.split_whitespace().next() == Some(id))
            .and_then(|l| l.split_whitespace().nth(4))
            .map(str::to_owned)
    };
    assert_eq!(inputs_of("iam-root-mfa-disabled").as_deref(), Some("live"));
    assert_eq!(
        inputs_of("ec2-sg-ssh-open-to-internet").as_deref(),
        Some("live+iac")
    );
}

#[test]
fn directories_are_walked_with_globs_and_mixed_with_a_snapshot() {
    let dir = tempfile::tempdir().unwrap();
    let infra = dir.path().join("infra");
    std::fs::create_dir_all(infra.join("tests")).unwrap();
    std::fs::create_dir_all(infra.join(".terraform")).unwrap();
    std::fs::write(infra.join("web.yaml"), OPEN_SSH).unwrap();
    std::fs::write(infra.join("tests/web-copy.yaml"), OPEN_SSH).unwrap();
    std::fs::write(infra.join(".terraform/cached.yaml"), OPEN_SSH).unwrap();
    std::fs::write(infra.join("package.json"), r#"{"name": "x"}"#).unwrap();
    std::fs::write(infra.join("README.md"), "# infra").unwrap();
    let demo = common::root().join("fixtures/demo/snapshot.json");
    let (_, report, stderr) = json_report(
        dir.path(),
        &[demo.to_str().unwrap(), "infra", "--exclude", "tests/**"],
    );
    let uris: std::collections::BTreeSet<&str> = report["results"]
        .as_array()
        .expect("results")
        .iter()
        .filter_map(|r| r["location"]["uri"].as_str())
        .filter(|u| u.ends_with(".yaml"))
        .collect();
    assert_eq!(
        uris.into_iter().collect::<Vec<_>>(),
        ["infra/web.yaml"],
        "{stderr}"
    );
    assert!(
        stderr.contains("skipped 1 files"),
        "package.json is skipped: {stderr}"
    );
    // The snapshot's accounts are judged in the same run.
    assert!(report["results"]
        .as_array()
        .unwrap()
        .iter()
        .any(|r| r["resource"]["account_id"] == "111111111111"));
}

#[test]
fn the_pull_request_gate_fails_only_on_what_the_change_adds() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("web.yaml"), OPEN_SSH).unwrap();
    let (exit, base, _) = json_report(dir.path(), &["web.yaml"]);
    assert_eq!(exit, 1);
    std::fs::write(dir.path().join("base.json"), base.to_string()).unwrap();
    let gate = ["web.yaml", "--baseline", "base.json", "--fail-on-new"];
    let (exit, _, stderr) = json_report(dir.path(), &gate);
    assert_eq!(exit, 0, "the unchanged template adds nothing: {stderr}");
    let rdp = OPEN_SSH.replace(
        "      SecurityGroupEgress:",
        "        - IpProtocol: tcp\n          FromPort: 3389\n          ToPort: 3389\n          CidrIp: 0.0.0.0/0\n      SecurityGroupEgress:",
    );
    std::fs::write(dir.path().join("web.yaml"), rdp).unwrap();
    let (exit, report, _) = json_report(dir.path(), &gate);
    assert_eq!(exit, 1, "the new RDP rule fails the gate");
    let new: Vec<_> = report["results"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|r| r["baseline_state"] == "new")
        .map(|r| r["rule_id"].as_str().unwrap())
        .collect();
    assert!(new.contains(&"ec2-sg-rdp-open-to-internet"), "{new:?}");
    assert!(!new.contains(&"ec2-sg-ssh-open-to-internet"), "{new:?}");
}

#[test]
fn bad_templates_stop_the_scan_with_file_and_line() {
    let dir = tempfile::tempdir().unwrap();
    let cases = [
        ("broken.yaml", "Resources:\n  A:\n    Type: AWS::EC2::SecurityGroup\n    Properties: [unclosed\n", "broken.yaml:"),
        ("fn.yaml", "Resources:\n  A:\n    Type: AWS::EC2::SecurityGroup\n    Properties:\n      GroupDescription: !Frobnicate x\n", "fn.yaml:5:"),
        ("cycle.yaml", "Conditions:\n  A: !Condition B\n  B: !Condition A\nResources:\n  S:\n    Type: AWS::EC2::SecurityGroup\n    Condition: A\n    Properties:\n      GroupDescription: x\n", "cycle.yaml:"),
        ("broken.json", "{\"Resources\": {\"A\": {\"Type\": \"AWS::EC2::SecurityGroup\",}\n", "broken.json:"),
        ("notes.txt", "just some notes\n", "neither a Palisade snapshot"),
    ];
    for (name, text, want) in cases {
        std::fs::write(dir.path().join(name), text).unwrap();
        let o = run_in(dir.path(), &["scan", name]);
        let stderr = String::from_utf8_lossy(&o.stderr);
        assert_eq!(code(&o), 2, "{name}: {stderr}");
        assert!(stderr.contains(want), "{name}: {stderr}");
        assert!(!stderr.contains("panicked"), "{name}: {stderr}");
    }
}

#[test]
fn plan_findings_point_at_the_terraform_blocks_beside_the_plan() {
    // fixtures/iac/terraform-source: main.tf, modules/net/main.tf and the
    // plan Terraform made of them (`terraform show -json`).
    let dir = "fixtures/iac/terraform-source";
    let root = common::root();
    let (exit, report, stderr) = json_report(&root, &[&format!("{dir}/plan.json")]);
    assert_eq!(
        exit, 3,
        "the group's egress is known only after apply: {stderr}"
    );
    let at = |rule: &str| {
        let r = results_of(&report, rule)
            .into_iter()
            .find(|r| r["status"] == "fail")
            .unwrap_or_else(|| panic!("{rule} fails"));
        (
            r["location"]["uri"].as_str().unwrap().to_owned(),
            r["location"]["line"].as_u64().unwrap() as usize,
        )
    };
    let net = std::fs::read_to_string(root.join(dir).join("modules/net/main.tf")).unwrap();
    assert_eq!(
        at("ec2-sg-ssh-open-to-internet"),
        (
            format!("{dir}/modules/net/main.tf"),
            line_of(&net, r#"resource "aws_security_group" "bastion""#, 1)
        )
    );
    let main = std::fs::read_to_string(root.join(dir).join("main.tf")).unwrap();
    let (uri, line) = at("iam-policy-full-admin");
    assert_eq!(uri, format!("{dir}/main.tf"));
    assert!(
        line >= line_of(&main, r#"resource "aws_iam_role""#, 1),
        "{line}"
    );
    // Without the configuration beside it, the plan itself is the place.
    let tmp = tempfile::tempdir().unwrap();
    std::fs::copy(
        root.join(dir).join("plan.json"),
        tmp.path().join("plan.json"),
    )
    .unwrap();
    let (_, report, _) = json_report(tmp.path(), &["plan.json"]);
    let r = results_of(&report, "ec2-sg-ssh-open-to-internet")
        .into_iter()
        .find(|r| r["status"] == "fail")
        .expect("fails");
    assert_eq!(r["location"]["uri"], "plan.json");
    assert!(r["location"]["column"].as_u64().is_some());
}
