//! The IAM credential report (CSV, names may hold unquoted commas): any
//! text gives rows keyed by user, never a panic.
#![no_main]

use libfuzzer_sys::fuzz_target;
use palisade_model::credential_report::parse_report;

fuzz_target!(|data: &[u8]| {
    // The collector reads the report's bytes lossily, so any bytes reach it.
    let text = String::from_utf8_lossy(data);
    let _ = parse_report(&text);
});
