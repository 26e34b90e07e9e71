//! Organisation-aware judging end to end (issue 15): one snapshot with an
//! organisation, evaluated with the repository pack. An IAM grant that the
//! organisation's service control policies deny in a member account stays
//! a fail, says which SCP denies it and is one severity level lower; the
//! same grant in the management account (not subject to SCPs) is
//! untouched. Trust in a member account is internal; trust outside the
//! organisation is reported. Without the organisation, the same accounts
//! are judged as before.

#![allow(clippy::expect_used, clippy::unwrap_used)]

use palisade_eval::{CheckResult, Evaluator, Status};
use palisade_model::Snapshot;
use palisade_rules::Severity;
use palisade_test_kit::pack;
use serde_json::{json, Value};

const MGMT: &str = "111111111111";
const MEMBER: &str = "222222222222";
const OTHER_MEMBER: &str = "333333333333";

/// An account with a customer managed policy granting iam:CreateAccessKey
/// on every user (attached to a role), and a role trusting `trusted`.
fn account(id: &str, trusted: &str) -> Value {
    json!({
        "account_id": id,
        "name": format!("account {id}"),
        "regions": ["us-east-1"],
        "iam": {
            "roles": [
                {
                    "arn": format!("arn:aws:iam::{id}:role/app"),
                    "name": "app",
                    "path": "/",
                    "create_date": "2025-03-10T09:00:00Z",
                    "trust_policy": {"Version": "2012-10-17", "Statement": [
                        {"Effect": "Allow", "Principal": {"Service": "ec2.amazonaws.com"}, "Action": "sts:AssumeRole"}
                    ]},
                    "attached_policies": [format!("arn:aws:iam::{id}:policy/keys")]
                },
                {
                    "arn": format!("arn:aws:iam::{id}:role/cross"),
                    "name": "cross",
                    "path": "/",
                    "create_date": "2025-03-10T09:00:00Z",
                    "trust_policy": {"Version": "2012-10-17", "Statement": [
                        {"Effect": "Allow", "Principal": {"AWS": format!("arn:aws:iam::{trusted}:root")}, "Action": "sts:AssumeRole"}
                    ]}
                }
            ],
            "policies": [{
                "arn": format!("arn:aws:iam::{id}:policy/keys"),
                "name": "keys",
                "default_version_id": "v1",
                "attachment_count": 1,
                "document": {"Version": "2012-10-17", "Statement": [
                    {"Sid": "Keys", "Effect": "Allow", "Action": "iam:CreateAccessKey", "Resource": "*"}
                ]}
            }]
        }
    })
}

fn organization() -> Value {
    let full = json!({
        "id": "p-FullAWSAccess", "name": "FullAWSAccess", "aws_managed": true,
        "document": {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}]},
        "targets": ["r-ab12", "ou-ab12-apps", MGMT, MEMBER, OTHER_MEMBER]
    });
    let guard = json!({
        "id": "p-guard", "name": "NoIamKeys",
        "document": {"Version": "2012-10-17", "Statement": [
            {"Effect": "Deny", "Action": ["iam:Create*Key"], "Resource": "*"}
        ]},
        "targets": ["r-ab12"]
    });
    json!({
        "id": "o-a1b2c3d4e5",
        "management_account_id": MGMT,
        "feature_set": "ALL",
        "roots": [{"id": "r-ab12", "name": "Root", "enabled_policy_types": ["SERVICE_CONTROL_POLICY"]}],
        "units": [{"id": "ou-ab12-apps", "name": "Apps", "parent_id": "r-ab12"}],
        "accounts": [
            {"id": MGMT, "status": "ACTIVE", "parent_id": "r-ab12"},
            {"id": MEMBER, "status": "ACTIVE", "parent_id": "ou-ab12-apps"},
            {"id": OTHER_MEMBER, "status": "ACTIVE", "parent_id": "ou-ab12-apps"}
        ],
        "policies": [full, guard]
    })
}

fn snapshot(with_org: bool) -> Snapshot {
    let mut s = json!({
        "format": "palisade-snapshot",
        "version": 1,
        "tool_version": "0.1.0",
        "scan_time": "2026-11-01T00:00:00Z",
        "accounts": [account(MGMT, OTHER_MEMBER), account(MEMBER, "999999999999")]
    });
    if with_org {
        s["organization"] = organization();
    }
    serde_json::from_value(s).expect("snapshot")
}

