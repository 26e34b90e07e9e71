//! IAM policy documents: parsed tolerantly (URL-encoded or raw JSON text, or a
//! JSON object; single values or arrays) into normalised statements. A
//! document that cannot be read at all is kept as written and marked
//! [`Unreadable`], so the evaluator fails closed on it (an error result for
//! the checks over that policy) instead of seeing an empty document.

use std::collections::BTreeMap;

use serde::{Deserialize, Deserializer, Serialize, Serializer};
use serde_json::Value;

/// A parsed IAM policy document (identity, trust or resource policy).
#[derive(Debug, Clone, PartialEq, Default)]
pub struct PolicyDocument {
    /// The `Version` element, if present.
    pub version: Option<String>,
    /// Statements in document order.
    pub statements: Vec<Statement>,
    /// Set when the document could not be read; `statements` is then empty
    /// and means nothing (never "no permissions").
    pub unreadable: Option<Unreadable>,
}

/// A policy document that could not be read, kept as written.
#[derive(Debug, Clone, PartialEq)]
pub struct Unreadable {
    /// The document as it was found (text or JSON value); written back
    /// unchanged when the snapshot is saved.
    pub raw: Value,
    /// Why it could not be read.
    pub error: String,
}

/// One statement, with every list-or-scalar element normalised to a list.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Statement {
    /// `Sid`, if any.
    pub sid: Option<String>,
    /// `Allow` or `Deny`.
    pub effect: Effect,
    /// `Action` entries as written.
    pub action: Vec<String>,
    /// `NotAction` entries as written.
    pub not_action: Vec<String>,
    /// `Resource` entries.
    pub resource: Vec<String>,
    /// `NotResource` entries.
    pub not_resource: Vec<String>,
    /// `Principal`, if present.
    pub principal: Option<Principal>,
    /// `NotPrincipal`, if present.
    pub not_principal: Option<Principal>,
    /// `Condition` block, as written.
    pub condition: Option<Value>,
}

/// Statement effect.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Effect {
    /// `Allow`.
    #[default]
    Allow,
    /// `Deny`.
    Deny,
}

impl Effect {
    /// `Allow` or `Deny`.
    pub fn as_str(self) -> &'static str {
        match self {
            Effect::Allow => "Allow",
            Effect::Deny => "Deny",
        }
    }
}

/// A `Principal` element.
#[derive(Debug, Clone, PartialEq)]
pub enum Principal {
    /// `"Principal": "*"`.
    Any,
    /// `{"AWS": [...], "Service": [...], "Federated": [...], ...}`.
    Map(BTreeMap<String, Vec<String>>),
}

impl Principal {
    /// Entries of one kind (`AWS`, `Service`, `Federated`, `CanonicalUser`).
    pub fn of_kind(&self, kind: &str) -> Vec<&str> {
        match self {
            Principal::Any => Vec::new(),
            Principal::Map(m) => m
                .get(kind)
                .map(|v| v.iter().map(String::as_str).collect())
                .unwrap_or_default(),
        }
    }

    /// True for `"*"` or `{"AWS": "*"}`.
    pub fn is_anyone(&self) -> bool {
        match self {
            Principal::Any => true,
            Principal::Map(m) => m.get("AWS").is_some_and(|v| v.iter().any(|p| p == "*")),
        }
    }
}

/// Errors from parsing a policy document.
#[derive(Debug, thiserror::Error)]
pub enum PolicyParseError {
    /// The text is neither JSON nor URL-encoded JSON.
    #[error("policy document is not JSON: {0}")]
    NotJson(String),
    /// The JSON does not have the shape of a policy document.
    #[error("policy document: {0}")]
    Shape(String),
}

impl PolicyDocument {
    /// Parses a document as AWS returns it: URL-encoded JSON (IAM), or raw
    /// JSON text (moto, Backup, some SDK paths).
    pub fn parse_text(text: &str) -> Result<Self, PolicyParseError> {
        let trimmed = text.trim();
        let value: Value = match serde_json::from_str(trimmed) {
            Ok(v) => v,
            Err(first) => {
                let decoded = url_decode(trimmed)
                    .ok_or_else(|| PolicyParseError::NotJson(first.to_string()))?;
                // Trimmed as the text is, so both forms read alike.
                serde_json::from_str(decoded.trim())
                    .map_err(|e| PolicyParseError::NotJson(e.to_string()))?
            }
        };
        Self::from_value(&value)
    }

