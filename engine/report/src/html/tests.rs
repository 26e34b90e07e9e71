//! Unit tests of the HTML report: the CSP hashes match the inline script
//! and style, no cloud string can close the data element, the data carries
//! hostile strings exactly, the output is deterministic, and the history
//! section goes in when given.

use chrono::TimeZone as _;
use serde_json::Value;

use super::{base64, csp_hash, render, script_safe_json, HtmlOptions};
use crate::digest::{Digest, DigestFinding, FrameworkTrend, HistorySection, TrendPoint};
use crate::testing::{pack, Scan};

/// The text between `open` and the next `</script>` or `</style>` after it.
fn between<'a>(html: &'a str, open: &str, close: &str) -> &'a str {
    let start = html.find(open).expect(open) + open.len();
    let len = html[start..].find(close).expect(close);
    &html[start..start + len]
}

/// The policy of the page's CSP meta tag.
fn policy(html: &str) -> &str {
    between(
        html,
        "<meta http-equiv=\"Content-Security-Policy\" content=\"",
        "\"",
    )
}

/// The page's data, parsed.
fn data(html: &str) -> Value {
    let raw = between(
        html,
        "<script type=\"application/json\" id=\"data\">",
        "</script>",
    );
    serde_json::from_str(raw).expect("the data element holds JSON")
}

#[test]
fn base64_matches_rfc_4648_vectors() {
    for (input, want) in [
        ("", ""),
        ("f", "Zg=="),
        ("fo", "Zm8="),
        ("foo", "Zm9v"),
        ("foob", "Zm9vYg=="),
        ("fooba", "Zm9vYmE="),
        ("foobar", "Zm9vYmFy"),
    ] {
        assert_eq!(base64(input.as_bytes()), want, "{input}");
    }
    // SHA-256 of the empty string (`openssl dgst -sha256 -binary | base64`).
    assert_eq!(
        csp_hash(""),
        "'sha256-47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU='"
    );
}

#[test]
fn csp_allows_exactly_the_inline_script_and_style() {
    let scan = Scan::of("demo/snapshot.json");
    let html = render(&scan.report(), &HtmlOptions::default());
    let csp = policy(&html);
    // Two <script> elements: the JSON data block and the page's script.
    let script = between(&html, "</script>\n<script>", "</script>");
    let style = between(&html, "<style>", "</style>");
    assert!(
        csp.contains(&format!("script-src {};", csp_hash(script))),
        "{csp}"
    );
    assert!(
        csp.contains(&format!("style-src {};", csp_hash(style))),
        "{csp}"
    );
    assert!(csp.starts_with("default-src 'none';"), "{csp}");
    for loose in ["unsafe-inline", "unsafe-eval", "http:", "https:", "*"] {
        assert!(!csp.contains(loose), "{loose} in {csp}");
    }
    // Nothing is loaded: no src or href attribute anywhere in the markup.
    let markup = html.replace(
        between(
            &html,
            "<script type=\"application/json\" id=\"data\">",
            "</script>",
        ),
        "",
    );
    for attr in [" src=", " href=", "<link", "<img", "<iframe", "url("] {
        assert!(!markup.contains(attr), "{attr}");
    }
    assert_eq!(html.matches("<script").count(), 2);
}

#[test]
fn no_cloud_string_can_close_the_data_element() {
    let scan = Scan::hostile();
    let html = render(&scan.report(), &HtmlOptions::default());
    let raw = between(
        &html,
        "<script type=\"application/json\" id=\"data\">",
        "</script>",
    );
    for bad in ['<', '>', '&', '\u{2028}', '\u{2029}'] {
        assert!(!raw.contains(bad), "{bad:?} in the data");
    }
    // The hostile strings are in the data, exactly.
    let d = data(&html);
    let user = &scan.snapshot.snapshot.accounts[0].iam.users[0];
    assert_eq!(
        d["results"]["status"].as_array().unwrap().len(),
        scan.results.len()
    );
    let ids = d["resources"]["id"].as_array().unwrap();
    assert!(ids.iter().any(|id| id == user.arn.as_str()));
    // Each resource once, however many rules checked it.
    assert!(ids.len() < scan.results.len());
    assert!(user.arn.contains("<script>"));
    let gap = &d["gaps"][0];
    assert!(gap[3].as_str().unwrap().contains("<script>"), "{gap}");
    // Escaping keeps the meaning of every JSON string.
    let s = "</script><!-- & \u{2028}\u{2029} -->";
    let json = serde_json::to_string(s).unwrap();
    let back: String = serde_json::from_str(&script_safe_json(&json)).unwrap();
    assert_eq!(back, s);
}