fn find<'r>(results: &'r [CheckResult], rule: &str, id: &str) -> &'r CheckResult {
    results
        .iter()
        .find(|r| r.rule_id == rule && r.resource.id == id)
        .unwrap_or_else(|| panic!("{rule} on {id}"))
}

#[test]
fn scps_lower_denied_grants_in_members_and_org_membership_decides_trust() {
    let pack = pack();
    let evaluator = Evaluator::new(&pack, &pack.defaults).expect("evaluator");
    let with = evaluator.evaluate(&snapshot(true)).results;
    let without = evaluator.evaluate(&snapshot(false)).results;
    let keys = "iam-policy-privesc-create-access-key";
    let stmt = |acct: &str| format!("arn:aws:iam::{acct}:policy/keys#statement/0");

    // (1) The member's grant: still a fail, one level lower, says why.
    let member = find(&with, keys, &stmt(MEMBER));
    assert_eq!(member.status, Status::Fail);
    assert_eq!(member.severity, Some(Severity::Medium));
    assert_eq!(
        member.message.as_deref(),
        Some(
            "service control policy p-guard (NoIamKeys) denies iam:createaccesskey in this \
             account (attached to the root r-ab12)"
        )
    );
    // The management account is not subject to SCPs: untouched.
    let mgmt = find(&with, keys, &stmt(MGMT));
    assert_eq!(mgmt.status, Status::Fail);
    assert_eq!(mgmt.severity, None);
    assert_eq!(mgmt.message, None);
    // Without the organisation: as before.
    let plain = find(&without, keys, &stmt(MEMBER));
    assert_eq!((plain.status, plain.severity), (Status::Fail, None));

    // (2) The management account's role trusts a member: internal with the
    // organisation, external without it.
    let no_ext_id = "iam-role-trust-external-account-no-external-id";
    let outside = "iam-role-trust-outside-organization";
    let mgmt_trust = format!("arn:aws:iam::{MGMT}:role/cross#trust/0");
    assert_eq!(find(&with, no_ext_id, &mgmt_trust).status, Status::Pass);
    assert_eq!(find(&with, outside, &mgmt_trust).status, Status::Pass);
    assert_eq!(find(&without, no_ext_id, &mgmt_trust).status, Status::Fail);
    // Without an organisation the rule does not apply: a scan of accounts
    // that are not an organisation has no gap to report.
    assert!(
        !without.iter().any(|r| r.rule_id == outside),
        "no organisation, no {outside} result"
    );
    // The member's role trusts an account outside the organisation.
    let member_trust = format!("arn:aws:iam::{MEMBER}:role/cross#trust/0");
    let r = find(&with, outside, &member_trust);
    assert_eq!(r.status, Status::Fail);
    assert_eq!(
        r.message.as_deref(),
        Some("trusts 999999999999 outside organisation o-a1b2c3d4e5")
    );
    assert_eq!(find(&with, no_ext_id, &member_trust).status, Status::Fail);

    // (3) The organisation itself is judged once, attributed to the
    // management account.
    let leave = find(
        &with,
        "org-scp-leave-organization-not-denied",
        "o-a1b2c3d4e5",
    );
    assert_eq!(leave.status, Status::Fail);
    assert_eq!(leave.resource.account_id, MGMT);
    assert!(
        leave
            .message
            .as_deref()
            .unwrap()
            .starts_with("2 of 2 member accounts are not protected"),
        "{leave:?}"
    );
    assert!(!without.iter().any(|r| r.rule_id.starts_with("org-")));
}

#[test]
fn scp_annotations_name_a_statement_grant_attribute() {
    let pack = pack();
    let annotated: Vec<_> = pack
        .rules
        .iter()
        .filter_map(|r| r.policy.annotation("scp").map(|a| (r, a)))
        .collect();
    assert!(annotated.len() >= 10, "{} rules annotated", annotated.len());
    for (rule, attr) in annotated {
        assert_eq!(
            rule.resource_type.to_string(),
            "AWS::IAM::PolicyStatement",
            "{}: the graph records SCP grants for policy statements only",
            rule.id
        );
        assert!(
            ["granted_actions", "unconstrained_actions"].contains(&attr),
            "{}: @scp({attr:?}) must name granted_actions or unconstrained_actions",
            rule.id
        );
    }
}
