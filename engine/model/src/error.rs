//! Errors raised while reading or writing a snapshot file.

use std::path::PathBuf;

/// Why a snapshot could not be loaded or written.
#[derive(Debug, thiserror::Error)]
pub enum SnapshotError {
    /// The file could not be read or written.
    #[error("{path}: {source}")]
    Io {
        /// The snapshot file.
        path: PathBuf,
        /// The underlying I/O error.
        source: std::io::Error,
    },
    /// The file is not valid JSON or does not match the snapshot format.
    #[error(
        "{path}:{line}:{column}: at `{}`: {message}",
        crate::excerpt::excerpt(.json_path, 2 * crate::excerpt::MAX_QUOTED)
    )]
    Malformed {
        /// The snapshot file.
        path: PathBuf,
        /// 1-based line of the error.
        line: usize,
        /// 1-based column of the error.
        column: usize,
        /// JSON path of the offending value, e.g. `accounts[0].iam.users[3].arn`
        /// (the message shows at most 240 characters of it: a key can be long).
        json_path: String,
        /// What was wrong.
        message: String,
    },
    /// The file is well-formed JSON but violates a rule of the format.
    #[error("{path}: {message}")]
    Invalid {
        /// The snapshot file.
        path: PathBuf,
        /// What was wrong.
        message: String,
    },
}
