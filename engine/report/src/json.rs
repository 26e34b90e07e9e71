//! Palisade's own JSON report (`"format": "palisade-report"`, `"version": 1`).
//! Field names are stable within a version; additions only. Serialised from
//! borrowed structs straight to text (no intermediate JSON tree), so large
//! scans do not double their memory.

use chrono::{DateTime, Utc};
use palisade_eval::{CheckResult, ResourceRef, Status};
use palisade_triage::{BaselineEntry, BaselineState, Waiver};
use serde::Serialize;

use crate::{GapRow, ReportError, ScanReport, Summary, TOOL_NAME, TOOL_VERSION};

/// The JSON report format version.
pub const REPORT_VERSION: u32 = 1;

#[derive(Serialize)]
struct Doc<'a> {
    format: &'static str,
    version: u32,
    tool: Tool,
    snapshot: SnapshotInfo<'a>,
    rules: RulesInfo,
    summary: Summary,
    gaps: Vec<GapRow<'a>>,
    /// Templates and plans scanned (absent for snapshot-only scans).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    inputs: Vec<Input<'a>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    framework: Option<FrameworkSection<'a>>,
    baseline: Option<BaselineInfo<'a>>,
    waivers: Option<WaiverInfo<'a>>,
    results: Rows<'a>,
}

/// Every result's row, made as it is written (a million rows are never
/// held at once).
struct Rows<'a>(&'a ScanReport<'a>);

impl Serialize for Rows<'_> {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_seq(self.0.results.iter().map(|r| ResultRow::of(self.0, r)))
    }
}

#[derive(Serialize)]
struct Tool {
    name: &'static str,
    version: &'static str,
}

#[derive(Serialize)]
struct SnapshotInfo<'a> {
    uri: &'a str,
    sha256: &'a str,
    scan_time: DateTime<Utc>,
    accounts: Vec<&'a str>,
    /// A scan of several snapshot files: every file (the first is `uri`).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    files: Vec<SnapshotFile<'a>>,
}

#[derive(Serialize)]
struct SnapshotFile<'a> {
    uri: &'a str,
    sha256: &'a str,
}

/// One template or plan: its hash, and the resources no rule covers.
#[derive(Serialize)]
struct Input<'a> {
    uri: &'a str,
    sha256: &'a str,
    origin: &'static str,
    /// Resources the importer read but no rule checks, by type.
    uncovered: std::collections::BTreeMap<&'a str, usize>,
    /// Values that cannot be known before deployment.
    unknown_values: usize,
}

#[derive(Serialize)]
struct RulesInfo {
    count: usize,
    fingerprint: String,
}

#[derive(Serialize)]
struct FrameworkSection<'a> {
    id: &'a str,
    name: &'a str,
    version: &'a str,
    scope: &'a str,
    controls: Vec<crate::framework::ControlResult<'a>>,
}

#[derive(Serialize)]
struct BaselineInfo<'a> {
    source: String,
    fixed: &'a [BaselineEntry],
}

#[derive(Serialize)]
struct WaiverInfo<'a> {
    source: String,
    expired: Vec<ExpiredWaiver<'a>>,
    stale: Vec<&'a Waiver>,
}

#[derive(Serialize)]
struct ExpiredWaiver<'a> {
    #[serde(flatten)]
    waiver: &'a Waiver,
    matching_findings: usize,
}

#[derive(Serialize)]
struct Suppression<'a> {
    reason: &'a str,
    owner: &'a str,
    expires: chrono::NaiveDate,
    waiver_line: usize,
}

#[derive(Serialize)]
struct Location<'a> {
    uri: &'a str,
    line: usize,
    #[serde(skip_serializing_if = "Option::is_none")]
    column: Option<usize>,
}

