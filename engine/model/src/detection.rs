//! Threat detection and posture services of one region: GuardDuty
//! detectors, Security Hub and IAM Access Analyzer.

use serde::{Deserialize, Serialize};

/// GuardDuty data of one region.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Default)]
#[serde(deny_unknown_fields)]
pub struct GuardDuty {}

/// Security Hub data of one region.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Default)]
#[serde(deny_unknown_fields)]
pub struct SecurityHub {}

/// IAM Access Analyzer data of one region.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Default)]
#[serde(deny_unknown_fields)]
pub struct AccessAnalyzer {}
