//! `palisade history` (list scans, or a nightly summary as Markdown),
//! `palisade history prune` and `check` (retention and the database's
//! health) and `palisade diff A B` (new, fixed and changed findings between
//! two scans). Scans are recorded with `palisade scan --record`.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use anyhow::Context as _;
use palisade_history::{Diff, FindingRecord, FrameworkRecord, History, ScanRecord};
use palisade_report::digest::{Digest, DigestFinding, FrameworkTrend, HistorySection, TrendPoint};
use palisade_report::escape::{markdown, terminal};
use palisade_rules::Severity;

use crate::args::{ConfigArg, DiffArgs, HistoryArgs, HistoryCommand, HistoryDbArg, PruneArgs};
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
    match &a.command {
        Some(HistoryCommand::Prune(p)) => return run_prune(p),
        Some(HistoryCommand::Check { history_db, config }) => return run_check(history_db, config),
        None => {}
    }
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

/// Runs `palisade history prune`: deletes the scans older than
/// `--keep-days` (except the newest) and says what went.
fn run_prune(a: &PruneArgs) -> anyhow::Result<Code> {
    let mut h = open(&a.history_db, &a.config)?;
    let now = chrono::Utc::now();
    // A cut-off before the calendar starts keeps everything.
    let before = chrono::Duration::try_days(i64::from(a.keep_days))
        .and_then(|d| now.checked_sub_signed(d))
        .unwrap_or(chrono::DateTime::<chrono::Utc>::MIN_UTC);
    let p = h.prune(before, a.dry_run)?;
    let verb = if a.dry_run { "would remove" } else { "removed" };
    println!(
        "{}: {verb} {} scan{} ({} findings) recorded before {}; {} kept",
        h.path().display(),
        p.scans,
        if p.scans == 1 { "" } else { "s" },
        p.findings,
        before.format("%Y-%m-%d %H:%M UTC"),
        p.kept
    );
    if let Some(id) = p.kept_newest {
        println!("kept scan {id} although older: the newest scan stays as the baseline for diff and the nightly summary");
    }
    if a.vacuum && !a.dry_run {
        let (was, is) = h.vacuum()?;
        println!("vacuumed: {} -> {} bytes", was, is);
    }
    Ok(Code::Clean)
}

/// Runs `palisade history check`: exit 0 when the database is sound, an
/// error naming the file (exit 2) when it is not.
fn run_check(db: &HistoryDbArg, config: &ConfigArg) -> anyhow::Result<Code> {
    let h = open(db, config)?;
    let c = h.check()?;
    let path = h.path().display();
    if c.is_ok() {
        println!(
            "{path}: ok (schema version {}, {} scans, every one complete)",
            palisade_history::SCHEMA_VERSION,
            c.scans
        );
        return Ok(Code::Clean);
    }
    let mut problems: Vec<String> = c
        .integrity
        .iter()
        .filter(|l| l.as_str() != "ok")
        .map(|l| format!("integrity: {}", terminal(l)))
        .collect();
    problems.extend(c.incomplete.iter().map(|s| {
        format!(
            "scan {}: {} findings stored, {} recorded",
            s.scan_id, s.found, s.expected
        )
    }));
    if c.orphans > 0 {
        problems.push(format!("{} rows belong to no scan", c.orphans));
    }
    anyhow::bail!(
        "{path}: the history database is damaged:\n{}",
        problems.join("\n")
    )
}

/// Rules listed per section of the nightly Markdown; the rest are counted.
const MARKDOWN_RULES: usize = 20;
/// Resources listed per rule in the nightly Markdown.
const MARKDOWN_RESOURCES: usize = 3;
/// Rules listed per section of `diff` (without `--all`).
const DIFF_RULES: usize = 50;
/// Resources listed per rule by `diff` (without `--all`).
const DIFF_RESOURCES: usize = 10;
/// Rules and resources per rule in the HTML report's history section.
const HTML_RULES: usize = 50;
const HTML_RESOURCES: usize = 10;

/// The severity a finding was recorded with; a name this version does not
/// know (a database written by a newer one) sorts as info.
fn severity_of(f: &FindingRecord) -> Severity {
    Severity::parse(&f.severity).unwrap_or(Severity::Info)
}

/// Findings as the digest takes them.
fn digest(list: &[FindingRecord], rules: usize, resources: usize) -> Digest {
    Digest::of(
        list.iter().map(|f| DigestFinding {
            severity: severity_of(f),
            rule_id: f.rule_id.clone(),
            resource_id: f.resource_id.clone(),
            suppressed: f.suppressed,
        }),
        rules,
        resources,
    )
}

