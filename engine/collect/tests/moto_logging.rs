//! End-to-end: CloudTrail trails, CloudWatch Logs metric filters, alarms
//! and SNS subscriptions seeded by fixtures/moto/seed_logging.py, collected
//! through the real AWS SDK from a moto server, then scanned: the snapshot's
//! contents and each logging and monitoring rule's verdicts.
//!
//! moto 5.2 does not answer CloudWatch in the Smithy RPC v2 CBOR protocol
//! the SDK speaks (HTTP 404), so the full collection records
//! `DescribeAlarms` as a gap and the monitoring rules are not evaluated
//! (asserted). The monitoring verdicts are then proven by collecting
//! us-east-1 again with moto's CloudWatch Logs and SNS and a CloudWatch
//! client answering the seeded alarms from a recorded CBOR response.

#![allow(clippy::unwrap_used, clippy::expect_used)]

#[allow(unused_imports)] // the shared helpers re-export what other test files use
mod common;

use aws_config::{BehaviorVersion, Region, SdkConfig};
use aws_sdk_cloudwatch::config::{Credentials, SharedCredentialsProvider};
use aws_smithy_http_client::test_util::{ReplayEvent, StaticReplayClient};
use aws_smithy_types::body::SdkBody;
use common::{collect, evaluate, moto, region, ACCOUNT};
use palisade_collect::coverage::Coverage;
use palisade_collect::scope::Scope;
use palisade_eval::{CheckResult, Status};
use palisade_model::{CoverageStatus, RegionData};
use palisade_test_kit::cbor::Cbor;

fn status(results: &[CheckResult], rule: &str, id: &str) -> Status {
    results
        .iter()
        .find(|r| r.rule_id == rule && r.resource.id == id)
        .unwrap_or_else(|| panic!("no result of {rule} on {id}"))
        .status
}

fn trail_arn(region: &str, name: &str) -> String {
    format!("arn:aws:cloudtrail:{region}:{ACCOUNT}:trail/{name}")
}

