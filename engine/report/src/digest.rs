//! Summaries a person reads: a list of findings (new since the last scan,
//! fixed since it) sorted by severity (critical first), grouped by rule with
//! counts, and capped with "and N more" so the most severe ones are never
//! the ones cut; and the per-framework pass-rate trend over recorded scans.
//!
//! The nightly Markdown (`palisade history --markdown`), `palisade diff` and
//! the HTML report's history section all render from these types, so they
//! always agree on order and counts.

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use palisade_rules::Severity;
use serde::Serialize;

/// One finding to summarise.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DigestFinding {
    /// Severity of its rule.
    pub severity: Severity,
    /// Rule id.
    pub rule_id: String,
    /// Resource id.
    pub resource_id: String,
    /// Suppressed by a waiver.
    pub suppressed: bool,
}

/// The findings of one rule.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RuleGroup {
    /// Rule id.
    pub rule_id: String,
    /// Severity of the rule.
    pub severity: Severity,
    /// Findings of the rule (all of them, listed or not).
    pub count: usize,
    /// Of those, suppressed by a waiver.
    pub suppressed: usize,
    /// The first resources, sorted (at most the cap given to [`Digest::of`]).
    pub resources: Vec<String>,
    /// Resources not listed.
    pub more_resources: usize,
}

/// Findings sorted by severity, grouped by rule and capped.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Digest {
    /// Findings in all, listed or not.
    pub total: usize,
    /// Findings by severity name (every finding, listed or not).
    pub by_severity: BTreeMap<&'static str, usize>,
    /// Groups, most severe first, then most findings, then rule id.
    pub groups: Vec<RuleGroup>,
    /// Rules not listed (beyond the group cap).
    pub more_groups: usize,
    /// Findings of the rules not listed.
    pub more_findings: usize,
}

impl Digest {
    /// Groups `findings` by rule, most severe rule first (ties: more
    /// findings first, then rule id), keeping at most `max_groups` rules and
    /// `max_resources` resources per rule. Nothing is dropped silently: the
    /// counts cover every finding.
    pub fn of(
        findings: impl IntoIterator<Item = DigestFinding>,
        max_groups: usize,
        max_resources: usize,
    ) -> Self {
        let mut by_rule: BTreeMap<String, (Severity, usize, Vec<String>)> = BTreeMap::new();
        let mut by_severity: BTreeMap<&'static str, usize> = BTreeMap::new();
        let mut total = 0;
        for f in findings {
            total += 1;
            *by_severity.entry(f.severity.as_str()).or_default() += 1;
            let e = by_rule
                .entry(f.rule_id)
                .or_insert((f.severity, 0, Vec::new()));
            // A rule's findings can differ in severity (between scans, or by
            // their reachability verdict): the highest wins.
            e.0 = e.0.max(f.severity);
            e.1 += usize::from(f.suppressed);
            e.2.push(f.resource_id);
        }
        let mut groups: Vec<RuleGroup> = by_rule
            .into_iter()
            .map(|(rule_id, (severity, suppressed, mut resources))| {
                resources.sort_unstable();
                let count = resources.len();
                let more_resources = count.saturating_sub(max_resources);
                resources.truncate(max_resources);
                RuleGroup {
                    rule_id,
                    severity,
                    count,
                    suppressed,
                    resources,
                    more_resources,
                }
            })
            .collect();
        groups.sort_by(|a, b| {
            b.severity
                .cmp(&a.severity)
                .then(b.count.cmp(&a.count))
                .then_with(|| a.rule_id.cmp(&b.rule_id))
        });
        let cut = groups.split_off(max_groups.min(groups.len()));
        Digest {
            total,
            by_severity,
            groups,
            more_groups: cut.len(),
            more_findings: cut.iter().map(|g| g.count).sum(),
        }
    }
}

/// Control outcomes of one framework in one recorded scan.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct TrendPoint {
    /// History scan id.
    pub scan_id: i64,
    /// The snapshot's scan time.
    pub scan_time: DateTime<Utc>,
    /// Controls that passed.
    pub pass: usize,
    /// Controls that failed.
    pub fail: usize,
    /// Controls that could not be evaluated.
    pub not_evaluated: usize,
    /// Controls with no resource in scope.
    pub not_applicable: usize,
    /// Controls assessed by a person.
    pub manual: usize,
}

