//! The same infrastructure described three ways gives the same fails:
//! `fixtures/iac/equivalence/` holds a live snapshot (`snapshot.json`), a
//! CloudFormation template (`template.yaml`) and a Terraform plan
//! (`plan.tfplan.json`) of one small account: a role with an admin inline
//! policy and an open trust, a security group open on SSH and a compliant
//! one, a network ACL allowing all inbound, a WAF web ACL with a count-mode
//! rule and no logging, a Backup vault without lock and a plan with short
//! retention.
//!
//! For every rule that applies to IaC input, the set of failing resources
//! must be the same for the three. Resource ids differ by input (ARNs,
//! `<file>#<logical id>`, `<file>#<address>`), so a fail is compared on the
//! rule, the resource type and the resource's display name with every id of
//! the account (group, rule, ACL, plan and selection ids, the account id
//! and name) replaced by `<id>`; names (role, group, policy, web ACL, vault,
//! plan) are equal in the three files by construction.

#![allow(clippy::expect_used, clippy::unwrap_used)]

use std::collections::{BTreeMap, BTreeSet};

use palisade_eval::{CheckResult, Evaluator, Status};
use palisade_import::{detect, import, Kind, Options};
use palisade_model::{Account, LoadedSnapshot, Origin, Snapshot};
use palisade_rules::RulePack;
use palisade_test_kit::{pack, root};

/// Fails every description of the infrastructure must have: the test
/// would pass vacuously if the three agreed on nothing.
const EXPECTED: &[&str] = &[
    "iam-policy-full-admin",
    "iam-role-trust-any-principal",
    "ec2-sg-ssh-open-to-internet",
    "ec2-nacl-ingress-all-from-internet",
    "wafv2-rule-count-mode",
    "wafv2-webacl-logging-disabled",
    "backup-vault-lock-disabled",
    "backup-rule-retention-below-minimum",
];

const DIR: &str = "fixtures/iac/equivalence";

/// One comparable result: rule, resource type, normalised name.
type Key = (String, String, String);

/// The ids of an account that differ by input and appear in display names.
fn ids_of(account: &Account) -> Vec<String> {
    let mut ids = vec![account.account_id.clone()];
    ids.extend(account.name.clone());
    for r in &account.region_data {
        let ec2 = &r.ec2;
        ids.extend(ec2.vpcs.iter().map(|v| v.vpc_id.clone()));
        ids.extend(ec2.subnets.iter().map(|s| s.subnet_id.clone()));
        ids.extend(ec2.security_groups.iter().map(|g| g.group_id.clone()));
        ids.extend(ec2.security_group_rules.iter().map(|r| r.rule_id.clone()));
        ids.extend(ec2.network_acls.iter().map(|a| a.network_acl_id.clone()));
        ids.extend(r.wafv2.web_acls.iter().map(|w| w.id.clone()));
        for p in &r.backup.plans {
            ids.push(p.id.clone());
            ids.extend(p.selections.iter().map(|s| s.id.clone()));
            ids.extend(p.rules.iter().filter_map(|r| r.rule_id.clone()));
        }
    }
    ids.retain(|i| !i.is_empty());
    // Longest first, so an id that contains another is replaced whole.
    ids.sort_by(|a, b| b.len().cmp(&a.len()).then(a.cmp(b)));
    ids.dedup();
    ids
}

fn normalise(name: &str, ids: &[String]) -> String {
    let mut n = name.to_owned();
    for id in ids {
        n = n.replace(id.as_str(), "<id>");
    }
    n
}

/// The input's results of the rules that apply to IaC, by key.
struct Judged {
    /// Key -> status, for every result of an IaC rule.
    statuses: BTreeMap<Key, Status>,
    /// Results with status Error (never allowed).
    errors: Vec<String>,
}

impl Judged {
    fn fails(&self) -> BTreeSet<&Key> {
        self.statuses
            .iter()
            .filter(|(_, s)| **s == Status::Fail)
            .map(|(k, _)| k)
            .collect()
    }
}

/// The rules that judge templates and plans (metadata `applies_to`).
fn iac_rules(pack: &RulePack) -> BTreeSet<String> {
    pack.rules
        .iter()
        .filter(|r| r.meta.applies_to_origin(Origin::Cloudformation))
        .map(|r| r.id.clone())
        .collect()
}

