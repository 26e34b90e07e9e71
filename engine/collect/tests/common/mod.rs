//! Collector test helpers: the seeded moto server and the fault-injecting
//! proxy come from the test kit; this adds the collection options that point
//! the collectors at them, the collection itself, lookups in the snapshot and
//! the repository pack's verdicts on it.

#![allow(dead_code)]

use std::time::Duration;

use serde_json::Value;

use palisade_collect::CollectOptions;
use palisade_eval::{CheckResult, Evaluator};
use palisade_model::compute::Instance;
use palisade_model::{CoverageStatus, RegionData, Snapshot};
// Not every test binary uses every re-export.
#[allow(unused_imports)]
pub use palisade_test_kit::moto::{moto, Faults, Proxy, ACCOUNT, REGIONS};

/// Options for a collection through `endpoint` (moto or the proxy).
pub fn options(endpoint: &str) -> CollectOptions {
    CollectOptions {
        regions: REGIONS.iter().map(|r| (*r).to_owned()).collect(),
        endpoint_url: Some(endpoint.to_owned()),
        static_credentials: Some(("testing".into(), "testing".into())),
        max_attempts: 3,
        initial_backoff: Duration::from_millis(5),
        max_backoff: Duration::from_millis(200),
        attempt_timeout: Duration::from_secs(20),
        ..CollectOptions::default()
    }
}

/// A collection through `endpoint` with [`options`] changed by `tweak`.
pub fn collect_with(endpoint: &str, tweak: impl FnOnce(&mut CollectOptions)) -> Snapshot {
    let mut opts = options(endpoint);
    tweak(&mut opts);
    palisade_collect::collect_blocking(&opts).expect("collect")
}

/// A collection through `endpoint` with [`options`].
pub fn collect(endpoint: &str) -> Snapshot {
    collect_with(endpoint, |_| {})
}

/// The coverage status of `service` `api` in `region` of the first account.
pub fn coverage(s: &Snapshot, service: &str, region: &str, api: &str) -> Option<CoverageStatus> {
    s.accounts[0]
        .coverage
        .iter()
        .find(|c| c.service == service && c.region == region && c.api == api)
        .map(|c| c.status)
}

/// The data of `r` in the first account.
pub fn region<'a>(s: &'a Snapshot, r: &str) -> &'a RegionData {
    s.accounts[0]
        .region_data
        .iter()
        .find(|d| d.region == r)
        .expect("region collected")
}

/// Every result of the repository pack with its default parameters.
pub fn evaluate(s: &Snapshot) -> Vec<CheckResult> {
    let pack = palisade_test_kit::pack();
    let evaluator = Evaluator::new(&pack, &pack.defaults).expect("evaluator");
    evaluator.evaluate(s).results
}

/// The instance of `r` tagged `Name` = `name`.
pub fn instance_named<'a>(r: &'a RegionData, name: &str) -> &'a Instance {
    r.ec2
        .instances
        .as_deref()
        .expect("instances read")
        .iter()
        .find(|i| i.tags.get("Name").map(String::as_str) == Some(name))
        .unwrap_or_else(|| panic!("instance {name}"))
}

/// Everything but the scan time, the wording of errors, the trails' last
/// delivery times (moto sets them to "now" at each GetTrailStatus) and the
/// successful per-user IAM calls: whether those are made depends on whether
/// the collection's credential report was new (the first collection from
/// this moto) or handed back again (tests/moto_iam.rs), the data does not.
pub fn normalized(mut s: Snapshot) -> Snapshot {
    s.scan_time = chrono::DateTime::UNIX_EPOCH;
    for a in &mut s.accounts {
        a.coverage.retain(|c| {
            let per_user = [
                "GetLoginProfile",
                "ListMFADevices",
                "ListAccessKeys",
                "GetAccessKeyLastUsed",
            ];
            !(c.service == "iam" && per_user.contains(&c.api.as_str()) && !c.is_gap())
        });
        for c in &mut a.coverage {
            c.error = None;
        }
        for r in &mut a.region_data {
            for t in &mut r.cloudtrail.trails {
                if let Some(st) = &mut t.status {
                    st.latest_delivery_time = None;
                }
            }
        }
    }
    s
}

