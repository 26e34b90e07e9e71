//! Palisade reports: SARIF 2.1.0 (GitHub code scanning compatible), our own
//! versioned JSON, and a human table with summaries by severity and pack.
//!
//! Every renderer works from one [`ScanReport`]: the evaluation results joined
//! with rule metadata and the snapshot's provenance. Strings that came from
//! the cloud are escaped for each output ([`escape`]). Waivers and baselines
//! are applied before rendering, by `palisade-triage`.

pub mod asff;
pub mod digest;
pub mod escape;
pub mod evidence;
#[cfg(test)]
mod exposure_tests;
pub mod framework;
pub mod html;
pub mod json;
pub mod junit;
pub mod ocsf;
pub mod sarif;
pub mod summary;
pub mod table;
#[cfg(test)]
mod testing;

use palisade_eval::{CheckResult, Status};
use palisade_model::source::Locations;
use palisade_model::{CoverageRecord, LoadedSnapshot};
use palisade_rules::{Rule, RulePack, Severity};
use palisade_triage::Triage;

pub use summary::Summary;

/// The version of the tool, embedded in every report.
pub const TOOL_VERSION: &str = env!("CARGO_PKG_VERSION");
/// The tool name.
pub const TOOL_NAME: &str = "palisade";

/// Errors from rendering.
#[derive(Debug, thiserror::Error)]
pub enum ReportError {
    /// Serialisation failed.
    #[error("rendering {format}: {message}")]
    Render {
        /// Output format.
        format: &'static str,
        /// What went wrong.
        message: String,
    },
}

/// Everything a renderer needs about one scan.
pub struct ScanReport<'a> {
    /// The snapshot scanned.
    pub snapshot: &'a LoadedSnapshot,
    /// The rules evaluated.
    pub pack: &'a RulePack,
    /// All results, sorted by rule id then resource id.
    pub results: &'a [CheckResult],
    /// How the snapshot path should appear in reports (relative, `/`-separated).
    pub snapshot_uri: String,
    /// Waivers and baseline applied to the findings.
    pub triage: &'a Triage,
    /// Where IaC resources are written (every IaC account's locations).
    pub locations: Locations,
    /// The IaC files scanned besides the snapshot: (uri, hex SHA-256).
    pub inputs: Vec<(String, String)>,
    /// Results a streamed scan counted but did not keep (`None`: `results`
    /// holds every result).
    pub omitted: Option<Omitted>,
    /// A scan of several snapshot files: the files after the first, as
    /// (uri, hex SHA-256).
    pub more_snapshots: Vec<(String, String)>,
    /// A scan of several snapshot files: the file each account came from
    /// (0: [`ScanReport::snapshot`], `i`: `more_snapshots[i - 1]`).
    pub account_files: std::collections::BTreeMap<String, usize>,
}

/// What a streamed scan counted of the results it did not keep: the passes,
/// for reports that list none (SARIF), and the distinct resources of all
/// results, kept or not.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Omitted {
    /// Passes counted but not kept.
    pub passes: usize,
    /// Distinct resource ids with at least one result (kept or not).
    pub resources: usize,
}

/// One coverage gap as the JSON report and the evidence manifest list it.
#[derive(Debug, Clone, serde::Serialize)]
pub struct GapRow<'a> {
    /// The account.
    pub account_id: &'a str,
    /// The service (`iam`, `ec2`, ...).
    pub service: &'a str,
    /// The region, or `global`.
    pub region: &'a str,
    /// The API operation that failed (`(none)`: the service never reported).
    pub api: &'a str,
    /// The error, when one was recorded.
    pub error: Option<&'a str>,
}

impl<'a> GapRow<'a> {
    /// The row of `account_id`'s coverage record `c`.
    pub fn of(account_id: &'a str, c: &'a CoverageRecord) -> Self {
        GapRow {
            account_id,
            service: &c.service,
            region: &c.region,
            api: &c.api,
            error: c.error.as_deref(),
        }
    }
}

/// Where a result points: a file, a line and, when known, a column.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Place<'a> {
    /// The file (repository-relative when possible, `/`-separated).
    pub uri: &'a str,
    /// 1-based line.
    pub line: usize,
    /// 1-based column.
    pub column: Option<usize>,
}

impl<'a> ScanReport<'a> {
    /// A report over `results`.
    pub fn new(
        snapshot: &'a LoadedSnapshot,
        pack: &'a RulePack,
        results: &'a [CheckResult],
        triage: &'a Triage,
    ) -> Self {
        let uri = snapshot.path.to_string_lossy().replace('\\', "/");
        let uri = uri.strip_prefix("./").unwrap_or(&uri).to_owned();
        let mut locations = Locations::new();
        for a in &snapshot.snapshot.accounts {
            locations.extend(a.locations.iter().map(|(k, v)| (k.clone(), v.clone())));
        }
        Self {
            snapshot,
            pack,
            results,
            snapshot_uri: uri,
            triage,
            locations,
            inputs: Vec::new(),
            omitted: None,
            more_snapshots: Vec::new(),
            account_files: Default::default(),
        }
    }

