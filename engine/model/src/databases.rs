//! Amazon RDS (DB instances, clusters, manual snapshots) and Amazon EFS file
//! systems of one region.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

/// RDS data of one region.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Default)]
#[serde(deny_unknown_fields)]
pub struct Rds {
    /// DB instances (including Aurora cluster members).
    #[serde(default)]
    pub instances: Vec<DbInstance>,
    /// DB clusters (Aurora and Multi-AZ DB clusters).
    #[serde(default)]
    pub clusters: Vec<DbCluster>,
    /// Manual DB snapshots, with whom each is shared.
    #[serde(default)]
    pub snapshots: Vec<DbSnapshot>,
}

/// One RDS DB instance.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Default)]
#[serde(deny_unknown_fields)]
pub struct DbInstance {
    /// The instance ARN.
    pub arn: String,
    /// DB instance identifier.
    pub identifier: String,
    /// Engine (`mysql`, `postgres`, `aurora-mysql`, ...).
    #[serde(default)]
    pub engine: String,
    /// Instance class (`db.t3.micro`, ...).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub instance_class: Option<String>,
    /// Storage encrypted at rest.
    #[serde(default)]
    pub storage_encrypted: bool,
    /// KMS key of the storage encryption.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub kms_key_id: Option<String>,
    /// Has a publicly resolvable address (`PubliclyAccessible`).
    #[serde(default)]
    pub publicly_accessible: bool,
    /// Minor engine upgrades applied automatically.
    #[serde(default)]
    pub auto_minor_version_upgrade: bool,
    /// Multi-AZ deployment (a standby in another AZ).
    #[serde(default)]
    pub multi_az: bool,
    /// Days automated backups are kept (0: automated backups off).
    #[serde(default)]
    pub backup_retention_period: i64,
    /// Deletion protection on.
    #[serde(default)]
    pub deletion_protection: bool,
    /// The cluster this instance belongs to (Aurora), if any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cluster_identifier: Option<String>,
    /// Instance status (`available`, ...).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status: Option<String>,
    /// Tags.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub tags: BTreeMap<String, String>,
}

/// One RDS DB cluster.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Default)]
#[serde(deny_unknown_fields)]
pub struct DbCluster {
    /// The cluster ARN.
    pub arn: String,
    /// DB cluster identifier.
    pub identifier: String,
    /// Engine (`aurora-mysql`, `aurora-postgresql`, `mysql`, ...).
    #[serde(default)]
    pub engine: String,
    /// Storage encrypted at rest.
    #[serde(default)]
    pub storage_encrypted: bool,
    /// KMS key of the storage encryption.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub kms_key_id: Option<String>,
    /// Instances in more than one AZ (`MultiAZ`).
    #[serde(default)]
    pub multi_az: bool,
    /// Minor engine upgrades applied automatically; `None` when the API
    /// does not report it (Aurora reports it per instance).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub auto_minor_version_upgrade: Option<bool>,
    /// Days automated backups are kept.
    #[serde(default)]
    pub backup_retention_period: i64,
    /// Deletion protection on.
    #[serde(default)]
    pub deletion_protection: bool,
    /// Has a publicly resolvable address (Multi-AZ DB clusters).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub publicly_accessible: Option<bool>,
    /// Identifiers of the member instances.
    #[serde(default)]
    pub members: Vec<String>,
    /// Tags.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub tags: BTreeMap<String, String>,
}

/// One manual DB snapshot.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Default)]
#[serde(deny_unknown_fields)]
pub struct DbSnapshot {
    /// The snapshot ARN.
    pub arn: String,
    /// Snapshot identifier.
    pub identifier: String,
    /// The instance it was taken of.
    #[serde(default)]
    pub instance_identifier: Option<String>,
    /// Encrypted at rest.
    #[serde(default)]
    pub encrypted: bool,
    /// Accounts allowed to restore it (`restore` attribute; `all` = public);
    /// `None` when not read (the call failed, or the per-snapshot reads were
    /// capped: see the coverage notes).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub restore_accounts: Option<Vec<String>>,
}

/// EFS data of one region.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Default)]
#[serde(deny_unknown_fields)]
pub struct Efs {
    /// File systems.
    #[serde(default)]
    pub file_systems: Vec<FileSystem>,
}

/// One EFS file system.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Default)]
#[serde(deny_unknown_fields)]
pub struct FileSystem {
    /// The file system ARN.
    pub arn: String,
    /// File system id (`fs-...`).
    pub file_system_id: String,
    /// Its `Name` tag, if any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// Encrypted at rest.
    #[serde(default)]
    pub encrypted: bool,
    /// KMS key of the encryption.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub kms_key_id: Option<String>,
    /// Automatic backups (`DescribeBackupPolicy`): `ENABLED`, `ENABLING`,
    /// `DISABLED`, `DISABLING`, or `NONE` when the file system has no backup
    /// policy; `None` when the call failed (unknown).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub backup_status: Option<String>,
    /// Tags.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub tags: BTreeMap<String, String>,
}
