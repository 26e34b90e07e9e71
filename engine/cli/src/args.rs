//! Command-line arguments (clap derive): the raw arguments, option groups
//! shared between subcommands (`#[command(flatten)]`), and the value parsers
//! that turn severities, packs and dates into typed values as clap parses
//! them. Resolution into a plan happens in each subcommand module.

use std::path::PathBuf;

use chrono::NaiveDate;
use clap::builder::{PossibleValuesParser, TypedValueParser};
use clap::{Args, Parser, Subcommand, ValueEnum};
use palisade_rules::{Pack, Severity};

/// Palisade: policy and compliance scanning for AWS, with Cedar rule packs.
#[derive(Debug, Parser)]
#[command(name = "palisade", version, about)]
pub struct Cli {
    /// What to do.
    #[command(subcommand)]
    pub command: Command,
}

/// Subcommands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Evaluate a snapshot against the rule packs.
    Scan(Box<ScanArgs>),
    /// List rules, explain one, or generate the rule docs (list, explain, docs).
    Rules(RulesArgs),
    /// Check the rule packs (strict Cedar validation) and a config file.
    Validate(ValidateArgs),
    /// Write a commented palisade.toml and an example waivers.toml.
    Init(InitArgs),
    /// List recorded scans, print the nightly summary (--markdown), prune
    /// old scans (prune --keep-days N) or check the database (check).
    History(HistoryArgs),
    /// New, fixed and changed findings between two recorded scans.
    Diff(DiffArgs),
    /// Read AWS accounts (or a whole organisation, or one shard of it) into a snapshot.
    Collect(Box<crate::collect_cmd::CollectArgs>),
    /// Combine the shard snapshots of a sharded collection (or snapshots of
    /// disjoint accounts) into one.
    Merge(crate::merge_cmd::MergeArgs),
    /// Send findings to another service (securityhub).
    Export(crate::export_cmd::ExportArgs),
    /// Write an auditor evidence bundle (snapshot, reports, per-framework
    /// CSV and OSCAL, Artifact inventory, hashed manifest), or verify one.
    Evidence(Box<EvidenceArgs>),
}

/// Where the rule packs live.
#[derive(Debug, Args, Clone, Default)]
pub struct PackDirs {
    /// Directory with schema.cedarschema and the .cedar checks
    /// [default: ./policies, else $PALISADE_HOME/policies, else the built-in pack]
    #[arg(long, value_name = "DIR", global = true)]
    pub policies: Option<PathBuf>,
    /// Directory with rule metadata (.toml) [default: alongside --policies]
    #[arg(long, value_name = "DIR", global = true)]
    pub rules: Option<PathBuf>,
}

/// The config file, for every command that reads `palisade.toml`.
#[derive(Debug, Args, Clone, Default)]
pub struct ConfigArg {
    /// Config file: packs, fail_on, waivers, history, parameters
    /// [default: ./palisade.toml if present].
    #[arg(long, value_name = "FILE")]
    pub config: Option<PathBuf>,
}

/// The history database, for `scan --record`, `history` and `diff`. `--db`
/// is its old spelling, kept as a hidden alias so existing scripts work.
#[derive(Debug, Args, Clone, Default)]
pub struct HistoryDbArg {
    /// History database [default: `history` in the config, else .palisade/history.sqlite].
    #[arg(long = "history-db", alias = "db", value_name = "FILE")]
    pub history_db: Option<PathBuf>,
}

/// Parses a severity name; the names come from [`Severity::ALL`].
pub fn severity() -> impl TypedValueParser<Value = Severity> {
    PossibleValuesParser::new(Severity::ALL.map(Severity::as_str))
        .try_map(|s| Severity::parse(&s).ok_or("unknown severity"))
}

/// Parses a pack name; the names come from [`Pack::ALL`].
pub fn pack() -> impl TypedValueParser<Value = Pack> {
    PossibleValuesParser::new(Pack::ALL.map(Pack::as_str))
        .try_map(|s| Pack::parse(&s).ok_or("unknown pack"))
}

/// Parses a calendar date (YYYY-MM-DD).
pub fn date(s: &str) -> Result<NaiveDate, String> {
    NaiveDate::parse_from_str(s, "%Y-%m-%d").map_err(|e| format!("not a date (YYYY-MM-DD): {e}"))
}

