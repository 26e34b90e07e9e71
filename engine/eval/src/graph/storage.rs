//! S3 buckets (account-wide entities carrying their region) and KMS keys
//! (children of their region). A bucket or key setting whose read failed
//! (listed in its `unread`) leaves the attributes computed from it out of
//! the entity and marked unknown, so checks reading them are not
//! evaluated; a policy that does not parse does the same.

use std::collections::BTreeSet;

use cedar_policy::{EntityTypeName, EntityUid};
use palisade_model::kms::KmsKey;
use palisade_model::s3::{Bucket, PublicAccessBlock};
use palisade_model::{Account, RegionData, GLOBAL_REGION};

use super::node::{Attrs, Ctx};
use super::types::ty;
use super::GraphBuilder;
use crate::facts::s3_policy::{
    insecure_transport_denial, public_grants, PublicGrant, READ_ACTIONS, WRITE_ACTIONS,
};

/// Entity type names of this module.
#[derive(Debug, Clone)]
pub(crate) struct StorageTypes {
    bucket: EntityTypeName,
    key: EntityTypeName,
}

impl Default for StorageTypes {
    fn default() -> Self {
        Self {
            bucket: ty("AWS::S3::Bucket"),
            key: ty("AWS::KMS::Key"),
        }
    }
}

/// KMS actions a public key policy would open: using the key, and taking
/// it over or destroying it.
const KMS_USE_ACTIONS: [&str; 4] = [
    "kms:Decrypt",
    "kms:Encrypt",
    "kms:GenerateDataKey",
    "kms:ReEncryptFrom",
];
const KMS_ADMIN_ACTIONS: [&str; 4] = [
    "kms:PutKeyPolicy",
    "kms:CreateGrant",
    "kms:ScheduleKeyDeletion",
    "kms:DisableKey",
];

/// The account-level Block Public Access: `None` when it is unknown (S3
/// Control `GetPublicAccessBlock` failed, or a collector-written account,
/// one with coverage records, has no successful record of it: S3 was not
/// collected), else what is configured (`Some(None)`: nothing).
fn account_bpa(a: &Account) -> Option<Option<PublicAccessBlock>> {
    let record = |ok: bool| {
        a.coverage.iter().any(|c| {
            c.is_gap() != ok
                && c.service == "s3"
                && c.api == "GetPublicAccessBlock"
                && c.region == GLOBAL_REGION
        })
    };
    let known = !record(false) && (a.coverage.is_empty() || record(true));
    known.then_some(a.s3.account_public_access_block)
}

/// Three-valued or: true if either is known true, false if both are known
/// false, else unknown.
fn or3(a: Option<bool>, b: Option<bool>) -> Option<bool> {
    match (a, b) {
        (Some(true), _) | (_, Some(true)) => Some(true),
        (Some(false), Some(false)) => Some(false),
        _ => None,
    }
}

/// Three-valued and.
fn and3(a: Option<bool>, b: Option<bool>) -> Option<bool> {
    match (a, b) {
        (Some(false), _) | (_, Some(false)) => Some(false),
        (Some(true), Some(true)) => Some(true),
        _ => None,
    }
}

/// What the buckets of the account hold for audit: trail and AWS Config
/// deliveries, as "bucket -> source" lines.
fn audit_sources(a: &Account, bucket: &str) -> Vec<String> {
    let mut out = BTreeSet::new();
    for r in &a.region_data {
        for t in &r.cloudtrail.trails {
            if t.s3_bucket_name.as_deref() == Some(bucket) {
                out.insert(format!("CloudTrail trail {}", t.name));
            }
        }
        for c in &r.config.delivery_channels {
            if c.s3_bucket_name.as_deref() == Some(bucket) {
                out.insert(format!(
                    "AWS Config delivery channel {} ({})",
                    c.name, r.region
                ));
            }
        }
    }
    out.into_iter().collect()
}

