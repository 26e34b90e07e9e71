//! Rule metadata files (TOML, `RuleMeta::parse`, which reads through
//! `palisade_rules::error::parse_toml` as the CLI's palisade.toml does): any
//! text gives metadata or an error naming the file and line, never a panic.
//! The file is always `fuzz-rule.toml`, so seeds carry `id = "fuzz-rule"`.
#![no_main]

use std::path::Path;

use libfuzzer_sys::fuzz_target;
use palisade_rules::metadata::{dependency, line_of_key, RuleMeta};

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let path = Path::new("rules/fuzz/fuzz-rule.toml");
    match RuleMeta::parse(path, text) {
        Ok(meta) => {
            for entry in &meta.depends_on {
                let _ = dependency(entry);
            }
        }
        Err(e) => {
            let _ = e.to_string();
        }
    }
    let _ = line_of_key(text, "id");
    let _ = palisade_rules::error::parse_toml::<serde_json::Value>(path, text);
});
