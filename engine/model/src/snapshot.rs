//! The top of the snapshot: accounts, regions, scan metadata, collector
//! coverage and AWS Artifact report metadata.

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::backup::Backup;
use crate::cloudtrail::CloudTrail;
use crate::compute::AutoScaling;
use crate::config::ConfigService;
use crate::databases::{Efs, Rds};
use crate::detection::{AccessAnalyzer, GuardDuty, SecurityHub};
use crate::ec2::Ec2;
use crate::elb::Elb;
use crate::iam::Iam;
use crate::kms::Kms;
use crate::monitoring::Monitoring;
use crate::organization::{Organization, ShardInfo};
use crate::s3::S3;
use crate::source::{Locations, Origin, UnknownValue};
use crate::waf::Wafv2;

/// One collection run over one or more AWS accounts.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct Snapshot {
    /// Always `palisade-snapshot`.
    pub format: String,
    /// Format version; this build reads version 1.
    pub version: u32,
    /// Version of the tool that wrote the snapshot.
    #[serde(default)]
    pub tool_version: String,
    /// When the collection ran. Ages (key age, days since last use) are
    /// computed relative to this instant, so re-evaluating an old snapshot
    /// gives the same answer.
    pub scan_time: DateTime<Utc>,
    /// The AWS organisation, when collected with `--org` (written before
    /// `accounts`, so a streaming reader has it before the first account).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub organization: Option<Organization>,
    /// The share of a sharded collection this file holds (`--shard I/N`);
    /// `None` for a whole collection or a merged one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub shard: Option<ShardInfo>,
    /// The accounts collected.
    #[serde(default)]
    pub accounts: Vec<Account>,
}

/// Everything collected from one AWS account.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Default)]
#[serde(deny_unknown_fields)]
pub struct Account {
    /// The 12-digit account id.
    pub account_id: String,
    /// A friendly name (Organizations name or alias), if known.
    #[serde(default)]
    pub name: Option<String>,
    /// The partition (`aws`, `aws-us-gov`, `aws-cn`).
    #[serde(default = "default_partition")]
    pub partition: String,
    /// Regions that were collected (enabled regions, or the `--regions` list).
    #[serde(default)]
    pub regions: Vec<String>,
    /// Which service/region/API calls succeeded or failed, and why.
    #[serde(default)]
    pub coverage: Vec<CoverageRecord>,
    /// Account-global IAM data.
    #[serde(default)]
    pub iam: Iam,
    /// Per-region data (EC2, WAFv2, Backup, Config, ...).
    #[serde(default)]
    pub region_data: Vec<RegionData>,
    /// Amazon S3: account Block Public Access and every bucket (each with
    /// its region).
    #[serde(default, skip_serializing_if = "is_default")]
    pub s3: S3,
    /// AWS Artifact report metadata (evidence trail; not evaluated).
    #[serde(default)]
    pub artifact_reports: Vec<ArtifactReport>,
    /// AWS Artifact agreements the account has accepted (evidence trail; not
    /// evaluated). Whether they were read is in the coverage records
    /// (`artifact` / `ListCustomerAgreements`): an empty list read
    /// successfully means none.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub artifact_agreements: Vec<ArtifactAgreement>,
    /// Where the data came from: collected (`live`, the default) or read
    /// from a template or plan. Rules that need runtime data apply to live
    /// accounts only.
    #[serde(default, skip_serializing_if = "Origin::is_live")]
    pub origin: Origin,
    /// IaC input: values the importer could not resolve.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub unknowns: Vec<UnknownValue>,
    /// IaC input: where each resource (and known property) is defined.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub locations: Locations,
    /// IaC input: resources of types no rule covers, counted by type (never
    /// silently dropped).
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub uncovered: BTreeMap<String, usize>,
}

fn default_partition() -> String {
    "aws".to_owned()
}

/// Whether a collector call succeeded.
#[derive(Debug, Clone, Copy, Serialize, Deserialize, PartialEq, Eq, PartialOrd, Ord, Hash)]
#[serde(rename_all = "snake_case")]
pub enum CoverageStatus {
    /// The call (and every page of it) succeeded.
    Ok,
    /// The call failed after retries; its data is missing from the snapshot.
    Failed,
}

/// One line of collector coverage: a service API in a region.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq, PartialOrd, Ord)]
#[serde(deny_unknown_fields)]
pub struct CoverageRecord {
    /// Service name as used in rule metadata: `iam`, `ec2`, `wafv2`, `backup`,
    /// `config`, `artifact`.
    pub service: String,
    /// Region, or `global` for global services.
    pub region: String,
    /// The API operation, e.g. `DescribeSecurityGroups`.
    pub api: String,
    /// Outcome.
    pub status: CoverageStatus,
    /// Error code and message for a failure (e.g. `AccessDenied: ...`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
}

impl CoverageRecord {
    /// True when this record is a coverage gap.
    pub fn is_gap(&self) -> bool {
        self.status == CoverageStatus::Failed
    }
}