/// The parts of `faulty`'s first account that differ from `clean`'s
/// without a coverage gap that explains them: `(part, region)` where part
/// is a field of the account (`iam`, `s3`, ...) or of a region's data
/// (`ec2`, `backup`, ...). A part may differ only where one of its
/// services has a failed call in that region (`s3`: in any region).
pub fn unexplained_differences(faulty: &Snapshot, clean: &Snapshot) -> Vec<String> {
    let (f, c) = (&faulty.accounts[0], &clean.accounts[0]);
    let gap = |services: &[&str], region: Option<&str>| {
        f.coverage.iter().any(|r| {
            r.is_gap()
                && services.contains(&r.service.as_str())
                && region.is_none_or(|g| r.region == g)
        })
    };
    let (fa, ca) = (
        serde_json::to_value(f).expect("json"),
        serde_json::to_value(c).expect("json"),
    );
    let mut out = Vec::new();
    let account_parts: [(&str, &[&str], Option<&str>); 4] = [
        ("iam", &["iam"], Some("global")),
        ("s3", &["s3"], None),
        ("artifact_reports", &["artifact"], Some("global")),
        ("artifact_agreements", &["artifact"], Some("global")),
    ];
    for (name, services, region) in account_parts {
        if fa.get(name) != ca.get(name) && !gap(services, region) {
            out.push(format!("{name} (no {services:?} gap)"));
        }
    }
    for cr in &c.region_data {
        let Some(fr) = f.region_data.iter().find(|r| r.region == cr.region) else {
            out.push(format!("region {} missing", cr.region));
            continue;
        };
        let (fv, cv) = (
            serde_json::to_value(fr).expect("json"),
            serde_json::to_value(cr).expect("json"),
        );
        for (field, services) in REGION_PARTS {
            if fv.get(field) != cv.get(field) && !gap(services, Some(cr.region.as_str())) {
                out.push(format!("{field} in {} (no {services:?} gap)", cr.region));
            }
        }
    }
    out
}

/// Each field of a region's data and the coverage services that fill it.
pub const REGION_PARTS: [(&str, &[&str]); 14] = [
    ("ec2", &["ec2"]),
    ("wafv2", &["wafv2"]),
    ("backup", &["backup"]),
    ("config", &["config"]),
    ("cloudtrail", &["cloudtrail"]),
    ("monitoring", &["logs", "cloudwatch", "sns"]),
    ("guardduty", &["guardduty"]),
    ("securityhub", &["securityhub"]),
    ("access_analyzer", &["access-analyzer"]),
    ("kms", &["kms"]),
    ("rds", &["rds"]),
    ("efs", &["elasticfilesystem"]),
    ("elb", &["elasticloadbalancing"]),
    ("autoscaling", &["autoscaling"]),
];

/// Where two values differ, as JSON paths with both sides (the first 20),
/// so a failed comparison of two snapshots is readable.
pub fn differences<T: serde::Serialize>(left: &T, right: &T) -> Vec<String> {
    fn walk(path: String, a: &Value, b: &Value, out: &mut Vec<String>) {
        if out.len() >= 20 || a == b {
            return;
        }
        match (a, b) {
            (Value::Object(x), Value::Object(y)) => {
                let keys: std::collections::BTreeSet<&String> = x.keys().chain(y.keys()).collect();
                for k in keys {
                    let (l, r) = (
                        x.get(k).unwrap_or(&Value::Null),
                        y.get(k).unwrap_or(&Value::Null),
                    );
                    walk(format!("{path}.{k}"), l, r, out);
                }
            }
            (Value::Array(x), Value::Array(y)) if x.len() == y.len() => {
                for (i, (l, r)) in x.iter().zip(y).enumerate() {
                    walk(format!("{path}[{i}]"), l, r, out);
                }
            }
            _ => {
                let short = |v: &Value| v.to_string().chars().take(300).collect::<String>();
                out.push(format!("{path}: {} != {}", short(a), short(b)));
            }
        }
    }
    let mut out = Vec::new();
    walk(
        String::new(),
        &serde_json::to_value(left).expect("json"),
        &serde_json::to_value(right).expect("json"),
        &mut out,
    );
    out
}

/// Fails with the differences when `left` and `right` differ.
#[track_caller]
pub fn assert_same<T: serde::Serialize + PartialEq>(left: &T, right: &T) {
    if left != right {
        panic!("they differ:\n{}", differences(left, right).join("\n"));
    }
}
