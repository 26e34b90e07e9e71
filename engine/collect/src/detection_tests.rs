//! Recorded responses (AWS REST-JSON wire format) for the detection calls
//! moto does not implement: IAM Access Analyzer's ListAnalyzers.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use super::*;
use crate::replay::{config, event, paths, scope};

const AA: &str = "https://access-analyzer.eu-west-1.amazonaws.com/analyzer";

#[tokio::test]
async fn analyzers_are_read_from_every_page_with_type_and_status() {
    let page1 = r#"{"analyzers":[{"arn":"arn:aws:access-analyzer:eu-west-1:111111111111:analyzer/acct","name":"acct","type":"ACCOUNT","status":"ACTIVE","createdAt":"2026-01-02T03:04:05Z"}],"nextToken":"t2"}"#;
    let page2 = r#"{"analyzers":[{"arn":"arn:aws:access-analyzer:eu-west-1:111111111111:analyzer/unused","name":"unused","type":"ACCOUNT_UNUSED_ACCESS","status":"ACTIVE","createdAt":"2026-01-02T03:04:05Z"},{"arn":"arn:aws:access-analyzer:eu-west-1:111111111111:analyzer/org","name":"org","type":"ORGANIZATION","status":"DISABLED","createdAt":"2026-01-02T03:04:05Z"}]}"#;
    let (conf, http) = config(vec![
        event("GET", AA, 200, page1),
        event("GET", &format!("{AA}?nextToken=t2"), 200, page2),
    ]);
    let client = aws_sdk_accessanalyzer::Client::new(&conf);
    let (scope, coverage) = scope();
    let aa = collect_analyzers(&client, &scope).await;
    assert_eq!(paths(&http).len(), 2, "{:?}", paths(&http));
    let got: Vec<_> = aa
        .analyzers
        .iter()
        .map(|a| (a.name.as_str(), a.analyzer_type.as_str(), a.status.as_str()))
        .collect();
    assert_eq!(
        got,
        [
            ("acct", "ACCOUNT", "ACTIVE"),
            ("unused", "ACCOUNT_UNUSED_ACCESS", "ACTIVE"),
            ("org", "ORGANIZATION", "DISABLED"),
        ]
    );
    assert!(aa.external_access_active());
    let recs = coverage.records();
    assert_eq!(recs.len(), 1);
    assert!(!recs[0].is_gap());
}

#[tokio::test]
async fn only_unused_access_or_disabled_analyzers_are_not_external_access_analysis() {
    let body = r#"{"analyzers":[{"arn":"arn:aws:access-analyzer:eu-west-1:111111111111:analyzer/u","name":"u","type":"ACCOUNT_UNUSED_ACCESS","status":"ACTIVE","createdAt":"2026-01-02T03:04:05Z"},{"arn":"arn:aws:access-analyzer:eu-west-1:111111111111:analyzer/a","name":"a","type":"ACCOUNT","status":"FAILED","createdAt":"2026-01-02T03:04:05Z"}]}"#;
    let (conf, _http) = config(vec![event("GET", AA, 200, body)]);
    let client = aws_sdk_accessanalyzer::Client::new(&conf);
    let (scope, _coverage) = scope();
    let aa = collect_analyzers(&client, &scope).await;
    assert_eq!(aa.analyzers.len(), 2);
    assert!(!aa.external_access_active());
}

#[tokio::test]
async fn access_denied_on_list_analyzers_is_a_gap() {
    let (conf, _http) = config(vec![event("GET", AA, 403, r#"{"message":"not allowed"}"#)]);
    let client = aws_sdk_accessanalyzer::Client::new(&conf);
    let (scope, coverage) = scope();
    let aa = collect_analyzers(&client, &scope).await;
    assert!(aa.analyzers.is_empty());
    let recs = coverage.records();
    assert_eq!(recs.len(), 1);
    assert!(recs[0].is_gap(), "{recs:?}");
    assert_eq!(recs[0].api, "ListAnalyzers");
}

#[test]
fn high_severity_counts_only_severities_of_seven_and_more() {
    let groups = [
        (Some(2.0), Some(5)),
        (Some(6.9), Some(1)),
        (Some(7.0), Some(2)),
        (Some(8.5), Some(3)),
        (None, Some(9)),
    ];
    assert_eq!(high_severity(groups.into_iter()), 5);
    assert_eq!(high_severity(std::iter::empty()), 0);
}
