//! JUnit XML for CI systems other than GitHub: one test suite per rule, one
//! test case per (rule, resource); a finding is a failure, an evaluation error
//! an error, and a waived finding, coverage gap or not-evaluated check is
//! skipped with the reason.

use std::collections::BTreeMap;
use std::fmt::Write as _;

use palisade_eval::{CheckResult, Status};

use crate::ScanReport;

/// Escapes text for XML content and attribute values, dropping characters
/// XML 1.0 cannot carry.
pub fn xml(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            '\t' | '\n' | '\r' => out.push(c),
            c if (c as u32) < 0x20 || c == '\u{FFFE}' || c == '\u{FFFF}' => out.push('\u{FFFD}'),
            c => out.push(c),
        }
    }
    out
}

/// Renders JUnit XML.
pub fn render(report: &ScanReport<'_>) -> String {
    let mut by_rule: BTreeMap<&str, Vec<&CheckResult>> = BTreeMap::new();
    for r in report.results {
        by_rule.entry(r.rule_id.as_str()).or_default().push(r);
    }
    let mut out = String::from("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
    let total = report.results.len();
    let failures = report.open_findings().count();
    let errors = report
        .results
        .iter()
        .filter(|r| r.status == Status::Error)
        .count();
    let _ = writeln!(out, "<testsuites name=\"palisade\" tests=\"{total}\" failures=\"{failures}\" errors=\"{errors}\">");
    for (rule_id, results) in by_rule {
        let rule = report.rule(rule_id);
        let title = rule.map_or(rule_id, |r| r.meta.title.as_str());
        let open: Vec<_> = results
            .iter()
            .filter(|r| {
                r.status == Status::Fail && report.triage.waiver_for(&r.finding_id()).is_none()
            })
            .collect();
        let errs = results.iter().filter(|r| r.status == Status::Error).count();
        let skipped = results.len()
            - open.len()
            - errs
            - results.iter().filter(|r| r.status == Status::Pass).count();
        let _ = writeln!(
            out,
            "  <testsuite name=\"{}\" tests=\"{}\" failures=\"{}\" errors=\"{errs}\" skipped=\"{skipped}\">",
            xml(rule_id),
            results.len(),
            open.len()
        );
        for r in results {
            let _ = write!(
                out,
                "    <testcase classname=\"{}\" name=\"{}\"",
                xml(rule_id),
                xml(&format!(
                    "{} [{} {}]",
                    r.resource.id, r.resource.account_id, r.resource.region
                ))
            );
            let waiver = report.triage.waiver_for(&r.finding_id());
            match (r.status, waiver) {
                (Status::Pass, _) => out.push_str("/>\n"),
                (Status::Fail, Some(w)) => {
                    let _ = writeln!(
                        out,
                        "><skipped message=\"{}\"/></testcase>",
                        xml(&format!(
                            "waived until {} by {}: {}",
                            w.expires, w.owner, w.reason
                        ))
                    );
                }
                (Status::Fail, None) => {
                    let sev = report.severity(r);
                    let _ = writeln!(
                        out,
                        "><failure type=\"{}\" message=\"{}\">{}</failure></testcase>",
                        sev.as_str(),
                        xml(title),
                        xml(&format!(
                            "{} ({}) in account {} region {}; finding id {}",
                            r.resource.name,
                            r.resource.resource_type,
                            r.resource.account_id,
                            r.resource.region,
                            r.finding_id()
                        ))
                    );
                }
                (Status::Error, _) => {
                    let _ = writeln!(
                        out,
                        "><error message=\"{}\"/></testcase>",
                        xml(r.message.as_deref().unwrap_or("evaluation error"))
                    );
                }
                (Status::NotEvaluated, _) => {
                    let _ = writeln!(
                        out,
                        "><skipped message=\"{}\"/></testcase>",
                        xml(r.message.as_deref().unwrap_or("not evaluated"))
                    );
                }
            }
        }
        out.push_str("  </testsuite>\n");
    }
    out.push_str("</testsuites>\n");
    out
}

#[cfg(test)]
mod tests {
    use super::xml;

    #[test]
    fn xml_escaping() {
        assert_eq!(
            xml("<a href=\"x\">&'</a>\u{1b}"),
            "&lt;a href=&quot;x&quot;&gt;&amp;&apos;&lt;/a&gt;\u{FFFD}"
        );
    }
}
