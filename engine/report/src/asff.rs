//! AWS Security Finding Format (`--format asff`): a JSON array of findings
//! in the shape of Security Hub's `BatchImportFindings` request, one per
//! result, for `palisade export securityhub` or any other importer.
//!
//! Every field limit of the Security Hub API reference is respected (string
//! lengths in characters, list sizes); [`check`] verifies a finding against
//! them and is what the tests and the export run before anything is sent.
//! Cloud strings are carried exactly where they fit; a string over its limit
//! is cut at a character boundary and ends with `…`. The mapping is
//! documented in docs/ocsf-asff.md.

use std::collections::BTreeMap;

use chrono::SecondsFormat;
use palisade_eval::{CheckResult, Status};
use palisade_rules::Severity;
use serde::Serialize;
use serde_json::Value;

use crate::{ReportError, ScanReport};

/// ASFF schema version.
pub const SCHEMA_VERSION: &str = "2018-10-08";
/// The Security Hub region findings on global resources (IAM, accounts) and
/// on resources whose region is not a region name go to, unless the export
/// says otherwise (`--home-region`).
pub const DEFAULT_HOME_REGION: &str = "us-east-1";
/// Product field naming the resource's own region (`global` for IAM).
pub const RESOURCE_REGION_FIELD: &str = "palisade/ResourceRegion";

/// Field limits from the Security Hub API reference (characters / items).
pub mod limits {
    /// `Id`, `GeneratorId`.
    pub const ID: usize = 512;
    /// `Title`.
    pub const TITLE: usize = 256;
    /// `Description`.
    pub const DESCRIPTION: usize = 1024;
    /// `Remediation.Recommendation.Text`.
    pub const RECOMMENDATION: usize = 512;
    /// `Types`.
    pub const TYPES: usize = 50;
    /// `Resources`.
    pub const RESOURCES: usize = 32;
    /// `Resources[].Type`.
    pub const RESOURCE_TYPE: usize = 256;
    /// `Region`, `Resources[].Region`.
    pub const REGION: usize = 16;
    /// `Resources[].Tags` entries.
    pub const TAGS: usize = 50;
    /// Tag key.
    pub const TAG_KEY: usize = 128;
    /// Tag value.
    pub const TAG_VALUE: usize = 256;
    /// `ProductFields` entries.
    pub const PRODUCT_FIELDS: usize = 50;
    /// `ProductFields` key.
    pub const PRODUCT_FIELD_KEY: usize = 128;
    /// `ProductFields` value.
    pub const PRODUCT_FIELD_VALUE: usize = 2048;
    /// `Compliance.RelatedRequirements`.
    pub const RELATED_REQUIREMENTS: usize = 32;
    /// `Compliance.AssociatedStandards`.
    pub const ASSOCIATED_STANDARDS: usize = 10;
    /// `Severity.Original`.
    pub const SEVERITY_ORIGINAL: usize = 64;
    /// `ProductArn` (minimum 12).
    pub const PRODUCT_ARN: usize = 2048;
}

/// How findings are built.
#[derive(Debug, Clone)]
pub struct AsffOptions {
    /// Where findings on global resources go.
    pub home_region: String,
}

impl Default for AsffOptions {
    fn default() -> Self {
        Self {
            home_region: DEFAULT_HOME_REGION.to_owned(),
        }
    }
}

/// One ASFF finding (the fields Palisade sets).
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "PascalCase")]
#[allow(missing_docs)]
pub struct Finding {
    pub schema_version: &'static str,
    pub id: String,
    pub product_arn: String,
    pub generator_id: String,
    pub aws_account_id: String,
    pub types: Vec<String>,
    pub created_at: String,
    pub updated_at: String,
    pub severity: SeverityField,
    pub title: String,
    pub description: String,
    pub remediation: Remediation,
    pub product_fields: BTreeMap<String, String>,
    pub resources: Vec<Resource>,
    pub compliance: Compliance,
    pub record_state: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub workflow: Option<Workflow>,
}

