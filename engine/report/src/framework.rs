//! Per-control compliance results for one framework: pass, fail, not
//! evaluated (coverage gap or evaluation error), not applicable (no resource
//! in scope), or manual — with the resources behind each.

use std::collections::BTreeMap;
use std::fmt::Write as _;

use palisade_eval::{CheckResult, Status};
use palisade_rules::{Framework, Mode};
use serde::Serialize;

use crate::escape::terminal;
use crate::ScanReport;

/// Outcome of one control.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ControlStatus {
    /// An open (unwaived) finding of a mapped rule.
    Fail,
    /// A mapped rule could not be evaluated somewhere (gap or error).
    NotEvaluated,
    /// Every mapped rule was evaluated and passed (waived findings listed).
    Pass,
    /// Mapped rules had no resource in scope.
    NotApplicable,
    /// Assessed by a person; Palisade has no evidence for it.
    Manual,
}

impl ControlStatus {
    /// The snake_case name (as serialised): `fail`, `not_evaluated`,
    /// `pass`, `not_applicable`, `manual`.
    pub fn as_str(self) -> &'static str {
        match self {
            ControlStatus::Fail => "fail",
            ControlStatus::NotEvaluated => "not_evaluated",
            ControlStatus::Pass => "pass",
            ControlStatus::NotApplicable => "not_applicable",
            ControlStatus::Manual => "manual",
        }
    }
}

/// One control's result.
#[derive(Debug, Clone, Serialize)]
pub struct ControlResult<'a> {
    /// Control id.
    pub id: &'a str,
    /// Title.
    pub title: &'a str,
    /// Outcome.
    pub status: ControlStatus,
    /// Rules mapped to it.
    pub rules: &'a [String],
    /// Results per status (fail, pass, error, not_evaluated, waived).
    pub counts: BTreeMap<&'static str, usize>,
    /// Resources with open findings.
    pub failing_resources: Vec<&'a str>,
    /// Resources with waived findings.
    pub waived_resources: Vec<&'a str>,
    /// Resources that could not be evaluated.
    pub not_evaluated_resources: Vec<&'a str>,
    /// Each resource that could not be evaluated with the reason (the
    /// gap or error text) when the result gives one; sorted, one entry per
    /// distinct (resource, reason). Not serialised in the JSON report.
    #[serde(skip)]
    pub not_evaluated_reasons: Vec<(&'a str, Option<&'a str>)>,
    /// Why a manual control is manual.
    #[serde(skip_serializing_if = "str::is_empty")]
    pub note: &'a str,
}

/// Evaluates every control of `fw` from the report's results.
pub fn controls<'a>(report: &ScanReport<'a>, fw: &'a Framework) -> Vec<ControlResult<'a>> {
    // Results come sorted by rule id from the evaluator; a caller that
    // hands them in another order still gets every result counted.
    let sorted = report.results.is_sorted_by(|a, b| a.rule_id <= b.rule_id);
    fw.controls
        .iter()
        .map(|c| {
            let mut counts: BTreeMap<&'static str, usize> = BTreeMap::new();
            let (mut failing, mut waived, mut not_eval) = (Vec::new(), Vec::new(), Vec::new());
            let mut reasons = Vec::new();
            let mapped: Vec<&CheckResult> = if sorted {
                c.rules
                    .iter()
                    .flat_map(|rule| results_of(report.results, rule))
                    .collect()
            } else {
                report
                    .results
                    .iter()
                    .filter(|r| c.rules.contains(&r.rule_id))
                    .collect()
            };
            for r in mapped {
                let waiver =
                    r.status == Status::Fail && report.triage.waiver_for(&r.finding_id()).is_some();
                let key = if waiver { "waived" } else { r.status.as_str() };
                *counts.entry(key).or_default() += 1;
                match (r.status, waiver) {
                    (Status::Fail, false) => failing.push(r.resource.id.as_str()),
                    (Status::Fail, true) => waived.push(r.resource.id.as_str()),
                    (Status::Error | Status::NotEvaluated, _) => {
                        not_eval.push(r.resource.id.as_str());
                        reasons.push((r.resource.id.as_str(), r.message.as_deref()));
                    }
                    (Status::Pass, _) => {}
                }
            }
            let total: usize = counts.values().sum();
            let status = if c.mode == Mode::Manual {
                ControlStatus::Manual
            } else if !failing.is_empty() {
                ControlStatus::Fail
            } else if !not_eval.is_empty() {
                ControlStatus::NotEvaluated
            } else if total == 0 {
                ControlStatus::NotApplicable
            } else {
                ControlStatus::Pass
            };
            for v in [&mut failing, &mut waived, &mut not_eval] {
                v.sort_unstable();
                v.dedup();
            }
            reasons.sort_unstable();
            reasons.dedup();
            ControlResult {
                id: &c.id,
                title: &c.title,
                status,
                rules: &c.rules,
                counts,
                failing_resources: failing,
                waived_resources: waived,
                not_evaluated_resources: not_eval,
                not_evaluated_reasons: reasons,
                note: &c.note,
            }
        })
        .collect()
}

/// The results of one rule: results are sorted by rule id, so a control
/// looks up each of its rules instead of scanning every result (a framework
/// of hundreds of controls over 100,000 results).
fn results_of<'r>(
    results: &'r [palisade_eval::CheckResult],
    rule: &str,
) -> &'r [palisade_eval::CheckResult] {
    let start = results.partition_point(|r| r.rule_id.as_str() < rule);
    let len = results[start..].partition_point(|r| r.rule_id == rule);
    &results[start..start + len]
}

