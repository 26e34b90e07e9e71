//! Palisade's own JSON report (`"format": "palisade-report"`, `"version": 1`).
//! Field names are stable within a version; additions only. Serialised from
//! borrowed structs straight to text (no intermediate JSON tree), so large
//! scans do not double their memory.

use chrono::{DateTime, Utc};
use palisade_eval::{ResourceRef, Status};
use serde::Serialize;

use crate::{ReportError, ScanReport, Summary, TOOL_NAME, TOOL_VERSION};

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
    gaps: Vec<Gap<'a>>,
    results: Vec<ResultRow<'a>>,
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
}

#[derive(Serialize)]
struct RulesInfo {
    count: usize,
    fingerprint: String,
}

#[derive(Serialize)]
struct Gap<'a> {
    account_id: &'a str,
    service: &'a str,
    region: &'a str,
    api: &'a str,
    error: Option<&'a str>,
}

#[derive(Serialize)]
struct Location<'a> {
    uri: &'a str,
    line: usize,
}

#[derive(Serialize)]
struct ResultRow<'a> {
    finding_id: String,
    rule_id: &'a str,
    status: Status,
    severity: Option<&'static str>,
    pack: Option<&'static str>,
    title: Option<&'a str>,
    resource: &'a ResourceRef,
    message: Option<&'a str>,
    location: Location<'a>,
}

/// Renders the report as pretty JSON.
pub fn render(report: &ScanReport<'_>) -> Result<String, ReportError> {
    let snap = &report.snapshot.snapshot;
    let results = report
        .results
        .iter()
        .map(|r| {
            let rule = report.rule(&r.rule_id);
            ResultRow {
                finding_id: r.finding_id(),
                rule_id: &r.rule_id,
                status: r.status,
                severity: rule.map(|x| x.meta.severity.as_str()),
                pack: rule.map(|x| x.meta.pack.as_str()),
                title: rule.map(|x| x.meta.title.as_str()),
                resource: &r.resource,
                message: r.message.as_deref(),
                location: Location {
                    uri: &report.snapshot_uri,
                    line: report.line_of(&r.resource),
                },
            }
        })
        .collect();
    let gaps = report
        .gaps()
        .into_iter()
        .map(|(account, g)| Gap {
            account_id: account,
            service: &g.service,
            region: &g.region,
            api: &g.api,
            error: g.error.as_deref(),
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
        },
        rules: RulesInfo {
            count: report.pack.rules.len(),
            fingerprint: report.pack.fingerprint(),
        },
        summary: report.summary(),
        gaps,
        results,
    };
    let mut text = serde_json::to_string_pretty(&doc).map_err(|e| ReportError::Render {
        format: "json",
        message: e.to_string(),
    })?;
    text.push('\n');
    Ok(text)
}
