//! Test support for the renderers' unit tests: a [`ScanReport`] over a
//! snapshot of the repository's fixtures, evaluated with the repository's
//! rule pack. Only compiled for tests.

#![allow(clippy::expect_used, clippy::unwrap_used)]

use std::sync::OnceLock;

use palisade_eval::{CheckResult, Evaluator};
use palisade_model::LoadedSnapshot;
use palisade_rules::RulePack;
use palisade_triage::Triage;

use crate::ScanReport;

/// The repository pack, loaded once per test binary.
pub fn pack() -> &'static RulePack {
    static PACK: OnceLock<RulePack> = OnceLock::new();
    PACK.get_or_init(palisade_test_kit::pack)
}

/// A snapshot, its results and an empty triage: what a scan without
/// waivers or baseline hands the renderers.
pub struct Scan {
    /// The snapshot.
    pub snapshot: LoadedSnapshot,
    /// Its results.
    pub results: Vec<CheckResult>,
    /// No waivers, no baseline.
    pub triage: Triage,
}

impl Scan {
    /// Evaluates `fixtures/<rel>` with the repository pack.
    pub fn of(rel: &str) -> Scan {
        let path = palisade_test_kit::fixture(rel);
        let mut snapshot = LoadedSnapshot::from_path(&path).expect("fixture loads");
        // Reports name the snapshot as the user typed it.
        snapshot.path = std::path::PathBuf::from("fixtures").join(rel);
        let evaluator = Evaluator::new(pack(), &pack().defaults).expect("evaluator");
        let results = evaluator.evaluate(&snapshot.snapshot).results;
        Scan {
            snapshot,
            results,
            triage: Triage::default(),
        }
    }

    /// The hostile snapshot (fixtures/hostile/snapshot.json).
    pub fn hostile() -> Scan {
        Scan::of("hostile/snapshot.json")
    }

    /// The report the renderers take.
    pub fn report(&self) -> ScanReport<'_> {
        ScanReport::new(&self.snapshot, pack(), &self.results, &self.triage)
    }
}

/// The Markdown characters that open links, images, HTML and table cells
/// (`[`, `]`, `<`, `>`, `|`) where `text` does not backslash-escape them.
pub fn unescaped_markdown(text: &str) -> Vec<char> {
    let mut out = Vec::new();
    let mut escaped = false;
    for c in text.chars() {
        if escaped {
            escaped = false;
        } else if c == '\\' {
            escaped = true;
        } else if matches!(c, '[' | ']' | '<' | '>' | '|') {
            out.push(c);
        }
    }
    out
}

/// The hostile characters no terminal or Markdown output may carry raw:
/// C0 and C1 controls (line breaks aside) and bidirectional overrides.
pub fn raw_controls(text: &str) -> Vec<char> {
    text.chars()
        .filter(|&c| (c.is_control() && c != '\n') || crate::escape::is_bidi_control(c))
        .collect()
}
