//! Threat detection and posture services of one region: GuardDuty
//! detectors, Security Hub and IAM Access Analyzer.
//!
//! Whether a listing was read is in the coverage records: an empty list
//! read successfully means none exists. Values read per detector that
//! could not be read are `None` (unknown), never zero.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

/// GuardDuty data of one region.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Default)]
#[serde(deny_unknown_fields)]
pub struct GuardDuty {
    /// The region's detectors (at most one per account and region).
    #[serde(default)]
    pub detectors: Vec<Detector>,
    /// Delegated GuardDuty administrators of the organisation
    /// (`ListOrganizationAdminAccounts`); `None` when the caller may not see
    /// them (only the management account may), see `admin_accounts_note`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub admin_accounts: Option<Vec<AdminAccount>>,
    /// Why the delegated administrators are not known (e.g. the caller is
    /// not the organisation's management account): a fact, not a gap.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub admin_accounts_note: Option<String>,
}

/// One GuardDuty detector.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Default)]
#[serde(deny_unknown_fields)]
pub struct Detector {
    /// `arn:aws:guardduty:REGION:ACCOUNT:detector/ID`.
    pub arn: String,
    /// Detector id.
    pub detector_id: String,
    /// `ENABLED` or `DISABLED`; `None` when GetDetector failed.
    #[serde(default)]
    pub status: Option<String>,
    /// Finding publishing frequency (`FIFTEEN_MINUTES`, ...).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub finding_publishing_frequency: Option<String>,
    /// Protection plans by feature name (`S3_DATA_EVENTS`,
    /// `EKS_AUDIT_LOGS`, `EBS_MALWARE_PROTECTION`, `RDS_LOGIN_EVENTS`,
    /// `LAMBDA_NETWORK_LOGS`, `RUNTIME_MONITORING`, ...) -> `ENABLED` or
    /// `DISABLED`; from the detector's features, completed from its legacy
    /// data sources. Empty when GetDetector failed.
    #[serde(default)]
    pub features: BTreeMap<String, String>,
    /// Member accounts (`ListMembers`); `None` when not read.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub members: Option<Vec<Member>>,
    /// Active (not archived) findings of severity 7 or more
    /// (`GetFindingsStatistics`; counts only); `None` when not read.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub high_severity_findings: Option<i64>,
}

/// A delegated GuardDuty administrator.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Default)]
#[serde(deny_unknown_fields)]
pub struct AdminAccount {
    /// Account id.
    pub account_id: String,
    /// `ENABLED` or `DISABLE_IN_PROGRESS`.
    #[serde(default)]
    pub status: Option<String>,
}

/// A GuardDuty member account.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Default)]
#[serde(deny_unknown_fields)]
pub struct Member {
    /// Account id.
    pub account_id: String,
    /// `Enabled`, `Invited`, `Removed`, ...
    #[serde(default)]
    pub relationship_status: Option<String>,
}

/// Security Hub data of one region.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Default)]
#[serde(deny_unknown_fields)]
pub struct SecurityHub {
    /// The account is subscribed to Security Hub in the region
    /// (`DescribeHub` succeeded; "not subscribed" is `false`).
    #[serde(default)]
    pub enabled: bool,
    /// The hub's ARN when enabled.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub hub_arn: Option<String>,
    /// Enabled standards (`GetEnabledStandards`).
    #[serde(default)]
    pub standards: Vec<Standard>,
}

/// One enabled Security Hub standard.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Default)]
#[serde(deny_unknown_fields)]
pub struct Standard {
    /// The standard's ARN.
    pub standards_arn: String,
    /// The subscription's ARN.
    #[serde(default)]
    pub subscription_arn: Option<String>,
    /// `READY`, `PENDING`, `INCOMPLETE`, `DELETING`, `FAILED`.
    #[serde(default)]
    pub status: Option<String>,
}

/// IAM Access Analyzer data of one region.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Default)]
#[serde(deny_unknown_fields)]
pub struct AccessAnalyzer {
    /// Every analyzer of the region.
    #[serde(default)]
    pub analyzers: Vec<Analyzer>,
}

/// One IAM Access Analyzer analyzer.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Default)]
#[serde(deny_unknown_fields)]
pub struct Analyzer {
    /// The analyzer's ARN.
    pub arn: String,
    /// Its name.
    pub name: String,
    /// `ACCOUNT`, `ORGANIZATION`, `ACCOUNT_UNUSED_ACCESS`, ...
    pub analyzer_type: String,
    /// `ACTIVE`, `CREATING`, `DISABLED`, `FAILED`.
    pub status: String,
}

impl AccessAnalyzer {
    /// True when an active analyzer of external access (type `ACCOUNT` or
    /// `ORGANIZATION`) exists; unused-access analyzers do not count.
    pub fn external_access_active(&self) -> bool {
        self.analyzers.iter().any(|a| {
            a.status == "ACTIVE" && matches!(a.analyzer_type.as_str(), "ACCOUNT" | "ORGANIZATION")
        })
    }
}

impl GuardDuty {
    /// The region's enabled detector, if any.
    pub fn enabled_detector(&self) -> Option<&Detector> {
        self.detectors
            .iter()
            .find(|d| d.status.as_deref() == Some("ENABLED"))
    }
}