/// Output formats.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Format {
    /// Human-readable table.
    Table,
    /// Palisade JSON (versioned).
    Json,
    /// SARIF 2.1.0.
    Sarif,
    /// JUnit XML (one suite per rule, one case per resource).
    Junit,
    /// OCSF 1.5.0 Compliance Finding events, one JSON object per line.
    Ocsf,
    /// AWS Security Finding Format (a BatchImportFindings array).
    Asff,
    /// One self-contained HTML file (opens from disk, fetches nothing).
    Html,
}

/// `palisade scan`.
#[derive(Debug, Args)]
pub struct ScanArgs {
    /// What to scan: a snapshot file written by `palisade collect`,
    /// CloudFormation templates (YAML or JSON), Terraform plans
    /// (`terraform show -json` output) and directories of them, mixed
    /// freely (each file is told apart by its content; at most one
    /// snapshot). With --live: the first path is where the collected
    /// snapshot is saved before the scan [default: snapshot.json], so every
    /// finding points at kept evidence.
    #[arg(required_unless_present = "live", value_name = "PATH")]
    pub inputs: Vec<PathBuf>,
    /// Collect from AWS first (as `palisade collect` would, with the same
    /// options), then scan what was collected.
    #[arg(long)]
    pub live: bool,
    /// AWS source for --live.
    #[command(flatten, next_help_heading = "Live collection (--live)")]
    pub source: crate::collect_cmd::SourceArgs,
    /// Only these packs (repeatable) [default: all, or packs in the config].
    #[arg(long = "pack", value_name = "PACK", value_parser = pack())]
    pub packs: Vec<Pack>,
    /// Output format.
    #[arg(long, value_enum, default_value_t = Format::Table)]
    pub format: Format,
    /// Write the report here (atomically) instead of standard output.
    #[arg(long, short, value_name = "FILE")]
    pub output: Option<PathBuf>,
    /// Exit 1 when an open finding at or above this severity exists
    /// [default: fail_on in the config, else info].
    #[arg(long, value_name = "SEVERITY", value_parser = severity())]
    pub fail_on: Option<Severity>,
    /// The config file.
    #[command(flatten)]
    pub config: ConfigArg,
    /// SARIF category (runAutomationDetails id prefix).
    #[arg(long, default_value = "palisade")]
    pub category: String,
    /// A previous report (Palisade JSON or SARIF): mark findings new /
    /// unchanged / updated and list fixed ones.
    #[arg(long, value_name = "FILE")]
    pub baseline: Option<PathBuf>,
    /// Only findings not in the baseline (new or updated) count for --fail-on.
    #[arg(long)]
    pub fail_on_new: bool,
    /// Waiver file (TOML) [default: `waivers` in the config].
    #[arg(long, value_name = "FILE")]
    pub waivers: Option<PathBuf>,
    /// Evaluate waiver expiry as of this date (YYYY-MM-DD) instead of today (UTC).
    #[arg(long, value_name = "DATE", value_parser = date)]
    pub today: Option<NaiveDate>,
    /// Leave waived findings out of SARIF (GitHub ignores SARIF suppressions).
    #[arg(long)]
    pub sarif_omit_suppressed: bool,
    /// Report per control of this framework (e.g. cis-aws-6.0): pass, fail,
    /// not evaluated, not applicable or manual.
    #[arg(long, value_name = "ID")]
    pub framework: Option<String>,
    /// Record this scan and its findings in the history database.
    #[arg(long)]
    pub record: bool,
    /// The history database (with --record).
    #[command(flatten)]
    pub history_db: HistoryDbArg,
    /// Template and plan options.
    #[command(flatten, next_help_heading = "Templates and plans")]
    pub iac: IacArgs,
    /// Pack locations.
    #[command(flatten)]
    pub dirs: PackDirs,
}

