//! The IaC rule corpus: every rule that applies to IaC input judged on
//! CloudFormation templates and Terraform plans written for it
//! (`fixtures/iac/rules/<rule-id>/<case>.<expected>.<ext>`, see
//! [`case_of`]). Each file is detected and imported with the public API,
//! evaluated with the repository pack, and must give its expected verdict
//! for its rule:
//!
//! - `fail`: at least one Fail, no Error;
//! - `pass`: at least one Pass, no Fail, no Error;
//! - `not-evaluated`: at least one NotEvaluated, no Fail, no Pass, no Error
//!   (an unknown value must never become a verdict);
//!
//! and every Fail must point at a line of the file it came from (the
//! importer's locations), as a pull-request annotation needs.
//!
//! A second test checks the corpus itself: every rule that applies to IaC
//! has its violating and compliant twin in both formats (`cfn.fail.yaml`,
//! `cfn.pass.yaml`, `tf.fail.tfplan.json`, `tf.pass.tfplan.json`), and no
//! folder names a live-only or unknown rule.

#![allow(clippy::expect_used, clippy::unwrap_used)]

use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use palisade_eval::{CheckResult, Evaluator, Status};
use palisade_import::{detect, import, Kind, Options};
use palisade_model::source::{locate, Locations};
use palisade_model::{Origin, Snapshot};
use palisade_rules::RulePack;
use palisade_test_kit::{pack, root};

/// The files every rule that applies to IaC must have.
const REQUIRED: &[&str] = &[
    "cfn.fail.yaml",
    "cfn.pass.yaml",
    "tf.fail.tfplan.json",
    "tf.pass.tfplan.json",
];

fn corpus_dir() -> PathBuf {
    root().join("fixtures/iac/rules")
}

/// True when the rule judges templates and plans (its metadata's
/// `applies_to`); live-only rules are absent on IaC input.
fn applies_to_iac(pack: &RulePack, rule_id: &str) -> bool {
    pack.rules
        .iter()
        .any(|r| r.id == rule_id && r.meta.applies_to_origin(Origin::Cloudformation))
}

/// The expected verdict of a corpus file named `<case>.<expected>.<ext>`
/// (`ext` is `yaml`, `yml`, `json` or `tfplan.json`); `None` for a name
/// that is not a case.
fn case_of(name: &str) -> Option<Status> {
    let stem = name
        .strip_suffix(".tfplan.json")
        .or_else(|| name.strip_suffix(".yaml"))
        .or_else(|| name.strip_suffix(".yml"))
        .or_else(|| name.strip_suffix(".json"))?;
    match stem.rsplit_once('.')?.1 {
        "fail" => Some(Status::Fail),
        "pass" => Some(Status::Pass),
        "not-evaluated" => Some(Status::NotEvaluated),
        _ => None,
    }
}

/// One evaluated corpus file.
struct Evaluated {
    /// Every result of every rule.
    results: Vec<CheckResult>,
    /// Where the importer says each resource is written.
    locations: Locations,
    /// The file's line count.
    lines: usize,
}

/// Detects, imports and evaluates one file; `uri` is its
/// repository-relative path. An import error is returned as text.
fn evaluate_file(evaluator: &Evaluator, path: &Path, uri: &str) -> Result<Evaluated, String> {
    let text = std::fs::read_to_string(path).map_err(|e| format!("read: {e}"))?;
    let kind = detect(&text).ok_or("detected as neither a template nor a plan")?;
    if kind == Kind::Snapshot {
        return Err("detected as a snapshot".into());
    }
    let account = import(uri, &text, kind, &Options::default()).map_err(|e| e.to_string())?;
    let locations = account.locations.clone();
    let snapshot = Snapshot {
        format: "palisade-snapshot".into(),
        version: 1,
        tool_version: env!("CARGO_PKG_VERSION").into(),
        scan_time: "2026-11-01T00:00:00Z".parse().expect("time"),
        organization: None,
        shard: None,
        accounts: vec![account],
    };
    Ok(Evaluated {
        results: evaluator.evaluate(&snapshot).results,
        locations,
        lines: text.lines().count(),
    })
}

/// What is wrong with where the rule's fails point: every fail of an IaC
/// file must point at a line of that file.
fn check_locations(results: &[&CheckResult], file: &Evaluated, uri: &str) -> Option<String> {
    let bad: Vec<String> = results
        .iter()
        .filter(|r| r.status == Status::Fail)
        .filter_map(|r| match locate(&file.locations, &r.resource.id) {
            None => Some(format!("{}: no location", r.resource.id)),
            Some(l) if l.uri != uri || l.line == 0 || l.line > file.lines.max(1) => Some(format!(
                "{}: located at {}:{}, outside the file",
                r.resource.id, l.uri, l.line
            )),
            Some(_) => None,
        })
        .collect();
    (!bad.is_empty()).then(|| format!("fails without a place in the file: {}", bad.join("; ")))
}

