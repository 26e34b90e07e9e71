//! Errors reading a waiver file or a baseline report, each naming the file
//! and, where known, the line.

use std::path::PathBuf;

/// Why a waiver file or a baseline could not be read.
#[derive(Debug, thiserror::Error)]
pub enum TriageError {
    /// The file could not be read.
    #[error("{path}: {source}")]
    Io {
        /// The file.
        path: PathBuf,
        /// Underlying error.
        source: std::io::Error,
    },
    /// The file is invalid.
    #[error("{path}:{line}: {message}")]
    Invalid {
        /// The file.
        path: PathBuf,
        /// 1-based line (0 if unknown).
        line: usize,
        /// What is wrong.
        message: String,
    },
}

impl TriageError {
    /// Reads `path` to a string, or an [`TriageError::Io`] naming it.
    pub(crate) fn read(path: &std::path::Path) -> Result<String, TriageError> {
        std::fs::read_to_string(path).map_err(|source| TriageError::Io {
            path: path.to_owned(),
            source,
        })
    }
}