/// Why the audit-log deliveries of the account are not fully known: a
/// failed `DescribeTrails` or `DescribeDeliveryChannels` in some region (a
/// trail of any region, or any region's channel, may deliver to a bucket).
fn audit_unknown(a: &Account) -> Option<String> {
    let failed: Vec<String> = a
        .coverage
        .iter()
        .filter(|c| {
            c.is_gap()
                && matches!(
                    (c.service.as_str(), c.api.as_str()),
                    ("cloudtrail", "DescribeTrails") | ("config", "DescribeDeliveryChannels")
                )
        })
        .map(|c| format!("{} {} in {}", c.service, c.api, c.region))
        .collect();
    (!failed.is_empty()).then(|| {
        format!(
            "whether the bucket receives audit logs is unknown: {} failed",
            failed.join(", ")
        )
    })
}

/// Attribute builder that leaves out and marks unknown what was not read.
struct Known<'u> {
    attrs: Attrs,
    unread: &'u BTreeSet<&'u str>,
    /// Why the bucket policy, though read, could not be parsed.
    policy_reason: Option<&'u str>,
}

impl Known<'_> {
    /// `k` from `v` when every API of `needs` was read and `v` is known.
    fn b(mut self, k: &str, needs: &[&str], v: Option<bool>) -> Self {
        let missing: Vec<&str> = needs
            .iter()
            .copied()
            .filter(|n| self.unread.contains(n))
            .collect();
        self.attrs = match (missing.is_empty(), v) {
            (true, Some(v)) => self.attrs.b(k, v),
            (false, _) => {
                let reason = match self.policy_reason {
                    Some(r) if missing == ["GetBucketPolicy"] => {
                        format!("the bucket policy could not be parsed: {r}")
                    }
                    _ => format!("{} could not be read", missing.join(", ")),
                };
                self.attrs.unknown(k, reason)
            }
            (true, None) => self
                .attrs
                .unknown(k, "the account-level Block Public Access could not be read"),
        };
        self
    }
}

impl GraphBuilder {
    /// Account-wide attributes of this module's services.
    pub(super) fn storage_account_attrs(&self, a: &Account, attrs: Attrs) -> Attrs {
        let attrs = attrs.n("s3_bucket_count", a.s3.buckets.len());
        match account_bpa(a) {
            Some(bpa) => attrs.b(
                "s3_account_public_access_block_all",
                bpa.is_some_and(|b| b.all()),
            ),
            None => attrs.unknown(
                "s3_account_public_access_block_all",
                "the account-level Block Public Access (S3 Control GetPublicAccessBlock) was not read",
            ),
        }
    }

    /// Region-wide attributes of this module's services.
    pub(super) fn storage_region_attrs(
        &self,
        _a: &Account,
        _region: &str,
        d: &RegionData,
        attrs: Attrs,
    ) -> Attrs {
        attrs.n("kms_key_count", d.kms.keys.len())
    }

    /// Adds the S3 buckets of the account.
    pub(super) fn build_s3(&self, g: &mut Ctx<'_>, acct_uid: &EntityUid) {
        let a = g.account;
        let account = account_bpa(a);
        for b in &a.s3.buckets {
            let attrs = self.bucket_attrs(a, account, b);
            let region = if b.region.is_empty() {
                GLOBAL_REGION
            } else {
                b.region.as_str()
            };
            g.node(&self.types.storage.bucket, &b.arn, region)
                .name(&b.name)
                .parent(acct_uid)
                .tags(&b.tags)
                .attrs(attrs)
                .add();
        }
    }

