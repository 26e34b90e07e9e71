//! Amazon RDS (DB instances and clusters) and Amazon EFS file systems of one
//! region.

use serde::{Deserialize, Serialize};

/// RDS data of one region.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Default)]
#[serde(deny_unknown_fields)]
pub struct Rds {}

/// EFS data of one region.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Default)]
#[serde(deny_unknown_fields)]
pub struct Efs {}