#[derive(Serialize)]
struct ResultRow<'a> {
    finding_id: String,
    rule_id: &'a str,
    status: Status,
    /// The effective severity (the rule's, or the one a reachability
    /// verdict adjusted it to).
    severity: Option<&'static str>,
    /// The rule's metadata severity, when `severity` differs from it.
    #[serde(skip_serializing_if = "Option::is_none")]
    rule_severity: Option<&'static str>,
    pack: Option<&'static str>,
    title: Option<&'a str>,
    resource: &'a ResourceRef,
    message: Option<&'a str>,
    location: Location<'a>,
    #[serde(skip_serializing_if = "Option::is_none")]
    baseline_state: Option<BaselineState>,
    #[serde(skip_serializing_if = "Option::is_none")]
    suppression: Option<Suppression<'a>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    cost: Option<&'a palisade_rules::CostEstimate>,
    /// The reachability verdict, its reason and the network path (fails of
    /// rules annotated `@exposure`).
    #[serde(skip_serializing_if = "Option::is_none")]
    exposure: Option<&'a palisade_eval::result::Exposure>,
}

impl<'a> ResultRow<'a> {
    /// The row of one result, with its triage (baseline state, waiver).
    fn of(report: &'a ScanReport<'_>, r: &'a CheckResult) -> Self {
        let rule = report.rule(&r.rule_id);
        let fid = r.finding_id();
        let t = report.triage;
        ResultRow {
            baseline_state: t.states.get(&fid).copied(),
            suppression: t.waiver_for(&fid).map(|w| Suppression {
                reason: &w.reason,
                owner: &w.owner,
                expires: w.expires,
                waiver_line: w.line,
            }),
            finding_id: fid,
            rule_id: &r.rule_id,
            status: r.status,
            severity: r
                .effective_severity(report.rule_severity(r))
                .map(palisade_rules::Severity::as_str),
            rule_severity: report
                .adjusted_from(r)
                .map(palisade_rules::Severity::as_str),
            exposure: r.exposure.as_ref(),
            pack: rule.map(|x| x.meta.pack.as_str()),
            title: rule.map(|x| x.meta.title.as_str()),
            resource: &r.resource,
            message: r.message.as_deref(),
            cost: r.cost.as_ref(),
            location: {
                let p = report.place_of(&r.resource);
                Location {
                    uri: p.uri,
                    line: p.line,
                    column: p.column,
                }
            },
        }
    }
}

impl<'a> WaiverInfo<'a> {
    /// The waiver file with its expired and stale waivers, if there is one.
    fn of(report: &'a ScanReport<'_>) -> Option<Self> {
        report.triage.waiver_file.as_ref().map(|p| WaiverInfo {
            source: p.display().to_string(),
            expired: report
                .triage
                .expired
                .iter()
                .filter_map(|(i, n)| {
                    report.triage.waivers.get(*i).map(|w| ExpiredWaiver {
                        waiver: w,
                        matching_findings: *n,
                    })
                })
                .collect(),
            stale: report
                .triage
                .stale
                .iter()
                .filter_map(|i| report.triage.waivers.get(*i))
                .collect(),
        })
    }
}

/// Renders the report as pretty JSON; with `framework`, adds the per-control
/// results of that framework.
pub fn render(
    report: &ScanReport<'_>,
    framework: Option<&palisade_rules::Framework>,
) -> Result<String, ReportError> {
    let mut out = Vec::new();
    write(report, framework, &mut out)?;
    String::from_utf8(out).map_err(|e| ReportError::Render {
        format: "json",
        message: e.to_string(),
    })
}

