//! Amazon S3 collector: account Block Public Access and every bucket.

use palisade_model::s3::S3;

use crate::scope::Scope;
use crate::session::Session;

/// Collects the buckets of one account. (Skeleton: filled in by issue 13's collector work.)
pub async fn collect(_s: &Session, _scope: &Scope) -> S3 {
    S3::default()
}

/// A short summary for the progress display.
pub fn counts(_v: &S3) -> String {
    String::new()
}
