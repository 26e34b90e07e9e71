//! `palisade collect`: read AWS accounts into a snapshot file (atomically)
//! or an S3 object (never visible partially), optionally one shard's share
//! of the accounts (`--shard I/N`, `--shard auto`). Exit 0 when every call
//! succeeded, 3 when the snapshot has coverage gaps, 2 when nothing could be
//! collected or written (no credentials, bad options, a failed upload).

use std::io::IsTerminal as _;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use anyhow::{bail, Context as _};
use clap::{Args, ValueEnum};
use palisade_collect::s3io::{is_s3_uri, S3Io};
use palisade_collect::{CollectOptions, RetryMode, ShardSpec};
use palisade_model::load::write_snapshot;
use palisade_model::Snapshot;

use crate::exit::Code;

/// `palisade collect`.
#[derive(Debug, Args)]
pub struct CollectArgs {
    /// Write the snapshot here: a file (atomically; a failed run keeps the
    /// old file) or s3://bucket/key (visible only when complete). Ending in
    /// `/`, a directory or prefix: the file is shard-IIII-of-NNNN.json for a
    /// shard, else snapshot.json.
    #[arg(
        long,
        short,
        value_name = "FILE|DIR/|s3://BUCKET/KEY",
        default_value = "snapshot.json"
    )]
    pub output: PathBuf,
    /// Where and how to read AWS.
    #[command(flatten)]
    pub source: SourceArgs,
    /// Sharded collection.
    #[command(flatten)]
    pub shard: ShardArgs,
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
    /// Seconds to wait for a connection to open; a refused or unanswered
    /// connection is retried, then the call is a coverage gap [default: 10].
    #[arg(long, value_name = "SECS", value_parser = seconds)]
    pub connect_timeout: Option<Duration>,
    /// Seconds to wait for an answer to start once a request is sent; a
    /// slower answer is retried, then the call is a coverage gap [default: 20].
    #[arg(long, value_name = "SECS", value_parser = seconds)]
    pub read_timeout: Option<Duration>,
    /// Seconds one attempt of one call may take in all (connect, send,
    /// wait, read the whole answer); a longer attempt is retried
    /// [default: 30].
    #[arg(long, value_name = "SECS", value_parser = seconds)]
    pub attempt_timeout: Option<Duration>,
    /// Log what the collectors do on stderr (-v: info, every retry and
    /// give-up; -vv: debug; -vvv: SDK debug).
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
            || self.connect_timeout.is_some()
            || self.read_timeout.is_some()
            || self.attempt_timeout.is_some()
    }
}

/// Parses a positive number of seconds (`2`, `0.5`), at most a day.
fn seconds(s: &str) -> Result<Duration, String> {
    let v: f64 = s
        .trim()
        .parse()
        .map_err(|_| format!("{s:?} is not a number of seconds"))?;
    if !(v > 0.0 && v <= 86_400.0) {
        return Err(format!("{s:?}: give more than 0 and at most 86400 seconds"));
    }
    Ok(Duration::from_secs_f64(v))
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
                .with_writer(crate::redact_log::Stderr)
                .with_ansi(std::io::stderr().is_terminal()),
        )
        .with(filter)
        .try_init();
}

/// Runs the subcommand.
pub fn run(a: &CollectArgs) -> anyhow::Result<Code> {
    let shard = resolve_shard(&a.shard, &|k| std::env::var(k).ok())?;
    let output = Output::resolve(&a.output, shard.as_ref().map(|s| (s.index, s.count)))?;
    collect_into(&a.source, shard, &output)
}

/// Collects into `output` (atomically) and reports the outcome on stderr:
/// 0 when every call succeeded, 3 when the snapshot has coverage gaps.
pub fn collect_to(a: &SourceArgs, output: &Path) -> anyhow::Result<Code> {
    collect_into(a, None, &Output::Local(output.to_owned()))
}

