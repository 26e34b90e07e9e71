//! The data the HTML page renders from, built from one [`ScanReport`] and
//! serialised once as JSON: rule metadata once per rule, results as compact
//! rows of indexes into shared tables (accounts, regions, types, rules), so a
//! 100,000-result scan stays a few megabytes and the page filters and sorts
//! on small integer arrays.

use std::collections::{BTreeMap, HashMap};

use palisade_eval::result::Reachability;
use palisade_eval::{CheckResult, ResourceRef, Status};
use palisade_rules::Framework;
use palisade_triage::BaselineState;
use serde::Serialize;

use super::HtmlOptions;
use crate::digest::HistorySection;
use crate::framework::controls;
use crate::{ScanReport, Summary, TOOL_NAME, TOOL_VERSION};

/// Everything the page shows.
#[derive(Serialize)]
pub(super) struct Data<'a> {
    meta: Meta<'a>,
    summary: Summary,
    /// Failures (open and waived) by account and by region.
    failures_by_account: BTreeMap<&'a str, usize>,
    failures_by_region: BTreeMap<&'a str, usize>,
    /// Every coverage gap: account, service, region, api, error.
    gaps: Vec<[Option<&'a str>; 5]>,
    /// Rule metadata, referenced by index from results.
    rules: Vec<RuleInfo<'a>>,
    accounts: Vec<&'a str>,
    regions: Vec<&'a str>,
    types: Vec<&'a str>,
    /// Waivers that suppress at least one finding: reason, owner, expiry.
    waivers: Vec<[String; 3]>,
    /// Every resource with a result, once.
    resources: Resources<'a>,
    /// Every result, as columns.
    results: Results<'a>,
    frameworks: Vec<FrameworkInfo<'a>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    history: Option<History<'a>>,
}

/// Provenance of the scan.
#[derive(Serialize)]
struct Meta<'a> {
    tool: &'static str,
    version: &'static str,
    snapshot_uri: &'a str,
    snapshot_sha256: &'a str,
    scan_time: String,
    rules_fingerprint: String,
    rules_count: usize,
    /// Templates and plans scanned: (uri, sha256).
    inputs: &'a [(String, String)],
    /// The baseline file compared with, when one was given.
    baseline: Option<String>,
    /// The waiver file applied, when one was given.
    waivers: Option<String>,
}

/// One rule's metadata.
#[derive(Serialize)]
struct RuleInfo<'a> {
    id: &'a str,
    title: &'a str,
    severity: &'static str,
    /// 0 (critical) to 4 (info): the sort key.
    rank: u8,
    pack: &'static str,
    service: &'a str,
    rationale: &'a str,
    remediation: &'a str,
    cloudformation: Option<&'a str>,
    terraform: Option<&'a str>,
    iac_note: Option<&'a str>,
    /// Framework id -> control ids.
    frameworks: &'a BTreeMap<String, Vec<String>>,
}

/// The resources, as columns indexed by resource number.
#[derive(Serialize, Default)]
struct Resources<'a> {
    id: Vec<&'a str>,
    name: Vec<&'a str>,
    /// Index into `types`.
    #[serde(rename = "type")]
    type_: Vec<usize>,
    /// Index into `accounts`.
    account: Vec<usize>,
    /// Index into `regions`.
    region: Vec<usize>,
    /// Where the resource is written: index into `files`, line, column (0
    /// when unknown).
    file: Vec<usize>,
    line: Vec<usize>,
    column: Vec<usize>,
    files: Vec<&'a str>,
    /// (resource number, tags) of the resources with tags.
    tags: Vec<(usize, &'a BTreeMap<String, String>)>,
}

