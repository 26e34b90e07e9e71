//! One table-driven test over every rule: the exact set of (resource, status)
//! results of the rule on its violating and its compliant fixture, as one
//! reviewed insta snapshot per rule (`snapshots/rule_fixtures__<id>.snap`),
//! so a rule that fires on the wrong resource, or stops firing on one, is
//! caught. Independently of the snapshots: the violating fixture must fail
//! the rule, the compliant one only pass it, neither may error, and every
//! fixture directory and snapshot must belong to a rule. Besides `fail.json`
//! and `pass.json`, a rule may have named cases `<case>.<expected>.json`
//! (see [`cases`]) for its audited edge cases; they join the same snapshot.
//!
//! After a deliberate change, review the new snapshots with `cargo insta
//! review` (or `INSTA_UPDATE=always` and `git diff`); CI never writes them.

#![allow(clippy::expect_used, clippy::unwrap_used)]

use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use palisade_eval::{CheckResult, Evaluator, Status};
use palisade_model::LoadedSnapshot;
use palisade_test_kit::{fixture, pack};

/// The number of rules in the repository pack: a rule added or removed
/// without its fixtures and snapshot shows up here first.
const RULES: usize = 219;

fn snapshots_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/snapshots")
}

/// The rule's results on one fixture, one line per result, sorted.
fn lines(results: &[&CheckResult]) -> String {
    let mut rows: Vec<String> = results
        .iter()
        .map(|r| {
            let mut row = format!("  {:<13} {}", r.status.as_str(), r.resource.id);
            if let Some(m) = &r.message {
                let _ = write!(row, "  ({m})");
            }
            row
        })
        .collect();
    rows.sort();
    if rows.is_empty() {
        return "  (no results)\n".to_owned();
    }
    rows.join("\n") + "\n"
}

/// The fixture files of one rule and what each must produce: `fail.json`
/// and `pass.json` first, then any named cases `<case>.<expected>.json`
/// (`expected` is `fail`, `pass` or `not-evaluated`), sorted by name. Named
/// cases hold the audited edge cases of a rule: the misjudged resource and
/// its twin, one file each.
fn cases(dir: &Path) -> Vec<(String, Status)> {
    let mut named: Vec<(String, Status)> = std::fs::read_dir(dir)
        .map(|entries| {
            entries
                .flatten()
                .filter_map(|e| {
                    let name = e.file_name().to_string_lossy().into_owned();
                    let stem = name.strip_suffix(".json")?;
                    let want = match stem.rsplit_once('.')?.1 {
                        "fail" => Status::Fail,
                        "pass" => Status::Pass,
                        "not-evaluated" => Status::NotEvaluated,
                        _ => return None,
                    };
                    Some((name, want))
                })
                .collect()
        })
        .unwrap_or_default();
    named.sort();
    let mut all = vec![
        ("fail.json".to_owned(), Status::Fail),
        ("pass.json".to_owned(), Status::Pass),
    ];
    all.extend(named);
    all
}

/// What is wrong with a rule's results on a case that must produce `want`:
/// never an error; a `fail` case fails at least one resource; a `pass` case
/// passes every result; a `not-evaluated` case leaves at least one resource
/// not evaluated and fails none (an unknown must not become a verdict).
fn check_case(results: &[&CheckResult], want: Status) -> Option<String> {
    let count = |s: Status| results.iter().filter(|r| r.status == s).count();
    if count(Status::Error) > 0 {
        let msgs: Vec<_> = results.iter().filter_map(|r| r.message.clone()).collect();
        return Some(format!("evaluation errors: {msgs:?}"));
    }
    let summary = format!(
        "{} pass / {} fail / {} not evaluated",
        count(Status::Pass),
        count(Status::Fail),
        count(Status::NotEvaluated)
    );
    let ok = match want {
        Status::Fail => count(Status::Fail) > 0,
        Status::Pass => count(Status::Pass) > 0 && count(Status::Pass) == results.len(),
        Status::NotEvaluated => count(Status::NotEvaluated) > 0 && count(Status::Fail) == 0,
        Status::Error => false,
    };
    (!ok).then(|| format!("expected {}, got {summary}", want.as_str()))
}

#[test]
fn every_rule_has_exactly_its_reviewed_results_on_its_fixtures() {
    let pack = pack();
    assert_eq!(
        pack.rules.len(),
        RULES,
        "the pack's rule count changed: update RULES and add the rule's fixtures and snapshot"
    );
    let evaluator = Evaluator::new(&pack, &pack.defaults).expect("evaluator");
    let mut problems = Vec::new();
    let mut mismatched = Vec::new();
    for rule in &pack.rules {
        let dir = fixture("rules").join(&rule.id);
        let mut text = String::new();
        let cases = cases(&dir);
        for entry in std::fs::read_dir(&dir).into_iter().flatten().flatten() {
            let name = entry.file_name().to_string_lossy().into_owned();
            if !cases.iter().any(|(c, _)| *c == name) {
                problems.push(format!(
                    "{}/{name}: not a case (fail.json, pass.json or <case>.<fail|pass|not-evaluated>.json)",
                    rule.id
                ));
            }
        }
        for (case, want) in cases {
            let path = dir.join(&case);
            let snap = match LoadedSnapshot::from_path(&path) {
                Ok(s) => s,
                Err(e) => {
                    problems.push(format!("{}: {e}", rule.id));
                    continue;
                }
            };
            let all = evaluator.evaluate(&snap.snapshot).results;
            let results: Vec<&CheckResult> = all.iter().filter(|r| r.rule_id == rule.id).collect();
            if let Some(problem) = check_case(&results, want) {
                problems.push(format!("{}/{case}: {problem}", rule.id));
            }
            let _ = writeln!(text, "{case}");
            text.push_str(&lines(&results));
        }
        let id = rule.id.clone();
        let matched = std::panic::catch_unwind(move || {
            insta::with_settings!({ omit_expression => true, description => format!("rule {id}: results on fixtures/rules/{id}/fail.json and pass.json") }, {
                insta::assert_snapshot!(id.as_str(), text);
            });
        });
        if matched.is_err() {
            mismatched.push(rule.id.clone());
        }
    }
    for entry in std::fs::read_dir(fixture("rules"))
        .expect("fixtures/rules")
        .flatten()
    {
        let name = entry.file_name().to_string_lossy().into_owned();
        if pack.rule(&name).is_none() {
            problems.push(format!("fixtures/rules/{name} belongs to no rule"));
        }
    }
    for entry in std::fs::read_dir(snapshots_dir())
        .expect("snapshots")
        .flatten()
    {
        let name = entry.file_name().to_string_lossy().into_owned();
        if let Some(id) = name
            .strip_prefix("rule_fixtures__")
            .and_then(|n| n.strip_suffix(".snap"))
        {
            if pack.rule(id).is_none() {
                problems.push(format!("tests/snapshots/{name} belongs to no rule"));
            }
        }
    }
    if !mismatched.is_empty() {
        problems.push(format!(
            "results differ from the reviewed snapshots (diffs above) for: {}",
            mismatched.join(", ")
        ));
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
