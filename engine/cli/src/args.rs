//! Command-line arguments (clap derive). Resolution into a plan happens in
//! each subcommand module.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand, ValueEnum};

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
    /// List or explain rules.
    Rules(RulesArgs),
    /// Check the rule packs (strict Cedar validation) and a config file.
    Validate(ValidateArgs),
    /// Write a commented palisade.toml and an example waivers.toml.
    Init(InitArgs),
    /// List recorded scans, or print the nightly summary (--markdown).
    History(HistoryArgs),
    /// New, fixed and changed findings between two recorded scans.
    Diff(DiffArgs),
    /// Read AWS accounts (IAM, EC2 networking, WAFv2, Backup, Config, Artifact) into a snapshot.
    Collect(crate::collect_cmd::CollectArgs),
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
}

/// `palisade scan`.
#[derive(Debug, Args)]
pub struct ScanArgs {
    /// Snapshot file written by `palisade collect` (format palisade-snapshot v1).
    /// With --live: where the collected snapshot is saved before the scan
    /// [default: snapshot.json], so every finding points at kept evidence.
    #[arg(required_unless_present = "live")]
    pub snapshot: Option<PathBuf>,
    /// Collect from AWS first (as `palisade collect` would, with the same
    /// options), then scan what was collected.
    #[arg(long)]
    pub live: bool,
    /// AWS source for --live.
    #[command(flatten, next_help_heading = "Live collection (--live)")]
    pub source: crate::collect_cmd::SourceArgs,
    /// Only these packs (repeatable): security, compliance, dr, cost.
    #[arg(long = "pack", value_name = "PACK")]
    pub packs: Vec<String>,
    /// Output format.
    #[arg(long, value_enum, default_value_t = Format::Table)]
    pub format: Format,
    /// Write the report here (atomically) instead of standard output.
    #[arg(long, short, value_name = "FILE")]
    pub output: Option<PathBuf>,
    /// Exit 1 when a finding at or above this severity exists
    /// (info, low, medium, high, critical) [default: info, or fail_on in the config].
    #[arg(long, value_name = "SEVERITY")]
    pub fail_on: Option<String>,
    /// Config file (packs, fail_on, parameters) [default: ./palisade.toml if present].
    #[arg(long, value_name = "FILE")]
    pub config: Option<PathBuf>,
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
    #[arg(long, value_name = "DATE")]
    pub today: Option<String>,
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
    /// History database [default: `history` in the config, else .palisade/history.sqlite].
    #[arg(long, value_name = "FILE")]
    pub history_db: Option<PathBuf>,
    /// Pack locations.
    #[command(flatten)]
    pub dirs: PackDirs,
}

/// `palisade rules`.
#[derive(Debug, Args)]
pub struct RulesArgs {
    /// list or explain.
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
        #[arg(long)]
        pack: Option<String>,
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
    /// Config file to check as well.
    #[arg(long, value_name = "FILE")]
    pub config: Option<PathBuf>,
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
pub struct HistoryArgs {
    /// History database [default: `history` in the config, else .palisade/history.sqlite].
    #[arg(long, value_name = "FILE")]
    pub db: Option<PathBuf>,
    /// Config file [default: ./palisade.toml if present].
    #[arg(long, value_name = "FILE")]
    pub config: Option<PathBuf>,
    /// Print the latest scan's summary (new, fixed, oldest open findings) as Markdown.
    #[arg(long)]
    pub markdown: bool,
}

/// `palisade diff`.
#[derive(Debug, Args)]
pub struct DiffArgs {
    /// Earlier scan id (see `palisade history`).
    pub from: i64,
    /// Later scan id.
    pub to: i64,
    /// History database [default: `history` in the config, else .palisade/history.sqlite].
    #[arg(long, value_name = "FILE")]
    pub db: Option<PathBuf>,
    /// Config file [default: ./palisade.toml if present].
    #[arg(long, value_name = "FILE")]
    pub config: Option<PathBuf>,
    /// Print the diff as JSON.
    #[arg(long)]
    pub json: bool,
}
