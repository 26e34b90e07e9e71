//! `palisade scan`: resolve the inputs into a plan (every input checked
//! before any AWS call), collect if `--live`, evaluate, triage, render, and
//! map the gate's verdict to the exit code.

use std::collections::HashSet;
use std::io::{IsTerminal as _, Write};
use std::path::PathBuf;

use anyhow::Context as _;
use chrono::NaiveDate;
use palisade_eval::{Evaluator, Status};
use palisade_model::load::write_atomic_with;
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
    /// The snapshots to read (or the one to collect into with --live);
    /// none when only templates and plans are scanned.
    pub snapshot_paths: Vec<PathBuf>,
    /// The templates and plans, imported.
    pub inputs: crate::inputs::Inputs,
    framework: Option<Framework>,
    waivers: Option<WaiverFile>,
    baseline: Option<Baseline>,
    today: NaiveDate,
    gate: Gate,
    /// Where `s3://` inputs were downloaded (removed when the scan ends).
    _downloads: Option<tempfile::TempDir>,
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
    let (rest, downloads) = s3_inputs(a, rest)?;
    let inputs = crate::inputs::read(&rest, &a.iac)?;
    if a.live {
        if let Some(s) = inputs.snapshots.first() {
            anyhow::bail!(
                "{}: a snapshot cannot be scanned together with --live",
                s.display()
            );
        }
    }
    if inputs.snapshots.len() > 1 && !inputs.accounts.is_empty() {
        anyhow::bail!(
            "{} snapshots and {} templates or plans: scan several snapshots (shards of one organisation) without templates and plans, or one snapshot with them",
            inputs.snapshots.len(),
            inputs.accounts.len()
        );
    }
    let snapshot_paths = match snapshot_out {
        Some(out) => vec![out],
        None => inputs.snapshots.clone(),
    };
    if !a.live && a.source.is_set() && !uses_s3(a) {
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
        snapshot_paths,
        inputs,
        framework,
        waivers,
        baseline,
        today,
        _downloads: downloads,
        gate: Gate {
            fail_on,
            fail_on_new: a.fail_on_new,
        },
    })
}

/// What [`judge`] produced: the snapshot as evaluated (templates and plans
/// combined in, missing coverage filled), its results and their triage.
pub(crate) struct Judged {
    /// The snapshot evaluated (read one account at a time: its accounts
    /// without their resources, its line index covering the results kept).
    pub snapshot: LoadedSnapshot,
    /// The results kept, sorted by rule id then resource id: every result,
    /// or with [`Keep::NotPasses`] all but the passes.
    pub results: Vec<palisade_eval::CheckResult>,
    /// What was counted and not kept.
    pub omitted: Option<palisade_report::Omitted>,
    /// Waivers and baseline applied.
    pub triage: Triage,
    /// The templates and plans read: (uri, hex SHA-256).
    pub files: Vec<(String, String)>,
    /// The snapshot files after the first, for a scan of several: (uri,
    /// hex SHA-256), and which file each account came from (0: the first).
    pub more_snapshots: Vec<(String, String)>,
    /// The file (0: the first) each account of a scan of several came from.
    pub account_files: std::collections::BTreeMap<String, usize>,
}

/// Which results [`judge`] keeps, and how it reads the snapshot.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Keep {
    /// Every result, the snapshot read whole (the evidence bundle needs
    /// every account's data).
    Whole,
    /// Every result; the snapshot streamed account by account.
    All,
    /// Every result but the passes (counted): for reports that list none.
    NotPasses,
}

