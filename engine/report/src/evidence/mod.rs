//! Evidence bundles for auditors: the snapshot judged, the SARIF and JSON
//! reports, per framework a per-control CSV and an OSCAL `assessment-results`
//! document, the AWS Artifact report inventory, and a manifest with the
//! SHA-256 of every file (checked again by [`manifest::verify`]).
//!
//! [`build`] renders every file into memory (a [`Bundle`]); [`write`] puts a
//! bundle on disk atomically and packs it into a reproducible `.zip`. Every
//! timestamp comes from the snapshot's scan time or the caller's
//! `generated` instant, and every list is sorted, so the same inputs give the
//! same bytes.

pub mod artifact;
pub mod controls_csv;
pub mod manifest;
pub mod oscal;
mod oscal_types;
pub mod write;

use std::collections::BTreeMap;
use std::path::PathBuf;

use chrono::{DateTime, Utc};
use palisade_rules::Framework;
use sha2::{Digest, Sha256};

use crate::sarif::SarifOptions;
use crate::{ReportError, ScanReport};

/// The manifest's file name, at the root of the bundle.
pub const MANIFEST: &str = "manifest.json";
/// The snapshot's file name in the bundle.
pub const SNAPSHOT: &str = "snapshot.json";
/// The JSON report's file name in the bundle.
pub const REPORT_JSON: &str = "report.json";
/// The SARIF report's file name in the bundle.
pub const REPORT_SARIF: &str = "report.sarif";
/// The Artifact inventory's path in the bundle.
pub const ARTIFACT: &str = "artifact/reports.json";

/// Errors building, writing or reading an evidence bundle.
#[derive(Debug, thiserror::Error)]
pub enum EvidenceError {
    /// A renderer failed.
    #[error(transparent)]
    Render(#[from] ReportError),
    /// The snapshot bytes are not the ones the report was built from.
    #[error("the snapshot bytes (sha256 {actual}) are not the snapshot judged (sha256 {expected}); was the file changed during the run?")]
    SnapshotChanged {
        /// Hash of the judged snapshot.
        expected: String,
        /// Hash of the bytes given.
        actual: String,
    },
    /// A file path in the bundle is not a safe relative path, or is used twice.
    #[error("bundle path {path:?}: {message}")]
    BadPath {
        /// The path.
        path: String,
        /// What is wrong.
        message: &'static str,
    },
    /// Reading or writing a file failed.
    #[error("{}: {source}", path.display())]
    Io {
        /// The file or directory.
        path: PathBuf,
        /// The OS error.
        source: std::io::Error,
    },
    /// The output directory exists and is not empty.
    #[error("{}: the output directory exists and is not empty (use --force to replace it)", path.display())]
    NotEmpty {
        /// The directory.
        path: PathBuf,
    },
    /// A zip archive could not be written or read.
    #[error("{}: zip: {message}", path.display())]
    Zip {
        /// The archive.
        path: PathBuf,
        /// What went wrong.
        message: String,
    },
    /// The manifest is missing or malformed.
    #[error("{path}{}: at {json_path}: {message}", if *line > 0 { format!(":{line}:{column}") } else { String::new() })]
    Manifest {
        /// Where the manifest was read from.
        path: String,
        /// 1-based line (0 when the file is missing).
        line: usize,
        /// 1-based column.
        column: usize,
        /// JSON path of the problem.
        json_path: String,
        /// What is wrong.
        message: String,
    },
}

/// What goes into a bundle besides the report itself.
pub struct EvidenceOptions<'a> {
    /// The frameworks to report on, in output order.
    pub frameworks: Vec<&'a Framework>,
    /// When the bundle was generated (`--today`, or now).
    pub generated: DateTime<Utc>,
    /// The exact bytes of the snapshot judged (its SHA-256 must be the
    /// report's snapshot hash).
    pub snapshot_bytes: &'a [u8],
    /// Further files to include, as (relative `/`-separated path, bytes):
    /// hashed and listed in the manifest like every other file (for
    /// example `index.html`, the HTML report).
    pub extra: Vec<(String, Vec<u8>)>,
}

