//! IAM: root account facts, password policy, account summary, users (login
//! profile, MFA devices, access keys), groups, roles and managed policies.

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::policy::PolicyDocument;

/// Account-global IAM data.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Default)]
#[serde(deny_unknown_fields)]
pub struct Iam {
    /// Root user facts (from the credential report and account summary).
    #[serde(default)]
    pub root: RootAccount,
    /// The account password policy; `null` means none is set (a fact, not an error).
    #[serde(default)]
    pub password_policy: Option<PasswordPolicy>,
    /// GetAccountSummary's map (e.g. `AccountMFAEnabled`, `Users`).
    #[serde(default)]
    pub summary: BTreeMap<String, i64>,
    /// IAM users.
    #[serde(default)]
    pub users: Vec<User>,
    /// IAM groups.
    #[serde(default)]
    pub groups: Vec<Group>,
    /// IAM roles.
    #[serde(default)]
    pub roles: Vec<Role>,
    /// Managed policies (AWS managed and customer managed).
    #[serde(default)]
    pub policies: Vec<ManagedPolicy>,
}

/// Facts about the root user. Every fact is optional: absent (`null`) means
/// unknown (the credential report had no `<root_account>` row, or the call
/// that tells failed), never "no".
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Default)]
#[serde(deny_unknown_fields)]
pub struct RootAccount {
    /// MFA is enabled on the root user (report row `mfa_active`, else the
    /// account summary's `AccountMFAEnabled`).
    #[serde(default)]
    pub mfa_active: Option<bool>,
    /// The root MFA is a hardware device (no virtual MFA device is assigned to root).
    #[serde(default)]
    pub hardware_mfa: Option<bool>,
    /// Root has at least one active access key (report row, else the
    /// account summary's `AccountAccessKeysPresent`).
    #[serde(default)]
    pub access_key_active: Option<bool>,
    /// Root has a console password (the account summary's
    /// `AccountPasswordPresent`, else the report row's `password_enabled`).
    #[serde(default)]
    pub password_present: Option<bool>,
    /// Whether the credential report had a `<root_account>` row; the last-use
    /// fields below are known only when it did.
    #[serde(default)]
    pub credential_report_row: Option<bool>,
    /// When the root password was last used (report row; `None` if never).
    #[serde(default)]
    pub password_last_used: Option<DateTime<Utc>>,
    /// When a root access key was last used: the later of the report row's
    /// `access_key_1_last_used_date` and `access_key_2_last_used_date`
    /// (`None` if never).
    #[serde(default)]
    pub access_key_last_used: Option<DateTime<Utc>>,
}

impl RootAccount {
    /// Whether root has a credential MFA protects (a console password or an
    /// access key): `Some(true)` if either is known to exist, `Some(false)`
    /// if both are known not to, `None` otherwise.
    pub fn has_credentials(&self) -> Option<bool> {
        match (self.password_present, self.access_key_active) {
            (Some(true), _) | (_, Some(true)) => Some(true),
            (Some(false), Some(false)) => Some(false),
            _ => None,
        }
    }

    /// The root user's last use (password or access key), when the
    /// credential report's root row was read: `Some(None)` = never used,
    /// `None` = unknown.
    pub fn last_used(&self) -> Option<Option<DateTime<Utc>>> {
        (self.credential_report_row == Some(true))
            .then(|| self.password_last_used.max(self.access_key_last_used))
    }
}

/// The account password policy.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Default)]
#[serde(deny_unknown_fields)]
pub struct PasswordPolicy {
    /// MinimumPasswordLength.
    #[serde(default)]
    pub minimum_password_length: i64,
    /// RequireSymbols.
    #[serde(default)]
    pub require_symbols: bool,
    /// RequireNumbers.
    #[serde(default)]
    pub require_numbers: bool,
    /// RequireUppercaseCharacters.
    #[serde(default)]
    pub require_uppercase: bool,
    /// RequireLowercaseCharacters.
    #[serde(default)]
    pub require_lowercase: bool,
    /// AllowUsersToChangePassword.
    #[serde(default)]
    pub allow_users_to_change: bool,
    /// MaxPasswordAge in days, if passwords expire.
    #[serde(default)]
    pub max_password_age: Option<i64>,
    /// PasswordReusePrevention: how many previous passwords are remembered.
    #[serde(default)]
    pub password_reuse_prevention: Option<i64>,
    /// HardExpiry.
    #[serde(default)]
    pub hard_expiry: bool,
}

/// An IAM user.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Default)]
#[serde(deny_unknown_fields)]
pub struct User {
    /// User ARN.
    pub arn: String,
    /// User name.
    pub name: String,
    /// Path.
    #[serde(default = "root_path")]
    pub path: String,
    /// Creation time.
    #[serde(default)]
    pub create_date: Option<DateTime<Utc>>,
    /// The user has a login profile (console password).
    #[serde(default)]
    pub password_enabled: bool,
    /// When the console password was last used.
    #[serde(default)]
    pub password_last_used: Option<DateTime<Utc>>,
    /// When the login profile (console password) was created; absent if
    /// there is none or it is unknown.
    #[serde(default)]
    pub login_profile_create_date: Option<DateTime<Utc>>,
    /// MFA devices assigned to the user.
    #[serde(default)]
    pub mfa_devices: Vec<MfaDevice>,
    /// Access keys.
    #[serde(default)]
    pub access_keys: Vec<AccessKey>,
    /// Names of the groups the user is in.
    #[serde(default)]
    pub groups: Vec<String>,
    /// ARNs of managed policies attached directly to the user.
    #[serde(default)]
    pub attached_policies: Vec<String>,
    /// Inline policies.
    #[serde(default)]
    pub inline_policies: Vec<InlinePolicy>,
    /// Tags.
    #[serde(default)]
    pub tags: BTreeMap<String, String>,
}