    /// Builds a document from its JSON value.
    pub fn from_value(value: &Value) -> Result<Self, PolicyParseError> {
        let obj = value
            .as_object()
            .ok_or_else(|| PolicyParseError::Shape("expected a JSON object".into()))?;
        let version = obj
            .get("Version")
            .and_then(Value::as_str)
            .map(str::to_owned);
        let statements = match obj.get("Statement") {
            None | Some(Value::Null) => Vec::new(),
            Some(Value::Array(items)) => items
                .iter()
                .map(Statement::from_value)
                .collect::<Result<_, _>>()?,
            Some(single) => vec![Statement::from_value(single)?],
        };
        Ok(Self {
            version,
            statements,
            unreadable: None,
        })
    }

    /// A document that could not be read: `raw` as found, and why.
    pub fn unreadable(raw: Value, error: impl std::fmt::Display) -> Self {
        Self {
            unreadable: Some(Unreadable {
                raw,
                error: error.to_string(),
            }),
            ..Self::default()
        }
    }

    /// Reads document text as [`PolicyDocument::parse_text`] does, but never
    /// fails: text that does not parse becomes an [`Unreadable`] document.
    pub fn read_text(text: &str) -> Self {
        Self::parse_text(text)
            .unwrap_or_else(|e| Self::unreadable(Value::String(text.to_owned()), e))
    }

    /// Reads a JSON value (a document object, or its text) without failing:
    /// a value that is not a document becomes an [`Unreadable`] document.
    pub fn read_value(value: &Value) -> Self {
        match value {
            Value::String(text) => Self::read_text(text),
            other => Self::from_value(other).unwrap_or_else(|e| Self::unreadable(other.clone(), e)),
        }
    }

    /// Why the document could not be read, when it could not.
    pub fn unreadable_reason(&self) -> Option<&str> {
        self.unreadable.as_ref().map(|u| u.error.as_str())
    }

    /// The canonical JSON form (lists always arrays).
    pub fn to_value(&self) -> Value {
        let mut obj = serde_json::Map::new();
        if let Some(v) = &self.version {
            obj.insert("Version".into(), Value::String(v.clone()));
        }
        obj.insert(
            "Statement".into(),
            Value::Array(self.statements.iter().map(Statement::to_value).collect()),
        );
        Value::Object(obj)
    }
}

impl Statement {
    fn from_value(value: &Value) -> Result<Self, PolicyParseError> {
        let obj = value
            .as_object()
            .ok_or_else(|| PolicyParseError::Shape("statement is not an object".into()))?;
        let effect = match obj.get("Effect").and_then(Value::as_str) {
            Some(e) if e.eq_ignore_ascii_case("allow") => Effect::Allow,
            Some(e) if e.eq_ignore_ascii_case("deny") => Effect::Deny,
            other => {
                return Err(PolicyParseError::Shape(format!(
                    "statement Effect must be Allow or Deny, found {}",
                    crate::excerpt::quoted(&other)
                )))
            }
        };
        Ok(Self {
            sid: obj.get("Sid").and_then(Value::as_str).map(str::to_owned),
            effect,
            action: string_list(obj.get("Action"), "Action")?,
            not_action: string_list(obj.get("NotAction"), "NotAction")?,
            resource: string_list(obj.get("Resource"), "Resource")?,
            not_resource: string_list(obj.get("NotResource"), "NotResource")?,
            principal: obj.get("Principal").map(principal).transpose()?,
            not_principal: obj.get("NotPrincipal").map(principal).transpose()?,
            condition: obj.get("Condition").filter(|c| !c.is_null()).cloned(),
        })
    }

