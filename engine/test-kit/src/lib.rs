//! Helpers shared by Palisade's tests, and nothing else: used only as a
//! dev-dependency, never published.
//!
//! - [`root`] and [`fixture`]: paths in the repository.
//! - [`pack`]: the repository's rule pack (`policies/` + `rules/`).
//! - [`sarif`]: the SARIF 2.1.0 schema validator.
//! - [`cbor`]: a minimal CBOR encoder for recorded Smithy RPC v2 CBOR answers.
//! - [`moto`]: a seeded moto server that fails fast with its cause, and a
//!   fault-injecting HTTP proxy.
//!
//! Helpers panic with a message naming the cause: a panic here is a test
//! failure, which is what a test helper is for.

#![allow(clippy::expect_used, clippy::unwrap_used)]

pub mod cbor;
pub mod moto;
pub mod output;
pub mod sarif;

use std::path::{Path, PathBuf};

use palisade_rules::RulePack;

/// The repository root.
pub fn root() -> PathBuf {
    // This crate lives at engine/test-kit.
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../..")
        .canonicalize()
        .expect("repository root")
}

/// A path under `fixtures/`.
pub fn fixture(rel: &str) -> PathBuf {
    root().join("fixtures").join(rel)
}

/// The repository's rule pack; panics with the loader's message if it does
/// not load.
pub fn pack() -> RulePack {
    let r = root();
    match RulePack::load(&r.join("policies"), &r.join("rules")) {
        Ok(p) => p,
        Err(e) => panic!("the repository rule pack does not load:\n{e}"),
    }
}
