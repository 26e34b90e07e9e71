//! The SARIF 2.1.0 JSON schema (fixtures/schemas/sarif-schema-2.1.0.json),
//! compiled once per test binary.

use std::sync::OnceLock;

use serde_json::Value;

/// The compiled SARIF 2.1.0 schema.
pub fn validator() -> &'static jsonschema::Validator {
    static V: OnceLock<jsonschema::Validator> = OnceLock::new();
    V.get_or_init(|| {
        let path = crate::fixture("schemas/sarif-schema-2.1.0.json");
        let text = std::fs::read_to_string(&path)
            .unwrap_or_else(|e| panic!("reading {}: {e}", path.display()));
        let schema: Value = serde_json::from_str(&text)
            .unwrap_or_else(|e| panic!("{} is not JSON: {e}", path.display()));
        jsonschema::validator_for(&schema).expect("the SARIF schema compiles")
    })
}

/// Every schema violation of `doc`, as "message at /json/pointer".
pub fn errors(doc: &Value) -> Vec<String> {
    validator()
        .iter_errors(doc)
        .map(|e| format!("{e} at {}", e.instance_path))
        .collect()
}

/// Panics with every schema violation if `doc` is not valid SARIF 2.1.0.
pub fn assert_valid(doc: &Value) {
    let errors = errors(doc);
    assert!(
        errors.is_empty(),
        "SARIF schema errors:\n{}",
        errors.join("\n")
    );
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    #[test]
    fn rejects_a_document_without_runs() {
        let errs = super::errors(&json!({ "version": "2.1.0" }));
        assert!(
            errs.iter().any(|e| e.contains("runs")),
            "expected a complaint about `runs`: {errs:?}"
        );
        super::assert_valid(&json!({ "version": "2.1.0", "runs": [] }));
    }
}
