//! GuardDuty, Security Hub, Access Analyzer and EBS default encryption as
//! facts of the region; VPC flow logs as a fact of each VPC (read by
//! `ec2` through [`FlowLogIndex`]); RDS DB instances, clusters and manual
//! snapshots and EFS file systems as entities, children of their region.
//!
//! What could not be read is left out of the entity and marked unknown, so
//! the checks reading it are not evaluated.

use std::collections::BTreeSet;

use cedar_policy::{EntityTypeName, EntityUid};
use palisade_model::databases::{DbCluster, DbInstance, Rds};
use palisade_model::detection::GuardDuty;
use palisade_model::ec2::Ec2;
use palisade_model::{Account, RegionData};

use super::node::{Attrs, Ctx};
use super::types::ty;
use super::GraphBuilder;

/// Entity type names of this module.
#[derive(Debug, Clone)]
pub(crate) struct DetectionTypes {
    db_instance: EntityTypeName,
    db_cluster: EntityTypeName,
    db_snapshot: EntityTypeName,
    file_system: EntityTypeName,
}

impl Default for DetectionTypes {
    fn default() -> Self {
        Self {
            db_instance: ty("AWS::RDS::DBInstance"),
            db_cluster: ty("AWS::RDS::DBCluster"),
            db_snapshot: ty("AWS::RDS::DBSnapshot"),
            file_system: ty("AWS::EFS::FileSystem"),
        }
    }
}

/// The GuardDuty protection plans turned into region attributes: attribute
/// name and the feature names that count as that plan being on.
const PLANS: [(&str, &[&str]); 6] = [
    ("guardduty_s3_protection", &["S3_DATA_EVENTS"]),
    ("guardduty_rds_protection", &["RDS_LOGIN_EVENTS"]),
    ("guardduty_eks_audit_protection", &["EKS_AUDIT_LOGS"]),
    ("guardduty_malware_protection", &["EBS_MALWARE_PROTECTION"]),
    ("guardduty_lambda_protection", &["LAMBDA_NETWORK_LOGS"]),
    (
        "guardduty_runtime_monitoring",
        &["RUNTIME_MONITORING", "EKS_RUNTIME_MONITORING"],
    ),
];

/// The VPCs of a region that have an ACTIVE flow log, or `None` when the
/// flow logs were not read.
pub(super) struct FlowLogIndex {
    active: Option<BTreeSet<String>>,
}

impl FlowLogIndex {
    /// The index of one region's EC2 data.
    pub(super) fn of(ec2: &Ec2) -> Self {
        Self {
            active: ec2.flow_logs.as_ref().map(|logs| {
                logs.iter()
                    .filter(|f| f.status.as_deref() == Some("ACTIVE"))
                    .map(|f| f.resource_id.clone())
                    .collect()
            }),
        }
    }

    /// `flow_logs_enabled` of VPC `vpc_id` (unknown when not read).
    pub(super) fn vpc_attrs(&self, vpc_id: &str, attrs: Attrs) -> Attrs {
        match &self.active {
            Some(set) => attrs.b("flow_logs_enabled", set.contains(vpc_id)),
            None => attrs.unknown(
                "flow_logs_enabled",
                "the region's flow logs were not read (DescribeFlowLogs)",
            ),
        }
    }
}

/// GuardDuty's region attributes.
fn guardduty_attrs(gd: &GuardDuty, mut attrs: Attrs) -> Attrs {
    attrs = attrs.n("guardduty_detector_count", gd.detectors.len());
    let enabled = gd.enabled_detector();
    let unread = gd.detectors.iter().any(|d| d.status.is_none());
    match (enabled, unread) {
        (Some(d), _) => {
            attrs = attrs
                .b("guardduty_enabled", true)
                .opt_l("guardduty_high_severity_findings", d.high_severity_findings);
            for (attr, names) in PLANS {
                let on = names
                    .iter()
                    .any(|n| d.features.get(*n).map(String::as_str) == Some("ENABLED"));
                attrs = attrs.b(attr, on);
            }
        }
        (None, true) => {
            let why = "a GuardDuty detector's configuration could not be read (GetDetector)";
            attrs = attrs.unknown("guardduty_enabled", why);
            for (attr, _) in PLANS {
                attrs = attrs.unknown(attr, why);
            }
        }
        (None, false) => {
            attrs = attrs.b("guardduty_enabled", false);
            for (attr, _) in PLANS {
                attrs = attrs.b(attr, false);
            }
        }
    }
    attrs
}

impl GraphBuilder {
    /// Account-wide attributes of this module's services.
    pub(super) fn detection_account_attrs(&self, _a: &Account, attrs: Attrs) -> Attrs {
        attrs
    }

