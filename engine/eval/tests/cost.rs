//! The cost pack: every cost rule has a cost model priced from the dated
//! table in rules/pricing, and its violating fixture's findings carry the
//! estimate (a total where quantities are known, a rate where not).

#![allow(clippy::expect_used, clippy::unwrap_used)]

use palisade_eval::{Evaluator, Status};
use palisade_model::LoadedSnapshot;
use palisade_rules::Pack;
use palisade_test_kit::{fixture, pack};

#[test]
fn every_cost_finding_carries_a_dated_estimate() {
    let pack = pack();
    let prices = pack.prices.clone().expect("rules/pricing/prices.toml");
    let evaluator = Evaluator::new(&pack, &pack.defaults).expect("evaluator");
    let cost_rules: Vec<_> = pack
        .rules
        .iter()
        .filter(|r| r.meta.pack == Pack::Cost)
        .collect();
    assert_eq!(cost_rules.len(), 14, "the cost pack has 14 rules");
    let mut problems = Vec::new();
    for rule in cost_rules {
        let Some(model) = &rule.meta.cost else {
            problems.push(format!("{}: cost rule without a [cost] model", rule.id));
            continue;
        };
        let snap = LoadedSnapshot::from_path(&fixture("rules").join(&rule.id).join("fail.json"))
            .expect("fixture");
        let fails: Vec<_> = evaluator
            .evaluate(&snap.snapshot)
            .results
            .into_iter()
            .filter(|x| x.rule_id == rule.id && x.status == Status::Fail)
            .collect();
        for f in &fails {
            let Some(c) = &f.cost else {
                problems.push(format!("{}: finding without an estimate", rule.id));
                continue;
            };
            assert_eq!(c.prices_as_of, prices.as_of);
            // Every quantity the model can know (constant or attribute) must
            // resolve; a misspelt attribute would silently become "unknown".
            let knowable = model
                .terms
                .iter()
                .all(|t| t.quantity.is_some() || t.attribute.is_some());
            if knowable && c.monthly.is_none() {
                problems.push(format!(
                    "{}: quantities should be known but the estimate is a rate: {}",
                    rule.id, c.detail
                ));
            }
        }
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

#[test]
fn unassociated_web_acl_costs_the_acl_plus_its_rules() {
    let pack = pack();
    let evaluator = Evaluator::new(&pack, &pack.defaults).expect("evaluator");
    let snap = LoadedSnapshot::from_path(&fixture("demo/snapshot.json")).expect("demo");
    let acls: Vec<_> = evaluator
        .evaluate(&snap.snapshot)
        .results
        .into_iter()
        .filter(|x| x.rule_id == "wafv2-webacl-unassociated" && x.status == Status::Fail)
        .collect();
    assert!(!acls.is_empty());
    for f in acls {
        let acl = snap
            .snapshot
            .accounts
            .iter()
            .flat_map(|a| &a.region_data)
            .flat_map(|d| &d.wafv2.web_acls)
            .find(|w| w.arn == f.resource.id)
            .expect("the ACL is in the snapshot");
        let want = 5.0 + acl.rules.len() as f64;
        assert_eq!(f.cost.unwrap().monthly, Some(want), "{}", acl.name);
    }
}

#[test]
fn backup_storage_is_priced_from_collected_recovery_point_sizes() {
    let pack = pack();
    let evaluator = Evaluator::new(&pack, &pack.defaults).expect("evaluator");
    let snap =
        LoadedSnapshot::from_path(&fixture("rules/backup-rule-indefinite-retention/fail.json"))
            .expect("fixture");
    let fail = evaluator
        .evaluate(&snap.snapshot)
        .results
        .into_iter()
        .find(|x| x.rule_id == "backup-rule-indefinite-retention" && x.status == Status::Fail)
        .expect("a finding");
    // 120 GiB and 5 bytes of WARM recovery points: billed as 121 GiB-months
    // at USD 0.05; cold and on-demand recovery points are not this rule's.
    assert_eq!(fail.cost.expect("estimate").monthly, Some(6.05));
}
