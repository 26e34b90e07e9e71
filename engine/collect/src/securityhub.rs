//! `palisade export securityhub`: send ASFF findings to AWS Security Hub
//! with `BatchImportFindings`, updating rather than duplicating.
//!
//! Findings go to the Security Hub of the region in their `ProductArn`
//! (the report put global resources in a home region). Per region:
//! 1. `GetFindings` (paginated, filtered on the product ARNs and the
//!    `palisade/` generator prefix; also filtered here, for endpoints that
//!    ignore filters) reads the Palisade findings already there;
//! 2. a finding already there keeps its `CreatedAt`;
//! 3. an ACTIVE Palisade finding of the same product ARN (account and
//!    region) missing from this export is fixed or gone: it is re-imported
//!    with `RecordState` ARCHIVED;
//! 4. findings go in batches of [`BATCH_SIZE`]; the SDK retries throttling
//!    and 5xx, and the `FailedFindings` of a partly failed batch are sent
//!    again up to `resends` times. What still fails is reported by id.
//!
//! The input is JSON (an ASFF array as `palisade scan --format asff`
//! writes it); it is converted to the SDK's types field by field, and a
//! field Palisade does not know is an error, never silently dropped.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::time::Duration;

use aws_config::{Region, SdkConfig};
use aws_sdk_securityhub::types::{
    AssociatedStandard, AwsSecurityFinding, AwsSecurityFindingFilters, Compliance,
    ComplianceStatus, Partition, Recommendation, RecordState, Remediation, Resource, Severity,
    SeverityLabel, StringFilter, StringFilterComparison, Workflow, WorkflowStatus,
};
use aws_sdk_securityhub::Client;
use serde_json::{Map, Value};

/// Findings per `BatchImportFindings` call (the API's maximum).
pub const BATCH_SIZE: usize = 100;
/// The generator id prefix of every Palisade finding.
pub const GENERATOR_PREFIX: &str = "palisade/";

/// Bad input: a finding the export cannot send.
#[derive(Debug, thiserror::Error)]
#[error("finding {index}{id}: {message}")]
pub struct InputError {
    /// Position in the input array (0-based).
    pub index: usize,
    /// ` (Id)` when the finding has one.
    pub id: String,
    /// What is wrong.
    pub message: String,
}

/// How to export.
#[derive(Debug, Clone)]
pub struct ExportOptions {
    /// Times the failed findings of a batch are sent again.
    pub resends: u32,
    /// Wait before each resend (doubles each time).
    pub resend_delay: Duration,
}

impl Default for ExportOptions {
    fn default() -> Self {
        Self {
            resends: 3,
            resend_delay: Duration::from_millis(500),
        }
    }
}

/// One region's findings, ready to send.
#[derive(Debug, Clone)]
pub struct RegionPlan {
    /// The region whose Security Hub receives them.
    pub region: String,
    /// The findings of the export.
    pub findings: Vec<Value>,
}

/// What an export did.
#[derive(Debug, Default, Clone)]
pub struct Outcome {
    /// Findings imported (created or updated).
    pub imported: usize,
    /// Of those, findings that were already there (kept their CreatedAt).
    pub updated: usize,
    /// Findings archived (fixed or gone since the last export).
    pub archived: usize,
    /// `BatchImportFindings` calls made.
    pub batches: usize,
    /// What failed for good: `region: id: code: message`.
    pub failed: Vec<String>,
}