fn judge(evaluator: &Evaluator, iac: &BTreeSet<String>, snapshot: &Snapshot) -> Judged {
    let ids: Vec<String> = snapshot.accounts.iter().flat_map(ids_of).collect();
    let results: Vec<CheckResult> = evaluator.evaluate(snapshot).results;
    let mut statuses = BTreeMap::new();
    let mut errors = Vec::new();
    for r in results {
        if !iac.contains(&r.rule_id) {
            continue;
        }
        if r.status == Status::Error {
            errors.push(format!(
                "{} {}: {}",
                r.rule_id,
                r.resource.id,
                r.message.clone().unwrap_or_default()
            ));
        }
        let key = (
            r.rule_id.clone(),
            r.resource.resource_type.clone(),
            normalise(&r.resource.name, &ids),
        );
        // Two resources with one key: a fail wins, so a fail is never hidden.
        let entry = statuses.entry(key).or_insert(r.status);
        if r.status == Status::Fail {
            *entry = Status::Fail;
        }
    }
    Judged { statuses, errors }
}

fn imported(file: &str) -> Snapshot {
    let uri = format!("{DIR}/{file}");
    let text = std::fs::read_to_string(root().join(&uri)).expect("read the fixture");
    let kind = detect(&text).unwrap_or_else(|| panic!("{uri}: not detected"));
    assert_ne!(kind, Kind::Snapshot, "{uri}: detected as a snapshot");
    let account = import(&uri, &text, kind, &Options::default())
        .unwrap_or_else(|e| panic!("{uri}: import failed: {e}"));
    Snapshot {
        format: "palisade-snapshot".into(),
        version: 1,
        tool_version: env!("CARGO_PKG_VERSION").into(),
        scan_time: "2026-11-01T00:00:00Z".parse().expect("time"),
        organization: None,
        shard: None,
        accounts: vec![account],
    }
}

/// What `other` has that `base` lacks, or the reverse, as readable lines.
fn differences(base_name: &str, base: &Judged, other_name: &str, other: &Judged) -> Vec<String> {
    let (b, o) = (base.fails(), other.fails());
    let status = |j: &Judged, k: &Key| {
        j.statuses
            .get(k)
            .map_or("no result", |s| s.as_str())
            .to_owned()
    };
    let mut out = Vec::new();
    for k in b.difference(&o) {
        out.push(format!(
            "fails in {base_name} only ({other_name}: {}): {} {} {:?}",
            status(other, k),
            k.0,
            k.1,
            k.2
        ));
    }
    for k in o.difference(&b) {
        out.push(format!(
            "fails in {other_name} only ({base_name}: {}): {} {} {:?}",
            status(base, k),
            k.0,
            k.1,
            k.2
        ));
    }
    out
}

#[test]
fn live_snapshot_template_and_plan_fail_the_same_rules() {
    let pack = pack();
    let evaluator = Evaluator::new(&pack, &pack.defaults).expect("evaluator");
    let live = LoadedSnapshot::from_path(&root().join(DIR).join("snapshot.json"))
        .expect("the live snapshot loads");
    let iac = iac_rules(&pack);
    let live = judge(&evaluator, &iac, &live.snapshot);
    let cfn = judge(&evaluator, &iac, &imported("template.yaml"));
    let tf = judge(&evaluator, &iac, &imported("plan.tfplan.json"));

    let mut problems = Vec::new();
    for (name, j) in [("snapshot", &live), ("template", &cfn), ("plan", &tf)] {
        for e in &j.errors {
            problems.push(format!("{name}: error result {e}"));
        }
        let failing: BTreeSet<&str> = j.fails().iter().map(|k| k.0.as_str()).collect();
        for want in EXPECTED {
            if !failing.contains(want) {
                problems.push(format!("{name}: {want} does not fail"));
            }
        }
    }
    problems.extend(differences("snapshot", &live, "template", &cfn));
    problems.extend(differences("snapshot", &live, "plan", &tf));
    assert!(
        problems.is_empty(),
        "the three descriptions disagree ({} problems):\n  {}",
        problems.len(),
        problems.join("\n  ")
    );
}

#[test]
fn names_lose_their_input_specific_ids() {
    let ids = vec!["sg-0b1a2c3d4e5f60001".to_owned(), "sgr-01".to_owned()];
    assert_eq!(
        normalise("bastion ingress sgr-01 0.0.0.0/0", &ids),
        "bastion ingress <id> 0.0.0.0/0"
    );
    assert_eq!(
        normalise("bastion (sg-0b1a2c3d4e5f60001)", &ids),
        "bastion (<id>)"
    );
}
