//! `palisade export securityhub FILE...`: send the ASFF findings that
//! `palisade scan --format asff` wrote to AWS Security Hub
//! (`BatchImportFindings`), updating findings already there (their
//! `CreatedAt` is kept) and archiving Palisade findings no longer reported.
//! The scan decides what is sent; the export only ships it, so what goes to
//! Security Hub is the reviewed file. Exit 0 when everything went in, 3
//! when some findings failed for good (named on stderr), 2 on bad input.

use std::path::PathBuf;
use std::time::Duration;

use anyhow::Context as _;
use clap::{Args, Subcommand};
use palisade_collect::securityhub::{self, ExportOptions};
use palisade_collect::CollectOptions;
use palisade_report::asff;
use serde_json::Value;

use crate::exit::Code;

/// `palisade export`.
#[derive(Debug, Args)]
pub struct ExportArgs {
    /// Where to send.
    #[command(subcommand)]
    pub target: ExportTarget,
}

/// Export targets.
#[derive(Debug, Subcommand)]
pub enum ExportTarget {
    /// Import ASFF findings (from `palisade scan --format asff`) into AWS Security Hub.
    Securityhub(SecurityHubArgs),
}

/// `palisade export securityhub`.
#[derive(Debug, Args)]
pub struct SecurityHubArgs {
    /// ASFF files written by `palisade scan --format asff` (JSON arrays).
    #[arg(required = true, value_name = "FILE")]
    pub inputs: Vec<PathBuf>,
    /// The Security Hub region that receives findings on global resources
    /// (IAM, the account itself) [default: the region the report chose, us-east-1].
    #[arg(long, alias = "region", value_name = "REGION")]
    pub home_region: Option<String>,
    /// Named profile from the shared AWS config files [default: the default credential chain].
    #[arg(long, value_name = "NAME")]
    pub profile: Option<String>,
    /// Send every call to this endpoint (e.g. a local moto server).
    #[arg(long, value_name = "URL")]
    pub endpoint_url: Option<String>,
    /// Print the batches (one JSON array per line, per region) instead of sending them.
    #[arg(long)]
    pub dry_run: bool,
    /// Leave out PASSED findings (Security Hub bills each finding imported):
    /// a finding that passes now is then archived like a fixed one.
    /// Not evaluated and error results are always sent.
    #[arg(long)]
    pub omit_passes: bool,
    /// Times the failed findings of a partly failed batch are sent again [default: 3].
    #[arg(long, value_name = "N", default_value_t = 3)]
    pub resends: u32,
    /// Attempts per API call, including the first (throttling and 5xx are
    /// retried with backoff) [default: 5].
    #[arg(long, value_name = "N", default_value_t = 5)]
    pub max_attempts: u32,
}

/// Runs the subcommand.
pub fn run(a: &ExportArgs) -> anyhow::Result<Code> {
    match &a.target {
        ExportTarget::Securityhub(s) => securityhub_run(s),
    }
}

fn securityhub_run(a: &SecurityHubArgs) -> anyhow::Result<Code> {
    if let Some(r) = &a.home_region {
        anyhow::ensure!(
            asff::is_region_name(r),
            "--home-region {r:?} is not a region name"
        );
    }
    let findings = read(a)?;
    let plans = securityhub::plan(findings).context("the findings cannot be sent")?;
    if a.dry_run {
        for p in &plans {
            for b in securityhub::batches(p) {
                println!(
                    "{}",
                    serde_json::to_string(&serde_json::json!({"Region": p.region, "Findings": b}))?
                );
            }
        }
        return Ok(Code::Clean);
    }
    let opts = CollectOptions {
        profile: a.profile.clone(),
        endpoint_url: a.endpoint_url.clone(),
        max_attempts: a.max_attempts,
        ..CollectOptions::default()
    };
    let outcome = securityhub::export_blocking(
        &opts,
        &plans,
        &ExportOptions {
            resends: a.resends,
            resend_delay: Duration::from_millis(500),
        },
    )?;
    eprintln!(
        "Security Hub: {} findings imported ({} updated, {} new), {} archived, {} calls to BatchImportFindings",
        outcome.imported,
        outcome.updated,
        outcome.imported.saturating_sub(outcome.updated),
        outcome.archived,
        outcome.batches
    );
    if outcome.failed.is_empty() {
        return Ok(Code::Clean);
    }
    eprintln!("{} failed:", outcome.failed.len());
    for f in &outcome.failed {
        eprintln!("  {f}");
    }
    Ok(Code::Incomplete)
}

/// Reads every file, checks every finding against the import limits, and
/// moves findings on global resources to the home region when one is given.
fn read(a: &SecurityHubArgs) -> anyhow::Result<Vec<Value>> {
    let mut all = Vec::new();
    for path in &a.inputs {
        let text =
            std::fs::read_to_string(path).with_context(|| format!("reading {}", path.display()))?;
        let doc: Vec<Value> = serde_json::from_str(&text).with_context(|| {
            format!(
                "{}: not an ASFF array (palisade scan --format asff)",
                path.display()
            )
        })?;
        for (i, mut f) in doc.into_iter().enumerate() {
            if a.omit_passes && f.pointer("/Compliance/Status") == Some(&Value::from("PASSED")) {
                continue;
            }
            if let Some(home) = &a.home_region {
                rehome(&mut f, home);
            }
            let errs = asff::check(&f);
            anyhow::ensure!(
                errs.is_empty(),
                "{}: finding {i}: {}",
                path.display(),
                errs.join("; ")
            );
            all.push(f);
        }
    }
    Ok(all)
}

/// Moves a finding on a global resource (or one whose region is not a
/// region name) to `home`: its ProductArn and resource regions.
fn rehome(f: &mut Value, home: &str) {
    let own = f
        .pointer(&format!(
            "/ProductFields/{}",
            asff::RESOURCE_REGION_FIELD.replace('/', "~1")
        ))
        .and_then(Value::as_str);
    let global = own.is_none_or(|r| r == "global" || !asff::is_region_name(r));
    if !global {
        return;
    }
    if let Some(Value::String(arn)) = f.get_mut("ProductArn") {
        let mut parts: Vec<&str> = arn.split(':').collect();
        if parts.len() > 3 {
            parts[3] = home;
            *arn = parts.join(":");
        }
    }
    if let Some(Value::Array(rs)) = f.get_mut("Resources") {
        for r in rs {
            r["Region"] = Value::String(home.to_owned());
        }
    }
}
