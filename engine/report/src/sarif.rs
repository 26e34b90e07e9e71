//! SARIF 2.1.0 output that GitHub code scanning accepts: rules with help text,
//! `security-severity` and tags; every result with a physical location (the
//! snapshot file and the line where the resource starts) and a logical
//! location (the resource id/ARN); `partialFingerprints` from the stable
//! finding id; one run per category (`runAutomationDetails`). A result
//! with a reachability verdict carries its network path as a code flow and
//! as related locations, and `properties.reachability`; a result whose
//! verdict adjusted its severity has the adjusted `level`. Errors and
//! coverage gaps are tool execution notifications, and mark the invocation
//! unsuccessful.

use std::collections::BTreeMap;

use palisade_eval::{CheckResult, Status};
use palisade_rules::{Rule, Severity};
use palisade_triage::Waiver;
use serde_json::{json, Value};

use crate::escape::markdown;
use crate::{ReportError, ScanReport, TOOL_NAME, TOOL_VERSION};

/// GitHub keeps at most this many results per run.
pub const GITHUB_MAX_RESULTS: usize = 25_000;

/// SARIF options.
#[derive(Debug, Clone)]
pub struct SarifOptions {
    /// `runAutomationDetails.id` category prefix (e.g. `palisade/prod`).
    pub category: String,
    /// Leave waived findings out (GitHub code scanning ignores SARIF
    /// suppressions and would show them as open alerts).
    pub omit_suppressed: bool,
}

impl Default for SarifOptions {
    fn default() -> Self {
        Self {
            category: "palisade".into(),
            omit_suppressed: false,
        }
    }
}

/// A region as it comes (`eu-west-1`), or Markdown-escaped when it holds
/// anything but letters, digits and dashes: the snapshot is untrusted.
fn markdown_if_needed(s: &str) -> std::borrow::Cow<'_, str> {
    if s.chars().all(|c| c.is_ascii_alphanumeric() || c == '-') {
        std::borrow::Cow::Borrowed(s)
    } else {
        std::borrow::Cow::Owned(markdown(s))
    }
}

fn level(sev: Severity) -> &'static str {
    match sev {
        Severity::Critical | Severity::High => "error",
        Severity::Medium => "warning",
        Severity::Low | Severity::Info => "note",
    }
}

/// Renders SARIF. The document is checked against serde-sarif's typed model
/// before it is written.
pub fn render(report: &ScanReport<'_>, opts: &SarifOptions) -> Result<String, ReportError> {
    let mut out = Vec::new();
    write(report, opts, &mut out)?;
    String::from_utf8(out).map_err(|e| ReportError::Render {
        format: "sarif",
        message: e.to_string(),
    })
}

fn sarif_error(e: impl std::fmt::Display) -> ReportError {
    ReportError::Render {
        format: "sarif",
        message: e.to_string(),
    }
}

/// Where the run's results go in the pretty-printed document (a JSON
/// string cannot hold a raw newline, so this text is the key itself).
const RESULTS_SLOT: &str = "\n      \"results\": []";

