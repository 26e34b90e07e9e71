//! `palisade scan`: load snapshot and packs, evaluate, render, decide the
//! exit code.

use std::io::IsTerminal as _;

use anyhow::Context as _;
use palisade_eval::{Evaluator, Status};
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
    let snapshot = LoadedSnapshot::from_path(&a.snapshot).map_err(|e| anyhow::anyhow!("{e}"))?;
    let mut pack = packs::load(&a.dirs)?;
    let params = packs::params(&pack, config.as_ref())?;
    pack.retain_packs(&packs_sel);
    let evaluator = Evaluator::new(&pack, &params).map_err(|e| anyhow::anyhow!("{e}"))?;
    let evaluation = evaluator.evaluate(&snapshot.snapshot);
    let report = ScanReport::new(&snapshot, &pack, &evaluation.results);

    let text = match a.format {
        Format::Table => {
            let color = a.output.is_none()
                && std::io::stdout().is_terminal()
                && std::env::var_os("NO_COLOR").is_none();
            palisade_report::table::render(&report, color)
        }
        Format::Json => palisade_report::json::render(&report)?,
        Format::Sarif => palisade_report::sarif::render(
            &report,
            &SarifOptions {
                category: a.category.clone(),
            },
        )?,
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
    let failing = report.findings().any(|f| report.severity(f) >= fail_on);
    Ok(if incomplete {
        Code::Incomplete
    } else if failing {
        Code::Findings
    } else {
        Code::Clean
    })
}
