//! Collector test helpers: the seeded moto server and the fault-injecting
//! proxy come from the test kit; this adds the collection options that point
//! the collectors at them, the collection itself, lookups in the snapshot and
//! the repository pack's verdicts on it.

#![allow(dead_code)]

use std::time::Duration;

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
