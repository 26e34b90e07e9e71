//! `palisade scan --format html` through the built binary: one
//! self-contained document with a strict Content-Security-Policy, the demo
//! scan's results inside, written atomically with `--output`, and the same
//! bytes for the same scan. (The page itself is driven in Chromium by
//! engine/report/tests/browser.)

#![allow(clippy::expect_used, clippy::unwrap_used)]

mod common;

use common::{code, palisade};

const DEMO: &str = "fixtures/demo/snapshot.json";

fn html(extra: &[&str]) -> String {
    let mut args = vec!["scan", DEMO, "--format", "html"];
    args.extend_from_slice(extra);
    let o = palisade(&args);
    // The demo has findings (exit 1) or gaps (exit 3): never a usage error.
    assert!(
        [1, 3].contains(&code(&o)),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
    String::from_utf8(o.stdout).expect("UTF-8")
}

#[test]
fn the_demo_report_is_one_self_contained_document_with_a_strict_csp() {
    let page = html(&[]);
    assert!(page.starts_with("<!DOCTYPE html>"));
    assert!(page.trim_end().ends_with("</html>"));
    let csp = page
        .split("http-equiv=\"Content-Security-Policy\" content=\"")
        .nth(1)
        .and_then(|s| s.split('"').next())
        .expect("a CSP meta tag");
    assert!(csp.starts_with("default-src 'none';"), "{csp}");
    assert!(csp.contains("script-src 'sha256-"), "{csp}");
    assert!(!csp.contains("unsafe"), "{csp}");
    // The JSON report of the same scan: every result's finding count is in
    // the page's data.
    let o = palisade(&["scan", DEMO, "--format", "json"]);
    let doc: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    let data = common::html_data(&page);
    assert_eq!(data["summary"], doc["summary"]);
    assert_eq!(
        data["results"]["status"].as_array().unwrap().len(),
        doc["results"].as_array().unwrap().len()
    );
    assert_eq!(page, html(&[]), "same scan, same bytes");
}

#[test]
fn output_writes_the_file_and_a_framework_narrows_the_controls() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("report.html");
    let o = palisade(&[
        "scan",
        DEMO,
        "--format",
        "html",
        "--framework",
        "cis-aws-6.0",
        "--output",
        out.to_str().unwrap(),
    ]);
    assert!([1, 3].contains(&code(&o)));
    assert!(o.stdout.is_empty());
    let page = std::fs::read_to_string(&out).unwrap();
    assert!(page.contains("\"id\":\"cis-aws-6.0\""));
    assert!(!page.contains("\"id\":\"aws-fsbp\",\"name\""));
}