    fn bucket_attrs(
        &self,
        a: &Account,
        account: Option<Option<PublicAccessBlock>>,
        b: &Bucket,
    ) -> Attrs {
        let mut unread: BTreeSet<&str> = b.unread.iter().map(String::as_str).collect();
        if unread.contains("GetBucketLocation") {
            // Without its region nothing else of the bucket was read.
            unread.extend([
                "GetBucketPublicAccessBlock",
                "GetBucketPolicy",
                "GetBucketVersioning",
                "GetObjectLockConfiguration",
                "GetBucketEncryption",
                "GetBucketLogging",
                "GetBucketReplication",
                "GetBucketAcl",
            ]);
        }
        let policy_reason = b.policy.as_ref().and_then(|p| p.unreadable_reason());
        if policy_reason.is_some() {
            unread.insert("GetBucketPolicy");
        }
        let bucket_bpa = b.public_access_block;
        let (grant, public_read, public_write) = effective_public(account, b);
        let denial = b
            .policy
            .as_ref()
            .and_then(|p| insecure_transport_denial(p, &b.arn));
        let sources = audit_sources(a, &b.name);
        let enc = b.encryption.as_ref();
        let mut attrs = Attrs::default();
        if let (true, Some(reason)) = (sources.is_empty(), audit_unknown(a)) {
            attrs = attrs.unknown("holds_audit_logs", reason);
        }
        let k = Known {
            attrs: attrs
                .s("name", &b.name)
                .s("region", &b.region)
                .b("holds_audit_logs", !sources.is_empty())
                .s("audit_log_sources", &sources.join("; "))
                .s("public_access", &describe_public(&grant, b)),
            unread: &unread,
            policy_reason,
        };
        const PAB: &[&str] = &["GetBucketPublicAccessBlock"];
        const POL: &[&str] = &["GetBucketPolicy"];
        const VER: &[&str] = &["GetBucketVersioning"];
        const ACCESS: &[&str] = &[
            "GetBucketPublicAccessBlock",
            "GetBucketPolicy",
            "GetBucketAcl",
        ];
        let k = k
            .b(
                "public_access_block_all",
                PAB,
                Some(bucket_bpa.is_some_and(|p| p.all())),
            )
            .b(
                "public_access_blocked",
                PAB,
                or3(
                    Some(bucket_bpa.is_some_and(|p| p.all())),
                    account.map(|o| o.is_some_and(|p| p.all())),
                ),
            )
            .b("has_policy", POL, Some(b.policy.is_some()))
            .b("denies_insecure_transport", POL, Some(denial.is_some()))
            .b("public_read", ACCESS, public_read)
            .b("public_write", ACCESS, public_write)
            .b(
                "versioning_enabled",
                VER,
                Some(b.versioning.as_deref() == Some("Enabled")),
            )
            .b("mfa_delete", VER, Some(b.mfa_delete))
            .b(
                "object_lock_enabled",
                &["GetObjectLockConfiguration"],
                Some(b.object_lock.as_ref().is_some_and(|l| l.enabled)),
            )
            .b(
                "kms_encrypted",
                &["GetBucketEncryption"],
                Some(enc.is_some_and(|e| e.algorithm.starts_with("aws:kms"))),
            )
            .b(
                "access_logging",
                &["GetBucketLogging"],
                Some(b.logging.is_some()),
            )
            .b(
                "replication_enabled",
                &["GetBucketReplication"],
                Some(b.replication.iter().any(|r| r.status == "Enabled")),
            );
        k.attrs
            .s("encryption", enc.map_or("none", |e| e.algorithm.as_str()))
    }

    /// Adds the KMS keys of one region.
    pub(super) fn build_kms(
        &self,
        g: &mut Ctx<'_>,
        region_uid: &EntityUid,
        region: &str,
        d: &RegionData,
    ) {
        for k in &d.kms.keys {
            let attrs = self.key_attrs(k);
            g.node(&self.types.storage.key, &k.arn, region)
                .name(
                    k.description
                        .as_deref()
                        .map_or(k.key_id.clone(), |d| format!("{} ({d})", k.key_id)),
                )
                .parent(region_uid)
                .attrs(attrs)
                .add();
        }
    }