/// The shared middle of `scan` and `evidence`: collects if `--live`, loads
/// the snapshot, combines templates and plans, fills missing coverage,
/// evaluates and triages.
pub(crate) fn judge(a: &ScanArgs, p: &mut Plan, keep: Keep) -> anyhow::Result<Judged> {
    if let (true, Some(path)) = (a.live, p.snapshot_paths.first()) {
        // Gaps are reported again by the scan (exit 3); an error here is exit 2.
        crate::collect_cmd::collect_to(&a.source, path)?;
    }
    if p.inputs.skipped > 0 {
        eprintln!(
            "skipped {} files that are neither templates, plans nor snapshots",
            p.inputs.skipped
        );
    }
    // Several snapshot files are always streamed (one organisation, never
    // held whole); templates and plans join a snapshot read whole.
    let streamed = !p.snapshot_paths.is_empty()
        && p.inputs.accounts.is_empty()
        && (keep != Keep::Whole || p.snapshot_paths.len() > 1);
    let (snapshot, results, omitted, more_snapshots, account_files) = if streamed {
        let s = crate::scan::stream_snapshots(&p.snapshot_paths, p, keep != Keep::NotPasses)?;
        report_uncovered(&s.snapshot.snapshot);
        (
            s.snapshot,
            s.results,
            Some(s.omitted).filter(|_| keep == Keep::NotPasses),
            s.more,
            s.account_files,
        )
    } else {
        if p.snapshot_paths.len() > 1 {
            anyhow::bail!("several snapshots cannot be combined with templates or plans");
        }
        let loaded = p
            .snapshot_paths
            .first()
            .map(|p| LoadedSnapshot::from_path(p))
            .transpose()?;
        let mut snapshot = crate::inputs::combine(loaded, &mut p.inputs);
        report_uncovered(&snapshot.snapshot);
        fill_coverage(&p.pack, &mut snapshot.snapshot);
        let evaluation = p.evaluator.evaluate(&snapshot.snapshot);
        (
            snapshot,
            evaluation.results,
            None,
            Vec::new(),
            Default::default(),
        )
    };
    let severity_of = |id: &str| p.pack.rule(id).map(|r| r.meta.severity);
    let triage = Triage::new(
        &results,
        &severity_of,
        p.baseline.as_ref(),
        p.waivers.as_ref(),
        p.today,
    );
    Ok(Judged {
        snapshot,
        results,
        omitted,
        triage,
        files: std::mem::take(&mut p.inputs.files),
        more_snapshots,
        account_files,
    })
}

/// The services whose missing coverage is filled (see [`fill_coverage`]):
/// (global, regional) names. AWS Organizations is not an account's
/// service: a snapshot without an organisation gets no `organizations` gap
/// per account.
fn coverage_services(pack: &RulePack) -> (Vec<&'static str>, Vec<&'static str>) {
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
        let mut v: Vec<&'static str> = v.into_iter().map(|s| s.as_str()).collect();
        v.sort_unstable();
        v
    };
    (names(global), names(regional))
}

/// What [`stream_snapshots`] gives.
pub(crate) struct StreamedScan {
    snapshot: LoadedSnapshot,
    results: Vec<palisade_eval::CheckResult>,
    omitted: palisade_report::Omitted,
    more: Vec<(String, String)>,
    account_files: std::collections::BTreeMap<String, usize>,
}

/// One account's share of a streamed scan.
struct AccountOutcome {
    /// The account without its resources (coverage, ids, IaC metadata).
    slim: palisade_model::Account,
    kept: Vec<palisade_eval::CheckResult>,
    /// The line of each kept result.
    lines: Vec<usize>,
    /// The lines of the hops of kept results' network paths (account, id,
    /// line), where the snapshot has them.
    hops: Vec<(String, String, usize)>,
    passes: usize,
    /// Hashes of the resource ids with a result (for the distinct count).
    resources: Vec<u128>,
}

/// A 128-bit hash of a resource id (distinct ids are counted by hash, not
/// kept: a collision is as likely as a random 128-bit match).
fn id_hash(id: &str) -> u128 {
    use std::hash::{Hash as _, Hasher as _};
    let mut a = std::collections::hash_map::DefaultHasher::new();
    id.hash(&mut a);
    let mut b = std::collections::hash_map::DefaultHasher::new();
    (0x5eed_u32, id).hash(&mut b);
    (u128::from(a.finish()) << 64) | u128::from(b.finish())
}

