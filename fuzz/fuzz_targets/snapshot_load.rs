//! Whole-file snapshot loading (`LoadedSnapshot::from_bytes`): any bytes
//! give a snapshot or an error, never a panic, hang or runaway memory.
#![no_main]

use std::path::Path;

use libfuzzer_sys::fuzz_target;
use palisade_model::load::LoadedSnapshot;

fuzz_target!(|data: &[u8]| {
    let path = Path::new("fuzz/snapshot.json");
    if let Ok(loaded) = LoadedSnapshot::from_bytes(path, data) {
        // What loads is usable: its accounts' line lookups answer.
        for account in &loaded.snapshot.accounts {
            let _ = loaded.lines.line_of(&account.account_id, &account.account_id);
        }
    }
});
