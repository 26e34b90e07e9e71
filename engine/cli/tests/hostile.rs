//! The hostile snapshot (fixtures/hostile: resource names, ARNs, tags,
//! descriptions, a region and a coverage record carrying ESC and C1
//! controls, U+202E, `<script>`, `|`, newlines, `](` and `=HYPERLINK(`)
//! through every output of the built binary, each checked by parsing it:
//! the table (no raw control or bidi character, one line per finding, and a
//! reviewed insta snapshot), JSON (exact round trip), SARIF (the schema,
//! inert messages), JUnit (an XML parser), the framework table and JSON, and
//! the history's Markdown and text (a CommonMark parser: no link, no HTML,
//! table rows intact), the HTML page's markup, and OCSF and ASFF (exact
//! strings). The HTML page is also opened in Chromium with these strings
//! (engine/report/tests/browser), and the evidence CSV is checked in
//! evidence.rs.

#![allow(clippy::expect_used, clippy::unwrap_used)]

mod common;

use common::{code, palisade};
use serde_json::Value;

const HOSTILE: &str = "fixtures/hostile/snapshot.json";
/// Findings, evaluation errors (an invalid CIDR) and a coverage gap.
const EXIT: i32 = 3;

fn text(b: &[u8]) -> String {
    String::from_utf8(b.to_vec()).expect("UTF-8 output")
}

/// Runs a scan of the hostile snapshot and returns its standard output.
fn scan(extra: &[&str]) -> String {
    let mut args = vec!["scan", HOSTILE];
    args.extend_from_slice(extra);
    let o = palisade(&args);
    assert_eq!(code(&o), EXIT, "{}", String::from_utf8_lossy(&o.stderr));
    text(&o.stdout)
}

/// Characters no terminal or Markdown output may carry raw: C0 and C1
/// controls (line feeds aside) and bidirectional overrides and isolates.
fn raw_controls(s: &str) -> Vec<char> {
    s.chars()
        .filter(|&c| {
            (c.is_control() && c != '\n')
                || matches!(c, '\u{061C}' | '\u{200E}' | '\u{200F}' | '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}')
        })
        .collect()
}

/// The snapshot as JSON, for the exact strings it carries.
fn hostile() -> Value {
    let raw = std::fs::read_to_string(common::root().join(HOSTILE)).expect("fixture");
    serde_json::from_str(&raw).expect("fixture is JSON")
}

fn user_arn() -> String {
    hostile()["accounts"][0]["iam"]["users"][0]["arn"]
        .as_str()
        .unwrap()
        .to_owned()
}

#[test]
fn the_fixture_is_ascii_and_carries_every_trick() {
    let raw = std::fs::read_to_string(common::root().join(HOSTILE)).expect("fixture");
    assert!(raw.is_ascii(), "the fixture itself must be safe to read");
    let arn = user_arn();
    for needle in [
        "\u{1b}[31m",
        "\u{1b}]8;;",
        "\u{9b}",
        "\u{85}",
        "\u{202E}",
        "<script>",
        "|",
        "\r\n",
        "](",
        "=HYPERLINK(",
        "\"><img src=x onerror=",
        "(javascript:",
    ] {
        assert!(arn.contains(needle), "the user ARN lacks {needle:?}");
    }
}

#[test]
fn table_is_inert() {
    let out = scan(&[]);
    let bad = raw_controls(&out);
    assert!(bad.is_empty(), "raw {bad:?} in the table:\n{out}");
    // One line per finding: an injected newline would add lines.
    let findings = palisade_test_kit::output::finding_rows(&out);
    let json: Value = serde_json::from_str(&scan(&["--format", "json"])).expect("json");
    assert_eq!(
        findings,
        json["summary"]["by_status"]["fail"].as_u64().unwrap() as usize
    );
    insta::assert_snapshot!("hostile_table", out);
}

#[test]
fn json_carries_the_exact_strings() {
    let doc: Value = serde_json::from_str(&scan(&["--format", "json"])).expect("valid JSON");
    let results = doc["results"].as_array().unwrap();
    let user = user_arn();
    let row = results
        .iter()
        .find(|r| r["rule_id"] == "iam-user-console-without-mfa" && r["status"] == "fail")
        .expect("the hostile user's finding");
    assert_eq!(row["resource"]["id"], user.as_str());
    assert_eq!(row["status"], "fail");
    let name = hostile()["accounts"][0]["iam"]["users"][0]["name"].clone();
    assert_eq!(row["resource"]["name"], name);
    let gap = &doc["gaps"][0];
    assert_eq!(gap["api"], hostile()["accounts"][0]["coverage"][0]["api"]);
}

