//! The triage of one scan's findings: which active waiver suppresses each
//! failed result, how each relates to the baseline (new / unchanged /
//! updated), which baseline findings are fixed, and which waivers expired or
//! matched nothing. Reports render it; the [`crate::gate`] decides on it.

use std::collections::{HashMap, HashSet};
use std::path::PathBuf;

use chrono::NaiveDate;
use palisade_eval::{CheckResult, Status};
use palisade_rules::Severity;

use crate::baseline::{Baseline, BaselineEntry, BaselineState};
use crate::waiver::{Waiver, WaiverFile};

/// The triage of one scan's findings.
#[derive(Debug, Clone, Default)]
pub struct Triage {
    /// Baseline state of each current finding (only with a baseline).
    pub states: HashMap<String, BaselineState>,
    /// Finding id -> index of the active waiver suppressing it.
    pub suppressed: HashMap<String, usize>,
    /// Baseline findings not found now.
    pub fixed: Vec<BaselineEntry>,
    /// Expired waivers (index) with how many findings they would match.
    pub expired: Vec<(usize, usize)>,
    /// Active waivers matching no finding.
    pub stale: Vec<usize>,
    /// The waivers.
    pub waivers: Vec<Waiver>,
    /// The waiver file, if any.
    pub waiver_file: Option<PathBuf>,
    /// The baseline file, if any.
    pub baseline_file: Option<PathBuf>,
    /// `updated` findings whose only change is a lower effective severity
    /// (e.g. an exposure now judged not reachable): reported as updated,
    /// but not new for `--fail-on-new` (nothing got worse).
    pub lowered: HashSet<String>,
}

impl Triage {
    /// Applies `waivers` (as of `today`) and `baseline` to the failed results.
    /// `severity_of` gives a rule's severity; a result's own (adjusted)
    /// severity wins over it. A finding whose effective severity differs
    /// from the baseline's is `updated` (never `new`: finding ids depend on
    /// rule and resource only).
    pub fn new(
        results: &[CheckResult],
        severity_of: &dyn Fn(&str) -> Option<Severity>,
        baseline: Option<&Baseline>,
        waivers: Option<&WaiverFile>,
        today: NaiveDate,
    ) -> Self {
        let mut t = Triage {
            waivers: waivers.map(|w| w.waivers.clone()).unwrap_or_default(),
            waiver_file: waivers.map(|w| w.path.clone()),
            baseline_file: baseline.map(|b| b.source.clone()),
            ..Triage::default()
        };
        let mut hits = vec![0usize; t.waivers.len()];
        let mut current = HashSet::new();
        for r in results.iter().filter(|r| r.status == Status::Fail) {
            let id = r.finding_id();
            for (i, w) in t.waivers.iter().enumerate() {
                if w.matches(r) {
                    hits[i] += 1;
                    if !w.expired(today) && !t.suppressed.contains_key(&id) {
                        t.suppressed.insert(id.clone(), i);
                    }
                }
            }
            if let Some(b) = baseline {
                let now = r.effective_severity(severity_of(&r.rule_id));
                let state = match b.entries.get(&id) {
                    None => BaselineState::New,
                    Some(e)
                        if e.severity != now.map_or("", Severity::as_str)
                            || e.name != r.resource.name =>
                    {
                        let was = Severity::parse(&e.severity);
                        if e.name == r.resource.name
                            && matches!((was, now), (Some(was), Some(now)) if now < was)
                        {
                            t.lowered.insert(id.clone());
                        }
                        BaselineState::Updated
                    }
                    Some(_) => BaselineState::Unchanged,
                };
                t.states.insert(id.clone(), state);
            }
            current.insert(id);
        }
        if let Some(b) = baseline {
            t.fixed = b
                .entries
                .values()
                .filter(|e| !current.contains(&e.finding_id))
                .cloned()
                .collect();
        }
        for (i, w) in t.waivers.iter().enumerate() {
            if w.expired(today) {
                t.expired.push((i, hits[i]));
            } else if hits[i] == 0 {
                t.stale.push(i);
            }
        }
        t
    }

