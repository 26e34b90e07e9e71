//! Five representative rules written as plain Rust predicates over the
//! snapshot model, to measure how far the Cedar phase is from the floor
//! (issue 15): what the same verdicts cost without entities, policies or an
//! interpreter. Bench code only: the product judges with Cedar.
//!
//! Each predicate computes its inputs from the model the way the graph
//! builder derives the entity attribute (normalised protocol, whole days,
//! attached policies), restricted to what the synthetic organisation holds
//! (no managed prefix lists, no unread listings, no organisation trails of
//! other accounts), and the `five-rules` bin checks that both give the same
//! verdict on every resource.

use std::collections::HashSet;

use chrono::{DateTime, Duration, Utc};
use palisade_model::cloudtrail::Trail;
use palisade_model::policy::{Effect, PolicyDocument};
use palisade_model::s3::{Bucket, BucketEncryption};
use palisade_model::Account;

/// The five rules, by id.
pub const RULES: [&str; 5] = [
    "ec2-sg-ssh-open-to-internet",
    "iam-access-key-not-rotated",
    "s3-bucket-not-kms-encrypted",
    "cloudtrail-log-file-validation-disabled",
    "iam-policy-full-admin",
];

/// One verdict: rule (index into [`RULES`]), resource id, failed.
pub type Verdict = (usize, String, bool);

/// The verdicts of the five rules on every resource of `a` they judge.
/// `max_key_age_days` is the `max_access_key_age_days` parameter.
pub fn judge(a: &Account, scan_time: DateTime<Utc>, max_key_age_days: i64) -> Vec<Verdict> {
    let mut out = Vec::new();
    ssh_open(a, &mut out);
    key_not_rotated(a, scan_time, max_key_age_days, &mut out);
    for b in &a.s3.buckets {
        if let Some(fail) = bucket_not_kms(b) {
            out.push((2, b.arn.clone(), fail));
        }
    }
    for t in a.region_data.iter().flat_map(|r| &r.cloudtrail.trails) {
        if t.arn.split(':').nth(4) == Some(a.account_id.as_str()) {
            out.push((3, t.arn.clone(), trail_without_validation(t)));
        }
    }
    full_admin(a, &mut out);
    out
}

/// ec2-sg-ssh-open-to-internet: an inbound rule of an existing group, open
/// to 0.0.0.0/0 or ::/0, admitting TCP 22 (all protocols, every port, or a
/// TCP range holding 22).
fn ssh_open(a: &Account, out: &mut Vec<Verdict>) {
    for rd in &a.region_data {
        let groups: HashSet<&str> = rd
            .ec2
            .security_groups
            .iter()
            .map(|g| g.group_id.as_str())
            .collect();
        for r in &rd.ec2.security_group_rules {
            if !groups.contains(r.group_id.as_str()) {
                continue;
            }
            let internet = r.cidr_ipv4.as_deref() == Some("0.0.0.0/0")
                || r.cidr_ipv6.as_deref() == Some("::/0");
            let protocol = r.ip_protocol.trim();
            let all = protocol == "-1" || protocol.eq_ignore_ascii_case("all");
            let tcp = protocol == "6" || protocol.eq_ignore_ascii_case("tcp");
            let from = r.from_port.unwrap_or(-1);
            let to = r.to_port.unwrap_or(-1);
            let every_port = from < 0 || to < 0 || (from <= 1 && to >= 65535);
            let fail = !r.is_egress
                && internet
                && (all || (tcp && (every_port || (from <= 22 && to >= 22))));
            out.push((0, r.arn.clone(), fail));
        }
    }
}

/// iam-access-key-not-rotated: an active key older than the maximum age
/// (whole days since creation; a key without a creation date passes).
fn key_not_rotated(a: &Account, scan_time: DateTime<Utc>, max: i64, out: &mut Vec<Verdict>) {
    for u in &a.iam.users {
        for k in &u.access_keys {
            let age = k.create_date.map(|t| (scan_time - t).num_days());
            let fail = k.is_active() && age.is_some_and(|d| d > max);
            out.push((1, format!("{}/access-key/{}", u.arn, k.access_key_id), fail));
        }
    }
}

