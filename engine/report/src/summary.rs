//! Counts by status, by severity (failures) and by pack.

use std::collections::BTreeMap;

use palisade_eval::Status;
use serde::Serialize;

use crate::ScanReport;

/// Result counts.
#[derive(Debug, Clone, Default, Serialize, PartialEq, Eq)]
pub struct Summary {
    /// Results by status.
    pub by_status: BTreeMap<String, usize>,
    /// Failures by severity.
    pub failures_by_severity: BTreeMap<String, usize>,
    /// Failures by pack.
    pub failures_by_pack: BTreeMap<String, usize>,
    /// Rules evaluated.
    pub rules: usize,
    /// Distinct resources with at least one result.
    pub resources: usize,
    /// Coverage gaps.
    pub gaps: usize,
    /// Findings suppressed by an active waiver.
    pub suppressed: usize,
    /// Findings not in the baseline (new or updated); equals all findings
    /// without a baseline.
    pub new: usize,
    /// Baseline findings no longer present.
    pub fixed: usize,
}

impl Summary {
    /// Counts the results of `report`.
    pub fn of(report: &ScanReport<'_>) -> Self {
        let mut s = Summary {
            rules: report.pack.rules.len(),
            gaps: report.gaps().len(),
            ..Summary::default()
        };
        for st in [
            Status::Fail,
            Status::Pass,
            Status::Error,
            Status::NotEvaluated,
        ] {
            s.by_status.insert(st.as_str().to_owned(), 0);
        }
        let mut resources = std::collections::HashSet::new();
        for r in report.results {
            resources.insert(r.resource.id.as_str());
            *s.by_status.entry(r.status.as_str().to_owned()).or_default() += 1;
            if r.status == Status::Fail {
                if let Some(rule) = report.rule(&r.rule_id) {
                    *s.failures_by_severity
                        .entry(report.severity(r).as_str().to_owned())
                        .or_default() += 1;
                    *s.failures_by_pack
                        .entry(rule.meta.pack.as_str().to_owned())
                        .or_default() += 1;
                }
            }
        }
        s.resources = resources.len();
        if let Some(o) = report.omitted {
            *s.by_status
                .entry(Status::Pass.as_str().to_owned())
                .or_default() += o.passes;
            s.resources = o.resources;
        }
        for f in report.findings() {
            let id = f.finding_id();
            if report.triage.waiver_for(&id).is_some() {
                s.suppressed += 1;
            }
            if report.triage.is_new(&id) {
                s.new += 1;
            }
        }
        s.fixed = report.triage.fixed.len();
        s
    }

    /// Count of one status.
    pub fn count(&self, status: Status) -> usize {
        self.by_status.get(status.as_str()).copied().unwrap_or(0)
    }
}
