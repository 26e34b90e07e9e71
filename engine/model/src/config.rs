//! AWS Config: configuration recorders, their status and delivery channels.

use serde::{Deserialize, Serialize};

/// AWS Config data of one region.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Default)]
#[serde(deny_unknown_fields)]
pub struct ConfigService {
    /// Configuration recorders (at most one per region in practice).
    #[serde(default)]
    pub recorders: Vec<ConfigRecorder>,
    /// Delivery channels.
    #[serde(default)]
    pub delivery_channels: Vec<DeliveryChannel>,
}

/// A configuration recorder and its status.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Default)]
#[serde(deny_unknown_fields)]
pub struct ConfigRecorder {
    /// Recorder ARN (synthesised as `arn:aws:config:REGION:ACCOUNT:config-recorder/NAME`).
    pub arn: String,
    /// Recorder name.
    pub name: String,
    /// Service role.
    #[serde(default)]
    pub role_arn: Option<String>,
    /// Records all supported resource types.
    #[serde(default)]
    pub all_supported: bool,
    /// Records global resource types (IAM).
    #[serde(default)]
    pub include_global_resource_types: bool,
    /// Explicit resource types when not all supported.
    #[serde(default)]
    pub resource_types: Vec<String>,
    /// The recorder is running.
    #[serde(default)]
    pub recording: bool,
    /// Last status (`SUCCESS`, `FAILURE`, `PENDING`).
    #[serde(default)]
    pub last_status: Option<String>,
}

/// A delivery channel.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Default)]
#[serde(deny_unknown_fields)]
pub struct DeliveryChannel {
    /// Channel name.
    pub name: String,
    /// Target bucket.
    #[serde(default)]
    pub s3_bucket_name: Option<String>,
}