    fn key_attrs(&self, k: &KmsKey) -> Attrs {
        let unread: BTreeSet<&str> = k.unread.iter().map(String::as_str).collect();
        if unread.contains("DescribeKey") {
            // Nothing is known about the key: every attribute is unknown.
            return Attrs::default()
                .s("key_id", &k.key_id)
                .s("key_manager", "")
                .s("key_state", "")
                .b("customer_managed", false)
                .b("can_rotate", false)
                .unknown("customer_managed", "DescribeKey could not be read")
                .unknown("can_rotate", "DescribeKey could not be read")
                .unknown("key_state", "DescribeKey could not be read")
                .unknown("key_manager", "DescribeKey could not be read");
        }
        let mut attrs = Attrs::default()
            .s("key_id", &k.key_id)
            .s("key_manager", &k.key_manager)
            .s("key_state", &k.key_state)
            .b("customer_managed", k.is_customer_managed())
            .b("can_rotate", k.can_rotate())
            .s("key_spec", &k.key_spec)
            .b("multi_region", k.multi_region)
            .opt_l(
                "days_until_deletion",
                k.deletion_date.map(|t| (t - self.scan_time).num_days()),
            )
            .opt_l(
                "rotation_period_days",
                k.rotation_period_days.map(i64::from),
            );
        attrs = match (k.rotation_enabled, unread.contains("GetKeyRotationStatus")) {
            (_, true) => {
                attrs.unknown("rotation_enabled", "GetKeyRotationStatus could not be read")
            }
            (Some(r), false) => attrs.b("rotation_enabled", r),
            (None, false) => attrs,
        };
        let policy_reason = k.policy.as_ref().and_then(|p| p.unreadable_reason());
        attrs = match (&k.policy, unread.contains("GetKeyPolicy"), policy_reason) {
            (_, true, _) => attrs.unknown("policy_public", "GetKeyPolicy could not be read"),
            (_, _, Some(r)) => attrs.unknown(
                "policy_public",
                format!("the key policy could not be read: {r}"),
            ),
            (Some(p), false, None) => {
                let g = public_grants(p, &KMS_USE_ACTIONS, &KMS_ADMIN_ACTIONS);
                attrs
                    .b("policy_public", g.read || g.write)
                    .opt_s("public_statement", g.statement.as_deref())
            }
            (None, false, None) => attrs,
        };
        attrs
    }
}

/// The bucket policy's public grants, and whether anyone can effectively
/// read and write the bucket: a public policy grant not restricted by
/// RestrictPublicBuckets, or a public ACL grant not ignored by
/// IgnorePublicAcls (bucket or account level; unknown when the account
/// setting is unknown and decides).
fn effective_public(
    account: Option<Option<PublicAccessBlock>>,
    b: &Bucket,
) -> (PublicGrant, Option<bool>, Option<bool>) {
    let setting = |f: fn(&PublicAccessBlock) -> bool| {
        or3(
            Some(b.public_access_block.is_some_and(|p| f(&p))),
            account.map(|o| o.is_some_and(|p| f(&p))),
        )
    };
    let restrict = setting(|p| p.restrict_public_buckets);
    let ignore_acls = setting(|p| p.ignore_public_acls);
    let grant = b
        .policy
        .as_ref()
        .map(|p| public_grants(p, &READ_ACTIONS, &WRITE_ACTIONS))
        .unwrap_or_default();
    let acl_read = b.public_acl_grants.iter().any(|g| !g.is_write());
    let acl_write = b.public_acl_grants.iter().any(|g| g.is_write());
    let public = |policy: bool, acl: bool| {
        or3(
            and3(Some(policy), restrict.map(|r| !r)),
            and3(Some(acl), ignore_acls.map(|r| !r)),
        )
    };
    let (read, write) = (public(grant.read, acl_read), public(grant.write, acl_write));
    (grant, read, write)
}

/// Why a bucket is (or is not) public, for messages.
fn describe_public(grant: &PublicGrant, b: &Bucket) -> String {
    let mut parts = Vec::new();
    if let Some(s) = &grant.statement {
        parts.push(format!("bucket policy: {s}"));
    }
    if !b.public_acl_grants.is_empty() {
        let acl: Vec<String> = b
            .public_acl_grants
            .iter()
            .map(|g| format!("{} {}", g.grantee, g.permission))
            .collect();
        parts.push(format!("ACL grants {}", acl.join(", ")));
    }
    if parts.is_empty() {
        "no public grant".to_owned()
    } else {
        parts.join("; ")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn three_valued_logic() {
        assert_eq!(or3(Some(true), None), Some(true));
        assert_eq!(or3(Some(false), None), None);
        assert_eq!(or3(Some(false), Some(false)), Some(false));
        assert_eq!(and3(Some(false), None), Some(false));
        assert_eq!(and3(Some(true), None), None);
        assert_eq!(and3(Some(true), Some(true)), Some(true));
    }
}
