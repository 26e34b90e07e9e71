//! `palisade collect`: read AWS accounts into a snapshot file (atomically).
//! Exit 0 when every call succeeded, 3 when the snapshot has coverage gaps,
//! 2 when nothing could be collected (no credentials, bad options).

use std::io::IsTerminal as _;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use clap::{Args, ValueEnum};
use palisade_collect::{CollectOptions, RetryMode};
use palisade_model::load::write_snapshot;

use crate::exit::Code;

/// `palisade collect`.
#[derive(Debug, Args)]
pub struct CollectArgs {
    /// Write the snapshot here (atomically; a failed run keeps the old file).
    #[arg(long, short, value_name = "FILE", default_value = "snapshot.json")]
    pub output: PathBuf,
    /// Where and how to read AWS.
    #[command(flatten)]
    pub source: SourceArgs,
}

/// Where and how to read AWS (shared by `collect` and `scan --live`).
#[derive(Debug, Args)]
pub struct SourceArgs {
    /// Named profile from the shared AWS config files [default: the default credential chain].
    #[arg(long, value_name = "NAME")]
    pub profile: Option<String>,
    /// Regions to collect, comma-separated [default: every region enabled in the account].
    #[arg(long, value_name = "REGION,...", value_delimiter = ',')]
    pub regions: Vec<String>,
    /// Role to assume in each account; with --accounts its account id is replaced per account.
    #[arg(long, value_name = "ARN")]
    pub role_arn: Option<String>,
    /// Member accounts to collect through --role-arn, comma-separated (one snapshot covers all).
    #[arg(
        long,
        value_name = "ID,...",
        value_delimiter = ',',
        requires = "role_arn"
    )]
    pub accounts: Vec<String>,
    /// Read the AWS organisation (run as its management account or a
    /// delegated administrator) and collect every active member account
    /// through --role-name (the caller's own account with its own credentials).
    #[arg(long, conflicts_with_all = ["accounts", "role_arn"])]
    pub org: bool,
    /// With --org: the role to assume in each member account
    /// (arn:PARTITION:iam::MEMBER:role/NAME).
    #[arg(long, value_name = "NAME")]
    pub role_name: Option<String>,
    /// With --org: collect only the accounts anywhere below these OUs (or roots), comma-separated.
    #[arg(long = "ou", value_name = "OU_ID,...", value_delimiter = ',')]
    pub org_units: Vec<String>,
    /// With --org: accounts not to collect, comma-separated.
    #[arg(long, value_name = "ID,...", value_delimiter = ',')]
    pub exclude_accounts: Vec<String>,
    /// sts:ExternalId to pass when assuming --role-arn or --role-name.
    #[arg(long, value_name = "ID")]
    pub external_id: Option<String>,
    /// Send every AWS call to this endpoint (e.g. a local moto server).
    #[arg(long, value_name = "URL")]
    pub endpoint_url: Option<String>,
    /// Service/region collectors running at once [default: 8].
    #[arg(long, value_name = "N")]
    pub concurrency: Option<usize>,
    /// Attempts per API call, including the first (throttling and 5xx are
    /// retried with backoff) [default: 5].
    #[arg(long, value_name = "N")]
    pub max_attempts: Option<u32>,
    /// SDK retry mode [default: standard].
    #[arg(long, value_enum)]
    pub retry_mode: Option<RetryArg>,
    /// Log what the collectors do on stderr (-v: info, -vv: debug, -vvv: SDK debug).
    #[arg(long, short, action = clap::ArgAction::Count)]
    pub verbose: u8,
    /// No progress lines, even on a terminal.
    #[arg(long, short)]
    pub quiet: bool,
}

impl SourceArgs {
    /// Whether an option that only means something when collecting was given.
    pub fn is_set(&self) -> bool {
        self.profile.is_some()
            || !self.regions.is_empty()
            || self.role_arn.is_some()
            || !self.accounts.is_empty()
            || self.org
            || self.role_name.is_some()
            || !self.org_units.is_empty()
            || !self.exclude_accounts.is_empty()
            || self.external_id.is_some()
            || self.endpoint_url.is_some()
            || self.concurrency.is_some()
            || self.max_attempts.is_some()
            || self.retry_mode.is_some()
    }
}

/// Retry modes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum RetryArg {
    /// Exponential backoff with jitter.
    Standard,
    /// Standard plus client-side rate limiting when throttled.
    Adaptive,
}