/// The results, as columns indexed by result number.
#[derive(Serialize, Default)]
struct Results<'a> {
    /// Index into `rules`.
    rule: Vec<usize>,
    /// 0 fail, 1 pass, 2 error, 3 not evaluated.
    status: Vec<u8>,
    /// Resource number.
    resource: Vec<usize>,
    /// Baseline state, when a baseline was given (0 none, 1 new,
    /// 2 unchanged, 3 updated); empty otherwise.
    baseline: Vec<u8>,
    /// (result number, waiver index) of the suppressed findings.
    waiver: Vec<(usize, usize)>,
    /// (result number, message) of the results with a message.
    message: Vec<(usize, &'a str)>,
    /// (result number, severity rank 0 critical to 4 info) of the results
    /// whose reachability verdict adjusted their rule's severity.
    severity: Vec<(usize, u8)>,
    /// (result number, verdict, reason, path) of the results with a
    /// reachability verdict: verdict 0 reachable, 1 not reachable,
    /// 2 unknown; each hop as [kind, id, label].
    exposure: Vec<(usize, u8, &'a str, Vec<[&'a str; 3]>)>,
}

impl<'a> Results<'a> {
    /// Records result `i`'s adjusted severity and reachability verdict, if
    /// it has them.
    fn push_reachability(&mut self, report: &ScanReport<'_>, i: usize, r: &'a CheckResult) {
        if report.adjusted_from(r).is_some() {
            self.severity.push((i, rank(report.severity(r))));
        }
        if let Some(e) = &r.exposure {
            let verdict = match e.verdict {
                Reachability::Reachable => 0,
                Reachability::NotReachable => 1,
                Reachability::Unknown => 2,
            };
            let path = e
                .path
                .iter()
                .map(|h| [h.kind.as_str(), h.id.as_str(), h.label.as_str()])
                .collect();
            self.exposure.push((i, verdict, e.reason.as_str(), path));
        }
    }
}

/// One framework's controls.
#[derive(Serialize)]
struct FrameworkInfo<'a> {
    id: &'a str,
    name: &'a str,
    version: &'a str,
    scope: &'a str,
    /// Controls by status name.
    counts: BTreeMap<&'static str, usize>,
    controls: Vec<ControlInfo<'a>>,
}

/// One control: id, title, status, failing, waived and not-evaluated
/// resource counts, note, the first failing resources.
#[derive(Serialize)]
struct ControlInfo<'a> {
    id: &'a str,
    title: &'a str,
    status: &'static str,
    failing: usize,
    waived: usize,
    not_evaluated: usize,
    note: &'a str,
    rules: &'a [String],
    /// The first failing (then not evaluated) resources, at most [`LISTED`].
    resources: Vec<&'a str>,
}

/// Resources listed per control.
const LISTED: usize = 25;

/// The history section, with each trend point's pass rate.
#[derive(Serialize)]
struct History<'a> {
    #[serde(flatten)]
    section: &'a HistorySection,
    /// Per trend, per point: pass rate in [0, 1], or null.
    rates: Vec<Vec<Option<f64>>>,
}

/// Index of `s` in the sorted, deduplicated `table`.
fn index(table: &[&str], s: &str) -> usize {
    table.binary_search(&s).unwrap_or(0)
}

/// Sorted distinct values.
fn table<'a>(values: impl Iterator<Item = &'a str>) -> Vec<&'a str> {
    let mut v: Vec<&str> = values.collect();
    v.sort_unstable();
    v.dedup();
    v
}