/// Sorts findings most severe first, then by rule and resource: the order
/// of `diff --json` and of every list a person reads.
fn sort_by_severity(list: &mut [FindingRecord]) {
    list.sort_by(|a, b| {
        severity_of(b)
            .cmp(&severity_of(a))
            .then_with(|| a.rule_id.cmp(&b.rule_id))
            .then_with(|| a.resource_id.cmp(&b.resource_id))
    });
}

/// Runs `palisade diff A B`.
pub fn run_diff(a: &DiffArgs) -> anyhow::Result<Code> {
    let h = open(&a.history_db, &a.config)?;
    let mut d = h.diff(a.from, a.to)?;
    for list in [&mut d.new, &mut d.fixed, &mut d.changed] {
        sort_by_severity(list);
    }
    if a.json {
        println!(
            "{}",
            serde_json::to_string_pretty(&d).context("serialising diff")?
        );
        return Ok(Code::Clean);
    }
    let (rules, resources) = if a.all {
        (usize::MAX, usize::MAX)
    } else {
        (DIFF_RULES, DIFF_RESOURCES)
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
        if list.is_empty() {
            continue;
        }
        let g = digest(list, rules, resources);
        println!("{title} ({})", severity_counts(&g));
        for group in &g.groups {
            let waived = if group.suppressed > 0 {
                format!(", {} waived", group.suppressed)
            } else {
                String::new()
            };
            println!(
                "  {:<9} {:<40} {}{}",
                group.severity.as_str(),
                group.rule_id,
                group.count,
                waived
            );
            for r in &group.resources {
                println!("      {}", terminal(r));
            }
            if group.more_resources > 0 {
                println!("      … and {} more", group.more_resources);
            }
        }
        if g.more_groups > 0 {
            println!(
                "  … and {} more rules ({} findings; --all lists every one)",
                g.more_groups, g.more_findings
            );
        }
    }
    Ok(Code::Clean)
}

/// "1 critical, 12 high, 2400 low": every finding of a digest by severity,
/// most severe first.
fn severity_counts(d: &Digest) -> String {
    let parts: Vec<String> = Severity::ALL
        .iter()
        .filter_map(|s| {
            d.by_severity
                .get(s.as_str())
                .map(|n| format!("{n} {}", s.as_str()))
        })
        .collect();
    parts.join(", ")
}

/// The history section of the HTML report for scan `id`: new and fixed
/// since the scan before it, and every framework's trend up to it.
pub fn section(h: &History, id: i64) -> anyhow::Result<HistorySection> {
    let scans = h.scans()?;
    let scan = scans
        .iter()
        .find(|s| s.id == id)
        .context("scan in history")?;
    let previous = h.previous(id)?;
    let diff = match previous {
        Some(prev) => h.diff(prev, id)?,
        None => Diff::default(),
    };
    Ok(HistorySection {
        scan_id: id,
        scan_time: scan.scan_time,
        previous_scan_id: previous,
        new: digest(&diff.new, HTML_RULES, HTML_RESOURCES),
        fixed: digest(&diff.fixed, HTML_RULES, HTML_RESOURCES),
        trends: trends(h, id)?,
    })
}

/// Every framework's control outcomes over the recorded scans up to `id`.
fn trends(h: &History, id: i64) -> anyhow::Result<Vec<FrameworkTrend>> {
    let mut by: BTreeMap<String, Vec<TrendPoint>> = BTreeMap::new();
    for row in h.trend(id)? {
        let f = &row.framework;
        let n = |v: i64| usize::try_from(v).unwrap_or(0);
        by.entry(f.framework_id.clone())
            .or_default()
            .push(TrendPoint {
                scan_id: row.scan_id,
                scan_time: row.scan_time,
                pass: n(f.pass),
                fail: n(f.fail),
                not_evaluated: n(f.not_evaluated),
                not_applicable: n(f.not_applicable),
                manual: n(f.manual),
            });
    }
    Ok(by
        .into_iter()
        .map(|(framework_id, points)| FrameworkTrend {
            framework_id,
            points,
        })
        .collect())
}

