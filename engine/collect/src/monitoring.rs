//! CloudWatch Logs metric filters, the CloudWatch alarms on their metrics
//! and the SNS topics those alarms notify (the CIS monitoring controls).
//!
//! One task per region (the Logs task): every metric filter
//! (`DescribeMetricFilters`, all pages), the metric alarms
//! (`DescribeAlarms`, all pages, always read) whose metric is one a filter
//! publishes (the others are not kept), and
//! for each SNS topic those alarms notify, `ListSubscriptionsByTopic` (all
//! pages). A topic in another region or account than the alarm's is not
//! read: it is recorded as unreadable, never as "no subscribers".

use std::collections::BTreeSet;

use aws_sdk_cloudwatch::types::AlarmType;
use palisade_model::monitoring::{
    AlarmTopic, MetricAlarm, MetricFilter, MetricTransformation, Monitoring, TopicSubscription,
};

use crate::ops;
use crate::pages::{drain, Listing};
use crate::scope::Scope;
use crate::session::{self, Session};

/// Collects the metric filters, alarms and topics of one region.
pub async fn collect(s: &Session, scope: &Scope) -> Monitoring {
    let region = scope.region.as_str();
    collect_with(
        &session::logs(s, region),
        &session::cloudwatch(s, region),
        &session::sns(s, region),
        scope,
    )
    .await
}

/// Collects with the given clients (all in `scope`'s region).
pub async fn collect_with(
    logs: &aws_sdk_cloudwatchlogs::Client,
    cw: &aws_sdk_cloudwatch::Client,
    sns: &aws_sdk_sns::Client,
    scope: &Scope,
) -> Monitoring {
    let filters = drain(
        scope,
        &ops::LOGS_DESCRIBE_METRIC_FILTERS,
        logs.describe_metric_filters().into_paginator().send(),
    )
    .await
    .flat_map(|p| p.metric_filters().iter().filter_map(filter))
    .with_partial();
    let mut metric_filters = filters;
    metric_filters.sort_by(|a, b| (&a.log_group_name, &a.name).cmp(&(&b.log_group_name, &b.name)));
    let metrics: BTreeSet<(&str, &str)> = metric_filters
        .iter()
        .flat_map(|f| &f.transformations)
        .map(|t| (t.namespace.as_str(), t.name.as_str()))
        .collect();
    // Always read (even without filters), so the region's alarms are
    // covered: an unread region is a gap, never "no alarm".
    let mut alarms: Vec<MetricAlarm> = drain(
        scope,
        &ops::CLOUDWATCH_DESCRIBE_ALARMS,
        cw.describe_alarms()
            .alarm_types(AlarmType::MetricAlarm)
            .into_paginator()
            .send(),
    )
    .await
    .flat_map(|p| p.metric_alarms().iter().filter_map(alarm))
    .with_partial()
    .into_iter()
    .filter(|a| match (&a.namespace, &a.metric_name) {
        (Some(ns), Some(n)) => metrics.contains(&(ns.as_str(), n.as_str())),
        _ => false,
    })
    .collect();
    alarms.sort_by(|a, b| a.arn.cmp(&b.arn));
    let topic_arns: BTreeSet<&str> = alarms
        .iter()
        .flat_map(|a| &a.alarm_actions)
        .map(String::as_str)
        .filter(|a| a.split(':').nth(2) == Some("sns"))
        .collect();
    let mut topics = Vec::new();
    for arn in topic_arns {
        topics.push(topic(sns, scope, arn).await);
    }
    Monitoring {
        metric_filters,
        alarms,
        topics,
    }
}

fn filter(f: &aws_sdk_cloudwatchlogs::types::MetricFilter) -> Option<MetricFilter> {
    Some(MetricFilter {
        name: f.filter_name()?.to_owned(),
        log_group_name: f.log_group_name()?.to_owned(),
        pattern: f.filter_pattern().unwrap_or_default().to_owned(),
        transformations: f
            .metric_transformations()
            .iter()
            .map(|t| MetricTransformation {
                namespace: t.metric_namespace().to_owned(),
                name: t.metric_name().to_owned(),
            })
            .collect(),
    })
}

fn alarm(a: &aws_sdk_cloudwatch::types::MetricAlarm) -> Option<MetricAlarm> {
    Some(MetricAlarm {
        arn: a.alarm_arn()?.to_owned(),
        name: a.alarm_name()?.to_owned(),
        namespace: a.namespace().map(str::to_owned),
        metric_name: a.metric_name().map(str::to_owned),
        // AWS's default when absent is true.
        actions_enabled: a.actions_enabled().unwrap_or(true),
        alarm_actions: a.alarm_actions().to_vec(),
        state: a.state_value().map(|s| s.as_str().to_owned()),
    })
}

