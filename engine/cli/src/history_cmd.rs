//! `palisade history` (list scans, or a nightly summary as Markdown) and
//! `palisade diff A B` (new, fixed and changed findings between two scans).
//! Scans are recorded with `palisade scan --record`.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use anyhow::Context as _;
use palisade_history::{Diff, FindingRecord, History, ScanRecord};
use palisade_report::escape::markdown;

use crate::args::{ConfigArg, DiffArgs, HistoryArgs, HistoryDbArg};
use crate::config::Config;
use crate::exit::Code;

/// Default database path, relative to the working directory.
pub const DEFAULT_DB: &str = ".palisade/history.sqlite";

/// The database path: flag, then config `history`, then the default.
pub fn db_path(flag: Option<&Path>, config: Option<&Config>) -> PathBuf {
    flag.map(Path::to_owned)
        .or_else(|| config.and_then(|c| c.history.clone()))
        .unwrap_or_else(|| PathBuf::from(DEFAULT_DB))
}

fn open(db: &HistoryDbArg, config: &ConfigArg) -> anyhow::Result<History> {
    let config = Config::find(config.config.as_deref())?;
    let path = db_path(db.history_db.as_deref(), config.as_ref());
    if !path.exists() {
        anyhow::bail!(
            "{}: no history yet (record scans with `palisade scan --record`)",
            path.display()
        );
    }
    Ok(History::open(&path)?)
}

/// Runs `palisade history`.
pub fn run_history(a: &HistoryArgs) -> anyhow::Result<Code> {
    let h = open(&a.history_db, &a.config)?;
    if a.markdown {
        print!("{}", nightly_markdown(&h)?);
        return Ok(Code::Clean);
    }
    println!(
        "{:>5}  {:<25}  {:>6}  {:<16}  {:<12}  ACCOUNTS",
        "ID", "SCAN TIME", "OPEN", "RULES", "SNAPSHOT"
    );
    for s in h.scans()? {
        println!(
            "{:>5}  {:<25}  {:>6}  {:<16}  {:<12}  {}",
            s.id,
            s.scan_time.to_rfc3339(),
            s.open_findings,
            s.rules_fingerprint,
            s.snapshot_sha256.get(..12).unwrap_or(&s.snapshot_sha256),
            s.accounts
        );
    }
    Ok(Code::Clean)
}

/// Runs `palisade diff A B`.
pub fn run_diff(a: &DiffArgs) -> anyhow::Result<Code> {
    let h = open(&a.history_db, &a.config)?;
    let d = h.diff(a.from, a.to)?;
    if a.json {
        println!(
            "{}",
            serde_json::to_string_pretty(&d).context("serialising diff")?
        );
        return Ok(Code::Clean);
    }
    let line = |f: &FindingRecord| {
        format!(
            "  {:<9} {:<40} {} {}",
            f.severity,
            f.rule_id,
            palisade_report::escape::terminal(&f.resource_id),
            if f.suppressed { "(waived)" } else { "" }
        )
    };
    println!(
        "Scan {} -> {}: {} new, {} fixed, {} changed, {} unchanged",
        a.from,
        a.to,
        d.new.len(),
        d.fixed.len(),
        d.changed.len(),
        d.unchanged
    );
    for (title, list) in [
        ("NEW", &d.new),
        ("FIXED", &d.fixed),
        ("CHANGED", &d.changed),
    ] {
        if !list.is_empty() {
            println!("{title}");
            for f in list {
                println!("{}", line(f));
            }
        }
    }
    Ok(Code::Clean)
}

/// The nightly summary: the latest scan against the one before it, with the
/// oldest open findings, as Markdown (for a chat or e-mail hook).
pub fn nightly_markdown(h: &History) -> anyhow::Result<String> {
    let Some(latest) = h.latest()? else {
        anyhow::bail!("no scans recorded");
    };
    let scans = h.scans()?;
    let scan: &ScanRecord = scans
        .iter()
        .find(|s| s.id == latest)
        .context("latest scan")?;
    let diff = match h.previous(latest)? {
        Some(prev) => Some(h.diff(prev, latest)?),
        None => None,
    };
    let aged = h.aged(latest)?;
    let mut out = String::new();
    let _ = writeln!(
        out,
        "## Palisade nightly: {}\n",
        scan.scan_time.format("%Y-%m-%d %H:%M UTC")
    );
    let _ = writeln!(
        out,
        "Accounts: {} · rules {} · snapshot `{}`\n",
        markdown(&scan.accounts),
        scan.rules_fingerprint,
        scan.snapshot_sha256.get(..12).unwrap_or("")
    );
    let _ = writeln!(out, "**{} open findings**", scan.open_findings);
    match &diff {
        Some(Diff {
            new,
            fixed,
            changed,
            ..
        }) => {
            let _ = writeln!(
                out,
                "· {} new · {} fixed · {} changed since the previous scan\n",
                new.len(),
                fixed.len(),
                changed.len()
            );
            for (title, list) in [("New", new), ("Fixed", fixed)] {
                if !list.is_empty() {
                    let _ = writeln!(out, "### {title}\n");
                    for f in list.iter().take(50) {
                        let _ = writeln!(
                            out,
                            "- **{}** `{}` {}",
                            f.severity,
                            f.rule_id,
                            markdown(&f.resource_id)
                        );
                    }
                    if list.len() > 50 {
                        let _ = writeln!(out, "- … and {} more", list.len() - 50);
                    }
                    out.push('\n');
                }
            }
        }
        None => {
            let _ = writeln!(out, "· first recorded scan\n");
        }
    }
    if !aged.is_empty() {
        let _ = writeln!(out, "### Oldest open findings\n\n| age (days) | first seen | severity | rule | resource |\n|---|---|---|---|---|");
        for a in aged.iter().take(10) {
            let _ = writeln!(
                out,
                "| {} | {} | {} | `{}` | {} |",
                a.age_days,
                a.first_seen.format("%Y-%m-%d"),
                a.finding.severity,
                a.finding.rule_id,
                markdown(&a.finding.resource_id)
            );
        }
    }
    Ok(out)
}