/// `Severity`.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "PascalCase")]
#[allow(missing_docs)]
pub struct SeverityField {
    pub label: &'static str,
    pub original: &'static str,
}

/// `Remediation`.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "PascalCase")]
#[allow(missing_docs)]
pub struct Remediation {
    pub recommendation: Recommendation,
}

/// `Remediation.Recommendation`.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "PascalCase")]
#[allow(missing_docs)]
pub struct Recommendation {
    pub text: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub url: Option<String>,
}

/// `Resources[]`.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "PascalCase")]
#[allow(missing_docs)]
pub struct Resource {
    #[serde(rename = "Type")]
    pub kind: String,
    pub id: String,
    pub partition: String,
    pub region: String,
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    pub tags: BTreeMap<String, String>,
}

/// `Compliance`.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "PascalCase")]
#[allow(missing_docs)]
pub struct Compliance {
    pub status: &'static str,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub related_requirements: Vec<String>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub associated_standards: Vec<Standard>,
}

/// `Compliance.AssociatedStandards[]`.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "PascalCase")]
#[allow(missing_docs)]
pub struct Standard {
    pub standards_id: String,
}

/// `Workflow`.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "PascalCase")]
#[allow(missing_docs)]
pub struct Workflow {
    pub status: &'static str,
}

/// Cuts `s` to at most `max` characters; a cut string ends with `…`.
pub fn truncate(s: &str, max: usize) -> String {
    if s.chars().count() <= max {
        return s.to_owned();
    }
    let mut out: String = s.chars().take(max.saturating_sub(1)).collect();
    out.push('…');
    out
}

/// ASFF `Severity.Label`.
pub fn severity_label(s: Severity) -> &'static str {
    match s {
        Severity::Info => "INFORMATIONAL",
        Severity::Low => "LOW",
        Severity::Medium => "MEDIUM",
        Severity::High => "HIGH",
        Severity::Critical => "CRITICAL",
    }
}

/// ASFF `Compliance.Status`: a result whose data could not be read (not
/// evaluated) is NOT_AVAILABLE, one whose evaluation failed is WARNING.
pub fn compliance_status(s: Status) -> &'static str {
    match s {
        Status::Pass => "PASSED",
        Status::Fail => "FAILED",
        Status::NotEvaluated => "NOT_AVAILABLE",
        Status::Error => "WARNING",
    }
}

/// The ASFF resource type of a Cedar entity type (`Other` when ASFF has none).
pub fn resource_type(cedar: &str) -> &'static str {
    match cedar {
        "AWS::Account" => "AwsAccount",
        "AWS::IAM::User" => "AwsIamUser",
        "AWS::IAM::AccessKey" => "AwsIamAccessKey",
        "AWS::IAM::Group" => "AwsIamGroup",
        "AWS::IAM::Role" => "AwsIamRole",
        "AWS::IAM::ManagedPolicy" => "AwsIamPolicy",
        "AWS::EC2::Vpc" => "AwsEc2Vpc",
        "AWS::EC2::Subnet" => "AwsEc2Subnet",
        "AWS::EC2::SecurityGroup" => "AwsEc2SecurityGroup",
        "AWS::EC2::NetworkAcl" => "AwsEc2NetworkAcl",
        "AWS::WAFv2::WebACL" => "AwsWafv2WebAcl",
        "AWS::Backup::BackupVault" => "AwsBackupBackupVault",
        "AWS::Backup::BackupPlan" => "AwsBackupBackupPlan",
        _ => "Other",
    }
}

/// True for a string that can be an AWS region name (and so a Security Hub
/// endpoint and ARN component).
pub fn is_region_name(s: &str) -> bool {
    (1..=limits::REGION).contains(&s.len())
        && s.starts_with(|c: char| c.is_ascii_lowercase())
        && s.chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
}

/// Builds one finding per result. Results of accounts that are not AWS
/// accounts (templates and plans) cannot go to Security Hub: an error.
pub fn findings(report: &ScanReport<'_>, opts: &AsffOptions) -> Result<Vec<Finding>, ReportError> {
    let time = scan_time(report);
    report
        .results
        .iter()
        .map(|r| finding(report, r, opts, &time))
        .collect()
}

