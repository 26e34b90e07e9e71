//! Collector faults beyond throttling, through the fault proxy in front of
//! the seeded moto server: answers slower than the read timeout, truncated
//! and malformed bodies, one region unreachable, assumed-role credentials
//! that expire mid-run, and a long run (over 10,000 calls) with 30% faults.
//! Each ends in the fault-free snapshot, or in coverage gaps exactly where
//! data is missing: never a hang, a panic or a silently short listing.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::sync::OnceLock;
use std::time::{Duration, Instant};

use common::{
    assert_same, collect_with, moto, normalized, unexplained_differences, Faults, Proxy, ACCOUNT,
};
use palisade_model::Snapshot;

/// moto answers GetBucketVersioning with a root element the SDK refuses
/// (tests/moto_storage.rs); every proxy here gives AWS's instead, so the
/// only failed answers are the injected ones.
fn proxy(upstream: &str, faults: Faults) -> Proxy {
    let mut faults = faults;
    faults.rewrite.push((
        "GetBucketVersioningResponse".into(),
        "VersioningConfiguration".into(),
    ));
    Proxy::start(upstream, faults)
}

/// The fault-free snapshot of the seeded regions (collected once).
fn clean() -> &'static Snapshot {
    static CLEAN: OnceLock<Snapshot> = OnceLock::new();
    CLEAN.get_or_init(|| {
        let p = proxy(&moto().url, Faults::default());
        norm(collect_with(&p.url, |o| o.max_attempts = 12))
    })
}

/// [`normalized`], and without the roles' last use (the assumed-role test
/// assumes `app-role` in the shared moto, which records that use).
fn norm(s: Snapshot) -> Snapshot {
    let mut s = normalized(s);
    for a in &mut s.accounts {
        for r in &mut a.iam.roles {
            r.last_used = None;
        }
    }
    s
}

/// The gaps with their errors, for failure messages.
fn gap_errors(s: &Snapshot) -> String {
    s.accounts[0]
        .coverage
        .iter()
        .filter(|c| c.is_gap())
        .map(|c| {
            format!(
                "  {} {} {}: {}",
                c.service,
                c.region,
                c.api,
                c.error.as_deref().unwrap_or("")
            )
        })
        .collect::<Vec<_>>()
        .join("\n")
}

fn gaps(s: &Snapshot) -> Vec<String> {
    s.accounts[0]
        .coverage
        .iter()
        .filter(|c| c.is_gap())
        .map(|c| format!("{} {} {}", c.service, c.region, c.api))
        .collect()
}

#[test]
fn answers_slower_than_the_read_timeout_are_retried_and_the_snapshot_is_complete() {
    let clean = clean();
    let proxy = proxy(
        &moto().url,
        Faults {
            slow_rate: 0.1,
            delay: Duration::from_secs(5),
            // moto's GetAccountAuthorizationDetails (1,000 managed
            // policies) alone can take seconds in a debug build.
            spare: Some("/iam/aws4_request".into()),
            seed: 0x5103,
            ..Faults::default()
        },
    );
    let snap = collect_with(&proxy.url, |o| {
        o.max_attempts = 12;
        o.read_timeout = Duration::from_secs(2);
    });
    let stats = proxy.counts();
    assert!(stats.slowed > 10, "slow answers: {stats:?}");
    assert_same(&norm(snap), clean);
}

