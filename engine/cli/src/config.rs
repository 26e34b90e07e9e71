//! `palisade.toml`, the project config: packs, the gate threshold, the waiver
//! file, the history database and rule parameter overrides. Command-line
//! flags win over it. Unknown keys are errors naming the file and line; the
//! parameter overrides are checked against the rule pack by
//! [`palisade_rules::Params::with_overrides`].

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use anyhow::Context as _;
use palisade_rules::{Pack, Params, RulePack, Severity};
use serde::Deserialize;

/// The config file read when `--config` is not given and it exists.
pub const DEFAULT_CONFIG: &str = "palisade.toml";

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
    /// The config: the explicit path, or `./palisade.toml` when present.
    pub fn find(explicit: Option<&Path>) -> anyhow::Result<Option<Self>> {
        let path = match explicit {
            Some(p) => p.to_owned(),
            None => {
                let p = PathBuf::from(DEFAULT_CONFIG);
                if !p.is_file() {
                    return Ok(None);
                }
                p
            }
        };
        Self::load(&path).map(Some)
    }

    /// Reads and parses a config file.
    pub fn load(path: &Path) -> anyhow::Result<Self> {
        let text = std::fs::read_to_string(path).with_context(|| path.display().to_string())?;
        Self::parse(path, &text)
    }

    /// Parses config text; `path` is used in errors (`path:line: message`).
    pub fn parse(path: &Path, text: &str) -> anyhow::Result<Self> {
        let raw: RawConfig = palisade_rules::error::parse_toml(path, text)?;
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

/// Parameters: the pack's defaults, overridden by the config.
pub fn params(pack: &RulePack, config: Option<&Config>) -> anyhow::Result<Params> {
    Ok(match config {
        Some(c) => pack
            .defaults
            .with_overrides(&pack.schema, &c.parameters, &c.path, &c.text)?,
        None => pack.defaults.clone(),
    })
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
        assert!(
            format!("{err:#}").starts_with("palisade.toml:2: unknown field `fail_onn`"),
            "{err:#}"
        );
    }

    #[test]
    fn valid_config_parses() {
        let c = Config::parse(
            Path::new("conf/p.toml"),
            "packs = [\"dr\"]\nfail_on = \"high\"\nwaivers = \"w.toml\"\nhistory = \"/var/h.sqlite\"\n[parameters]\nmax_access_key_age_days = 60\n",
        )
        .expect("parse");
        assert_eq!(c.packs, vec![Pack::Dr]);
        assert_eq!(c.fail_on, Some(Severity::High));
        assert_eq!(c.parameters.len(), 1);
        assert_eq!(c.waivers, Some(PathBuf::from("conf/w.toml")));
        assert_eq!(c.history, Some(PathBuf::from("/var/h.sqlite")));
    }

    #[test]
    fn missing_file_names_it_and_the_os_error() {
        let err = Config::load(Path::new("no/such/palisade.toml")).expect_err("missing");
        let msg = format!("{err:#}");
        assert!(msg.starts_with("no/such/palisade.toml: "), "{msg}");
        assert!(
            err.root_cause().downcast_ref::<std::io::Error>().is_some(),
            "{msg}"
        );
    }
}
