//! Reading a previous report as a baseline: Palisade JSON or SARIF (as
//! written by `palisade scan`). Only failed, known findings are taken; the
//! finding id is the stable `rule id + resource id` hash.

use std::path::Path;

use palisade_eval::{finding_id, Baseline, BaselineEntry};
use serde_json::Value;

/// Why a baseline could not be read.
#[derive(Debug, thiserror::Error)]
pub enum BaselineError {
    /// Unreadable file.
    #[error("{path}: {source}")]
    Io {
        /// The file.
        path: String,
        /// Underlying error.
        source: std::io::Error,
    },
    /// Not JSON, or not a report we understand.
    #[error("{path}:{line}: {message}")]
    Invalid {
        /// The file.
        path: String,
        /// 1-based line (0 if unknown).
        line: usize,
        /// What is wrong.
        message: String,
    },
}

/// Loads a baseline from a Palisade JSON report or a Palisade SARIF log.
pub fn load(path: &Path) -> Result<Baseline, BaselineError> {
    let shown = path.display().to_string();
    let text = std::fs::read_to_string(path).map_err(|source| BaselineError::Io {
        path: shown.clone(),
        source,
    })?;
    let invalid = |line: usize, message: String| BaselineError::Invalid {
        path: shown.clone(),
        line,
        message,
    };
    let doc: Value = serde_json::from_str(&text).map_err(|e| invalid(e.line(), e.to_string()))?;
    let mut b = Baseline {
        source: path.to_owned(),
        ..Baseline::default()
    };
    if doc.get("format").and_then(Value::as_str) == Some("palisade-report") {
        let results = doc
            .get("results")
            .and_then(Value::as_array)
            .ok_or_else(|| invalid(0, "report has no `results` array".into()))?;
        for (i, r) in results.iter().enumerate() {
            if r.get("status").and_then(Value::as_str) != Some("fail") {
                continue;
            }
            let field = |k: &str| r.get(k).and_then(Value::as_str).map(str::to_owned);
            let rule_id = field("rule_id")
                .ok_or_else(|| invalid(0, format!("results[{i}] has no rule_id")))?;
            let resource = r
                .get("resource")
                .ok_or_else(|| invalid(0, format!("results[{i}] has no resource")))?;
            let resource_id = resource
                .get("id")
                .and_then(Value::as_str)
                .ok_or_else(|| invalid(0, format!("results[{i}].resource has no id")))?;
            let fid = finding_id(&rule_id, resource_id);
            b.entries.insert(
                fid.clone(),
                BaselineEntry {
                    finding_id: fid,
                    rule_id,
                    resource_id: resource_id.to_owned(),
                    severity: field("severity").unwrap_or_default(),
                    name: resource
                        .get("name")
                        .and_then(Value::as_str)
                        .unwrap_or_default()
                        .to_owned(),
                },
            );
        }
        return Ok(b);
    }
    let runs = doc
        .get("runs")
        .and_then(Value::as_array)
        .ok_or_else(|| invalid(0, "neither a Palisade JSON report nor a SARIF log".into()))?;
    for run in runs {
        for (i, r) in run
            .get("results")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
            .enumerate()
        {
            if r.get("baselineState").and_then(Value::as_str) == Some("absent") {
                continue;
            }
            let rule_id = r
                .get("ruleId")
                .and_then(Value::as_str)
                .ok_or_else(|| invalid(0, format!("results[{i}] has no ruleId")))?;
            let logical = &r["locations"][0]["logicalLocations"][0];
            let Some(resource_id) = logical.get("fullyQualifiedName").and_then(Value::as_str)
            else {
                return Err(invalid(
                    0,
                    format!("results[{i}] has no logical location (not a Palisade SARIF log?)"),
                ));
            };
            let fid = finding_id(rule_id, resource_id);
            b.entries.insert(
                fid.clone(),
                BaselineEntry {
                    finding_id: fid,
                    rule_id: rule_id.to_owned(),
                    resource_id: resource_id.to_owned(),
                    severity: r["properties"]["severity"]
                        .as_str()
                        .unwrap_or_default()
                        .to_owned(),
                    name: logical
                        .get("name")
                        .and_then(Value::as_str)
                        .unwrap_or_default()
                        .to_owned(),
                },
            );
        }
    }
    Ok(b)
}