/// The subscriptions of topic `arn`, or why they are unknown.
async fn topic(sns: &aws_sdk_sns::Client, scope: &Scope, arn: &str) -> AlarmTopic {
    let parts: Vec<&str> = arn.split(':').collect();
    let (region, account) = (
        parts.get(3).copied().unwrap_or(""),
        parts.get(4).copied().unwrap_or(""),
    );
    let unreadable = |why: String| AlarmTopic {
        arn: arn.to_owned(),
        subscriptions: None,
        unreadable: Some(why),
    };
    if account != scope.account {
        return unreadable(format!(
            "the topic belongs to account {account:?}, whose subscriptions this account cannot list"
        ));
    }
    if region != scope.region {
        return unreadable(format!(
            "the topic is in region {region:?}, not the alarm's region"
        ));
    }
    let listing = drain(
        scope,
        &ops::SNS_LIST_SUBSCRIPTIONS_BY_TOPIC,
        sns.list_subscriptions_by_topic()
            .topic_arn(arn)
            .into_paginator()
            .send(),
    )
    .await
    .flat_map(|p| {
        p.subscriptions().iter().map(|s| TopicSubscription {
            protocol: s.protocol().unwrap_or_default().to_owned(),
            confirmed: s
                .subscription_arn()
                .is_some_and(|a| !a.is_empty() && a != "PendingConfirmation" && a != "Deleted"),
        })
    });
    match listing {
        Listing::Complete(subs) => AlarmTopic {
            arn: arn.to_owned(),
            subscriptions: Some(subs),
            unreadable: None,
        },
        Listing::Partial(_, e) => unreadable(format!("ListSubscriptionsByTopic failed: {e}")),
    }
}