fn init_logging(verbose: u8) {
    use tracing_subscriber::filter::{LevelFilter, Targets};
    use tracing_subscriber::prelude::*;
    let (ours, sdk) = match verbose {
        0 => (LevelFilter::ERROR, LevelFilter::ERROR),
        1 => (LevelFilter::INFO, LevelFilter::WARN),
        2 => (LevelFilter::DEBUG, LevelFilter::WARN),
        _ => (LevelFilter::TRACE, LevelFilter::DEBUG),
    };
    let filter = Targets::new()
        .with_default(sdk)
        .with_target("palisade_collect", ours);
    let _ = tracing_subscriber::registry()
        .with(
            tracing_subscriber::fmt::layer()
                .with_writer(std::io::stderr)
                .with_ansi(std::io::stderr().is_terminal()),
        )
        .with(filter)
        .try_init();
}

/// Runs the subcommand.
pub fn run(a: &CollectArgs) -> anyhow::Result<Code> {
    collect_to(&a.source, &a.output)
}

/// Collects into `output` (atomically) and reports the outcome on stderr:
/// 0 when every call succeeded, 3 when the snapshot has coverage gaps.
pub fn collect_to(a: &SourceArgs, output: &Path) -> anyhow::Result<Code> {
    init_logging(a.verbose);
    let interactive = std::io::stderr().is_terminal() && std::env::var_os("CI").is_none();
    let defaults = CollectOptions::default();
    let opts = CollectOptions {
        profile: a.profile.clone(),
        regions: a.regions.clone(),
        role_arn: a.role_arn.clone(),
        accounts: a.accounts.clone(),
        org: a.org,
        role_name: a.role_name.clone(),
        org_units: a.org_units.clone(),
        exclude_accounts: a.exclude_accounts.clone(),
        external_id: a.external_id.clone(),
        endpoint_url: a.endpoint_url.clone(),
        concurrency: a.concurrency.unwrap_or(defaults.concurrency),
        max_attempts: a.max_attempts.unwrap_or(defaults.max_attempts),
        retry_mode: match a.retry_mode.unwrap_or(RetryArg::Standard) {
            RetryArg::Standard => RetryMode::Standard,
            RetryArg::Adaptive => RetryMode::Adaptive,
        },
        progress: interactive && !a.quiet,
        ..defaults
    };
    let start = Instant::now();
    let snapshot = palisade_collect::collect_blocking(&opts)?;
    write_snapshot(output, &snapshot)?;
    if let Some(org) = &snapshot.organization {
        report_org(org, &snapshot, a);
    }
    let gaps: Vec<_> = snapshot.gaps().collect();
    let regions: usize = snapshot.accounts.iter().map(|a| a.regions.len()).sum();
    eprintln!(
        "wrote {}: {} account(s), {} account-region(s), {} failed call(s) in {:.1}s",
        output.display(),
        snapshot.accounts.len(),
        regions,
        gaps.len(),
        elapsed(start.elapsed()),
    );
    if gaps.is_empty() {
        return Ok(Code::Clean);
    }
    eprintln!("coverage gaps (checks over these are reported as not evaluated):");
    for (account, g) in &gaps {
        let error: String = g
            .error
            .as_deref()
            .unwrap_or_default()
            .chars()
            .filter(|c| !c.is_control())
            .take(160)
            .collect();
        eprintln!(
            "  {account} {:<8} {:<15} {:<36} {error}",
            g.service, g.region, g.api
        );
    }
    Ok(Code::Incomplete)
}

/// Says on stderr which accounts of the organisation were not collected
/// and why (suspended or closing, outside --ou, --exclude-accounts), and
/// which were collected under --ou without a known place in the tree.
fn report_org(
    org: &palisade_model::organization::Organization,
    snapshot: &palisade_model::Snapshot,
    a: &SourceArgs,
) {
    let ou_filter = !a.org_units.is_empty();
    let clean = |s: &str| -> String { s.chars().filter(|c| !c.is_control()).take(80).collect() };
    let collected = |id: &str| snapshot.accounts.iter().any(|a| a.account_id == id);
    eprintln!(
        "organisation {}",
        clean(&palisade_collect::organizations::counts(org))
    );
    let Some(accounts) = &org.accounts else {
        eprintln!("  its accounts could not be listed: only the caller's account was collected");
        return;
    };
    for acc in accounts {
        let why = if collected(&acc.id) {
            if ou_filter && org.ancestry(&acc.id).is_none() {
                eprintln!(
                    "  collected {} ({}) although its place in the organisation is unknown (a listing failed)",
                    acc.id,
                    clean(&acc.name)
                );
            }
            continue;
        } else if acc.status != "ACTIVE" {
            format!("status {}", clean(&acc.status))
        } else if a.exclude_accounts.contains(&acc.id) {
            "--exclude-accounts".to_owned()
        } else if ou_filter {
            "not below --ou".to_owned()
        } else {
            "not selected".to_owned()
        };
        eprintln!("  not collected: {} ({}): {why}", acc.id, clean(&acc.name));
    }
}

fn elapsed(d: Duration) -> f64 {
    d.as_secs_f64()
}
