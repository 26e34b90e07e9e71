//! Criterion bench of reachability (issue 14): graph building and evaluation
//! of a synthetic organisation with 100,000 network interfaces (each with an
//! instance), with the routing data (reachability computed) and without it
//! (route tables absent: every verdict unknown, reachability off).

#![allow(missing_docs)] // criterion_group! generates undocumented items.

use criterion::{black_box, criterion_group, criterion_main, BenchmarkId, Criterion};
use palisade_benches::{load_pack, synthetic_exposure_snapshot};
use palisade_eval::Evaluator;

fn reachability(c: &mut Criterion) {
    let pack = match load_pack() {
        Ok(p) => p,
        Err(e) => panic!("rule pack: {e}"),
    };
    let evaluator = match Evaluator::new(&pack, &pack.defaults) {
        Ok(e) => e,
        Err(e) => panic!("evaluator: {e}"),
    };
    let mut group = c.benchmark_group("reachability");
    group.sample_size(10);
    let size = 100_000usize;
    for (name, routing) in [("with-routing", true), ("without-routing", false)] {
        let snapshot = synthetic_exposure_snapshot(size, 10, routing);
        group.bench_with_input(BenchmarkId::new(name, size), &snapshot, |b, s| {
            b.iter(|| black_box(evaluator.evaluate(s)))
        });
    }
    group.finish();
}

criterion_group!(benches, reachability);
criterion_main!(benches);