/// The findings' CreatedAt / UpdatedAt: the snapshot's scan time.
fn scan_time(report: &ScanReport<'_>) -> String {
    report
        .snapshot
        .snapshot
        .scan_time
        .to_rfc3339_opts(SecondsFormat::Millis, true)
}

/// Refuses a report with results of accounts that are not AWS accounts
/// (templates and plans), before anything is written.
pub fn check_accounts(report: &ScanReport<'_>) -> Result<(), ReportError> {
    match report
        .results
        .iter()
        .find(|r| !is_account_id(&r.resource.account_id))
    {
        None => Ok(()),
        Some(r) => Err(not_an_account(r)),
    }
}

fn is_account_id(account: &str) -> bool {
    account.len() == 12 && account.bytes().all(|b| b.is_ascii_digit())
}

fn not_an_account(r: &CheckResult) -> ReportError {
    ReportError::Render {
        format: "asff",
        message: format!(
            "result {} on {:?}: account {:?} is not an AWS account id; Security Hub takes findings of collected accounts only (scan the snapshot without templates or plans)",
            r.rule_id, r.resource.id, r.resource.account_id
        ),
    }
}

/// Writes the findings as a pretty JSON array, one finding at a time (a
/// scan of a million results is never held whole in memory); the bytes are
/// those of [`render`].
pub fn write(
    report: &ScanReport<'_>,
    opts: &AsffOptions,
    w: &mut dyn std::io::Write,
) -> Result<(), ReportError> {
    check_accounts(report)?;
    let io = |e: std::io::Error| ReportError::Render {
        format: "asff",
        message: e.to_string(),
    };
    if report.results.is_empty() {
        return w.write_all(b"[]\n").map_err(io);
    }
    let time = scan_time(report);
    w.write_all(b"[").map_err(io)?;
    for (i, r) in report.results.iter().enumerate() {
        let f = finding(report, r, opts, &time)?;
        let text = serde_json::to_string_pretty(&f).map_err(|e| ReportError::Render {
            format: "asff",
            message: e.to_string(),
        })?;
        w.write_all(if i == 0 { b"\n" } else { b",\n" })
            .map_err(io)?;
        // An element of a pretty array is indented one level; JSON strings
        // carry no raw line break, so every line is indented.
        for (n, line) in text.lines().enumerate() {
            if n > 0 {
                w.write_all(b"\n").map_err(io)?;
            }
            w.write_all(b"  ").map_err(io)?;
            w.write_all(line.as_bytes()).map_err(io)?;
        }
    }
    w.write_all(b"\n]\n").map_err(io)
}

/// Renders the findings as a pretty JSON array.
pub fn render(report: &ScanReport<'_>, opts: &AsffOptions) -> Result<String, ReportError> {
    let mut out = Vec::new();
    write(report, opts, &mut out)?;
    String::from_utf8(out).map_err(|e| ReportError::Render {
        format: "asff",
        message: e.to_string(),
    })
}

