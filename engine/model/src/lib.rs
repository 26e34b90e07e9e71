//! The Palisade resource graph: typed AWS resources, ids, relations and the
//! versioned snapshot file format (`palisade-snapshot`, version 1).
//!
//! This crate does no I/O to AWS and knows nothing about Cedar. Collectors
//! produce a [`Snapshot`]; the evaluator and reporters consume one. See
//! `docs/snapshot-format.md` for the file format.

pub mod backup;
pub mod cloudtrail;
pub mod compute;
pub mod config;
pub mod credential_report;
pub mod databases;
pub mod detection;
pub mod duplicates;
pub mod ec2;
pub mod elb;
pub mod error;
pub mod excerpt;
pub mod iam;
pub mod kms;
pub mod load;
pub mod merge;
pub mod monitoring;
pub mod organization;
pub mod policy;
pub mod routing;
pub mod s3;
pub mod service;
pub mod snapshot;
pub mod source;
pub mod waf;

pub use error::SnapshotError;
pub use load::{LineIndex, LoadedSnapshot, SnapshotReader};
pub use service::{Operation, Service, UnknownService, OPERATIONS};
pub use snapshot::{
    Account, ArtifactAgreement, ArtifactReport, CoverageRecord, CoverageStatus, RegionData,
    Snapshot,
};
pub use source::{Origin, SourceLocation, UnknownValue};

/// The `format` marker every snapshot file carries.
pub const SNAPSHOT_FORMAT: &str = "palisade-snapshot";
/// The snapshot format version this build reads and writes.
pub const SNAPSHOT_VERSION: u32 = 1;
/// The pseudo-region used for global services (IAM, Artifact).
pub const GLOBAL_REGION: &str = "global";