    /// Region-wide attributes of this module's services.
    pub(super) fn detection_region_attrs(
        &self,
        _a: &Account,
        _region: &str,
        d: &RegionData,
        attrs: Attrs,
    ) -> Attrs {
        let attrs = guardduty_attrs(&d.guardduty, attrs)
            .b("securityhub_enabled", d.securityhub.enabled)
            .n("securityhub_standard_count", d.securityhub.standards.len())
            .b(
                "access_analyzer_active",
                d.access_analyzer.external_access_active(),
            )
            .n(
                "database_count",
                d.rds.instances.len() + d.rds.clusters.len() + d.efs.file_systems.len(),
            );
        match d.ec2.ebs_encryption_by_default {
            Some(on) => attrs.b("ebs_encryption_by_default", on),
            None => attrs.unknown(
                "ebs_encryption_by_default",
                "EBS encryption by default was not read (GetEbsEncryptionByDefault)",
            ),
        }
    }

    /// Adds the databases and file systems of one region.
    pub(super) fn build_detection(
        &self,
        g: &mut Ctx<'_>,
        region_uid: &EntityUid,
        region: &str,
        d: &RegionData,
    ) {
        let t = &self.types.detection;
        for i in &d.rds.instances {
            g.node(&t.db_instance, &i.arn, region)
                .name(&i.identifier)
                .parent(region_uid)
                .attrs(instance_attrs(i))
                .tags(&i.tags)
                .add();
        }
        for c in &d.rds.clusters {
            g.node(&t.db_cluster, &c.arn, region)
                .name(&c.identifier)
                .parent(region_uid)
                .attrs(cluster_attrs(c, &d.rds))
                .tags(&c.tags)
                .add();
        }
        for s in &d.rds.snapshots {
            let attrs = Attrs::default()
                .s("identifier", &s.identifier)
                .b("encrypted", s.encrypted);
            let attrs = match &s.restore_accounts {
                Some(accounts) => attrs.b("public", accounts.iter().any(|a| a == "all")).n(
                    "shared_account_count",
                    accounts.iter().filter(|a| *a != "all").count(),
                ),
                None => {
                    let why = "who may restore the snapshot was not read (DescribeDBSnapshotAttributes failed or the per-region cap was reached)";
                    attrs
                        .unknown("public", why)
                        .unknown("shared_account_count", why)
                }
            };
            g.node(&t.db_snapshot, &s.arn, region)
                .name(&s.identifier)
                .parent(region_uid)
                .attrs(attrs)
                .add();
        }
        for f in &d.efs.file_systems {
            let attrs = Attrs::default()
                .s("file_system_id", &f.file_system_id)
                .b("encrypted", f.encrypted);
            let attrs = match f.backup_status.as_deref() {
                Some(status) => attrs.b("automatic_backups", status == "ENABLED"),
                None => attrs.unknown(
                    "automatic_backups",
                    "the file system's backup policy was not read (DescribeBackupPolicy)",
                ),
            };
            g.node(&t.file_system, &f.arn, region)
                .name(f.name.as_deref().unwrap_or(&f.file_system_id))
                .parent(region_uid)
                .attrs(attrs)
                .tags(&f.tags)
                .add();
        }
    }
}

fn instance_attrs(i: &DbInstance) -> Attrs {
    Attrs::default()
        .s("identifier", &i.identifier)
        .s("engine", &i.engine)
        .b("storage_encrypted", i.storage_encrypted)
        .b("publicly_accessible", i.publicly_accessible)
        .b("auto_minor_version_upgrade", i.auto_minor_version_upgrade)
        .b("multi_az", i.multi_az)
        .l("backup_retention_period", i.backup_retention_period)
        .b("deletion_protection", i.deletion_protection)
        .b("in_cluster", i.cluster_identifier.is_some())
}

fn cluster_attrs(c: &DbCluster, rds: &Rds) -> Attrs {
    let attrs = Attrs::default()
        .s("identifier", &c.identifier)
        .s("engine", &c.engine)
        .b("storage_encrypted", c.storage_encrypted)
        .b("multi_az", c.multi_az)
        .l("backup_retention_period", c.backup_retention_period)
        .b("deletion_protection", c.deletion_protection)
        .n("member_count", c.members.len());
    // Aurora sets automatic minor upgrades per instance: the cluster's is
    // then every member's.
    let members: Vec<&DbInstance> = c
        .members
        .iter()
        .filter_map(|m| rds.instances.iter().find(|i| &i.identifier == m))
        .collect();
    let from_members = (!c.members.is_empty() && members.len() == c.members.len())
        .then(|| members.iter().all(|i| i.auto_minor_version_upgrade));
    match c.auto_minor_version_upgrade.or(from_members) {
        Some(v) => attrs.b("auto_minor_version_upgrade", v),
        None => attrs.unknown(
            "auto_minor_version_upgrade",
            "the cluster does not report automatic minor version upgrades and its member instances were not all read",
        ),
    }
}