/// The account as the reports see it: its resources dropped.
fn slim(account: palisade_model::Account) -> palisade_model::Account {
    palisade_model::Account {
        account_id: account.account_id,
        name: account.name,
        partition: account.partition,
        regions: account.regions,
        coverage: account.coverage,
        origin: account.origin,
        unknowns: account.unknowns,
        locations: account.locations,
        uncovered: account.uncovered,
        ..Default::default()
    }
}

/// Reads `paths` one account at a time, evaluating each as it arrives on
/// a few worker threads, and keeps what the reports need. Several files are
/// one organisation: every header is checked first (shards of different
/// runs, versions, a shard twice: refused), an account in two files is
/// refused, and the accounts of a shard whose file is missing are gaps.
/// Memory holds the accounts being evaluated and the results kept, never a
/// whole file.
// The hook for `s3://` inputs: download each object to a temporary file
// (palisade_collect::s3io::download_to) and pass the files here.
pub(crate) fn stream_snapshots(
    paths: &[PathBuf],
    p: &Plan,
    keep_passes: bool,
) -> anyhow::Result<StreamedScan> {
    use palisade_model::SnapshotReader;
    let mut readers = paths
        .iter()
        .map(|path| SnapshotReader::open(path))
        .collect::<Result<Vec<_>, _>>()?;
    let uri = |p: &std::path::Path| crate::inputs::uri_of(p);
    // A shard file alone is part of an organisation too: its missing
    // siblings' accounts are gaps.
    let (mut header, missing, count) = if readers.len() > 1 || readers[0].header().shard.is_some() {
        let headers: Vec<(String, palisade_model::merge::Header)> = readers
            .iter()
            .map(|r| (uri(r.path()), palisade_model::merge::Header::of(r.header())))
            .collect();
        let plan = palisade_model::merge::plan(&headers)?;
        let count = readers
            .iter()
            .find_map(|r| r.header().shard.as_ref().map(|s| s.count))
            .unwrap_or(0);
        let h = plan.header;
        let mut s = palisade_model::Snapshot::new(h.scan_time, &h.tool_version);
        s.format = h.format;
        s.version = h.version;
        s.organization = h.organization;
        s.shard = h.shard;
        (s, plan.missing, count)
    } else {
        (readers[0].header().clone(), Vec::new(), 0)
    };
    let ctx = p
        .evaluator
        .context(header.scan_time, header.organization.as_ref());
    let (global, regional) = coverage_services(&p.pack);
    let workers = std::thread::available_parallelism()
        .map_or(2, |n| n.get())
        .clamp(1, 8);
    type Work = (
        usize,
        palisade_model::Account,
        [std::sync::Arc<palisade_model::LineIndex>; 2],
        palisade_model::LineIndex,
    );
    let judge_one = |account: palisade_model::Account,
                     [head, shared]: &[std::sync::Arc<palisade_model::LineIndex>; 2],
                     local: &palisade_model::LineIndex|
     -> AccountOutcome {
        let mut account = account;
        account.fill_missing_coverage(&global, &regional);
        let evaluation = p.evaluator.evaluate_account(&ctx, &account);
        let mut out = AccountOutcome {
            slim: slim(account),
            kept: Vec::new(),
            lines: Vec::new(),
            hops: Vec::new(),
            passes: 0,
            resources: Vec::with_capacity(evaluation.results.len()),
        };
        for r in evaluation.results {
            out.resources.push(id_hash(&r.resource.id));
            if r.status == Status::Pass && !keep_passes {
                out.passes += 1;
                continue;
            }
            let layers = [&**head, &**shared, local];
            let line_of =
                |id: &str| palisade_model::LineIndex::line_in(&layers, &r.resource.account_id, id);
            out.lines.push(line_of(&r.resource.id).unwrap_or(1));
            for hop in r.exposure.iter().flat_map(|e| &e.path) {
                if let Some(line) = line_of(&hop.id) {
                    out.hops
                        .push((r.resource.account_id.clone(), hop.id.clone(), line));
                }
            }
            out.kept.push(r);
        }
        out.resources.sort_unstable();
        out.resources.dedup();
        out
    };
    let mut outcomes: Vec<Option<AccountOutcome>> = Vec::new();
    let mut account_files = std::collections::BTreeMap::new();
    let mut ends = Vec::new();
    let (work_tx, work_rx) = std::sync::mpsc::sync_channel::<Work>(workers);
    let work_rx = std::sync::Mutex::new(work_rx);
    let (done_tx, done_rx) = std::sync::mpsc::channel::<(usize, AccountOutcome)>();
    std::thread::scope(|s| -> anyhow::Result<()> {
        for _ in 0..workers {
            let done_tx = done_tx.clone();
            let work_rx = &work_rx;
            let judge_one = &judge_one;
            s.spawn(move || loop {
                let next = work_rx.lock().map(|rx| rx.recv());
                let Ok(Ok((seq, account, head, local))) = next else {
                    return;
                };
                let out = judge_one(account, &head, &local);
                if done_tx.send((seq, out)).is_err() {
                    return;
                }
            });
        }
        drop(done_tx);
        let collector = s.spawn(move || {
            let mut outcomes: Vec<Option<AccountOutcome>> = Vec::new();
            for (seq, out) in done_rx {
                if outcomes.len() <= seq {
                    outcomes.resize_with(seq + 1, || None);
                }
                outcomes[seq] = Some(out);
            }
            outcomes
        });
        let read = (|| -> anyhow::Result<()> {
            let mut seq = 0usize;
            let mut seen: std::collections::HashMap<String, usize> = Default::default();
            for (file, reader) in readers.iter_mut().enumerate() {
                let head = reader.head_index();
                while let Some(streamed) = reader.next_account()? {
                    let id = streamed.account.account_id.clone();
                    if let Some(prev) = seen.insert(id.clone(), file) {
                        // Within one file the reader refuses it already.
                        return Err(palisade_model::merge::MergeError::DuplicateAccount {
                            account: id,
                            first: uri(&paths[prev]),
                            other: uri(&paths[file]),
                        }
                        .into());
                    }
                    account_files.insert(id, file);
                    work_tx
                        .send((
                            seq,
                            streamed.account,
                            [head.clone(), streamed.shared],
                            streamed.lines,
                        ))
                        .map_err(|_| anyhow::anyhow!("an evaluation worker stopped"))?;
                    seq += 1;
                }
            }
            // The accounts of shards whose output is missing: gaps, never
            // silence.
            for (shard, accounts) in &missing {
                for id in accounts {
                    if seen.contains_key(id) {
                        continue;
                    }
                    let account = palisade_model::merge::missing_account(id, *shard, count);
                    work_tx
                        .send((seq, account, Default::default(), Default::default()))
                        .map_err(|_| anyhow::anyhow!("an evaluation worker stopped"))?;
                    seq += 1;
                }
            }
            Ok(())
        })();
        drop(work_tx);
        outcomes = collector
            .join()
            .map_err(|_| anyhow::anyhow!("the evaluation collector panicked"))?;
        read
    })?;
    let mut more = Vec::new();
    let mut first_sha = String::new();
    for (i, reader) in readers.into_iter().enumerate() {
        let path = reader.path().to_owned();
        let end = reader.finish()?;
        if i == 0 {
            first_sha = end.sha256.clone();
        } else {
            more.push((uri(&path), end.sha256.clone()));
        }
        ends.push(end);
    }
    let mut index = palisade_model::LineIndex::default();
    let mut results = Vec::new();
    let mut omitted = palisade_report::Omitted::default();
    let mut resources = std::collections::HashSet::new();
    for out in outcomes.into_iter() {
        let out = out.context("an account was not evaluated")?;
        for (r, line) in out.kept.iter().zip(&out.lines) {
            index.insert(&r.resource.account_id, &r.resource.id, *line);
        }
        for (account, id, line) in &out.hops {
            index.insert(account, id, *line);
        }
        results.extend(out.kept);
        omitted.passes += out.passes;
        resources.extend(out.resources);
        header.accounts.push(out.slim);
    }
    // What belongs to the organisation, once (after every account, as the
    // whole-snapshot evaluation orders it).
    let org = p.evaluator.evaluate_organization(&ctx);
    let tail = ends.first().map(|e| &e.lines);
    for r in org.results {
        resources.insert(id_hash(&r.resource.id));
        if r.status == Status::Pass && !keep_passes {
            omitted.passes += 1;
            continue;
        }
        if let Some(tail) = tail {
            let line =
                palisade_model::LineIndex::line_in(&[tail], &r.resource.account_id, &r.resource.id)
                    .unwrap_or(1);
            index.insert(&r.resource.account_id, &r.resource.id, line);
        }
        results.push(r);
    }
    omitted.resources = resources.len();
    results.sort_by(|a, b| (&a.rule_id, &a.resource.id).cmp(&(&b.rule_id, &b.resource.id)));
    Ok(StreamedScan {
        snapshot: LoadedSnapshot {
            snapshot: header,
            path: paths[0].clone(),
            sha256: first_sha,
            lines: index,
        },
        results,
        omitted,
        more,
        account_files,
    })
}

