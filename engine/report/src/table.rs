//! The human table: findings grouped by severity, then errors, coverage gaps,
//! and a summary by severity and pack. Untrusted strings are stripped of
//! control characters.

use std::fmt::Write as _;

use palisade_eval::{CheckResult, Status};
use palisade_rules::{Pack, Severity};

use crate::escape::terminal;
use crate::ScanReport;

/// Renders the table. `color` adds ANSI colours to severities.
pub fn render(report: &ScanReport<'_>, color: bool) -> String {
    let mut out = String::new();
    let mut findings: Vec<_> = report.open_findings().collect();
    findings.sort_by(|a, b| {
        report
            .severity(b)
            .cmp(&report.severity(a))
            .then_with(|| a.rule_id.cmp(&b.rule_id))
            .then_with(|| a.resource.id.cmp(&b.resource.id))
    });
    write_findings(&mut out, report, &findings, color);
    write_triage(&mut out, report, findings.len());
    write_problems(&mut out, report);
    write_summary(&mut out, report, &findings);
    out
}

/// The open findings, most severe first (with their baseline state when
/// there is a baseline).
fn write_findings(
    out: &mut String,
    report: &ScanReport<'_>,
    findings: &[&CheckResult],
    color: bool,
) {
    let triage = report.triage;
    let paint = |sev: Severity| -> String {
        let name = sev.as_str().to_uppercase();
        if !color {
            return format!("{name:<8}");
        }
        let code = match sev {
            Severity::Critical => "1;31",
            Severity::High => "31",
            Severity::Medium => "33",
            Severity::Low => "36",
            Severity::Info => "2",
        };
        format!("\u{1b}[{code}m{name:<8}\u{1b}[0m")
    };
    if findings.is_empty() {
        out.push_str("No open findings.\n");
    } else {
        let with_baseline = triage.baseline_file.is_some();
        let state_col = if with_baseline {
            format!("{:<11}", "STATE")
        } else {
            String::new()
        };
        let _ = writeln!(
            out,
            "{:<8}  {state_col}{:<40}  {:<14}  {:<14}  RESOURCE",
            "SEVERITY", "RULE", "ACCOUNT", "REGION"
        );
        for f in findings {
            let state = if with_baseline {
                format!(
                    "{:<11}",
                    triage
                        .states
                        .get(&f.finding_id())
                        .map_or("", |s| s.as_str())
                )
            } else {
                String::new()
            };
            let cost = match f.cost.as_ref().and_then(|c| c.monthly.map(|m| (m, c))) {
                Some((m, c)) if m > 0.0 => format!("  (~{} {m:.2}/month)", c.currency),
                _ => String::new(),
            };
            // A template or plan resource: where it is written.
            let at = match palisade_model::source::locate(&report.locations, &f.resource.id) {
                Some(l) => match l.column {
                    Some(c) => format!("  ({}:{}:{c})", terminal(&l.uri), l.line),
                    None => format!("  ({}:{})", terminal(&l.uri), l.line),
                },
                None => String::new(),
            };
            let _ = writeln!(
                out,
                "{}  {state}{:<40}  {:<14}  {:<14}  {}{at}{cost}",
                paint(report.severity(f)),
                f.rule_id,
                f.resource.account_id,
                terminal(&f.resource.region),
                terminal(&f.resource.name)
            );
            if let Some(e) = &f.exposure {
                write_exposure(out, e);
            }
        }
    }
}

/// A finding's reachability verdict and its network path, indented under
/// the finding (hop ids, not labels: the line stays short).
fn write_exposure(out: &mut String, e: &palisade_eval::result::Exposure) {
    let _ = writeln!(out, "          {}", terminal(&e.summary()));
    if !e.path.is_empty() {
        let hops: Vec<String> = e.path.iter().map(|h| terminal(&h.id)).collect();
        let _ = writeln!(out, "          path: {}", hops.join(" -> "));
    }
}

