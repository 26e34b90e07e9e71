//! AWS CloudTrail: trails (each listed once, under its home region), their
//! logging status and event selectors (basic and advanced).

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

/// CloudTrail data of one region.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Default)]
#[serde(deny_unknown_fields)]
pub struct CloudTrail {
    /// Trails whose home region is this region (`DescribeTrails` with shadow
    /// trails; a multi-region or organization trail homed elsewhere is
    /// listed under its home region only). Organization trails created by
    /// the management account appear in member accounts too.
    #[serde(default)]
    pub trails: Vec<Trail>,
    /// ARNs of the trails that apply to this region but are homed in
    /// another region (shadow trails), as `DescribeTrails` returned them.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub shadow_trail_arns: Vec<String>,
}

/// A trail.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Default)]
#[serde(deny_unknown_fields)]
pub struct Trail {
    /// Trail ARN.
    pub arn: String,
    /// Trail name.
    pub name: String,
    /// The region the trail was created in.
    pub home_region: String,
    /// Logs events of every region.
    #[serde(default)]
    pub is_multi_region: bool,
    /// An organization trail (logs every member account).
    #[serde(default)]
    pub is_organization_trail: bool,
    /// Logs global service events (IAM, STS, CloudFront).
    #[serde(default)]
    pub include_global_service_events: bool,
    /// Log file integrity validation is enabled.
    #[serde(default)]
    pub log_file_validation_enabled: bool,
    /// KMS key (ARN or id) encrypting the log files; `None`: SSE-S3 only.
    #[serde(default)]
    pub kms_key_id: Option<String>,
    /// Destination bucket.
    #[serde(default)]
    pub s3_bucket_name: Option<String>,
    /// Key prefix in the destination bucket.
    #[serde(default)]
    pub s3_key_prefix: Option<String>,
    /// CloudWatch Logs log group ARN receiving the events (ends in `:*`).
    #[serde(default)]
    pub cloudwatch_logs_log_group_arn: Option<String>,
    /// Role CloudTrail assumes to write to CloudWatch Logs.
    #[serde(default)]
    pub cloudwatch_logs_role_arn: Option<String>,
    /// SNS topic notified of log file delivery.
    #[serde(default)]
    pub sns_topic_arn: Option<String>,
    /// `GetTrailStatus`; `None` when it could not be read (a coverage gap).
    #[serde(default)]
    pub status: Option<TrailStatus>,
    /// `GetEventSelectors`; `None` when they could not be read (a coverage gap).
    #[serde(default)]
    pub selectors: Option<EventSelectors>,
}

/// A trail's logging status.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Default)]
#[serde(deny_unknown_fields)]
pub struct TrailStatus {
    /// The trail is logging.
    pub is_logging: bool,
    /// Last successful delivery of a log file to S3.
    #[serde(default)]
    pub latest_delivery_time: Option<DateTime<Utc>>,
    /// Error of the last failed delivery to S3, if the last one failed.
    #[serde(default)]
    pub latest_delivery_error: Option<String>,
    /// Last delivery to CloudWatch Logs.
    #[serde(default)]
    pub latest_cloudwatch_logs_delivery_time: Option<DateTime<Utc>>,
    /// Error of the last failed delivery to CloudWatch Logs.
    #[serde(default)]
    pub latest_cloudwatch_logs_delivery_error: Option<String>,
}

/// What a trail logs: basic event selectors or advanced ones (a trail has
/// one kind or the other; a trail with neither logs all management events).
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Default)]
#[serde(deny_unknown_fields)]
pub struct EventSelectors {
    /// Basic event selectors.
    #[serde(default)]
    pub basic: Vec<EventSelector>,
    /// Advanced event selectors.
    #[serde(default)]
    pub advanced: Vec<AdvancedEventSelector>,
}

/// A basic event selector.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Default)]
#[serde(deny_unknown_fields)]
pub struct EventSelector {
    /// `ReadOnly`, `WriteOnly` or `All`.
    pub read_write_type: String,
    /// Management events are logged.
    #[serde(default)]
    pub include_management_events: bool,
    /// Event sources excluded from management events (e.g. `kms.amazonaws.com`).
    #[serde(default)]
    pub exclude_management_event_sources: Vec<String>,
    /// Data events: resource type (`AWS::S3::Object`, ...) and ARN prefixes.
    #[serde(default)]
    pub data_resources: Vec<DataResource>,
}

/// Data events of one resource type in a basic selector.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Default)]
#[serde(deny_unknown_fields)]
pub struct DataResource {
    /// Resource type, e.g. `AWS::S3::Object`.
    #[serde(rename = "type")]
    pub resource_type: String,
    /// ARN prefixes (`arn:aws:s3` or `arn:aws:s3:::bucket/` ...).
    #[serde(default)]
    pub values: Vec<String>,
}

/// An advanced event selector: every field selector must match.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Default)]
#[serde(deny_unknown_fields)]
pub struct AdvancedEventSelector {
    /// Selector name.
    #[serde(default)]
    pub name: Option<String>,
    /// Field conditions.
    #[serde(default)]
    pub field_selectors: Vec<FieldSelector>,
}

/// One field condition of an advanced event selector.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Default)]
#[serde(deny_unknown_fields)]
pub struct FieldSelector {
    /// Field: `eventCategory`, `resources.type`, `readOnly`, `eventSource`,
    /// `eventName`, `resources.ARN`, ...
    pub field: String,
    /// Any of these values.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub equals: Vec<String>,
    /// None of these values.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub not_equals: Vec<String>,
    /// Starts with any of these.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub starts_with: Vec<String>,
    /// Starts with none of these.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub not_starts_with: Vec<String>,
    /// Ends with any of these.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub ends_with: Vec<String>,
    /// Ends with none of these.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub not_ends_with: Vec<String>,
}