/// Data collected in one region of one account.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Default)]
#[serde(deny_unknown_fields)]
pub struct RegionData {
    /// Region code, e.g. `eu-west-1`.
    pub region: String,
    /// VPC networking.
    #[serde(default)]
    pub ec2: Ec2,
    /// WAFv2 web ACLs (CLOUDFRONT-scoped ACLs are listed under `us-east-1`).
    #[serde(default)]
    pub wafv2: Wafv2,
    /// AWS Backup.
    #[serde(default)]
    pub backup: Backup,
    /// AWS Config.
    #[serde(default)]
    pub config: ConfigService,
    /// AWS CloudTrail trails homed in this region.
    #[serde(default, skip_serializing_if = "is_default")]
    pub cloudtrail: CloudTrail,
    /// CloudWatch Logs metric filters, CloudWatch alarms, SNS topics.
    #[serde(default, skip_serializing_if = "is_default")]
    pub monitoring: Monitoring,
    /// Amazon GuardDuty.
    #[serde(default, skip_serializing_if = "is_default")]
    pub guardduty: GuardDuty,
    /// AWS Security Hub.
    #[serde(default, skip_serializing_if = "is_default")]
    pub securityhub: SecurityHub,
    /// IAM Access Analyzer.
    #[serde(default, skip_serializing_if = "is_default")]
    pub access_analyzer: AccessAnalyzer,
    /// AWS KMS keys.
    #[serde(default, skip_serializing_if = "is_default")]
    pub kms: Kms,
    /// Amazon RDS.
    #[serde(default, skip_serializing_if = "is_default")]
    pub rds: Rds,
    /// Amazon EFS.
    #[serde(default, skip_serializing_if = "is_default")]
    pub efs: Efs,
    /// Elastic Load Balancing (v2 and classic).
    #[serde(default, skip_serializing_if = "is_default")]
    pub elb: Elb,
    /// Auto Scaling groups and launch configurations.
    #[serde(default, skip_serializing_if = "is_default")]
    pub autoscaling: AutoScaling,
}

/// True for a value equal to its type's default (left out of the file, so
/// snapshots of services that found nothing stay small).
fn is_default<T: Default + PartialEq>(v: &T) -> bool {
    *v == T::default()
}

/// Metadata of one AWS Artifact report (compliance evidence trail).
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Default)]
#[serde(deny_unknown_fields)]
pub struct ArtifactReport {
    /// Report ARN.
    pub arn: String,
    /// Report id.
    #[serde(default)]
    pub id: String,
    /// Report name, e.g. `SOC 2 Type II`.
    #[serde(default)]
    pub name: String,
    /// Category, e.g. `Certifications and Attestations`.
    #[serde(default)]
    pub category: Option<String>,
    /// Series, e.g. `SOC`.
    #[serde(default)]
    pub series: Option<String>,
    /// Report version.
    #[serde(default)]
    pub version: Option<i64>,
    /// Start of the period the report covers.
    #[serde(default)]
    pub period_start: Option<DateTime<Utc>>,
    /// End of the period the report covers.
    #[serde(default)]
    pub period_end: Option<DateTime<Utc>>,
    /// Publication state.
    #[serde(default)]
    pub state: Option<String>,
}

/// An AWS Artifact agreement the account (or its organization) accepted,
/// e.g. the Business Associate Addendum.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Default)]
#[serde(deny_unknown_fields)]
pub struct ArtifactAgreement {
    /// Customer agreement ARN.
    pub arn: String,
    /// Customer agreement id.
    #[serde(default)]
    pub id: String,
    /// Agreement name, e.g. `AWS Business Associate Addendum`.
    #[serde(default)]
    pub name: String,
    /// The ARN of the agreement accepted.
    #[serde(default)]
    pub agreement_arn: Option<String>,
    /// `DEFAULT`, `CUSTOM` or `MODIFIED`.
    #[serde(default)]
    pub agreement_type: Option<String>,
    /// `ACTIVE`, `CUSTOMER_TERMINATED` or `AWS_TERMINATED`.
    #[serde(default)]
    pub state: Option<String>,
    /// When the agreement took effect.
    #[serde(default)]
    pub effective_start: Option<DateTime<Utc>>,
    /// When it ended, if it did.
    #[serde(default)]
    pub effective_end: Option<DateTime<Utc>>,
    /// The organization that accepted it for its accounts, if one did.
    #[serde(default)]
    pub organization_arn: Option<String>,
    /// The account that accepted it.
    #[serde(default)]
    pub aws_account_id: Option<String>,
}

impl Account {
    /// The resource id of AWS managed policy `arn` in this account: AWS
    /// managed policies share one ARN everywhere, so the id is scoped to
    /// the account (`<arn>#account/<id>`), or for a template or plan to its
    /// file (`<file>#<arn>`, as every resource of the file), so finding ids
    /// stay unique per account and per file.
    pub fn aws_managed_policy_id(&self, arn: &str) -> String {
        match (self.origin.is_iac(), &self.name) {
            (true, Some(file)) => format!("{file}#{arn}"),
            _ => format!("{arn}#account/{}", self.account_id),
        }
    }