fn finding(
    report: &ScanReport<'_>,
    r: &CheckResult,
    opts: &AsffOptions,
    time: &str,
) -> Result<Finding, ReportError> {
    let account = &r.resource.account_id;
    if !is_account_id(account) {
        return Err(not_an_account(r));
    }
    let fid = r.finding_id();
    let meta = report.rule(&r.rule_id).map(|x| &x.meta);
    let partition = report
        .snapshot
        .snapshot
        .accounts
        .iter()
        .find(|a| &a.account_id == account)
        .map(|a| a.partition.as_str())
        .filter(|p| matches!(*p, "aws" | "aws-cn" | "aws-us-gov"))
        .unwrap_or("aws");
    let region = if is_region_name(&r.resource.region) && r.resource.region != "global" {
        r.resource.region.clone()
    } else {
        opts.home_region.clone()
    };
    let title = truncate(meta.map_or(&r.rule_id, |m| &m.title), limits::TITLE);
    let severity = report.severity(r);
    let (requirements, standards, types) = mappings(report, r);
    let mut fields = product_fields(report, r, &fid);
    if requirements.len() > limits::RELATED_REQUIREMENTS {
        fields.insert(
            "palisade/RequirementsOmitted".into(),
            (requirements.len() - limits::RELATED_REQUIREMENTS).to_string(),
        );
    }
    let (tags, omitted) = tags(&r.resource.tags);
    if omitted > 0 {
        fields.insert("palisade/TagsOmitted".into(), omitted.to_string());
    }
    Ok(Finding {
        schema_version: SCHEMA_VERSION,
        product_arn: format!(
            "arn:{partition}:securityhub:{region}:{account}:product/{account}/default"
        ),
        generator_id: truncate(&format!("palisade/{}", r.rule_id), limits::ID),
        aws_account_id: account.clone(),
        types,
        created_at: time.to_owned(),
        updated_at: time.to_owned(),
        severity: SeverityField {
            label: severity_label(severity),
            original: severity.as_str(),
        },
        description: truncate(&description(r, meta, &title), limits::DESCRIPTION),
        title,
        remediation: Remediation {
            recommendation: Recommendation {
                text: truncate(
                    meta.map(|m| m.remediation.trim())
                        .filter(|t| !t.is_empty())
                        .unwrap_or("See the rule's documentation."),
                    limits::RECOMMENDATION,
                ),
                url: meta.and_then(|m| m.references.first().cloned()),
            },
        },
        product_fields: fields,
        resources: vec![Resource {
            kind: resource_type(&r.resource.resource_type).to_owned(),
            id: r.resource.id.clone(),
            partition: partition.to_owned(),
            region,
            tags,
        }],
        compliance: Compliance {
            status: compliance_status(r.status),
            related_requirements: requirements
                .into_iter()
                .take(limits::RELATED_REQUIREMENTS)
                .collect(),
            associated_standards: standards
                .into_iter()
                .take(limits::ASSOCIATED_STANDARDS)
                .collect(),
        },
        record_state: "ACTIVE",
        workflow: report.triage.waiver_for(&fid).map(|_| Workflow {
            status: "SUPPRESSED",
        }),
        id: fid,
    })
}

/// The description: why the rule matters; for a result that could not be
/// judged, why first.
fn description(r: &CheckResult, meta: Option<&palisade_rules::RuleMeta>, title: &str) -> String {
    let rationale = meta.map_or("", |m| m.rationale.trim());
    let base = if rationale.is_empty() {
        title
    } else {
        rationale
    };
    match r.status {
        Status::NotEvaluated | Status::Error => format!(
            "{}: {}. {base}",
            if r.status == Status::Error {
                "Evaluation error"
            } else {
                "Not evaluated"
            },
            r.message.as_deref().unwrap_or("no reason recorded")
        ),
        Status::Fail => match &r.exposure {
            Some(e) => format!("{}. {base}", e.summary()),
            None => base.to_owned(),
        },
        Status::Pass => base.to_owned(),
    }
}

/// Related requirements (`framework-id/control`), associated standards and
/// finding types of a result's rule.
fn mappings(report: &ScanReport<'_>, r: &CheckResult) -> (Vec<String>, Vec<Standard>, Vec<String>) {
    let Some(rule) = report.rule(&r.rule_id) else {
        return (
            Vec::new(),
            Vec::new(),
            vec!["Software and Configuration Checks/AWS Security Best Practices".into()],
        );
    };
    let mut reqs = Vec::new();
    let mut standards = Vec::new();
    let mut types = vec![format!(
        "Software and Configuration Checks/AWS Security Best Practices/Palisade {}",
        rule.meta.pack.as_str()
    )];
    for (fw, controls) in &rule.meta.frameworks {
        reqs.extend(controls.iter().map(|c| format!("{fw}/{c}")));
        standards.push(Standard {
            standards_id: format!("palisade/{fw}"),
        });
        types.push(format!(
            "Software and Configuration Checks/Industry and Regulatory Standards/{fw}"
        ));
    }
    types.truncate(limits::TYPES);
    (reqs, standards, types)
}