/// The per-framework control outcomes of a report, as history records them.
pub fn framework_records(report: &palisade_report::ScanReport<'_>) -> Vec<FrameworkRecord> {
    use palisade_report::framework::{controls, ControlStatus};
    report
        .pack
        .frameworks
        .iter()
        .map(|fw| {
            let results = controls(report, fw);
            let n = |s: ControlStatus| {
                i64::try_from(results.iter().filter(|c| c.status == s).count()).unwrap_or(i64::MAX)
            };
            FrameworkRecord {
                framework_id: fw.id.clone(),
                pass: n(ControlStatus::Pass),
                fail: n(ControlStatus::Fail),
                not_evaluated: n(ControlStatus::NotEvaluated),
                not_applicable: n(ControlStatus::NotApplicable),
                manual: n(ControlStatus::Manual),
            }
        })
        .collect()
}

/// The nightly summary: the latest scan against the one before it (new and
/// fixed findings, most severe rules first, grouped by rule with counts),
/// the compliance trend and the oldest open findings, as Markdown (for a
/// chat or e-mail hook).
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
                    digest_markdown(
                        &mut out,
                        title,
                        &digest(list, MARKDOWN_RULES, MARKDOWN_RESOURCES),
                    );
                }
            }
        }
        None => {
            let _ = writeln!(out, "· first recorded scan\n");
        }
    }
    trend_markdown(&mut out, &trends(h, latest)?);
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

/// One section of the nightly Markdown: a table of rules, most severe
/// first, with counts and the first resources, and what was left out.
fn digest_markdown(out: &mut String, title: &str, d: &Digest) {
    let _ = writeln!(out, "### {title} ({})\n", severity_counts(d));
    let _ = writeln!(
        out,
        "| severity | rule | findings | resources |\n|---|---|---|---|"
    );
    for g in &d.groups {
        let mut resources: Vec<String> = g.resources.iter().map(|r| markdown(r)).collect();
        if g.more_resources > 0 {
            resources.push(format!("… and {} more", g.more_resources));
        }
        let waived = if g.suppressed > 0 {
            format!(" ({} waived)", g.suppressed)
        } else {
            String::new()
        };
        let _ = writeln!(
            out,
            "| {} | `{}` | {}{} | {} |",
            g.severity.as_str(),
            g.rule_id,
            g.count,
            waived,
            resources.join(", ")
        );
    }
    if d.more_groups > 0 {
        let _ = writeln!(
            out,
            "\n… and {} more rules ({} findings)",
            d.more_groups, d.more_findings
        );
    }
    out.push('\n');
}

/// The compliance trend: each framework's pass rate in the latest scan and
/// its change since the previous scan that recorded the framework.
fn trend_markdown(out: &mut String, trends: &[FrameworkTrend]) {
    if trends.is_empty() {
        return;
    }
    let _ = writeln!(
        out,
        "### Compliance trend\n\n| framework | pass rate | change | pass | fail | not evaluated | scans |\n|---|---|---|---|---|---|---|"
    );
    let pct = |p: &TrendPoint| p.pass_rate().map(|r| r * 100.0);
    for t in trends {
        let Some(last) = t.points.last() else {
            continue;
        };
        let prev = t.points.len().checked_sub(2).and_then(|i| t.points.get(i));
        let rate = pct(last).map_or_else(|| "n/a".to_owned(), |r| format!("{r:.0}%"));
        let change = match (prev.and_then(pct), pct(last)) {
            (Some(a), Some(b)) => format!("{:+.0} pts", b - a),
            _ => "–".to_owned(),
        };
        let _ = writeln!(
            out,
            "| {} | {} | {} | {} | {} | {} | {} |",
            markdown(&t.framework_id),
            rate,
            change,
            last.pass,
            last.fail,
            last.not_evaluated,
            t.points.len()
        );
    }
    out.push('\n');
}

#[cfg(test)]
mod tests {
    #![allow(clippy::expect_used, clippy::unwrap_used)]

    use chrono::TimeZone as _;

    use super::*;

    fn scan(day: u32) -> ScanRecord {
        let t = chrono::Utc
            .with_ymd_and_hms(2026, 11, day, 2, 0, 0)
            .single()
            .expect("time");
        ScanRecord {
            id: 0,
            scan_time: t,
            evaluated_at: t,
            accounts: "111111111111".into(),
            rules_fingerprint: "f".into(),
            tool_version: "0.1.0".into(),
            snapshot_sha256: "0123456789abcdef".into(),
            open_findings: 0,
        }
    }

