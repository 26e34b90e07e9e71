//! Every entity the graph builder makes of the synthetic organisations
//! (the `synth-scan` accounts, with the buckets and trails of `five-rules`,
//! and the reachability organisation) conforms to the schema: evaluated
//! with Cedar's full conformance pass over every entity store, no check is
//! an error, and the results equal those of the product's first-of-type
//! guard (see `engine/eval/tests/entity_conformance.rs` for the fixtures).

#![allow(clippy::expect_used, clippy::unwrap_used)]

use palisade_benches::handwritten::add_buckets_and_trails;
use palisade_benches::{load_pack, scan_time, synthetic_account, synthetic_exposure_snapshot};
use palisade_eval::{Evaluator, Status};
use palisade_model::Snapshot;

#[test]
fn synthetic_entities_conform_to_the_schema() {
    let pack = load_pack().expect("pack");
    let full = Evaluator::new(&pack, &pack.defaults)
        .expect("evaluator")
        .with_full_entity_validation();
    let guarded = Evaluator::new(&pack, &pack.defaults).expect("evaluator");
    let mut org = Snapshot::new(scan_time(), "bench");
    org.accounts = (0..2)
        .map(|i| {
            let mut a = synthetic_account(i, 20);
            add_buckets_and_trails(&mut a, 20);
            a
        })
        .collect();
    for snapshot in [org, synthetic_exposure_snapshot(2_000, 1, true)] {
        let a = full.evaluate(&snapshot);
        let errors: Vec<_> = a
            .results
            .iter()
            .filter(|r| r.status == Status::Error)
            .take(3)
            .collect();
        assert!(errors.is_empty(), "{errors:?}");
        assert!(a.results.iter().any(|r| r.status == Status::Fail));
        assert_eq!(a.results, guarded.evaluate(&snapshot).results);
    }
}
