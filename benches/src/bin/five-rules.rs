//! The Cedar phase against hand-written Rust predicates for five
//! representative rules (issue 15): the synthetic organisation (with S3
//! buckets and CloudTrail trails added) is judged by the five rules as
//! Cedar policy sets over the account entity stores, and by the plain Rust
//! predicates of `palisade_benches::handwritten` over the model. Both must
//! give the same verdict on every resource (exit code 1 otherwise); prints
//! the phase times (best of three passes for Cedar, of five for the
//! predicates) and the Cedar-phase / hand-written ratio.
//!
//! Usage: RAYON_NUM_THREADS=1 five-rules RESOURCES ACCOUNTS
//! (one thread, so the Cedar phase is comparable with the single-threaded
//! predicates).

use std::collections::BTreeMap;
use std::time::{Duration, Instant};

use palisade_benches::handwritten::{add_buckets_and_trails, judge, RULES};
use palisade_benches::{load_pack, scan_time, synthetic_account, RESOURCES_PER_UNIT};
use palisade_eval::{Evaluator, Status};

fn main() -> anyhow::Result<()> {
    let args: Vec<String> = std::env::args().collect();
    let resources: usize = args.get(1).map_or(Ok(100_000), |s| s.parse())?;
    let accounts: usize = args.get(2).map_or(Ok(10), |s| s.parse())?;
    let mut pack = load_pack()?;
    pack.rules.retain(|r| RULES.contains(&r.id.as_str()));
    anyhow::ensure!(
        pack.rules.len() == RULES.len(),
        "a rule of the five is missing"
    );
    let max_age = pack
        .defaults
        .get("max_access_key_age_days")
        .and_then(serde_json::Value::as_i64)
        .ok_or_else(|| anyhow::anyhow!("max_access_key_age_days is not a number"))?;
    let evaluator = Evaluator::new(&pack, &pack.defaults)?;
    let units = (resources / RESOURCES_PER_UNIT / accounts.max(1)).max(1);
    let org: Vec<_> = (0..accounts)
        .map(|i| {
            let mut a = synthetic_account(i, units);
            add_buckets_and_trails(&mut a, units);
            a
        })
        .collect();

    // Cedar: graph, store and Cedar phases as the product runs them; best
    // of three passes (each phase's minimum), like the predicates below.
    let ctx = evaluator.context(scan_time(), None);
    let mut cedar: BTreeMap<(usize, String), bool> = BTreeMap::new();
    let (mut graph, mut store, mut eval) = (Duration::MAX, Duration::MAX, Duration::MAX);
    let mut requests = 0;
    for _ in 0..3 {
        cedar.clear();
        requests = 0;
        let (mut g, mut s, mut e) = (Duration::ZERO, Duration::ZERO, Duration::ZERO);
        for a in &org {
            let ev = evaluator.evaluate_account(&ctx, a);
            g += ev.timings.graph;
            s += ev.timings.store;
            e += ev.timings.eval;
            requests += ev.requests;
            for r in ev.results {
                let fail = match r.status {
                    Status::Fail => true,
                    Status::Pass => false,
                    _ => anyhow::bail!("{} on {}: {:?}", r.rule_id, r.resource.id, r.status),
                };
                let rule = RULES.iter().position(|id| *id == r.rule_id).unwrap_or(0);
                cedar.insert((rule, r.resource.id), fail);
            }
        }
        graph = graph.min(g);
        store = store.min(s);
        eval = eval.min(e);
    }

    // Hand-written: best of five runs over the same accounts.
    let mut best = Duration::MAX;
    let mut verdicts = Vec::new();
    for _ in 0..5 {
        let t = Instant::now();
        verdicts = org
            .iter()
            .flat_map(|a| judge(a, scan_time(), max_age))
            .collect();
        best = best.min(t.elapsed());
    }
    let hand: BTreeMap<(usize, String), bool> = verdicts
        .into_iter()
        .map(|(rule, id, fail)| ((rule, id), fail))
        .collect();

    let differing: Vec<_> = cedar
        .iter()
        .filter(|(k, v)| hand.get(*k) != Some(*v))
        .map(|(k, _)| k)
        .chain(hand.keys().filter(|k| !cedar.contains_key(*k)))
        .take(5)
        .collect();
    for (rule, id) in &differing {
        eprintln!(
            "verdicts differ: {} on {id}: cedar {:?}, hand-written {:?}",
            RULES[*rule],
            cedar.get(&(*rule, id.clone())),
            hand.get(&(*rule, id.clone()))
        );
    }
    let per_rule: Vec<String> = (0..RULES.len())
        .map(|i| {
            let n = cedar.keys().filter(|(r, _)| *r == i).count();
            let f = cedar.iter().filter(|((r, _), f)| *r == i && **f).count();
            format!("{}={f}/{n}", RULES[i])
        })
        .collect();
    let ratio = eval.as_secs_f64() / best.as_secs_f64();
    println!(
        "checks={} requests={requests} fails={} graph_s={:.3} store_s={:.3} cedar_s={:.3} handwritten_s={:.4} cedar_over_handwritten={ratio:.1} same_verdicts={} threads={}",
        cedar.len(),
        cedar.values().filter(|f| **f).count(),
        graph.as_secs_f64(),
        store.as_secs_f64(),
        eval.as_secs_f64(),
        best.as_secs_f64(),
        differing.is_empty(),
        std::env::var("RAYON_NUM_THREADS").unwrap_or_else(|_| "default".into()),
    );
    println!("fails/checks per rule: {}", per_rule.join(" "));
    if !differing.is_empty() {
        std::process::exit(1);
    }
    Ok(())
}
