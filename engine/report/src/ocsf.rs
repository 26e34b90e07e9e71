//! OCSF output (`--format ocsf`): one OCSF 1.5.0 Compliance Finding event
//! (class 2003) per result, one JSON object per line (JSON Lines), for
//! security data lakes (Amazon Security Lake, SIEMs).
//!
//! Every result is a Compliance Finding: a Palisade rule is an evaluation of
//! a resource's configuration against a check, which is what OCSF's
//! Compliance Finding describes; Detection Finding (2004) is for detections
//! and alerts of detection engines. One class for every result keeps a
//! finding's class the same when it moves between fail, pass and not
//! evaluated. `compliance.standards` names the frameworks the rule maps to,
//! else the Palisade pack. The mapping is documented in docs/ocsf-asff.md.
//!
//! A fail with a reachability verdict carries it in `status_detail` and the
//! network path as one `evidences` entry (`data`: verdict, reason, path;
//! `resources`: the hops); `severity_id` is the effective severity.
//!
//! Strings from the cloud are data: they are carried exactly (JSON escaping
//! only); the consumer escapes for its own display.

use std::collections::BTreeMap;

use palisade_eval::{CheckResult, Status};
use palisade_rules::Severity;
use palisade_triage::BaselineState;
use serde::Serialize;

use crate::{ReportError, ScanReport, TOOL_VERSION};

/// The OCSF schema version the events follow (the version py-ocsf-models
/// 0.10.0 models, which the tests validate against).
pub const OCSF_VERSION: &str = "1.5.0";
/// OCSF class uid of Compliance Finding.
pub const COMPLIANCE_FINDING: u32 = 2003;

#[derive(Serialize)]
struct Event<'a> {
    metadata: Metadata<'a>,
    time: i64,
    category_uid: u32,
    category_name: &'static str,
    class_uid: u32,
    class_name: &'static str,
    activity_id: u32,
    activity_name: &'static str,
    type_uid: u32,
    type_name: &'static str,
    severity_id: u32,
    severity: &'static str,
    status_id: u32,
    status: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    status_code: Option<&'static str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    status_detail: Option<String>,
    message: &'a str,
    finding_info: FindingInfo<'a>,
    compliance: Compliance<'a>,
    resources: [Resource<'a>; 1],
    cloud: Cloud<'a>,
    remediation: Remediation<'a>,
    /// The reachability verdict and network path of an exposure finding.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    evidences: Vec<Evidence<'a>>,
}

/// OCSF Evidence Artifacts: the network path from the internet, as data
/// (verdict, reason, hops) and as the hop resources.
#[derive(Serialize)]
struct Evidence<'a> {
    name: &'static str,
    data: &'a palisade_eval::result::Exposure,
    resources: Vec<HopResource<'a>>,
}

/// One hop of the path as an OCSF resource: id, kind and label.
#[derive(Serialize)]
struct HopResource<'a> {
    uid: &'a str,
    #[serde(rename = "type")]
    kind: &'a str,
    name: &'a str,
}

#[derive(Serialize)]
struct Metadata<'a> {
    version: &'static str,
    uid: &'a str,
    product: Product,
    profiles: [&'static str; 1],
}

#[derive(Serialize)]
struct Product {
    name: &'static str,
    vendor_name: &'static str,
    version: &'static str,
}

#[derive(Serialize)]
struct FindingInfo<'a> {
    uid: &'a str,
    title: &'a str,
    desc: &'a str,
    types: Vec<String>,
}

#[derive(Serialize)]
struct Compliance<'a> {
    control: &'a str,
    standards: Vec<String>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    requirements: Vec<String>,
    status_id: u32,
    status: &'static str,
}

#[derive(Serialize)]
struct Resource<'a> {
    uid: &'a str,
    name: &'a str,
    #[serde(rename = "type")]
    kind: &'a str,
    region: &'a str,
    cloud_partition: &'a str,
    /// OCSF 1.5 `resource_details.tags` (key/value objects).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    tags: Vec<KeyValue<'a>>,
}

#[derive(Serialize)]
struct KeyValue<'a> {
    name: &'a str,
    value: &'a str,
}

