//! Rule parameters: defaults declared in metadata, overrides from config,
//! checked against the schema's `Palisade::Params` context type.

use std::collections::BTreeMap;
use std::path::Path;
use std::str::FromStr;

use cedar_policy::{Context, EntityUid, Request, Schema};
use serde_json::Value;

use crate::error::{Location, RulesError};
use crate::metadata::{line_of_key, RuleMeta};

/// The resolved parameter values sent to Cedar as the request context.
#[derive(Debug, Clone, PartialEq)]
pub struct Params {
    values: BTreeMap<String, Value>,
}

impl Params {
    /// Collects defaults from every rule's metadata. Two rules that declare
    /// the same parameter must agree on its default.
    pub fn from_metadata<'a>(
        schema: &Schema,
        metas: impl Iterator<Item = (&'a Path, &'a RuleMeta)>,
    ) -> Result<Self, RulesError> {
        let mut values: BTreeMap<String, (Value, &Path)> = BTreeMap::new();
        let mut problems = Vec::new();
        for (path, meta) in metas {
            for (name, value) in &meta.parameters {
                let json = toml_to_json(value);
                match values.get(name) {
                    Some((existing, other)) if *existing != json => problems.push((
                        Location {
                            path: path.to_owned(),
                            line: 0,
                        },
                        format!(
                            "parameter {name:?} default {json} differs from {existing} in {}",
                            other.display()
                        ),
                    )),
                    Some(_) => {}
                    None => {
                        values.insert(name.clone(), (json, path));
                    }
                }
            }
        }
        if !problems.is_empty() {
            return Err(RulesError::Invalid(problems));
        }
        let params = Self {
            values: values.into_iter().map(|(k, (v, _))| (k, v)).collect(),
        };
        params.context(schema).map_err(|msg| {
            RulesError::Invalid(vec![(
                Location {
                    path: "rules/".into(),
                    line: 0,
                },
                format!(
                    "rule parameter defaults do not match Palisade::Params in the schema: {msg}"
                ),
            )])
        })?;
        Ok(params)
    }

    /// Applies overrides from a config file, checking each against the schema.
    pub fn with_overrides(
        &self,
        schema: &Schema,
        overrides: &BTreeMap<String, toml::Value>,
        config_path: &Path,
        config_text: &str,
    ) -> Result<Self, RulesError> {
        let mut next = self.clone();
        for (name, value) in overrides {
            if !self.values.contains_key(name) {
                return Err(RulesError::at(
                    config_path,
                    line_of_key(config_text, name),
                    format!(
                        "unknown parameter {name:?}; known parameters: {}",
                        self.values.keys().cloned().collect::<Vec<_>>().join(", ")
                    ),
                ));
            }
            let json = toml_to_json(value);
            let (want, got) = (kind(&self.values[name]), kind(&json));
            if want != got {
                return Err(RulesError::at(
                    config_path,
                    line_of_key(config_text, name),
                    format!("parameter {name:?} has the wrong type: expected {want}, found {got}"),
                ));
            }
            next.values.insert(name.clone(), json);
            if let Err(msg) = next.context(schema) {
                // Cedar's message shows the whole parameter record: keep
                // the start.
                let msg: String = msg.chars().take(200).collect();
                return Err(RulesError::at(
                    config_path,
                    line_of_key(config_text, name),
                    format!("parameter {name:?} has the wrong type: {msg}"),
                ));
            }
        }
        Ok(next)
    }

    /// The Cedar request context, type-checked against the schema.
    pub fn context(&self, schema: &Schema) -> Result<Context, String> {
        let action = EntityUid::from_str(crate::CHECK_ACTION).map_err(|e| e.to_string())?;
        let json = Value::Object(self.values.clone().into_iter().collect());
        let context =
            Context::from_json_value(json, Some((schema, &action))).map_err(|e| e.to_string())?;
        // Parsing alone does not type-check the record; a schema-validated
        // request does.
        let principal =
            EntityUid::from_str(r#"Palisade::Scanner::"palisade""#).map_err(|e| e.to_string())?;
        let resource =
            EntityUid::from_str(r#"AWS::Account::"000000000000""#).map_err(|e| e.to_string())?;
        Request::new(principal, action, resource, context.clone(), Some(schema))
            .map_err(|e| e.to_string())?;
        Ok(context)
    }

    /// A parameter's value.
    pub fn get(&self, name: &str) -> Option<&Value> {
        self.values.get(name)
    }

    /// All parameters.
    pub fn iter(&self) -> impl Iterator<Item = (&String, &Value)> {
        self.values.iter()
    }

    /// The union of every port-list parameter (`*_ports`): the ports whose
    /// exposure the graph builder computes.
    pub fn ports_of_interest(&self) -> Vec<i64> {
        let mut ports: Vec<i64> = self
            .values
            .iter()
            .filter(|(k, _)| k.ends_with("_ports"))
            .filter_map(|(_, v)| v.as_array())
            .flatten()
            .filter_map(Value::as_i64)
            .collect();
        ports.sort_unstable();
        ports.dedup();
        ports
    }
}

/// Converts a TOML value to JSON (datetimes become strings).
pub fn toml_to_json(value: &toml::Value) -> Value {
    match value {
        toml::Value::String(s) => Value::String(s.clone()),
        toml::Value::Integer(i) => Value::from(*i),
        toml::Value::Float(f) => Value::from(*f),
        toml::Value::Boolean(b) => Value::Bool(*b),
        toml::Value::Datetime(d) => Value::String(d.to_string()),
        toml::Value::Array(a) => Value::Array(a.iter().map(toml_to_json).collect()),
        toml::Value::Table(t) => Value::Object(
            t.iter()
                .map(|(k, v)| (k.clone(), toml_to_json(v)))
                .collect(),
        ),
    }
}

/// What kind of value `v` is, in words (a list's elements are checked by
/// the schema).
fn kind(v: &Value) -> String {
    match v {
        Value::Null => "nothing".into(),
        Value::Bool(_) => "a boolean".into(),
        Value::Number(n) if n.is_i64() || n.is_u64() => "an integer".into(),
        Value::Number(_) => "a number with a fraction".into(),
        Value::String(_) => "a string".into(),
        Value::Array(_) => "a list".into(),
        Value::Object(_) => "a table".into(),
    }
}