impl TrendPoint {
    /// Passed controls over the controls Palisade assessed (pass, fail and
    /// not evaluated: a control that could not be evaluated counts against
    /// the rate, never for it); `None` when there were none.
    pub fn pass_rate(&self) -> Option<f64> {
        let assessed = self.pass + self.fail + self.not_evaluated;
        (assessed > 0).then(|| self.pass as f64 / assessed as f64)
    }
}

/// One framework's control outcomes over the recorded scans, oldest first.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct FrameworkTrend {
    /// Framework id, e.g. `cis-aws-6.0`.
    pub framework_id: String,
    /// One point per recorded scan that evaluated the framework.
    pub points: Vec<TrendPoint>,
}

/// What changed since the previous recorded scan, and the trend: the
/// nightly summary, as the HTML report shows it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct HistorySection {
    /// The scan summarised.
    pub scan_id: i64,
    /// Its scan time.
    pub scan_time: DateTime<Utc>,
    /// The scan compared with (none for the first recorded scan).
    pub previous_scan_id: Option<i64>,
    /// Findings new since the previous scan.
    pub new: Digest,
    /// Findings fixed since the previous scan.
    pub fixed: Digest,
    /// Per-framework control outcomes over the recorded scans.
    pub trends: Vec<FrameworkTrend>,
}

#[cfg(test)]
mod tests {
    use super::*;

    fn f(sev: Severity, rule: &str, res: &str) -> DigestFinding {
        DigestFinding {
            severity: sev,
            rule_id: rule.into(),
            resource_id: res.into(),
            suppressed: false,
        }
    }

    #[test]
    fn severe_rules_come_first_and_are_never_the_ones_cut() {
        // Storage order puts 2,400 low findings before a dozen high ones.
        let mut items: Vec<_> = (0..2400)
            .map(|i| {
                f(
                    Severity::Low,
                    &format!("low-{}", i % 30),
                    &format!("r{i:05}"),
                )
            })
            .collect();
        items.extend((0..12).map(|i| f(Severity::High, "high-a", &format!("h{i:02}"))));
        items.push(f(Severity::Critical, "crit", "root"));
        let d = Digest::of(items, 10, 5);
        assert_eq!(d.total, 2413);
        assert_eq!(d.groups[0].rule_id, "crit");
        assert_eq!(d.groups[1].rule_id, "high-a");
        assert_eq!(d.groups[1].count, 12);
        assert_eq!(d.groups[1].resources, ["h00", "h01", "h02", "h03", "h04"]);
        assert_eq!(d.groups[1].more_resources, 7);
        assert_eq!(d.groups.len(), 10);
        assert_eq!(d.more_groups, 22);
        let listed: usize = d.groups.iter().map(|g| g.count).sum();
        assert_eq!(listed + d.more_findings, d.total);
        assert_eq!(d.by_severity["low"], 2400);
    }

    #[test]
    fn ties_order_by_count_then_rule_id() {
        let d = Digest::of(
            [
                f(Severity::Medium, "b", "1"),
                f(Severity::Medium, "a", "1"),
                f(Severity::Medium, "c", "1"),
                f(Severity::Medium, "c", "2"),
            ],
            10,
            10,
        );
        let ids: Vec<_> = d.groups.iter().map(|g| g.rule_id.as_str()).collect();
        assert_eq!(ids, ["c", "a", "b"]);
        assert_eq!((d.more_groups, d.more_findings), (0, 0));
    }

    #[test]
    fn pass_rate_counts_not_evaluated_against_and_ignores_manual() {
        let p = TrendPoint {
            scan_id: 1,
            scan_time: DateTime::default(),
            pass: 6,
            fail: 2,
            not_evaluated: 2,
            not_applicable: 5,
            manual: 9,
        };
        assert_eq!(p.pass_rate(), Some(0.6));
        let none = TrendPoint {
            pass: 0,
            fail: 0,
            not_evaluated: 0,
            ..p
        };
        assert_eq!(none.pass_rate(), None);
    }
}