/// A service the collector never reported on is a gap, not a clean bill.
/// IAM always; every other service the rules read, global or regional as
/// the service is (names are validated when the pack loads).
fn fill_coverage(pack: &RulePack, snapshot: &mut palisade_model::Snapshot) {
    let (global, regional) = coverage_services(pack);
    snapshot.fill_missing_coverage(&global, &regional);
}

/// Whether an input or the output is an `s3://` URI (then `--profile` and
/// `--endpoint-url` say how to reach S3, without `--live`).
fn uses_s3(a: &ScanArgs) -> bool {
    let s3 = |p: &std::path::Path| palisade_collect::s3io::is_s3_uri(&p.to_string_lossy());
    a.inputs.iter().any(|p| s3(p)) || a.output.as_deref().is_some_and(s3)
}

/// The S3 client for `s3://` inputs and output: the collection options'
/// profile and endpoint.
fn s3_client(a: &ScanArgs) -> anyhow::Result<palisade_collect::s3io::S3Io> {
    let opts = palisade_collect::CollectOptions {
        profile: a.source.profile.clone(),
        endpoint_url: a.source.endpoint_url.clone(),
        ..palisade_collect::CollectOptions::default()
    };
    Ok(palisade_collect::s3io::S3Io::new(&opts)?)
}