/// [`collect_to`], for one shard and to a local file or an S3 object.
fn collect_into(a: &SourceArgs, shard: Option<ShardSpec>, output: &Output) -> anyhow::Result<Code> {
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
        connect_timeout: a.connect_timeout.unwrap_or(defaults.connect_timeout),
        read_timeout: a.read_timeout.unwrap_or(defaults.read_timeout),
        attempt_timeout: a.attempt_timeout.unwrap_or(defaults.attempt_timeout),
        progress: interactive && !a.quiet,
        shard,
        ..defaults
    };
    let start = Instant::now();
    let snapshot = palisade_collect::collect_blocking(&opts)?;
    output.write(&snapshot, &opts)?;
    if let Some(org) = &snapshot.organization {
        report_org(org, &snapshot, a);
    }
    if let Some(s) = &snapshot.shard {
        eprintln!(
            "shard {} of {} (run {:?}): {} of the run's {} account(s)",
            s.index,
            s.count,
            s.run_id,
            snapshot.accounts.len(),
            s.assignment.len()
        );
    }
    let gaps: Vec<_> = snapshot.gaps().collect();
    let regions: usize = snapshot.accounts.iter().map(|a| a.regions.len()).sum();
    eprintln!(
        "wrote {}: {} account(s), {} account-region(s), {} failed call(s) in {:.1}s",
        output,
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

// ---------------------------------------------------------------------------
// Sharding (`--shard`, `--shard-count`, `--run-id`) and where a snapshot is
// written (a local file or directory, or an S3 object or prefix); the
// output half is shared with `palisade merge`.

/// Sharded collection: which share of the accounts this process collects.
#[derive(Debug, Args, Default)]
pub struct ShardArgs {
    /// Collect one shard of the accounts: `I/N` (shard I of N, from 0), or
    /// `auto` / `auto/N`, taking I from JOB_COMPLETION_INDEX (Kubernetes
    /// Indexed Job) or AWS_BATCH_JOB_ARRAY_INDEX (AWS Batch array job).
    #[arg(long, value_name = "I/N|auto[/N]")]
    pub shard: Option<String>,
    /// Number of shards for `--shard auto` [default: PALISADE_SHARD_COUNT,
    /// else AWS_BATCH_JOB_ARRAY_SIZE].
    #[arg(long, value_name = "N", requires = "shard")]
    pub shard_count: Option<u32>,
    /// The run this shard belongs to, recorded so shards of different runs
    /// are never merged [default: PALISADE_RUN_ID, else AWS_BATCH_JOB_ID
    /// without its `:index`, else empty].
    #[arg(long, value_name = "ID", requires = "shard")]
    pub run_id: Option<String>,
}

/// Environment variables read for `--shard auto` and the run id.
pub const K8S_INDEX: &str = "JOB_COMPLETION_INDEX";
/// AWS Batch array child index.
pub const BATCH_INDEX: &str = "AWS_BATCH_JOB_ARRAY_INDEX";
/// AWS Batch array size.
pub const BATCH_SIZE: &str = "AWS_BATCH_JOB_ARRAY_SIZE";
/// AWS Batch job id (`<array job id>:<index>` in an array child).
pub const BATCH_JOB_ID: &str = "AWS_BATCH_JOB_ID";
/// Shard count for `--shard auto`.
pub const SHARD_COUNT_ENV: &str = "PALISADE_SHARD_COUNT";
/// Run id.
pub const RUN_ID_ENV: &str = "PALISADE_RUN_ID";

/// Resolves `--shard`, `--shard-count` and `--run-id` with the environment
/// (`env`); every missing or malformed value is a usage error (exit 2)
/// naming where it came from.
pub fn resolve_shard(
    a: &ShardArgs,
    env: &dyn Fn(&str) -> Option<String>,
) -> anyhow::Result<Option<ShardSpec>> {
    let Some(spec) = a.shard.as_deref() else {
        return Ok(None);
    };
    let number = |what: &str, v: &str| -> anyhow::Result<u32> {
        v.trim()
            .parse::<u32>()
            .map_err(|_| anyhow::anyhow!("{what} is {v:?}, not a whole number"))
    };
    let (head, tail) = match spec.split_once('/') {
        Some((h, t)) => (h, Some(t)),
        None => (spec, None),
    };
    let mut count = match tail {
        Some(t) => Some(number(&format!("the shard count in --shard {spec:?}"), t)?),
        None => None,
    };
    if let (Some(c), Some(flag)) = (count, a.shard_count) {
        if c != flag {
            bail!("--shard {spec:?} says {c} shards but --shard-count says {flag}");
        }
    }
    count = count.or(a.shard_count);
    let (index, from_batch) = if head == "auto" {
        let k8s = env(K8S_INDEX).filter(|v| !v.is_empty());
        let batch = env(BATCH_INDEX).filter(|v| !v.is_empty());
        match (k8s, batch) {
            (Some(k), Some(b)) if k.trim() != b.trim() => bail!(
                "--shard auto: both {K8S_INDEX} ({k:?}) and {BATCH_INDEX} ({b:?}) are set and differ"
            ),
            (Some(k), _) => (number(K8S_INDEX, &k)?, false),
            (None, Some(b)) => (number(BATCH_INDEX, &b)?, true),
            (None, None) => bail!(
                "--shard auto: neither {K8S_INDEX} (Kubernetes Indexed Job) nor {BATCH_INDEX} \
                 (AWS Batch array job) is set; give the index as --shard I/N"
            ),
        }
    } else if tail.is_none() {
        bail!("--shard {spec:?}: expected I/N (shard I of N, from 0), auto or auto/N");
    } else {
        (
            number(&format!("the shard index in --shard {spec:?}"), head)?,
            false,
        )
    };
    if count.is_none() {
        if let Some(v) = env(SHARD_COUNT_ENV).filter(|v| !v.is_empty()) {
            count = Some(number(SHARD_COUNT_ENV, &v)?);
        } else if from_batch {
            if let Some(v) = env(BATCH_SIZE).filter(|v| !v.is_empty()) {
                count = Some(number(BATCH_SIZE, &v)?);
            }
        }
    }
    let Some(count) = count else {
        bail!(
            "--shard {spec:?}: the number of shards is not known; give --shard auto/N, \
             --shard-count N or {SHARD_COUNT_ENV}"
        );
    };
    if count == 0 {
        bail!("--shard {spec:?}: the number of shards must be at least 1");
    }
    if index >= count {
        bail!("--shard {spec:?}: shard index {index} is not below the shard count {count} (indexes start at 0)");
    }
    let run_id = a
        .run_id
        .clone()
        .or_else(|| env(RUN_ID_ENV).filter(|v| !v.is_empty()))
        .or_else(|| {
            env(BATCH_JOB_ID).map(|id| match id.rsplit_once(':') {
                Some((parent, i)) if i.bytes().all(|b| b.is_ascii_digit()) => parent.to_owned(),
                _ => id,
            })
        })
        .unwrap_or_default();
    Ok(Some(ShardSpec {
        index,
        count,
        run_id,
    }))
}

/// Where a snapshot goes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Output {
    /// A local file, written atomically.
    Local(PathBuf),
    /// An `s3://bucket/key` object, visible only when complete.
    S3(String),
}

