//! Evaluates a synthetic organisation one account (shard) at a time and
//! prints resources, checks, wall time and evals/s — the program measured
//! with `/usr/bin/time -v` for the 1M-resource figure in BENCHMARKS.md.
//! `wall_s` includes generating the synthetic accounts; `evaluate_s` is the
//! wall time inside `Evaluator::evaluate` alone. The entity store checks
//! the first entity of each type against the schema (the product's
//! default); `--full-entity-validation` checks every entity (the behaviour
//! before issue 15), `--no-entity-validation` none.
//!
//! Usage: synth-scan RESOURCES ACCOUNTS [--naive] [--no-entity-validation | --full-entity-validation]
//!        synth-scan RESOURCES ACCOUNTS --write FILE   (write the org as a snapshot file)

use std::time::Instant;

use palisade_benches::{load_pack, scan_time, synthetic_account, RESOURCES_PER_UNIT};
use palisade_eval::Evaluator;
use palisade_model::Snapshot;

fn main() -> anyhow::Result<()> {
    let args: Vec<String> = std::env::args().collect();
    let resources: usize = args.get(1).map_or(Ok(100_000), |s| s.parse())?;
    let accounts: usize = args.get(2).map_or(Ok(10), |s| s.parse())?;
    let naive = args.iter().any(|a| a == "--naive");
    if let Some(pos) = args.iter().position(|a| a == "--write") {
        let path = args
            .get(pos + 1)
            .ok_or_else(|| anyhow::anyhow!("--write needs a file"))?;
        let snapshot = palisade_benches::synthetic_snapshot(resources, accounts);
        palisade_model::load::write_snapshot(std::path::Path::new(path), &snapshot)?;
        return Ok(());
    }
    let pack = load_pack()?;
    let mut evaluator = Evaluator::new(&pack, &pack.defaults)?;
    if args.iter().any(|a| a == "--no-entity-validation") {
        evaluator = evaluator.without_entity_validation();
    }
    if args.iter().any(|a| a == "--full-entity-validation") {
        evaluator = evaluator.with_full_entity_validation();
    }
    let mut evaluate_wall = std::time::Duration::ZERO;
    let units = (resources / RESOURCES_PER_UNIT / accounts.max(1)).max(1);
    let start = Instant::now();
    let (mut total_resources, mut checks, mut fails) = (0usize, 0usize, 0usize);
    let mut timings = palisade_eval::Timings::default();
    // Shards (accounts) are generated, evaluated and dropped in batches of
    // one per core, so memory stays bounded by the batch, not the org.
    let batch = std::thread::available_parallelism().map_or(2, |n| n.get());
    for first in (0..accounts).step_by(batch) {
        let mut shard = Snapshot::new(scan_time(), "bench");
        shard.accounts = (first..(first + batch).min(accounts))
            .map(|i| synthetic_account(i, units))
            .collect();
        let t = Instant::now();
        let ev = if naive {
            evaluator.evaluate_naive(&shard)
        } else {
            evaluator.evaluate(&shard)
        };
        evaluate_wall += t.elapsed();
        total_resources += ev.resources;
        timings.graph += ev.timings.graph;
        timings.store += ev.timings.store;
        timings.eval += ev.timings.eval;
        checks += ev.results.len();
        fails += ev
            .results
            .iter()
            .filter(|r| r.status == palisade_eval::Status::Fail)
            .count();
    }
    let secs = start.elapsed().as_secs_f64();
    println!(
        "resources={total_resources} accounts={accounts} rules={} checks={checks} fails={fails} wall_s={secs:.2} evaluate_s={:.2} checks_per_s={:.0} graph_s={:.2} store_s={:.2} eval_s={:.2} mode={}",
        pack.rules.len(),
        evaluate_wall.as_secs_f64(),
        checks as f64 / secs,
        timings.graph.as_secs_f64(),
        timings.store.as_secs_f64(),
        timings.eval.as_secs_f64(),
        if naive { "naive" } else { "partitioned" }
    );
    Ok(())
}