/// Suppressed findings, expired and stale waivers, findings fixed since the
/// baseline.
fn write_triage(out: &mut String, report: &ScanReport<'_>, open: usize) {
    let triage = report.triage;
    let suppressed = report.findings().count() - open;
    if suppressed > 0 {
        let source = triage
            .waiver_file
            .as_ref()
            .map_or(String::new(), |p| p.display().to_string());
        let _ = writeln!(
            out,
            "\n{suppressed} findings suppressed by waivers in {source}"
        );
    }
    for (i, hits) in &triage.expired {
        if let Some(w) = triage.waivers.get(*i) {
            let _ = writeln!(
                out,
                "EXPIRED WAIVER (line {}): rule {} owned by {} expired {}; its {hits} findings are reported again",
                w.line,
                terminal(&w.rule),
                terminal(&w.owner),
                w.expires
            );
        }
    }
    for i in &triage.stale {
        if let Some(w) = triage.waivers.get(*i) {
            let _ = writeln!(
                out,
                "STALE WAIVER (line {}): rule {} owned by {} matches no finding",
                w.line,
                terminal(&w.rule),
                terminal(&w.owner)
            );
        }
    }
    if !triage.fixed.is_empty() {
        let _ = writeln!(out, "\nFIXED since the baseline ({}):", triage.fixed.len());
        for f in &triage.fixed {
            // A baseline is a file from elsewhere: its ids are untrusted too.
            let _ = writeln!(
                out,
                "  {:<40}  {}",
                terminal(&f.rule_id),
                terminal(&f.resource_id)
            );
        }
    }
}

/// Evaluation errors and coverage gaps: what the scan did NOT check.
fn write_problems(out: &mut String, report: &ScanReport<'_>) {
    let errors: Vec<_> = report
        .results
        .iter()
        .filter(|r| r.status == Status::Error)
        .collect();
    if !errors.is_empty() {
        let _ = writeln!(
            out,
            "\nEVALUATION ERRORS ({}): these checks did not run and are NOT passes",
            errors.len()
        );
        for e in errors.iter().take(50) {
            let _ = writeln!(
                out,
                "  {}  {}  {}",
                e.rule_id,
                terminal(&e.resource.id),
                terminal(e.message.as_deref().unwrap_or(""))
            );
        }
    }
    write_unknowns(out, report);
    let gaps = report.gaps();
    if !gaps.is_empty() {
        let _ = writeln!(
            out,
            "\nCOVERAGE GAPS ({}): checks over these services are NOT evaluated",
            gaps.len()
        );
        for (account, g) in &gaps {
            let _ = writeln!(
                out,
                "  {account}  {:<10} {:<14} {:<36} {}",
                terminal(&g.service),
                terminal(&g.region),
                terminal(&g.api),
                terminal(g.error.as_deref().unwrap_or(""))
            );
        }
    }
}

/// Resources not evaluated because data their verdict depends on was not
/// read (e.g. a security group rule's managed prefix list), one line per
/// resource and reason; those of coverage gaps are listed as gaps.
fn write_unknowns(out: &mut String, report: &ScanReport<'_>) {
    let mut unknown: std::collections::BTreeMap<(&str, &str), usize> = Default::default();
    for r in report
        .results
        .iter()
        .filter(|r| r.status == Status::NotEvaluated)
    {
        let msg = r.message.as_deref().unwrap_or("");
        if !msg.starts_with(palisade_eval::GAP_MESSAGE_PREFIX) {
            *unknown.entry((r.resource.id.as_str(), msg)).or_default() += 1;
        }
    }
    if unknown.is_empty() {
        return;
    }
    let _ = writeln!(
        out,
        "\nNOT EVALUATED ({}): data these resources' checks depend on was not read; they are NOT passes",
        unknown.len()
    );
    for ((resource, msg), checks) in unknown.iter().take(50) {
        let _ = writeln!(
            out,
            "  {}  ({checks} checks)  {}",
            terminal(resource),
            terminal(msg)
        );
    }
}

