//! Checks on rendered reports shared by the renderers' unit tests and the
//! end-to-end tests of the binary: which elements a JUnit document holds,
//! how many finding rows a table has.

/// The elements Palisade's JUnit output is made of.
pub const JUNIT_ELEMENTS: &[&str] = &[
    "testsuites",
    "testsuite",
    "testcase",
    "failure",
    "error",
    "skipped",
];

/// Elements of the JUnit document `xml` that are not ours (injected markup
/// that escaped escaping); panics when `xml` is not well-formed.
pub fn junit_foreign_elements(xml: &str) -> Vec<String> {
    let doc = roxmltree::Document::parse(xml).expect("well-formed XML");
    doc.descendants()
        .filter(|n| n.is_element() && !JUNIT_ELEMENTS.contains(&n.tag_name().name()))
        .map(|n| n.tag_name().name().to_owned())
        .collect()
}

/// Lines of a table report that start a finding (severity first): an
/// injected newline in a finding would add lines without adding findings.
pub fn finding_rows(table: &str) -> usize {
    table
        .lines()
        .filter(|l| {
            ["CRITICAL ", "HIGH ", "MEDIUM ", "LOW ", "INFO "]
                .iter()
                .any(|s| l.starts_with(s))
        })
        .count()
}