impl Output {
    /// `output` as given, with the file name added when it ends in `/`
    /// (or is an existing local directory): `shard-IIII-of-NNNN.json` for
    /// shard `(index, count)`, else `snapshot.json`. A local directory
    /// named with a trailing `/` is created when missing.
    pub fn resolve(output: &Path, shard: Option<(u32, u32)>) -> anyhow::Result<Self> {
        let text = output.to_string_lossy();
        let name = || match shard {
            Some((i, n)) => palisade_model::merge::shard_file_name(i, n),
            None => "snapshot.json".to_owned(),
        };
        if is_s3_uri(&text) {
            let u = palisade_collect::s3io::S3Uri::parse(&text)?;
            return Ok(Output::S3(if u.is_prefix() {
                format!("{u}{}", name())
            } else {
                text.into_owned()
            }));
        }
        if text.ends_with('/') || output.is_dir() {
            // Created now, so a path that cannot be a directory fails
            // before a long collection rather than after.
            std::fs::create_dir_all(output)
                .with_context(|| format!("creating directory {}", output.display()))?;
            return Ok(Output::Local(output.join(name())));
        }
        Ok(Output::Local(output.to_owned()))
    }

    /// Writes `snapshot` here (pretty JSON, as every snapshot file): S3
    /// with the credentials and endpoint of `opts`.
    pub fn write(&self, snapshot: &Snapshot, opts: &CollectOptions) -> anyhow::Result<()> {
        match self {
            Output::Local(path) => write_snapshot(path, snapshot)?,
            Output::S3(uri) => {
                let mut text = serde_json::to_vec_pretty(snapshot)
                    .with_context(|| format!("serialising the snapshot for {uri}"))?;
                text.push(b'\n');
                S3Io::new(opts)?
                    .upload(uri, &text)
                    .with_context(|| format!("writing {uri} (nothing was written there)"))?;
            }
        }
        Ok(())
    }
}

impl std::fmt::Display for Output {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Output::Local(p) => write!(f, "{}", p.display()),
            Output::S3(u) => f.write_str(u),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    fn resolve(
        shard: &str,
        count: Option<u32>,
        run_id: Option<&str>,
        env: &[(&str, &str)],
    ) -> anyhow::Result<Option<ShardSpec>> {
        let env: HashMap<String, String> = env
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect();
        resolve_shard(
            &ShardArgs {
                shard: Some(shard.to_owned()),
                shard_count: count,
                run_id: run_id.map(str::to_owned),
            },
            &|k| env.get(k).cloned(),
        )
    }

    fn spec(index: u32, count: u32, run_id: &str) -> Option<ShardSpec> {
        Some(ShardSpec {
            index,
            count,
            run_id: run_id.into(),
        })
    }

    fn err(r: anyhow::Result<Option<ShardSpec>>) -> String {
        r.expect_err("must be refused").to_string()
    }