/// Writes SARIF to `w` (the bytes [`render`] returns), one result at a
/// time: the document around the results is built and checked whole, each
/// result is checked against the typed model and printed on its own, so a
/// run of a million findings never exists as one JSON tree.
pub fn write(
    report: &ScanReport<'_>,
    opts: &SarifOptions,
    w: &mut dyn std::io::Write,
) -> Result<(), ReportError> {
    let rule_index: BTreeMap<&str, usize> = report
        .pack
        .rules
        .iter()
        .enumerate()
        .map(|(i, r)| (r.id.as_str(), i))
        .collect();
    let index_of = |id: &str| rule_index.get(id).copied().unwrap_or(0);
    let rules: Vec<Value> = report.pack.rules.iter().map(rule_descriptor).collect();
    let mut notifications: Vec<Value> = Vec::new();
    let mut count = 0usize;
    let shown = |r: &CheckResult| {
        r.status == Status::Fail
            && (!opts.omit_suppressed || report.triage.waiver_for(&r.finding_id()).is_none())
    };
    for r in report.results {
        match r.status {
            Status::Pass => {}
            Status::Error | Status::NotEvaluated => {
                notifications.push(json!({
                    "level": if r.status == Status::Error { "error" } else { "warning" },
                    "message": { "text": format!("{} on {}: {}", r.rule_id, r.resource.id, r.message.as_deref().unwrap_or(r.status.as_str())) },
                    "descriptor": { "id": r.rule_id },
                    "associatedRule": { "id": r.rule_id, "index": index_of(&r.rule_id) },
                }));
            }
            Status::Fail => count += usize::from(shown(r)),
        }
    }
    notifications.extend(run_notifications(report, count));
    let doc = document(report, opts, rules, Vec::new(), notifications);
    // Round-trip through the typed SARIF model so a shape error is ours to see.
    let typed: serde_sarif::sarif::Sarif = serde_json::from_value(doc).map_err(sarif_error)?;
    let text = serde_json::to_string_pretty(&typed).map_err(sarif_error)?;
    drop(typed);
    let slot = text
        .find(RESULTS_SLOT)
        .ok_or_else(|| sarif_error("the run has no results array"))?;
    let (head, tail) = text.split_at(slot + RESULTS_SLOT.len() - 2);
    let tail = &tail[2..];
    let io = |e: std::io::Error| sarif_error(e);
    w.write_all(head.as_bytes()).map_err(io)?;
    if count == 0 {
        w.write_all(b"[]").map_err(io)?;
    } else {
        w.write_all(b"[").map_err(io)?;
        let mut first = true;
        for r in report.results.iter().filter(|r| shown(r)) {
            let fid = r.finding_id();
            let waiver = report.triage.waiver_for(&fid);
            let value = finding(report, r, index_of(&r.rule_id), fid, waiver);
            let typed: serde_sarif::sarif::Result =
                serde_json::from_value(value).map_err(sarif_error)?;
            let one = serde_json::to_string_pretty(&typed).map_err(sarif_error)?;
            w.write_all(if first { b"\n" } else { b",\n" })
                .map_err(io)?;
            first = false;
            for (i, line) in one.split('\n').enumerate() {
                if i > 0 {
                    w.write_all(b"\n").map_err(io)?;
                }
                w.write_all(b"        ").map_err(io)?;
                w.write_all(line.as_bytes()).map_err(io)?;
            }
        }
        w.write_all(b"\n      ]").map_err(io)?;
    }
    w.write_all(tail.as_bytes()).map_err(io)?;
    w.write_all(b"\n").map_err(io)?;
    Ok(())
}

/// The `reportingDescriptor` of a rule: help text, severity, tags.
fn rule_descriptor(r: &Rule) -> Value {
    let m = &r.meta;
    let mut tags = vec![
        "security".to_owned(),
        m.pack.as_str().to_owned(),
        m.service.clone(),
    ];
    tags.extend(m.frameworks.keys().cloned());
    let mut seen = std::collections::HashSet::new();
    tags.retain(|t| seen.insert(t.clone()));
    tags.truncate(20);
    let refs = m
        .references
        .iter()
        .map(|u| format!("- <{u}>"))
        .collect::<Vec<_>>()
        .join("\n");
    let frameworks = m
        .frameworks
        .iter()
        .map(|(f, ids)| format!("- {f}: {}", ids.join(", ")))
        .collect::<Vec<_>>()
        .join("\n");
    let help_md = format!(
        "## Why it matters\n\n{}\n\n## Remediation\n\n{}\n\n## References\n\n{}\n\n## Frameworks\n\n{}\n",
        m.rationale.trim(),
        m.remediation.trim(),
        refs,
        frameworks
    );
    let help_text = format!(
        "{}\n\nRemediation: {}",
        m.rationale.trim(),
        m.remediation.trim()
    );
    json!({
        "id": r.id,
        "name": r.id,
        "shortDescription": { "text": m.title },
        "fullDescription": { "text": m.rationale.trim() },
        "help": { "text": help_text, "markdown": help_md },
        "defaultConfiguration": { "level": level(m.severity) },
        "properties": {
            "security-severity": m.severity.security_severity(),
            "precision": "very-high",
            "problem.severity": level(m.severity),
            "tags": tags,
            "severity": m.severity.as_str(),
            "pack": m.pack.as_str(),
        }
    })
}

