//! Import errors: always the file and the position, so a user can fix the
//! input (exit code 2 in the CLI).

use crate::value::Pos;

/// A template or plan that cannot be read: malformed YAML/JSON, an unknown
/// intrinsic function, a cycle in `Conditions`, a wrongly shaped value.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{file}:{}:{}: {message}", pos.line, pos.column)]
pub struct ImportError {
    /// The file, as given to the importer.
    pub file: String,
    /// Where in it.
    pub pos: Pos,
    /// What is wrong.
    pub message: String,
}

impl ImportError {
    /// An error at `pos` of `file`.
    pub fn new(file: &str, pos: Pos, message: impl Into<String>) -> Self {
        ImportError {
            file: file.to_owned(),
            pos,
            message: message.into(),
        }
    }
}