/// Downloads `s3://` inputs (an object, or every `*.json` object under a
/// prefix) into a temporary directory; the files keep their S3 URI in
/// messages and reports. Other inputs pass through.
fn s3_inputs(
    a: &ScanArgs,
    inputs: &[PathBuf],
) -> anyhow::Result<(Vec<PathBuf>, Option<tempfile::TempDir>)> {
    let is_s3 = |p: &PathBuf| palisade_collect::s3io::is_s3_uri(&p.to_string_lossy());
    if !inputs.iter().any(is_s3) {
        return Ok((inputs.to_vec(), None));
    }
    let client = s3_client(a)?;
    let tmp = tempfile::tempdir().context("creating a temporary directory")?;
    let mut out = Vec::new();
    for (i, input) in inputs.iter().enumerate() {
        if !is_s3(input) {
            out.push(input.clone());
            continue;
        }
        let uri = input.to_string_lossy().into_owned();
        let dir = tmp.path().join(i.to_string());
        std::fs::create_dir_all(&dir).with_context(|| format!("creating {}", dir.display()))?;
        let files = client.download_to(&uri, &dir)?;
        if files.is_empty() {
            anyhow::bail!("{uri}: no snapshot objects (*.json) there");
        }
        for path in files {
            let file = path
                .file_name()
                .map(|f| f.to_string_lossy().into_owned())
                .unwrap_or_default();
            let name = if uri.ends_with(&format!("/{file}")) {
                uri.clone()
            } else {
                format!("{}/{file}", uri.trim_end_matches('/'))
            };
            crate::inputs::name_download(&path, &name);
            out.push(path);
        }
    }
    Ok((out, Some(tmp)))
}

