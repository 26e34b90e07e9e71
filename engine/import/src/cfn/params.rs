//! Template parameters (the given value, else the `Default`, else unknown;
//! list types split on commas; SSM parameter types unknown) and the pseudo
//! parameters (`AWS::Region`, `AWS::AccountId`, `AWS::Partition`, ...).

use std::collections::HashMap;

use crate::value::{Node, Pos, Value};
use crate::{ImportError, Options, DEFAULT_REGION};

/// The declared parameters' values, by name (positions 0:0).
pub(super) fn parameters<'a>(
    uri: &str,
    doc: &'a Node,
    opts: &Options,
) -> Result<HashMap<&'a str, Node>, ImportError> {
    let mut out = HashMap::new();
    let section = doc.get("Parameters");
    if let Some(s) = section {
        if !matches!(s.value, Value::Map(_) | Value::Null) {
            return Err(ImportError::new(uri, s.pos, "Parameters must be a map"));
        }
        for (key, def) in s.entries() {
            let value = parameter(uri, &key.name, def, opts.parameters.get(&key.name))?;
            out.insert(key.name.as_str(), value);
        }
    }
    // Values for parameters this template does not declare are ignored:
    // one scan reads many templates with one set of `--parameter` values.
    Ok(out)
}

/// One parameter's value.
fn parameter(
    uri: &str,
    name: &str,
    def: &Node,
    given: Option<&String>,
) -> Result<Node, ImportError> {
    if !matches!(def.value, Value::Map(_)) {
        return Err(ImportError::new(
            uri,
            def.pos,
            format!("parameter {name} must be a map with a Type"),
        ));
    }
    let ty = def.get("Type").and_then(Node::as_str).unwrap_or("String");
    let raw = match (given, def.get("Default")) {
        (Some(v), _) => Raw::Text(v.clone()),
        (None, Some(d)) => match &d.value {
            Value::String(s) | Value::Number(s) => Raw::Text(s.clone()),
            Value::Bool(b) => Raw::Text(b.to_string()),
            Value::List(items) => Raw::List(
                items
                    .iter()
                    .filter_map(|i| i.as_str().map(str::to_owned))
                    .collect(),
            ),
            _ => Raw::None,
        },
        (None, None) => Raw::None,
    };
    let unknown = |reason: String| Node::new(Value::Unknown(reason), Pos::default());
    if matches!(raw, Raw::None) {
        return Ok(unknown(format!(
            "parameter {name} has no default and no value was given"
        )));
    }
    if ty.starts_with("AWS::SSM::Parameter::Value<") {
        let key = match &raw {
            Raw::Text(t) => t.clone(),
            Raw::List(l) => l.join(","),
            Raw::None => String::new(),
        };
        return Ok(unknown(format!(
            "parameter {name} is read from SSM parameter {key} at deployment"
        )));
    }
    let is_list = ty.starts_with("List<") || ty == "CommaDelimitedList";
    let numbers = ty == "Number" || ty == "List<Number>";
    let item = |s: &str| -> Result<Node, ImportError> {
        let s = s.trim();
        if numbers && s.parse::<f64>().is_err() {
            return Err(ImportError::new(
                uri,
                def.pos,
                format!("parameter {name} is of type {ty}, but its value {s:?} is not a number"),
            ));
        }
        let v = if numbers {
            Value::Number(s.to_owned())
        } else {
            super::intrinsics::text(s.to_owned())
        };
        Ok(Node::new(v, Pos::default()))
    };
    let value = match raw {
        Raw::List(l) if is_list => {
            Value::List(l.iter().map(|s| item(s)).collect::<Result<_, _>>()?)
        }
        Raw::List(l) => return item(&l.join(",")),
        Raw::Text(t) if is_list => {
            if t.trim().is_empty() {
                Value::List(Vec::new())
            } else {
                Value::List(t.split(',').map(item).collect::<Result<_, _>>()?)
            }
        }
        Raw::Text(t) if numbers => return item(&t),
        Raw::Text(t) => super::intrinsics::text(t),
        Raw::None => Value::Null,
    };
    Ok(Node::new(value, Pos::default()))
}

/// A parameter's value before its type is applied.
enum Raw {
    Text(String),
    List(Vec<String>),
    None,
}

/// The pseudo parameters' values.
pub(super) struct Pseudo {
    region: String,
    account: Option<String>,
}

impl Pseudo {
    pub(super) fn new(opts: &Options) -> Self {
        Pseudo {
            region: opts
                .region
                .clone()
                .unwrap_or_else(|| DEFAULT_REGION.to_owned()),
            account: opts.account_id.clone(),
        }
    }

    /// The region the template is judged in.
    pub(super) fn region(&self) -> &str {
        &self.region
    }

    /// The value of pseudo parameter `name` (`None`: not a pseudo parameter;
    /// `AWS::NoValue` is handled by the caller).
    pub(super) fn get(&self, name: &str) -> Option<Value> {
        let unknown = |what: &str| Value::Unknown(format!("{name} is {what}"));
        Some(match name {
            "AWS::Region" => Value::String(self.region.clone()),
            // Without --account-id the account is the symbolic own account
            // the IaC account carries (`UNKNOWN_ACCOUNT`): every comparison
            // of `${AWS::AccountId}` with the own account is then exact, and
            // a literal account id in the template is another account.
            "AWS::AccountId" => Value::String(
                self.account
                    .clone()
                    .unwrap_or_else(|| crate::UNKNOWN_ACCOUNT.to_owned()),
            ),
            "AWS::Partition" => Value::String(crate::emit::partition(&self.region).to_owned()),
            "AWS::URLSuffix" => Value::String(url_suffix(&self.region).to_owned()),
            "AWS::StackName" | "AWS::StackId" => unknown("known only at deployment"),
            "AWS::NotificationARNs" => unknown("known only at deployment"),
            _ => return None,
        })
    }
}

/// The domain suffix of `region`'s endpoints.
fn url_suffix(region: &str) -> &'static str {
    match crate::emit::partition(region) {
        "aws-cn" => "amazonaws.com.cn",
        "aws-iso" => "c2s.ic.gov",
        "aws-iso-b" => "sc2s.sgov.gov",
        _ => "amazonaws.com",
    }
}