impl<'a> Data<'a> {
    /// Builds the page data of `report`.
    pub(super) fn of(report: &'a ScanReport<'a>, opts: &HtmlOptions<'a>) -> Self {
        let snap = &report.snapshot.snapshot;
        let rules: Vec<RuleInfo<'a>> = report.pack.rules.iter().map(rule_info).collect();
        let rule_index: BTreeMap<&str, usize> =
            rules.iter().enumerate().map(|(i, r)| (r.id, i)).collect();
        let res = report.results;
        let accounts = table(res.iter().map(|r| r.resource.account_id.as_str()));
        let regions = table(res.iter().map(|r| r.resource.region.as_str()));
        let types = table(res.iter().map(|r| r.resource.resource_type.as_str()));
        let Columns {
            resources,
            results,
            waivers,
            failures_by_account,
            failures_by_region,
        } = Columns::of(report, &rule_index, (&accounts, &regions, &types));
        let frameworks: Vec<&'a Framework> = match &opts.frameworks {
            Some(f) => f.clone(),
            None => report.pack.frameworks.iter().collect(),
        };
        Data {
            meta: Meta {
                tool: TOOL_NAME,
                version: TOOL_VERSION,
                snapshot_uri: &report.snapshot_uri,
                snapshot_sha256: &report.snapshot.sha256,
                scan_time: snap.scan_time.to_rfc3339(),
                rules_fingerprint: report.pack.fingerprint(),
                rules_count: report.pack.rules.len(),
                inputs: &report.inputs,
                baseline: report
                    .triage
                    .baseline_file
                    .as_ref()
                    .map(|p| p.display().to_string()),
                waivers: report
                    .triage
                    .waiver_file
                    .as_ref()
                    .map(|p| p.display().to_string()),
            },
            summary: report.summary(),
            failures_by_account,
            failures_by_region,
            gaps: report
                .gaps()
                .into_iter()
                .map(|(a, g)| {
                    [
                        Some(a),
                        Some(g.service.as_str()),
                        Some(g.region.as_str()),
                        Some(g.api.as_str()),
                        g.error.as_deref(),
                    ]
                })
                .collect(),
            rules,
            accounts,
            regions,
            types,
            waivers,
            resources,
            results,
            frameworks: frameworks
                .into_iter()
                .map(|fw| framework_info(report, fw))
                .collect(),
            history: opts.history.map(|h| History {
                section: h,
                rates: h
                    .trends
                    .iter()
                    .map(|t| t.points.iter().map(|p| p.pass_rate()).collect())
                    .collect(),
            }),
        }
    }
}

impl<'a> Resources<'a> {
    /// Adds a resource: its id, name, type, account, region and place.
    fn push(
        &mut self,
        report: &'a ScanReport<'a>,
        r: &'a ResourceRef,
        (accounts, regions, types): (&[&str], &[&str], &[&str]),
        files: &mut HashMap<&'a str, usize>,
    ) {
        let n = self.id.len();
        self.id.push(&r.id);
        self.name.push(&r.name);
        self.type_.push(index(types, &r.resource_type));
        self.account.push(index(accounts, &r.account_id));
        self.region.push(index(regions, &r.region));
        let place = report.place_of(r);
        let file = *files.entry(place.uri).or_insert_with(|| {
            self.files.push(place.uri);
            self.files.len() - 1
        });
        self.file.push(file);
        self.line.push(place.line);
        self.column.push(place.column.unwrap_or(0));
        if !r.tags.is_empty() {
            self.tags.push((n, &r.tags));
        }
    }
}

/// The results and resources as columns, the waivers they use, and the
/// failures by account and region.
struct Columns<'a> {
    resources: Resources<'a>,
    results: Results<'a>,
    waivers: Vec<[String; 3]>,
    failures_by_account: BTreeMap<&'a str, usize>,
    failures_by_region: BTreeMap<&'a str, usize>,
}