#[derive(Serialize)]
struct Cloud<'a> {
    provider: &'static str,
    region: &'a str,
    account: Account<'a>,
}

#[derive(Serialize)]
struct Account<'a> {
    uid: &'a str,
    name: &'a str,
    type_id: u32,
    #[serde(rename = "type")]
    kind: &'static str,
}

#[derive(Serialize)]
struct Remediation<'a> {
    desc: &'a str,
    #[serde(skip_serializing_if = "<[String]>::is_empty")]
    references: &'a [String],
}

/// OCSF `severity_id` and its caption.
pub fn severity(s: Severity) -> (u32, &'static str) {
    match s {
        Severity::Info => (1, "Informational"),
        Severity::Low => (2, "Low"),
        Severity::Medium => (3, "Medium"),
        Severity::High => (4, "High"),
        Severity::Critical => (5, "Critical"),
    }
}

/// OCSF `compliance.status_id` and its caption: pass 1, fail 3; a result
/// that could not be judged (not evaluated, error) is Warning (2), "did not
/// yield a result due to missing information".
pub fn compliance_status(s: Status) -> (u32, &'static str) {
    match s {
        Status::Pass => (1, "Pass"),
        Status::Fail => (3, "Fail"),
        Status::Error | Status::NotEvaluated => (2, "Warning"),
    }
}

/// The finding `status_id` and caption: a waived fail is Suppressed (3), a
/// pass is Resolved (4), anything else New (1).
fn finding_status(r: &CheckResult, waived: bool) -> (u32, &'static str) {
    match (r.status, waived) {
        (Status::Fail, true) => (3, "Suppressed"),
        (Status::Pass, _) => (4, "Resolved"),
        _ => (1, "New"),
    }
}

/// Writes every result as one OCSF Compliance Finding per line, one event
/// at a time (a scan of a million results is never held whole in memory).
pub fn write(report: &ScanReport<'_>, w: &mut dyn std::io::Write) -> Result<(), ReportError> {
    let snap = &report.snapshot.snapshot;
    let time = snap.scan_time.timestamp_millis();
    let err = |message: String| ReportError::Render {
        format: "ocsf",
        message,
    };
    for r in report.results {
        let fid = r.finding_id();
        let event = event(report, r, &fid, time);
        serde_json::to_writer(&mut *w, &event).map_err(|e| err(e.to_string()))?;
        w.write_all(b"\n").map_err(|e| err(e.to_string()))?;
    }
    Ok(())
}

/// Renders every result as one OCSF Compliance Finding per line.
pub fn render(report: &ScanReport<'_>) -> Result<String, ReportError> {
    let mut out = Vec::new();
    write(report, &mut out)?;
    String::from_utf8(out).map_err(|e| ReportError::Render {
        format: "ocsf",
        message: e.to_string(),
    })
}

