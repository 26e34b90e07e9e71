//! `frameworks/<id>/assessment-results.json`: an OSCAL 1.1 assessment
//! results document for one framework and one run.
//!
//! - one `result` (start = the snapshot's scan time, end = generation time);
//! - `reviewed-controls`: the automated controls in one control selection,
//!   the manual ones in a second, whose description says they were not
//!   assessed (no finding is made for them: a finding is a conclusion, and
//!   there is none);
//! - an `observation` per check result of a rule mapped to the framework
//!   (method `TEST`, the resource as an `inventory-item` subject defined in
//!   the result's `local-definitions`, evidence pointing at `report.json`);
//! - a `finding` per failed, not-evaluated or passed control (target
//!   `objective-id`, status `not-satisfied`/`fail`,
//!   `not-satisfied`/`other` with the reason, or `satisfied`/`pass`) with the
//!   observations it rests on; not-applicable controls get none.
//!
//! Control ids become OSCAL tokens ([`control_token`]); the original id is
//! kept in each target's `label` property. UUIDs are version 5, derived
//! from stable content ([`uuid_of`]), so a rerun gives the same bytes.
//! Untrusted strings (resource ids, names, gap reasons) go only into
//! free-text fields (titles, descriptions, remarks), exactly as collected;
//! a property carries a value only when it meets OSCAL's string pattern.

use std::borrow::Cow;
use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use palisade_eval::{CheckResult, Status};
use palisade_rules::{Framework, Mode};

use super::oscal_types::*;
use crate::framework::{ControlResult, ControlStatus};
use crate::{ReportError, ScanReport, TOOL_VERSION};

/// The OSCAL version the documents declare (and are validated against).
pub const OSCAL_VERSION: &str = "1.1.3";
/// Namespace of Palisade's own property names (a URN: short, because every
/// property of every observation carries it).
pub const NS: &str = "urn:palisade:oscal";

/// The namespace of every Palisade OSCAL UUID (itself v5 of a URL).
fn namespace() -> uuid::Uuid {
    uuid::Uuid::new_v5(
        &uuid::Uuid::NAMESPACE_URL,
        b"https://github.com/palisade-scan/palisade/ns/oscal/uuid",
    )
}

/// A version 5 UUID of `parts`, joined with NUL bytes (no ambiguity from
/// concatenation).
pub fn uuid_of(parts: &[&str]) -> String {
    uuid::Uuid::new_v5(&namespace(), parts.join("\0").as_bytes()).to_string()
}

/// The OSCAL token (XML NCName) for a control id. NIST SP 800-53 ids follow
/// NIST's own OSCAL catalog (`AC-2(1)` -> `ac-2.1`); an id that is already a
/// token is kept (`IAM.5`, `CC6.1`, `A.5.15`); one that starts with a digit
/// is prefixed with the framework id (`2.4` in CIS 6.0 ->
/// `cis-aws-6.0_2.4`); any other character becomes `_`.
pub fn control_token(framework: &str, id: &str) -> String {
    let mut t: String = if framework.starts_with("nist-800-53") {
        id.to_lowercase().replace('(', ".").replace(')', "")
    } else {
        id.to_owned()
    };
    t = t
        .chars()
        .map(|c| {
            if c.is_alphanumeric() || matches!(c, '.' | '-' | '_') {
                c
            } else {
                '_'
            }
        })
        .collect();
    match t.chars().next() {
        Some(c) if c.is_alphabetic() || c == '_' => t,
        _ => format!("{framework}_{t}"),
    }
}

/// True when `s` meets OSCAL's string pattern (`^\S(.*\S)?$`: not empty,
/// no line break, no leading or trailing whitespace).
fn oscal_string(s: &str) -> bool {
    !s.is_empty()
        && !s.starts_with(char::is_whitespace)
        && !s.ends_with(char::is_whitespace)
        && !s.contains(['\n', '\r'])
}

fn prop<'a>(name: &'static str, value: impl Into<Cow<'a, str>>) -> Option<Prop<'a>> {
    let value = value.into();
    oscal_string(&value).then_some(Prop {
        name,
        ns: Some(NS),
        value,
    })
}

