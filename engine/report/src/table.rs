//! The human table: findings grouped by severity, then errors, coverage gaps,
//! and a summary by severity and pack. Untrusted strings are stripped of
//! control characters.

use std::fmt::Write as _;

use palisade_eval::Status;
use palisade_rules::{Pack, Severity};

use crate::escape::terminal;
use crate::ScanReport;

/// Renders the table. `color` adds ANSI colours to severities.
pub fn render(report: &ScanReport<'_>, color: bool) -> String {
    let mut out = String::new();
    let mut findings: Vec<_> = report.findings().collect();
    findings.sort_by(|a, b| {
        report
            .severity(b)
            .cmp(&report.severity(a))
            .then_with(|| a.rule_id.cmp(&b.rule_id))
            .then_with(|| a.resource.id.cmp(&b.resource.id))
    });
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
        out.push_str("No findings.\n");
    } else {
        let _ = writeln!(
            out,
            "{:<8}  {:<40}  {:<14}  {:<14}  RESOURCE",
            "SEVERITY", "RULE", "ACCOUNT", "REGION"
        );
        for f in &findings {
            let _ = writeln!(
                out,
                "{}  {:<40}  {:<14}  {:<14}  {}",
                paint(report.severity(f)),
                f.rule_id,
                f.resource.account_id,
                f.resource.region,
                terminal(&f.resource.name)
            );
        }
    }
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
                g.service,
                g.region,
                g.api,
                terminal(g.error.as_deref().unwrap_or(""))
            );
        }
    }
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
    out
}