    fn to_value(&self) -> Value {
        let mut obj = serde_json::Map::new();
        if let Some(sid) = &self.sid {
            obj.insert("Sid".into(), Value::String(sid.clone()));
        }
        obj.insert("Effect".into(), Value::String(self.effect.as_str().into()));
        for (key, list) in [
            ("Action", &self.action),
            ("NotAction", &self.not_action),
            ("Resource", &self.resource),
            ("NotResource", &self.not_resource),
        ] {
            if !list.is_empty() {
                obj.insert(key.into(), Value::from(list.clone()));
            }
        }
        for (key, p) in [
            ("Principal", &self.principal),
            ("NotPrincipal", &self.not_principal),
        ] {
            match p {
                Some(Principal::Any) => {
                    obj.insert(key.into(), Value::String("*".into()));
                }
                Some(Principal::Map(m)) => {
                    let map = m
                        .iter()
                        .map(|(k, v)| (k.clone(), Value::from(v.clone())))
                        .collect();
                    obj.insert(key.into(), Value::Object(map));
                }
                None => {}
            }
        }
        if let Some(c) = &self.condition {
            obj.insert("Condition".into(), c.clone());
        }
        Value::Object(obj)
    }

    /// Condition keys used by this statement, lower-cased (IAM condition keys
    /// are case-insensitive), e.g. `sts:externalid`.
    pub fn condition_keys(&self) -> Vec<String> {
        let mut keys = Vec::new();
        if let Some(Value::Object(ops)) = &self.condition {
            for body in ops.values() {
                if let Value::Object(kv) = body {
                    keys.extend(kv.keys().map(|k| k.to_ascii_lowercase()));
                }
            }
        }
        keys.sort();
        keys.dedup();
        keys
    }
}

fn string_list(value: Option<&Value>, what: &str) -> Result<Vec<String>, PolicyParseError> {
    match value {
        None | Some(Value::Null) => Ok(Vec::new()),
        Some(Value::String(s)) => Ok(vec![s.clone()]),
        Some(Value::Array(items)) => items
            .iter()
            .map(|i| {
                i.as_str().map(str::to_owned).ok_or_else(|| {
                    PolicyParseError::Shape(format!("{what} entries must be strings"))
                })
            })
            .collect(),
        Some(_) => Err(PolicyParseError::Shape(format!(
            "{what} must be a string or a list of strings"
        ))),
    }
}

fn principal(value: &Value) -> Result<Principal, PolicyParseError> {
    match value {
        Value::String(s) if s == "*" => Ok(Principal::Any),
        Value::Object(m) => {
            let mut out = BTreeMap::new();
            for (k, v) in m {
                out.insert(k.clone(), string_list(Some(v), "Principal")?);
            }
            Ok(Principal::Map(out))
        }
        _ => Err(PolicyParseError::Shape(
            "Principal must be \"*\" or an object".into(),
        )),
    }
}

/// Percent-decodes `text` (`+` is a space, as in form encoding). Returns None
/// for a malformed escape or non-UTF-8 result.
pub fn url_decode(text: &str) -> Option<String> {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'%' => {
                let hex = bytes.get(i + 1..i + 3)?;
                let s = std::str::from_utf8(hex).ok()?;
                out.push(u8::from_str_radix(s, 16).ok()?);
                i += 3;
            }
            b'+' => {
                out.push(b' ');
                i += 1;
            }
            b => {
                out.push(b);
                i += 1;
            }
        }
    }
    String::from_utf8(out).ok()
}

impl Serialize for PolicyDocument {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        match &self.unreadable {
            Some(u) => u.raw.serialize(s),
            None => self.to_value().serialize(s),
        }
    }
}

/// Never fails on a document that is valid JSON but not a readable policy:
/// that becomes an [`Unreadable`] document (one policy's bad data must give
/// errors for that policy, not reject the whole snapshot).
impl<'de> Deserialize<'de> for PolicyDocument {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let value = Value::deserialize(d)?;
        Ok(PolicyDocument::read_value(&value))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn url_encoded_and_raw_documents_parse_alike() {
        let raw = r#"{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"*","Resource":"*"}}"#;
        let encoded = "%7B%22Version%22%3A%222012-10-17%22%2C%22Statement%22%3A%7B%22Effect%22%3A%22Allow%22%2C%22Action%22%3A%22%2A%22%2C%22Resource%22%3A%22%2A%22%7D%7D";
        let a = PolicyDocument::parse_text(raw).expect("raw");
        let b = PolicyDocument::parse_text(encoded).expect("encoded");
        assert_eq!(a, b);
        assert_eq!(a.statements[0].action, vec!["*"]);
    }