/// Palisade's own fields: the rule, the exact resource name, region and
/// type, the result, its reachability verdict and path, and its triage. Values over the limit are cut; empty
/// values are left out (the API takes none).
fn product_fields(report: &ScanReport<'_>, r: &CheckResult, fid: &str) -> BTreeMap<String, String> {
    let mut f = BTreeMap::new();
    let mut put = |k: &str, v: &str| {
        if !v.trim().is_empty() {
            f.insert(k.to_owned(), truncate(v, limits::PRODUCT_FIELD_VALUE));
        }
    };
    put("palisade/RuleId", &r.rule_id);
    put("palisade/Result", r.status.as_str());
    put("palisade/ResourceType", &r.resource.resource_type);
    put("palisade/ResourceName", &r.resource.name);
    put(RESOURCE_REGION_FIELD, &r.resource.region);
    if let Some(m) = &r.message {
        put("palisade/Message", m);
    }
    if let Some(rule) = report.adjusted_from(r) {
        put("palisade/RuleSeverity", rule.as_str());
    }
    if let Some(e) = &r.exposure {
        put("palisade/Reachability", e.verdict.as_str());
        put("palisade/ReachabilityReason", &e.reason);
        let hops: Vec<String> = e
            .path
            .iter()
            .map(|h| format!("{} {}", h.kind, h.id))
            .collect();
        put("palisade/NetworkPath", &hops.join(" -> "));
    }
    if let Some(s) = report.triage.states.get(fid) {
        put("palisade/BaselineState", s.as_str());
    }
    if let Some(w) = report.triage.waiver_for(fid) {
        put(
            "palisade/Waiver",
            &format!("until {} by {}: {}", w.expires, w.owner, w.reason),
        );
    }
    f
}

/// The resource tags that fit (sorted by key, at most 50, keys and values
/// cut to their limits), and how many were left out.
fn tags(all: &BTreeMap<String, String>) -> (BTreeMap<String, String>, usize) {
    let kept: BTreeMap<String, String> = all
        .iter()
        .filter(|(k, _)| !k.trim().is_empty())
        .take(limits::TAGS)
        .map(|(k, v)| (truncate(k, limits::TAG_KEY), truncate(v, limits::TAG_VALUE)))
        .collect();
    let omitted = all.len() - kept.len();
    (kept, omitted)
}

