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
    waivers: Option<toml::Spanned<PathBuf>>,
    #[serde(default)]
    history: Option<toml::Spanned<PathBuf>>,
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
        let bytes = std::fs::read(path).with_context(|| path.display().to_string())?;
        let text = String::from_utf8(bytes).map_err(|e| {
            let before = &e.as_bytes()[..e.utf8_error().valid_up_to()];
            let line = before.iter().filter(|b| **b == b'\n').count() + 1;
            let column = before.iter().rev().take_while(|b| **b != b'\n').count() + 1;
            anyhow::anyhow!("{}:{line}:{column}: not valid UTF-8", path.display())
        })?;
        Self::parse(path, &text)
    }

    /// Parses config text; `path` is used in errors (`path:line: message`).
    pub fn parse(path: &Path, text: &str) -> anyhow::Result<Self> {
        let raw: RawConfig = palisade_rules::error::parse_toml(path, text)?;
        let waivers = raw
            .waivers
            .map(|w| contained(path, text, "waivers", "--waivers", w))
            .transpose()?;
        let history = raw
            .history
            .map(|h| contained(path, text, "history", "--history-db", h))
            .transpose()?;
        Ok(Self {
            packs: raw.packs,
            fail_on: raw.fail_on,
            parameters: raw.parameters,
            waivers: waivers.map(|w| relative_to(path, w)),
            history: history.map(|h| relative_to(path, h)),
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

/// A path named by the config (`key`), refused when it leaves the config
/// file's directory: an absolute path, or `..` climbing above it. The
/// config often comes from the repository being checked (a pull request can
/// change it); it must not make Palisade read or write files elsewhere. A
/// location outside is given on the command line (`flag`) instead.
fn contained(
    config: &Path,
    text: &str,
    key: &str,
    flag: &str,
    p: toml::Spanned<PathBuf>,
) -> anyhow::Result<PathBuf> {
    use std::path::Component;
    let line = palisade_rules::error::line_of_offset(text, p.span().start);
    let value = p.into_inner();
    let mut depth = 0usize;
    let mut escapes = false;
    let mut absolute = false;
    for c in value.components() {
        match c {
            Component::Prefix(_) | Component::RootDir => absolute = true,
            Component::CurDir => {}
            Component::ParentDir => match depth.checked_sub(1) {
                Some(d) => depth = d,
                None => escapes = true,
            },
            Component::Normal(_) => depth += 1,
        }
    }
    let why = if absolute {
        "is an absolute path"
    } else if escapes {
        "leads outside the config file's directory"
    } else {
        return Ok(value);
    };
    anyhow::bail!(
        "{}:{line}: `{key}` = {:?} {why}: paths in the config are relative to its directory and stay under it (give {flag} on the command line for a file elsewhere)",
        config.display(),
        value.display().to_string()
    )
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
            "packs = [\"dr\"]\nfail_on = \"high\"\nwaivers = \"w.toml\"\nhistory = \"db/../h.sqlite\"\n[parameters]\nmax_access_key_age_days = 60\n",
        )
        .expect("parse");
        assert_eq!(c.packs, vec![Pack::Dr]);
        assert_eq!(c.fail_on, Some(Severity::High));
        assert_eq!(c.parameters.len(), 1);
        assert_eq!(c.waivers, Some(PathBuf::from("conf/w.toml")));
        assert_eq!(c.history, Some(PathBuf::from("conf/db/../h.sqlite")));
    }

    #[test]
    fn config_paths_stay_under_the_config_directory() {
        for (text, key) in [
            ("waivers = \"../w.toml\"\n", "`waivers`"),
            ("\nwaivers = \"a/../../w.toml\"\n", "`waivers`"),
            ("history = \"/var/h.sqlite\"\n", "`history`"),
        ] {
            let err = Config::parse(Path::new("conf/p.toml"), text).expect_err(text);
            let msg = format!("{err:#}");
            let line = if text.starts_with('\n') { 2 } else { 1 };
            assert!(
                msg.starts_with(&format!("conf/p.toml:{line}: {key}")),
                "{msg}"
            );
        }
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
