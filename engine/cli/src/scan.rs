//! `palisade scan`: load snapshot and packs, evaluate, render, decide the
//! exit code.

use std::io::IsTerminal as _;

use anyhow::Context as _;
use chrono::NaiveDate;
use palisade_eval::{Evaluator, Status, Triage, WaiverFile};
use palisade_model::load::write_atomic;
use palisade_model::LoadedSnapshot;
use palisade_report::sarif::SarifOptions;
use palisade_report::ScanReport;
use palisade_rules::Severity;

use crate::args::{Format, ScanArgs};
use crate::exit::Code;
use crate::packs;

/// Runs the subcommand.
pub fn run(a: &ScanArgs) -> anyhow::Result<Code> {
    let config = packs::config(a.config.as_deref())?;
    let fail_on = match (&a.fail_on, config.as_ref().and_then(|c| c.fail_on)) {
        (Some(s), _) => Severity::parse(s).with_context(|| format!("unknown severity {s:?} for --fail-on (expected info, low, medium, high or critical)"))?,
        (None, Some(s)) => s,
        (None, None) => Severity::Info,
    };
    let mut packs_sel = packs::parse_packs(&a.packs)?;
    if packs_sel.is_empty() {
        packs_sel = config.as_ref().map(|c| c.packs.clone()).unwrap_or_default();
    }
    // Every input (pack, config, parameters, framework, dates, waivers,
    // baseline) is checked before any AWS call is made.
    let mut pack = packs::load(&a.dirs)?;
    let snapshot_path = match (&a.snapshot, a.live) {
        (Some(p), _) => p.clone(),
        (None, true) => std::path::PathBuf::from("snapshot.json"),
        (None, false) => anyhow::bail!("a snapshot file is required (or --live)"),
    };
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
    let params = packs::params(&pack, config.as_ref())?;
    // Waivers may name rules of packs not selected in this run.
    let all_rule_ids: std::collections::HashSet<String> =
        pack.rules.iter().map(|r| r.id.clone()).collect();
    pack.retain_packs(&packs_sel);
    let evaluator = Evaluator::new(&pack, &params).map_err(|e| anyhow::anyhow!("{e}"))?;
    let today = match &a.today {
        Some(d) => NaiveDate::parse_from_str(d, "%Y-%m-%d")
            .with_context(|| format!("--today {d:?} is not a date (YYYY-MM-DD)"))?,
        None => chrono::Utc::now().date_naive(),
    };
    let waiver_path = a
        .waivers
        .clone()
        .or_else(|| config.as_ref().and_then(|c| c.waivers.clone()));
    let waivers = waiver_path
        .as_deref()
        .map(|p| WaiverFile::load(p, &|id| all_rule_ids.contains(id)))
        .transpose()
        .map_err(|e| anyhow::anyhow!("{e}"))?;
    let baseline = a
        .baseline
        .as_deref()
        .map(palisade_report::baseline::load)
        .transpose()
        .map_err(|e| anyhow::anyhow!("{e}"))?;

    if a.live {
        // Gaps are reported again by the scan (exit 3); an error here is exit 2.
        crate::collect_cmd::collect_to(&a.source, &snapshot_path)?;
    }
    let mut snapshot =
        LoadedSnapshot::from_path(&snapshot_path).map_err(|e| anyhow::anyhow!("{e}"))?;
    // A service the collector never reported on is a gap, not a clean bill.
    // IAM always; every other service the rules read, global or regional
    // as the service is (names are validated when the pack loads).
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
    snapshot
        .snapshot
        .fill_missing_coverage(&names(global), &names(regional));
    let evaluation = evaluator.evaluate(&snapshot.snapshot);

    let severity_of = |id: &str| {
        pack.rule(id)
            .map(|r| r.meta.severity.as_str().to_owned())
            .unwrap_or_default()
    };
    let triage = Triage::new(
        &evaluation.results,
        &severity_of,
        baseline.as_ref(),
        waivers.as_ref(),
        today,
    );
    let report = ScanReport::new(&snapshot, &pack, &evaluation.results, &triage);
    if a.record {
        record(a, config.as_ref(), &report)?;
    }

    let text = match a.format {
        Format::Table => {
            let color = a.output.is_none()
                && std::io::stdout().is_terminal()
                && std::env::var_os("NO_COLOR").is_none();
            match &framework {
                Some(fw) => palisade_report::framework::render_table(&report, fw),
                None => palisade_report::table::render(&report, color),
            }
        }
        Format::Json => palisade_report::json::render(&report, framework.as_ref())?,
        Format::Sarif => palisade_report::sarif::render(
            &report,
            &SarifOptions {
                category: a.category.clone(),
                omit_suppressed: a.sarif_omit_suppressed,
            },
        )?,
        Format::Junit => palisade_report::junit::render(&report),
    };
    match &a.output {
        Some(path) => {
            write_atomic(path, text.as_bytes())
                .with_context(|| format!("writing {}", path.display()))?;
            let s = report.summary();
            eprintln!(
                "wrote {}: {} findings, {} errors, {} not evaluated",
                path.display(),
                s.count(Status::Fail),
                s.count(Status::Error),
                s.count(Status::NotEvaluated)
            );
        }
        None => print!("{text}"),
    }

    let incomplete = !report.gaps().is_empty()
        || evaluation
            .results
            .iter()
            .any(|r| matches!(r.status, Status::Error | Status::NotEvaluated));
    // One place decides: open (unwaived) findings at or above the threshold,
    // and with --fail-on-new only those not in the baseline.
    let failing = report.open_findings().any(|f| {
        report.severity(f) >= fail_on && (!a.fail_on_new || triage.is_new(&f.finding_id()))
    });
    Ok(if incomplete {
        Code::Incomplete
    } else if failing {
        Code::Findings
    } else {
        Code::Clean
    })
}

/// Records the scan and its findings in the history database.
fn record(
    a: &ScanArgs,
    config: Option<&palisade_rules::Config>,
    report: &ScanReport<'_>,
) -> anyhow::Result<()> {
    let path = crate::history_cmd::db_path(a.history_db.as_deref(), config);
    let mut h = palisade_history::History::open(&path).map_err(|e| anyhow::anyhow!("{e}"))?;
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
    let id = h
        .record(&scan, &findings)
        .map_err(|e| anyhow::anyhow!("{e}"))?;
    eprintln!("recorded scan {id} in {}", path.display());
    Ok(())
}