/// A short summary for the progress display.
pub fn counts(v: &Monitoring) -> String {
    format!(
        "{} metric filters, {} alarms on them, {} topics",
        v.metric_filters.len(),
        v.alarms.len(),
        v.topics.len()
    )
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]

    use aws_smithy_http_client::test_util::ReplayEvent;
    use aws_smithy_types::body::SdkBody;

    use super::*;
    use palisade_test_kit::cbor::Cbor;

    use crate::replay::{config, event, scope};

    const LOGS: &str = "https://logs.eu-west-1.amazonaws.com/";
    const CW: &str = "https://monitoring.eu-west-1.amazonaws.com/";
    const SNS: &str = "https://sns.eu-west-1.amazonaws.com/";

    fn cbor_event(body: &Cbor) -> ReplayEvent {
        let bytes = body.encode();
        ReplayEvent::new(
            http::Request::builder()
                .method("POST")
                .uri(CW)
                .body(SdkBody::empty())
                .unwrap(),
            http::Response::builder()
                .status(200)
                .header("content-type", "application/cbor")
                .header("smithy-protocol", "rpc-v2-cbor")
                .body(SdkBody::from(bytes))
                .unwrap(),
        )
    }

    fn alarms_page(next: Option<&str>, alarms: Vec<Cbor>) -> ReplayEvent {
        let mut kv = vec![("MetricAlarms", Cbor::Array(alarms))];
        if let Some(n) = next {
            kv.push(("NextToken", Cbor::Text(n.to_owned())));
        }
        cbor_event(&Cbor::Map(kv))
    }

    fn alarm_c(name: &str, metric: &str, topic: &str) -> Cbor {
        Cbor::Map(vec![
            ("AlarmName", Cbor::Text(name.to_owned())),
            (
                "AlarmArn",
                Cbor::Text(format!(
                    "arn:aws:cloudwatch:eu-west-1:111111111111:alarm:{name}"
                )),
            ),
            ("ActionsEnabled", Cbor::Bool(true)),
            (
                "AlarmActions",
                Cbor::Array(vec![Cbor::Text(topic.to_owned())]),
            ),
            ("StateValue", Cbor::Text("OK".to_owned())),
            ("MetricName", Cbor::Text(metric.to_owned())),
            ("Namespace", Cbor::Text("CIS".to_owned())),
        ])
    }

    #[tokio::test]
    async fn filters_alarms_and_topics_are_read_across_pages() {
        let own = "arn:aws:sns:eu-west-1:111111111111:alerts";
        let foreign = "arn:aws:sns:eu-west-1:222222222222:central";
        let (conf, _http) = config(vec![
            event(
                "POST",
                LOGS,
                200,
                r#"{"metricFilters":[{"filterName":"root","logGroupName":"trail","filterPattern":"{ $.userIdentity.type = \"Root\" }","metricTransformations":[{"metricName":"RootUsage","metricNamespace":"CIS","metricValue":"1"}]}],"nextToken":"p2"}"#,
            ),
            event(
                "POST",
                LOGS,
                200,
                r#"{"metricFilters":[{"filterName":"trail-changes","logGroupName":"trail","filterPattern":"{ $.eventName = DeleteTrail }","metricTransformations":[{"metricName":"TrailChanges","metricNamespace":"CIS","metricValue":"1"}]}]}"#,
            ),
            alarms_page(Some("a2"), vec![alarm_c("root", "RootUsage", own)]),
            alarms_page(
                None,
                vec![
                    alarm_c("trail", "TrailChanges", foreign),
                    alarm_c("cpu", "CPUUtilization", own),
                ],
            ),
            event(
                "POST",
                SNS,
                200,
                r#"<ListSubscriptionsByTopicResponse xmlns="http://sns.amazonaws.com/doc/2010-03-31/"><ListSubscriptionsByTopicResult><Subscriptions><member><SubscriptionArn>PendingConfirmation</SubscriptionArn><Protocol>email</Protocol><TopicArn>arn:aws:sns:eu-west-1:111111111111:alerts</TopicArn></member><member><SubscriptionArn>arn:aws:sns:eu-west-1:111111111111:alerts:1</SubscriptionArn><Protocol>sqs</Protocol><TopicArn>arn:aws:sns:eu-west-1:111111111111:alerts</TopicArn></member></Subscriptions></ListSubscriptionsByTopicResult></ListSubscriptionsByTopicResponse>"#,
            ),
        ]);
        let logs = aws_sdk_cloudwatchlogs::Client::new(&conf);
        let cw = aws_sdk_cloudwatch::Client::new(&conf);
        let sns = aws_sdk_sns::Client::new(&conf);
        let (scope, coverage) = scope();
        let m = collect_with(&logs, &cw, &sns, &scope).await;
        assert_eq!(m.metric_filters.len(), 2);
        assert_eq!(m.metric_filters[0].name, "root");
        assert_eq!(
            m.metric_filters[0].pattern,
            r#"{ $.userIdentity.type = "Root" }"#
        );
        let names: Vec<_> = m.alarms.iter().map(|a| a.name.as_str()).collect();
        assert_eq!(
            names,
            ["root", "trail"],
            "the CPU alarm watches no filter's metric"
        );
        assert_eq!(m.topics.len(), 2);
        let by = |arn: &str| m.topics.iter().find(|t| t.arn == arn).unwrap();
        assert_eq!(by(own).confirmed(), Some(1), "pending is not confirmed");
        assert_eq!(
            by(foreign).confirmed(),
            None,
            "another account's topic is unknown"
        );
        assert!(by(foreign)
            .unreadable
            .as_deref()
            .unwrap()
            .contains("222222222222"));
        assert!(coverage.records().iter().all(|r| !r.is_gap()));
    }

    #[tokio::test]
    async fn a_failed_subscription_listing_is_unknown_and_a_gap() {
        let (conf, _http) = config(vec![
            event(
                "POST",
                LOGS,
                200,
                r#"{"metricFilters":[{"filterName":"root","logGroupName":"trail","filterPattern":"x","metricTransformations":[{"metricName":"RootUsage","metricNamespace":"CIS","metricValue":"1"}]}]}"#,
            ),
            alarms_page(
                None,
                vec![alarm_c(
                    "root",
                    "RootUsage",
                    "arn:aws:sns:eu-west-1:111111111111:t",
                )],
            ),
            event(
                "POST",
                SNS,
                403,
                r#"<ErrorResponse><Error><Type>Sender</Type><Code>AuthorizationError</Code><Message>denied</Message></Error></ErrorResponse>"#,
            ),
        ]);
        let (scope, coverage) = scope();
        let m = collect_with(
            &aws_sdk_cloudwatchlogs::Client::new(&conf),
            &aws_sdk_cloudwatch::Client::new(&conf),
            &aws_sdk_sns::Client::new(&conf),
            &scope,
        )
        .await;
        assert_eq!(m.topics[0].subscriptions, None);
        assert!(m.topics[0]
            .unreadable
            .as_deref()
            .unwrap()
            .contains("AuthorizationError"));
        assert_eq!(coverage.gap_apis(), ["ListSubscriptionsByTopic"]);
    }
}
