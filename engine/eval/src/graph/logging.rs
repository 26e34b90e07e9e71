//! CloudTrail trails (one `AWS::CloudTrail::Trail` entity per trail the
//! account owns, child of its home region) and the account- and
//! region-wide logging and monitoring facts: a multi-region trail logging
//! all management events, S3 data events, the fifteen CIS monitoring
//! controls ([`crate::facts::trail`]), and management-event copies per
//! region (cost). A fact whose data was not read is left out and marked
//! unknown, so checks reading it are not evaluated.

use cedar_policy::{EntityTypeName, EntityUid};
use palisade_model::cloudtrail::Trail;
use palisade_model::s3::Bucket;
use palisade_model::{Account, RegionData};

use super::node::{Attrs, Ctx};
use super::types::ty;
use super::GraphBuilder;
use crate::facts::backup_policy::any_principal_allow;
use crate::facts::trail::{self as facts, any3, CONTROLS};

/// Entity type names of this module.
#[derive(Debug, Clone)]
pub(crate) struct LoggingTypes {
    trail: EntityTypeName,
}

impl Default for LoggingTypes {
    fn default() -> Self {
        Self {
            trail: ty("AWS::CloudTrail::Trail"),
        }
    }
}

/// Sets boolean `k` from a three-valued fact, or marks it unknown.
fn tri(attrs: Attrs, k: &str, v: Option<bool>, why: &str) -> Attrs {
    match v {
        Some(b) => attrs.b(k, b),
        None => attrs.unknown(k, why),
    }
}

const TRAIL_UNREAD: &str =
    "a trail's status or event selectors could not be read (GetTrailStatus / GetEventSelectors)";

impl GraphBuilder {
    /// Account-wide attributes of this module's services.
    pub(super) fn logging_account_attrs(&self, a: &Account, attrs: Attrs) -> Attrs {
        let trails: Vec<&Trail> = facts::trails(a).collect();
        let mut attrs = attrs.n("cloudtrail_trail_count", trails.len());
        attrs = tri(
            attrs,
            "cloudtrail_logging",
            any3(trails.iter().map(|t| facts::is_logging(t))),
            TRAIL_UNREAD,
        );
        attrs = tri(
            attrs,
            "cloudtrail_multi_region_all_management",
            any3(trails.iter().map(|t| facts::multi_region_all_management(t))),
            TRAIL_UNREAD,
        );
        for (k, write) in [
            ("cloudtrail_s3_write_data_events", true),
            ("cloudtrail_s3_read_data_events", false),
        ] {
            attrs = tri(
                attrs,
                k,
                any3(
                    trails
                        .iter()
                        .map(|t| facts::multi_region_s3_data_events(t, write)),
                ),
                TRAIL_UNREAD,
            );
        }
        for c in &CONTROLS {
            let k = format!("monitoring_{}", c.key);
            let j = facts::monitored(a, c);
            attrs = attrs.s(&format!("{k}_detail"), &j.detail);
            attrs = match j.met {
                Some(b) => attrs.b(&k, b),
                None => attrs.unknown(&k, j.detail),
            };
        }
        attrs
    }

    /// Region-wide attributes of this module's services.
    pub(super) fn logging_region_attrs(
        &self,
        a: &Account,
        region: &str,
        _d: &RegionData,
        attrs: Attrs,
    ) -> Attrs {
        // Trails delivering management events of this region: multi-region
        // trails and the single-region trails homed here.
        let applying: Vec<&Trail> = facts::trails(a)
            .filter(|t| t.is_multi_region || t.home_region == region)
            .collect();
        let copies: Vec<Option<bool>> = applying
            .iter()
            .map(|t| {
                let mgmt = t.selectors.as_ref().map(logs_management);
                match (facts::is_logging(t), mgmt) {
                    (Some(false), _) | (_, Some(false)) => Some(false),
                    (Some(true), Some(true)) => Some(true),
                    _ => None,
                }
            })
            .collect();
        if copies.contains(&None) {
            attrs.unknown("cloudtrail_management_copies", TRAIL_UNREAD)
        } else {
            attrs.n(
                "cloudtrail_management_copies",
                copies.iter().filter(|c| **c == Some(true)).count(),
            )
        }
    }

