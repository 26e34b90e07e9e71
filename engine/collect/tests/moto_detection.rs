//! End to end against moto seeded by fixtures/moto/seed_detection.py:
//! GuardDuty, Security Hub, VPC flow logs, EBS encryption by default, RDS
//! and EFS are collected through the real SDK and judged by the rules;
//! what moto does not implement (IAM Access Analyzer, GuardDuty ListMembers
//! and GetFindingsStatistics, Security Hub GetEnabledStandards) is an
//! explicit coverage gap whose checks are not evaluated, never passed.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::{collect, coverage, evaluate, moto, region, Faults, Proxy, ACCOUNT};
use palisade_eval::{CheckResult, Status};
use palisade_model::{CoverageStatus, Snapshot};

/// A collection through a proxy that denies every call of `service`.
fn collect_denying(service: &str) -> Snapshot {
    let proxy = Proxy::start(
        &moto().url,
        Faults {
            deny_service: Some(service.into()),
            ..Faults::default()
        },
    );
    collect(&proxy.url)
}

/// The statuses of `rule` on resources whose id contains `needle` (not the
/// per-gap rows a coverage gap adds).
fn statuses(results: &[CheckResult], rule: &str, needle: &str) -> Vec<Status> {
    results
        .iter()
        .filter(|r| r.rule_id == rule && r.resource.id.contains(needle))
        .filter(|r| !r.resource.id.contains("/gap/"))
        .map(|r| r.status)
        .collect()
}

