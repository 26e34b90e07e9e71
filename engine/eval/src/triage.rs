//! Triage of findings after evaluation: waivers (with owner, reason and an
//! expiry date) and baselines (new / unchanged / updated / absent). The CLI
//! computes its exit code from the result.

use std::collections::{BTreeMap, HashMap};
use std::path::{Path, PathBuf};

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use crate::facts::wildcard::wildcard_match;
use crate::result::{CheckResult, Status};

/// How a finding relates to the baseline.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum BaselineState {
    /// Not in the baseline.
    New,
    /// In the baseline, unchanged.
    Unchanged,
    /// In the baseline with a different severity or resource name.
    Updated,
    /// In the baseline, not found now (fixed or gone).
    Absent,
}

impl BaselineState {
    /// SARIF `baselineState` value.
    pub fn as_str(self) -> &'static str {
        match self {
            BaselineState::New => "new",
            BaselineState::Unchanged => "unchanged",
            BaselineState::Updated => "updated",
            BaselineState::Absent => "absent",
        }
    }
}

/// A finding recorded in a baseline report.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct BaselineEntry {
    /// Stable finding id.
    pub finding_id: String,
    /// Rule id.
    pub rule_id: String,
    /// Resource id.
    pub resource_id: String,
    /// Severity when recorded.
    pub severity: String,
    /// Resource name when recorded.
    pub name: String,
}

/// The findings of a previous report.
#[derive(Debug, Clone, Default)]
pub struct Baseline {
    /// The report file.
    pub source: PathBuf,
    /// Findings by finding id.
    pub entries: BTreeMap<String, BaselineEntry>,
}

/// Errors in a waiver file.
#[derive(Debug, thiserror::Error)]
pub enum TriageError {
    /// The file could not be read.
    #[error("{path}: {source}")]
    Io {
        /// The file.
        path: PathBuf,
        /// Underlying error.
        source: std::io::Error,
    },
    /// The file is invalid.
    #[error("{path}:{line}: {message}")]
    Invalid {
        /// The file.
        path: PathBuf,
        /// 1-based line (0 if unknown).
        line: usize,
        /// What is wrong.
        message: String,
    },
}

/// One waiver: which findings it suppresses, why, who owns it, until when.
#[derive(Debug, Clone, Serialize)]
pub struct Waiver {
    /// Rule id, or `*` for every rule.
    pub rule: String,
    /// Glob over the resource id (ARN).
    pub resource: Option<String>,
    /// Account id.
    pub account: Option<String>,
    /// Region.
    pub region: Option<String>,
    /// Tags the resource (or its owner) must carry.
    pub tags: BTreeMap<String, String>,
    /// Justification.
    pub reason: String,
    /// Owner (person or team).
    pub owner: String,
    /// Last day the waiver applies (inclusive).
    pub expires: NaiveDate,
    /// Line of the waiver in its file.
    pub line: usize,
}

impl Waiver {
    /// True when the waiver's selectors match the result.
    pub fn matches(&self, r: &CheckResult) -> bool {
        (self.rule == "*" || self.rule == r.rule_id)
            && self
                .resource
                .as_deref()
                .is_none_or(|p| wildcard_match(p, &r.resource.id))
            && self
                .account
                .as_deref()
                .is_none_or(|a| a == r.resource.account_id)
            && self
                .region
                .as_deref()
                .is_none_or(|g| g == r.resource.region)
            && self
                .tags
                .iter()
                .all(|(k, v)| r.resource.tags.get(k) == Some(v))
    }

    /// True when the waiver has expired on `today`.
    pub fn expired(&self, today: NaiveDate) -> bool {
        today > self.expires
    }
}

