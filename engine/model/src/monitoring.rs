//! CloudWatch Logs metric filters, CloudWatch metric alarms and the SNS
//! topics alarms notify, with their subscriptions (CIS monitoring controls).

use serde::{Deserialize, Serialize};

/// Monitoring data of one region.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Default)]
#[serde(deny_unknown_fields)]
pub struct Monitoring {}