#[test]
fn sarif_is_valid_and_messages_are_inert() {
    let doc: Value = serde_json::from_str(&scan(&["--format", "sarif"])).expect("valid JSON");
    palisade_test_kit::sarif::assert_valid(&doc);
    let results = doc["runs"][0]["results"].as_array().unwrap();
    assert!(!results.is_empty());
    for r in results {
        let msg = r["message"]["text"].as_str().unwrap();
        // Code scanning renders messages as Markdown.
        assert_inert_markdown(msg);
    }
    let user = user_arn();
    assert!(results.iter().any(|r| {
        r["locations"][0]["logicalLocations"][0]["fullyQualifiedName"] == user.as_str()
    }));
}

#[test]
fn junit_parses_and_names_are_text() {
    let xml = scan(&["--format", "junit"]);
    let injected = palisade_test_kit::output::junit_foreign_elements(&xml);
    assert!(injected.is_empty(), "injected elements {injected:?}");
    let doc = roxmltree::Document::parse(&xml).expect("well-formed XML");
    let case = doc
        .descendants()
        .filter(|n| n.has_tag_name("testcase"))
        .filter(|n| n.attribute("classname") == Some("iam-user-console-without-mfa"))
        .find(|n| n.children().any(|c| c.has_tag_name("failure")))
        .expect("the hostile user's test case");
    // The name decodes to the resource exactly, but for the characters XML
    // 1.0 cannot carry (C0 controls other than tab and line breaks).
    let json: Value = serde_json::from_str(&scan(&["--format", "json"])).expect("json");
    let r = &json["results"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["rule_id"] == "iam-user-console-without-mfa" && r["status"] == "fail")
        .expect("the finding")["resource"];
    let want: String = format!(
        "{} [{} {}]",
        r["id"].as_str().unwrap(),
        r["account_id"].as_str().unwrap(),
        r["region"].as_str().unwrap()
    )
    .chars()
    .map(|c| match c {
        '\t' | '\n' | '\r' => c,
        c if (c as u32) < 0x20 => '\u{FFFD}',
        c => c,
    })
    .collect();
    assert_eq!(case.attribute("name"), Some(want.as_str()));
    let failure = case
        .children()
        .find(|n| n.has_tag_name("failure"))
        .expect("a failure");
    assert!(failure
        .text()
        .unwrap_or("")
        .contains("<script>alert(1)</script>"));
}

#[test]
fn framework_outputs_are_inert_and_exact() {
    let table = scan(&["--framework", "cis-aws-6.0"]);
    assert!(raw_controls(&table).is_empty(), "{table}");
    let doc: Value =
        serde_json::from_str(&scan(&["--framework", "cis-aws-6.0", "--format", "json"]))
            .expect("json");
    let controls = doc["framework"]["controls"].as_array().unwrap();
    let mfa = controls.iter().find(|c| c["id"] == "2.9").expect("CIS 2.9");
    assert_eq!(mfa["status"], "fail");
    assert_eq!(mfa["failing_resources"], serde_json::json!([user_arn()]));
}

/// Checks Markdown by parsing it (GitHub flavour): no link, image or HTML
/// comes out of it, every table row has the header's cell count, and no raw
/// control character is left.
fn assert_inert_markdown(md: &str) {
    use pulldown_cmark::{Event, Options, Parser, Tag, TagEnd};
    assert!(raw_controls(md).is_empty(), "{md}");
    let mut cells = 0;
    let mut header_cells = None;
    for ev in Parser::new_ext(md, Options::ENABLE_TABLES | Options::ENABLE_STRIKETHROUGH) {
        match ev {
            Event::Start(Tag::Link { .. } | Tag::Image { .. }) => panic!("a link in:\n{md}"),
            Event::Html(h) | Event::InlineHtml(h) => panic!("HTML {h:?} in:\n{md}"),
            Event::Start(Tag::TableHead | Tag::TableRow) => cells = 0,
            Event::Start(Tag::TableCell) => cells += 1,
            Event::End(TagEnd::TableHead) => header_cells = Some(cells),
            Event::End(TagEnd::TableRow) => {
                assert_eq!(Some(cells), header_cells, "a row split or merged in:\n{md}")
            }
            _ => {}
        }
    }
}