/// The SARIF result of one failed check (`fid` is its finding id, `waiver`
/// the active waiver suppressing it).
fn finding(
    report: &ScanReport<'_>,
    r: &CheckResult,
    rule_index: usize,
    fid: String,
    waiver: Option<&Waiver>,
) -> Value {
    let sev = report.severity(r);
    let title = report
        .rule(&r.rule_id)
        .map_or(r.rule_id.as_str(), |x| x.meta.title.as_str());
    let mut text = format!(
        "{title}: {} `{}` in account {} ({}).",
        r.resource.resource_type,
        markdown(&r.resource.name),
        r.resource.account_id,
        markdown_if_needed(&r.resource.region)
    );
    if let Some(e) = &r.exposure {
        text.push(' ');
        text.push_str(&markdown(&capitalised(&e.summary())));
    }
    let place = report.place_of(&r.resource);
    let mut region = json!({ "startLine": place.line });
    if let Some(c) = place.column {
        region["startColumn"] = json!(c);
    }
    let mut result = json!({
        "ruleId": r.rule_id,
        "ruleIndex": rule_index,
        "level": level(sev),
        "kind": "fail",
        "message": { "text": text },
        "locations": [{
            "physicalLocation": {
                "artifactLocation": { "uri": place.uri },
                "region": region
            },
            "logicalLocations": [{
                "name": r.resource.name,
                "fullyQualifiedName": r.resource.id,
                "kind": "resource"
            }]
        }],
        "partialFingerprints": { "palisadeFindingId/v1": fid },
        "properties": {
            "account": r.resource.account_id,
            "region": r.resource.region,
            "resourceType": r.resource.resource_type,
            "severity": sev.as_str(),
        }
    });
    if let Some(rule) = report.adjusted_from(r) {
        // GitHub takes `level` per result but the security severity from
        // the rule only; other consumers read this one.
        result["properties"]["security-severity"] = json!(sev.security_severity());
        result["properties"]["ruleSeverity"] = json!(rule.as_str());
    }
    if let Some(e) = &r.exposure {
        add_exposure(report, r, e, &mut result);
    }
    if let Some(state) = report.triage.states.get(&fid) {
        result["baselineState"] = json!(state.as_str());
    }
    if let Some(c) = &r.cost {
        result["properties"]["estimatedMonthlyCost"] = json!(c.monthly);
        result["properties"]["costCurrency"] = json!(c.currency);
        result["properties"]["costDetail"] = json!(c.detail);
        result["properties"]["pricesAsOf"] = json!(c.prices_as_of);
    }
    if let Some(w) = waiver {
        result["suppressions"] = json!([{
            "kind": "external",
            "status": "accepted",
            "justification": w.reason,
            "properties": { "owner": w.owner, "expires": w.expires.to_string(), "waiverLine": w.line }
        }]);
    }
    result
}

/// Related locations GitHub keeps per result (it accepts 1,000 and shows 100).
pub const MAX_RELATED_LOCATIONS: usize = 100;

/// `text` with its first letter upper-cased.
fn capitalised(text: &str) -> String {
    let mut chars = text.chars();
    chars
        .next()
        .map_or_else(String::new, |c| c.to_uppercase().chain(chars).collect())
}

/// The physical location of one hop of a result's network path: the hop's
/// own place when the snapshot (or template) has it, else the result's.
fn hop_place(report: &ScanReport<'_>, r: &CheckResult, hop_id: &str) -> Value {
    let hop = palisade_eval::ResourceRef {
        id: hop_id.to_owned(),
        ..r.resource.clone()
    };
    let known = palisade_model::source::locate(&report.locations, hop_id).is_some()
        || report
            .snapshot
            .lines
            .line_of(&r.resource.account_id, hop_id)
            .is_some();
    let place = report.place_of(if known { &hop } else { &r.resource });
    let mut region = json!({ "startLine": place.line });
    if let Some(c) = place.column {
        region["startColumn"] = json!(c);
    }
    json!({ "artifactLocation": { "uri": place.uri }, "region": region })
}