/// Checks every finding converts to the SDK's type and groups them by the
/// region of their `ProductArn` (sorted by region, input order within).
pub fn plan(findings: Vec<Value>) -> Result<Vec<RegionPlan>, InputError> {
    let mut by_region: BTreeMap<String, Vec<Value>> = BTreeMap::new();
    for (index, f) in findings.into_iter().enumerate() {
        let err = |message: String| InputError {
            index,
            id: f
                .get("Id")
                .and_then(Value::as_str)
                .map(|i| format!(" ({i})"))
                .unwrap_or_default(),
            message,
        };
        to_sdk(&f).map_err(err)?;
        let region = f
            .get("ProductArn")
            .and_then(Value::as_str)
            .and_then(|a| a.split(':').nth(3))
            .filter(|r| !r.is_empty())
            .map(str::to_owned)
            .ok_or_else(|| err("ProductArn has no region".into()))?;
        by_region.entry(region).or_default().push(f);
    }
    Ok(by_region
        .into_iter()
        .map(|(region, findings)| RegionPlan { region, findings })
        .collect())
}

/// The batches a region's findings go in (as JSON arrays), for `--dry-run`.
pub fn batches(plan: &RegionPlan) -> Vec<Value> {
    plan.findings
        .chunks(BATCH_SIZE)
        .map(|c| Value::Array(c.to_vec()))
        .collect()
}

/// [`export`] on a new tokio runtime, with the SDK configuration the
/// collectors use (credential chain or profile, endpoint, retries).
pub fn export_blocking(
    collect: &crate::CollectOptions,
    plans: &[RegionPlan],
    opts: &ExportOptions,
) -> Result<Outcome, crate::CollectError> {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?;
    Ok(rt.block_on(async {
        let config = crate::session::base_config(collect).await;
        export(&config, plans, opts).await
    }))
}

/// Exports every region's findings (see the module documentation).
pub async fn export(config: &SdkConfig, plans: &[RegionPlan], opts: &ExportOptions) -> Outcome {
    let mut out = Outcome::default();
    for p in plans {
        let conf = config
            .clone()
            .into_builder()
            .region(Region::new(p.region.clone()))
            .build();
        let client = Client::new(&conf);
        export_region(&client, p, opts, &mut out).await;
    }
    out
}

async fn export_region(client: &Client, p: &RegionPlan, opts: &ExportOptions, out: &mut Outcome) {
    let arns: BTreeSet<&str> = p
        .findings
        .iter()
        .filter_map(|f| f.get("ProductArn").and_then(Value::as_str))
        .collect();
    let existing = match existing(client, &arns).await {
        Ok(e) => e,
        Err(e) => {
            out.failed.push(format!(
                "{}: GetFindings: {e} (nothing sent to this region: without the existing findings an import would reset their CreatedAt and leave fixed ones active)",
                p.region
            ));
            return;
        }
    };
    let updated_at = p
        .findings
        .iter()
        .filter_map(|f| f.get("UpdatedAt").and_then(Value::as_str))
        .max()
        .unwrap_or_default()
        .to_owned();
    let mut send: Vec<AwsSecurityFinding> = Vec::new();
    let mut ids = BTreeSet::new();
    for f in &p.findings {
        let mut f = f.clone();
        let id = f
            .get("Id")
            .and_then(Value::as_str)
            .unwrap_or_default()
            .to_owned();
        if let Some(created) = existing.get(&id).and_then(|e| e.created_at.clone()) {
            f["CreatedAt"] = Value::String(created);
            out.updated += 1;
        }
        ids.insert(id);
        // Checked in `plan`.
        if let Ok(s) = to_sdk(&f) {
            send.push(s);
        }
    }
    let mut archived = BTreeSet::new();
    for (id, e) in &existing {
        if !ids.contains(id) && e.record_state == Some(RecordState::Active) {
            send.push(archive(e, &updated_at));
            archived.insert(id.clone());
        }
    }
    let failed = import(client, send, opts, &mut out.batches).await;
    let failed_ids: BTreeSet<&str> = failed.iter().map(|(i, _)| i.as_str()).collect();
    out.imported += ids
        .iter()
        .filter(|i| !failed_ids.contains(i.as_str()))
        .count();
    out.archived += archived
        .iter()
        .filter(|i| !failed_ids.contains(i.as_str()))
        .count();
    out.failed.extend(
        failed
            .iter()
            .map(|(id, why)| format!("{}: {id}: {why}", p.region)),
    );
}

