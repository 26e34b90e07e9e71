//! CloudFormation templates (YAML and JSON, short-form tags, intrinsic
//! functions): any text gives an account or an error naming the file,
//! line and column, never a panic, hang or runaway memory.
#![no_main]

use libfuzzer_sys::fuzz_target;
use palisade_import::{detect, import, Kind, Options};

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let _ = detect(text);
    let opts = Options::default();
    if let Err(e) = import("fuzz/template.yaml", text, Kind::CloudFormation, &opts) {
        let _ = e.to_string();
    }
});
