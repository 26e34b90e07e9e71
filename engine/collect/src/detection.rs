//! GuardDuty detectors, Security Hub and IAM Access Analyzer collectors.

use palisade_model::detection::AccessAnalyzer;
use palisade_model::detection::GuardDuty;
use palisade_model::detection::SecurityHub;

use crate::scope::Scope;
use crate::session::Session;

/// Collects the GuardDuty detectors of one region. (Skeleton: filled in by issue 13's collector work.)
pub async fn guardduty(_s: &Session, _scope: &Scope) -> GuardDuty {
    GuardDuty::default()
}

/// A short summary for the progress display.
pub fn guardduty_counts(_v: &GuardDuty) -> String {
    String::new()
}

/// Collects Security Hub of one region. (Skeleton: filled in by issue 13's collector work.)
pub async fn securityhub(_s: &Session, _scope: &Scope) -> SecurityHub {
    SecurityHub::default()
}

/// A short summary for the progress display.
pub fn securityhub_counts(_v: &SecurityHub) -> String {
    String::new()
}

/// Collects the Access Analyzer analyzers of one region. (Skeleton: filled in by issue 13's collector work.)
pub async fn access_analyzer(_s: &Session, _scope: &Scope) -> AccessAnalyzer {
    AccessAnalyzer::default()
}

/// A short summary for the progress display.
pub fn access_analyzer_counts(_v: &AccessAnalyzer) -> String {
    String::new()
}
