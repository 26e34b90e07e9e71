//! Amazon S3: account-level Block Public Access and every bucket with its
//! access, protection and logging settings. Buckets are global in the
//! listing but live in one region, which each bucket records.

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::policy::PolicyDocument;

/// S3 data of one account.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Default)]
#[serde(deny_unknown_fields)]
pub struct S3 {
    /// Account-level Block Public Access (S3 Control
    /// `GetPublicAccessBlock`); `None` when none is configured. Whether it
    /// was read is in the coverage records.
    #[serde(default)]
    pub account_public_access_block: Option<PublicAccessBlock>,
    /// Every bucket `ListBuckets` returned.
    #[serde(default)]
    pub buckets: Vec<Bucket>,
}

/// The four Block Public Access settings.
#[derive(Debug, Clone, Copy, Serialize, Deserialize, PartialEq, Eq, Default)]
#[serde(deny_unknown_fields)]
pub struct PublicAccessBlock {
    /// New public ACLs are refused.
    pub block_public_acls: bool,
    /// Existing public ACLs are ignored.
    pub ignore_public_acls: bool,
    /// New public bucket policies are refused.
    pub block_public_policy: bool,
    /// Public and cross-account access through a public policy is restricted.
    pub restrict_public_buckets: bool,
}

impl PublicAccessBlock {
    /// All four settings are on.
    pub fn all(&self) -> bool {
        self.block_public_acls
            && self.ignore_public_acls
            && self.block_public_policy
            && self.restrict_public_buckets
    }
}

/// A bucket. Every setting whose read failed is listed in `unread` (its
/// field then holds no information) and is a coverage gap too.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Default)]
#[serde(deny_unknown_fields)]
pub struct Bucket {
    /// Bucket name.
    pub name: String,
    /// `arn:PARTITION:s3:::NAME`.
    pub arn: String,
    /// The bucket's region (`GetBucketLocation`).
    pub region: String,
    /// Creation time.
    #[serde(default)]
    pub creation_date: Option<DateTime<Utc>>,
    /// Bucket-level Block Public Access; `None`: none configured.
    #[serde(default)]
    pub public_access_block: Option<PublicAccessBlock>,
    /// Bucket policy; `None`: no policy.
    #[serde(default)]
    pub policy: Option<PolicyDocument>,
    /// Versioning: `Enabled`, `Suspended`; `None`: never enabled.
    #[serde(default)]
    pub versioning: Option<String>,
    /// MFA delete is enabled (from `GetBucketVersioning`).
    #[serde(default)]
    pub mfa_delete: bool,
    /// Object Lock; `None`: not enabled.
    #[serde(default)]
    pub object_lock: Option<ObjectLock>,
    /// Default encryption; `None`: no default encryption configuration
    /// returned (every bucket has SSE-S3 since January 2023, but the API
    /// still answers).
    #[serde(default)]
    pub encryption: Option<BucketEncryption>,
    /// Server access logging; `None`: disabled.
    #[serde(default)]
    pub logging: Option<BucketLogging>,
    /// Replication rules; empty: no replication configured.
    #[serde(default)]
    pub replication: Vec<ReplicationRule>,
    /// ACL grants to everyone (`AllUsers`) or to any AWS account
    /// (`AuthenticatedUsers`), from `GetBucketAcl`; empty: none.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub public_acl_grants: Vec<AclGrant>,
    /// Tags.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub tags: BTreeMap<String, String>,
    /// API names whose read failed for this bucket (e.g.
    /// `GetBucketPolicy`): their fields above hold no information.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub unread: Vec<String>,
}

/// Object Lock configuration of a bucket.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Default)]
#[serde(deny_unknown_fields)]
pub struct ObjectLock {
    /// `Enabled`.
    pub enabled: bool,
    /// Default retention mode: `GOVERNANCE` or `COMPLIANCE`.
    #[serde(default)]
    pub mode: Option<String>,
    /// Default retention in days.
    #[serde(default)]
    pub days: Option<i64>,
    /// Default retention in years.
    #[serde(default)]
    pub years: Option<i64>,
}

/// Default encryption of a bucket (its first rule).
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Default)]
#[serde(deny_unknown_fields)]
pub struct BucketEncryption {
    /// `AES256`, `aws:kms` or `aws:kms:dsse`.
    pub algorithm: String,
    /// KMS key for `aws:kms`.
    #[serde(default)]
    pub kms_key_id: Option<String>,
    /// S3 Bucket Keys are enabled.
    #[serde(default)]
    pub bucket_key_enabled: bool,
}

/// Server access logging of a bucket.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Default)]
#[serde(deny_unknown_fields)]
pub struct BucketLogging {
    /// Bucket receiving the logs.
    pub target_bucket: String,
    /// Key prefix.
    #[serde(default)]
    pub target_prefix: Option<String>,
}

/// One replication rule.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Default)]
#[serde(deny_unknown_fields)]
pub struct ReplicationRule {
    /// Rule id.
    #[serde(default)]
    pub id: Option<String>,
    /// `Enabled` or `Disabled`.
    pub status: String,
    /// Destination bucket ARN.
    pub destination_bucket: String,
    /// Destination account, when set.
    #[serde(default)]
    pub destination_account: Option<String>,
}

/// One ACL grant to a global group.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq, Default)]
#[serde(deny_unknown_fields)]
pub struct AclGrant {
    /// `AllUsers` (anyone) or `AuthenticatedUsers` (any AWS account).
    pub grantee: String,
    /// `READ`, `WRITE`, `READ_ACP`, `WRITE_ACP` or `FULL_CONTROL`.
    pub permission: String,
}

impl AclGrant {
    /// The grant lets the grantee write objects or change the ACL
    /// (`WRITE`, `WRITE_ACP`, `FULL_CONTROL`).
    pub fn is_write(&self) -> bool {
        matches!(
            self.permission.as_str(),
            "WRITE" | "WRITE_ACP" | "FULL_CONTROL"
        )
    }
}