/// Writes the report to `path` atomically, or, for an `s3://` URI, to a
/// temporary file first and then as one object (visible only when whole).
fn write_report(
    a: &ScanArgs,
    path: &std::path::Path,
    render: impl FnOnce(&mut dyn Write) -> std::io::Result<()>,
) -> anyhow::Result<()> {
    let uri = path.to_string_lossy();
    if !palisade_collect::s3io::is_s3_uri(&uri) {
        return write_atomic_with(path, render)
            .with_context(|| format!("writing {}", path.display()));
    }
    let client = s3_client(a)?;
    let mut tmp = tempfile::NamedTempFile::new().context("creating a temporary file")?;
    {
        let mut w = std::io::BufWriter::new(tmp.as_file_mut());
        render(&mut w).with_context(|| format!("writing {uri}"))?;
        w.flush().with_context(|| format!("writing {uri}"))?;
    }
    let bytes = std::fs::read(tmp.path()).with_context(|| format!("writing {uri}"))?;
    client.upload(&uri, &bytes)?;
    Ok(())
}

/// Runs the subcommand.
pub fn run(a: &ScanArgs) -> anyhow::Result<Code> {
    let mut p = plan(a)?;
    let keep = match a.format {
        // SARIF lists no passes (counted for the summary only); the
        // history records framework results, which need them.
        Format::Sarif if !a.record => Keep::NotPasses,
        Format::Sarif | Format::Json | Format::Junit | Format::Ocsf | Format::Asff => Keep::All,
        Format::Table | Format::Html => Keep::Whole,
    };
    let j = judge(a, &mut p, keep)?;
    let mut report = ScanReport::new(&j.snapshot, &p.pack, &j.results, &j.triage)
        .with_inputs(j.files)
        .with_snapshots(j.more_snapshots, j.account_files);
    if let Some(o) = j.omitted {
        report = report.with_omitted(o);
    }
    // A snapshot read from S3 is named by its s3:// URI, not the download.
    if let Some(uri) = crate::inputs::download_name(&j.snapshot.path) {
        report.snapshot_uri = uri;
    }
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
        Format::Json | Format::Sarif | Format::Junit | Format::Ocsf | Format::Asff => {
            return stream(a, report, framework)
        }
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
            write_report(a, path, |w| w.write_all(text.as_bytes()))?;
            wrote(path, report);
        }
        None => print!("{text}"),
    }
    Ok(())
}

