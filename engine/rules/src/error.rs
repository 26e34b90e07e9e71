//! Errors raised while loading rule packs and config, each naming a file and,
//! where known, a line.

use std::fmt;
use std::path::PathBuf;

/// A position in a file (1-based line; 0 when unknown).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Location {
    /// The file.
    pub path: PathBuf,
    /// 1-based line, or 0 when the error concerns the whole file.
    pub line: usize,
}

impl fmt::Display for Location {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.line > 0 {
            write!(f, "{}:{}", self.path.display(), self.line)
        } else {
            write!(f, "{}", self.path.display())
        }
    }
}

/// Why a rule pack or config could not be loaded.
#[derive(Debug, thiserror::Error)]
pub enum RulesError {
    /// A file could not be read.
    #[error("{path}: {source}")]
    Io {
        /// The file.
        path: PathBuf,
        /// Underlying error.
        source: std::io::Error,
    },
    /// One or more problems, each with its location. All are reported at once
    /// so a rule author fixes them in one pass.
    #[error("{}", render(.0))]
    Invalid(Vec<(Location, String)>),
}

fn render(items: &[(Location, String)]) -> String {
    items
        .iter()
        .map(|(loc, msg)| format!("{loc}: {msg}"))
        .collect::<Vec<_>>()
        .join("\n")
}

impl RulesError {
    /// A single problem at `path:line`.
    pub fn at(path: impl Into<PathBuf>, line: usize, message: impl Into<String>) -> Self {
        RulesError::Invalid(vec![(
            Location {
                path: path.into(),
                line,
            },
            message.into(),
        )])
    }
}

/// 1-based line of byte `offset` in `text`.
pub fn line_of_offset(text: &str, offset: usize) -> usize {
    text.as_bytes()[..offset.min(text.len())]
        .iter()
        .filter(|b| **b == b'\n')
        .count()
        + 1
}

/// Parses TOML `text`, turning a syntax or shape error into a
/// [`RulesError`] at `path:line`.
pub fn parse_toml<T: serde::de::DeserializeOwned>(
    path: &std::path::Path,
    text: &str,
) -> Result<T, RulesError> {
    toml::from_str(text).map_err(|e| {
        let line = e.span().map(|s| line_of_offset(text, s.start)).unwrap_or(0);
        let mut message = e.message().to_owned();
        // Name the key when the message does not ("wanted string or table").
        if let Some(key) = text
            .lines()
            .nth(line.saturating_sub(1))
            .and_then(|l| l.split_once('='))
            .map(|(k, _)| k.trim())
            .filter(|k| {
                !k.is_empty()
                    && k.len() <= 64
                    && k.bytes()
                        .all(|b| b.is_ascii_alphanumeric() || b"_-.\"".contains(&b))
            })
        {
            if !message.contains(key) {
                message.push_str(&format!(" (at `{key}`)"));
            }
        }
        RulesError::at(path, line, message)
    })
}