#[test]
fn an_answer_that_stays_slow_is_a_gap_for_that_service_and_the_rest_is_complete() {
    let clean = clean();
    let proxy = proxy(
        &moto().url,
        Faults {
            scope: Some("/backup/aws4_request".into()),
            slow_rate: 1.0,
            delay: Duration::from_secs(8),
            ..Faults::default()
        },
    );
    let start = Instant::now();
    // moto in a debug build can take a second or two on a busy machine:
    // the read timeout leaves it that, and holds backup back longer.
    let snap = norm(collect_with(&proxy.url, |o| {
        o.max_attempts = 2;
        o.read_timeout = Duration::from_secs(3);
    }));
    eprintln!("collection with slow backup took {:.1?}", start.elapsed());
    let account = &snap.accounts[0];
    for region in common::REGIONS {
        let rec = account
            .coverage
            .iter()
            .find(|c| c.service == "backup" && c.region == region && c.api == "ListBackupVaults")
            .expect("ListBackupVaults recorded");
        assert!(rec.is_gap(), "{rec:?}");
    }
    // Only backup calls failed; everything else is the fault-free data.
    for g in gaps(&snap) {
        assert!(
            g.starts_with("backup ") || gaps(clean).contains(&g),
            "unexpected gap {g}"
        );
    }
    assert_eq!(unexplained_differences(&snap, clean), Vec::<String>::new());
    let clean_rest: Vec<_> = clean.accounts[0]
        .region_data
        .iter()
        .map(|r| &r.ec2)
        .collect();
    let rest: Vec<_> = account.region_data.iter().map(|r| &r.ec2).collect();
    assert_same(&rest, &clean_rest);
}

#[test]
fn the_timeout_error_names_the_timeout() {
    let proxy = proxy(
        &moto().url,
        Faults {
            scope: Some("/backup/aws4_request".into()),
            slow_rate: 1.0,
            delay: Duration::from_secs(3),
            ..Faults::default()
        },
    );
    let snap = collect_with(&proxy.url, |o| {
        o.regions = vec!["us-east-1".into()];
        o.max_attempts = 1;
        o.read_timeout = Duration::from_secs(1);
    });
    let rec = snap.accounts[0]
        .coverage
        .iter()
        .find(|c| c.service == "backup" && c.api == "ListBackupVaults")
        .unwrap();
    let error = rec.error.as_deref().unwrap_or_default();
    assert!(
        error.contains("timeout") || error.contains("timed out"),
        "{rec:?}"
    );
}

#[test]
fn truncated_and_malformed_bodies_are_retried_into_the_same_snapshot() {
    let clean = clean();
    let proxy = proxy(
        &moto().url,
        Faults {
            truncate_rate: 0.15,
            malformed_rate: 0.15,
            seed: 0xBAD_B0D1,
            ..Faults::default()
        },
    );
    let snap = collect_with(&proxy.url, |o| o.max_attempts = 12);
    let stats = proxy.counts();
    assert!(
        stats.truncated > 10 && stats.malformed > 10,
        "faults: {stats:?}"
    );
    eprintln!("gaps:\n{}", gap_errors(&snap));
    let snap = norm(snap);
    assert_eq!(unexplained_differences(&snap, clean), Vec::<String>::new());
    assert_same(&snap, clean);
}

#[test]
fn a_truncated_or_malformed_body_not_retried_is_a_gap_never_a_short_listing() {
    let clean = clean();
    let proxy = proxy(
        &moto().url,
        Faults {
            truncate_rate: 0.1,
            malformed_rate: 0.1,
            spare: Some("/sts/aws4_request".into()),
            seed: 0x0DD,
            ..Faults::default()
        },
    );
    // One attempt per call: every corrupted answer is final.
    let snap = norm(collect_with(&proxy.url, |o| o.max_attempts = 1));
    let stats = proxy.counts();
    assert!(
        stats.truncated > 5 && stats.malformed > 5,
        "faults: {stats:?}"
    );
    assert!(
        gaps(&snap).len() > gaps(clean).len(),
        "corrupted answers are gaps"
    );
    assert_eq!(unexplained_differences(&snap, clean), Vec::<String>::new());
}

