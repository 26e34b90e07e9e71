//! YAML and JSON text to a positioned [`Node`] tree (JSON is read by the
//! same YAML parser, so both get lines and columns). CloudFormation's
//! short-form tags (`!Ref x`, `!Sub ...`, `!GetAtt a.b`) become their long
//! form (`{"Ref": x}`, `{"Fn::Sub": ...}`, `{"Fn::GetAtt": ["a", "b"]}`).
//!
//! OWNER: helper H1 (stub until implemented).

use crate::value::{Node, Pos};
use crate::{ImportError, Kind};

/// Parses `text` (file `file`, for errors).
pub fn parse(file: &str, text: &str) -> Result<Node, ImportError> {
    let v: serde_json::Value = serde_json::from_str(text).map_err(|e| {
        ImportError::new(
            file,
            Pos {
                line: e.line(),
                column: e.column(),
            },
            e.to_string(),
        )
    })?;
    Ok(Node::from_json(&v))
}

/// The kind of input `text` holds, from its content.
pub fn detect(text: &str) -> Option<Kind> {
    let head: String = text.chars().take(4096).collect();
    if head.contains("\"palisade-snapshot\"") {
        Some(Kind::Snapshot)
    } else if head.contains("format_version")
        && (text.contains("\"planned_values\"") || text.contains("\"resource_changes\""))
    {
        Some(Kind::TerraformPlan)
    } else if text.contains("Resources") {
        Some(Kind::CloudFormation)
    } else {
        None
    }
}