/// Renders the document: compact JSON (one line and a newline; pretty
/// printing nearly doubles the size of a large scan's document), written
/// straight from typed structs.
pub fn render(
    report: &ScanReport<'_>,
    fw: &Framework,
    controls: &[ControlResult<'_>],
    generated: DateTime<Utc>,
) -> Result<Vec<u8>, ReportError> {
    let snap = &report.snapshot.snapshot;
    let fingerprint = report.pack.fingerprint();
    let doc_uuid = uuid_of(&["document", &fw.id, &report.snapshot.sha256, &fingerprint]);
    let scan_time = super::timestamp(snap.scan_time);
    let plan_uuid = uuid_of(&["assessment-plan", &fw.id, &fingerprint]);
    let mapped: std::collections::BTreeSet<&str> = fw
        .controls
        .iter()
        .flat_map(|c| c.rules.iter().map(String::as_str))
        .collect();
    let results: Vec<&CheckResult> = report
        .results
        .iter()
        .filter(|r| mapped.contains(r.rule_id.as_str()))
        .collect();
    let observation_uuid = |r: &CheckResult| uuid_of(&[&doc_uuid, "observation", &r.finding_id()]);
    let subject_uuid =
        |r: &CheckResult| uuid_of(&["resource", &r.resource.account_id, &r.resource.id]);
    let observations = results
        .iter()
        .map(|r| observation(report, r, observation_uuid(r), subject_uuid(r), &scan_time))
        .collect();
    let mut items: BTreeMap<String, InventoryItem<'_>> = BTreeMap::new();
    for r in &results {
        items
            .entry(subject_uuid(r))
            .or_insert_with_key(|uuid| inventory_item(uuid.clone(), r));
    }
    let findings = controls
        .iter()
        .filter_map(|c| {
            let related: Vec<RelatedObservation> = results
                .iter()
                .filter(|r| c.rules.contains(&r.rule_id) && relates(report, c.status, r))
                .map(|r| RelatedObservation {
                    observation_uuid: observation_uuid(r),
                })
                .collect();
            finding(&fw.id, &doc_uuid, c, related)
        })
        .collect();
    let doc = Document {
        assessment_results: AssessmentResults {
            uuid: doc_uuid.clone(),
            metadata: metadata(report, fw, &fingerprint, generated),
            import_ap: ImportAp {
                href: format!("#{plan_uuid}"),
                remarks: "Palisade has no separate OSCAL assessment plan: the plan is the rule pack (its fingerprint is in the back-matter resource this points at, and in ../../manifest.json).",
            },
            results: vec![AssessmentResult {
                uuid: uuid_of(&[&doc_uuid, "result"]),
                title: format!("Palisade scan against {} {}", fw.name, fw.version),
                description: format!(
                    "Automated checks of the AWS configuration snapshot ../../snapshot.json (sha256 {}) with Palisade {TOOL_VERSION}.",
                    report.snapshot.sha256
                ),
                start: scan_time.clone(),
                end: super::timestamp(generated.max(snap.scan_time)),
                props: Vec::new(),
                local_definitions: (!items.is_empty()).then(|| LocalDefinitions {
                    inventory_items: items.into_values().collect(),
                }),
                reviewed_controls: reviewed_controls(fw),
                observations,
                findings,
                remarks: remarks(report),
            }],
            back_matter: BackMatter {
                resources: vec![plan_resource(report, fw, plan_uuid, &fingerprint)],
            },
        },
    };
    let mut out = serde_json::to_vec(&doc).map_err(|e| ReportError::Render {
        format: "OSCAL assessment results",
        message: e.to_string(),
    })?;
    out.push(b'\n');
    Ok(out)
}

/// The automated controls, and the manual ones as reviewed but not
/// assessed (each selection only when it has controls).
fn reviewed_controls(fw: &Framework) -> ReviewedControls {
    let select = |mode: Mode| -> Vec<SelectControl> {
        fw.controls
            .iter()
            .filter(|c| c.mode == mode)
            .map(|c| SelectControl {
                control_id: control_token(&fw.id, &c.id),
            })
            .collect()
    };
    let mut selections = vec![ControlSelection {
        description: "Automated controls: assessed by Palisade's checks of the snapshot (the findings give each one's state; a control with no resource in scope is not applicable and has no finding).",
        include_controls: select(Mode::Automated),
    }];
    let manual = select(Mode::Manual);
    if !manual.is_empty() {
        selections.push(ControlSelection {
            description: "Manual controls: in the framework's scope but NOT ASSESSED by Palisade (they need evidence from a person or data Palisade does not collect); no finding is made for them.",
            include_controls: manual,
        });
    }
    selections.retain(|s| !s.include_controls.is_empty());
    ReviewedControls {
        control_selections: selections,
    }
}

fn metadata<'a>(
    report: &ScanReport<'a>,
    fw: &'a Framework,
    fingerprint: &str,
    generated: DateTime<Utc>,
) -> Metadata<'a> {
    Metadata {
        title: format!("Palisade assessment results: {} {}", fw.name, fw.version),
        last_modified: super::timestamp(generated),
        version: TOOL_VERSION,
        oscal_version: OSCAL_VERSION,
        props: [
            prop("framework", fw.id.as_str()),
            prop("rule-pack-fingerprint", fingerprint.to_owned()),
            prop("snapshot-sha256", report.snapshot.sha256.as_str()),
        ]
        .into_iter()
        .flatten()
        .collect(),
        links: if oscal_string(&fw.url) {
            vec![Link {
                href: Cow::Borrowed(fw.url.as_str()),
                rel: "reference",
            }]
        } else {
            Vec::new()
        },
    }
}