    /// For a collector-written account (one with coverage records), adds a
    /// failed coverage record for every global service in `global` and every
    /// (service in `regional`, collected region) that has no record at all:
    /// a service the collector silently skipped is a gap, not a pass.
    /// Accounts without any coverage record (hand-written snapshots) are left
    /// alone. Returns how many records were added.
    pub fn fill_missing_coverage(&mut self, global: &[&str], regional: &[&str]) -> usize {
        if self.coverage.is_empty() {
            return 0;
        }
        let mut missing = Vec::new();
        for service in global {
            if !self.coverage.iter().any(|c| c.service == *service) {
                missing.push((service.to_string(), crate::GLOBAL_REGION.to_owned()));
            }
        }
        let mut regions: Vec<&str> = self.regions.iter().map(String::as_str).collect();
        regions.extend(self.region_data.iter().map(|r| r.region.as_str()));
        regions.sort_unstable();
        regions.dedup();
        for region in regions {
            for service in regional {
                if !self
                    .coverage
                    .iter()
                    .any(|c| c.service == *service && c.region == region)
                {
                    missing.push((service.to_string(), region.to_owned()));
                }
            }
        }
        let n = missing.len();
        for (service, region) in missing {
            self.coverage.push(CoverageRecord {
                service,
                region,
                api: "(none)".into(),
                status: CoverageStatus::Failed,
                error: Some("the snapshot has no coverage record for this service and region; the collector did not report collecting it".into()),
            });
        }
        n
    }
}

impl Snapshot {
    /// An empty snapshot taken at `scan_time`.
    pub fn new(scan_time: DateTime<Utc>, tool_version: &str) -> Self {
        Self {
            format: crate::SNAPSHOT_FORMAT.to_owned(),
            version: crate::SNAPSHOT_VERSION,
            tool_version: tool_version.to_owned(),
            scan_time,
            organization: None,
            shard: None,
            accounts: Vec::new(),
        }
    }

    /// [`Account::fill_missing_coverage`] for every account.
    pub fn fill_missing_coverage(&mut self, global: &[&str], regional: &[&str]) -> usize {
        self.accounts
            .iter_mut()
            .map(|a| a.fill_missing_coverage(global, regional))
            .sum()
    }

    /// Every coverage gap, with its account id: the organisation's own
    /// (a failed Organizations listing, under the account it was read
    /// from), then each account's.
    pub fn gaps(&self) -> impl Iterator<Item = (&str, &CoverageRecord)> {
        let org = self.organization.iter().flat_map(|o| {
            let from = if o.read_from.is_empty() {
                o.management_account_id.as_str()
            } else {
                o.read_from.as_str()
            };
            o.coverage
                .iter()
                .filter(|c| c.is_gap())
                .map(move |c| (from, c))
        });
        org.chain(self.accounts.iter().flat_map(|a| {
            a.coverage
                .iter()
                .filter(|c| c.is_gap())
                .map(move |c| (a.account_id.as_str(), c))
        }))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn record(service: &str, region: &str) -> CoverageRecord {
        CoverageRecord {
            service: service.into(),
            region: region.into(),
            api: "X".into(),
            status: CoverageStatus::Ok,
            error: None,
        }
    }

    #[test]
    fn a_failed_organizations_listing_is_a_gap_of_the_snapshot() {
        let mut s = Snapshot::new(Utc::now(), "test");
        s.accounts.push(Account {
            account_id: "222222222222".into(),
            ..Account::default()
        });
        assert_eq!(s.gaps().count(), 0);
        let mut failed = record("organizations", "global");
        failed.status = CoverageStatus::Failed;
        s.organization = Some(crate::organization::Organization {
            management_account_id: "111111111111".into(),
            coverage: vec![record("organizations", "global"), failed],
            ..Default::default()
        });
        let gaps: Vec<_> = s.gaps().map(|(a, c)| (a, c.service.as_str())).collect();
        assert_eq!(gaps, [("111111111111", "organizations")]);
    }

    #[test]
    fn unreported_services_become_gaps() {
        let mut a = Account {
            account_id: "111111111111".into(),
            regions: vec!["us-east-1".into(), "eu-west-1".into()],
            coverage: vec![
                record("iam", "global"),
                record("ec2", "us-east-1"),
                record("ec2", "eu-west-1"),
                record("backup", "us-east-1"),
            ],
            ..Account::default()
        };
        assert_eq!(a.fill_missing_coverage(&["iam"], &["ec2", "backup"]), 1);
        let gap = a.coverage.iter().find(|c| c.is_gap()).expect("gap");
        assert_eq!(
            (gap.service.as_str(), gap.region.as_str()),
            ("backup", "eu-west-1")
        );
        // Hand-written snapshots without coverage are left alone.
        let mut bare = Account {
            account_id: "111111111111".into(),
            regions: vec!["us-east-1".into()],
            ..Account::default()
        };
        assert_eq!(bare.fill_missing_coverage(&["iam"], &["ec2"]), 0);
    }
}
