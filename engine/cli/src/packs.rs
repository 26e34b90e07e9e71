//! Finding and loading the rule packs and the config.

use std::path::{Path, PathBuf};

use anyhow::{bail, Context as _};
use palisade_rules::{Config, Pack, Params, RulePack};

use crate::args::PackDirs;

/// Resolves the policies and rules directories.
pub fn dirs(d: &PackDirs) -> (PathBuf, PathBuf) {
    let policies = d.policies.clone().unwrap_or_else(|| {
        let local = PathBuf::from("policies");
        if local.join("schema.cedarschema").is_file() {
            return local;
        }
        if let Some(home) = std::env::var_os("PALISADE_HOME") {
            return PathBuf::from(home).join("policies");
        }
        Path::new(env!("CARGO_MANIFEST_DIR")).join("../../policies")
    });
    let rules = d.rules.clone().unwrap_or_else(|| {
        policies
            .parent()
            .map(|p| p.join("rules"))
            .unwrap_or_else(|| PathBuf::from("rules"))
    });
    (policies, rules)
}

/// Loads and validates the rule packs.
pub fn load(d: &PackDirs) -> anyhow::Result<RulePack> {
    let (policies, rules) = dirs(d);
    RulePack::load(&policies, &rules).map_err(|e| anyhow::anyhow!("invalid rule pack:\n{e}"))
}

/// Loads the config: the explicit path, or `./palisade.toml` when present.
pub fn config(explicit: Option<&Path>) -> anyhow::Result<Option<Config>> {
    let path = match explicit {
        Some(p) => p.to_owned(),
        None => {
            let p = PathBuf::from("palisade.toml");
            if !p.is_file() {
                return Ok(None);
            }
            p
        }
    };
    Config::load(&path)
        .map(Some)
        .map_err(|e| anyhow::anyhow!("{e}"))
}

/// Parameters: defaults overridden by the config.
pub fn params(pack: &RulePack, config: Option<&Config>) -> anyhow::Result<Params> {
    match config {
        Some(c) => pack
            .defaults
            .with_overrides(&pack.schema, &c.parameters, &c.path, &c.text)
            .map_err(|e| anyhow::anyhow!("{e}")),
        None => Ok(pack.defaults.clone()),
    }
}

/// Parses pack names.
pub fn parse_packs(names: &[String]) -> anyhow::Result<Vec<Pack>> {
    names
        .iter()
        .map(|n| {
            Pack::parse(n).with_context(|| {
                format!("unknown pack {n:?} (expected security, compliance, dr or cost)")
            })
        })
        .collect::<anyhow::Result<Vec<_>>>()
        .and_then(|v| {
            if v.is_empty() && !names.is_empty() {
                bail!("no packs selected")
            }
            Ok(v)
        })
}
