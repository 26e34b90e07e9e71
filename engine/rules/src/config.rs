//! `palisade.toml`: packs, severity threshold and parameter overrides.
//! Unknown keys are errors, reported with the file and line.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde::Deserialize;

use crate::error::{parse_toml, RulesError};
use crate::metadata::{Pack, Severity};

/// A parsed `palisade.toml`.
#[derive(Debug, Clone, Default)]
pub struct Config {
    /// Packs to evaluate (empty: all).
    pub packs: Vec<Pack>,
    /// Exit 1 when a finding at or above this severity is open.
    pub fail_on: Option<Severity>,
    /// Parameter overrides.
    pub parameters: BTreeMap<String, toml::Value>,
    /// Waiver file, relative to the config file's directory.
    pub waivers: Option<PathBuf>,
    /// History database, relative to the config file's directory.
    pub history: Option<PathBuf>,
    /// The file the config came from.
    pub path: PathBuf,
    /// Its text (for locating keys in later errors).
    pub text: String,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawConfig {
    #[serde(default)]
    packs: Vec<Pack>,
    #[serde(default)]
    fail_on: Option<Severity>,
    #[serde(default)]
    parameters: BTreeMap<String, toml::Value>,
    #[serde(default)]
    waivers: Option<PathBuf>,
    #[serde(default)]
    history: Option<PathBuf>,
}

impl Config {
    /// Reads and parses a config file.
    pub fn load(path: &Path) -> Result<Self, RulesError> {
        let text = std::fs::read_to_string(path).map_err(|source| RulesError::Io {
            path: path.to_owned(),
            source,
        })?;
        Self::parse(path, &text)
    }

    /// Parses config text; `path` is used in errors.
    pub fn parse(path: &Path, text: &str) -> Result<Self, RulesError> {
        let raw: RawConfig = parse_toml(path, text)?;
        Ok(Self {
            packs: raw.packs,
            fail_on: raw.fail_on,
            parameters: raw.parameters,
            waivers: raw.waivers.map(|w| relative_to(path, w)),
            history: raw.history.map(|h| relative_to(path, h)),
            path: path.to_owned(),
            text: text.to_owned(),
        })
    }
}

/// Resolves a path from the config relative to the config file's directory.
fn relative_to(config: &Path, p: PathBuf) -> PathBuf {
    match config.parent() {
        Some(dir) if p.is_relative() => dir.join(p),
        _ => p,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unknown_key_is_reported_with_line() {
        let err = Config::parse(
            Path::new("palisade.toml"),
            "packs = [\"security\"]\nfail_onn = \"high\"\n",
        )
        .expect_err("must fail");
        assert!(err.to_string().starts_with("palisade.toml:2:"), "{err}");
    }

    #[test]
    fn valid_config_parses() {
        let c = Config::parse(
            Path::new("p.toml"),
            "packs = [\"dr\"]\nfail_on = \"high\"\n[parameters]\nmax_access_key_age_days = 60\n",
        )
        .expect("parse");
        assert_eq!(c.packs, vec![Pack::Dr]);
        assert_eq!(c.fail_on, Some(Severity::High));
        assert_eq!(c.parameters.len(), 1);
    }
}
