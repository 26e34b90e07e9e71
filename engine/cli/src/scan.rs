//! `palisade scan`: resolve the inputs into a plan (every input checked
//! before any AWS call), collect if `--live`, evaluate, triage, render, and
//! map the gate's verdict to the exit code.

use std::collections::HashSet;
use std::io::{IsTerminal as _, Write};
use std::path::PathBuf;

use anyhow::Context as _;
use chrono::NaiveDate;
use palisade_eval::{Evaluator, Status};
use palisade_model::load::{write_atomic, write_atomic_with};
use palisade_model::LoadedSnapshot;
use palisade_report::sarif::SarifOptions;
use palisade_report::ScanReport;
use palisade_rules::{Framework, RulePack, Severity};
use palisade_triage::{Baseline, Gate, Triage, Verdict, WaiverFile};

use crate::args::{Format, ScanArgs};
use crate::config::{self, Config};
use crate::exit::Code;
use crate::packs;

/// The resolved inputs of a scan.
pub(crate) struct Plan {
    config: Option<Config>,
    /// The selected packs only.
    pub pack: RulePack,
    evaluator: Evaluator,
    /// The snapshot to read (or collect into with --live); none when only
    /// templates and plans are scanned.
    pub snapshot_path: Option<PathBuf>,
    /// The templates and plans, imported.
    pub inputs: crate::inputs::Inputs,
    framework: Option<Framework>,
    waivers: Option<WaiverFile>,
    baseline: Option<Baseline>,
    today: NaiveDate,
    gate: Gate,
}

/// Checks every input (pack, config, parameters, framework, waivers,
/// baseline): an error here is exit 2 before anything is collected.
pub(crate) fn plan(a: &ScanArgs) -> anyhow::Result<Plan> {
    let config = Config::find(a.config.config.as_deref())?;
    let fail_on = a
        .fail_on
        .or_else(|| config.as_ref().and_then(|c| c.fail_on))
        .unwrap_or(Severity::Info);
    let packs_sel = if a.packs.is_empty() {
        config.as_ref().map(|c| c.packs.clone()).unwrap_or_default()
    } else {
        a.packs.clone()
    };
    let mut pack = packs::load(&a.dirs)?;
    // With --live the first path is where the collection is saved; every
    // other path is read (templates, plans, directories).
    let (snapshot_out, rest) = match (a.inputs.split_first(), a.live) {
        (Some((first, rest)), true) => (Some(first.clone()), rest),
        (None, true) => (Some(PathBuf::from("snapshot.json")), &[][..]),
        (_, false) if a.inputs.is_empty() => {
            anyhow::bail!("a snapshot, template, plan or directory is required (or --live)")
        }
        (_, false) => (None, &a.inputs[..]),
    };
    let inputs = crate::inputs::read(rest, &a.iac)?;
    if a.live {
        if let Some(s) = &inputs.snapshot {
            anyhow::bail!(
                "{}: a snapshot cannot be scanned together with --live",
                s.display()
            );
        }
    }
    let snapshot_path = snapshot_out.or_else(|| inputs.snapshot.clone());
    if !a.live && a.source.is_set() {
        anyhow::bail!("collection options (--profile, --regions, --role-arn, --accounts, --endpoint-url, --concurrency, --max-attempts, --retry-mode) need --live");
    }
    let framework = match &a.framework {
        Some(id) => Some(pack.framework(id).cloned().with_context(|| {
            let known: Vec<_> = pack.frameworks.iter().map(|f| f.id.as_str()).collect();
            format!("unknown framework {id:?}; known: {}", known.join(", "))
        })?),
        None => None,
    };
    let params = config::params(&pack, config.as_ref())?;
    // Waivers may name rules of packs not selected in this run.
    let all_rule_ids: HashSet<String> = pack.rules.iter().map(|r| r.id.clone()).collect();
    pack.retain_packs(&packs_sel);
    let evaluator = Evaluator::new(&pack, &params)?;
    let today = a.today.unwrap_or_else(|| chrono::Utc::now().date_naive());
    let waiver_path = a
        .waivers
        .clone()
        .or_else(|| config.as_ref().and_then(|c| c.waivers.clone()));
    let waivers = waiver_path
        .as_deref()
        .map(|p| WaiverFile::load(p, &|id| all_rule_ids.contains(id)))
        .transpose()?;
    let baseline = a.baseline.as_deref().map(Baseline::load).transpose()?;
    Ok(Plan {
        config,
        pack,
        evaluator,
        snapshot_path,
        inputs,
        framework,
        waivers,
        baseline,
        today,
        gate: Gate {
            fail_on,
            fail_on_new: a.fail_on_new,
        },
    })
}

