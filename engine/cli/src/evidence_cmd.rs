//! `palisade evidence`: judge a snapshot (or collect one with `--live`)
//! exactly as `palisade scan` does, then write the auditor evidence bundle
//! (see docs/evidence.md) to a directory and optionally a `.zip`; and
//! `palisade evidence verify`, which checks a bundle against its manifest.

use std::path::Path;

use anyhow::Context as _;
use chrono::{DateTime, Utc};
use palisade_eval::Status;
use palisade_report::escape::terminal;
use palisade_report::evidence::{self, manifest, write, EvidenceOptions};
use palisade_report::ScanReport;
use palisade_rules::Framework;

use crate::args::{EvidenceArgs, EvidenceCommand, Format, ScanArgs};
use crate::exit::Code;

/// Runs the subcommand.
pub fn run(a: EvidenceArgs) -> anyhow::Result<Code> {
    if let Some(EvidenceCommand::Verify {
        path,
        manifest_sha256,
    }) = &a.command
    {
        return verify(path, manifest_sha256.as_deref());
    }
    let output = a.output.clone().context("--output DIR is required")?;
    let force = a.force;
    let zip = a.zip.clone();
    let frameworks = a.frameworks.clone();
    let generated: DateTime<Utc> = match a.today {
        Some(d) => d.and_time(chrono::NaiveTime::MIN).and_utc(),
        None => {
            let now = Utc::now();
            DateTime::from_timestamp(now.timestamp(), 0).unwrap_or(now)
        }
    };
    let sa = scan_args(a);
    // Every input is checked before anything is collected or evaluated.
    write::check_target(&output, force)?;
    if let Some(z) = &zip {
        let (za, oa) = (std::path::absolute(z)?, std::path::absolute(&output)?);
        if za.starts_with(&oa) {
            anyhow::bail!(
                "{}: the zip cannot be inside the bundle directory {}",
                z.display(),
                output.display()
            );
        }
        // Refused now, not after the bundle directory is written.
        if std::fs::symlink_metadata(z).is_ok_and(|m| m.file_type().is_symlink()) {
            anyhow::bail!(
                "writing {}: the output path is a symbolic link; refusing to write through or replace it",
                z.display()
            );
        }
        if z.exists() && !force {
            anyhow::bail!("{}: exists (use --force to replace it)", z.display());
        }
    }
    let mut p = crate::scan::plan(&sa)?;
    select(&p.pack.frameworks, &frameworks)?;
    if !sa.live && (p.inputs.snapshots.len() != 1 || !p.inputs.files.is_empty()) {
        let path = sa.inputs.first().map(|p| p.display().to_string());
        anyhow::bail!(
            "{}: an evidence bundle is built from a snapshot written by `palisade collect` (not a template or plan)",
            path.unwrap_or_default()
        );
    }
    let j = crate::scan::judge(&sa, &mut p, crate::scan::Keep::Whole)?;
    let snapshot_path = p
        .snapshot_paths
        .first()
        .cloned()
        .context("no snapshot to put in the bundle")?;
    let bytes = std::fs::read(&snapshot_path)
        .with_context(|| format!("reading {}", snapshot_path.display()))?;
    let selected = select(&p.pack.frameworks, &frameworks)?;
    let mut report = ScanReport::new(&j.snapshot, &p.pack, &j.results, &j.triage);
    report.snapshot_uri = evidence::SNAPSHOT.to_owned();
    // The HTML report of the same scan, for a person reading the bundle.
    let index = palisade_report::html::render(
        &report,
        &palisade_report::html::HtmlOptions {
            frameworks: Some(selected.clone()),
            history: None,
        },
    );
    let bundle = evidence::build(
        &report,
        EvidenceOptions {
            frameworks: selected,
            generated,
            snapshot_bytes: &bytes,
            extra: vec![("index.html".to_owned(), index.into_bytes())],
        },
    )?;
    write::write_dir(&bundle, &output, force)?;
    if let Some(z) = &zip {
        let archive = write::zip_bytes(&bundle, generated, z)?;
        palisade_model::load::write_private(z, &archive)
            .with_context(|| format!("writing {}", z.display()))?;
    }
    let gaps = report.gaps().len();
    eprintln!(
        "wrote {}: {} files{}; manifest sha256 {}",
        output.display(),
        bundle.files.len(),
        zip.map(|z| format!(" (and {})", z.display()))
            .unwrap_or_default(),
        bundle.manifest_sha256()
    );
    if gaps > 0 {
        eprintln!(
            "{gaps} coverage gaps: listed in manifest.json; the controls they touch are not evaluated"
        );
    }
    // The bundle is written either way; like `scan`, the exit code says
    // when the evidence is incomplete, so an unattended export cannot pass
    // a bundle with gaps or unjudged checks off as complete. Findings are
    // the evidence's content, not a failure of the export.
    let unjudged = j
        .results
        .iter()
        .filter(|r| matches!(r.status, Status::Error | Status::NotEvaluated))
        .count();
    if unjudged > 0 {
        eprintln!(
            "{unjudged} checks could not be evaluated: the controls they map to are not evaluated (exit 3)"
        );
    }
    Ok(if gaps > 0 || unjudged > 0 {
        Code::Incomplete
    } else {
        Code::Clean
    })
}

