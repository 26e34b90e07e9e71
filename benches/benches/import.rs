//! Criterion benches of the IaC path: importing a generated CloudFormation
//! template of 1,000 and 10,000 resources (parse, resolve, map to the model),
//! and importing plus evaluating it with the repository pack.

#![allow(missing_docs)] // criterion_group! generates undocumented items.

use criterion::{black_box, criterion_group, criterion_main, BenchmarkId, Criterion, Throughput};
use palisade_benches::{load_pack, synthetic_template};
use palisade_eval::Evaluator;
use palisade_import::{import, Kind, Options};

fn import_template(c: &mut Criterion) {
    let pack = match load_pack() {
        Ok(p) => p,
        Err(e) => panic!("rule pack: {e}"),
    };
    let evaluator = match Evaluator::new(&pack, &pack.defaults) {
        Ok(e) => e,
        Err(e) => panic!("evaluator: {e}"),
    };
    let opts = Options::default();
    let mut group = c.benchmark_group("import");
    group.sample_size(10);
    for size in [1_000usize, 10_000] {
        let text = synthetic_template(size);
        group.throughput(Throughput::Elements(size as u64));
        group.bench_with_input(BenchmarkId::new("cloudformation", size), &text, |b, t| {
            b.iter(|| black_box(import("t.yaml", t, Kind::CloudFormation, &opts)))
        });
        group.bench_with_input(BenchmarkId::new("import+evaluate", size), &text, |b, t| {
            b.iter(|| {
                let Ok(account) = import("t.yaml", t, Kind::CloudFormation, &opts) else {
                    panic!("the generated template imports");
                };
                let mut s = palisade_model::Snapshot::new(chrono::Utc::now(), "bench");
                s.accounts.push(account);
                black_box(evaluator.evaluate(&s))
            })
        });
    }
    group.finish();
}

criterion_group!(benches, import_template);
criterion_main!(benches);
