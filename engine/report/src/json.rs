//! Palisade's own JSON report (`"format": "palisade-report"`, `"version": 1`).
//! Field names are stable within a version; additions only.

use serde_json::{json, Value};

use crate::{ReportError, ScanReport, TOOL_NAME, TOOL_VERSION};

/// The JSON report format version.
pub const REPORT_VERSION: u32 = 1;

/// Renders the report as pretty JSON.
pub fn render(report: &ScanReport<'_>) -> Result<String, ReportError> {
    let snap = &report.snapshot.snapshot;
    let results: Vec<Value> = report
        .results
        .iter()
        .map(|r| {
            let rule = report.rule(&r.rule_id);
            json!({
                "finding_id": r.finding_id(),
                "rule_id": r.rule_id,
                "status": r.status,
                "severity": rule.map(|x| x.meta.severity.as_str()),
                "pack": rule.map(|x| x.meta.pack.as_str()),
                "title": rule.map(|x| x.meta.title.as_str()),
                "resource": r.resource,
                "message": r.message,
                "location": { "uri": report.snapshot_uri, "line": report.line_of(&r.resource) },
            })
        })
        .collect();
    let gaps: Vec<Value> = report
        .gaps()
        .into_iter()
        .map(|(account, g)| json!({ "account_id": account, "service": g.service, "region": g.region, "api": g.api, "error": g.error }))
        .collect();
    let doc = json!({
        "format": "palisade-report",
        "version": REPORT_VERSION,
        "tool": { "name": TOOL_NAME, "version": TOOL_VERSION },
        "snapshot": {
            "uri": report.snapshot_uri,
            "sha256": report.snapshot.sha256,
            "scan_time": snap.scan_time,
            "accounts": snap.accounts.iter().map(|a| &a.account_id).collect::<Vec<_>>(),
        },
        "rules": { "count": report.pack.rules.len(), "fingerprint": report.pack.fingerprint() },
        "summary": report.summary(),
        "gaps": gaps,
        "results": results,
    });
    let mut text = serde_json::to_string_pretty(&doc).map_err(|e| ReportError::Render {
        format: "json",
        message: e.to_string(),
    })?;
    text.push('\n');
    Ok(text)
}
