//! End-to-end S3 and KMS collection against the moto server seeded by
//! fixtures/moto/seed_storage.py, through the real AWS SDK: what the
//! snapshot holds and each storage rule's verdict on the seeded violations
//! and their compliant twins. MFA delete and KMS rotation periods, which
//! moto does not report, are tested on recorded responses in the collector.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::{collect, evaluate, moto, Faults, Proxy, ACCOUNT};
use palisade_eval::{CheckResult, Status};
use palisade_model::CoverageStatus;

/// The status of `rule` on the resource whose id is `id`.
fn verdict(results: &[CheckResult], rule: &str, id: &str) -> Status {
    let found: Vec<_> = results
        .iter()
        .filter(|r| r.rule_id == rule && r.resource.id == id)
        .collect();
    assert_eq!(found.len(), 1, "{rule} on {id}: {found:#?}");
    found[0].status
}

fn bucket_arn(name: &str) -> String {
    format!("arn:aws:s3:::{name}-{ACCOUNT}")
}

#[test]
fn buckets_and_keys_are_collected_and_judged() {
    let moto = moto();
    let snap = collect(&moto.url);
    let account = &snap.accounts[0];

    // Every S3 and KMS call succeeded but GetBucketVersioning: moto answers
    // it with a root element the SDK refuses (GetBucketVersioningResponse
    // instead of VersioningConfiguration), so it is a gap in each bucket's
    // region and every bucket lists it as unread.
    let gaps: Vec<(&str, &str)> = account
        .coverage
        .iter()
        .filter(|c| (c.service == "s3" || c.service == "kms") && c.is_gap())
        .map(|c| (c.region.as_str(), c.api.as_str()))
        .collect();
    assert_eq!(
        gaps,
        [
            ("eu-west-1", "GetBucketVersioning"),
            ("us-east-1", "GetBucketVersioning")
        ]
    );
    assert!(account
        .s3
        .buckets
        .iter()
        .all(|b| b.unread == ["GetBucketVersioning"]));
    let covered = |region: &str, api: &str| {
        account
            .coverage
            .iter()
            .any(|c| c.service == "s3" && c.region == region && c.api == api && !c.is_gap())
    };
    assert!(covered("global", "GetPublicAccessBlock"));
    assert!(covered("global", "ListBuckets"));
    assert!(covered("eu-west-1", "GetBucketPolicy"));
    assert!(covered("us-east-1", "GetBucketPolicy"));

    // Account Block Public Access: partly on.
    let bpa = account.s3.account_public_access_block.expect("account BPA");
    assert!(bpa.block_public_acls && bpa.ignore_public_acls);
    assert!(!bpa.block_public_policy && !bpa.restrict_public_buckets);

    let bucket = |name: &str| {
        let full = format!("{name}-{ACCOUNT}");
        account
            .s3
            .buckets
            .iter()
            .find(|b| b.name == full)
            .unwrap_or_else(|| panic!("{full} listed"))
    };
    let good = bucket("store-compliant");
    assert_eq!(good.region, "us-east-1");
    assert!(good.public_access_block.is_some_and(|p| p.all()));
    assert!(good.object_lock.as_ref().is_some_and(|l| l.enabled));
    assert_eq!(
        good.object_lock.as_ref().and_then(|l| l.mode.as_deref()),
        Some("GOVERNANCE")
    );
    let enc = good.encryption.as_ref().expect("encryption");
    assert_eq!(enc.algorithm, "aws:kms");
    assert!(enc
        .kms_key_id
        .as_deref()
        .is_some_and(|k| k.contains(":key/")));
    assert_eq!(
        good.logging.as_ref().map(|l| l.target_bucket.as_str()),
        Some(format!("store-access-logs-{ACCOUNT}").as_str())
    );
    assert_eq!(good.policy.as_ref().map(|p| p.statements.len()), Some(1));
    let eu = bucket("store-eu");
    assert_eq!(eu.region, "eu-west-1");
    assert!(eu.policy.is_none() && eu.public_access_block.is_none());
    assert!(eu.encryption.is_none() && eu.logging.is_none() && eu.object_lock.is_none());
    // Listing order is kept (moto lists in creation order: seed.py's Config
    // bucket, then seed_logging.py's trail buckets, then these), whatever
    // order the per-bucket calls finished in.
    let names: Vec<&str> = account.s3.buckets.iter().map(|b| b.name.as_str()).collect();
    let listed: Vec<String> = [
        "config-bucket",
        "log-trail-logs",
        "log-access-logs",
        "store-access-logs",
        "store-compliant",
        "store-public",
        "store-allow-only",
        "store-eu",
    ]
    .iter()
    .map(|n| format!("{n}-{ACCOUNT}"))
    .collect();
    assert_eq!(names, listed);

    // KMS keys: state, rotation, policy.
    let keys = |r: &str| {
        &account
            .region_data
            .iter()
            .find(|d| d.region == r)
            .expect("region")
            .kms
            .keys
    };
    let key = |r: &str, desc: &str| {
        keys(r)
            .iter()
            .find(|k| k.description.as_deref() == Some(desc))
            .unwrap_or_else(|| panic!("key {desc}"))
            .clone()
    };
    let rotated = key("us-east-1", "store rotated");
    assert_eq!(rotated.key_manager, "CUSTOMER");
    assert_eq!(rotated.key_spec, "SYMMETRIC_DEFAULT");
    assert_eq!(rotated.rotation_enabled, Some(true));
    assert!(rotated
        .policy
        .as_ref()
        .is_some_and(|p| !p.statements.is_empty()));
    assert_eq!(
        key("us-east-1", "store not rotated").rotation_enabled,
        Some(false)
    );
    let doomed = key("us-east-1", "store pending deletion");
    assert_eq!(doomed.key_state, "PendingDeletion");
    assert!(doomed.deletion_date.is_some());
    assert_eq!(
        doomed.rotation_enabled, None,
        "not asked when pending deletion"
    );

    // Verdicts on the seeded violations and their twins. Fails are judged
    // on data that was read; the versioning gap makes every pass of an S3
    // rule in the gap's regions not evaluated, and the versioning checks
    // themselves unknown on each bucket.
    let results = evaluate(&snap);
    let on = |rule: &str, name: &str| verdict(&results, rule, &bucket_arn(name));
    for b in ["store-compliant", "store-public"] {
        assert_eq!(on("s3-bucket-versioning-disabled", b), Status::NotEvaluated);
        assert_eq!(on("s3-bucket-mfa-delete-disabled", b), Status::NotEvaluated);
    }
    let twin = results
        .iter()
        .find(|r| {
            r.rule_id == "s3-bucket-allows-insecure-transport"
                && r.resource.id == bucket_arn("store-compliant")
        })
        .expect("result");
    assert_eq!(twin.status, Status::NotEvaluated);
    assert!(twin
        .message
        .as_deref()
        .is_some_and(|m| m.contains("GetBucketVersioning")));
    check_verdicts(&results, true);
    assert_eq!(
        verdict(&results, "s3-account-public-access-block-disabled", ACCOUNT),
        Status::Fail
    );

    // With moto's versioning gap taken out of the coverage (each bucket
    // still lists GetBucketVersioning as unread, so the versioning checks
    // stay unknown), the compliant twins pass every other rule.
    let mut judged = snap.clone();
    judged.accounts[0]
        .coverage
        .retain(|c| !(c.service == "s3" && c.api == "GetBucketVersioning"));
    let results = evaluate(&judged);
    check_verdicts(&results, false);
    for b in ["store-compliant", "config-bucket"] {
        let on = |rule: &str| verdict(&results, rule, &bucket_arn(b));
        assert_eq!(on("s3-bucket-versioning-disabled"), Status::NotEvaluated);
        assert_eq!(
            on("s3-audit-log-bucket-versioning-disabled"),
            Status::NotEvaluated
        );
    }

    // The public bucket's result carries its region.
    let public = results
        .iter()
        .find(|r| {
            r.rule_id == "s3-bucket-public-read" && r.resource.id == bucket_arn("store-public")
        })
        .expect("result");
    assert_eq!(public.resource.region, "us-east-1");
    let eu_result = results
        .iter()
        .find(|r| r.rule_id == "s3-bucket-public-read" && r.resource.id == bucket_arn("store-eu"))
        .expect("result");
    assert_eq!(eu_result.resource.region, "eu-west-1");

    let results = evaluate(&snap);
    let on_key = |rule: &str, r: &str, desc: &str| verdict(&results, rule, &key(r, desc).arn);
    assert_eq!(
        on_key(
            "kms-key-rotation-disabled",
            "us-east-1",
            "store not rotated"
        ),
        Status::Fail
    );
    assert_eq!(
        on_key("kms-key-rotation-disabled", "us-east-1", "store rotated"),
        Status::Pass
    );
    assert_eq!(
        on_key(
            "kms-key-pending-deletion",
            "us-east-1",
            "store pending deletion"
        ),
        Status::Fail
    );
    assert_eq!(
        on_key("kms-key-pending-deletion", "us-east-1", "store rotated"),
        Status::Pass
    );
    assert_eq!(
        on_key("kms-key-policy-public", "eu-west-1", "store public"),
        Status::Fail
    );
    assert_eq!(
        on_key("kms-key-policy-public", "us-east-1", "store rotated"),
        Status::Pass
    );
}