/// The Palisade findings already in this region's Security Hub under these
/// product ARNs, by id.
async fn existing(
    client: &Client,
    arns: &BTreeSet<&str>,
) -> Result<HashMap<String, AwsSecurityFinding>, String> {
    let mut filters = AwsSecurityFindingFilters::builder().generator_id(
        StringFilter::builder()
            .comparison(StringFilterComparison::Prefix)
            .value(GENERATOR_PREFIX)
            .build(),
    );
    for a in arns {
        filters = filters.product_arn(
            StringFilter::builder()
                .comparison(StringFilterComparison::Equals)
                .value(*a)
                .build(),
        );
    }
    let mut pages = client
        .get_findings()
        .filters(filters.build())
        .max_results(100)
        .into_paginator()
        .send();
    let mut found = HashMap::new();
    while let Some(page) = pages.next().await {
        let page = page.map_err(|e| crate::error::describe(&e))?;
        for f in page.findings() {
            let ours = f
                .generator_id()
                .is_some_and(|g| g.starts_with(GENERATOR_PREFIX))
                && f.product_arn().is_some_and(|a| arns.contains(a));
            if let (true, Some(id)) = (ours, f.id()) {
                found.insert(id.to_owned(), f.clone());
            }
        }
    }
    Ok(found)
}

/// An existing finding, archived: its identifying and required fields with
/// `RecordState` ARCHIVED and a new `UpdatedAt`.
fn archive(e: &AwsSecurityFinding, updated_at: &str) -> AwsSecurityFinding {
    AwsSecurityFinding::builder()
        .set_schema_version(e.schema_version.clone())
        .set_id(e.id.clone())
        .set_product_arn(e.product_arn.clone())
        .set_generator_id(e.generator_id.clone())
        .set_aws_account_id(e.aws_account_id.clone())
        .set_types(e.types.clone())
        .set_created_at(e.created_at.clone())
        .updated_at(updated_at)
        .set_severity(e.severity.clone())
        .set_title(e.title.clone())
        .set_description(e.description.clone())
        .set_resources(e.resources.clone())
        .record_state(RecordState::Archived)
        .build()
}

/// Sends `findings` in batches, re-sending the failed ones of each batch.
/// Returns the (id, reason) of those that did not go in.
async fn import(
    client: &Client,
    findings: Vec<AwsSecurityFinding>,
    opts: &ExportOptions,
    calls: &mut usize,
) -> Vec<(String, String)> {
    let mut failed = Vec::new();
    for batch in findings.chunks(BATCH_SIZE) {
        let mut pending: Vec<AwsSecurityFinding> = batch.to_vec();
        let mut attempt = 0;
        loop {
            *calls += 1;
            let res = client
                .batch_import_findings()
                .set_findings(Some(pending.clone()))
                .send()
                .await;
            let errors: Vec<(String, String)> = match res {
                Ok(r) => r
                    .failed_findings()
                    .iter()
                    .map(|e| {
                        (
                            e.id().unwrap_or_default().to_owned(),
                            format!(
                                "{}: {}",
                                e.error_code().unwrap_or("error"),
                                e.error_message().unwrap_or_default()
                            ),
                        )
                    })
                    .collect(),
                Err(e) => {
                    let why = crate::error::describe(&e);
                    pending
                        .iter()
                        .map(|f| (f.id().unwrap_or_default().to_owned(), why.clone()))
                        .collect()
                }
            };
            if errors.is_empty() {
                break;
            }
            if attempt >= opts.resends {
                failed.extend(errors);
                break;
            }
            let again: BTreeSet<&str> = errors.iter().map(|(i, _)| i.as_str()).collect();
            pending.retain(|f| f.id().is_some_and(|i| again.contains(i)));
            if pending.is_empty() {
                // Failures naming ids not sent: nothing to resend.
                failed.extend(errors);
                break;
            }
            tokio::time::sleep(opts.resend_delay * 2u32.saturating_pow(attempt)).await;
            attempt += 1;
        }
    }
    failed
}

