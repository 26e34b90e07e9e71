//! JUnit XML for CI systems other than GitHub: one test suite per rule, one
//! test case per (rule, resource); a finding is a failure, an evaluation error
//! an error, and a waived finding, coverage gap or not-evaluated check is
//! skipped with the reason.

use std::collections::BTreeMap;
use std::fmt::Write as _;

use palisade_eval::{CheckResult, Status};

use crate::escape::xml;
use crate::ScanReport;

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
            .filter(|r| report.triage.is_open(r))
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
    use crate::escape::xml;

    #[test]
    fn xml_escaping() {
        assert_eq!(
            xml("<a href=\"x\">&'</a>\u{1b}"),
            "&lt;a href=&quot;x&quot;&gt;&amp;&#39;&lt;/a&gt;\u{FFFD}"
        );
    }
}
