//! The positioned value tree: what the parser produces from YAML or JSON
//! and what the importers read. After CloudFormation's intrinsic functions
//! are resolved a tree holds no function calls, only plain values, references
//! to other resources of the same file ([`Value::Ref`]) and values that
//! cannot be known before deployment ([`Value::Unknown`]).

use std::fmt;

use serde::{Deserialize, Serialize};

/// A 1-based line and column in the input file.
#[derive(
    Debug, Clone, Copy, Default, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize,
)]
pub struct Pos {
    /// 1-based line.
    pub line: usize,
    /// 1-based column.
    pub column: usize,
}

impl fmt::Display for Pos {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}", self.line, self.column)
    }
}

/// A map key and where it is written.
#[derive(Debug, Clone, PartialEq)]
pub struct Key {
    /// The key.
    pub name: String,
    /// Its position.
    pub pos: Pos,
}

/// A value.
#[derive(Debug, Clone, PartialEq)]
pub enum Value {
    /// `null`, `~`, or an absent value.
    Null,
    /// A boolean.
    Bool(bool),
    /// A number, as written (CloudFormation and plans mix `"22"` and `22`).
    Number(String),
    /// A string.
    String(String),
    /// A list.
    List(Vec<Node>),
    /// A map, in input order.
    Map(Vec<(Key, Node)>),
    /// A reference to another resource of the same file: `Ref` (attr
    /// `None`) or `Fn::GetAtt` (attr `Some`) in a template; a reference
    /// expression in a plan's configuration. Its value is the other
    /// resource's id or attribute: the importer maps it to that resource's
    /// id, or treats it as unknown where a literal is needed.
    Ref {
        /// The logical id (template) or address (plan) of the target.
        target: String,
        /// The attribute read, if any.
        attr: Option<String>,
    },
    /// A value that cannot be known before deployment; the text names it
    /// and says why.
    Unknown(String),
}

/// A value and where it starts.
#[derive(Debug, Clone, PartialEq)]
pub struct Node {
    /// The value.
    pub value: Value,
    /// Where it starts.
    pub pos: Pos,
}

impl Node {
    /// A node at `pos`.
    pub fn new(value: Value, pos: Pos) -> Self {
        Node { value, pos }
    }

    /// The entry `key` of a map (`None` for other values or a missing key).
    pub fn get(&self, key: &str) -> Option<&Node> {
        match &self.value {
            Value::Map(entries) => entries.iter().find(|(k, _)| k.name == key).map(|(_, v)| v),
            _ => None,
        }
    }

    /// The key of entry `key` (for its position).
    pub fn key(&self, key: &str) -> Option<&Key> {
        match &self.value {
            Value::Map(entries) => entries.iter().find(|(k, _)| k.name == key).map(|(k, _)| k),
            _ => None,
        }
    }

    /// The entries of a map (empty for other values).
    pub fn entries(&self) -> &[(Key, Node)] {
        match &self.value {
            Value::Map(entries) => entries,
            _ => &[],
        }
    }

    /// The items of a list (empty for other values).
    pub fn items(&self) -> &[Node] {
        match &self.value {
            Value::List(items) => items,
            _ => &[],
        }
    }

    /// The text of a string or number.
    pub fn as_str(&self) -> Option<&str> {
        match &self.value {
            Value::String(s) | Value::Number(s) => Some(s),
            _ => None,
        }
    }

    /// A whole number from a number or a numeric string.
    pub fn as_i64(&self) -> Option<i64> {
        self.as_str().and_then(|s| s.trim().parse().ok())
    }

    /// A boolean from a boolean or a `"true"` / `"false"` string.
    pub fn as_bool(&self) -> Option<bool> {
        match &self.value {
            Value::Bool(b) => Some(*b),
            Value::String(s) if s.eq_ignore_ascii_case("true") => Some(true),
            Value::String(s) if s.eq_ignore_ascii_case("false") => Some(false),
            _ => None,
        }
    }

    /// True for `null`.
    pub fn is_null(&self) -> bool {
        matches!(self.value, Value::Null)
    }

    /// Why the value (or any value inside it) is unknown: the first
    /// [`Value::Unknown`] found, depth first.
    pub fn unknown_reason(&self) -> Option<&str> {
        match &self.value {
            Value::Unknown(r) => Some(r),
            Value::List(items) => items.iter().find_map(Node::unknown_reason),
            Value::Map(entries) => entries.iter().find_map(|(_, v)| v.unknown_reason()),
            _ => None,
        }
    }

