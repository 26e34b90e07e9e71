//! `palisade merge`: combine the shard snapshots of one sharded collection
//! (or whole snapshots of disjoint accounts) into one snapshot, with the
//! checks of [`palisade_model::merge`]: mismatched versions, shards of
//! different runs, a shard or an account given twice are refused (exit 2,
//! naming the files); a missing shard makes each of its accounts a gap
//! whose every check is not evaluated (exit 3); otherwise exit 0.
//!
//! Inputs are snapshot files, directories (every `*.json` file directly
//! inside, in name order) and `s3://` objects or prefixes (every `*.json`
//! object directly under the prefix, downloaded to a temporary directory).
//! Every input is held in memory: for a very large organisation, scan the
//! shard directory directly instead.

use std::path::{Path, PathBuf};

use anyhow::{bail, Context as _};
use clap::Args;
use palisade_collect::s3io::{is_s3_uri, S3Io};
use palisade_collect::CollectOptions;
use palisade_model::load::LoadedSnapshot;
use palisade_model::merge::{self, Header};
use palisade_model::Snapshot;

use crate::collect_cmd::Output;
use crate::exit::Code;

/// `palisade merge`.
#[derive(Debug, Args)]
pub struct MergeArgs {
    /// Snapshot files, directories (every *.json inside) or s3:// objects
    /// and prefixes.
    #[arg(required = true, value_name = "INPUT")]
    pub inputs: Vec<String>,
    /// Write the merged snapshot here: a file (atomically), DIR/ (as
    /// snapshot.json) or s3://bucket/key (visible only when complete).
    #[arg(long, short, value_name = "FILE|DIR/|s3://BUCKET/KEY")]
    pub output: PathBuf,
    /// Named profile for s3:// inputs and output [default: the default credential chain].
    #[arg(long, value_name = "NAME")]
    pub profile: Option<String>,
    /// Send S3 calls to this endpoint (e.g. a local test server).
    #[arg(long, value_name = "URL")]
    pub endpoint_url: Option<String>,
}

/// Runs the subcommand.
pub fn run(a: &MergeArgs) -> anyhow::Result<Code> {
    let opts = CollectOptions {
        profile: a.profile.clone(),
        endpoint_url: a.endpoint_url.clone(),
        ..CollectOptions::default()
    };
    let output = Output::resolve(&a.output, None)?;
    let downloads = tempfile::tempdir().context("creating a temporary directory")?;
    let files = expand(&a.inputs, &opts, downloads.path())?;
    let mut sources: Vec<(String, Snapshot)> = Vec::with_capacity(files.len());
    for (name, path) in files {
        let loaded = LoadedSnapshot::from_path(&path).map_err(|e| {
            // Downloaded files are named by their S3 URI, not the temporary path.
            let text = e.to_string();
            let shown = path.display().to_string();
            anyhow::anyhow!("{}", text.replace(&shown, &name))
        })?;
        sources.push((name, loaded.snapshot));
    }
    let headers: Vec<(String, Header)> = sources
        .iter()
        .map(|(n, s)| (n.clone(), Header::of(s)))
        .collect();
    let plan = merge::plan(&headers).context("cannot merge")?;
    let mut absent = Vec::new();
    for (name, s) in &sources {
        if let Some(shard) = &s.shard {
            let lacks = merge::check_assignment(
                name,
                shard,
                s.accounts.iter().map(|a| a.account_id.as_str()),
            )
            .context("cannot merge")?;
            absent.extend(lacks.into_iter().map(|a| (name.clone(), a)));
        }
    }
    let run = headers[0].1.shard.as_ref().map(|s| s.run_id.clone());
    let inputs = sources.len();
    let merged = merge::merge(sources).context("cannot merge")?;
    output.write(&merged, &opts)?;
    let what = match &run {
        Some(run) => format!("{} of {} shard(s) of run {run:?}", inputs, plan.shard_count),
        None => format!("{inputs} snapshot(s)"),
    };
    eprintln!(
        "merged {what}: {} account(s) into {output}",
        merged.accounts.len()
    );
    for (index, accounts) in &plan.missing {
        eprintln!(
            "shard {index} of {} is missing: its {} account(s) are gaps, every check over them is reported as not evaluated: {}",
            plan.shard_count,
            accounts.len(),
            accounts.join(", ")
        );
    }
    for (name, account) in &absent {
        eprintln!(
            "{name} lacks account {account}, assigned to it: a gap, every check over it is reported as not evaluated"
        );
    }
    if plan.missing.is_empty() && absent.is_empty() {
        Ok(Code::Clean)
    } else {
        Ok(Code::Incomplete)
    }
}

/// The snapshot files of `inputs`, each with the name shown in messages:
/// files as given, the `*.json` files of a directory in name order, and
/// S3 objects downloaded below `tmp` (named by their URI).
fn expand(
    inputs: &[String],
    opts: &CollectOptions,
    tmp: &Path,
) -> anyhow::Result<Vec<(String, PathBuf)>> {
    let mut files = Vec::new();
    let mut s3: Option<S3Io> = None;
    for (i, input) in inputs.iter().enumerate() {
        if is_s3_uri(input) {
            let client = match s3.take() {
                Some(c) => c,
                None => S3Io::new(opts)?,
            };
            let dir = tmp.join(i.to_string());
            std::fs::create_dir_all(&dir).with_context(|| format!("creating {}", dir.display()))?;
            for path in client.download_to(input, &dir)? {
                let file = path
                    .file_name()
                    .map(|f| f.to_string_lossy().into_owned())
                    .unwrap_or_default();
                let name = if input.ends_with(&format!("/{file}")) {
                    input.clone()
                } else {
                    format!("{}/{file}", input.trim_end_matches('/'))
                };
                files.push((name, path));
            }
            s3 = Some(client);
            continue;
        }
        let path = PathBuf::from(input);
        if path.is_dir() {
            let mut found: Vec<PathBuf> = std::fs::read_dir(&path)
                .with_context(|| format!("reading directory {input}"))?
                .filter_map(Result::ok)
                .map(|e| e.path())
                .filter(|p| {
                    p.is_file()
                        && p.extension().is_some_and(|x| x == "json")
                        && !p
                            .file_name()
                            .is_some_and(|n| n.to_string_lossy().starts_with('.'))
                })
                .collect();
            if found.is_empty() {
                bail!("{input}: the directory holds no *.json snapshot");
            }
            found.sort();
            files.extend(found.into_iter().map(|p| (p.display().to_string(), p)));
        } else {
            files.push((input.clone(), path));
        }
    }
    Ok(files)
}
