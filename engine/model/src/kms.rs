//! AWS KMS: keys of one region with rotation, state and key policy.

use serde::{Deserialize, Serialize};

/// KMS data of one region.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Default)]
#[serde(deny_unknown_fields)]
pub struct Kms {}