#[test]
fn history_markdown_and_text_are_inert() {
    let dir = tempfile::tempdir().expect("tmp");
    let db = dir.path().join("h.sqlite");
    let db_s = db.to_str().unwrap();
    // A first scan without the hostile resources (root facts stated, so the
    // scan is complete), then the hostile one: every hostile finding is new,
    // and open since the first scan.
    let empty = dir.path().join("empty.json");
    std::fs::write(
        &empty,
        r#"{"format":"palisade-snapshot","version":1,"scan_time":"2026-10-31T00:00:00Z","accounts":[{"account_id":"111111111111","regions":["us-east-1"],"iam":{"root":{"mfa_active":false,"hardware_mfa":false,"access_key_active":false,"password_present":true,"credential_report_row":true}}}]}"#,
    )
    .unwrap();
    let o = palisade(&[
        "scan",
        empty.to_str().unwrap(),
        "--record",
        "--history-db",
        db_s,
        "--format",
        "json",
    ]);
    // Findings (1), and incomplete (3): the bare account does not say
    // whether EBS encryption by default is on, so that check is unknown.
    assert_eq!(code(&o), 3, "{}", String::from_utf8_lossy(&o.stderr));
    scan(&["--record", "--history-db", db_s, "--format", "json"]);
    let o = palisade(&["history", "--db", db_s, "--markdown"]);
    assert_eq!(code(&o), 0, "{}", String::from_utf8_lossy(&o.stderr));
    let md = text(&o.stdout);
    assert!(
        md.contains("### New") && md.contains("### Oldest open findings"),
        "{md}"
    );
    assert!(
        md.contains("\\<script\\>"),
        "the markup is shown escaped:\n{md}"
    );
    assert_inert_markdown(&md);
    let o = palisade(&["diff", "1", "2", "--db", db_s]);
    assert_eq!(code(&o), 0);
    let out = text(&o.stdout);
    assert!(raw_controls(&out).is_empty(), "{out}");
    assert!(out.contains("iam-user-console-without-mfa"), "{out}");
    let o = palisade(&["history", "--db", db_s]);
    assert_eq!(text(&o.stdout).lines().count(), 3);
}

#[test]
fn html_markup_is_only_the_pages_own() {
    let page = scan(&["--format", "html"]);
    let open = "<script type=\"application/json\" id=\"data\">";
    let (before, rest) = page.split_once(open).expect("the data element");
    let (data, after) = rest
        .split_once("</script>")
        .expect("the data element's end");
    // The strings are data inside one JSON element with `<` escaped: no tag,
    // attribute or URL of theirs reaches the markup around it, and none can
    // end the element early.
    let markup = format!("{before}{after}");
    for needle in ["<img", "onerror=", "javascript:", "alert(", "evil.example"] {
        assert!(!markup.contains(needle), "{needle:?} in the page's markup");
    }
    assert!(!data.contains('<'), "a raw '<' in the data element");
    assert_eq!(
        page.matches("<script").count(),
        2,
        "the data and the page's script"
    );
    let data: Value = serde_json::from_str(data).expect("the data is JSON");
    // ... which carries the exact name to show as text.
    let name = hostile()["accounts"][0]["iam"]["users"][0]["name"].clone();
    assert!(
        data.to_string().contains(&name.to_string()),
        "the user's name is carried exactly"
    );
}

#[test]
fn ocsf_and_asff_carry_the_exact_strings_as_json() {
    let user = user_arn();
    let ocsf = scan(&["--format", "ocsf"]);
    let events: Vec<Value> = ocsf
        .lines()
        .map(|l| serde_json::from_str(l).expect("one JSON object per line"))
        .collect();
    assert!(
        events.iter().any(|e| e
            .to_string()
            .contains(&Value::from(user.as_str()).to_string())),
        "the user's ARN, exactly, in some OCSF event"
    );
    let asff: Value = serde_json::from_str(&scan(&["--format", "asff"])).expect("ASFF is JSON");
    let findings = asff.as_array().expect("a BatchImportFindings array");
    assert!(findings
        .iter()
        .any(|f| f["Resources"][0]["Id"] == user.as_str()));
}
