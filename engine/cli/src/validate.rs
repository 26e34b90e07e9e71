//! `palisade validate`: strict validation of every policy against the
//! schema, metadata completeness, and the config's parameters.

use crate::args::ValidateArgs;
use crate::config::{self, Config};
use crate::exit::Code;
use crate::packs;

/// Runs the subcommand.
pub fn run(a: &ValidateArgs) -> anyhow::Result<Code> {
    let pack = packs::load(&a.dirs)?;
    let config = Config::find(a.config.config.as_deref())?;
    config::params(&pack, config.as_ref())?;
    println!(
        "ok: {} rules valid (strict), rule pack fingerprint {}{}",
        pack.rules.len(),
        pack.fingerprint(),
        config
            .map(|c| format!("; config {} valid", c.path.display()))
            .unwrap_or_default()
    );
    Ok(Code::Clean)
}
