//! The export against recorded Security Hub responses (AWS's JSON wire
//! format): a partly failed batch whose failed findings are sent again, one
//! that keeps failing, an existing finding's CreatedAt kept and a missing
//! one archived, and an input field the export does not know.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::time::Duration;

use serde_json::{json, Value};

use super::*;
use crate::replay::{config, event, paths, with_retries};

const GET: &str = "https://securityhub.eu-west-1.amazonaws.com/findings";
const IMPORT: &str = "https://securityhub.eu-west-1.amazonaws.com/findings/import";
const ARN: &str = "arn:aws:securityhub:eu-west-1:111111111111:product/111111111111/default";

fn finding(id: &str) -> Value {
    json!({
        "SchemaVersion": "2018-10-08",
        "Id": id,
        "ProductArn": ARN,
        "GeneratorId": "palisade/iam-user-no-mfa",
        "AwsAccountId": "111111111111",
        "Types": ["Software and Configuration Checks/AWS Security Best Practices/Palisade security"],
        "CreatedAt": "2026-11-21T02:00:00.000Z",
        "UpdatedAt": "2026-11-21T02:00:00.000Z",
        "Severity": {"Label": "HIGH", "Original": "high"},
        "Title": "IAM user without MFA",
        "Description": "Why it matters.",
        "Remediation": {"Recommendation": {"Text": "Enable MFA."}},
        "ProductFields": {"palisade/RuleId": "iam-user-no-mfa"},
        "Resources": [{"Type": "AwsIamUser", "Id": format!("arn:aws:iam::111111111111:user/{id}"), "Partition": "aws", "Region": "eu-west-1"}],
        "Compliance": {"Status": "FAILED", "RelatedRequirements": ["cis-aws-6.0/2.9"], "AssociatedStandards": [{"StandardsId": "palisade/cis-aws-6.0"}]},
        "RecordState": "ACTIVE"
    })
}

/// An existing finding as GetFindings returns it.
fn held(id: &str, created: &str, generator: &str) -> Value {
    let mut f = finding(id);
    f["CreatedAt"] = json!(created);
    f["UpdatedAt"] = json!(created);
    f["GeneratorId"] = json!(generator);
    f
}

fn bodies(http: &aws_smithy_http_client::test_util::StaticReplayClient) -> Vec<Value> {
    http.actual_requests()
        .map(|r| {
            serde_json::from_slice(r.body().bytes().unwrap_or_default()).unwrap_or(Value::Null)
        })
        .collect()
}

fn quick() -> ExportOptions {
    ExportOptions {
        resends: 2,
        resend_delay: Duration::from_millis(1),
    }
}

#[tokio::test]
async fn failed_findings_of_a_batch_are_sent_again_and_history_is_kept() {
    let existing = json!({"Findings": [
        held("f1", "2026-11-01T02:00:00.000Z", "palisade/iam-user-no-mfa"),
        held("gone", "2026-11-01T02:00:00.000Z", "palisade/iam-user-no-mfa"),
        // Not Palisade's: never touched.
        held("other", "2026-11-01T02:00:00.000Z", "someone-else/x"),
    ]});
    let (conf, http) = config(vec![
        event("POST", GET, 200, &existing.to_string()),
        event(
            "POST",
            IMPORT,
            200,
            r#"{"FailedCount":1,"SuccessCount":2,"FailedFindings":[{"Id":"f2","ErrorCode":"InternalException","ErrorMessage":"try again"}]}"#,
        ),
        event(
            "POST",
            IMPORT,
            200,
            r#"{"FailedCount":0,"SuccessCount":1,"FailedFindings":[]}"#,
        ),
    ]);
    let plans = plan(vec![finding("f1"), finding("f2")]).unwrap();
    let out = export(&conf, &plans, &quick()).await;
    assert!(out.failed.is_empty(), "{:?}", out.failed);
    assert_eq!(
        (out.imported, out.updated, out.archived, out.batches),
        (2, 1, 1, 2)
    );
    assert_eq!(
        paths(&http),
        ["/findings", "/findings/import", "/findings/import"]
    );
    let sent = bodies(&http);
    // GetFindings asked for Palisade's findings of this product only.
    assert_eq!(
        sent[0]["Filters"]["GeneratorId"][0],
        json!({"Value": "palisade/", "Comparison": "PREFIX"})
    );
    assert_eq!(sent[0]["Filters"]["ProductArn"][0]["Value"], ARN);
    let first = sent[1]["Findings"].as_array().unwrap();
    let by_id = |id: &str| first.iter().find(|f| f["Id"] == id).unwrap().clone();
    assert_eq!(first.len(), 3);
    assert_eq!(by_id("f1")["CreatedAt"], "2026-11-01T02:00:00.000Z");
    assert_eq!(by_id("f1")["UpdatedAt"], "2026-11-21T02:00:00.000Z");
    assert_eq!(by_id("f2")["CreatedAt"], "2026-11-21T02:00:00.000Z");
    assert_eq!(by_id("gone")["RecordState"], "ARCHIVED");
    assert_eq!(by_id("gone")["UpdatedAt"], "2026-11-21T02:00:00.000Z");
    assert_eq!(by_id("gone")["CreatedAt"], "2026-11-01T02:00:00.000Z");
    // Only the failed finding is sent again.
    let again = sent[2]["Findings"].as_array().unwrap();
    assert_eq!(again.len(), 1);
    assert_eq!(again[0]["Id"], "f2");
}

