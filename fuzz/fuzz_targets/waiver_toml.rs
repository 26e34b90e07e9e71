//! Waiver files (TOML): any text gives waivers or an error naming the file
//! and line, never a panic. A waiver's resource glob is matched against its
//! own pattern and a fixed ARN (the glob matcher must stay fast whatever
//! the pattern).
#![no_main]

use std::path::Path;

use libfuzzer_sys::fuzz_target;
use palisade_eval::wildcard_match;
use palisade_triage::waiver::WaiverFile;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    // Rule ids that "exist": any id starting with a letter (so the fuzzer
    // reaches the checks after the rule lookup, and the unknown-rule error).
    let exists = |id: &str| id.starts_with(|c: char| c.is_ascii_alphabetic());
    if let Ok(file) = WaiverFile::parse(Path::new("fuzz/waivers.toml"), text, &exists) {
        let today = chrono::NaiveDate::from_ymd_opt(2026, 1, 1).unwrap_or_default();
        for w in &file.waivers {
            let _ = w.expired(today);
            if let Some(glob) = &w.resource {
                assert!(wildcard_match(glob, &glob.replace(['*', '?'], "")) || glob.contains('?'));
                let _ = wildcard_match(glob, "arn:aws:s3:::example-bucket/some/key");
            }
        }
    }
});
