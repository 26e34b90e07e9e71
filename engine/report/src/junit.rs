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
    let mut out = Vec::new();
    // Writing to memory cannot fail.
    let _ = write(report, &mut out);
    String::from_utf8_lossy(&out).into_owned()
}

/// Writes JUnit XML (the text [`render`] returns) to `w`, one rule's suite
/// at a time.
pub fn write(report: &ScanReport<'_>, w: &mut dyn std::io::Write) -> std::io::Result<()> {
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
                            "{} ({}) in account {} region {}; finding id {}{}",
                            r.resource.name,
                            r.resource.resource_type,
                            r.resource.account_id,
                            r.resource.region,
                            r.finding_id(),
                            exposure_text(r)
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
        w.write_all(out.as_bytes())?;
        out.clear();
    }
    out.push_str("</testsuites>\n");
    w.write_all(out.as_bytes())
}

/// A failure's reachability verdict and network path, as more lines of
/// the failure text (empty without a verdict).
fn exposure_text(r: &palisade_eval::CheckResult) -> String {
    let Some(e) = &r.exposure else {
        return String::new();
    };
    let mut out = format!("\n{}", e.summary());
    if !e.path.is_empty() {
        out.push_str("\npath:");
        for h in &e.path {
            out.push_str(&format!("\n  {} {}: {}", h.kind, h.id, h.label));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use crate::escape::xml;
    use crate::testing::Scan;

    #[test]
    fn xml_escaping() {
        assert_eq!(
            xml("<a href=\"x\">&'</a>\u{1b}"),
            "&lt;a href=&quot;x&quot;&gt;&amp;&#39;&lt;/a&gt;\u{FFFD}"
        );
    }

    #[test]
    fn hostile_junit_parses_and_carries_the_names_as_text() {
        let scan = Scan::hostile();
        let report = scan.report();
        let text = super::render(&report);
        let doc = roxmltree::Document::parse(&text).expect("well-formed XML");
        let root = doc.root_element();
        assert_eq!(root.tag_name().name(), "testsuites");
        // Only our elements: injected markup stays text.
        let foreign = palisade_test_kit::output::junit_foreign_elements(&text);
        assert!(foreign.is_empty(), "unexpected elements {foreign:?}");
        let cases: Vec<_> = doc
            .descendants()
            .filter(|n| n.has_tag_name("testcase"))
            .collect();
        assert_eq!(cases.len(), scan.results.len());
        let count = |tag: &str| doc.descendants().filter(|n| n.has_tag_name(tag)).count();
        let status =
            |s: palisade_eval::Status| scan.results.iter().filter(|r| r.status == s).count();
        assert_eq!(count("failure"), status(palisade_eval::Status::Fail));
        assert_eq!(count("error"), status(palisade_eval::Status::Error));
        assert_eq!(
            count("skipped"),
            status(palisade_eval::Status::NotEvaluated)
        );
        assert_eq!(
            root.attribute("tests"),
            Some(scan.results.len().to_string().as_str())
        );
        assert_eq!(
            root.attribute("failures"),
            Some(report.open_findings().count().to_string().as_str())
        );
        // Every result's name decodes to its resource (XML-illegal characters
        // replaced), in result order.
        for (case, r) in cases.iter().zip(&scan.results) {
            let want = format!(
                "{} [{} {}]",
                r.resource.id, r.resource.account_id, r.resource.region
            );
            let want: String = want
                .chars()
                .map(|c| match c {
                    '\t' | '\n' | '\r' => c,
                    c if (c as u32) < 0x20 => '\u{FFFD}',
                    c => c,
                })
                .collect();
            assert_eq!(case.attribute("name"), Some(want.as_str()));
        }
        assert!(cases.iter().any(|c| c
            .attribute("name")
            .is_some_and(|n| n.contains("<script>alert(1)</script>"))));
    }

    #[test]
    fn suites_are_one_per_rule_with_consistent_counts() {
        let scan = Scan::of("demo/snapshot.json");
        let report = scan.report();
        let text = super::render(&report);
        let doc = roxmltree::Document::parse(&text).expect("well-formed XML");
        let rules: std::collections::BTreeSet<&str> =
            scan.results.iter().map(|r| r.rule_id.as_str()).collect();
        let suites: Vec<_> = doc
            .descendants()
            .filter(|n| n.has_tag_name("testsuite"))
            .collect();
        assert_eq!(suites.len(), rules.len());
        for s in suites {
            let n = |a: &str| s.attribute(a).unwrap().parse::<usize>().unwrap();
            let cases = s.children().filter(|c| c.has_tag_name("testcase")).count();
            let failures = s
                .descendants()
                .filter(|c| c.has_tag_name("failure"))
                .count();
            assert_eq!(n("tests"), cases);
            assert_eq!(n("failures"), failures);
        }
    }
}