/// s3-bucket-not-kms-encrypted: default encryption is not SSE-KMS; `None`
/// (not judged) when the encryption could not be read.
fn bucket_not_kms(b: &Bucket) -> Option<bool> {
    let unread = b
        .unread
        .iter()
        .any(|u| u == "GetBucketEncryption" || u == "GetBucketLocation");
    (!unread).then(|| {
        !b.encryption
            .as_ref()
            .is_some_and(|e| e.algorithm.starts_with("aws:kms"))
    })
}

/// cloudtrail-log-file-validation-disabled.
fn trail_without_validation(t: &Trail) -> bool {
    !t.log_file_validation_enabled
}

/// iam-policy-full-admin: an Allow statement of an attached policy
/// (customer managed, or inline) whose actions include `*` or `*:*` and
/// whose resources include `*`.
fn full_admin(a: &Account, out: &mut Vec<Verdict>) {
    let iam = &a.iam;
    let attached: HashSet<&str> = iam
        .users
        .iter()
        .flat_map(|u| &u.attached_policies)
        .chain(iam.groups.iter().flat_map(|g| &g.attached_policies))
        .chain(iam.roles.iter().flat_map(|r| &r.attached_policies))
        .map(String::as_str)
        .collect();
    let mut statements = |policy_id: &str, doc: &PolicyDocument, is_attached: bool| {
        for (i, s) in doc.statements.iter().enumerate() {
            let fail = is_attached
                && s.effect == Effect::Allow
                && s.action.iter().any(|x| x == "*" || x == "*:*")
                && s.resource.iter().any(|x| x == "*");
            out.push((4, format!("{policy_id}#statement/{i}"), fail));
        }
    };
    for p in &iam.policies {
        if !p.is_aws_managed() {
            statements(&p.arn, &p.document, attached.contains(p.arn.as_str()));
        }
    }
    for u in &iam.users {
        for p in &u.inline_policies {
            statements(&format!("{}#inline/{}", u.arn, p.name), &p.document, true);
        }
    }
    for g in &iam.groups {
        for p in &g.inline_policies {
            statements(&format!("{}#inline/{}", g.arn, p.name), &p.document, true);
        }
    }
    for r in &iam.roles {
        for p in &r.inline_policies {
            statements(&format!("{}#inline/{}", r.arn, p.name), &p.document, true);
        }
    }
}

/// Adds S3 buckets and CloudTrail trails to a synthetic account (which has
/// none), so all five rules have resources: one bucket per unit (three in
/// ten without SSE-KMS) and one trail per ten units in each region (one in
/// five without log file validation).
pub fn add_buckets_and_trails(a: &mut Account, units: usize) {
    let id = a.account_id.clone();
    let t0 = crate::scan_time();
    for u in 0..units {
        let region = a.region_data[u % a.region_data.len()].region.clone();
        let algorithm = match u % 10 {
            0..=2 => "AES256",
            3 => "aws:kms:dsse",
            _ => "aws:kms",
        };
        a.s3.buckets.push(Bucket {
            name: format!("bucket-{id}-{u}"),
            arn: format!("arn:aws:s3:::bucket-{id}-{u}"),
            region,
            creation_date: Some(t0 - Duration::days(30)),
            versioning: Some("Enabled".into()),
            encryption: Some(BucketEncryption {
                algorithm: algorithm.into(),
                kms_key_id: None,
                ..BucketEncryption::default()
            }),
            ..Bucket::default()
        });
    }
    for rd in &mut a.region_data {
        let r = rd.region.clone();
        for t in 0..units.div_ceil(10) {
            rd.cloudtrail.trails.push(Trail {
                arn: format!("arn:aws:cloudtrail:{r}:{id}:trail/trail-{t}"),
                name: format!("trail-{t}"),
                home_region: r.clone(),
                is_multi_region: t == 0,
                log_file_validation_enabled: t % 5 != 1,
                s3_bucket_name: Some(format!("bucket-{id}-0")),
                ..Trail::default()
            });
        }
    }
}