#[test]
fn detection_and_databases_are_collected_and_judged_end_to_end() {
    let snap = collect(&moto().url);
    let results = evaluate(&snap);
    let us = region(&snap, "us-east-1");
    let eu = region(&snap, "eu-west-1");

    // GuardDuty: a detector in us-east-1 with S3 on and RDS off, none in eu-west-1.
    let det = us.guardduty.enabled_detector().expect("enabled detector");
    assert_eq!(
        det.features.get("S3_DATA_EVENTS").map(String::as_str),
        Some("ENABLED")
    );
    assert_eq!(
        det.features.get("RDS_LOGIN_EVENTS").map(String::as_str),
        Some("DISABLED")
    );
    assert!(eu.guardduty.detectors.is_empty());
    // moto lacks ListMembers and GetFindingsStatistics: unknown, and gaps.
    assert_eq!(
        (det.members.as_ref(), det.high_severity_findings),
        (None, None)
    );
    for api in ["ListMembers", "GetFindingsStatistics"] {
        assert_eq!(
            coverage(&snap, "guardduty", "us-east-1", api),
            Some(CoverageStatus::Failed),
            "{api}"
        );
    }
    assert_eq!(
        coverage(&snap, "guardduty", "eu-west-1", "ListDetectors"),
        Some(CoverageStatus::Ok)
    );
    assert_eq!(
        statuses(&results, "guardduty-not-enabled", "eu-west-1"),
        [Status::Fail]
    );
    // The GuardDuty rules depend on all of the region's GuardDuty data: the
    // gaps moto leaves in us-east-1 (a detector exists there) withhold both
    // the violation (RDS Protection off) and the compliant twins' passes:
    // not evaluated, never passed or failed on partial data.
    assert_eq!(
        statuses(&results, "guardduty-rds-protection-disabled", "us-east-1"),
        [Status::NotEvaluated]
    );
    assert_eq!(
        statuses(&results, "guardduty-not-enabled", "us-east-1"),
        [Status::NotEvaluated]
    );
    assert_eq!(
        statuses(&results, "guardduty-s3-protection-disabled", "us-east-1"),
        [Status::NotEvaluated]
    );

    // Security Hub: on in us-east-1; "not subscribed" in eu-west-1 is a fact.
    assert!(us.securityhub.enabled && !eu.securityhub.enabled);
    assert_eq!(
        coverage(&snap, "securityhub", "eu-west-1", "DescribeHub"),
        Some(CoverageStatus::Ok)
    );
    assert_eq!(
        statuses(&results, "securityhub-not-enabled", "eu-west-1"),
        [Status::Fail]
    );
    // moto lacks GetEnabledStandards: us-east-1's pass is not evaluated.
    assert_eq!(
        coverage(&snap, "securityhub", "us-east-1", "GetEnabledStandards"),
        Some(CoverageStatus::Failed)
    );
    assert_eq!(
        statuses(&results, "securityhub-not-enabled", "us-east-1"),
        [Status::NotEvaluated]
    );

    // IAM Access Analyzer: moto has no such API. An explicit gap in every
    // region, and the CIS 2.19 check is not evaluated (never passed).
    for r in common::REGIONS {
        assert_eq!(
            coverage(&snap, "access-analyzer", r, "ListAnalyzers"),
            Some(CoverageStatus::Failed),
            "{r}"
        );
        assert_eq!(
            statuses(&results, "access-analyzer-not-enabled", r),
            [Status::NotEvaluated]
        );
    }

    // EBS encryption by default: on in us-east-1, off in eu-west-1.
    assert_eq!(
        (
            us.ec2.ebs_encryption_by_default,
            eu.ec2.ebs_encryption_by_default
        ),
        (Some(true), Some(false))
    );
    assert_eq!(
        statuses(&results, "ec2-ebs-default-encryption-disabled", "us-east-1"),
        [Status::Pass]
    );
    assert_eq!(
        statuses(&results, "ec2-ebs-default-encryption-disabled", "eu-west-1"),
        [Status::Fail]
    );

    // Flow logs: the seeded us-east-1 VPC has one, its default VPC none.
    let logged = us
        .ec2
        .vpcs
        .iter()
        .find(|v| v.cidr_block.as_deref() == Some("10.20.0.0/16"))
        .unwrap();
    let default = us.ec2.vpcs.iter().find(|v| v.is_default).unwrap();
    let flow_logs = us.ec2.flow_logs.as_ref().expect("flow logs read");
    assert_eq!(flow_logs.len(), 1);
    assert_eq!(flow_logs[0].resource_id, logged.vpc_id);
    assert_eq!(
        statuses(&results, "ec2-vpc-flow-logs-disabled", &logged.arn),
        [Status::Pass]
    );
    assert_eq!(
        statuses(&results, "ec2-vpc-flow-logs-disabled", &default.arn),
        [Status::Fail]
    );

    // RDS instances: orders-db compliant, legacy-db violating.
    let inst = |id: &str| {
        us.rds
            .instances
            .iter()
            .find(|i| i.identifier == id)
            .expect(id)
    };
    let orders = inst("orders-db");
    assert!(orders.storage_encrypted && orders.multi_az && orders.deletion_protection);
    assert_eq!(orders.backup_retention_period, 7);
    let legacy = inst("legacy-db");
    assert!(legacy.publicly_accessible && !legacy.storage_encrypted);
    for rule in [
        "rds-instance-storage-not-encrypted",
        "rds-instance-publicly-accessible",
        "rds-instance-minor-version-upgrade-disabled",
        "rds-instance-not-multi-az",
        "rds-instance-backup-disabled",
        "rds-instance-deletion-protection-disabled",
    ] {
        assert_eq!(
            statuses(&results, rule, ":db:legacy-db"),
            [Status::Fail],
            "{rule}"
        );
        assert_eq!(
            statuses(&results, rule, ":db:orders-db"),
            [Status::Pass],
            "{rule}"
        );
    }
    // Manual snapshots and who may restore them.
    let public = us
        .rds
        .snapshots
        .iter()
        .find(|s| s.identifier == "legacy-db-public")
        .unwrap();
    assert_eq!(
        public.restore_accounts.as_deref(),
        Some(&["all".to_owned()][..])
    );
    assert_eq!(
        statuses(&results, "rds-snapshot-public", "legacy-db-public"),
        [Status::Fail]
    );
    assert_eq!(
        statuses(&results, "rds-snapshot-public", "orders-db-manual"),
        [Status::Pass]
    );
    // Clusters: encryption and deletion protection on one, off on the other.
    for rule in [
        "rds-cluster-storage-not-encrypted",
        "rds-cluster-deletion-protection-disabled",
    ] {
        assert_eq!(
            statuses(&results, rule, "scratch-aurora"),
            [Status::Fail],
            "{rule}"
        );
        assert_eq!(
            statuses(&results, rule, "orders-aurora"),
            [Status::Pass],
            "{rule}"
        );
    }

    // EFS: encryption and backup policy (PolicyNotFound is "none", a fact).
    let fs = |name: &str| {
        us.efs
            .file_systems
            .iter()
            .find(|f| f.name.as_deref() == Some(name))
            .expect(name)
    };
    let (shared, scratch) = (fs("shared-files"), fs("scratch-files"));
    assert_eq!(
        (shared.encrypted, shared.backup_status.as_deref()),
        (true, Some("ENABLED"))
    );
    assert_eq!(
        (scratch.encrypted, scratch.backup_status.as_deref()),
        (false, Some("NONE"))
    );
    assert_eq!(
        coverage(
            &snap,
            "elasticfilesystem",
            "us-east-1",
            "DescribeBackupPolicy"
        ),
        Some(CoverageStatus::Ok)
    );
    for rule in ["efs-not-encrypted", "efs-automatic-backups-disabled"] {
        assert_eq!(
            statuses(&results, rule, &scratch.arn),
            [Status::Fail],
            "{rule}"
        );
        assert_eq!(
            statuses(&results, rule, &shared.arn),
            [Status::Pass],
            "{rule}"
        );
    }

    // DR: eu-west-1 runs a workload (the seeded ENI) without GuardDuty.
    assert_eq!(
        statuses(
            &results,
            "guardduty-region-workloads-unmonitored",
            "eu-west-1"
        ),
        [Status::Fail]
    );
}

#[test]
fn access_denied_on_guardduty_leaves_its_rules_not_evaluated_everywhere() {
    let snap = collect_denying("guardduty");
    assert_eq!(snap.accounts[0].account_id, ACCOUNT);
    for r in common::REGIONS {
        assert_eq!(
            coverage(&snap, "guardduty", r, "ListDetectors"),
            Some(CoverageStatus::Failed),
            "{r}"
        );
        assert!(region(&snap, r).guardduty.detectors.is_empty());
    }
    let results = evaluate(&snap);
    // "No detector" read from a denied listing is not "GuardDuty is off":
    // neither eu-west-1's real violation nor us-east-1's pass is judged.
    for rule in [
        "guardduty-not-enabled",
        "guardduty-s3-protection-disabled",
        "guardduty-rds-protection-disabled",
        "guardduty-region-workloads-unmonitored",
    ] {
        for r in common::REGIONS {
            assert_eq!(
                statuses(&results, rule, r),
                [Status::NotEvaluated],
                "{rule} {r}"
            );
        }
    }
    // Other services are unaffected: EBS default encryption is still judged.
    assert_eq!(
        statuses(&results, "ec2-ebs-default-encryption-disabled", "eu-west-1"),
        [Status::Fail]
    );
}