/// A parsed waiver file.
#[derive(Debug, Clone, Default)]
pub struct WaiverFile {
    /// The file.
    pub path: PathBuf,
    /// Waivers in file order.
    pub waivers: Vec<Waiver>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawFile {
    #[serde(default)]
    waiver: Vec<toml::Spanned<RawWaiver>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawWaiver {
    rule: String,
    #[serde(default)]
    resource: Option<String>,
    #[serde(default)]
    account: Option<String>,
    #[serde(default)]
    region: Option<String>,
    #[serde(default)]
    tags: BTreeMap<String, String>,
    reason: String,
    owner: String,
    expires: toml::Value,
}

fn line_of(text: &str, offset: usize) -> usize {
    text.as_bytes()[..offset.min(text.len())]
        .iter()
        .filter(|b| **b == b'\n')
        .count()
        + 1
}

impl WaiverFile {
    /// Reads and validates a waiver file. `rule_exists` rejects unknown rule ids.
    pub fn load(path: &Path, rule_exists: &dyn Fn(&str) -> bool) -> Result<Self, TriageError> {
        let text = std::fs::read_to_string(path).map_err(|source| TriageError::Io {
            path: path.to_owned(),
            source,
        })?;
        Self::parse(path, &text, rule_exists)
    }

    /// Parses waiver text; `path` is used in errors.
    pub fn parse(
        path: &Path,
        text: &str,
        rule_exists: &dyn Fn(&str) -> bool,
    ) -> Result<Self, TriageError> {
        let invalid = |line: usize, message: String| TriageError::Invalid {
            path: path.to_owned(),
            line,
            message,
        };
        let raw: RawFile = toml::from_str(text).map_err(|e| {
            let line = e.span().map(|s| line_of(text, s.start)).unwrap_or(0);
            invalid(line, e.message().to_owned())
        })?;
        let mut waivers = Vec::new();
        for spanned in raw.waiver {
            let line = line_of(text, spanned.span().start);
            let w = spanned.into_inner();
            for (field, value) in [
                ("reason", &w.reason),
                ("owner", &w.owner),
                ("rule", &w.rule),
            ] {
                if value.trim().is_empty() {
                    return Err(invalid(line, format!("waiver `{field}` must not be empty")));
                }
            }
            if w.rule != "*" && !rule_exists(&w.rule) {
                return Err(invalid(
                    line,
                    format!("waiver names unknown rule {:?}", w.rule),
                ));
            }
            if w.resource.is_none()
                && w.account.is_none()
                && w.region.is_none()
                && w.tags.is_empty()
            {
                return Err(invalid(
                    line,
                    "waiver needs at least one of `resource`, `account`, `region` or `tags` (use resource = \"*\" to waive a rule everywhere)".into(),
                ));
            }
            let expires = match &w.expires {
                toml::Value::Datetime(d) => d.to_string(),
                toml::Value::String(s) => s.clone(),
                other => {
                    return Err(invalid(
                        line,
                        format!("`expires` must be a date like 2026-12-31, found {other}"),
                    ))
                }
            };
            let expires =
                NaiveDate::parse_from_str(expires.get(..10).unwrap_or(&expires), "%Y-%m-%d")
                    .map_err(|e| {
                        invalid(
                            line,
                            format!("`expires` {expires:?} is not a date (YYYY-MM-DD): {e}"),
                        )
                    })?;
            waivers.push(Waiver {
                rule: w.rule,
                resource: w.resource,
                account: w.account,
                region: w.region,
                tags: w.tags,
                reason: w.reason,
                owner: w.owner,
                expires,
                line,
            });
        }
        Ok(Self {
            path: path.to_owned(),
            waivers,
        })
    }
}

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
}

impl Triage {
    /// Applies `waivers` (as of `today`) and `baseline` to the failed results.
    /// `severity_of` gives a rule's severity name.
    pub fn new(
        results: &[CheckResult],
        severity_of: &dyn Fn(&str) -> String,
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
        let mut current = std::collections::HashSet::new();
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
                let state = match b.entries.get(&id) {
                    None => BaselineState::New,
                    Some(e)
                        if e.severity != severity_of(&r.rule_id) || e.name != r.resource.name =>
                    {
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

    /// The waiver suppressing a finding, if any.
    pub fn waiver_for(&self, finding_id: &str) -> Option<&Waiver> {
        self.suppressed
            .get(finding_id)
            .and_then(|i| self.waivers.get(*i))
    }

    /// True when the finding counts as new for `--fail-on-new` (new or
    /// updated; every finding counts when there is no baseline).
    pub fn is_new(&self, finding_id: &str) -> bool {
        if self.baseline_file.is_none() {
            return true;
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
    use crate::result::ResourceRef;

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
        let sev = |_: &str| "high".to_owned();
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
    fn bad_waivers_name_the_line() {
        let ok = |_: &str| true;
        let missing_owner =
            "[[waiver]]\nrule = \"r1\"\nresource = \"*\"\nreason = \"x\"\nexpires = 2026-01-01\n";
        let e =
            WaiverFile::parse(Path::new("w.toml"), missing_owner, &ok).expect_err("owner required");
        assert!(e.to_string().starts_with("w.toml:1:"), "{e}");
        let unknown_rule = "\n[[waiver]]\nrule = \"nope\"\nresource = \"*\"\nreason = \"x\"\nowner = \"o\"\nexpires = 2026-01-01\n";
        let e = WaiverFile::parse(Path::new("w.toml"), unknown_rule, &|r| r == "r1")
            .expect_err("unknown rule");
        assert!(
            e.to_string().starts_with("w.toml:2:") && e.to_string().contains("nope"),
            "{e}"
        );
        let bad_date = "[[waiver]]\nrule = \"r1\"\nresource = \"*\"\nreason = \"x\"\nowner = \"o\"\nexpires = \"soon\"\n";
        assert!(WaiverFile::parse(Path::new("w.toml"), bad_date, &ok).is_err());
        let blanket =
            "[[waiver]]\nrule = \"r1\"\nreason = \"x\"\nowner = \"o\"\nexpires = 2026-01-01\n";
        assert!(WaiverFile::parse(Path::new("w.toml"), blanket, &ok).is_err());
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
            let fid = crate::result::finding_id(rule, id);
            b.entries.insert(
                fid.clone(),
                BaselineEntry {
                    finding_id: fid,
                    rule_id: rule.into(),
                    resource_id: id.into(),
                    severity: sev.into(),
                    name: id.into(),
                },
            );
        }
        let t = Triage::new(
            &results,
            &|_| "high".to_owned(),
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
}