/// The storage rules' verdicts on the seeded buckets: fails always, passes
/// only when `gap` (moto's versioning gap) is not in the coverage.
fn check_verdicts(results: &[CheckResult], gap: bool) {
    let on = |rule: &str, name: &str| verdict(results, rule, &bucket_arn(name));
    let pass = if gap {
        Status::NotEvaluated
    } else {
        Status::Pass
    };
    let cases: [(&str, &[&str], &[&str]); 8] = [
        (
            "s3-bucket-allows-insecure-transport",
            &["store-public", "store-allow-only", "store-eu"],
            &["store-compliant"],
        ),
        (
            "s3-bucket-public-access-block-disabled",
            &["store-public", "store-eu"],
            &["store-compliant"],
        ),
        (
            "s3-bucket-public-read",
            &["store-public"],
            &["store-compliant", "store-allow-only", "store-eu"],
        ),
        (
            "s3-bucket-public-write",
            &[],
            &["store-public", "store-compliant"],
        ),
        (
            "s3-bucket-object-lock-disabled",
            &["store-public"],
            &["store-compliant"],
        ),
        (
            "s3-bucket-not-kms-encrypted",
            &["store-public", "store-eu"],
            &["store-compliant"],
        ),
        (
            "s3-bucket-access-logging-disabled",
            &["store-public"],
            &["store-compliant"],
        ),
        // The AWS Config delivery bucket (seed.py) has one copy; the other
        // buckets hold no audit logs.
        (
            "s3-audit-log-bucket-single-copy",
            &["config-bucket"],
            &["store-compliant", "store-public"],
        ),
    ];
    for (rule, fails, passes) in cases {
        for b in fails {
            assert_eq!(on(rule, b), Status::Fail, "{rule} on {b}");
        }
        for b in passes {
            assert_eq!(on(rule, b), pass, "{rule} on {b}");
        }
    }
}

