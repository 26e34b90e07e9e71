//! AWS Backup: vaults (encryption, lock, access policy), plans with rules
//! (schedule, retention, copy actions) and selections, protected resources.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::policy::PolicyDocument;

/// AWS Backup data of one region.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Default)]
#[serde(deny_unknown_fields)]
pub struct Backup {
    /// Backup vaults.
    #[serde(default)]
    pub vaults: Vec<BackupVault>,
    /// Backup plans.
    #[serde(default)]
    pub plans: Vec<BackupPlan>,
    /// Protected resources with their latest recovery point.
    #[serde(default)]
    pub protected_resources: Vec<ProtectedResource>,
}

/// A backup vault.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Default)]
#[serde(deny_unknown_fields)]
pub struct BackupVault {
    /// Vault ARN.
    pub arn: String,
    /// Vault name.
    pub name: String,
    /// KMS key ARN used to encrypt recovery points.
    #[serde(default)]
    pub encryption_key_arn: Option<String>,
    /// Vault Lock is configured.
    #[serde(default)]
    pub locked: bool,
    /// Lock date: after it the lock is immutable (compliance mode).
    #[serde(default)]
    pub lock_date: Option<DateTime<Utc>>,
    /// Vault Lock minimum retention in days.
    #[serde(default)]
    pub min_retention_days: Option<i64>,
    /// Vault Lock maximum retention in days.
    #[serde(default)]
    pub max_retention_days: Option<i64>,
    /// Number of recovery points.
    #[serde(default)]
    pub number_of_recovery_points: i64,
    /// Vault access policy, if any.
    #[serde(default)]
    pub access_policy: Option<PolicyDocument>,
    /// Stored recovery points summed per creating plan rule and storage
    /// class (ListRecoveryPointsByBackupVault); `None` when not collected.
    #[serde(default)]
    pub recovery_point_storage: Option<Vec<RecoveryPointStorage>>,
    /// ARNs of the vault's recovery points that are not encrypted at rest
    /// (`IsEncrypted` false and no `EncryptionKeyArn`), from the same
    /// listing; `None` when not listed (or in snapshots that predate it).
    pub unencrypted_recovery_points: Option<Vec<String>>,
}

/// Recovery points of one vault created by one backup rule (or on demand)
/// in one storage class, summed.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Default)]
#[serde(deny_unknown_fields)]
pub struct RecoveryPointStorage {
    /// Plan that created them (absent: on-demand backups).
    #[serde(default)]
    pub backup_plan_id: Option<String>,
    /// Rule of that plan (`RuleId`).
    #[serde(default)]
    pub backup_rule_id: Option<String>,
    /// `WARM` or `COLD` (cold once the recovery point's calculated
    /// MoveToColdStorageAt has passed at collection time).
    pub storage_class: String,
    /// Number of recovery points.
    pub recovery_points: i64,
    /// Sum of their `BackupSizeInBytes`.
    pub bytes: i64,
}

/// A backup plan.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Default)]
#[serde(deny_unknown_fields)]
pub struct BackupPlan {
    /// Plan ARN.
    pub arn: String,
    /// Plan id.
    #[serde(default)]
    pub id: String,
    /// Plan name.
    pub name: String,
    /// Rules.
    #[serde(default)]
    pub rules: Vec<BackupRule>,
    /// Selections (what the plan backs up).
    #[serde(default)]
    pub selections: Vec<BackupSelection>,
}

/// A rule of a backup plan.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Default)]
#[serde(deny_unknown_fields)]
pub struct BackupRule {
    /// Rule name.
    pub name: String,
    /// Rule id (`RuleId`), which recovery points name as their creator.
    #[serde(default)]
    pub rule_id: Option<String>,
    /// Target vault name.
    #[serde(default)]
    pub target_vault: String,
    /// Schedule expression, e.g. `cron(0 5 ? * * *)`.
    #[serde(default)]
    pub schedule_expression: Option<String>,
    /// Lifecycle: delete after this many days (absent: kept forever).
    #[serde(default)]
    pub delete_after_days: Option<i64>,
    /// Lifecycle: move to cold storage after this many days.
    #[serde(default)]
    pub move_to_cold_storage_after_days: Option<i64>,
    /// Copy actions.
    #[serde(default)]
    pub copy_actions: Vec<CopyAction>,
    /// Continuous backup (point-in-time recovery).
    #[serde(default)]
    pub enable_continuous_backup: bool,
}

/// A copy action of a backup rule.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Default)]
#[serde(deny_unknown_fields)]
pub struct CopyAction {
    /// Destination vault ARN.
    pub destination_vault_arn: String,
    /// Lifecycle of the copy: delete after days.
    #[serde(default)]
    pub delete_after_days: Option<i64>,
}

/// A backup selection.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Default)]
#[serde(deny_unknown_fields)]
pub struct BackupSelection {
    /// Selection id.
    pub id: String,
    /// Selection name.
    pub name: String,
    /// IAM role used by AWS Backup.
    #[serde(default)]
    pub iam_role_arn: Option<String>,
    /// Resource ARNs or patterns.
    #[serde(default)]
    pub resources: Vec<String>,
    /// Excluded resource ARNs or patterns.
    #[serde(default)]
    pub not_resources: Vec<String>,
    /// The selection's `Conditions` (`key=value`, `key like v`, `key!=v`,
    /// `key not like v`): all must hold, AND with what `resources` and
    /// `list_of_tags` select. Snapshots written before `list_of_tags`
    /// existed hold the `ListOfTags` entries here too.
    #[serde(default)]
    pub tag_conditions: Vec<String>,
    /// The selection's `ListOfTags` (`key=value`): a resource carrying any
    /// of them is selected, OR with `resources`.
    #[serde(default)]
    pub list_of_tags: Vec<String>,
}

/// A resource AWS Backup has protected.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Default)]
#[serde(deny_unknown_fields)]
pub struct ProtectedResource {
    /// Resource ARN.
    pub resource_arn: String,
    /// Resource type, e.g. `EBS`, `RDS`.
    #[serde(default)]
    pub resource_type: String,
    /// Latest recovery point creation time.
    #[serde(default)]
    pub last_backup_time: Option<DateTime<Utc>>,
}
