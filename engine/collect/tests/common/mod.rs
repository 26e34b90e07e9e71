//! Collector test helpers: the seeded moto server and the fault-injecting
//! proxy come from the test kit; this adds the collection options that point
//! the collectors at them.

#![allow(dead_code)]

use std::time::Duration;

use palisade_collect::CollectOptions;
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
