//! The price table (TOML) of the cost estimates: any text gives a table or
//! an error naming the file and line, never a panic; a table that loads has
//! finite, non-negative prices.
#![no_main]

use std::path::Path;

use libfuzzer_sys::fuzz_target;
use palisade_rules::pricing::PriceTable;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    if let Ok(table) = PriceTable::parse(Path::new("fuzz/prices.toml"), text) {
        for p in table.prices.values() {
            assert!(p.amount.is_finite() && p.amount >= 0.0);
        }
    }
});
