//! The gate decision: one place says whether a scan is clean, has open
//! findings at or above the threshold, or is incomplete. The CLI maps the
//! [`Verdict`] to its documented exit code.

use palisade_eval::{CheckResult, Status};
use palisade_model::Snapshot;
use palisade_rules::Severity;

use crate::triage::Triage;

/// What a scan means for a CI gate.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Verdict {
    /// Complete, and no open finding at or above the threshold.
    Clean,
    /// At least one open finding at or above the threshold.
    Findings,
    /// The scan saw less than it should (a coverage gap or an evaluation
    /// error): wins over [`Verdict::Findings`], so a gate never goes green
    /// on a scan that silently saw less.
    Incomplete,
}

/// The gate's settings.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Gate {
    /// Open findings at or above this severity fail the gate.
    pub fail_on: Severity,
    /// Only findings new since the baseline (new or updated) count.
    pub fail_on_new: bool,
}

impl Default for Gate {
    /// Every open finding fails the gate.
    fn default() -> Self {
        Self {
            fail_on: Severity::Info,
            fail_on_new: false,
        }
    }
}

impl Gate {
    /// Decides on a scan of `snapshot` whose evaluation gave `results`,
    /// triaged as `triage`. `severity_of` gives a rule's severity (info
    /// when unknown); a result's own severity (adjusted by its
    /// reachability verdict) wins over it.
    pub fn decide(
        &self,
        snapshot: &Snapshot,
        results: &[CheckResult],
        triage: &Triage,
        severity_of: &dyn Fn(&str) -> Option<Severity>,
    ) -> Verdict {
        let incomplete = snapshot.gaps().next().is_some()
            || results
                .iter()
                .any(|r| matches!(r.status, Status::Error | Status::NotEvaluated));
        // Open (unwaived) findings at or above the threshold, and with
        // --fail-on-new only those not in the baseline.
        let failing = results.iter().filter(|r| triage.is_open(r)).any(|f| {
            f.effective_severity(severity_of(&f.rule_id))
                .unwrap_or(Severity::Info)
                >= self.fail_on
                && (!self.fail_on_new || triage.is_new(&f.finding_id()))
        });
        if incomplete {
            Verdict::Incomplete
        } else if failing {
            Verdict::Findings
        } else {
            Verdict::Clean
        }
    }
}

#[cfg(test)]
mod tests {
    use std::path::Path;

    use chrono::NaiveDate;
    use palisade_eval::ResourceRef;

    use super::*;
    use crate::{Baseline, BaselineEntry, WaiverFile};

    fn result(rule: &str, id: &str, status: Status) -> CheckResult {
        CheckResult {
            rule_id: rule.into(),
            status,
            resource: ResourceRef {
                id: id.into(),
                resource_type: "AWS::IAM::User".into(),
                account_id: "111111111111".into(),
                region: "global".into(),
                name: id.into(),
                tags: Default::default(),
            },
            message: None,
            cost: None,
            severity: None,
            exposure: None,
        }
    }

    fn snapshot(gap: bool) -> Snapshot {
        let coverage = if gap {
            r#"[{"service": "iam", "region": "global", "api": "ListUsers", "status": "failed"}]"#
        } else {
            "[]"
        };
        let text = format!(
            r#"{{"format": "palisade-snapshot", "version": 1, "scan_time": "2026-11-01T00:00:00Z",
               "accounts": [{{"account_id": "111111111111", "coverage": {coverage}}}]}}"#
        );
        serde_json::from_str(&text).expect("snapshot")
    }

    /// `high` is a high-severity rule, `low` a low one.
    fn severity_of(rule: &str) -> Option<Severity> {
        match rule {
            "high" => Some(Severity::High),
            "medium" => Some(Severity::Medium),
            "low" => Some(Severity::Low),
            _ => None,
        }
    }

    #[test]
    fn verdict_matrix() {
        let today = NaiveDate::from_ymd_opt(2026, 11, 30).expect("date");
        let waivers = WaiverFile::parse(
            Path::new("w.toml"),
            "[[waiver]]\nrule = \"high\"\nresource = \"waived\"\nreason = \"r\"\nowner = \"o\"\nexpires = 2026-12-31\n",
            &|_| true,
        )
        .expect("waivers");
        let mut baseline = Baseline::default();
        baseline.insert(BaselineEntry::new(
            "high",
            "old",
            "high".into(),
            "old".into(),
        ));
        let fail = |rule, id| result(rule, id, Status::Fail);
        // A fail whose reachability verdict adjusted its severity.
        let adjusted = |rule, id, sev| CheckResult {
            severity: Some(sev),
            ..result(rule, id, Status::Fail)
        };
        let high = Gate {
            fail_on: Severity::High,
            fail_on_new: false,
        };
        let new_only = Gate {
            fail_on_new: true,
            ..Gate::default()
        };
        #[rustfmt::skip]
        let cases: Vec<(&str, Gate, bool, Vec<CheckResult>, Verdict)> = vec![
            ("nothing", Gate::default(), false, vec![], Verdict::Clean),
            ("passes only", Gate::default(), false, vec![result("high", "a", Status::Pass)], Verdict::Clean),
            ("any finding fails by default", Gate::default(), false, vec![fail("low", "a")], Verdict::Findings),
            ("unknown rule counts as info", Gate::default(), false, vec![fail("other", "a")], Verdict::Findings),
            ("below the threshold", high, false, vec![fail("low", "a")], Verdict::Clean),
            ("at the threshold", high, false, vec![fail("high", "a")], Verdict::Findings),
            ("high rule lowered to medium (not reachable)", high, false, vec![adjusted("high", "a", Severity::Medium)], Verdict::Clean),
            ("medium rule raised to high (reachable)", high, false, vec![adjusted("medium", "a", Severity::High)], Verdict::Findings),
            ("medium rule as is", high, false, vec![fail("medium", "a")], Verdict::Clean),
            ("waived", high, false, vec![fail("high", "waived")], Verdict::Clean),
            ("in the baseline", new_only, false, vec![fail("high", "old")], Verdict::Clean),
            ("new since the baseline", new_only, false, vec![fail("high", "old"), fail("low", "new")], Verdict::Findings),
            ("evaluation error", Gate::default(), false, vec![result("low", "a", Status::Error)], Verdict::Incomplete),
            ("not evaluated", Gate::default(), false, vec![result("low", "a", Status::NotEvaluated)], Verdict::Incomplete),
            ("gap wins over findings", Gate::default(), true, vec![fail("high", "a")], Verdict::Incomplete),
        ];
        for (name, gate, gap, results, want) in cases {
            let triage = Triage::new(
                &results,
                &severity_of,
                Some(&baseline),
                Some(&waivers),
                today,
            );
            let got = gate.decide(&snapshot(gap), &results, &triage, &severity_of);
            assert_eq!(got, want, "{name}");
        }
    }
}