    /// For a scan of several snapshot files: the files after the first and
    /// which file each account came from (results point into their file).
    pub fn with_snapshots(
        mut self,
        more: Vec<(String, String)>,
        account_files: std::collections::BTreeMap<String, usize>,
    ) -> Self {
        self.more_snapshots = more;
        self.account_files = account_files;
        self
    }

    /// The uri of the snapshot file that holds `account`.
    pub fn snapshot_uri_of(&self, account: &str) -> &str {
        match self.account_files.get(account) {
            Some(&i) if i > 0 => self
                .more_snapshots
                .get(i - 1)
                .map_or(self.snapshot_uri.as_str(), |(uri, _)| uri.as_str()),
            _ => &self.snapshot_uri,
        }
    }

    /// Marks `results` as the kept part of a streamed scan's results: the
    /// summary adds what `omitted` counted.
    pub fn with_omitted(mut self, omitted: Omitted) -> Self {
        self.omitted = Some(omitted);
        self
    }

    /// The IaC files scanned besides the snapshot, as (uri, hex SHA-256),
    /// listed as artifacts of the run.
    pub fn with_inputs(mut self, inputs: Vec<(String, String)>) -> Self {
        self.inputs = inputs;
        self
    }

    /// Where a result points: for a resource from a template or plan, the
    /// file, line and column of the resource or of the exact property
    /// (a security group rule's CIDR, a statement's `Action`); otherwise the
    /// snapshot file and the line where the resource starts.
    pub fn place_of(&self, resource: &palisade_eval::ResourceRef) -> Place<'_> {
        match palisade_model::source::locate(&self.locations, &resource.id) {
            Some(l) => Place {
                uri: &l.uri,
                line: l.line,
                column: l.column,
            },
            None => match self.inputs.iter().find(|(uri, _)| {
                resource
                    .id
                    .strip_prefix(uri.as_str())
                    .is_some_and(|rest| rest.starts_with('#'))
            }) {
                // A part of a template or plan without a place of its own:
                // its file.
                Some((uri, _)) => Place {
                    uri,
                    line: 1,
                    column: None,
                },
                None => Place {
                    uri: self.snapshot_uri_of(&resource.account_id),
                    line: self.line_of(resource),
                    column: None,
                },
            },
        }
    }

    /// The metadata of a result's rule.
    pub fn rule(&self, id: &str) -> Option<&'a Rule> {
        self.pack.rule(id)
    }

    /// The effective severity of a result: its own when its reachability
    /// verdict adjusted it, else its rule's (info if unknown). Every
    /// renderer reports this one.
    pub fn severity(&self, r: &CheckResult) -> Severity {
        r.effective_severity(self.rule_severity(r))
            .unwrap_or(Severity::Info)
    }

    /// The metadata severity of a result's rule, when the rule is known.
    pub fn rule_severity(&self, r: &CheckResult) -> Option<Severity> {
        self.rule(&r.rule_id).map(|x| x.meta.severity)
    }

    /// The rule's metadata severity when the result's effective severity
    /// differs from it (a reachability verdict adjusted it), else `None`.
    pub fn adjusted_from(&self, r: &CheckResult) -> Option<Severity> {
        let rule = self.rule_severity(r)?;
        (r.severity.is_some_and(|s| s != rule)).then_some(rule)
    }

    /// Failed results, waived ones included.
    pub fn findings(&self) -> impl Iterator<Item = &'a CheckResult> {
        self.results.iter().filter(|r| r.status == Status::Fail)
    }

    /// Failed results that no active waiver suppresses.
    pub fn open_findings(&self) -> impl Iterator<Item = &'a CheckResult> + '_ {
        self.findings().filter(|r| self.triage.is_open(r))
    }

    /// Coverage gaps of the snapshot, with account ids.
    pub fn gaps(&self) -> Vec<(&'a str, &'a CoverageRecord)> {
        self.snapshot.snapshot.gaps().collect()
    }

    /// The line where a resource starts in the snapshot file (1 if unknown).
    pub fn line_of(&self, resource: &palisade_eval::ResourceRef) -> usize {
        self.snapshot
            .lines
            .line_of(&resource.account_id, &resource.id)
            .unwrap_or(1)
    }

    /// Counts by status, severity and pack.
    pub fn summary(&self) -> Summary {
        Summary::of(self)
    }
}
