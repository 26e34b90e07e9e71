//! Finding-id stability, as a property over real evaluations: a finding's
//! id (and its status) does not change when the snapshot lists its
//! resources in another order, is written with other whitespace or key
//! order, or differs in fields no rule reads (the account's name, the tool
//! version); and distinct (rule, resource) pairs have distinct ids.

#![allow(clippy::expect_used, clippy::unwrap_used)]

use std::collections::BTreeMap;
use std::path::Path;
use std::sync::OnceLock;

use palisade_eval::{finding_id, Evaluator, Status};
use palisade_model::load::parse;
use palisade_test_kit::{fixture, pack};
use proptest::prelude::*;
use serde_json::Value;

/// Snapshots with several kinds of resources (network, IAM, logging) and
/// hostile strings.
const FIXTURES: &[&str] = &[
    "rules/ec2-instance-reachable-privileged-role/not-reachable.pass.json",
    "rules/cloudwatch-no-alarm-config-changes/fail.json",
    "rules/iam-policy-privesc-create-access-key/fail.json",
    "hostile/snapshot.json",
];

fn evaluator() -> &'static Evaluator {
    static EV: OnceLock<Evaluator> = OnceLock::new();
    EV.get_or_init(|| {
        let pack = pack();
        Evaluator::new(&pack, &pack.defaults).expect("evaluator")
    })
}

fn originals() -> &'static Vec<Value> {
    static SNAPS: OnceLock<Vec<Value>> = OnceLock::new();
    SNAPS.get_or_init(|| {
        FIXTURES
            .iter()
            .map(|f| {
                serde_json::from_slice(&std::fs::read(fixture(f)).expect("read")).expect("json")
            })
            .collect()
    })
}

/// Finding id -> (rule, resource, status) of every result.
fn findings(text: &str) -> BTreeMap<String, (String, String, Status)> {
    let snapshot = parse(Path::new("snapshot.json"), text).expect("a valid snapshot");
    let results = evaluator().evaluate(&snapshot).results;
    let mut out = BTreeMap::new();
    for r in results {
        let id = r.finding_id();
        assert_eq!(id, finding_id(&r.rule_id, &r.resource.id));
        let previous = out.insert(
            id.clone(),
            (r.rule_id.clone(), r.resource.id.clone(), r.status),
        );
        assert!(
            previous.is_none(),
            "finding id {id} given to two results: {previous:?} and {} on {}",
            r.rule_id,
            r.resource.id
        );
    }
    out
}

/// A small deterministic generator (the cases come from proptest's seeds).
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self
            .0
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1_442_695_040_888_963_407);
        self.0 >> 33
    }

    fn below(&mut self, n: usize) -> usize {
        (self.next() % n.max(1) as u64) as usize
    }

    fn shuffle<T>(&mut self, v: &mut [T]) {
        for i in (1..v.len()).rev() {
            let j = self.below(i + 1);
            v.swap(i, j);
        }
    }
}

/// Reorders the resource lists of every account: the lists of each
/// service (`iam.roles`, `ec2.security_groups`, ...), globally and per
/// region, and the regions themselves.
fn shuffle_resources(snapshot: &mut Value, rng: &mut Rng) {
    let Some(accounts) = snapshot.get_mut("accounts").and_then(Value::as_array_mut) else {
        return;
    };
    let shuffle_services = |obj: &mut serde_json::Map<String, Value>, rng: &mut Rng| {
        for service in obj.values_mut() {
            if let Value::Object(lists) = service {
                for list in lists.values_mut() {
                    if let Value::Array(items) = list {
                        rng.shuffle(items);
                    }
                }
            }
        }
    };
    for account in accounts {
        let Value::Object(obj) = account else {
            continue;
        };
        shuffle_services(obj, rng);
        if let Some(Value::Array(regions)) = obj.get_mut("region_data") {
            rng.shuffle(regions);
            for region in regions {
                if let Value::Object(r) = region {
                    shuffle_services(r, rng);
                }
            }
        }
    }
}

/// Changes fields that no rule reads.
fn change_unrelated(snapshot: &mut Value, rng: &mut Rng) {
    snapshot["tool_version"] = Value::String(format!("9.{}.{}", rng.below(100), rng.below(100)));
    if let Some(accounts) = snapshot.get_mut("accounts").and_then(Value::as_array_mut) {
        for account in accounts {
            account["name"] = Value::String(format!("renamed {}", rng.below(1000)));
        }
    }
}

/// Writes `v` as JSON with object keys in a shuffled order and random
/// whitespace between tokens.
fn write_shuffled(v: &Value, rng: &mut Rng, out: &mut String) {
    let ws = |rng: &mut Rng, out: &mut String| {
        for _ in 0..rng.below(3) {
            out.push([' ', '\n', '\t', '\r'][rng.below(4)]);
        }
    };
    match v {
        Value::Object(map) => {
            let mut keys: Vec<&String> = map.keys().collect();
            rng.shuffle(&mut keys);
            out.push('{');
            for (i, k) in keys.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                ws(rng, out);
                out.push_str(&serde_json::to_string(k).unwrap());
                ws(rng, out);
                out.push(':');
                ws(rng, out);
                write_shuffled(&map[*k], rng, out);
                ws(rng, out);
            }
            out.push('}');
        }
        Value::Array(items) => {
            out.push('[');
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                ws(rng, out);
                write_shuffled(item, rng, out);
                ws(rng, out);
            }
            out.push(']');
        }
        scalar => out.push_str(&serde_json::to_string(scalar).unwrap()),
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(24))]

    #[test]
    fn finding_ids_survive_order_whitespace_and_unrelated_fields(
        which in 0..FIXTURES.len(),
        seed in any::<u64>(),
        reorder in any::<bool>(),
        unrelated in any::<bool>(),
    ) {
        let original = &originals()[which];
        let expected = findings(&serde_json::to_string_pretty(original).unwrap());
        prop_assert!(!expected.is_empty());
        let mut rng = Rng(seed);
        let mut changed = original.clone();
        if reorder {
            shuffle_resources(&mut changed, &mut rng);
        }
        if unrelated {
            change_unrelated(&mut changed, &mut rng);
        }
        let mut text = String::new();
        write_shuffled(&changed, &mut rng, &mut text);
        prop_assert_eq!(findings(&text), expected, "{}", FIXTURES[which]);
    }

    /// Distinct (rule, resource) pairs get distinct ids, including pairs
    /// whose concatenations are equal (`a` + `bc` and `ab` + `c`).
    #[test]
    fn distinct_pairs_have_distinct_ids(
        rule in "[a-z0-9-]{1,12}",
        resource in "[a-zA-Z0-9:/*-]{0,24}",
        split in 0usize..12,
    ) {
        let id = finding_id(&rule, &resource);
        prop_assert_eq!(id.len(), 32);
        prop_assert!(id.bytes().all(|b| b.is_ascii_hexdigit()));
        prop_assert_eq!(&id, &finding_id(&rule, &resource));
        let cut = split.min(rule.len());
        let moved = (rule[..cut].to_owned(), format!("{}{resource}", &rule[cut..]));
        if cut < rule.len() {
            prop_assert_ne!(id, finding_id(&moved.0, &moved.1));
        }
    }
}