/// The per-control table.
pub fn render_table(report: &ScanReport<'_>, fw: &Framework) -> String {
    let results = controls(report, fw);
    let mut out = String::new();
    let _ = writeln!(
        out,
        "{} {} ({})\nScope: {}\n",
        fw.name, fw.version, fw.id, fw.scope
    );
    let _ = writeln!(
        out,
        "{:<14} {:<15} {:>6}  TITLE",
        "CONTROL", "STATUS", "FAILED"
    );
    for c in &results {
        let status = match c.status {
            ControlStatus::Fail => "FAIL",
            ControlStatus::NotEvaluated => "NOT EVALUATED",
            ControlStatus::Pass => "pass",
            ControlStatus::NotApplicable => "n/a",
            ControlStatus::Manual => "manual",
        };
        let _ = writeln!(
            out,
            "{:<14} {:<15} {:>6}  {}",
            c.id,
            status,
            c.failing_resources.len(),
            terminal(c.title)
        );
    }
    let mut by: BTreeMap<ControlStatus, usize> = BTreeMap::new();
    for c in &results {
        *by.entry(c.status).or_default() += 1;
    }
    let count = |s| by.get(&s).copied().unwrap_or(0);
    let _ = writeln!(
        out,
        "\n{} controls: {} pass, {} fail, {} not evaluated, {} not applicable, {} manual",
        results.len(),
        count(ControlStatus::Pass),
        count(ControlStatus::Fail),
        count(ControlStatus::NotEvaluated),
        count(ControlStatus::NotApplicable),
        count(ControlStatus::Manual)
    );
    out
}

#[cfg(test)]
mod tests {
    use super::{controls, render_table, ControlStatus};
    use crate::testing::{pack, raw_controls, Scan};

    fn cis() -> &'static palisade_rules::Framework {
        pack().framework("cis-aws-6.0").expect("cis-aws-6.0")
    }

    #[test]
    fn hostile_resources_are_listed_exactly_and_the_table_stays_inert() {
        let scan = Scan::hostile();
        let report = scan.report();
        let results = controls(&report, cis());
        // CIS 2.9: console users without MFA; the hostile user is one.
        let mfa = results.iter().find(|c| c.id == "2.9").expect("CIS 2.9");
        assert_eq!(mfa.status, ControlStatus::Fail);
        let user = &scan.snapshot.snapshot.accounts[0].iam.users[0].arn;
        assert_eq!(mfa.failing_resources, [user.as_str()]);
        let table = render_table(&report, cis());
        assert!(raw_controls(&table).is_empty(), "{table}");
    }

    #[test]
    fn results_in_any_order_give_the_same_controls() {
        let scan = Scan::of("demo/snapshot.json");
        let mut reversed = Scan::of("demo/snapshot.json");
        reversed.results.reverse();
        for fw in &pack().frameworks {
            let a = controls(&scan.report(), fw);
            let b = controls(&reversed.report(), fw);
            assert_eq!(a.len(), b.len());
            for (x, y) in a.iter().zip(&b) {
                assert_eq!((x.id, x.status, &x.counts), (y.id, y.status, &y.counts));
                assert_eq!(x.failing_resources, y.failing_resources, "{}", x.id);
            }
        }
    }

    #[test]
    fn each_control_uses_its_own_unused_credential_threshold() {
        // An access key last used 61 days before the scan: past CIS 2.11's
        // and FSBP IAM.22's 45 days, within FSBP IAM.8's 90.
        let scan = Scan::of("rules/iam-access-key-unused/unused-61-days.fail.json");
        let report = scan.report();
        let status = |fw: &str, id: &str| {
            let fw = pack().framework(fw).expect(fw);
            controls(&report, fw)
                .into_iter()
                .find(|c| c.id == id)
                .map(|c| c.status)
                .expect(id)
        };
        assert_eq!(status("aws-fsbp", "IAM.22"), ControlStatus::Fail);
        assert_eq!(status("cis-aws-6.0", "2.11"), ControlStatus::Fail);
        assert_eq!(status("aws-fsbp", "IAM.8"), ControlStatus::Pass);
        assert_eq!(status("pci-dss-4.0", "8.2.6"), ControlStatus::Pass);
    }

    #[test]
    fn demo_controls_fail_pass_and_stay_manual_as_mapped() {
        let scan = Scan::of("demo/snapshot.json");
        let report = scan.report();
        let fw = cis();
        let results = controls(&report, fw);
        assert_eq!(results.len(), fw.controls.len());
        let root_mfa = results.iter().find(|c| c.id == "2.4").expect("CIS 2.4");
        assert_eq!(root_mfa.status, ControlStatus::Fail);
        assert_eq!(root_mfa.failing_resources, ["222222222222"]);
        for (c, def) in results.iter().zip(&fw.controls) {
            assert_eq!(c.id, def.id);
            if def.mode == palisade_rules::Mode::Manual {
                assert_eq!(c.status, ControlStatus::Manual, "{}", c.id);
            }
            // A failing control names its resources; a passing one has none.
            assert_eq!(
                c.status == ControlStatus::Fail,
                !c.failing_resources.is_empty(),
                "{}",
                c.id
            );
        }
        let table = render_table(&report, fw);
        let count = |s: ControlStatus| results.iter().filter(|c| c.status == s).count();
        let summary = format!(
            "{} controls: {} pass, {} fail, {} not evaluated, {} not applicable, {} manual",
            results.len(),
            count(ControlStatus::Pass),
            count(ControlStatus::Fail),
            count(ControlStatus::NotEvaluated),
            count(ControlStatus::NotApplicable),
            count(ControlStatus::Manual)
        );
        assert!(table.contains(&summary), "{table}");
        assert_eq!(
            table.lines().filter(|l| l.starts_with("2.4 ")).count(),
            1,
            "{table}"
        );
    }
}