    /// True when `r` is a finding (a fail) that no active waiver suppresses.
    pub fn is_open(&self, r: &CheckResult) -> bool {
        r.status == Status::Fail && self.waiver_for(&r.finding_id()).is_none()
    }

    /// The waiver suppressing a finding, if any.
    pub fn waiver_for(&self, finding_id: &str) -> Option<&Waiver> {
        self.suppressed
            .get(finding_id)
            .and_then(|i| self.waivers.get(*i))
    }

    /// True when the finding counts as new for `--fail-on-new` (new, or
    /// updated other than by a lower severity alone; every finding counts
    /// when there is no baseline).
    pub fn is_new(&self, finding_id: &str) -> bool {
        if self.baseline_file.is_none() {
            return true;
        }
        if self.lowered.contains(finding_id) {
            return false;
        }
        matches!(
            self.states.get(finding_id),
            Some(BaselineState::New | BaselineState::Updated) | None
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use palisade_eval::ResourceRef;
    use std::path::Path;

    fn fail(rule: &str, id: &str, tags: &[(&str, &str)]) -> CheckResult {
        CheckResult {
            rule_id: rule.into(),
            status: Status::Fail,
            resource: ResourceRef {
                id: id.into(),
                resource_type: "AWS::EC2::SecurityGroupRule".into(),
                account_id: "111111111111".into(),
                region: "us-east-1".into(),
                name: id.into(),
                tags: tags
                    .iter()
                    .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
                    .collect(),
            },
            message: None,
            cost: None,
            severity: None,
            exposure: None,
        }
    }

    fn date(s: &str) -> NaiveDate {
        NaiveDate::parse_from_str(s, "%Y-%m-%d").expect("date")
    }

    const FILE: &str = r#"
[[waiver]]
rule = "r1"
resource = "arn:aws:ec2:*:111111111111:security-group-rule/sgr-1*"
reason = "bastion, source restricted upstream"
owner = "secops"
expires = 2026-12-31

[[waiver]]
rule = "*"
tags = { env = "sandbox" }
reason = "sandbox account"
owner = "platform"
expires = 2026-06-30

[[waiver]]
rule = "r1"
resource = "arn:nothing"
reason = "old exception"
owner = "secops"
expires = "2027-01-01"
"#;

    #[test]
    fn waivers_suppress_until_expiry_and_report_stale_and_expired() {
        let wf = WaiverFile::parse(Path::new("w.toml"), FILE, &|r| r == "r1" || r == "r2")
            .expect("parse");
        assert_eq!(wf.waivers.len(), 3);
        assert_eq!(wf.waivers[1].line, 9);
        let results = vec![
            fail(
                "r1",
                "arn:aws:ec2:us-east-1:111111111111:security-group-rule/sgr-123",
                &[],
            ),
            fail(
                "r2",
                "arn:aws:ec2:us-east-1:111111111111:security-group-rule/sgr-9",
                &[("env", "sandbox")],
            ),
            fail(
                "r2",
                "arn:aws:ec2:us-east-1:111111111111:security-group-rule/sgr-8",
                &[],
            ),
        ];
        let sev = |_: &str| Some(Severity::High);
        // Before the sandbox waiver expires: two suppressed, third waiver stale.
        let t = Triage::new(&results, &sev, None, Some(&wf), date("2026-06-30"));
        assert_eq!(t.suppressed.len(), 2);
        assert_eq!(t.stale, vec![2]);
        assert!(t.expired.is_empty());
        // The day after: the sandbox waiver stops suppressing and is reported.
        let t = Triage::new(&results, &sev, None, Some(&wf), date("2026-07-01"));
        assert_eq!(t.suppressed.len(), 1);
        assert_eq!(t.expired, vec![(1, 1)]);
    }

    #[test]
    fn baseline_states() {
        let results = vec![
            fail("r1", "a", &[]),
            fail("r1", "b", &[]),
            fail("r2", "c", &[]),
        ];
        let mut b = Baseline {
            source: "prev.json".into(),
            ..Baseline::default()
        };
        for (rule, id, sev) in [
            ("r1", "a", "high"),
            ("r2", "c", "low"),
            ("r1", "gone", "high"),
        ] {
            b.insert(BaselineEntry::new(rule, id, sev.into(), id.into()));
        }
        let t = Triage::new(
            &results,
            &|_| Some(Severity::High),
            Some(&b),
            None,
            date("2026-01-01"),
        );
        assert_eq!(t.states[&results[0].finding_id()], BaselineState::Unchanged);
        assert_eq!(t.states[&results[1].finding_id()], BaselineState::New);
        assert_eq!(t.states[&results[2].finding_id()], BaselineState::Updated);
        assert_eq!(t.fixed.len(), 1);
        assert_eq!(t.fixed[0].resource_id, "gone");
        assert!(!t.is_new(&results[0].finding_id()));
        assert!(t.is_new(&results[1].finding_id()));
    }

    #[test]
    fn an_adjusted_severity_keeps_the_finding_id_and_is_compared_as_effective() {
        let mut b = Baseline {
            source: "prev.json".into(),
            ..Baseline::default()
        };
        // The previous scan recorded the adjusted severities.
        b.insert(BaselineEntry::new("r1", "a", "medium".into(), "a".into()));
        b.insert(BaselineEntry::new("r1", "b", "medium".into(), "b".into()));
        let lowered = CheckResult {
            severity: Some(Severity::Medium),
            ..fail("r1", "a", &[])
        };
        let plain = fail("r1", "b", &[]);
        assert_eq!(lowered.finding_id(), fail("r1", "a", &[]).finding_id());
        let results = vec![lowered, plain];
        let t = Triage::new(
            &results,
            &|_| Some(Severity::High),
            Some(&b),
            None,
            date("2026-01-01"),
        );
        // Same effective severity: unchanged. The rule's own severity now
        // (high, no verdict) differs from the recorded medium: updated, not new.
        assert_eq!(t.states[&results[0].finding_id()], BaselineState::Unchanged);
        assert_eq!(t.states[&results[1].finding_id()], BaselineState::Updated);
        assert!(t.fixed.is_empty());
    }

    #[test]
    fn a_finding_whose_severity_only_went_down_is_updated_but_not_new_for_the_gate() {
        let mut b = Baseline {
            source: "prev.json".into(),
            ..Baseline::default()
        };
        b.insert(BaselineEntry::new("r1", "a", "high".into(), "a".into()));
        b.insert(BaselineEntry::new("r1", "b", "high".into(), "b".into()));
        b.insert(BaselineEntry::new("r1", "c", "medium".into(), "c".into()));
        // a: judged not reachable now (high -> medium); b: lowered but also
        // renamed; c: judged reachable now (medium -> high).
        let results = vec![
            CheckResult {
                severity: Some(Severity::Medium),
                ..fail("r1", "a", &[])
            },
            CheckResult {
                severity: Some(Severity::Medium),
                resource: ResourceRef {
                    name: "renamed".into(),
                    ..fail("r1", "b", &[]).resource
                },
                ..fail("r1", "b", &[])
            },
            CheckResult {
                severity: Some(Severity::High),
                ..fail("r1", "c", &[])
            },
        ];
        let t = Triage::new(
            &results,
            &|_| Some(Severity::High),
            Some(&b),
            None,
            date("2026-01-01"),
        );
        for r in &results {
            assert_eq!(
                t.states[&r.finding_id()],
                BaselineState::Updated,
                "{}",
                r.resource.id
            );
        }
        assert!(!t.is_new(&results[0].finding_id()), "only lower: not new");
        assert!(
            t.is_new(&results[1].finding_id()),
            "renamed too: new as before"
        );
        assert!(t.is_new(&results[2].finding_id()), "raised: new");
    }
}