/// What [`judge`] produced: the snapshot as evaluated (templates and plans
/// combined in, missing coverage filled), its results and their triage.
pub(crate) struct Judged {
    /// The snapshot evaluated.
    pub snapshot: LoadedSnapshot,
    /// Every result, sorted by rule id then resource id.
    pub results: Vec<palisade_eval::CheckResult>,
    /// Waivers and baseline applied.
    pub triage: Triage,
    /// The templates and plans read: (uri, hex SHA-256).
    pub files: Vec<(String, String)>,
}

/// The shared middle of `scan` and `evidence`: collects if `--live`, loads
/// the snapshot, combines templates and plans, fills missing coverage,
/// evaluates and triages.
pub(crate) fn judge(a: &ScanArgs, p: &mut Plan) -> anyhow::Result<Judged> {
    if let (true, Some(path)) = (a.live, &p.snapshot_path) {
        // Gaps are reported again by the scan (exit 3); an error here is exit 2.
        crate::collect_cmd::collect_to(&a.source, path)?;
    }
    let loaded = p
        .snapshot_path
        .as_deref()
        .map(LoadedSnapshot::from_path)
        .transpose()?;
    if p.inputs.skipped > 0 {
        eprintln!(
            "skipped {} files that are neither templates, plans nor snapshots",
            p.inputs.skipped
        );
    }
    let mut snapshot = crate::inputs::combine(loaded, &mut p.inputs);
    report_uncovered(&snapshot.snapshot);
    fill_coverage(&p.pack, &mut snapshot.snapshot);
    let evaluation = p.evaluator.evaluate(&snapshot.snapshot);
    let severity_of = |id: &str| p.pack.rule(id).map(|r| r.meta.severity);
    let triage = Triage::new(
        &evaluation.results,
        &severity_of,
        p.baseline.as_ref(),
        p.waivers.as_ref(),
        p.today,
    );
    Ok(Judged {
        snapshot,
        results: evaluation.results,
        triage,
        files: std::mem::take(&mut p.inputs.files),
    })
}

/// A service the collector never reported on is a gap, not a clean bill.
/// IAM always; every other service the rules read, global or regional as
/// the service is (names are validated when the pack loads). AWS
/// Organizations is not an account's service: a snapshot without an
/// organisation gets no `organizations` gap per account.
fn fill_coverage(pack: &RulePack, snapshot: &mut palisade_model::Snapshot) {
    let mut services: Vec<palisade_model::Service> = pack
        .rules
        .iter()
        .flat_map(|r| {
            let deps = r
                .meta
                .depends_on
                .iter()
                .map(|d| palisade_rules::metadata::dependency(d).0);
            std::iter::once(r.meta.service.as_str()).chain(deps)
        })
        .filter_map(|s| s.parse().ok())
        // Organizations coverage is the organisation's, not an account's.
        .filter(|s: &palisade_model::Service| s.is_per_account())
        .chain([palisade_model::Service::Iam])
        .collect();
    services.sort_unstable();
    services.dedup();
    let (global, regional): (Vec<_>, Vec<_>) = services.iter().partition(|s| s.is_global());
    let names = |v: Vec<&palisade_model::Service>| {
        let mut v: Vec<&str> = v.into_iter().map(|s| s.as_str()).collect();
        v.sort_unstable();
        v
    };
    snapshot.fill_missing_coverage(&names(global), &names(regional));
}

/// Runs the subcommand.
pub fn run(a: &ScanArgs) -> anyhow::Result<Code> {
    let mut p = plan(a)?;
    let j = judge(a, &mut p)?;
    let report = ScanReport::new(&j.snapshot, &p.pack, &j.results, &j.triage).with_inputs(j.files);
    // With --record, the HTML report gets the nightly summary of this scan
    // (new and fixed since the previous recorded scan, the trend).
    let history = if a.record {
        let (h, id) = record(a, p.config.as_ref(), &report)?;
        match a.format {
            Format::Html => Some(crate::history_cmd::section(&h, id)?),
            _ => None,
        }
    } else {
        None
    };
    output(a, &report, p.framework.as_ref(), history.as_ref())?;
    let severity_of = |id: &str| p.pack.rule(id).map(|r| r.meta.severity);
    let verdict = p
        .gate
        .decide(&j.snapshot.snapshot, &j.results, &j.triage, &severity_of);
    Ok(match verdict {
        Verdict::Clean => Code::Clean,
        Verdict::Findings => Code::Findings,
        Verdict::Incomplete => Code::Incomplete,
    })
}

/// Says on standard error which resource types of templates and plans no
/// rule covers (counted, never silently dropped).
fn report_uncovered(snapshot: &palisade_model::Snapshot) {
    let mut counts: std::collections::BTreeMap<&str, usize> = std::collections::BTreeMap::new();
    for a in &snapshot.accounts {
        for (ty, n) in &a.uncovered {
            *counts.entry(ty.as_str()).or_default() += n;
        }
    }
    if counts.is_empty() {
        return;
    }
    let total: usize = counts.values().sum();
    let list: Vec<String> = counts.iter().map(|(t, n)| format!("{t} ({n})")).collect();
    eprintln!(
        "{total} template/plan resources are of types no rule checks: {}",
        list.join(", ")
    );
}