/// The back-matter resource `import-ap` points at: the rule pack stands
/// in for an OSCAL assessment plan.
fn plan_resource<'a>(
    report: &ScanReport<'_>,
    fw: &Framework,
    uuid: String,
    fingerprint: &str,
) -> Resource<'a> {
    Resource {
        uuid,
        title: "Assessment plan (placeholder): the Palisade rule pack",
        description: format!(
            "The checks run are the rules of the Palisade rule pack with fingerprint {fingerprint} ({} rules), mapped to {} controls by the framework definition {}.",
            report.pack.rules.len(),
            fw.controls.len(),
            fw.id
        ),
        props: prop("rule-pack-fingerprint", fingerprint.to_owned())
            .into_iter()
            .collect(),
        rlinks: vec![Rlink {
            href: "../../manifest.json",
            media_type: "application/json",
        }],
    }
}

/// Whether result `r` is evidence for a control of status `s`.
fn relates(report: &ScanReport<'_>, s: ControlStatus, r: &CheckResult) -> bool {
    match s {
        ControlStatus::Fail => r.status == Status::Fail && report.triage.is_open(r),
        ControlStatus::NotEvaluated => matches!(r.status, Status::Error | Status::NotEvaluated),
        _ => true,
    }
}

/// Coverage gaps, stated in the result's remarks.
fn remarks(report: &ScanReport<'_>) -> String {
    let gaps = report.gaps();
    if gaps.is_empty() {
        return "No coverage gaps: every collector call the rules need succeeded.".into();
    }
    let mut lines: Vec<String> = gaps
        .iter()
        .map(|(account, c)| {
            format!(
                "- account {account}, {} in {} ({}): {}",
                c.service,
                c.region,
                c.api,
                c.error.as_deref().unwrap_or("failed")
            )
        })
        .collect();
    lines.sort();
    format!(
        "{} coverage gaps: results that depend on them are not evaluated, never passed.\n{}",
        lines.len(),
        lines.join("\n")
    )
}

fn observation<'a>(
    report: &ScanReport<'a>,
    r: &'a CheckResult,
    uuid: String,
    subject: String,
    collected: &'a str,
) -> Observation<'a> {
    let title = report
        .rule(&r.rule_id)
        .map_or(r.rule_id.as_str(), |rule| rule.meta.title.as_str());
    let waived = r.status == Status::Fail && !report.triage.is_open(r);
    let status = if waived { "waived" } else { r.status.as_str() };
    // The resource is the subject and the rule a property: the
    // description says only the outcome (and why, when there is a message),
    // which keeps 100,000 observations small.
    let mut description = status.to_owned();
    if let Some(m) = &r.message {
        description.push_str(": ");
        description.push_str(m);
    }
    let fid = r.finding_id();
    Observation {
        uuid,
        title,
        description,
        props: [prop("rule-id", r.rule_id.as_str()), prop("result", status)]
            .into_iter()
            .flatten()
            .collect(),
        methods: ["TEST"],
        subjects: [Subject {
            subject_uuid: subject,
            kind: "inventory-item",
            title: &r.resource.id,
        }],
        relevant_evidence: [Evidence {
            href: "../../report.json",
            description: format!("finding_id {fid}"),
        }],
        collected,
    }
}

fn inventory_item(uuid: String, r: &CheckResult) -> InventoryItem<'_> {
    let res = &r.resource;
    InventoryItem {
        uuid,
        description: &res.id,
        props: [
            prop("asset-type", res.resource_type.as_str()),
            prop("account-id", res.account_id.as_str()),
            prop("region", res.region.as_str()),
        ]
        .into_iter()
        .flatten()
        .collect(),
        remarks: format!(
            "name: {}\naccount: {}\nregion: {}",
            res.name, res.account_id, res.region
        ),
    }
}

fn finding<'a>(
    framework: &str,
    doc_uuid: &str,
    c: &ControlResult<'a>,
    related: Vec<RelatedObservation>,
) -> Option<Finding<'a>> {
    let (state, reason, remarks) = match c.status {
        ControlStatus::Fail => (
            "not-satisfied",
            "fail",
            Some(format!(
                "{} resources fail a mapped rule.",
                c.failing_resources.len()
            )),
        ),
        ControlStatus::NotEvaluated => (
            "not-satisfied",
            "other",
            Some(format!(
                "Not evaluated: {} resources could not be checked (coverage gap or evaluation error); the control is not shown to be satisfied.",
                c.not_evaluated_resources.len()
            )),
        ),
        ControlStatus::Pass => ("satisfied", "pass", None),
        ControlStatus::NotApplicable | ControlStatus::Manual => return None,
    };
    let status_name = c.status.as_str();
    Some(Finding {
        uuid: uuid_of(&[doc_uuid, "finding", c.id]),
        title: format!("Control {}: {status_name}", c.id),
        description: format!(
            "Palisade's checks of control {} ({}) give {status_name}.",
            c.id, c.title
        ),
        props: prop("control-status", status_name).into_iter().collect(),
        target: Target {
            kind: "objective-id",
            target_id: control_token(framework, c.id),
            title: c.title,
            props: prop("label", c.id).into_iter().collect(),
            status: ObjectiveStatus {
                state,
                reason,
                remarks,
            },
        },
        related_observations: related,
    })
}
