//! Error messages quote a short excerpt, never a whole document: a policy
//! document of 1 MB that cannot be read (a snapshot's, a CloudFormation
//! template's, a Terraform plan's) or a 1 MB value of the wrong type in a
//! snapshot gives errors and error results that name the file, the
//! position and what was wrong in a few hundred bytes, in every report
//! format and on stderr.

#![allow(clippy::expect_used, clippy::unwrap_used)]

#[allow(dead_code)] // `command()` is for the other test binaries
mod common;

use std::path::Path;

use common::{code, palisade};
use serde_json::{json, Value};

/// 1 MB of text no message should repeat.
fn big() -> String {
    "LEAKMARK".repeat(131_072)
}

/// What counts as an echo: 200 characters of the big value in a row.
fn echo() -> String {
    "LEAKMARK".repeat(25)
}

fn text(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

/// Scans `input` to every format and checks that no report and no stderr
/// repeats the big value; returns the JSON report.
fn scan_without_echo(input: &Path, expect: &[i32]) -> Value {
    let input = input.to_str().unwrap();
    let mut json = Value::Null;
    for format in ["table", "json", "sarif", "junit", "ocsf", "asff", "html"] {
        let o = palisade(&["scan", input, "--format", format, "--fail-on", "critical"]);
        let (out, err) = (text(&o.stdout), text(&o.stderr));
        assert!(
            expect.contains(&code(&o)),
            "{format}: exit {}: {err}",
            code(&o)
        );
        assert!(!err.contains(&echo()), "{format}: stderr echoes the value");
        assert!(err.len() < 2_000, "{format}: {} bytes on stderr", err.len());
        assert!(
            !out.contains(&echo()),
            "{format}: the report echoes the value"
        );
        assert!(out.len() < 4_000_000, "{format}: {} bytes", out.len());
        if format == "json" {
            json = serde_json::from_str(&out).expect("json report");
        }
    }
    json
}

/// The messages of the error results of `report`.
fn error_messages(report: &Value) -> Vec<String> {
    report["results"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|r| r["status"] == "error")
        .map(|r| r.to_string())
        .collect()
}

#[test]
fn an_unreadable_policy_document_in_a_snapshot_is_named_not_quoted() {
    let dir = tempfile::tempdir().unwrap();
    let mut snap: Value = serde_json::from_str(
        &std::fs::read_to_string(palisade_test_kit::fixture(
            "unreadable-documents/snapshot.json",
        ))
        .unwrap(),
    )
    .unwrap();
    let user = &mut snap["accounts"][0]["iam"]["users"][0];
    user["inline_policies"][0]["document"]["Statement"][0]["Effect"] = json!(big());
    let doc = format!(
        "{{\"Statement\": [{{\"Effect\": \"Allow\", \"Action\": \"{}",
        big()
    );
    user["inline_policies"]
        .as_array_mut()
        .unwrap()
        .push(json!({"name": "truncated", "document": doc}));
    let path = dir.path().join("snap.json");
    std::fs::write(&path, serde_json::to_string(&snap).unwrap()).unwrap();

    let report = scan_without_echo(&path, &[3]);
    let errors = error_messages(&report);
    assert!(
        errors
            .iter()
            .any(|e| e.contains("Effect must be Allow or Deny, found Some(\\\"LEAKMARK")),
        "the excerpt says what was found: {errors:?}"
    );
}

#[test]
fn unreadable_policy_documents_in_templates_and_plans_are_named_not_quoted() {
    let dir = tempfile::tempdir().unwrap();
    let rules = "iac/rules/iam-policy-full-admin";
    let read = |name: &str| {
        std::fs::read_to_string(palisade_test_kit::fixture(&format!("{rules}/{name}"))).unwrap()
    };
    // A template: one policy object with a 1 MB Effect, one policy JSON
    // string cut off after 1 MB.
    let mut cfn: Value = serde_json::from_str(&read("cfn-policy-json-string.fail.json")).unwrap();
    let res = &mut cfn["Resources"];
    res["OpsAutomationRole"]["Properties"]["AssumeRolePolicyDocument"]["Statement"][0]["Effect"] =
        json!(big());
    res["OpsPolicy"]["Properties"]["PolicyDocument"] = json!(format!(
        "{{\"Statement\": [{{\"Effect\": \"Allow\", \"Action\": \"{}",
        big()
    ));
    let template = dir.path().join("template.json");
    std::fs::write(&template, serde_json::to_string(&cfn).unwrap()).unwrap();
    let report = scan_without_echo(&template, &[1, 3]);
    assert!(!error_messages(&report).is_empty(), "{report}");

    // A plan: the inline policy's Effect is 1 MB.
    let plan = read("tf-one-line.fail.tfplan.json").replace(
        "\\\"Effect\\\":\\\"Allow\\\",\\\"Resource\\\":\\\"*\\\",\\\"Sid\\\":\\\"Everything\\\"",
        &format!(
            "\\\"Effect\\\":\\\"{}\\\",\\\"Resource\\\":\\\"*\\\",\\\"Sid\\\":\\\"Everything\\\"",
            big()
        ),
    );
    assert!(plan.contains("LEAKMARK"), "the plan fixture changed");
    let path = dir.path().join("plan.tfplan.json");
    std::fs::write(&path, plan).unwrap();
    let report = scan_without_echo(&path, &[1, 3]);
    assert!(!error_messages(&report).is_empty(), "{report}");
}

#[test]
fn a_huge_value_of_the_wrong_type_is_named_with_its_position_not_quoted() {
    let dir = tempfile::tempdir().unwrap();
    let demo = std::fs::read_to_string(palisade_test_kit::fixture("demo/snapshot.json")).unwrap();
    let mut snap: Value = serde_json::from_str(&demo).unwrap();
    snap["accounts"][0]["iam"]["password_policy"]["minimum_password_length"] = json!(big());
    let bad_type = dir.path().join("bad-type.json");
    std::fs::write(&bad_type, serde_json::to_string(&snap).unwrap()).unwrap();
    let mut snap: Value = serde_json::from_str(&demo).unwrap();
    snap["format"] = json!(big());
    let bad_format = dir.path().join("bad-format.json");
    std::fs::write(&bad_format, serde_json::to_string(&snap).unwrap()).unwrap();
    let mut snap: Value = serde_json::from_str(&demo).unwrap();
    snap["accounts"][0]["account_id"] = json!(big());
    let bad_id = dir.path().join("bad-id.json");
    std::fs::write(&bad_id, serde_json::to_string(&snap).unwrap()).unwrap();
    // A snapshot cut off inside a 1 MB string.
    let cut = dir.path().join("cut.json");
    let at = demo.find("\"name\": \"").expect("a name") + "\"name\": \"".len();
    std::fs::write(&cut, format!("{}{}", &demo[..at], big())).unwrap();

    // A snapshot is told by its `format`: with another, the file is
    // "neither a Palisade snapshot, ..." (and the value is not quoted).
    for (path, says) in [
        (
            &bad_type,
            "minimum_password_length`: invalid type: string \"LEAKMARK",
        ),
        (&bad_format, "neither a Palisade snapshot"),
        (&bad_id, "account_id \"LEAKMARK"),
        (&cut, "EOF while parsing a string"),
    ] {
        let p = path.to_str().unwrap();
        for args in [vec!["scan", p], vec!["evidence", p, "-o", "/nonexistent/x"]] {
            let o = palisade(&args);
            let err = text(&o.stderr);
            assert_eq!(code(&o), 2, "{args:?}: {err}");
            assert!(err.contains(p), "names the file: {err}");
            assert!(err.contains(says), "{args:?}: {err}");
            assert!(
                err.len() < 1_000,
                "{args:?}: {} bytes: {err:.1000}",
                err.len()
            );
        }
        if path == &bad_type {
            let err = text(&palisade(&["scan", p]).stderr);
            assert!(
                err.contains(&format!("{p}:1:")),
                "names the position: {err}"
            );
        }
    }
}