/// Renders the report in the chosen format to `--output` (atomically) or
/// standard output.
fn output(
    a: &ScanArgs,
    report: &ScanReport<'_>,
    framework: Option<&Framework>,
    history: Option<&palisade_report::digest::HistorySection>,
) -> anyhow::Result<()> {
    let text = match a.format {
        Format::Table => {
            let color = a.output.is_none()
                && std::io::stdout().is_terminal()
                && std::env::var_os("NO_COLOR").is_none();
            match framework {
                Some(fw) => palisade_report::framework::render_table(report, fw),
                None => palisade_report::table::render(report, color),
            }
        }
        Format::Json => palisade_report::json::render(report, framework)?,
        Format::Sarif => palisade_report::sarif::render(
            report,
            &SarifOptions {
                category: a.category.clone(),
                omit_suppressed: a.sarif_omit_suppressed,
            },
        )?,
        Format::Junit => palisade_report::junit::render(report),
        Format::Ocsf | Format::Asff => return stream(a, report),
        Format::Html => palisade_report::html::render(
            report,
            &palisade_report::html::HtmlOptions {
                frameworks: framework.map(|fw| vec![fw]),
                history,
            },
        ),
    };
    match &a.output {
        Some(path) => {
            write_atomic(path, text.as_bytes())
                .with_context(|| format!("writing {}", path.display()))?;
            wrote(path, report);
        }
        None => print!("{text}"),
    }
    Ok(())
}

/// OCSF and ASFF hold every result with its rule text (gigabytes for a
/// million results): streamed to the file (atomically) or standard output
/// instead of built in memory.
fn stream(a: &ScanArgs, report: &ScanReport<'_>) -> anyhow::Result<()> {
    let asff = palisade_report::asff::AsffOptions::default();
    let render = |w: &mut dyn Write| match a.format {
        Format::Asff => palisade_report::asff::write(report, &asff, w),
        _ => palisade_report::ocsf::write(report, w),
    };
    if a.format == Format::Asff {
        // Templates and plans are refused before anything is written.
        palisade_report::asff::check_accounts(report)?;
    }
    match &a.output {
        Some(path) => {
            write_atomic_with(path, |w| render(w).map_err(std::io::Error::other))
                .with_context(|| format!("writing {}", path.display()))?;
            wrote(path, report);
        }
        None => {
            let mut out = std::io::BufWriter::new(std::io::stdout().lock());
            render(&mut out)?;
            out.flush().context("writing standard output")?;
        }
    }
    Ok(())
}

/// Says on standard error what a report written to a file holds.
fn wrote(path: &std::path::Path, report: &ScanReport<'_>) {
    let s = report.summary();
    eprintln!(
        "wrote {}: {} findings, {} errors, {} not evaluated",
        path.display(),
        s.count(Status::Fail),
        s.count(Status::Error),
        s.count(Status::NotEvaluated)
    );
}

/// Records the scan and its findings in the history database; returns the
/// database and the scan's id.
fn record(
    a: &ScanArgs,
    config: Option<&Config>,
    report: &ScanReport<'_>,
) -> anyhow::Result<(palisade_history::History, i64)> {
    let path = crate::history_cmd::db_path(a.history_db.history_db.as_deref(), config);
    let mut h = palisade_history::History::open(&path)?;
    let snap = &report.snapshot.snapshot;
    let scan = palisade_history::ScanRecord {
        id: 0,
        scan_time: snap.scan_time,
        evaluated_at: chrono::Utc::now(),
        accounts: snap
            .accounts
            .iter()
            .map(|a| a.account_id.as_str())
            .collect::<Vec<_>>()
            .join(","),
        rules_fingerprint: report.pack.fingerprint(),
        tool_version: palisade_report::TOOL_VERSION.to_owned(),
        snapshot_sha256: report.snapshot.sha256.clone(),
        open_findings: 0,
    };
    let findings: Vec<_> = report
        .findings()
        .map(|f| {
            let id = f.finding_id();
            palisade_history::FindingRecord {
                suppressed: report.triage.waiver_for(&id).is_some(),
                finding_id: id,
                rule_id: f.rule_id.clone(),
                resource_id: f.resource.id.clone(),
                account_id: f.resource.account_id.clone(),
                severity: report.severity(f).as_str().to_owned(),
            }
        })
        .collect();
    let frameworks = crate::history_cmd::framework_records(report);
    let id = h.record(&scan, &findings, &frameworks)?;
    eprintln!("recorded scan {id} in {}", path.display());
    Ok((h, id))
}
