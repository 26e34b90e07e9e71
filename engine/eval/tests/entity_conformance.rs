//! The evaluator no longer runs Cedar's schema conformance pass over every
//! entity store it builds (only over the first entity of each type): the
//! graph builder must produce conforming entities by construction. These
//! tests hold it to that. Every entity of every account of the repository's
//! snapshots (the demo, the hostile snapshot, every rule fixture, the
//! unreadable-documents fixtures) is checked against the schema, every
//! entity type of the schema must be produced by at least one of them, and
//! evaluation with the first-of-type guard must give exactly the results of
//! evaluation with the full pass.

#![allow(clippy::expect_used, clippy::unwrap_used)]

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use cedar_policy::{Entities, Schema};
use palisade_eval::{Evaluator, GraphBuilder, Status};
use palisade_model::LoadedSnapshot;
use palisade_rules::RulePack;

/// This checkout's root (from this test's own manifest directory, not
/// the test kit's: a target directory shared between checkouts may hold a
/// test kit built in another one).
fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

fn fixture(rel: &str) -> PathBuf {
    root().join("fixtures").join(rel)
}

fn pack() -> RulePack {
    let r = root();
    RulePack::load(&r.join("policies"), &r.join("rules")).expect("the rule pack loads")
}

/// Every snapshot file among the fixtures the evaluator is tested on.
fn snapshot_files() -> Vec<PathBuf> {
    let mut files = vec![
        fixture("demo/snapshot.json"),
        fixture("hostile/snapshot.json"),
    ];
    let json_under = |dir: &Path| -> Vec<PathBuf> {
        let mut out: Vec<PathBuf> = std::fs::read_dir(dir)
            .expect("fixture directory")
            .flatten()
            .map(|e| e.path())
            .filter(|p| p.extension().is_some_and(|x| x == "json"))
            .collect();
        out.sort();
        out
    };
    let rules = fixture("rules");
    let mut rule_dirs: Vec<PathBuf> = std::fs::read_dir(&rules)
        .expect("fixtures/rules")
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.is_dir())
        .collect();
    rule_dirs.sort();
    for dir in rule_dirs {
        files.extend(json_under(&dir));
    }
    files.extend(json_under(&fixture("unreadable-documents")));
    files
}

/// Checks every entity of every account of `path` against `schema`;
/// returns the entity types seen.
fn check_file(path: &Path, schema: &Schema, ports: &[i64]) -> BTreeSet<String> {
    let loaded = LoadedSnapshot::from_path(path)
        .unwrap_or_else(|e| panic!("{}: does not load: {e}", path.display()));
    let snap = loaded.snapshot;
    let builder = GraphBuilder::new(snap.scan_time, ports.to_vec())
        .with_organization(snap.organization.clone());
    let mut types = BTreeSet::new();
    // The organisation's own graph (evaluated once per scan) as well as
    // every account's.
    let graphs = builder
        .build_organization()
        .into_iter()
        .map(|g| ("organization".to_owned(), g))
        .chain(
            snap.accounts
                .iter()
                .map(|a| (a.account_id.clone(), builder.build(a))),
        );
    for (account_id, graph) in graphs {
        types.extend(
            graph
                .entities
                .iter()
                .map(|e| e.uid().type_name().to_string()),
        );
        if let Err(e) = Entities::from_entities(graph.entities, Some(schema)) {
            let mut detail = e.to_string();
            let mut source = std::error::Error::source(&e);
            while let Some(cause) = source {
                detail.push_str(": ");
                detail.push_str(&cause.to_string());
                source = cause.source();
            }
            panic!(
                "{}: account {}: the graph does not conform to the schema: {detail}",
                path.display(),
                account_id
            );
        }
    }
    types
}

#[test]
fn every_built_entity_conforms_and_every_type_is_checked() {
    let pack = pack();
    let ports = pack.defaults.ports_of_interest();
    let files = snapshot_files();
    assert!(
        files.len() > 400,
        "found only {} fixture files",
        files.len()
    );
    let mut seen = BTreeSet::new();
    for f in &files {
        seen.extend(check_file(f, &pack.schema, &ports));
    }
    let declared: BTreeSet<String> = pack
        .schema
        .entity_types()
        .map(ToString::to_string)
        .collect();
    // The request's principal is made by the evaluator, never by the
    // graph builder.
    seen.insert("Palisade::Scanner".to_owned());
    let unchecked: Vec<&String> = declared.difference(&seen).collect();
    assert!(
        unchecked.is_empty(),
        "entity types of the schema that no fixture produces, so no test checks \
         that the builder makes them conform: {unchecked:?}"
    );
}

#[test]
fn guarded_store_gives_the_results_of_full_validation() {
    let pack = pack();
    let fast = Evaluator::new(&pack, &pack.defaults).expect("evaluator");
    let full = Evaluator::new(&pack, &pack.defaults)
        .expect("evaluator")
        .with_full_entity_validation();
    for rel in ["demo/snapshot.json", "hostile/snapshot.json"] {
        let snap = LoadedSnapshot::from_path(&fixture(rel)).expect(rel);
        let a = fast.evaluate(&snap.snapshot);
        let b = full.evaluate(&snap.snapshot);
        assert!(
            a.results.iter().any(|r| r.status == Status::Fail),
            "{rel}: no fails"
        );
        assert_eq!(a.results, b.results, "{rel}");
        assert_eq!(a.requests, b.requests, "{rel}");
    }
}

/// A schema out of step with the builder (here: one more required
/// attribute on access keys) still turns every check of the account into
/// an `error` naming the attribute, with the guard as with the full pass.
#[test]
fn a_nonconforming_type_still_errors_every_check_of_the_account() {
    let mut pack = pack();
    let text = std::fs::read_to_string(root().join("policies/schema.cedarschema")).expect("schema");
    let needle = "entity AccessKey in [User] = {";
    assert!(text.contains(needle), "schema layout changed");
    let changed = text.replace(needle, &format!("{needle}\n    rotation_owner: String,"));
    pack.schema = Schema::from_cedarschema_str(&changed)
        .expect("changed schema")
        .0;
    let snap = LoadedSnapshot::from_path(&fixture("demo/snapshot.json")).expect("demo");
    let fast = Evaluator::new(&pack, &pack.defaults).expect("evaluator");
    let full = Evaluator::new(&pack, &pack.defaults)
        .expect("evaluator")
        .with_full_entity_validation();
    let a = fast.evaluate(&snap.snapshot);
    let b = full.evaluate(&snap.snapshot);
    assert_eq!(a.results, b.results);
    let errors: Vec<_> = a
        .results
        .iter()
        .filter(|r| r.status == Status::Error)
        .collect();
    assert!(!errors.is_empty());
    let judged: Vec<_> = a
        .results
        .iter()
        .filter(|r| {
            r.rule_id == "iam-access-key-not-rotated"
                && matches!(r.status, Status::Fail | Status::Pass)
        })
        .collect();
    assert!(judged.is_empty(), "judged on a broken store: {judged:?}");
    let msg = errors[0].message.as_deref().unwrap_or_default();
    assert!(
        msg.contains("entity store for account") && msg.contains("rotation_owner"),
        "{msg}"
    );
}
