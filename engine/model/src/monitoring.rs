//! CloudWatch Logs metric filters, CloudWatch metric alarms and the SNS
//! topics alarms notify, with their subscriptions (CIS monitoring controls).

use serde::{Deserialize, Serialize};

/// Monitoring data of one region.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Default)]
#[serde(deny_unknown_fields)]
pub struct Monitoring {
    /// Every metric filter of the region (`DescribeMetricFilters`, all
    /// pages), sorted by log group then name.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub metric_filters: Vec<MetricFilter>,
    /// Every metric alarm of the region (`DescribeAlarms`, all pages),
    /// sorted by name. Composite alarms are not read.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub alarms: Vec<MetricAlarm>,
    /// The SNS topics the alarms notify, one entry per topic ARN, sorted.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub topics: Vec<AlarmTopic>,
}

/// A CloudWatch Logs metric filter.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Default)]
#[serde(deny_unknown_fields)]
pub struct MetricFilter {
    /// Filter name.
    pub name: String,
    /// The log group the filter applies to.
    pub log_group_name: String,
    /// The filter pattern as written (untrusted text).
    #[serde(default)]
    pub pattern: String,
    /// The metrics the filter publishes.
    #[serde(default)]
    pub transformations: Vec<MetricTransformation>,
}

/// The metric a filter publishes to.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Default)]
#[serde(deny_unknown_fields)]
pub struct MetricTransformation {
    /// Metric namespace.
    pub namespace: String,
    /// Metric name.
    pub name: String,
}

/// A CloudWatch metric alarm.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Default)]
#[serde(deny_unknown_fields)]
pub struct MetricAlarm {
    /// Alarm ARN.
    pub arn: String,
    /// Alarm name.
    pub name: String,
    /// Namespace of the metric the alarm watches (`None` for metric-math alarms).
    #[serde(default)]
    pub namespace: Option<String>,
    /// Name of the metric the alarm watches (`None` for metric-math alarms).
    #[serde(default)]
    pub metric_name: Option<String>,
    /// Actions run on state changes are enabled.
    #[serde(default)]
    pub actions_enabled: bool,
    /// Actions run when the alarm enters the ALARM state (SNS topic ARNs and others).
    #[serde(default)]
    pub alarm_actions: Vec<String>,
    /// `OK`, `ALARM` or `INSUFFICIENT_DATA`.
    #[serde(default)]
    pub state: Option<String>,
}

/// An SNS topic an alarm notifies, and what is known of its subscribers.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Default)]
#[serde(deny_unknown_fields)]
pub struct AlarmTopic {
    /// Topic ARN.
    pub arn: String,
    /// Subscriptions (`ListSubscriptionsByTopic`, all pages); `None` when
    /// they could not be read (see `unreadable`): never "no subscribers".
    #[serde(default)]
    pub subscriptions: Option<Vec<TopicSubscription>>,
    /// Why the subscriptions are unknown: the call failed, or the topic is
    /// in another region or account than the alarm's.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub unreadable: Option<String>,
}

impl AlarmTopic {
    /// Number of confirmed subscriptions; `None` when unknown.
    pub fn confirmed(&self) -> Option<usize> {
        self.subscriptions
            .as_ref()
            .map(|s| s.iter().filter(|s| s.confirmed).count())
    }
}

/// One subscription of a topic (the endpoint is not stored).
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Default)]
#[serde(deny_unknown_fields)]
pub struct TopicSubscription {
    /// `email`, `sms`, `https`, `lambda`, `sqs`, ...
    pub protocol: String,
    /// Confirmed: the subscription ARN is neither `PendingConfirmation` nor `Deleted`.
    pub confirmed: bool,
}