impl<'a> Columns<'a> {
    /// One pass over the results; each resource is stored the first time
    /// a result names it.
    fn of(
        report: &'a ScanReport<'a>,
        rule_index: &BTreeMap<&str, usize>,
        tables: (&[&str], &[&str], &[&str]),
    ) -> Self {
        let (mut failures_by_account, mut failures_by_region) = (BTreeMap::new(), BTreeMap::new());
        let (mut resources, mut results) = (Resources::default(), Results::default());
        let mut numbers: HashMap<&ResourceRef, usize> = HashMap::new();
        let mut files: HashMap<&str, usize> = HashMap::new();
        let mut waiver_rows: BTreeMap<usize, usize> = BTreeMap::new();
        let mut waivers = Vec::new();
        let with_baseline = report.triage.baseline_file.is_some();
        for (i, r) in report.results.iter().enumerate() {
            if r.status == Status::Fail {
                *failures_by_account
                    .entry(r.resource.account_id.as_str())
                    .or_default() += 1;
                *failures_by_region
                    .entry(r.resource.region.as_str())
                    .or_default() += 1;
            }
            let number = match numbers.get(&r.resource) {
                Some(&n) => n,
                None => {
                    let n = resources.id.len();
                    resources.push(report, &r.resource, tables, &mut files);
                    numbers.insert(&r.resource, n);
                    n
                }
            };
            let fid = r.finding_id();
            if let Some(&w) = report.triage.suppressed.get(&fid) {
                if r.status == Status::Fail {
                    let row = match waiver_rows.get(&w) {
                        Some(&row) => Some(row),
                        None => report.triage.waivers.get(w).map(|wv| {
                            waivers.push([
                                wv.reason.clone(),
                                wv.owner.clone(),
                                wv.expires.to_string(),
                            ]);
                            waiver_rows.insert(w, waivers.len() - 1);
                            waivers.len() - 1
                        }),
                    };
                    if let Some(row) = row {
                        results.waiver.push((i, row));
                    }
                }
            }
            results
                .rule
                .push(rule_index.get(r.rule_id.as_str()).copied().unwrap_or(0));
            results.status.push(match r.status {
                Status::Fail => 0,
                Status::Pass => 1,
                Status::Error => 2,
                Status::NotEvaluated => 3,
            });
            results.resource.push(number);
            if with_baseline {
                results.baseline.push(match report.triage.states.get(&fid) {
                    Some(BaselineState::New) => 1,
                    Some(BaselineState::Unchanged) => 2,
                    Some(BaselineState::Updated) => 3,
                    _ => 0,
                });
            }
            if let Some(m) = r.message.as_deref() {
                results.message.push((i, m));
            }
            results.push_reachability(report, i, r);
        }
        Columns {
            resources,
            results,
            waivers,
            failures_by_account,
            failures_by_region,
        }
    }
}

/// The page's sort rank of a severity: 0 (critical) to 4 (info).
fn rank(s: palisade_rules::Severity) -> u8 {
    match s {
        palisade_rules::Severity::Critical => 0,
        palisade_rules::Severity::High => 1,
        palisade_rules::Severity::Medium => 2,
        palisade_rules::Severity::Low => 3,
        palisade_rules::Severity::Info => 4,
    }
}

/// A rule's metadata as the page shows it.
fn rule_info(r: &palisade_rules::Rule) -> RuleInfo<'_> {
    let m = &r.meta;
    let iac = m.iac.as_ref();
    RuleInfo {
        id: &r.id,
        title: &m.title,
        severity: m.severity.as_str(),
        rank: rank(m.severity),
        pack: m.pack.as_str(),
        service: &m.service,
        rationale: &m.rationale,
        remediation: &m.remediation,
        cloudformation: iac.and_then(|i| i.cloudformation.as_deref()),
        terraform: iac.and_then(|i| i.terraform.as_deref()),
        iac_note: iac.and_then(|i| i.note.as_deref()),
        frameworks: &m.frameworks,
    }
}

/// The controls of one framework with their counts.
fn framework_info<'a>(report: &ScanReport<'a>, fw: &'a Framework) -> FrameworkInfo<'a> {
    let results = controls(report, fw);
    let mut counts: BTreeMap<&'static str, usize> =
        ["pass", "fail", "not_evaluated", "not_applicable", "manual"]
            .into_iter()
            .map(|s| (s, 0))
            .collect();
    let controls = results
        .into_iter()
        .map(|c| {
            *counts.entry(c.status.as_str()).or_default() += 1;
            ControlInfo {
                id: c.id,
                title: c.title,
                status: c.status.as_str(),
                failing: c.failing_resources.len(),
                waived: c.waived_resources.len(),
                not_evaluated: c.not_evaluated_resources.len(),
                note: c.note,
                rules: c.rules,
                resources: c
                    .failing_resources
                    .iter()
                    .chain(&c.not_evaluated_resources)
                    .take(LISTED)
                    .copied()
                    .collect(),
            }
        })
        .collect();
    FrameworkInfo {
        id: &fw.id,
        name: &fw.name,
        version: &fw.version,
        scope: &fw.scope,
        counts,
        controls,
    }
}