/// The frameworks named (in the order given, each once), or every one.
fn select<'a>(all: &'a [Framework], ids: &[String]) -> anyhow::Result<Vec<&'a Framework>> {
    if ids.is_empty() {
        return Ok(all.iter().collect());
    }
    let mut out: Vec<&Framework> = Vec::new();
    for id in ids {
        let fw = all.iter().find(|f| &f.id == id).with_context(|| {
            let known: Vec<&str> = all.iter().map(|f| f.id.as_str()).collect();
            format!("unknown framework {id:?}; known: {}", known.join(", "))
        })?;
        if !out.iter().any(|f| f.id == fw.id) {
            out.push(fw);
        }
    }
    Ok(out)
}

/// The `scan` arguments that resolve and judge the same inputs.
fn scan_args(a: EvidenceArgs) -> ScanArgs {
    ScanArgs {
        inputs: a.snapshot.into_iter().collect(),
        live: a.live,
        source: a.source,
        packs: a.packs,
        format: Format::Json,
        output: None,
        fail_on: None,
        config: a.config,
        category: "palisade".into(),
        baseline: None,
        fail_on_new: false,
        waivers: a.waivers,
        today: a.today,
        sarif_omit_suppressed: false,
        framework: None,
        record: false,
        history_db: Default::default(),
        iac: Default::default(),
        dirs: a.dirs,
    }
}

/// `palisade evidence verify`.
fn verify(path: &Path, recorded: Option<&str>) -> anyhow::Result<Code> {
    let files = if path.is_dir() {
        write::read_dir(path)?
    } else {
        write::read_zip(path)?
    };
    let source = path.display().to_string();
    let v = manifest::verify(&source, &files)?;
    println!("manifest.json sha256 {} (record this)", v.manifest_sha256);
    let mut intact = v.is_intact();
    if v.manifest_changed {
        println!("changed: manifest.json (its self_sha256 does not match its content)");
    }
    if let Some(r) = recorded {
        if r.eq_ignore_ascii_case(&v.manifest_sha256) {
            println!("manifest.json matches the recorded sha256");
        } else {
            println!(
                "changed: manifest.json (recorded sha256 {}, now {})",
                terminal(r),
                v.manifest_sha256
            );
            intact = false;
        }
    }
    for c in &v.changed {
        println!(
            "changed: {} (manifest sha256 {}, now {})",
            terminal(&c.path),
            c.expected,
            c.actual
        );
    }
    for p in &v.added {
        println!("added: {} (not in the manifest)", terminal(p));
    }
    for p in &v.removed {
        println!("removed: {} (in the manifest, missing)", terminal(p));
    }
    if intact {
        println!("intact: {} files match the manifest", v.checked);
        Ok(Code::Clean)
    } else {
        println!(
            "NOT intact: {} changed, {} added, {} removed of {} files listed",
            v.changed.len() + usize::from(v.manifest_changed),
            v.added.len(),
            v.removed.len(),
            v.checked
        );
        Ok(Code::Findings)
    }
}