#[test]
fn the_same_scan_renders_the_same_bytes() {
    let scan = Scan::of("demo/snapshot.json");
    let a = render(&scan.report(), &HtmlOptions::default());
    let b = render(
        &Scan::of("demo/snapshot.json").report(),
        &HtmlOptions::default(),
    );
    assert!(a == b, "two renders of the demo differ");
}

#[test]
fn data_counts_agree_with_the_summary_and_every_framework_is_shown() {
    let scan = Scan::of("demo/snapshot.json");
    let report = scan.report();
    let d = data(&render(&report, &HtmlOptions::default()));
    let s = report.summary();
    assert_eq!(d["summary"]["by_status"]["fail"], s.by_status["fail"]);
    let fails = d["results"]["status"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|s| *s == 0)
        .count();
    assert_eq!(fails, s.by_status["fail"]);
    let by_account: usize = d["failures_by_account"]
        .as_object()
        .unwrap()
        .values()
        .map(|v| v.as_u64().unwrap() as usize)
        .sum();
    assert_eq!(by_account, fails);
    let ids: Vec<&str> = d["frameworks"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["id"].as_str().unwrap())
        .collect();
    let want: Vec<&str> = pack().frameworks.iter().map(|f| f.id.as_str()).collect();
    assert_eq!(ids, want);
    // Rule metadata once per rule, not per finding.
    assert_eq!(d["rules"].as_array().unwrap().len(), pack().rules.len());
    // One chosen framework only.
    let cis = pack().framework("cis-aws-6.0").unwrap();
    let one = data(&render(
        &report,
        &HtmlOptions {
            frameworks: Some(vec![cis]),
            history: None,
        },
    ));
    assert_eq!(one["frameworks"].as_array().unwrap().len(), 1);
    let controls = one["frameworks"][0]["controls"].as_array().unwrap();
    assert_eq!(controls.len(), cis.controls.len());
    let root_mfa = controls.iter().find(|c| c["id"] == "2.4").unwrap();
    assert_eq!(root_mfa["status"], "fail");
    assert_eq!(root_mfa["resources"][0], "222222222222");
}

#[test]
fn the_history_section_carries_digests_and_pass_rates() {
    let scan = Scan::of("demo/snapshot.json");
    let t = |d| chrono::Utc.with_ymd_and_hms(2026, 11, d, 3, 0, 0).unwrap();
    let point = |id, pass, fail| TrendPoint {
        scan_id: id,
        scan_time: t(id as u32),
        pass,
        fail,
        not_evaluated: 0,
        not_applicable: 1,
        manual: 2,
    };
    let finding = |sev, rule: &str, res: &str| DigestFinding {
        severity: sev,
        rule_id: rule.into(),
        resource_id: res.into(),
        suppressed: false,
    };
    let h = HistorySection {
        scan_id: 3,
        scan_time: t(3),
        previous_scan_id: Some(2),
        new: Digest::of(
            [
                finding(palisade_rules::Severity::Low, "low-rule", "r1"),
                finding(palisade_rules::Severity::High, "high-rule", "r2"),
            ],
            10,
            5,
        ),
        fixed: Digest::default(),
        trends: vec![FrameworkTrend {
            framework_id: "cis-aws-6.0".into(),
            points: vec![point(1, 1, 3), point(2, 2, 2), point(3, 3, 1)],
        }],
    };
    let html = render(
        &scan.report(),
        &HtmlOptions {
            frameworks: None,
            history: Some(&h),
        },
    );
    let d = data(&html);
    assert_eq!(d["history"]["new"]["groups"][0]["rule_id"], "high-rule");
    assert_eq!(d["history"]["rates"][0][0], 0.25);
    assert_eq!(d["history"]["rates"][0][2], 0.75);
    assert_eq!(d["history"]["previous_scan_id"], 2);
    let without = data(&render(&scan.report(), &HtmlOptions::default()));
    assert!(without.get("history").is_none());
}
