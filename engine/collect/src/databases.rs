//! Amazon RDS and Amazon EFS collectors.

use palisade_model::databases::Efs;
use palisade_model::databases::Rds;

use crate::scope::Scope;
use crate::session::Session;

/// Collects the RDS instances and clusters of one region. (Skeleton: filled in by issue 13's collector work.)
pub async fn rds(_s: &Session, _scope: &Scope) -> Rds {
    Rds::default()
}

/// A short summary for the progress display.
pub fn rds_counts(_v: &Rds) -> String {
    String::new()
}

/// Collects the EFS file systems of one region. (Skeleton: filled in by issue 13's collector work.)
pub async fn efs(_s: &Session, _scope: &Scope) -> Efs {
    Efs::default()
}

/// A short summary for the progress display.
pub fn efs_counts(_v: &Efs) -> String {
    String::new()
}