    #[test]
    fn explicit_shards() {
        assert_eq!(resolve("2/3", None, None, &[]).unwrap(), spec(2, 3, ""));
        assert_eq!(
            resolve("0/1", Some(1), Some("r"), &[]).unwrap(),
            spec(0, 1, "r")
        );
        assert!(
            err(resolve("3/3", None, None, &[])).contains("index 3 is not below the shard count 3")
        );
        assert!(err(resolve("0/0", None, None, &[])).contains("at least 1"));
        assert!(err(resolve("x/3", None, None, &[])).contains("shard index in --shard \"x/3\""));
        assert!(err(resolve("1/y", None, None, &[])).contains("not a whole number"));
        assert!(err(resolve("-1/3", None, None, &[])).contains("not a whole number"));
        assert!(err(resolve("1", None, None, &[])).contains("expected I/N"));
        assert!(err(resolve("1/3", Some(4), None, &[])).contains("--shard-count says 4"));
        assert_eq!(
            resolve_shard(&ShardArgs::default(), &|_| None).unwrap(),
            None
        );
    }

    #[test]
    fn auto_reads_the_scheduler_index() {
        let k8s = [(K8S_INDEX, "1")];
        assert_eq!(resolve("auto/3", None, None, &k8s).unwrap(), spec(1, 3, ""));
        assert_eq!(
            resolve("auto", Some(3), None, &k8s).unwrap(),
            spec(1, 3, "")
        );
        let with_env = [
            (K8S_INDEX, "2"),
            (SHARD_COUNT_ENV, "4"),
            (RUN_ID_ENV, "nightly-1"),
        ];
        assert_eq!(
            resolve("auto", None, None, &with_env).unwrap(),
            spec(2, 4, "nightly-1")
        );
        // Kubernetes does not expose the completion count.
        assert!(err(resolve("auto", None, None, &k8s)).contains("number of shards is not known"));
        // AWS Batch exposes index, size and the job id.
        let batch = [
            (BATCH_INDEX, "4"),
            (BATCH_SIZE, "5"),
            (BATCH_JOB_ID, "a1b2c3:4"),
        ];
        assert_eq!(
            resolve("auto", None, None, &batch).unwrap(),
            spec(4, 5, "a1b2c3")
        );
        assert_eq!(
            resolve("auto", None, Some("mine"), &batch).unwrap(),
            spec(4, 5, "mine")
        );
        // Missing and garbage indexes.
        assert!(err(resolve("auto/3", None, None, &[])).contains("neither JOB_COMPLETION_INDEX"));
        assert!(err(resolve("auto/3", None, None, &[(K8S_INDEX, "one")]))
            .contains("JOB_COMPLETION_INDEX is \"one\""));
        assert!(err(resolve("auto/3", None, None, &[(K8S_INDEX, "3")])).contains("not below"));
        assert!(err(resolve(
            "auto",
            None,
            None,
            &[(K8S_INDEX, "0"), (SHARD_COUNT_ENV, "x")]
        ))
        .contains("PALISADE_SHARD_COUNT is \"x\""));
        assert!(err(resolve(
            "auto/2",
            None,
            None,
            &[(K8S_INDEX, "0"), (BATCH_INDEX, "1")]
        ))
        .contains("differ"));
    }

    #[test]
    fn outputs_name_the_file_in_a_directory_or_prefix() {
        let r = |o: &str, s| Output::resolve(Path::new(o), s).unwrap();
        let tmp = tempfile::tempdir().unwrap();
        let out = format!("{}/out/", tmp.path().display());
        assert_eq!(
            r(&out, Some((1, 3))),
            Output::Local(tmp.path().join("out/shard-0001-of-0003.json"))
        );
        assert!(tmp.path().join("out").is_dir(), "the directory is created");
        assert_eq!(
            r(&out, None),
            Output::Local(tmp.path().join("out/snapshot.json"))
        );
        // An existing directory without the slash.
        assert_eq!(
            r(&format!("{}/out", tmp.path().display()), None),
            Output::Local(tmp.path().join("out/snapshot.json"))
        );
        assert_eq!(
            r("x.json", Some((1, 3))),
            Output::Local(PathBuf::from("x.json"))
        );
        assert_eq!(
            r("s3://b/run/", Some((0, 2))),
            Output::S3("s3://b/run/shard-0000-of-0002.json".into())
        );
        assert_eq!(r("s3://b", None), Output::S3("s3://b/snapshot.json".into()));
        assert_eq!(r("s3://b/k.json", None), Output::S3("s3://b/k.json".into()));
        assert!(Output::resolve(Path::new("s3:///k"), None).is_err());
    }
}
