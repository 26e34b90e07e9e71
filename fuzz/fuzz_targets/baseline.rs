//! Baselines (a previous Palisade JSON report or SARIF log): any text gives
//! the findings it holds or an error naming the file, never a panic.
#![no_main]

use std::path::Path;

use libfuzzer_sys::fuzz_target;
use palisade_triage::baseline::Baseline;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    if let Ok(b) = Baseline::parse(Path::new("fuzz/baseline.sarif"), text) {
        for (id, entry) in &b.entries {
            assert_eq!(id, &entry.finding_id);
        }
    }
});
