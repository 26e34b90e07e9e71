//! Policy document decoding in its three forms: a JSON object (as the
//! snapshot holds it), JSON text, and URL-encoded JSON text (as IAM returns
//! it). Never a panic; a document that decodes has a canonical form that
//! decodes again to itself, and URL-encoding text does not change what it
//! decodes to.
#![no_main]

use libfuzzer_sys::fuzz_target;
use palisade_model::policy::{url_decode, PolicyDocument};
use serde_json::Value;

/// Percent-encodes every byte that is not alphanumeric (as IAM does).
fn url_encode(text: &str) -> String {
    let mut out = String::with_capacity(text.len() * 3);
    for b in text.bytes() {
        if b.is_ascii_alphanumeric() {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// The canonical form is a fixed point.
fn check_canonical(doc: &PolicyDocument) {
    if doc.unreadable_reason().is_some() {
        return;
    }
    let canonical = doc.to_value();
    let again = PolicyDocument::from_value(&canonical).expect("the canonical form decodes");
    assert_eq!(again.to_value(), canonical, "the canonical form is stable");
    let _ = doc.statements.iter().map(|s| s.condition_keys()).count();
}

fuzz_target!(|data: &[u8]| {
    let Some((&mode, rest)) = data.split_first() else {
        return;
    };
    let Ok(text) = std::str::from_utf8(rest) else {
        return;
    };
    match mode % 4 {
        // JSON text or URL-encoded text, as a collector reads it.
        0 => {
            let doc = PolicyDocument::read_text(text);
            check_canonical(&doc);
            let _ = url_decode(text);
        }
        // A JSON object (or any value) as a snapshot holds it.
        1 => {
            if let Ok(value) = serde_json::from_str::<Value>(text) {
                let doc = PolicyDocument::read_value(&value);
                check_canonical(&doc);
                if let Ok(direct) = PolicyDocument::from_value(&value) {
                    assert_eq!(direct.to_value(), doc.to_value());
                }
            }
        }
        // The URL-encoded form of JSON text decodes to what the text does.
        2 => {
            if serde_json::from_str::<Value>(text.trim()).is_err() {
                return;
            }
            let plain = PolicyDocument::parse_text(text);
            let encoded = PolicyDocument::parse_text(&url_encode(text));
            if let Ok(plain) = &plain {
                let encoded = encoded.expect("URL-encoded valid text decodes");
                assert_eq!(plain.to_value(), encoded.to_value());
            }
        }
        // The serde form a snapshot uses (`Deserialize` for the document).
        _ => {
            if let Ok(doc) = serde_json::from_str::<PolicyDocument>(text) {
                let json = serde_json::to_string(&doc).expect("a document serializes");
                let back: PolicyDocument =
                    serde_json::from_str(&json).expect("a serialized document reads back");
                assert_eq!(back.to_value(), doc.to_value());
            }
        }
    }
});
