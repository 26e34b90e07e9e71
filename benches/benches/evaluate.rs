//! Criterion benches of evaluation: the partitioned evaluator against a naive
//! single-PolicySet evaluator on the same synthetic organisation, at 10k and
//! 100k resources.

#![allow(missing_docs)] // criterion_group! generates undocumented items.

use criterion::{black_box, criterion_group, criterion_main, BenchmarkId, Criterion, Throughput};
use palisade_benches::{load_pack, synthetic_snapshot};
use palisade_eval::Evaluator;

fn evaluation(c: &mut Criterion) {
    let pack = match load_pack() {
        Ok(p) => p,
        Err(e) => panic!("rule pack: {e}"),
    };
    let evaluator = match Evaluator::new(&pack, &pack.defaults) {
        Ok(e) => e,
        Err(e) => panic!("evaluator: {e}"),
    };
    let mut group = c.benchmark_group("evaluate");
    group.sample_size(10);
    for size in [10_000usize, 100_000] {
        let snapshot = synthetic_snapshot(size, (size / 10_000).max(1));
        let resources = evaluator.evaluate(&snapshot).resources as u64;
        group.throughput(Throughput::Elements(resources));
        group.bench_with_input(BenchmarkId::new("partitioned", size), &snapshot, |b, s| {
            b.iter(|| black_box(evaluator.evaluate(s)))
        });
        group.bench_with_input(BenchmarkId::new("naive", size), &snapshot, |b, s| {
            b.iter(|| black_box(evaluator.evaluate_naive(s)))
        });
    }
    group.finish();
}

criterion_group!(benches, evaluation);
criterion_main!(benches);