/// How templates and plans are read.
#[derive(Debug, Clone, Default, Args)]
pub struct IacArgs {
    /// A template parameter value, KEY=VALUE (repeatable; wins over the
    /// parameters file and the template's defaults).
    #[arg(long = "parameter", value_name = "KEY=VALUE")]
    pub parameters: Vec<String>,
    /// Template parameter values in CloudFormation's format
    /// (`[{"ParameterKey": ..., "ParameterValue": ...}]`, or a CodePipeline
    /// template configuration `{"Parameters": {...}}`).
    #[arg(long = "parameters", value_name = "FILE")]
    pub parameters_file: Option<PathBuf>,
    /// The account templates and plans deploy to (`AWS::AccountId`; decides
    /// which trusted accounts are external). Unknown when not given.
    #[arg(long, value_name = "ID")]
    pub account_id: Option<String>,
    /// The region templates deploy to (`AWS::Region`) [default: us-east-1].
    /// A plan's AWS provider region, when it sets one, wins.
    #[arg(long, value_name = "REGION")]
    pub iac_region: Option<String>,
    /// The Terraform root module of the plans scanned: findings move from
    /// the plan to the `resource` blocks of its `.tf` files (and of local
    /// child modules) [default: the plan's own directory, when it holds
    /// `.tf` files].
    #[arg(long, value_name = "DIR")]
    pub terraform_dir: Option<PathBuf>,
    /// Only files matching this glob when walking a directory (repeatable)
    /// [default: *.yaml, *.yml, *.json, *.template].
    #[arg(long, value_name = "GLOB")]
    pub include: Vec<String>,
    /// Skip files and folders matching this glob when walking a directory
    /// (repeatable).
    #[arg(long, value_name = "GLOB")]
    pub exclude: Vec<String>,
}

/// `palisade rules`.
#[derive(Debug, Args)]
pub struct RulesArgs {
    /// list, explain or docs.
    #[command(subcommand)]
    pub command: RulesCommand,
    /// Pack locations.
    #[command(flatten)]
    pub dirs: PackDirs,
}

/// `palisade rules ...`.
#[derive(Debug, Subcommand)]
pub enum RulesCommand {
    /// List rules with severity, pack and title.
    List {
        /// Only this pack.
        #[arg(long, value_name = "PACK", value_parser = pack())]
        pack: Option<Pack>,
    },
    /// Show a rule's metadata, parameters and Cedar policy.
    Explain {
        /// Rule id.
        id: String,
    },
    /// Generate Markdown rule docs (one page per rule and an index) from metadata.
    Docs {
        /// Output directory.
        #[arg(long, value_name = "DIR", default_value = "docs/rules")]
        output: PathBuf,
    },
}

/// `palisade validate`.
#[derive(Debug, Args)]
pub struct ValidateArgs {
    /// The config file, checked as well.
    #[command(flatten)]
    pub config: ConfigArg,
    /// Pack locations.
    #[command(flatten)]
    pub dirs: PackDirs,
}

/// `palisade init`.
#[derive(Debug, Args)]
pub struct InitArgs {
    /// Directory to write into [default: current directory].
    #[arg(long, value_name = "DIR")]
    pub dir: Option<PathBuf>,
    /// Overwrite existing files.
    #[arg(long)]
    pub force: bool,
}

/// `palisade history`.
#[derive(Debug, Args)]
#[command(args_conflicts_with_subcommands = true)]
pub struct HistoryArgs {
    /// `prune` old scans, or `check` the database.
    #[command(subcommand)]
    pub command: Option<HistoryCommand>,
    /// The history database.
    #[command(flatten)]
    pub history_db: HistoryDbArg,
    /// The config file (for its `history`).
    #[command(flatten)]
    pub config: ConfigArg,
    /// Print the latest scan's summary (new, fixed, oldest open findings) as Markdown.
    #[arg(long)]
    pub markdown: bool,
}

/// `palisade history ...`.
#[derive(Debug, Subcommand)]
pub enum HistoryCommand {
    /// Delete the scans older than N days (by scan time) with their
    /// findings, in one transaction. The newest scan is always kept, as the
    /// baseline of the next diff.
    Prune(PruneArgs),
    /// Check the database: SQLite's integrity check and that every scan
    /// holds all its findings (exit 0 sound, 2 damaged).
    Check {
        /// The history database.
        #[command(flatten)]
        history_db: HistoryDbArg,
        /// The config file (for its `history`).
        #[command(flatten)]
        config: ConfigArg,
    },
}

