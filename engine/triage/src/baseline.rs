//! Baselines: the findings of a previous report (Palisade JSON or SARIF, as
//! written by `palisade scan`), and how a current finding relates to them.
//! Only failed findings are taken; each is keyed by its stable finding id
//! (rule id + resource id).

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use palisade_eval::finding_id;
use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::error::TriageError;

/// How a finding relates to the baseline.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum BaselineState {
    /// Not in the baseline.
    New,
    /// In the baseline, unchanged.
    Unchanged,
    /// In the baseline with a different severity or resource name.
    Updated,
    /// In the baseline, not found now (fixed or gone).
    Absent,
}

impl BaselineState {
    /// SARIF `baselineState` value.
    pub fn as_str(self) -> &'static str {
        match self {
            BaselineState::New => "new",
            BaselineState::Unchanged => "unchanged",
            BaselineState::Updated => "updated",
            BaselineState::Absent => "absent",
        }
    }
}

/// A finding recorded in a baseline report.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct BaselineEntry {
    /// Stable finding id.
    pub finding_id: String,
    /// Rule id.
    pub rule_id: String,
    /// Resource id.
    pub resource_id: String,
    /// Severity when recorded.
    pub severity: String,
    /// Resource name when recorded.
    pub name: String,
}

impl BaselineEntry {
    /// An entry for a finding of `rule_id` on `resource_id`.
    pub fn new(rule_id: &str, resource_id: &str, severity: String, name: String) -> Self {
        Self {
            finding_id: finding_id(rule_id, resource_id),
            rule_id: rule_id.to_owned(),
            resource_id: resource_id.to_owned(),
            severity,
            name,
        }
    }
}

/// The findings of a previous report.
#[derive(Debug, Clone, Default)]
pub struct Baseline {
    /// The report file.
    pub source: PathBuf,
    /// Findings by finding id.
    pub entries: BTreeMap<String, BaselineEntry>,
}

impl Baseline {
    /// Loads a baseline from a Palisade JSON report or a Palisade SARIF log.
    pub fn load(path: &Path) -> Result<Self, TriageError> {
        let text = TriageError::read(path)?;
        Self::parse(path, &text)
    }

    /// Parses report text; `path` is used in errors and kept as the source.
    pub fn parse(path: &Path, text: &str) -> Result<Self, TriageError> {
        let invalid = |line: usize, message: String| TriageError::Invalid {
            path: path.to_owned(),
            line,
            message,
        };
        if text.starts_with('\u{feff}') {
            return Err(invalid(
                1,
                "column 1: the file starts with a UTF-8 byte order mark, which JSON does not allow (save it without one)".into(),
            ));
        }
        let doc: Value =
            serde_json::from_str(text).map_err(|e| invalid(e.line(), e.to_string()))?;
        let entries = if doc.get("format").and_then(Value::as_str) == Some("palisade-report") {
            from_report(&doc)
        } else {
            from_sarif(&doc)
        }
        .map_err(|message| invalid(0, message))?;
        Ok(Self {
            source: path.to_owned(),
            entries: entries
                .into_iter()
                .map(|e| (e.finding_id.clone(), e))
                .collect(),
        })
    }

    /// Adds an entry (keyed by its finding id).
    pub fn insert(&mut self, entry: BaselineEntry) {
        self.entries.insert(entry.finding_id.clone(), entry);
    }
}

/// The failed findings of a Palisade JSON report.
fn from_report(doc: &Value) -> Result<Vec<BaselineEntry>, String> {
    let results = doc
        .get("results")
        .and_then(Value::as_array)
        .ok_or("report has no `results` array")?;
    let mut out = Vec::new();
    for (i, r) in results.iter().enumerate() {
        if r.get("status").and_then(Value::as_str) != Some("fail") {
            continue;
        }
        let field = |k: &str| r.get(k).and_then(Value::as_str);
        let rule_id = field("rule_id").ok_or_else(|| format!("results[{i}] has no rule_id"))?;
        let resource = r
            .get("resource")
            .ok_or_else(|| format!("results[{i}] has no resource"))?;
        let resource_id = resource
            .get("id")
            .and_then(Value::as_str)
            .ok_or_else(|| format!("results[{i}].resource has no id"))?;
        let name = resource.get("name").and_then(Value::as_str);
        out.push(BaselineEntry::new(
            rule_id,
            resource_id,
            field("severity").unwrap_or_default().to_owned(),
            name.unwrap_or_default().to_owned(),
        ));
    }
    Ok(out)
}