    /// A tree from plain JSON, every position 0:0 (tests, and values whose
    /// position is that of their container).
    pub fn from_json(v: &serde_json::Value) -> Node {
        Node::from_json_at(v, Pos::default())
    }

    /// A tree from plain JSON, every node at `pos` (a policy document given
    /// as a JSON string sits at the string's position).
    pub fn from_json_at(v: &serde_json::Value, pos: Pos) -> Node {
        use serde_json::Value as J;
        let value = match v {
            J::Null => Value::Null,
            J::Bool(b) => Value::Bool(*b),
            J::Number(n) => Value::Number(n.to_string()),
            J::String(s) => Value::String(s.clone()),
            J::Array(a) => Value::List(a.iter().map(|x| Node::from_json_at(x, pos)).collect()),
            J::Object(m) => Value::Map(
                m.iter()
                    .map(|(k, x)| {
                        (
                            Key {
                                name: k.clone(),
                                pos,
                            },
                            Node::from_json_at(x, pos),
                        )
                    })
                    .collect(),
            ),
        };
        Node { value, pos }
    }

    /// Plain JSON for the model (policy documents, tags). A reference
    /// becomes the placeholder `${target}` or `${target.attr}` (an opaque,
    /// specific value: never a wildcard); an unknown value becomes the
    /// placeholder `${unknown}` and is reported to `unknown(path, reason)`
    /// with its path below this node (`Statement[0].Resource`).
    pub fn to_json(&self, unknown: &mut dyn FnMut(&str, &str)) -> serde_json::Value {
        self.to_json_at("", unknown)
    }

    fn to_json_at(&self, path: &str, unknown: &mut dyn FnMut(&str, &str)) -> serde_json::Value {
        use serde_json::Value as J;
        match &self.value {
            Value::Null => J::Null,
            Value::Bool(b) => J::Bool(*b),
            Value::Number(n) => n
                .parse::<serde_json::Number>()
                .map(J::Number)
                .unwrap_or_else(|_| J::String(n.clone())),
            Value::String(s) => J::String(s.clone()),
            Value::List(items) => J::Array(
                items
                    .iter()
                    .enumerate()
                    .map(|(i, x)| x.to_json_at(&format!("{path}[{i}]"), unknown))
                    .collect(),
            ),
            Value::Map(entries) => J::Object(
                entries
                    .iter()
                    .map(|(k, x)| {
                        let p = if path.is_empty() {
                            k.name.clone()
                        } else {
                            format!("{path}.{}", k.name)
                        };
                        (k.name.clone(), x.to_json_at(&p, unknown))
                    })
                    .collect(),
            ),
            Value::Ref { target, attr } => {
                J::String(reference_placeholder(target, attr.as_deref()))
            }
            Value::Unknown(reason) => {
                unknown(path, reason);
                J::String(UNKNOWN_PLACEHOLDER.to_owned())
            }
        }
    }
}

/// What an unknown value becomes in plain JSON.
pub const UNKNOWN_PLACEHOLDER: &str = "${unknown}";

/// What a reference becomes in plain text: `${target}` or `${target.attr}`.
pub fn reference_placeholder(target: &str, attr: Option<&str>) -> String {
    match attr {
        Some(a) => format!("${{{target}.{a}}}"),
        None => format!("${{{target}}}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unknowns_are_reported_with_their_path() {
        let mut n = Node::from_json(
            &serde_json::json!({"Statement": [{"Effect": "Allow", "Resource": null}]}),
        );
        if let Value::Map(e) = &mut n.value {
            if let Value::List(st) = &mut e[0].1.value {
                if let Value::Map(f) = &mut st[0].value {
                    f[1].1.value = Value::Unknown("parameter Arn has no value".into());
                }
            }
        }
        let mut seen = Vec::new();
        let j = n.to_json(&mut |p, r| seen.push((p.to_owned(), r.to_owned())));
        assert_eq!(j["Statement"][0]["Resource"], UNKNOWN_PLACEHOLDER);
        assert_eq!(
            seen,
            [(
                "Statement[0].Resource".to_owned(),
                "parameter Arn has no value".to_owned()
            )]
        );
        assert_eq!(n.unknown_reason(), Some("parameter Arn has no value"));
    }
}