/// `palisade history prune`.
#[derive(Debug, Args)]
pub struct PruneArgs {
    /// Keep the scans of the last N days (N >= 1); older ones are deleted.
    #[arg(long, value_name = "N", required = true, value_parser = clap::value_parser!(u32).range(1..))]
    pub keep_days: u32,
    /// Give the freed space back to the file system afterwards (rewrites
    /// the whole file; other writers wait).
    #[arg(long)]
    pub vacuum: bool,
    /// Say what would be deleted, delete nothing.
    #[arg(long)]
    pub dry_run: bool,
    /// The history database.
    #[command(flatten)]
    pub history_db: HistoryDbArg,
    /// The config file (for its `history`).
    #[command(flatten)]
    pub config: ConfigArg,
}

/// `palisade diff`.
#[derive(Debug, Args)]
pub struct DiffArgs {
    /// Earlier scan id (see `palisade history`).
    pub from: i64,
    /// Later scan id.
    pub to: i64,
    /// The history database.
    #[command(flatten)]
    pub history_db: HistoryDbArg,
    /// The config file (for its `history`).
    #[command(flatten)]
    pub config: ConfigArg,
    /// Print the diff as JSON (every finding, most severe first).
    #[arg(long)]
    pub json: bool,
    /// List every rule and resource instead of the first ones per rule.
    #[arg(long)]
    pub all: bool,
}

/// `palisade evidence`.
#[derive(Debug, Args)]
#[command(args_conflicts_with_subcommands = true, subcommand_negates_reqs = true)]
pub struct EvidenceArgs {
    /// `verify`: check a bundle against its manifest.
    #[command(subcommand)]
    pub command: Option<EvidenceCommand>,
    /// The snapshot to judge (written by `palisade collect`). With --live:
    /// where the collected snapshot is saved [default: snapshot.json].
    #[arg(required_unless_present = "live", value_name = "SNAPSHOT")]
    pub snapshot: Option<PathBuf>,
    /// Collect from AWS first (as `palisade collect` would, with the same
    /// options); the bundle holds the snapshot collected.
    #[arg(long)]
    pub live: bool,
    /// AWS source for --live.
    #[command(flatten, next_help_heading = "Live collection (--live)")]
    pub source: crate::collect_cmd::SourceArgs,
    /// The bundle directory to write (atomically).
    #[arg(long, short, required = true, value_name = "DIR")]
    pub output: Option<PathBuf>,
    /// Replace the output directory when it exists and is not empty.
    #[arg(long)]
    pub force: bool,
    /// Also write the bundle as one .zip file (reproducible).
    #[arg(long, value_name = "FILE")]
    pub zip: Option<PathBuf>,
    /// Only this framework (repeatable) [default: every framework in the pack].
    #[arg(long = "framework", value_name = "ID")]
    pub frameworks: Vec<String>,
    /// Only these packs (repeatable) [default: all, or packs in the config].
    #[arg(long = "pack", value_name = "PACK", value_parser = pack())]
    pub packs: Vec<Pack>,
    /// Waiver file (TOML) [default: `waivers` in the config].
    #[arg(long, value_name = "FILE")]
    pub waivers: Option<PathBuf>,
    /// Fix every generated timestamp to this date (00:00 UTC) and evaluate
    /// waiver expiry as of it [default: now].
    #[arg(long, value_name = "DATE", value_parser = date)]
    pub today: Option<NaiveDate>,
    /// The config file.
    #[command(flatten)]
    pub config: ConfigArg,
    /// Pack locations.
    #[command(flatten)]
    pub dirs: PackDirs,
}

/// `palisade evidence ...`.
#[derive(Debug, Subcommand)]
pub enum EvidenceCommand {
    /// Recompute every hash of a bundle (directory or .zip) and report each
    /// file changed, added or removed: exit 0 intact, 1 not, 2 unreadable.
    Verify {
        /// The bundle directory or its .zip.
        #[arg(value_name = "DIR|ZIP")]
        path: PathBuf,
        /// The manifest's SHA-256 as recorded when the bundle was handed
        /// over: a different manifest is reported (exit 1).
        #[arg(long, value_name = "HEX")]
        manifest_sha256: Option<String>,
    },
}