/// Adds a result's reachability: the path as a code flow (one thread flow
/// location per hop, GitHub shows it as the alert's path), the hops as
/// related locations, and the exact verdict, reason and path as
/// `properties.reachability`. Hop labels come from cloud names: the
/// messages are Markdown-escaped, the property keeps them exact.
fn add_exposure(
    report: &ScanReport<'_>,
    r: &CheckResult,
    e: &palisade_eval::result::Exposure,
    result: &mut Value,
) {
    let hop_location = |h: &palisade_eval::result::PathHop| {
        json!({
            "physicalLocation": hop_place(report, r, &h.id),
            "logicalLocations": [{ "name": h.id, "kind": h.kind }],
            "message": { "text": markdown(&h.label) },
        })
    };
    if !e.path.is_empty() {
        let steps: Vec<Value> = e
            .path
            .iter()
            .map(|h| json!({ "location": hop_location(h), "kinds": [h.kind] }))
            .collect();
        result["codeFlows"] = json!([{
            "message": { "text": markdown(&capitalised(&e.summary())) },
            "threadFlows": [{ "locations": steps }]
        }]);
        let related: Vec<Value> = e
            .path
            .iter()
            .take(MAX_RELATED_LOCATIONS)
            .enumerate()
            .map(|(i, h)| {
                let mut l = hop_location(h);
                l["id"] = json!(i);
                l
            })
            .collect();
        result["relatedLocations"] = json!(related);
    }
    result["properties"]["reachability"] = json!({
        "verdict": e.verdict.as_str(),
        "reason": e.reason,
        "path": e.path,
    });
}

/// Notifications about the run as a whole: the GitHub result limit,
/// expired and stale waivers, coverage gaps.
fn run_notifications(report: &ScanReport<'_>, results: usize) -> Vec<Value> {
    let mut notifications = Vec::new();
    if results > GITHUB_MAX_RESULTS {
        notifications.push(json!({
            "level": "warning",
            "message": { "text": format!("{results} results exceed GitHub code scanning's limit of {GITHUB_MAX_RESULTS} per run; GitHub will drop the rest. Narrow with --pack or --fail-on, or split the scan per account.") }
        }));
    }
    for (i, hits) in &report.triage.expired {
        if let Some(w) = report.triage.waivers.get(*i) {
            notifications.push(json!({
                "level": "warning",
                "message": { "text": format!("waiver at line {} for rule {} (owner {}) expired on {}; {hits} matching findings are reported again", w.line, w.rule, w.owner, w.expires) }
            }));
        }
    }
    for i in &report.triage.stale {
        if let Some(w) = report.triage.waivers.get(*i) {
            notifications.push(json!({
                "level": "note",
                "message": { "text": format!("waiver at line {} for rule {} (owner {}) matches no finding (stale)", w.line, w.rule, w.owner) }
            }));
        }
    }
    for (account, g) in report.gaps() {
        notifications.push(json!({
            "level": "warning",
            "message": { "text": format!("coverage gap in account {account}: {} {} in {} failed: {}", g.service, g.api, g.region, g.error.as_deref().unwrap_or("unknown error")) }
        }));
    }
    notifications
}

/// The SARIF log: one run with the tool, invocation, artifact and results.
fn document(
    report: &ScanReport<'_>,
    opts: &SarifOptions,
    rules: Vec<Value>,
    results: Vec<Value>,
    notifications: Vec<Value>,
) -> Value {
    let successful = !report
        .results
        .iter()
        .any(|r| matches!(r.status, Status::Error | Status::NotEvaluated))
        && report.gaps().is_empty();
    let mut accounts: Vec<&str> = report
        .snapshot
        .snapshot
        .accounts
        .iter()
        .map(|a| a.account_id.as_str())
        .collect();
    // Several templates share one (possibly unknown) account id.
    accounts.dedup();
    json!({
        "$schema": "https://json.schemastore.org/sarif-2.1.0.json",
        "version": "2.1.0",
        "runs": [{
            "tool": { "driver": {
                "name": TOOL_NAME,
                "semanticVersion": TOOL_VERSION,
                "version": TOOL_VERSION,
                "informationUri": "https://github.com/palisade-scan/palisade",
                "rules": rules,
            }},
            "automationDetails": { "id": format!("{}/{}/", opts.category, accounts.join("+")) },
            "invocations": [{
                "executionSuccessful": successful,
                "toolExecutionNotifications": notifications,
            }],
            "artifacts": artifacts(report),
            "results": results,
            "properties": {
                "scanTime": report.snapshot.snapshot.scan_time,
                "rulesFingerprint": report.pack.fingerprint(),
                "accounts": accounts,
                "fixedSinceBaseline": report.triage.fixed.iter().map(|f| json!({ "findingId": f.finding_id, "ruleId": f.rule_id, "resource": f.resource_id })).collect::<Vec<_>>(),
            }
        }]
    })
}

