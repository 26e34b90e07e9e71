//! Fail closed on unreadable policy documents: a managed policy, an inline
//! policy and a role trust policy whose documents do not parse give `error`
//! results for every check over them and their statements (never a pass),
//! and every other result of the scan is what it would be without them.

#![allow(clippy::expect_used)]

use std::collections::BTreeSet;
use std::path::Path;

use palisade_eval::{CheckResult, Evaluator, Status};
use palisade_model::LoadedSnapshot;

const POLICY: &str = "arn:aws:iam::111111111111:policy/";
const ALICE: &str = "arn:aws:iam::111111111111:user/alice";
const ROLE: &str = "arn:aws:iam::111111111111:role/";

fn fixture() -> serde_json::Value {
    let path = palisade_test_kit::fixture("unreadable-documents/snapshot.json");
    let text = std::fs::read_to_string(&path).expect("fixture");
    serde_json::from_str(&text).expect("fixture is JSON")
}

fn evaluate(snapshot: &serde_json::Value) -> Vec<CheckResult> {
    let pack = palisade_test_kit::pack();
    let evaluator = Evaluator::new(&pack, &pack.defaults).expect("evaluator");
    let text = serde_json::to_string_pretty(snapshot).expect("serialise");
    let snap = LoadedSnapshot::from_bytes(Path::new("snapshot.json"), text.as_bytes())
        .expect("a snapshot with unreadable documents still loads");
    evaluator.evaluate(&snap.snapshot).results
}

/// (broken resource id, a readable resource of the same type).
fn broken_and_twin() -> Vec<(String, String)> {
    vec![
        (
            format!("{POLICY}broken-managed"),
            format!("{POLICY}admin-managed"),
        ),
        (
            format!("{POLICY}broken-managed#statement/*"),
            format!("{POLICY}admin-managed#statement/0"),
        ),
        (
            format!("{ALICE}#inline/broken-inline"),
            format!("{ALICE}#inline/passrole-inline"),
        ),
        (
            format!("{ALICE}#inline/broken-inline#statement/*"),
            format!("{ALICE}#inline/passrole-inline#statement/0"),
        ),
        (
            format!("{ROLE}broken-trust#trust/*"),
            format!("{ROLE}open-trust#trust/0"),
        ),
    ]
}

/// True for a resource of, or under, an unreadable document.
fn is_broken(id: &str) -> bool {
    id.starts_with(&format!("{POLICY}broken-managed"))
        || id.starts_with(&format!("{ALICE}#inline/broken-inline"))
        || id.starts_with(&format!("{ROLE}broken-trust#trust/"))
}

fn rules_of<'a>(results: &'a [CheckResult], id: &str) -> BTreeSet<&'a str> {
    results
        .iter()
        .filter(|r| r.resource.id == id)
        .map(|r| r.rule_id.as_str())
        .collect()
}

#[test]
fn every_check_over_an_unreadable_document_is_an_error() {
    let results = evaluate(&fixture());
    for (broken, twin) in broken_and_twin() {
        let of: Vec<_> = results.iter().filter(|r| r.resource.id == broken).collect();
        // Every check over the type reports on the unreadable resource, as it
        // does on a readable one of the same type.
        assert!(!of.is_empty(), "no results for {broken}");
        assert_eq!(
            rules_of(&results, &broken),
            rules_of(&results, &twin),
            "{broken}"
        );
        for r in of {
            assert_eq!(r.status, Status::Error, "{} on {broken}", r.rule_id);
            let msg = r.message.as_deref().unwrap_or_default();
            assert!(msg.contains("policy document could not be read"), "{msg}");
        }
    }
    // Nothing under an unreadable document passes or fails; nothing else
    // errors.
    for r in &results {
        let want_error = is_broken(&r.resource.id);
        assert_eq!(
            r.status == Status::Error,
            want_error,
            "{} on {}: {:?}",
            r.rule_id,
            r.resource.id,
            r.status
        );
    }
    // The readable neighbours are still judged.
    let status = |rule: &str, id: &str| {
        results
            .iter()
            .find(|r| r.rule_id == rule && r.resource.id == id)
            .map(|r| r.status)
    };
    assert_eq!(
        status(
            "iam-policy-full-admin",
            &format!("{POLICY}admin-managed#statement/0")
        ),
        Some(Status::Fail)
    );
    assert_eq!(
        status(
            "iam-role-trust-any-principal",
            &format!("{ROLE}open-trust#trust/0")
        ),
        Some(Status::Fail)
    );
}

#[test]
fn the_rest_of_the_scan_is_unaffected() {
    let broken = fixture();
    // The same account with the three documents readable (and empty).
    let mut readable = broken.clone();
    let account = &mut readable["accounts"][0]["iam"];
    let empty = serde_json::json!({"Version": "2012-10-17", "Statement": []});
    account["policies"][0]["document"] = empty.clone();
    account["users"][0]["inline_policies"][0]["document"] = empty.clone();
    account["roles"][0]["trust_policy"] = empty;

    let key = |r: &CheckResult| {
        (
            r.rule_id.clone(),
            r.resource.id.clone(),
            r.status,
            r.message.clone(),
        )
    };
    let others = |results: Vec<CheckResult>| -> Vec<_> {
        results
            .iter()
            .filter(|r| !is_broken(&r.resource.id))
            .map(key)
            .collect()
    };
    let with_empty = evaluate(&readable);
    // Read as empty, the managed policy would pass its checks: the silent
    // pass this guards against.
    assert!(with_empty.iter().any(|r| {
        r.resource.id == format!("{POLICY}broken-managed") && r.status == Status::Pass
    }));
    let with_broken = evaluate(&broken);
    assert!(!with_broken.is_empty());
    assert_eq!(others(with_broken), others(with_empty));
}