const TOP_LEVEL: &[&str] = &[
    "SchemaVersion",
    "Id",
    "ProductArn",
    "GeneratorId",
    "AwsAccountId",
    "Types",
    "CreatedAt",
    "UpdatedAt",
    "Severity",
    "Title",
    "Description",
    "Remediation",
    "ProductFields",
    "Resources",
    "Compliance",
    "RecordState",
    "Workflow",
];

fn obj<'a>(v: &'a Value, path: &str, allowed: &[&str]) -> Result<&'a Map<String, Value>, String> {
    let m = v
        .as_object()
        .ok_or_else(|| format!("{path}: not an object"))?;
    if let Some(k) = m.keys().find(|k| !allowed.contains(&k.as_str())) {
        return Err(format!("{path}: unsupported field {k:?}"));
    }
    Ok(m)
}

fn string(m: &Map<String, Value>, path: &str, key: &str) -> Result<Option<String>, String> {
    match m.get(key) {
        None => Ok(None),
        Some(Value::String(s)) => Ok(Some(s.clone())),
        Some(_) => Err(format!("{path}/{key}: not a string")),
    }
}

fn required(m: &Map<String, Value>, path: &str, key: &str) -> Result<String, String> {
    string(m, path, key)?.ok_or_else(|| format!("{path}/{key}: missing"))
}

fn strings(m: &Map<String, Value>, path: &str, key: &str) -> Result<Option<Vec<String>>, String> {
    match m.get(key) {
        None => Ok(None),
        Some(Value::Array(a)) => a
            .iter()
            .map(|v| {
                v.as_str()
                    .map(str::to_owned)
                    .ok_or_else(|| format!("{path}/{key}: not a list of strings"))
            })
            .collect::<Result<Vec<_>, _>>()
            .map(Some),
        Some(_) => Err(format!("{path}/{key}: not a list")),
    }
}

fn string_map(
    m: &Map<String, Value>,
    path: &str,
    key: &str,
) -> Result<Option<HashMap<String, String>>, String> {
    match m.get(key) {
        None => Ok(None),
        Some(Value::Object(o)) => o
            .iter()
            .map(|(k, v)| {
                v.as_str()
                    .map(|s| (k.clone(), s.to_owned()))
                    .ok_or_else(|| format!("{path}/{key}/{k}: not a string"))
            })
            .collect::<Result<HashMap<_, _>, _>>()
            .map(Some),
        Some(_) => Err(format!("{path}/{key}: not an object")),
    }
}