#[test]
fn logging_and_monitoring_are_collected_and_judged() {
    let moto = moto();
    let snap = collect(&moto.url);
    let account = &snap.accounts[0];
    for (service, api) in [
        ("cloudtrail", "DescribeTrails"),
        ("cloudtrail", "GetTrailStatus"),
        ("cloudtrail", "GetEventSelectors"),
        ("logs", "DescribeMetricFilters"),
    ] {
        let recs: Vec<_> = account
            .coverage
            .iter()
            .filter(|c| c.service == service && c.api == api)
            .collect();
        assert!(!recs.is_empty(), "{service} {api} not recorded");
        assert!(
            recs.iter().all(|c| c.status == CoverageStatus::Ok),
            "{service} {api}: {recs:?}"
        );
    }

    // moto lacks CloudWatch's CBOR protocol: a gap in each region, never "no alarm".
    for r in ["us-east-1", "eu-west-1"] {
        let rec = account
            .coverage
            .iter()
            .find(|c| c.service == "cloudwatch" && c.region == r && c.api == "DescribeAlarms")
            .expect("DescribeAlarms recorded");
        assert_eq!(rec.status, CoverageStatus::Failed, "{rec:?}");
    }

    // Trails: each once, in its home region; the multi-region trail is a
    // shadow in eu-west-1.
    let us = region(&snap, "us-east-1");
    let eu = region(&snap, "eu-west-1");
    let ours = |d: &RegionData| -> Vec<String> {
        d.cloudtrail
            .trails
            .iter()
            .filter(|t| t.name.starts_with("log-"))
            .map(|t| t.name.clone())
            .collect()
    };
    assert_eq!(ours(us), ["log-cis-main", "log-stopped"]);
    assert_eq!(ours(eu), ["log-eu-copy"]);
    let main_arn = trail_arn("us-east-1", "log-cis-main");
    assert!(eu.cloudtrail.shadow_trail_arns.contains(&main_arn));
    let main = us
        .cloudtrail
        .trails
        .iter()
        .find(|t| t.arn == main_arn)
        .unwrap();
    assert!(main.is_multi_region && main.log_file_validation_enabled);
    assert!(main.kms_key_id.as_deref().unwrap().contains(":key/"));
    assert!(main
        .cloudwatch_logs_log_group_arn
        .as_deref()
        .unwrap()
        .contains(":log-group:log-cis-trail"));
    assert_eq!(main.status.as_ref().map(|s| s.is_logging), Some(true));
    let sel = main.selectors.as_ref().unwrap();
    assert_eq!(sel.advanced.len(), 2);
    let stopped = &us.cloudtrail.trails[1];
    assert_eq!(stopped.status.as_ref().map(|s| s.is_logging), Some(false));

    // Metric filters, the alarms on their metrics, topics and subscribers.
    let m = &us.monitoring;
    let filters: Vec<&str> = m
        .metric_filters
        .iter()
        .filter(|f| f.log_group_name == "log-cis-trail")
        .map(|f| f.name.as_str())
        .collect();
    assert_eq!(
        filters,
        [
            "cloudtrail-changes",
            "cmk-deletion",
            "iam-policy-changes",
            "root-usage",
            "unauthorized-api-calls"
        ]
    );
    assert!(m.alarms.is_empty() && m.topics.is_empty());

    let results = evaluate(&snap);
    let stopped_arn = trail_arn("us-east-1", "log-stopped");
    let copy_arn = trail_arn("eu-west-1", "log-eu-copy");
    // Account-wide CloudTrail facts.
    for rule in [
        "cloudtrail-multi-region-trail-missing",
        "cloudtrail-no-logging-trail",
        "cloudtrail-s3-write-data-events-not-logged",
        "cloudtrail-s3-read-data-events-not-logged",
    ] {
        assert_eq!(status(&results, rule, ACCOUNT), Status::Pass, "{rule}");
    }
    // Per trail: the compliant trail and its violating twins.
    for rule in [
        "cloudtrail-log-file-validation-disabled",
        "cloudtrail-not-kms-encrypted",
        "cloudtrail-cloudwatch-logs-disabled",
    ] {
        assert_eq!(status(&results, rule, &main_arn), Status::Pass, "{rule}");
        assert_eq!(status(&results, rule, &stopped_arn), Status::Fail, "{rule}");
        assert_eq!(status(&results, rule, &copy_arn), Status::Fail, "{rule}");
    }
    assert_eq!(
        status(&results, "cloudtrail-trail-not-logging", &stopped_arn),
        Status::Fail
    );
    assert_eq!(
        status(&results, "cloudtrail-trail-not-logging", &main_arn),
        Status::Pass
    );
    // The trail bucket's facts come from the S3 collector: judged when the
    // bucket is in the snapshot, never a pass when it is not.
    let bucket_read = account
        .s3
        .buckets
        .iter()
        .any(|b| b.name == format!("log-trail-logs-{ACCOUNT}"));
    for rule in [
        "cloudtrail-bucket-access-logging-disabled",
        "cloudtrail-bucket-public",
    ] {
        let want = if bucket_read {
            Status::Pass
        } else {
            Status::NotEvaluated
        };
        assert_eq!(status(&results, rule, &main_arn), want, "{rule}");
    }
    // Monitoring with DescribeAlarms unread: not evaluated, never a verdict.
    for key in ["cloudtrail-changes", "iam-policy-changes", "vpc-changes"] {
        let rule = format!("cloudwatch-no-alarm-{key}");
        assert_eq!(
            status(&results, &rule, ACCOUNT),
            Status::NotEvaluated,
            "{rule}"
        );
    }
    // Cost: eu-west-1's management events are delivered twice.
    let rule = "cloudtrail-duplicate-management-events";
    assert_eq!(
        status(&results, rule, &format!("{ACCOUNT}/eu-west-1")),
        Status::Fail
    );
    assert_eq!(
        status(&results, rule, &format!("{ACCOUNT}/us-east-1")),
        Status::Pass
    );
}

/// The DescribeAlarms answer AWS gives for the alarms seed_logging.py creates.
fn recorded_alarms() -> ReplayEvent {
    let alarms = [
        ("cloudtrail-changes", "log-security-alerts"),
        ("root-usage", "log-security-alerts"),
        ("cmk-deletion", "log-security-alerts"),
        ("iam-policy-changes", "log-security-alerts"),
        ("unauthorized-api-calls", "log-unwatched"),
    ]
    .map(|(metric, topic)| {
        Cbor::Map(vec![
            ("AlarmName", Cbor::Text(format!("log-{metric}"))),
            (
                "AlarmArn",
                Cbor::Text(format!(
                    "arn:aws:cloudwatch:us-east-1:{ACCOUNT}:alarm:log-{metric}"
                )),
            ),
            ("ActionsEnabled", Cbor::Bool(true)),
            (
                "AlarmActions",
                Cbor::Array(vec![Cbor::Text(format!(
                    "arn:aws:sns:us-east-1:{ACCOUNT}:{topic}"
                ))]),
            ),
            ("StateValue", Cbor::Text("OK".to_owned())),
            ("MetricName", Cbor::Text(metric.to_owned())),
            ("Namespace", Cbor::Text("LogCISBenchmark".to_owned())),
        ])
    });
    let body = Cbor::Map(vec![("MetricAlarms", Cbor::Array(alarms.into()))]).encode();
    ReplayEvent::new(
        http::Request::builder()
            .method("POST")
            .uri("https://monitoring.us-east-1.amazonaws.com/")
            .body(SdkBody::empty())
            .unwrap(),
        http::Response::builder()
            .status(200)
            .header("content-type", "application/cbor")
            .header("smithy-protocol", "rpc-v2-cbor")
            .body(SdkBody::from(body))
            .unwrap(),
    )
}