/// The present (not `absent`) results of a Palisade SARIF log.
fn from_sarif(doc: &Value) -> Result<Vec<BaselineEntry>, String> {
    let runs = doc
        .get("runs")
        .and_then(Value::as_array)
        .ok_or("neither a Palisade JSON report (`format` \"palisade-report\" and a `results` array) nor a SARIF log (a `runs` array)")?;
    let mut out = Vec::new();
    for run in runs {
        let results = run.get("results").and_then(Value::as_array);
        for (i, r) in results.into_iter().flatten().enumerate() {
            if r.get("baselineState").and_then(Value::as_str) == Some("absent") {
                continue;
            }
            let rule_id = r
                .get("ruleId")
                .and_then(Value::as_str)
                .ok_or_else(|| format!("results[{i}] has no ruleId"))?;
            let logical = &r["locations"][0]["logicalLocations"][0];
            let resource_id = logical
                .get("fullyQualifiedName")
                .and_then(Value::as_str)
                .ok_or_else(|| {
                    format!("results[{i}] has no logical location (not a Palisade SARIF log?)")
                })?;
            let name = logical.get("name").and_then(Value::as_str);
            out.push(BaselineEntry::new(
                rule_id,
                resource_id,
                r["properties"]["severity"]
                    .as_str()
                    .unwrap_or_default()
                    .to_owned(),
                name.unwrap_or_default().to_owned(),
            ));
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(text: &str) -> Result<Baseline, TriageError> {
        Baseline::parse(Path::new("prev.json"), text)
    }

    #[test]
    fn reads_failed_findings_of_a_json_report() {
        let b = parse(
            r#"{"format": "palisade-report", "results": [
                {"rule_id": "r1", "status": "fail", "severity": "high", "resource": {"id": "a", "name": "A"}},
                {"rule_id": "r1", "status": "pass", "severity": "high", "resource": {"id": "b", "name": "B"}}
            ]}"#,
        )
        .expect("report");
        assert_eq!(b.source, Path::new("prev.json"));
        assert_eq!(
            b.entries.values().cloned().collect::<Vec<_>>(),
            vec![BaselineEntry::new("r1", "a", "high".into(), "A".into())]
        );
    }

    #[test]
    fn reads_present_results_of_a_sarif_log() {
        let b = parse(
            r#"{"runs": [{"results": [
                {"ruleId": "r1", "properties": {"severity": "low"},
                 "locations": [{"logicalLocations": [{"fullyQualifiedName": "a", "name": "A"}]}]},
                {"ruleId": "r2", "baselineState": "absent",
                 "locations": [{"logicalLocations": [{"fullyQualifiedName": "b"}]}]}
            ]}]}"#,
        )
        .expect("sarif");
        assert_eq!(
            b.entries.values().cloned().collect::<Vec<_>>(),
            vec![BaselineEntry::new("r1", "a", "low".into(), "A".into())]
        );
    }

    #[test]
    fn bad_baselines_name_the_file() {
        let e = parse("{\"hello\": 1}").expect_err("not a report");
        assert_eq!(
            e.to_string(),
            "prev.json: neither a Palisade JSON report (`format` \"palisade-report\" and a `results` array) nor a SARIF log (a `runs` array)"
        );
        let e = parse("\u{feff}{}").expect_err("byte order mark");
        assert!(
            e.to_string()
                .starts_with("prev.json:1: column 1: the file starts with a UTF-8 byte order mark"),
            "{e}"
        );
        let e = parse("{\n\"runs\": [").expect_err("truncated");
        assert!(e.to_string().starts_with("prev.json:2: "), "{e}");
        let e = parse(r#"{"runs": [{"results": [{"ruleId": "r1"}]}]}"#).expect_err("no location");
        assert!(
            e.to_string().contains("results[0] has no logical location"),
            "{e}"
        );
        let e = parse(r#"{"format": "palisade-report", "results": [{"status": "fail"}]}"#)
            .expect_err("no rule id");
        assert!(e.to_string().ends_with("results[0] has no rule_id"), "{e}");
    }
}