/// Converts one ASFF finding (JSON) into the SDK's type: the required
/// fields of `BatchImportFindings` must be there, enumerations must hold a
/// known value, and a field this converter does not know is an error.
pub fn to_sdk(v: &Value) -> Result<AwsSecurityFinding, String> {
    let m = obj(v, "", TOP_LEVEL)?;
    let sev = obj(
        m.get("Severity").unwrap_or(&Value::Null),
        "/Severity",
        &["Label", "Original"],
    )?;
    let label = required(sev, "/Severity", "Label")?;
    if !SeverityLabel::values().contains(&label.as_str()) {
        return Err(format!("/Severity/Label: unknown {label:?}"));
    }
    let mut b = AwsSecurityFinding::builder()
        .schema_version(required(m, "", "SchemaVersion")?)
        .id(required(m, "", "Id")?)
        .product_arn(required(m, "", "ProductArn")?)
        .generator_id(required(m, "", "GeneratorId")?)
        .aws_account_id(required(m, "", "AwsAccountId")?)
        .set_types(strings(m, "", "Types")?)
        .created_at(required(m, "", "CreatedAt")?)
        .updated_at(required(m, "", "UpdatedAt")?)
        .severity(
            Severity::builder()
                .label(SeverityLabel::from(label.as_str()))
                .set_original(string(sev, "/Severity", "Original")?)
                .build(),
        )
        .title(required(m, "", "Title")?)
        .description(required(m, "", "Description")?)
        .set_product_fields(string_map(m, "", "ProductFields")?);
    if let Some(r) = m.get("Remediation") {
        let r = obj(r, "/Remediation", &["Recommendation"])?;
        let rec = obj(
            r.get("Recommendation").unwrap_or(&Value::Null),
            "/Remediation/Recommendation",
            &["Text", "Url"],
        )?;
        b = b.remediation(
            Remediation::builder()
                .recommendation(
                    Recommendation::builder()
                        .set_text(string(rec, "/Remediation/Recommendation", "Text")?)
                        .set_url(string(rec, "/Remediation/Recommendation", "Url")?)
                        .build(),
                )
                .build(),
        );
    }
    let resources = match m.get("Resources") {
        Some(Value::Array(a)) if !a.is_empty() => a,
        _ => return Err("/Resources: missing or empty".into()),
    };
    for (i, r) in resources.iter().enumerate() {
        b = b.resources(resource(r, &format!("/Resources/{i}"))?);
    }
    if let Some(c) = m.get("Compliance") {
        b = b.compliance(compliance(c)?);
    }
    if let Some(s) = string(m, "", "RecordState")? {
        if !RecordState::values().contains(&s.as_str()) {
            return Err(format!("/RecordState: unknown {s:?}"));
        }
        b = b.record_state(RecordState::from(s.as_str()));
    }
    if let Some(w) = m.get("Workflow") {
        let w = obj(w, "/Workflow", &["Status"])?;
        let s = required(w, "/Workflow", "Status")?;
        if !WorkflowStatus::values().contains(&s.as_str()) {
            return Err(format!("/Workflow/Status: unknown {s:?}"));
        }
        b = b.workflow(
            Workflow::builder()
                .status(WorkflowStatus::from(s.as_str()))
                .build(),
        );
    }
    Ok(b.build())
}

fn resource(r: &Value, path: &str) -> Result<Resource, String> {
    let m = obj(r, path, &["Type", "Id", "Partition", "Region", "Tags"])?;
    let partition = string(m, path, "Partition")?;
    if let Some(p) = &partition {
        if !Partition::values().contains(&p.as_str()) {
            return Err(format!("{path}/Partition: unknown {p:?}"));
        }
    }
    Ok(Resource::builder()
        .r#type(required(m, path, "Type")?)
        .id(required(m, path, "Id")?)
        .set_partition(partition.as_deref().map(Partition::from))
        .set_region(string(m, path, "Region")?)
        .set_tags(string_map(m, path, "Tags")?)
        .build())
}

fn compliance(c: &Value) -> Result<Compliance, String> {
    let p = "/Compliance";
    let m = obj(
        c,
        p,
        &["Status", "RelatedRequirements", "AssociatedStandards"],
    )?;
    let status = string(m, p, "Status")?;
    if let Some(s) = &status {
        if !ComplianceStatus::values().contains(&s.as_str()) {
            return Err(format!("{p}/Status: unknown {s:?}"));
        }
    }
    let mut b = Compliance::builder()
        .set_status(status.as_deref().map(ComplianceStatus::from))
        .set_related_requirements(strings(m, p, "RelatedRequirements")?);
    if let Some(list) = m.get("AssociatedStandards") {
        for (i, s) in list.as_array().into_iter().flatten().enumerate() {
            let path = format!("{p}/AssociatedStandards/{i}");
            let s = obj(s, &path, &["StandardsId"])?;
            b = b.associated_standards(
                AssociatedStandard::builder()
                    .set_standards_id(string(s, &path, "StandardsId")?)
                    .build(),
            );
        }
    }
    Ok(b.build())
}

#[cfg(test)]
mod tests;