fn sdk_config(endpoint: Option<&str>, http: Option<StaticReplayClient>) -> SdkConfig {
    let mut b = SdkConfig::builder()
        .behavior_version(BehaviorVersion::latest())
        .region(Region::new("us-east-1"))
        .credentials_provider(SharedCredentialsProvider::new(Credentials::new(
            "testing", "testing", None, None, "test",
        )));
    if let Some(e) = endpoint {
        b = b.endpoint_url(e);
    }
    if let Some(h) = http {
        b = b.http_client(h);
    }
    b.build()
}

/// us-east-1's monitoring read again: metric filters and SNS from moto,
/// alarms from the recorded answer; returns it with its coverage records.
fn monitoring_with_recorded_alarms(
    moto_url: &str,
) -> (
    palisade_model::monitoring::Monitoring,
    Vec<palisade_model::CoverageRecord>,
) {
    let moto_conf = sdk_config(Some(moto_url), None);
    let replay = sdk_config(None, Some(StaticReplayClient::new(vec![recorded_alarms()])));
    let coverage = Coverage::default();
    let scope = Scope::new(ACCOUNT, "aws", "us-east-1", coverage.clone());
    let rt = tokio::runtime::Runtime::new().unwrap();
    let m = rt.block_on(palisade_collect::monitoring::collect_with(
        &aws_sdk_cloudwatchlogs::Client::new(&moto_conf),
        &aws_sdk_cloudwatch::Client::new(&replay),
        &aws_sdk_sns::Client::new(&moto_conf),
        &scope,
    ));
    (m, coverage.records())
}

#[test]
fn monitoring_controls_are_judged_on_moto_filters_and_subscriptions() {
    let moto = moto();
    let mut snap = collect(&moto.url);
    let (monitoring, records) = monitoring_with_recorded_alarms(&moto.url);
    assert!(
        records.iter().all(|r| r.status == CoverageStatus::Ok),
        "{records:?}"
    );
    assert!(records.iter().any(|r| r.api == "ListSubscriptionsByTopic"));
    let account = &mut snap.accounts[0];
    // The recorded answer stands in for moto's missing CloudWatch in us-east-1;
    // eu-west-1 keeps its gap, so drop that region's alarms gap too (it has
    // no trail log group: its alarms decide nothing).
    account
        .coverage
        .retain(|c| !(c.service == "cloudwatch" && c.api == "DescribeAlarms"));
    account.coverage.extend(records);
    let us = account
        .region_data
        .iter_mut()
        .find(|d| d.region == "us-east-1")
        .unwrap();
    us.monitoring = monitoring;
    let m = &us.monitoring;
    let alarm = m
        .alarms
        .iter()
        .find(|a| a.name == "log-root-usage")
        .unwrap();
    assert_eq!(alarm.metric_name.as_deref(), Some("root-usage"));
    assert!(alarm.actions_enabled);
    let topic = |name: &str| {
        let arn = format!("arn:aws:sns:us-east-1:{ACCOUNT}:{name}");
        m.topics.iter().find(|t| t.arn == arn).expect(name)
    };
    assert_eq!(topic("log-security-alerts").confirmed(), Some(1));
    assert_eq!(topic("log-unwatched").confirmed(), Some(0));

    let results = evaluate(&snap);
    // Monitoring: an equivalent pattern passes, a filter missing one event
    // fails, a topic without a subscriber fails, a missing filter fails.
    for (key, want) in [
        ("cloudtrail-changes", Status::Pass),
        ("root-usage", Status::Pass),
        ("cmk-disable-or-deletion", Status::Pass),
        ("iam-policy-changes", Status::Fail),
        ("unauthorized-api-calls", Status::Fail),
        ("vpc-changes", Status::Fail),
        ("organizations-changes", Status::Fail),
    ] {
        let rule = format!("cloudwatch-no-alarm-{key}");
        assert_eq!(status(&results, &rule, ACCOUNT), want, "{rule}");
    }
}