    /// Found by fuzzing (fuzz/ policy_document): text ending in a vertical
    /// tab read as JSON, its URL-encoded form did not (the decoded text was
    /// not trimmed).
    #[test]
    fn url_encoded_text_is_trimmed_as_raw_text_is() {
        let raw = "{\"Statement\":{\"Effect\":\"Allow\",\"Action\":\"*\"}}\u{b}\u{b}";
        let encoded = "%7B%22Statement%22%3A%7B%22Effect%22%3A%22Allow%22%2C%22Action%22%3A%22%2A%22%7D%7D%0B%0B";
        let a = PolicyDocument::parse_text(raw).expect("raw");
        assert_eq!(PolicyDocument::parse_text(encoded).expect("encoded"), a);
    }

    #[test]
    fn trust_principals_and_condition_keys() {
        let doc = PolicyDocument::parse_text(
            r#"{"Statement":[{"Effect":"Allow","Principal":{"AWS":["arn:aws:iam::222222222222:root"]},"Action":"sts:AssumeRole","Condition":{"StringEquals":{"sts:ExternalId":"x"}}}]}"#,
        )
        .expect("parse");
        let st = &doc.statements[0];
        assert_eq!(st.condition_keys(), vec!["sts:externalid"]);
        assert!(!st.principal.as_ref().expect("principal").is_anyone());
    }

    #[test]
    fn bad_effect_is_an_error() {
        assert!(PolicyDocument::parse_text(r#"{"Statement":[{"Effect":"Maybe"}]}"#).is_err());
    }

    #[test]
    fn reasons_quote_a_short_excerpt_never_the_document() {
        // A 1 MB Effect, as text and as a value, and 1 MB of truncated or
        // URL-encoded text: each reason stays short.
        let big = "LEAKMARK".repeat(131_072);
        let effect = format!(r#"{{"Statement":[{{"Effect":"{big}","Action":"*"}}]}}"#);
        let truncated = format!(r#"{{"Statement":[{{"Effect":"Allow","Action":"{big}"#);
        let encoded = format!("%7B%22Statement%22%3A%5B{big}");
        for doc in [
            PolicyDocument::read_text(&effect),
            PolicyDocument::read_value(&serde_json::from_str(&effect).expect("json")),
            PolicyDocument::read_text(&truncated),
            PolicyDocument::read_text(&encoded),
        ] {
            let why = doc.unreadable_reason().expect("unreadable");
            assert!(why.len() < 300, "{} bytes: {}", why.len(), &why[..300]);
        }
        let why = PolicyDocument::read_text(&effect);
        assert!(
            why.unreadable_reason()
                .is_some_and(|e| e.contains("found Some(\"LEAKMARK")),
            "the excerpt still shows what was found: {:?}",
            why.unreadable_reason()
        );
    }

    #[test]
    fn unreadable_documents_are_kept_and_marked_never_empty() {
        for raw in [
            serde_json::json!("%7Bnot json"),
            serde_json::json!({"Statement": [{"Effect": "Maybe"}]}),
            serde_json::json!(42),
        ] {
            let doc: PolicyDocument = serde_json::from_value(raw.clone()).expect("deserialises");
            assert!(doc.unreadable_reason().is_some(), "{raw}");
            assert!(doc.statements.is_empty());
            // Written back as found, and read back as unreadable again.
            let back = serde_json::to_value(&doc).expect("serialises");
            assert_eq!(back, raw);
            let again: PolicyDocument = serde_json::from_value(back).expect("deserialises");
            assert_eq!(again, doc);
        }
        let ok = PolicyDocument::read_text(r#"{"Statement":{"Effect":"Allow","Action":"*"}}"#);
        assert_eq!(ok.unreadable_reason(), None);
        assert_eq!(ok.statements.len(), 1);
        let bad = PolicyDocument::read_text("{");
        assert!(bad
            .unreadable_reason()
            .is_some_and(|e| e.contains("not JSON")));
    }
}