fn root_path() -> String {
    "/".to_owned()
}

/// An MFA device.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Default)]
#[serde(deny_unknown_fields)]
pub struct MfaDevice {
    /// Serial number (ARN for virtual devices).
    pub serial_number: String,
    /// `virtual` or `hardware`.
    #[serde(default = "virtual_kind")]
    pub kind: String,
    /// When the device was enabled.
    #[serde(default)]
    pub enable_date: Option<DateTime<Utc>>,
}

fn virtual_kind() -> String {
    "virtual".to_owned()
}

/// An access key (the secret is never collected).
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Default)]
#[serde(deny_unknown_fields)]
pub struct AccessKey {
    /// Access key id.
    pub access_key_id: String,
    /// `Active` or `Inactive`.
    pub status: String,
    /// Creation time.
    #[serde(default)]
    pub create_date: Option<DateTime<Utc>>,
    /// Last use, if ever used.
    #[serde(default)]
    pub last_used_date: Option<DateTime<Utc>>,
    /// Service of the last use.
    #[serde(default)]
    pub last_used_service: Option<String>,
}

impl AccessKey {
    /// True when the key is active.
    pub fn is_active(&self) -> bool {
        self.status.eq_ignore_ascii_case("active")
    }
}

/// An inline policy embedded in a user, group or role.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Default)]
#[serde(deny_unknown_fields)]
pub struct InlinePolicy {
    /// Policy name.
    pub name: String,
    /// Decoded policy document.
    pub document: PolicyDocument,
}

/// An IAM group.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Default)]
#[serde(deny_unknown_fields)]
pub struct Group {
    /// Group ARN.
    pub arn: String,
    /// Group name.
    pub name: String,
    /// ARNs of attached managed policies.
    #[serde(default)]
    pub attached_policies: Vec<String>,
    /// Inline policies.
    #[serde(default)]
    pub inline_policies: Vec<InlinePolicy>,
}

/// An IAM role.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Default)]
#[serde(deny_unknown_fields)]
pub struct Role {
    /// Role ARN.
    pub arn: String,
    /// Role name.
    pub name: String,
    /// Path (`/aws-service-role/` for service-linked roles).
    #[serde(default = "root_path")]
    pub path: String,
    /// Creation time.
    #[serde(default)]
    pub create_date: Option<DateTime<Utc>>,
    /// Last time the role was assumed.
    #[serde(default)]
    pub last_used: Option<DateTime<Utc>>,
    /// The trust (assume-role) policy.
    #[serde(default)]
    pub trust_policy: PolicyDocument,
    /// ARNs of attached managed policies.
    #[serde(default)]
    pub attached_policies: Vec<String>,
    /// Inline policies.
    #[serde(default)]
    pub inline_policies: Vec<InlinePolicy>,
    /// ARNs of the instance profiles that carry this role (EC2 instances
    /// launched with one act as the role).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub instance_profiles: Vec<String>,
    /// Tags.
    #[serde(default)]
    pub tags: BTreeMap<String, String>,
}

/// A managed policy and its default version's document.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Default)]
#[serde(deny_unknown_fields)]
pub struct ManagedPolicy {
    /// Policy ARN (`arn:aws:iam::aws:policy/...` for AWS managed).
    pub arn: String,
    /// Policy name.
    pub name: String,
    /// Path.
    #[serde(default = "root_path")]
    pub path: String,
    /// Default version id.
    #[serde(default)]
    pub default_version_id: Option<String>,
    /// AttachmentCount as reported by IAM.
    #[serde(default)]
    pub attachment_count: i64,
    /// PermissionsBoundaryUsageCount as reported by IAM (how many users and
    /// roles use the policy as their permissions boundary); absent: unknown.
    #[serde(default)]
    pub permissions_boundary_usage_count: Option<i64>,
    /// Default version's document.
    #[serde(default)]
    pub document: PolicyDocument,
}

impl ManagedPolicy {
    /// True for AWS managed policies (`arn:<partition>:iam::aws:policy/...`).
    pub fn is_aws_managed(&self) -> bool {
        self.arn.contains(":iam::aws:policy/")
    }

    /// The policy name an ARN ends with (`arn:aws:iam::aws:policy/job-function/ViewOnlyAccess`
    /// -> `ViewOnlyAccess`); the whole ARN if it has no `/`.
    pub fn name_in_arn(arn: &str) -> &str {
        arn.rsplit_once('/').map_or(arn, |(_, name)| name)
    }
}
