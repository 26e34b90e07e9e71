//! Palisade's own IaC gate on its deployment template
//! (`deploy/aws-batch/template.yaml`) and member role
//! (`deploy/aws-batch/member-role.yaml`), docs/deploy.md: the scan exits 0
//! with no open finding, having judged the templates' IAM roles and
//! security group (so a pass is not a scan that saw nothing), and the same
//! template with an over-broad statement or an open port added exits 1.
//! The member role trusts the audit account, another account: the gate
//! passes because `deploy/aws-batch/palisade-iac.toml` lists it in
//! `trusted_accounts`, and reports the trust without that config.

#![allow(clippy::expect_used, clippy::unwrap_used)]

// Not every shared helper is used here (`palisade`).
#[allow(dead_code)]
mod common;

use std::path::{Path, PathBuf};

use common::{code, command};
use serde_json::Value;

/// The repository this test file is in (this crate's own manifest
/// directory, so a shared target directory built from another checkout
/// cannot point it elsewhere).
fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../..")
        .canonicalize()
        .expect("repository root")
}

const TEMPLATE: &str = "deploy/aws-batch/template.yaml";
const MEMBER_ROLE: &str = "deploy/aws-batch/member-role.yaml";
const CONFIG: &str = "deploy/aws-batch/palisade-iac.toml";

/// The values a deployment gives the parameters that have no default.
const PARAMETERS: [&str; 4] = [
    "--parameter",
    "VpcId=vpc-0123456789abcdef0",
    "--parameter",
    "SubnetIds=subnet-0123456789abcdef0,subnet-0fedcba9876543210",
];
const MEMBER_PARAMETERS: [&str; 2] = [
    "--parameter",
    "CollectorRoleArn=arn:aws:iam::111111111111:role/palisade-collect",
];

/// `--config` with the gate's config, as an absolute path (scans may run in
/// a temporary directory).
fn config() -> [String; 2] {
    [
        "--config".to_owned(),
        root().join(CONFIG).to_str().unwrap().to_owned(),
    ]
}

/// Scans `template` (relative to `dir`) from `dir` with `PARAMETERS`; the
/// exit code, the JSON report and stderr.
fn scan(dir: &Path, template: &str) -> (i32, Value, String) {
    let config = config();
    let mut args: Vec<&str> = PARAMETERS.to_vec();
    args.extend(config.iter().map(String::as_str));
    scan_with(dir, template, &args)
}

fn scan_with(dir: &Path, template: &str, parameters: &[&str]) -> (i32, Value, String) {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("report.json");
    let mut cmd = command();
    cmd.current_dir(dir);
    cmd.args(["scan", template]).args(parameters).args([
        "--format",
        "json",
        "--output",
        out.to_str().unwrap(),
    ]);
    let o = cmd.output().expect("run palisade");
    let stderr = String::from_utf8_lossy(&o.stderr).into_owned();
    let report = std::fs::read_to_string(&out)
        .map(|t| serde_json::from_str(&t).expect("json report"))
        .unwrap_or(Value::Null);
    (code(&o), report, stderr)
}

fn with_status<'a>(report: &'a Value, status: &str) -> Vec<&'a Value> {
    report["results"]
        .as_array()
        .expect("results")
        .iter()
        .filter(|r| r["status"] == status)
        .collect()
}

#[test]
fn the_deployment_template_passes_palisades_own_scan() {
    let (exit, report, stderr) = scan(&root(), TEMPLATE);
    let open: Vec<_> = with_status(&report, "fail")
        .into_iter()
        .filter(|r| r["suppression"].is_null())
        .map(|r| format!("{} {}", r["rule_id"], r["resource"]["id"]))
        .collect();
    assert_eq!(open, Vec::<String>::new(), "{stderr}");
    assert!(with_status(&report, "not_evaluated").is_empty(), "{stderr}");
    assert_eq!(exit, 0, "{stderr}");
    // The roles and the security group were judged, not skipped.
    let passed = with_status(&report, "pass");
    for logical in [
        "#CollectJobRole",
        "#MergeScanJobRole",
        "#StateMachineRole",
        "#TaskSecurityGroup",
    ] {
        assert!(
            passed
                .iter()
                .any(|r| r["resource"]["id"].as_str().unwrap().contains(logical)),
            "no passing check on {logical}: {stderr}"
        );
    }
}

#[test]
fn the_member_role_template_passes_palisades_own_scan() {
    let config = config();
    let mut args: Vec<&str> = MEMBER_PARAMETERS.to_vec();
    args.extend(config.iter().map(String::as_str));
    let (exit, report, stderr) = scan_with(&root(), MEMBER_ROLE, &args);
    assert_eq!(with_status(&report, "fail").len(), 0, "{stderr}");
    assert!(with_status(&report, "not_evaluated").is_empty(), "{stderr}");
    assert_eq!(exit, 0, "{stderr}");
    assert!(
        with_status(&report, "pass")
            .iter()
            .any(|r| r["resource"]["id"]
                .as_str()
                .unwrap()
                .contains("#MemberRole")),
        "the member role was judged: {stderr}"
    );
}

#[test]
fn without_the_trusted_audit_account_the_member_roles_trust_is_reported() {
    let (exit, report, stderr) = scan_with(&root(), MEMBER_ROLE, &MEMBER_PARAMETERS);
    assert_eq!(exit, 1, "{stderr}");
    let rules: Vec<_> = with_status(&report, "fail")
        .iter()
        .map(|r| r["rule_id"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(
        rules,
        ["iam-role-trust-external-account-no-external-id"],
        "{stderr}"
    );
}

/// An inline ingress rule opening SSH to the internet.
const SSH_FROM_ANYWHERE: &str = "      SecurityGroupIngress:
        - IpProtocol: tcp
          FromPort: 22
          ToPort: 22
          CidrIp: 0.0.0.0/0
";

#[test]
fn a_finding_added_to_the_deployment_template_fails_the_scan() {
    let text = std::fs::read_to_string(root().join(TEMPLATE)).unwrap();
    let cases = [
        (
            "an Allow of every action on every resource",
            text.replacen("Action: batch:DescribeJobs", "Action: \"*\"", 1),
        ),
        (
            "sts:AssumeRole on every role",
            text.replacen(
                "Resource: !Sub \"arn:${AWS::Partition}:iam::*:role/${MemberRoleName}\"",
                "Resource: \"*\"",
                1,
            ),
        ),
        (
            "SSH open to the internet",
            text.replacen(
                "      # No ingress: nothing connects to the tasks.\n",
                SSH_FROM_ANYWHERE,
                1,
            ),
        ),
    ];
    for (what, broken) in cases {
        assert_ne!(broken, text, "{what}: the edit did not apply");
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("template.yaml"), broken).unwrap();
        let (exit, report, stderr) = scan(dir.path(), "template.yaml");
        assert_eq!(exit, 1, "{what}: {stderr}");
        assert!(!with_status(&report, "fail").is_empty(), "{what}");
    }
}