/// Checks one ASFF finding (as JSON) against the `BatchImportFindings`
/// request shape: the required fields and every limit Palisade's findings
/// can reach. Returns each problem found.
pub fn check(f: &Value) -> Vec<String> {
    let mut errs = Vec::new();
    let s = |p: &str| f.pointer(p).and_then(Value::as_str);
    let mut len = |p: &str, min: usize, max: usize| match f.pointer(p).and_then(Value::as_str) {
        Some(v) if (min..=max).contains(&v.chars().count()) && !v.trim().is_empty() => {}
        Some(v) => errs.push(format!(
            "{p}: {} characters, want {min}..={max}",
            v.chars().count()
        )),
        None => errs.push(format!("{p}: missing")),
    };
    len("/SchemaVersion", 1, 64);
    len("/Id", 1, limits::ID);
    len("/ProductArn", 12, limits::PRODUCT_ARN);
    len("/GeneratorId", 1, limits::ID);
    len("/AwsAccountId", 12, 12);
    len("/CreatedAt", 1, 64);
    len("/UpdatedAt", 1, 64);
    len("/Title", 1, limits::TITLE);
    len("/Description", 1, limits::DESCRIPTION);
    if f.pointer("/Remediation").is_some() {
        len(
            "/Remediation/Recommendation/Text",
            1,
            limits::RECOMMENDATION,
        );
    }
    if s("/SchemaVersion") != Some(SCHEMA_VERSION) {
        errs.push("/SchemaVersion: not 2018-10-08".into());
    }
    if !matches!(
        s("/Severity/Label"),
        Some("INFORMATIONAL" | "LOW" | "MEDIUM" | "HIGH" | "CRITICAL")
    ) {
        errs.push("/Severity/Label: missing or not a label".into());
    }
    let count = |p: &str| f.pointer(p).and_then(Value::as_array).map_or(0, Vec::len);
    let types = count("/Types");
    if !(1..=limits::TYPES).contains(&types) {
        errs.push(format!("/Types: {types} items"));
    }
    let resources = count("/Resources");
    if !(1..=limits::RESOURCES).contains(&resources) {
        errs.push(format!("/Resources: {resources} items"));
    }
    for (p, max) in [
        (
            "/Compliance/RelatedRequirements",
            limits::RELATED_REQUIREMENTS,
        ),
        (
            "/Compliance/AssociatedStandards",
            limits::ASSOCIATED_STANDARDS,
        ),
    ] {
        if count(p) > max {
            errs.push(format!("{p}: {} items, at most {max}", count(p)));
        }
    }
    for (i, r) in f
        .pointer("/Resources")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .enumerate()
    {
        errs.extend(check_resource(i, r));
    }
    errs.extend(check_map(
        f.pointer("/ProductFields"),
        "/ProductFields",
        limits::PRODUCT_FIELDS,
        limits::PRODUCT_FIELD_KEY,
        limits::PRODUCT_FIELD_VALUE,
    ));
    if let Some(region) = s("/Resources/0/Region") {
        let arn_region = s("/ProductArn").and_then(|a| a.split(':').nth(3));
        if arn_region != Some(region) || !is_region_name(region) {
            errs.push(format!(
                "/ProductArn: region {arn_region:?} is not the resource's {region:?}"
            ));
        }
    }
    errs
}

fn check_resource(i: usize, r: &Value) -> Vec<String> {
    let mut errs = Vec::new();
    let get = |k: &str| r.get(k).and_then(Value::as_str);
    match get("Type") {
        Some(t) if (1..=limits::RESOURCE_TYPE).contains(&t.chars().count()) => {}
        _ => errs.push(format!("/Resources/{i}/Type: missing or over 256")),
    }
    if get("Id").is_none_or(|v| v.trim().is_empty()) {
        errs.push(format!("/Resources/{i}/Id: missing or blank"));
    }
    if get("Region").is_some_and(|v| !is_region_name(v)) {
        errs.push(format!("/Resources/{i}/Region: not a region name"));
    }
    if get("Partition").is_some_and(|p| !matches!(p, "aws" | "aws-cn" | "aws-us-gov")) {
        errs.push(format!("/Resources/{i}/Partition: not a partition"));
    }
    errs.extend(check_map(
        r.get("Tags"),
        &format!("/Resources/{i}/Tags"),
        limits::TAGS,
        limits::TAG_KEY,
        limits::TAG_VALUE,
    ));
    errs
}

fn check_map(v: Option<&Value>, p: &str, items: usize, key: usize, value: usize) -> Vec<String> {
    let Some(map) = v.and_then(Value::as_object) else {
        return Vec::new();
    };
    let mut errs = Vec::new();
    if map.len() > items {
        errs.push(format!("{p}: {} entries, at most {items}", map.len()));
    }
    for (k, v) in map {
        let v = v.as_str().unwrap_or_default();
        if k.chars().count() > key || v.chars().count() > value {
            errs.push(format!("{p}: an entry over its key or value limit"));
        }
    }
    errs
}

#[cfg(test)]
mod tests {
    use serde_json::Value;

    use crate::testing::Scan;

    fn doc(scan: &Scan) -> Vec<Value> {
        let text = super::render(&scan.report(), &super::AsffOptions::default()).unwrap();
        serde_json::from_str(&text).expect("a JSON array")
    }