/// Writes the report (the bytes [`render`] returns) to `w`, each result's
/// row made as it is written.
pub fn write<'a>(
    report: &'a ScanReport<'a>,
    framework: Option<&palisade_rules::Framework>,
    w: &mut dyn std::io::Write,
) -> Result<(), ReportError> {
    let snap = &report.snapshot.snapshot;
    let results = Rows(report);
    let gaps = report
        .gaps()
        .into_iter()
        .map(|(account, g)| GapRow::of(account, g))
        .collect();
    let inputs = report
        .inputs
        .iter()
        .map(|(uri, sha)| {
            let account = snap
                .accounts
                .iter()
                .find(|a| a.origin.is_iac() && a.name.as_deref() == Some(uri.as_str()));
            Input {
                uri,
                sha256: sha,
                origin: account.map_or("unknown", |a| a.origin.as_str()),
                uncovered: account
                    .map(|a| a.uncovered.iter().map(|(k, v)| (k.as_str(), *v)).collect())
                    .unwrap_or_default(),
                unknown_values: account.map_or(0, |a| a.unknowns.len()),
            }
        })
        .collect();
    let doc = Doc {
        format: "palisade-report",
        version: REPORT_VERSION,
        tool: Tool {
            name: TOOL_NAME,
            version: TOOL_VERSION,
        },
        snapshot: SnapshotInfo {
            uri: &report.snapshot_uri,
            sha256: &report.snapshot.sha256,
            scan_time: snap.scan_time,
            accounts: snap
                .accounts
                .iter()
                .map(|a| a.account_id.as_str())
                .collect(),
            files: if report.more_snapshots.is_empty() {
                Vec::new()
            } else {
                std::iter::once((
                    report.snapshot_uri.as_str(),
                    report.snapshot.sha256.as_str(),
                ))
                .chain(
                    report
                        .more_snapshots
                        .iter()
                        .map(|(u, s)| (u.as_str(), s.as_str())),
                )
                .map(|(uri, sha256)| SnapshotFile { uri, sha256 })
                .collect()
            },
        },
        rules: RulesInfo {
            count: report.pack.rules.len(),
            fingerprint: report.pack.fingerprint(),
        },
        summary: report.summary(),
        gaps,
        inputs,
        framework: framework.map(|fw| FrameworkSection {
            id: &fw.id,
            name: &fw.name,
            version: &fw.version,
            scope: &fw.scope,
            controls: crate::framework::controls(report, fw),
        }),
        baseline: report.triage.baseline_file.as_ref().map(|p| BaselineInfo {
            source: p.display().to_string(),
            fixed: &report.triage.fixed,
        }),
        waivers: WaiverInfo::of(report),
        results,
    };
    let error = |e: &dyn std::fmt::Display| ReportError::Render {
        format: "json",
        message: e.to_string(),
    };
    serde_json::to_writer_pretty(&mut *w, &doc).map_err(|e| error(&e))?;
    w.write_all(b"\n").map_err(|e| error(&e))
}

#[cfg(test)]
mod tests {
    use serde_json::Value;

    use crate::testing::Scan;

    #[test]
    fn hostile_strings_round_trip_exactly_through_json() {
        let scan = Scan::hostile();
        let report = scan.report();
        let text = super::render(&report, None).unwrap();
        let doc: Value = serde_json::from_str(&text).expect("valid JSON");
        let rows = doc["results"].as_array().unwrap();
        assert_eq!(rows.len(), scan.results.len());
        for (row, r) in rows.iter().zip(&scan.results) {
            // JSON is data: the consumer escapes. It must carry the exact strings.
            assert_eq!(row["resource"]["id"], r.resource.id.as_str());
            assert_eq!(row["resource"]["name"], r.resource.name.as_str());
            assert_eq!(row["resource"]["region"], r.resource.region.as_str());
            assert_eq!(row["status"], r.status.as_str());
        }
        assert!(rows
            .iter()
            .any(|r| r["resource"]["name"].as_str().unwrap().contains("\u{202E}")));
        let gap = &doc["gaps"][0];
        assert!(gap["api"].as_str().unwrap().contains("<script>"));
        // JSON escapes C0 controls (ESC, BEL, CR, LF) in strings; C1 and
        // bidi characters are legal JSON text and kept exact.
        assert!(!text.chars().any(|c| c.is_ascii_control() && c != '\n'));
    }

    #[test]
    fn summary_counts_are_exact() {
        let scan = Scan::hostile();
        let report = scan.report();
        let doc: Value = serde_json::from_str(&super::render(&report, None).unwrap()).unwrap();
        let count = |s: &str| {
            scan.results
                .iter()
                .filter(|r| r.status.as_str() == s)
                .count()
        };
        for s in ["fail", "pass", "error", "not_evaluated"] {
            assert_eq!(doc["summary"]["by_status"][s], count(s), "{s}");
        }
        assert_eq!(doc["summary"]["gaps"], 1);
        assert_eq!(doc["rules"]["count"], crate::testing::pack().rules.len());
        assert_eq!(doc["format"], "palisade-report");
        assert_eq!(doc["version"], 1);
    }
}