/// One result's event.
fn event<'a>(report: &'a ScanReport<'_>, r: &'a CheckResult, fid: &'a str, time: i64) -> Event<'a> {
    let rule = report.rule(&r.rule_id);
    let meta = rule.map(|x| &x.meta);
    let snap = &report.snapshot.snapshot;
    let account = snap
        .accounts
        .iter()
        .find(|a| a.account_id == r.resource.account_id);
    let (severity_id, severity_name) = severity(report.severity(r));
    let waiver = report.triage.waiver_for(fid);
    let (status_id, status) = finding_status(r, waiver.is_some());
    let (c_id, c_name) = compliance_status(r.status);
    let (standards, requirements) = standards(report, r);
    let status_detail = match r.status {
        Status::Error | Status::NotEvaluated => Some(
            r.message
                .clone()
                .unwrap_or_else(|| "no reason recorded".to_owned()),
        ),
        Status::Fail => fail_detail(report, r, fid),
        Status::Pass => r.message.clone(),
    };
    let title = meta.map_or(r.rule_id.as_str(), |m| m.title.as_str());
    Event {
        metadata: Metadata {
            version: OCSF_VERSION,
            uid: fid,
            product: Product {
                name: "Palisade",
                vendor_name: "Palisade",
                version: TOOL_VERSION,
            },
            profiles: ["cloud"],
        },
        time,
        category_uid: 2,
        category_name: "Findings",
        class_uid: COMPLIANCE_FINDING,
        class_name: "Compliance Finding",
        activity_id: 1,
        activity_name: "Create",
        type_uid: COMPLIANCE_FINDING * 100 + 1,
        type_name: "Compliance Finding: Create",
        severity_id,
        severity: severity_name,
        status_id,
        status,
        status_code: match r.status {
            Status::Error => Some("error"),
            Status::NotEvaluated => Some("not_evaluated"),
            _ => None,
        },
        status_detail,
        message: title,
        finding_info: FindingInfo {
            uid: fid,
            title,
            desc: meta.map_or("", |m| m.rationale.as_str()),
            types: types(report, r),
        },
        compliance: Compliance {
            control: &r.rule_id,
            standards,
            requirements,
            status_id: c_id,
            status: c_name,
        },
        resources: [Resource {
            uid: &r.resource.id,
            name: &r.resource.name,
            kind: &r.resource.resource_type,
            region: &r.resource.region,
            cloud_partition: account.map_or("aws", |a| a.partition.as_str()),
            tags: r
                .resource
                .tags
                .iter()
                .map(|(k, v)| KeyValue { name: k, value: v })
                .collect(),
        }],
        cloud: Cloud {
            provider: "AWS",
            region: &r.resource.region,
            account: Account {
                uid: &r.resource.account_id,
                name: account
                    .and_then(|a| a.name.as_deref())
                    .unwrap_or(&r.resource.account_id),
                type_id: 10,
                kind: "AWS Account",
            },
        },
        remediation: Remediation {
            desc: meta.map_or("", |m| m.remediation.as_str()),
            references: meta.map_or(&[][..], |m| &m.references[..]),
        },
        evidences: r
            .exposure
            .iter()
            .map(|e| Evidence {
                name: "network path from the internet",
                data: e,
                resources: e
                    .path
                    .iter()
                    .map(|h| HopResource {
                        uid: &h.id,
                        kind: &h.kind,
                        name: &h.label,
                    })
                    .collect(),
            })
            .collect(),
    }
}

/// For a fail: its reachability verdict, the waiver that suppresses it and
/// its baseline state.
fn fail_detail(report: &ScanReport<'_>, r: &CheckResult, fid: &str) -> Option<String> {
    let mut parts = Vec::new();
    if let Some(e) = &r.exposure {
        parts.push(e.summary());
    }
    if let Some(w) = report.triage.waiver_for(fid) {
        parts.push(format!(
            "waived until {} by {}: {}",
            w.expires, w.owner, w.reason
        ));
    }
    if let Some(s) = report.triage.states.get(fid) {
        if *s != BaselineState::New || report.triage.baseline_file.is_some() {
            parts.push(format!("baseline: {}", s.as_str()));
        }
    }
    (!parts.is_empty()).then(|| parts.join("; "))
}

/// The frameworks a rule maps to (by name and version), and its controls as
/// `framework-id/control`; the Palisade pack when it maps to none.
fn standards(report: &ScanReport<'_>, r: &CheckResult) -> (Vec<String>, Vec<String>) {
    let Some(rule) = report.rule(&r.rule_id) else {
        return (vec!["Palisade".to_owned()], Vec::new());
    };
    let mut standards = Vec::new();
    let mut requirements = Vec::new();
    for (fw_id, controls) in &rule.meta.frameworks {
        standards.push(match report.pack.framework(fw_id) {
            Some(fw) => format!("{} {}", fw.name, fw.version),
            None => fw_id.clone(),
        });
        requirements.extend(controls.iter().map(|c| format!("{fw_id}/{c}")));
    }
    if standards.is_empty() {
        standards.push(format!("Palisade {} pack", rule.meta.pack.as_str()));
    }
    (standards, requirements)
}