/// A rendered bundle: relative path -> bytes, the manifest included.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Bundle {
    /// Every file, by `/`-separated relative path (sorted).
    pub files: BTreeMap<String, Vec<u8>>,
}

impl Bundle {
    /// Hex SHA-256 of the manifest (what an auditor records).
    pub fn manifest_sha256(&self) -> String {
        self.files
            .get(MANIFEST)
            .map(|b| sha256_hex(b))
            .unwrap_or_default()
    }
}

/// Hex SHA-256 of `bytes`.
pub fn sha256_hex(bytes: &[u8]) -> String {
    hex::encode(Sha256::digest(bytes))
}

/// Renders every file of the bundle for `report`. The report's
/// `snapshot_uri` should be [`SNAPSHOT`] so that its locations point at the
/// snapshot inside the bundle.
pub fn build(report: &ScanReport<'_>, opts: EvidenceOptions<'_>) -> Result<Bundle, EvidenceError> {
    let actual = sha256_hex(opts.snapshot_bytes);
    if actual != report.snapshot.sha256 {
        return Err(EvidenceError::SnapshotChanged {
            expected: report.snapshot.sha256.clone(),
            actual,
        });
    }
    let mut files: BTreeMap<String, Vec<u8>> = BTreeMap::new();
    let mut add = |path: String, bytes: Vec<u8>| -> Result<(), EvidenceError> {
        check_path(&path)?;
        if path == MANIFEST || files.contains_key(&path) {
            return Err(EvidenceError::BadPath {
                path,
                message: "used twice",
            });
        }
        files.insert(path, bytes);
        Ok(())
    };
    add(SNAPSHOT.into(), opts.snapshot_bytes.to_vec())?;
    add(
        REPORT_JSON.into(),
        crate::json::render(report, None)?.into_bytes(),
    )?;
    add(
        REPORT_SARIF.into(),
        crate::sarif::render(
            report,
            &SarifOptions {
                category: "palisade".into(),
                omit_suppressed: false,
            },
        )?
        .into_bytes(),
    )?;
    for fw in &opts.frameworks {
        let controls = crate::framework::controls(report, fw);
        add(
            format!("frameworks/{}/controls.csv", fw.id),
            controls_csv::render(&controls).into_bytes(),
        )?;
        add(
            format!("frameworks/{}/assessment-results.json", fw.id),
            oscal::render(report, fw, &controls, opts.generated)?,
        )?;
    }
    add(ARTIFACT.into(), artifact::render(report)?)?;
    for (path, bytes) in opts.extra {
        add(path, bytes)?;
    }
    let manifest = manifest::render(report, &opts.frameworks, opts.generated, &files)?;
    files.insert(MANIFEST.into(), manifest);
    Ok(Bundle { files })
}

/// A bundle path must be relative, `/`-separated, and made of plain
/// segments (letters, digits, `.`, `-`, `_`; no `.` or `..` segment).
pub fn check_path(path: &str) -> Result<(), EvidenceError> {
    let bad = |message| {
        Err(EvidenceError::BadPath {
            path: path.to_owned(),
            message,
        })
    };
    if path.is_empty() {
        return bad("empty");
    }
    for seg in path.split('/') {
        if seg.is_empty() || seg == "." || seg == ".." {
            return bad("not a plain relative path");
        }
        if !seg
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'-' | b'_'))
        {
            return bad("only letters, digits, '.', '-' and '_' are allowed in a segment");
        }
    }
    Ok(())
}

/// RFC 3339 with seconds and `Z` (what OSCAL and the manifest carry).
pub(crate) fn timestamp(t: DateTime<Utc>) -> String {
    t.to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
}

/// Serialises `value` as pretty JSON with a trailing newline.
pub(crate) fn pretty<T: serde::Serialize>(
    format: &'static str,
    value: &T,
) -> Result<Vec<u8>, ReportError> {
    let mut out = serde_json::to_vec_pretty(value).map_err(|e| ReportError::Render {
        format,
        message: e.to_string(),
    })?;
    out.push(b'\n');
    Ok(out)
}

#[cfg(test)]
mod tests;