#[tokio::test]
async fn a_finding_that_keeps_failing_is_named_after_the_resends() {
    let fail = r#"{"FailedCount":1,"SuccessCount":0,"FailedFindings":[{"Id":"f1","ErrorCode":"InvalidInput","ErrorMessage":"bad"}]}"#;
    let (conf, http) = config(vec![
        event("POST", GET, 200, r#"{"Findings":[]}"#),
        event("POST", IMPORT, 200, fail),
        event("POST", IMPORT, 200, fail),
        event("POST", IMPORT, 200, fail),
    ]);
    let plans = plan(vec![finding("f1")]).unwrap();
    let out = export(&conf, &plans, &quick()).await;
    assert_eq!(paths(&http).len(), 4, "one call and two resends");
    assert_eq!(out.failed, ["eu-west-1: f1: InvalidInput: bad"]);
    assert_eq!(out.imported, 0);
}

#[tokio::test]
async fn an_unreadable_region_sends_nothing_and_says_why() {
    let denied = r#"{"__type":"AccessDeniedException","message":"not allowed"}"#;
    let (conf, http) = config(vec![event("POST", GET, 403, denied)]);
    let conf = with_retries(conf, 1);
    let plans = plan(vec![finding("f1")]).unwrap();
    let out = export(&conf, &plans, &quick()).await;
    assert_eq!(
        paths(&http).len(),
        1,
        "no import without the existing findings"
    );
    assert_eq!(out.failed.len(), 1);
    assert!(
        out.failed[0].contains("GetFindings") && out.failed[0].contains("AccessDenied"),
        "{:?}",
        out.failed
    );
}

#[test]
fn batches_hold_at_most_100_findings() {
    let many: Vec<Value> = (0..250).map(|i| finding(&format!("f{i}"))).collect();
    let plans = plan(many).unwrap();
    assert_eq!(plans.len(), 1);
    let sizes: Vec<usize> = batches(&plans[0])
        .iter()
        .map(|b| b.as_array().unwrap().len())
        .collect();
    assert_eq!(sizes, [100, 100, 50]);
}

#[test]
fn unknown_fields_and_values_are_refused() {
    let mut f = finding("f1");
    f["Note"] = json!({"Text": "x"});
    let e = plan(vec![f]).unwrap_err();
    assert_eq!(e.index, 0);
    assert!(e.to_string().contains("unsupported field \"Note\""), "{e}");
    let mut f = finding("f1");
    f["Compliance"]["Status"] = json!("BROKEN");
    assert!(plan(vec![f])
        .unwrap_err()
        .message
        .contains("/Compliance/Status"));
    let mut f = finding("f1");
    f.as_object_mut().unwrap().remove("Title");
    assert!(plan(vec![f])
        .unwrap_err()
        .message
        .contains("/Title: missing"));
}

#[tokio::test]
async fn throttling_is_retried_by_the_sdk() {
    let throttled = r#"{"__type":"TooManyRequestsException","message":"Rate exceeded"}"#;
    let (conf, http) = config(vec![
        event("POST", GET, 200, r#"{"Findings":[]}"#),
        event("POST", IMPORT, 429, throttled),
        event(
            "POST",
            IMPORT,
            200,
            r#"{"FailedCount":0,"SuccessCount":1,"FailedFindings":[]}"#,
        ),
    ]);
    let conf = with_retries(conf, 3);
    let plans = plan(vec![finding("f1")]).unwrap();
    let out = export(&conf, &plans, &quick()).await;
    assert!(out.failed.is_empty(), "{:?}", out.failed);
    assert_eq!(
        (out.imported, out.batches),
        (1, 1),
        "one call, retried inside the SDK"
    );
    assert_eq!(paths(&http).len(), 3);
}