    #[test]
    fn every_finding_fits_the_import_shape() {
        for fixture in ["demo/snapshot.json", "hostile/snapshot.json"] {
            let scan = Scan::of(fixture);
            let all = doc(&scan);
            assert_eq!(all.len(), scan.results.len());
            for (f, r) in all.iter().zip(&scan.results) {
                assert_eq!(super::check(f), Vec::<String>::new(), "{fixture} {f}");
                assert_eq!(f["Id"], r.finding_id());
                assert_eq!(f["GeneratorId"], format!("palisade/{}", r.rule_id));
                assert_eq!(f["Resources"][0]["Id"], r.resource.id.as_str());
                assert_eq!(
                    f["Compliance"]["Status"],
                    super::compliance_status(r.status)
                );
                assert_eq!(f["RecordState"], "ACTIVE");
            }
        }
    }

    #[test]
    fn hostile_strings_are_exact_where_they_fit_and_cut_where_they_do_not() {
        let scan = Scan::hostile();
        let all = doc(&scan);
        let mut routed = 0;
        for (f, r) in all.iter().zip(&scan.results) {
            let name = &f["ProductFields"]["palisade/ResourceName"];
            if r.resource.name.chars().count() <= super::limits::PRODUCT_FIELD_VALUE
                && !r.resource.name.trim().is_empty()
            {
                assert_eq!(name, r.resource.name.as_str());
            }
            assert_eq!(
                f["ProductFields"][super::RESOURCE_REGION_FIELD],
                r.resource.region.as_str()
            );
            if !super::is_region_name(&r.resource.region) || r.resource.region == "global" {
                routed += 1;
                assert_eq!(f["Resources"][0]["Region"], super::DEFAULT_HOME_REGION);
            }
        }
        assert!(routed > 0, "the hostile region goes to the home region");
        let text = serde_json::to_string(&all).unwrap();
        assert!(text.contains("<script>alert(1)</script>"));
    }

    #[test]
    fn truncation_is_clean_and_check_catches_overflow() {
        let long = "é".repeat(2000);
        let cut = super::truncate(&long, 1024);
        assert_eq!(cut.chars().count(), 1024);
        assert!(cut.ends_with('…'));
        assert_eq!(super::truncate("short", 1024), "short");
        let scan = Scan::of("demo/snapshot.json");
        let mut f = doc(&scan).remove(0);
        f["Description"] = Value::String("x".repeat(1025));
        f["Resources"] = Value::Array(vec![f["Resources"][0].clone(); 33]);
        let errs = super::check(&f);
        assert!(
            errs.iter().any(|e| e.starts_with("/Description")),
            "{errs:?}"
        );
        assert!(
            errs.iter().any(|e| e.starts_with("/Resources:")),
            "{errs:?}"
        );
    }

    #[test]
    fn waived_findings_are_suppressed_in_the_workflow() {
        let mut scan = Scan::of("demo/snapshot.json");
        let fail = scan
            .results
            .iter()
            .position(|r| r.status == palisade_eval::Status::Fail)
            .unwrap();
        let fid = scan.results[fail].finding_id();
        scan.triage.waivers.push(palisade_triage::Waiver {
            rule: scan.results[fail].rule_id.clone(),
            resource: None,
            account: None,
            region: None,
            tags: Default::default(),
            reason: "accepted risk".into(),
            owner: "team".into(),
            expires: chrono::NaiveDate::from_ymd_opt(2099, 1, 1).unwrap(),
            line: 1,
        });
        scan.triage.suppressed.insert(fid, 0);
        let all = doc(&scan);
        assert_eq!(all[fail]["Workflow"]["Status"], "SUPPRESSED");
        assert_eq!(
            all.iter().filter(|f| f.get("Workflow").is_some()).count(),
            1
        );
    }

    #[test]
    fn template_accounts_are_refused() {
        let scan = Scan::of("demo/snapshot.json");
        let mut results = scan.results.clone();
        results[0].resource.account_id = "unknown".into();
        let report = crate::ScanReport::new(
            &scan.snapshot,
            crate::testing::pack(),
            &results,
            &scan.triage,
        );
        let e = super::render(&report, &super::AsffOptions::default()).unwrap_err();
        assert!(e.to_string().contains("not an AWS account id"), "{e}");
    }
}
