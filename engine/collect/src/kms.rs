//! AWS KMS collector: keys, rotation status and key policies.

use palisade_model::kms::Kms;

use crate::scope::Scope;
use crate::session::Session;

/// Collects the KMS keys of one region. (Skeleton: filled in by issue 13's collector work.)
pub async fn collect(_s: &Session, _scope: &Scope) -> Kms {
    Kms::default()
}

/// A short summary for the progress display.
pub fn counts(_v: &Kms) -> String {
    String::new()
}