#[test]
fn denied_s3_is_a_gap_and_no_bucket_is_judged() {
    let moto = moto();
    let proxy = Proxy::start(
        &moto.url,
        Faults {
            deny_service: Some("s3".into()),
            ..Faults::default()
        },
    );
    let snap = collect(&proxy.url);
    let account = &snap.accounts[0];
    // ListBuckets and the account's Block Public Access (S3 Control signs
    // as s3) are refused: no bucket, and the account setting unknown.
    assert!(account.s3.buckets.is_empty());
    for api in ["ListBuckets", "GetPublicAccessBlock"] {
        let rec = account
            .coverage
            .iter()
            .find(|c| c.service == "s3" && c.region == "global" && c.api == api)
            .unwrap_or_else(|| panic!("{api} recorded"));
        assert_eq!(rec.status, CoverageStatus::Failed, "{rec:?}");
    }
    let results = evaluate(&snap);
    let s3: Vec<_> = results
        .iter()
        .filter(|r| r.rule_id.starts_with("s3-"))
        .collect();
    assert!(!s3.is_empty());
    let judged: Vec<_> = s3
        .iter()
        .filter(|r| r.status != Status::NotEvaluated)
        .collect();
    assert!(judged.is_empty(), "{judged:#?}");
    // KMS is another service: still read and judged.
    assert!(results
        .iter()
        .any(|r| r.rule_id == "kms-key-rotation-disabled" && r.status == Status::Fail));
}
