//! Finding and loading the rule packs.

use std::path::{Path, PathBuf};

use anyhow::Context as _;
use palisade_rules::RulePack;

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
    RulePack::load(&policies, &rules).context("invalid rule pack")
}