/// Machine formats hold every result (gigabytes for a million results):
/// streamed to the file (atomically) or standard output instead of built
/// in memory.
fn stream(
    a: &ScanArgs,
    report: &ScanReport<'_>,
    framework: Option<&Framework>,
) -> anyhow::Result<()> {
    let asff = palisade_report::asff::AsffOptions::default();
    let sarif = SarifOptions {
        category: a.category.clone(),
        omit_suppressed: a.sarif_omit_suppressed,
    };
    let render = |w: &mut dyn Write| -> anyhow::Result<()> {
        match a.format {
            Format::Asff => palisade_report::asff::write(report, &asff, w)?,
            Format::Json => palisade_report::json::write(report, framework, w)?,
            Format::Sarif => palisade_report::sarif::write(report, &sarif, w)?,
            Format::Junit => palisade_report::junit::write(report, w)?,
            _ => palisade_report::ocsf::write(report, w)?,
        }
        Ok(())
    };
    if a.format == Format::Asff {
        // Templates and plans are refused before anything is written.
        palisade_report::asff::check_accounts(report)?;
    }
    match &a.output {
        Some(path) => {
            write_report(a, path, |w| render(w).map_err(std::io::Error::other))?;
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

#[cfg(test)]
mod tests {
    #![allow(clippy::expect_used, clippy::unwrap_used)]

    use std::path::Path;

    use clap::Parser as _;
    use palisade_eval::Status;

    use super::*;
    use crate::args::{Cli, Command};

    fn args(inputs: &[&Path], extra: &[&str]) -> ScanArgs {
        let root = palisade_test_kit::root();
        let mut argv: Vec<String> = vec!["palisade".into(), "scan".into()];
        argv.extend(inputs.iter().map(|p| p.display().to_string()));
        argv.extend(
            [
                "--policies",
                &root.join("policies").display().to_string(),
                "--rules",
                &root.join("rules").display().to_string(),
                "--today",
                "2026-11-01",
            ]
            .map(String::from),
        );
        argv.extend(extra.iter().map(|s| s.to_string()));
        match Cli::try_parse_from(argv).expect("arguments").command {
            Command::Scan(a) => *a,
            _ => unreachable!("a scan"),
        }
    }

    /// Every streamed format of a scan judged with `keep`.
    fn outputs(inputs: &[&Path], keep: Keep) -> Vec<(String, String)> {
        let a = args(inputs, &[]);
        let mut p = plan(&a).expect("plan");
        let j = judge(&a, &mut p, keep).expect("judged");
        let mut report = ScanReport::new(&j.snapshot, &p.pack, &j.results, &j.triage)
            .with_snapshots(j.more_snapshots.clone(), j.account_files.clone());
        if let Some(o) = j.omitted {
            report = report.with_omitted(o);
        }
        let mut out = vec![(
            "sarif".to_owned(),
            palisade_report::sarif::render(&report, &SarifOptions::default()).unwrap(),
        )];
        if keep != Keep::NotPasses {
            out.push((
                "json".into(),
                palisade_report::json::render(&report, None).unwrap(),
            ));
            let fw = p.pack.frameworks.first().cloned().expect("a framework");
            out.push((
                "json+framework".into(),
                palisade_report::json::render(&report, Some(&fw)).unwrap(),
            ));
            out.push(("junit".into(), palisade_report::junit::render(&report)));
            let mut ocsf = Vec::new();
            palisade_report::ocsf::write(&report, &mut ocsf).unwrap();
            out.push(("ocsf".into(), String::from_utf8(ocsf).unwrap()));
        }
        out
    }

    #[test]
    fn streamed_scan_writes_exactly_what_the_whole_snapshot_scan_writes() {
        let demo = palisade_test_kit::fixture("demo/snapshot.json");
        let whole = outputs(&[&demo], Keep::Whole);
        let streamed = outputs(&[&demo], Keep::All);
        assert_eq!(whole.len(), streamed.len());
        for ((name, w), (_, s)) in whole.iter().zip(&streamed) {
            assert!(w.len() > 1000, "{name} is a real report");
            assert!(
                w == s,
                "{name} differs between the whole and the streamed scan"
            );
        }
        // Without passes, SARIF (which lists none) is the same too.
        let slim = outputs(&[&demo], Keep::NotPasses);
        assert!(slim[0].1 == whole[0].1, "SARIF without passes differs");
        // The summary still counts every pass.
        let a = args(&[&demo], &[]);
        let mut p = plan(&a).unwrap();
        let j = judge(&a, &mut p, Keep::NotPasses).unwrap();
        assert!(j.results.iter().all(|r| r.status != Status::Pass));
        let report = ScanReport::new(&j.snapshot, &p.pack, &j.results, &j.triage)
            .with_omitted(j.omitted.unwrap());
        let mut p2 = plan(&a).unwrap();
        let w = judge(&a, &mut p2, Keep::Whole).unwrap();
        let full = ScanReport::new(&w.snapshot, &p2.pack, &w.results, &w.triage);
        assert!(full.summary().count(Status::Pass) > 0);
        assert_eq!(report.summary(), full.summary());
        // The accounts the reports see keep their coverage, not their data.
        assert_eq!(
            j.snapshot.snapshot.accounts.len(),
            w.snapshot.snapshot.accounts.len()
        );
        assert!(j
            .snapshot
            .snapshot
            .accounts
            .iter()
            .all(|a| a.region_data.is_empty()));
    }
}