/// Counts, estimated cost, and failures by severity and pack.
fn write_summary(out: &mut String, report: &ScanReport<'_>, findings: &[&CheckResult]) {
    let triage = report.triage;
    let s = report.summary();
    let _ = writeln!(
        out,
        "\nSummary: {} rules, {} resources, {} checks: {} fail, {} pass, {} error, {} not evaluated",
        s.rules,
        s.resources,
        report.results.len(),
        s.count(Status::Fail),
        s.count(Status::Pass),
        s.count(Status::Error),
        s.count(Status::NotEvaluated)
    );
    let priced: Vec<_> = findings.iter().filter_map(|f| f.cost.as_ref()).collect();
    if let Some(first) = priced.first() {
        let total: f64 = priced.iter().filter_map(|c| c.monthly).sum();
        let rates = priced.iter().filter(|c| c.monthly.is_none()).count();
        let _ = writeln!(
            out,
            "Estimated monthly cost of open cost findings: {} {total:.2} ({} priced{}; list prices as of {})",
            first.currency,
            priced.len() - rates,
            if rates > 0 {
                format!(", {rates} more priced per unit because their size is not collected")
            } else {
                String::new()
            },
            first.prices_as_of
        );
    }
    if s.suppressed > 0 || triage.baseline_file.is_some() {
        let _ = writeln!(
            out,
            "Open findings: {} ({} suppressed by waivers); new since baseline: {}; fixed: {}",
            s.count(Status::Fail) - s.suppressed,
            s.suppressed,
            s.new,
            s.fixed
        );
    }
    let by_sev: Vec<String> = Severity::ALL
        .iter()
        .map(|sev| {
            format!(
                "{} {}",
                sev.as_str(),
                s.failures_by_severity
                    .get(sev.as_str())
                    .copied()
                    .unwrap_or(0)
            )
        })
        .collect();
    let _ = writeln!(out, "Failures by severity: {}", by_sev.join(", "));
    let by_pack: Vec<String> = Pack::ALL
        .iter()
        .map(|p| {
            format!(
                "{} {}",
                p.as_str(),
                s.failures_by_pack.get(p.as_str()).copied().unwrap_or(0)
            )
        })
        .collect();
    let _ = writeln!(out, "Failures by pack: {}", by_pack.join(", "));
}

#[cfg(test)]
mod tests {
    use crate::testing::{raw_controls, Scan};

    /// The table with the severity colours (the only escape sequences the
    /// table may contain) removed.
    fn without_paint(text: &str) -> String {
        let mut out = text.to_owned();
        for code in ["1;31", "31", "33", "36", "2", "0"] {
            out = out.replace(&format!("\u{1b}[{code}m"), "");
        }
        out
    }

    #[test]
    fn hostile_strings_reach_the_terminal_inert_with_and_without_colour() {
        let scan = Scan::hostile();
        let report = scan.report();
        for color in [false, true] {
            let text = super::render(&report, color);
            let bad = raw_controls(&without_paint(&text));
            assert!(bad.is_empty(), "colour {color}: raw {bad:?} in:\n{text}");
            // One line per open finding, none broken by an injected newline.
            let open = report.open_findings().count();
            assert!(open > 0);
            let rows = palisade_test_kit::output::finding_rows(&without_paint(&text));
            assert_eq!(rows, open, "{text}");
        }
        let text = super::render(&report, true);
        assert!(text.contains("\u{1b}[1;31mCRITICAL"), "colour is applied");
        // The injected parts are still visible, as text.
        let plain = super::render(&report, false);
        assert!(plain.contains("\u{FFFD}[31mRED"), "{plain}");
        assert!(plain.contains("COVERAGE GAPS (1)"), "{plain}");
        assert!(plain.contains("EVALUATION ERRORS"), "{plain}");
    }

    #[test]
    fn resources_not_evaluated_are_listed_with_their_reason() {
        let scan = Scan::of(
            "rules/ec2-sg-ssh-open-to-internet/prefix-list-not-collected.not-evaluated.json",
        );
        let text = super::render(&scan.report(), false);
        // The fixture has no IAM data either, so its root facts are listed too.
        assert!(text.contains("NOT EVALUATED ("), "{text}");
        let line = text
            .lines()
            .find(|l| l.contains("security-group-rule/sgr-0aa00000000000001"))
            .unwrap_or_default();
        assert!(
            line.contains("managed prefix list pl-0a1b2c3d4e5f60001 could not be read"),
            "{text}"
        );
        let demo = Scan::of("demo/snapshot.json");
        assert!(!super::render(&demo.report(), false).contains("NOT EVALUATED"));
    }

    #[test]
    fn demo_table_counts_match_the_results() {
        let scan = Scan::of("demo/snapshot.json");
        let report = scan.report();
        let text = super::render(&report, false);
        let s = report.summary();
        assert!(text.contains(&format!(
            "Summary: {} rules, {} resources, {} checks: {} fail, {} pass, 0 error, 0 not evaluated",
            s.rules,
            s.resources,
            report.results.len(),
            report.findings().count(),
            report
                .results
                .iter()
                .filter(|r| r.status == palisade_eval::Status::Pass)
                .count()
        )));
        assert!(!text.contains("COVERAGE GAPS"));
        assert!(!text.contains("No open findings"));
    }
}
