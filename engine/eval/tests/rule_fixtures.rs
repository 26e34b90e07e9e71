//! One table-driven test over every rule: its violating fixture must fail it,
//! its compliant fixture must pass it, neither may error, and every fixture
//! directory must belong to a rule.

#![allow(clippy::expect_used, clippy::unwrap_used)]

use std::path::{Path, PathBuf};

use palisade_eval::{Evaluator, Status};
use palisade_model::LoadedSnapshot;
use palisade_rules::RulePack;

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

fn pack() -> RulePack {
    let r = root();
    match RulePack::load(&r.join("policies"), &r.join("rules")) {
        Ok(p) => p,
        Err(e) => panic!("rule pack does not load:\n{e}"),
    }
}

#[test]
fn every_rule_fails_its_violating_fixture_and_passes_its_compliant_one() {
    let pack = pack();
    assert!(
        pack.rules.len() >= 25,
        "expected at least 25 rules, found {}",
        pack.rules.len()
    );
    let evaluator = Evaluator::new(&pack, &pack.defaults).expect("evaluator");
    let mut problems = Vec::new();
    for rule in &pack.rules {
        let dir = root().join("fixtures/rules").join(&rule.id);
        for (case, want) in [("fail.json", Status::Fail), ("pass.json", Status::Pass)] {
            let path = dir.join(case);
            let snap = match LoadedSnapshot::from_path(&path) {
                Ok(s) => s,
                Err(e) => {
                    problems.push(format!("{}: {e}", rule.id));
                    continue;
                }
            };
            let results: Vec<_> = evaluator
                .evaluate(&snap.snapshot)
                .results
                .into_iter()
                .filter(|r| r.rule_id == rule.id)
                .collect();
            let count = |s: Status| results.iter().filter(|r| r.status == s).count();
            if count(Status::Error) > 0 {
                let msgs: Vec<_> = results.iter().filter_map(|r| r.message.clone()).collect();
                problems.push(format!("{}/{case}: evaluation errors: {msgs:?}", rule.id));
            }
            match want {
                Status::Fail if count(Status::Fail) == 0 => problems.push(format!(
                    "{}/{case}: expected a failure, got {} results, none failing",
                    rule.id,
                    results.len()
                )),
                Status::Pass if count(Status::Pass) == 0 || count(Status::Fail) > 0 => problems
                    .push(format!(
                        "{}/{case}: expected only passes, got {} pass / {} fail",
                        rule.id,
                        count(Status::Pass),
                        count(Status::Fail)
                    )),
                _ => {}
            }
        }
    }
    let fixtures = std::fs::read_dir(root().join("fixtures/rules")).expect("fixtures/rules");
    for entry in fixtures.flatten() {
        let name = entry.file_name().to_string_lossy().into_owned();
        if pack.rule(&name).is_none() {
            problems.push(format!("fixtures/rules/{name} belongs to no rule"));
        }
    }
    assert!(
        problems.is_empty(),
        "{} problems:\n{}",
        problems.len(),
        problems.join("\n")
    );
}

#[test]
fn every_framework_lists_its_controls_and_every_mapping_resolves() {
    let pack = pack();
    let expected = [
        "aws-fsbp",
        "cis-aws-3.0",
        "cis-aws-5.0",
        "cis-aws-6.0",
        "iso-27001-2022",
        "nist-800-53-r5",
        "pci-dss-4.0",
        "soc2",
    ];
    let mut ids: Vec<&str> = pack.frameworks.iter().map(|f| f.id.as_str()).collect();
    ids.sort_unstable();
    assert_eq!(ids, expected);
    let mut problems = Vec::new();
    for rule in &pack.rules {
        for (fw, controls) in &rule.meta.frameworks {
            let Some(framework) = pack.framework(fw) else {
                problems.push(format!("{} maps to unknown framework {fw}", rule.id));
                continue;
            };
            for c in controls {
                if !framework
                    .controls
                    .iter()
                    .any(|x| &x.id == c && x.rules.contains(&rule.id))
                {
                    problems.push(format!(
                        "{} maps to {fw} {c}, which the framework does not list",
                        rule.id
                    ));
                }
            }
        }
    }
    for f in &pack.frameworks {
        assert!(!f.controls.is_empty(), "{} has no controls", f.id);
        for c in &f.controls {
            match c.mode {
                palisade_rules::Mode::Automated if c.rules.is_empty() => {
                    problems.push(format!("{} {} automated without rules", f.id, c.id))
                }
                palisade_rules::Mode::Manual if c.note.trim().is_empty() => {
                    problems.push(format!("{} {} manual without a note", f.id, c.id))
                }
                _ => {}
            }
        }
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}
