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
    #[error("{}{}: {message}", path.display(), if *line > 0 { format!(":{line}") } else { String::new() })]
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
    /// Reads `path` to a string, or an [`TriageError::Io`] naming it; text
    /// that is not UTF-8 is an [`TriageError::Invalid`] at the first bad
    /// byte's line and column.
    pub(crate) fn read(path: &std::path::Path) -> Result<String, TriageError> {
        let bytes = std::fs::read(path).map_err(|source| TriageError::Io {
            path: path.to_owned(),
            source,
        })?;
        String::from_utf8(bytes).map_err(|e| {
            let bytes = e.as_bytes();
            let before = &bytes[..e.utf8_error().valid_up_to()];
            let line = before.iter().filter(|b| **b == b'\n').count() + 1;
            let column = before.iter().rev().take_while(|b| **b != b'\n').count() + 1;
            TriageError::Invalid {
                path: path.to_owned(),
                line,
                message: format!("column {column}: not valid UTF-8"),
            }
        })
    }
}
