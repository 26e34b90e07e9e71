//! Partitioned and naive (single PolicySet) evaluation must agree exactly on
//! the demo organisation; parallel evaluation must be deterministic.

#![allow(clippy::expect_used, clippy::unwrap_used)]

use palisade_eval::{Evaluator, Status};
use palisade_model::LoadedSnapshot;
use palisade_test_kit::{fixture, pack};

#[test]
fn partitioned_equals_naive_and_is_deterministic() {
    let pack = pack();
    let snap = LoadedSnapshot::from_path(&fixture("demo/snapshot.json")).expect("demo");
    let ev = Evaluator::new(&pack, &pack.defaults).expect("evaluator");
    let a = ev.evaluate(&snap.snapshot);
    let b = ev.evaluate_naive(&snap.snapshot);
    let c = ev.evaluate(&snap.snapshot);
    assert!(a.results.iter().any(|r| r.status == Status::Fail));
    assert!(
        a.results.iter().all(|r| r.status != Status::Error),
        "demo has evaluation errors"
    );
    assert_eq!(a.results, b.results);
    assert_eq!(a.results, c.results);
}