#[test]
fn one_unreachable_region_is_a_gap_for_that_region_and_the_rest_is_complete() {
    let clean = clean();
    let proxy = proxy(
        &moto().url,
        Faults {
            unreachable_region: Some("eu-west-1".into()),
            ..Faults::default()
        },
    );
    let snap = norm(collect_with(&proxy.url, |o| o.max_attempts = 2));
    assert!(proxy.counts().unreachable > 0);
    let account = &snap.accounts[0];
    // Every call in eu-west-1 failed (S3 calls about its buckets included).
    let eu: Vec<_> = account
        .coverage
        .iter()
        .filter(|c| c.region == "eu-west-1")
        .collect();
    assert!(!eu.is_empty());
    assert!(eu.iter().all(|c| c.is_gap()), "{eu:#?}");
    // Elsewhere, the same records and data as without faults.
    let elsewhere = |s: &Snapshot| -> Vec<_> {
        s.accounts[0]
            .coverage
            .iter()
            .filter(|c| c.region != "eu-west-1")
            .cloned()
            .collect()
    };
    assert_same(&elsewhere(&snap), &elsewhere(clean));
    let us = |s: &Snapshot| {
        s.accounts[0]
            .region_data
            .iter()
            .find(|r| r.region == "us-east-1")
            .cloned()
    };
    assert_same(&us(&snap), &us(clean));
    assert_same(&account.iam, &clean.accounts[0].iam);
    assert_eq!(unexplained_differences(&snap, clean), Vec::<String>::new());
}

#[test]
fn assumed_role_credentials_that_expire_mid_run_are_refreshed() {
    let clean = clean();
    let proxy = proxy(
        &moto().url,
        Faults {
            // Shorter than the SDK's refresh margin: every use refreshes.
            assumed_lifetime: Some(Duration::from_secs(4)),
            ..Faults::default()
        },
    );
    let snap = collect_with(&proxy.url, |o| {
        o.role_arn = Some(format!("arn:aws:iam::{ACCOUNT}:role/app-role"));
    });
    let stats = proxy.counts();
    assert!(stats.assume_role > 1, "AssumeRole calls: {stats:?}");
    assert_eq!(stats.expired, 0, "no call used expired credentials");
    assert_same(&norm(snap), clean);
}

/// A moto server of its own with 900 S3 buckets (fixtures/moto/seed_many.py):
/// collecting each takes about ten calls.
fn many_buckets() -> palisade_test_kit::moto::Moto {
    let py = palisade_test_kit::moto::python();
    let moto = palisade_test_kit::moto::start(&py).unwrap_or_else(|e| panic!("{e}"));
    let out = palisade_test_kit::moto::seed_with(&py, &moto.url, "moto/seed_many.py")
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(out.trim(), "900");
    moto
}

#[test]
fn ten_thousand_calls_with_thirty_percent_faults_give_the_same_snapshot() {
    let start = Instant::now();
    let moto = many_buckets();
    eprintln!("moto with 900 buckets ready in {:.1?}", start.elapsed());
    let start = Instant::now();
    let counter = proxy(&moto.url, Faults::default());
    let fault_free = norm(collect_with(&counter.url, |o| o.max_attempts = 12));
    let calls = counter.counts().requests;
    eprintln!("fault-free: {calls} calls in {:.1?}", start.elapsed());
    assert_eq!(fault_free.accounts[0].s3.buckets.len(), 900);
    let start = Instant::now();
    let proxy = proxy(
        &moto.url,
        Faults {
            rate: 0.2,
            truncate_rate: 0.05,
            malformed_rate: 0.05,
            seed: 0x10_000,
            ..Faults::default()
        },
    );
    let faulty = norm(collect_with(&proxy.url, |o| o.max_attempts = 15));
    let stats = proxy.counts();
    eprintln!("30% faults: {stats:?} in {:.1?}", start.elapsed());
    assert!(stats.requests >= 10_000, "calls: {stats:?}");
    let faulted = stats.faults + stats.truncated + stats.malformed;
    assert!(
        faulted * 100 >= stats.requests * 25,
        "about 30% faulted: {stats:?}"
    );
    assert_same(&faulty, &fault_free);
}