/// What is wrong with a rule's results on a case that must give `want`.
fn check_case(results: &[&CheckResult], want: Status) -> Option<String> {
    let count = |s: Status| results.iter().filter(|r| r.status == s).count();
    let summary = || {
        let mut s = format!(
            "{} pass / {} fail / {} not evaluated / {} error",
            count(Status::Pass),
            count(Status::Fail),
            count(Status::NotEvaluated),
            count(Status::Error)
        );
        for r in results {
            let _ = write!(
                s,
                "\n      {:<13} {}{}",
                r.status.as_str(),
                r.resource.id,
                r.message
                    .as_deref()
                    .map(|m| format!("  ({m})"))
                    .unwrap_or_default()
            );
        }
        s
    };
    let ok = count(Status::Error) == 0
        && match want {
            Status::Fail => count(Status::Fail) > 0,
            Status::Pass => count(Status::Pass) > 0 && count(Status::Fail) == 0,
            Status::NotEvaluated => {
                count(Status::NotEvaluated) > 0
                    && count(Status::Fail) == 0
                    && count(Status::Pass) == 0
            }
            Status::Error => false,
        };
    (!ok).then(|| format!("expected {}, got {}", want.as_str(), summary()))
}

/// The corpus folders (rule ids) present.
fn folders() -> Vec<String> {
    let mut dirs: Vec<String> = std::fs::read_dir(corpus_dir())
        .into_iter()
        .flatten()
        .flatten()
        .filter(|e| e.path().is_dir())
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .collect();
    dirs.sort();
    dirs
}

fn files_of(dir: &Path) -> Vec<String> {
    let mut files: Vec<String> = std::fs::read_dir(dir)
        .into_iter()
        .flatten()
        .flatten()
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .collect();
    files.sort();
    files
}

fn known_rule(pack: &RulePack, id: &str) -> bool {
    pack.rules.iter().any(|r| r.id == id)
}

#[test]
fn every_corpus_file_gives_its_expected_verdict() {
    let pack = pack();
    let evaluator = Evaluator::new(&pack, &pack.defaults).expect("evaluator");
    let mut problems = Vec::new();
    let mut checked = 0usize;
    for rule_id in folders() {
        if !known_rule(&pack, &rule_id) || !applies_to_iac(&pack, &rule_id) {
            continue; // reported by the layout test
        }
        let dir = corpus_dir().join(&rule_id);
        for name in files_of(&dir) {
            let Some(want) = case_of(&name) else {
                problems.push(format!(
                    "{rule_id}/{name}: not a case (<case>.<fail|pass|not-evaluated>.<yaml|json|tfplan.json>)"
                ));
                continue;
            };
            let uri = format!("fixtures/iac/rules/{rule_id}/{name}");
            checked += 1;
            match evaluate_file(&evaluator, &dir.join(&name), &uri) {
                Err(e) => problems.push(format!("{uri}: {e}")),
                Ok(file) => {
                    let results: Vec<&CheckResult> = file
                        .results
                        .iter()
                        .filter(|r| r.rule_id == rule_id)
                        .collect();
                    if let Some(p) = check_case(&results, want) {
                        problems.push(format!("{uri}: {p}"));
                    }
                    if let Some(p) = check_locations(&results, &file, &uri) {
                        problems.push(format!("{uri}: {p}"));
                    }
                }
            }
        }
    }
    assert!(
        problems.is_empty(),
        "{} of {checked} corpus files are wrong:\n  {}",
        problems.len(),
        problems.join("\n  ")
    );
}

#[test]
fn every_iac_rule_has_its_twins_in_both_formats() {
    let pack = pack();
    let present = folders();
    let mut problems = Vec::new();
    for dir in &present {
        if !known_rule(&pack, dir) {
            problems.push(format!("{dir}: no such rule"));
        } else if !applies_to_iac(&pack, dir) {
            problems.push(format!("{dir}: the rule applies to live data only"));
        }
    }
    for rule in pack.rules.iter().filter(|r| applies_to_iac(&pack, &r.id)) {
        let files = files_of(&corpus_dir().join(&rule.id));
        let missing: Vec<&str> = REQUIRED
            .iter()
            .copied()
            .filter(|f| !files.iter().any(|have| have == f))
            .collect();
        if !missing.is_empty() {
            problems.push(format!("{}: missing {}", rule.id, missing.join(", ")));
        }
    }
    assert!(
        problems.is_empty(),
        "the IaC corpus is incomplete ({} problems):\n  {}",
        problems.len(),
        problems.join("\n  ")
    );
}

#[test]
fn case_names_are_read_with_every_extension() {
    assert_eq!(case_of("cfn.fail.yaml"), Some(Status::Fail));
    assert_eq!(case_of("tf.pass.tfplan.json"), Some(Status::Pass));
    assert_eq!(
        case_of("cfn-policy-json-string.fail.json"),
        Some(Status::Fail)
    );
    assert_eq!(
        case_of("tf-known-after-apply.not-evaluated.tfplan.json"),
        Some(Status::NotEvaluated)
    );
    assert_eq!(case_of("README.md"), None);
    assert_eq!(case_of("notes.yaml"), None);
}
