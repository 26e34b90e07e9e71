//! CloudTrail collector: trails homed in the region, their status and event selectors.

use palisade_model::cloudtrail::CloudTrail;

use crate::scope::Scope;
use crate::session::Session;

/// Collects the trails of one region. (Skeleton: filled in by issue 13's collector work.)
pub async fn collect(_s: &Session, _scope: &Scope) -> CloudTrail {
    CloudTrail::default()
}

/// A short summary for the progress display.
pub fn counts(_v: &CloudTrail) -> String {
    String::new()
}