    /// Adds the trails the account owns homed in one region.
    pub(super) fn build_logging(
        &self,
        g: &mut Ctx<'_>,
        region_uid: &EntityUid,
        region: &str,
        d: &RegionData,
    ) {
        let account = g.account;
        for t in &d.cloudtrail.trails {
            if t.arn.split(':').nth(4) != Some(account.account_id.as_str()) {
                // Another account's organization trail: judged there.
                continue;
            }
            let attrs = trail_attrs(account, t);
            g.node(&self.types.logging.trail, &t.arn, region)
                .name(&t.name)
                .parent(region_uid)
                .attrs(attrs)
                .add();
        }
    }
}

/// Any selector logs management events (of any read/write type).
fn logs_management(sel: &palisade_model::cloudtrail::EventSelectors) -> bool {
    (sel.basic.is_empty() && sel.advanced.is_empty())
        || sel.basic.iter().any(|e| e.include_management_events)
        || sel.advanced.iter().any(|a| {
            a.field_selectors
                .iter()
                .any(|f| f.field == "eventCategory" && f.equals.iter().any(|v| v == "Management"))
        })
}

fn trail_attrs(a: &Account, t: &Trail) -> Attrs {
    let mut attrs = Attrs::default()
        .s("name", &t.name)
        .s("home_region", &t.home_region)
        .b("is_multi_region", t.is_multi_region)
        .b("is_organization_trail", t.is_organization_trail)
        .b("log_file_validation_enabled", t.log_file_validation_enabled)
        .b(
            "kms_encrypted",
            t.kms_key_id.as_deref().is_some_and(|k| !k.is_empty()),
        )
        .b(
            "cloudwatch_logs_enabled",
            t.cloudwatch_logs_log_group_arn
                .as_deref()
                .is_some_and(|k| !k.is_empty()),
        )
        .s("s3_bucket_name", t.s3_bucket_name.as_deref().unwrap_or(""));
    attrs = tri(
        attrs,
        "is_logging",
        facts::is_logging(t),
        "GetTrailStatus could not be read for this trail",
    );
    let bucket = t
        .s3_bucket_name
        .as_deref()
        .and_then(|n| a.s3.buckets.iter().find(|b| b.name == n));
    let Some(b) = bucket else {
        let why = format!(
            "the trail's bucket {:?} is not in the snapshot (another account's, or S3 was not read)",
            t.s3_bucket_name.as_deref().unwrap_or("")
        );
        return attrs
            .unknown("bucket_access_logging", why.clone())
            .unknown("bucket_public", why);
    };
    attrs = if b.unread.iter().any(|u| u == "GetBucketLogging") {
        attrs.unknown(
            "bucket_access_logging",
            "GetBucketLogging failed for the trail's bucket",
        )
    } else {
        attrs.b("bucket_access_logging", b.logging.is_some())
    };
    match bucket_public(a, b) {
        Ok(p) => attrs.b("bucket_public", p),
        Err(why) => attrs.unknown("bucket_public", why),
    }
}

/// The bucket's policy lets anyone in and Block Public Access
/// (RestrictPublicBuckets, bucket or account level) does not stop it.
/// ACL grants are not collected, so a bucket public only through its ACL
/// is not seen.
fn bucket_public(a: &Account, b: &Bucket) -> Result<bool, String> {
    for api in ["GetBucketPolicy", "GetBucketPublicAccessBlock"] {
        if b.unread.iter().any(|u| u == api) {
            return Err(format!("{api} failed for the trail's bucket"));
        }
    }
    let account_bpa_unread = a
        .coverage
        .iter()
        .any(|c| c.is_gap() && c.service == "s3" && c.api == "GetPublicAccessBlock");
    let restricted = b
        .public_access_block
        .as_ref()
        .is_some_and(|p| p.restrict_public_buckets)
        || a.s3
            .account_public_access_block
            .as_ref()
            .is_some_and(|p| p.restrict_public_buckets);
    let open = b
        .policy
        .as_ref()
        .is_some_and(|p| any_principal_allow(p).is_some());
    if open && !restricted && account_bpa_unread {
        return Err("the account's S3 Block Public Access could not be read".to_owned());
    }
    Ok(open && !restricted)
}