/// Finding types: the pack, and each framework the rule maps to.
fn types(report: &ScanReport<'_>, r: &CheckResult) -> Vec<String> {
    let Some(rule) = report.rule(&r.rule_id) else {
        return Vec::new();
    };
    let mut t = vec![format!("Palisade/{}", rule.meta.pack.as_str())];
    let fws: BTreeMap<&str, ()> = rule
        .meta
        .frameworks
        .keys()
        .map(|k| (k.as_str(), ()))
        .collect();
    t.extend(fws.keys().map(|k| format!("Framework/{k}")));
    t
}

#[cfg(test)]
mod tests {
    use serde_json::Value;

    use crate::testing::Scan;

    fn lines(scan: &Scan) -> Vec<Value> {
        let text = super::render(&scan.report()).unwrap();
        assert!(text.ends_with('\n'));
        text.lines()
            .map(|l| serde_json::from_str(l).expect("each line is one JSON object"))
            .collect()
    }

    #[test]
    fn one_event_per_result_with_its_status() {
        let scan = Scan::of("demo/snapshot.json");
        let events = lines(&scan);
        assert_eq!(events.len(), scan.results.len());
        for (e, r) in events.iter().zip(&scan.results) {
            assert_eq!(e["class_uid"], 2003);
            assert_eq!(e["type_uid"], 200301);
            assert_eq!(e["metadata"]["uid"], r.finding_id());
            assert_eq!(e["finding_info"]["uid"], r.finding_id());
            assert_eq!(e["resources"][0]["uid"], r.resource.id.as_str());
            assert_eq!(e["cloud"]["account"]["uid"], r.resource.account_id.as_str());
            assert_eq!(e["cloud"]["provider"], "AWS");
            let want = match r.status {
                palisade_eval::Status::Pass => "Pass",
                palisade_eval::Status::Fail => "Fail",
                _ => "Warning",
            };
            assert_eq!(e["compliance"]["status"], want, "{}", r.rule_id);
            let judged = matches!(
                r.status,
                palisade_eval::Status::Pass | palisade_eval::Status::Fail
            );
            assert_eq!(e.get("status_code").is_none(), judged);
            assert!(!e["compliance"]["standards"].as_array().unwrap().is_empty());
        }
        assert_eq!(
            events[0]["time"],
            scan.snapshot.snapshot.scan_time.timestamp_millis()
        );
    }

    #[test]
    fn framework_mappings_become_standards_and_requirements() {
        let scan = Scan::of("demo/snapshot.json");
        let events = lines(&scan);
        let pack = crate::testing::pack();
        let (e, r) = events
            .iter()
            .zip(&scan.results)
            .find(|(_, r)| !pack.rule(&r.rule_id).unwrap().meta.frameworks.is_empty())
            .expect("a mapped rule");
        let meta = &pack.rule(&r.rule_id).unwrap().meta;
        let reqs: Vec<String> = meta
            .frameworks
            .iter()
            .flat_map(|(f, cs)| cs.iter().map(move |c| format!("{f}/{c}")))
            .collect();
        assert_eq!(e["compliance"]["requirements"], serde_json::json!(reqs));
        assert_eq!(
            e["compliance"]["standards"].as_array().unwrap().len(),
            meta.frameworks.len()
        );
    }

    #[test]
    fn hostile_strings_are_carried_exactly_and_output_is_deterministic() {
        let scan = Scan::hostile();
        let text = super::render(&scan.report()).unwrap();
        assert_eq!(text, super::render(&scan.report()).unwrap());
        let events = lines(&scan);
        for (e, r) in events.iter().zip(&scan.results) {
            assert_eq!(e["resources"][0]["name"], r.resource.name.as_str());
            assert_eq!(e["resources"][0]["region"], r.resource.region.as_str());
            for (i, (k, v)) in r.resource.tags.iter().enumerate() {
                assert_eq!(e["resources"][0]["tags"][i]["name"], k.as_str());
                assert_eq!(e["resources"][0]["tags"][i]["value"], v.as_str());
            }
        }
        assert!(text.contains("<script>"));
        // One event per line: no raw line break or control inside a line.
        assert_eq!(text.lines().count(), scan.results.len());
        assert!(!text.chars().any(|c| c.is_ascii_control() && c != '\n'));
    }
}