/// The files the run read: the snapshot, then every template or plan.
fn artifacts(report: &ScanReport<'_>) -> Value {
    let mut out = Vec::new();
    if !report.snapshot_uri.is_empty() {
        out.push(json!({ "location": { "uri": report.snapshot_uri }, "hashes": { "sha-256": report.snapshot.sha256 } }));
    }
    for (uri, sha) in &report.more_snapshots {
        out.push(json!({ "location": { "uri": uri }, "hashes": { "sha-256": sha } }));
    }
    for (uri, sha) in &report.inputs {
        out.push(json!({ "location": { "uri": uri }, "hashes": { "sha-256": sha } }));
    }
    Value::Array(out)
}

#[cfg(test)]
mod tests {
    use serde_json::Value;

    use super::{render, SarifOptions};
    use crate::testing::{raw_controls, unescaped_markdown, Scan};

    #[test]
    fn hostile_sarif_is_schema_valid_and_messages_are_inert_markdown() {
        let scan = Scan::hostile();
        let report = scan.report();
        let doc: Value =
            serde_json::from_str(&render(&report, &SarifOptions::default()).unwrap()).unwrap();
        palisade_test_kit::sarif::assert_valid(&doc);
        let run = &doc["runs"][0];
        let results = run["results"].as_array().unwrap();
        assert_eq!(results.len(), report.findings().count());
        for r in results {
            let text = r["message"]["text"].as_str().unwrap();
            // GitHub renders result messages: no link, table, HTML or control
            // sequence may come through from a resource name.
            assert!(raw_controls(text).is_empty(), "{text:?}");
            // Only the code span around the name is Markdown of ours.
            let (before, rest) = text.split_once('`').expect("code span");
            let (name, after) = rest.rsplit_once('`').expect("code span");
            for part in [before, name, after] {
                let bad = unescaped_markdown(part);
                assert!(bad.is_empty(), "unescaped {bad:?} in {text:?}");
            }
            // The logical location keeps the exact id for machines.
            let fqn = r["locations"][0]["logicalLocations"][0]["fullyQualifiedName"]
                .as_str()
                .unwrap();
            assert!(scan.results.iter().any(|x| x.resource.id == fqn));
        }
        // Errors and the coverage gap are notifications; the run is unsuccessful.
        let inv = &run["invocations"][0];
        assert_eq!(inv["executionSuccessful"], false);
        let notes = inv["toolExecutionNotifications"].as_array().unwrap();
        let errors = scan
            .results
            .iter()
            .filter(|r| r.status == palisade_eval::Status::Error)
            .count();
        assert!(errors > 0);
        assert_eq!(
            notes.iter().filter(|n| n["level"] == "error").count(),
            errors
        );
    }

    #[test]
    fn omit_suppressed_and_category_apply() {
        let scan = Scan::of("demo/snapshot.json");
        let report = scan.report();
        let opts = SarifOptions {
            category: "palisade/prod".into(),
            omit_suppressed: true,
        };
        let doc: Value = serde_json::from_str(&render(&report, &opts).unwrap()).unwrap();
        palisade_test_kit::sarif::assert_valid(&doc);
        let run = &doc["runs"][0];
        assert_eq!(
            run["automationDetails"]["id"],
            "palisade/prod/111111111111+222222222222/"
        );
        // No waivers: nothing to omit.
        assert_eq!(
            run["results"].as_array().map(Vec::len),
            Some(report.findings().count())
        );
        assert_eq!(run["invocations"][0]["executionSuccessful"], true);
        let rules = run["tool"]["driver"]["rules"].as_array().unwrap();
        assert_eq!(rules.len(), crate::testing::pack().rules.len());
        for r in run["results"].as_array().unwrap() {
            let idx = r["ruleIndex"].as_u64().unwrap() as usize;
            assert_eq!(
                rules[idx]["id"], r["ruleId"],
                "ruleIndex points at its rule"
            );
        }
    }
}