    fn finding(rule: &str, resource: &str, severity: &str) -> FindingRecord {
        FindingRecord {
            finding_id: format!("{rule}|{resource}"),
            rule_id: rule.into(),
            resource_id: resource.into(),
            account_id: "111111111111".into(),
            severity: severity.into(),
            suppressed: false,
        }
    }

    fn fw(id: &str, pass: i64, fail: i64) -> FrameworkRecord {
        FrameworkRecord {
            framework_id: id.into(),
            pass,
            fail,
            not_evaluated: 0,
            not_applicable: 4,
            manual: 7,
        }
    }

    /// The nightly run that found 2,412 new findings: 2,400 low ones stored
    /// first, then 12 high ones.
    fn busy_night() -> (tempfile::TempDir, History) {
        let dir = tempfile::tempdir().expect("tmp");
        let mut h = History::open(&dir.path().join("h.sqlite")).expect("open");
        h.record(&scan(1), &[], &[fw("cis-aws-6.0", 30, 10)])
            .expect("first");
        let mut findings: Vec<FindingRecord> = (0..2400)
            .map(|i| {
                finding(
                    &format!("low-rule-{:02}", i % 40),
                    &format!("arn:low:{i:04}"),
                    "low",
                )
            })
            .collect();
        findings.extend((0..12).map(|i| finding("high-rule", &format!("arn:high:{i:02}"), "high")));
        h.record(&scan(2), &findings, &[fw("cis-aws-6.0", 33, 7)])
            .expect("second");
        (dir, h)
    }

    #[test]
    fn nightly_markdown_puts_high_findings_first_and_counts_what_it_cuts() {
        let (_dir, h) = busy_night();
        let md = nightly_markdown(&h).expect("markdown");
        assert!(md.contains("· 2412 new · 0 fixed"), "{md}");
        assert!(md.contains("### New (12 high, 2400 low)"), "{md}");
        let rows: Vec<&str> = md
            .lines()
            .filter(|l| l.starts_with("| high |") || l.starts_with("| low |"))
            .collect();
        assert_eq!(
            rows[0],
            "| high | `high-rule` | 12 | arn:high:00, arn:high:01, arn:high:02, … and 9 more |"
        );
        assert_eq!(rows.len(), MARKDOWN_RULES);
        assert!(rows[1..].iter().all(|r| r.starts_with("| low |")));
        // 40 low rules of 60 findings each: 19 listed, 21 counted.
        assert!(md.contains("… and 21 more rules (1260 findings)"), "{md}");
    }

    #[test]
    fn nightly_markdown_shows_each_frameworks_pass_rate_and_its_change() {
        let (_dir, h) = busy_night();
        let md = nightly_markdown(&h).expect("markdown");
        // 33 of 40 assessed controls pass (75% -> 82.5%); manual and not
        // applicable ones are not in the rate.
        assert!(
            md.contains("| cis\\-aws\\-6\\.0 | 82% | +8 pts | 33 | 7 | 0 | 2 |")
                || md.contains("| cis\\-aws\\-6\\.0 | 83% | +8 pts | 33 | 7 | 0 | 2 |"),
            "{md}"
        );
    }

    #[test]
    fn the_html_history_section_agrees_with_the_diff() {
        let (_dir, h) = busy_night();
        let latest = h.latest().expect("latest").expect("a scan");
        let s = section(&h, latest).expect("section");
        assert_eq!(s.previous_scan_id, h.previous(latest).expect("previous"));
        assert_eq!(s.new.total, 2412);
        assert_eq!(s.new.groups[0].rule_id, "high-rule");
        assert_eq!(s.fixed.total, 0);
        assert_eq!(s.trends.len(), 1);
        let rates: Vec<_> = s.trends[0]
            .points
            .iter()
            .map(|p| p.pass_rate().expect("assessed"))
            .collect();
        assert_eq!(rates, [0.75, 0.825]);
    }

    #[test]
    fn diff_order_is_most_severe_first_then_rule_and_resource() {
        let mut list = vec![
            finding("b", "2", "low"),
            finding("a", "9", "critical"),
            finding("b", "1", "low"),
            finding("c", "1", "future-severity"),
            finding("a", "1", "high"),
        ];
        sort_by_severity(&mut list);
        let got: Vec<_> = list
            .iter()
            .map(|f| format!("{}:{}", f.rule_id, f.resource_id))
            .collect();
        assert_eq!(got, ["a:9", "a:1", "b:1", "b:2", "c:1"]);
    }
}
