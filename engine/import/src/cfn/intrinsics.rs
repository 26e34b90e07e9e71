//! The intrinsic functions: `Ref`, `Fn::GetAtt`, `Fn::Sub`, `Fn::Join`,
//! `Fn::Select`, `Fn::Split`, `Fn::FindInMap`, `Fn::If`, `Fn::Base64`,
//! `Fn::GetAZs`, `Fn::ImportValue`, `Fn::Cidr`, `Fn::Length`,
//! `Fn::ToJsonString`, `Fn::Transform`, and the condition functions used
//! as values. A value that cannot be known before deployment is
//! [`Value::Unknown`] with the reason of the first unknown it depends on.

use std::collections::HashMap;

use super::conditions::{runtime_reason, Cond};
use super::{moved, same, Resolved, Resolver};
use crate::value::{reference_placeholder, Key, Node, Pos, Value};
use crate::ImportError;

/// A string value; one holding a dynamic reference (`{{resolve:ssm:x}}`)
/// is unknown: it is resolved at deployment.
pub(super) fn text(s: String) -> Value {
    match s.find("{{resolve:") {
        Some(i) => {
            let end = s[i..].find("}}").map_or(s.len(), |e| i + e + 2);
            Value::Unknown(format!(
                "dynamic reference {} is resolved at deployment",
                &s[i..end]
            ))
        }
        None => Value::String(s),
    }
}

/// A piece of a string being built (`Fn::Sub`, `Fn::Join`).
enum Piece {
    Text(String),
    Unknown(String),
}

/// The text of a scalar or a reference (as its placeholder); `Err` for a
/// list, a map or null.
fn piece(v: &Value) -> Result<Piece, &'static str> {
    match v {
        Value::String(s) | Value::Number(s) => Ok(Piece::Text(s.clone())),
        Value::Bool(b) => Ok(Piece::Text(b.to_string())),
        Value::Ref { target, attr } => {
            Ok(Piece::Text(reference_placeholder(target, attr.as_deref())))
        }
        Value::Unknown(r) => Ok(Piece::Unknown(r.clone())),
        Value::List(_) => Err("a list"),
        Value::Map(_) => Err("a map"),
        Value::Null => Err("null"),
    }
}

impl<'a> Resolver<'a> {
    /// Resolves an expression; `None` for `AWS::NoValue`.
    pub(super) fn resolve(&mut self, n: &'a Node) -> Resolved {
        Ok(Some(match &n.value {
            Value::Map(entries) => match entries.as_slice() {
                [(k, arg)] if k.name == "Ref" || k.name.starts_with("Fn::") => {
                    return self.call(k, arg, n);
                }
                _ => {
                    let mut out = Vec::with_capacity(entries.len());
                    for (k, v) in entries {
                        if let Some(v) = self.resolve(v)? {
                            out.push((k.clone(), v));
                        }
                    }
                    Node::new(Value::Map(out), n.pos)
                }
            },
            Value::List(items) => {
                let mut out = Vec::with_capacity(items.len());
                for i in items {
                    if let Some(v) = self.resolve(i)? {
                        out.push(v);
                    }
                }
                Node::new(Value::List(out), n.pos)
            }
            Value::String(s) => Node::new(text(s.clone()), n.pos),
            _ => n.clone(),
        }))
    }

    /// A call of intrinsic function `key` with `arg`; `n` is the call.
    fn call(&mut self, key: &'a Key, arg: &'a Node, n: &'a Node) -> Resolved {
        let pos = n.pos;
        let unknown = |r: String| Ok(Some(Node::new(Value::Unknown(r), pos)));
        match key.name.as_str() {
            "Ref" => self.reference(arg, pos),
            "Fn::GetAtt" => self.get_att(arg, pos),
            "Fn::Sub" => self.sub(arg, pos),
            "Fn::Join" => self.join(arg, pos),
            "Fn::Select" => self.select(arg, pos),
            "Fn::Split" => self.split(arg, pos),
            "Fn::FindInMap" => self.find_in_map(arg, pos),
            "Fn::If" => self.if_(arg, pos),
            "Fn::Length" => self.length(arg, pos),
            "Fn::ToJsonString" => self.json_string(arg, pos),
            "Fn::Base64" => Ok(self.resolve(arg)?.map(|v| Node::new(v.value, pos))),
            "Fn::Equals" | "Fn::And" | "Fn::Or" | "Fn::Not" => {
                let value = match self.condition_expr(n)? {
                    Cond::True => Value::Bool(true),
                    Cond::False => Value::Bool(false),
                    Cond::Unknown(r) => Value::Unknown(r),
                };
                Ok(Some(Node::new(value, pos)))
            }
            "Fn::GetAZs" => {
                let region = match self.resolve(arg)?.as_ref().and_then(Node::as_str) {
                    Some(r) if !r.is_empty() => r.to_owned(),
                    _ => self.pseudo.region().to_owned(),
                };
                unknown(format!(
                    "Fn::GetAZs: the Availability Zones of {region} are known only at deployment"
                ))
            }
            "Fn::ImportValue" => {
                let name = self.resolve(arg)?;
                let name = match name.as_ref().map(|n| &n.value) {
                    Some(Value::String(s)) => s.clone(),
                    Some(Value::Unknown(r)) => format!("whose name is unknown ({r})"),
                    _ => "whose name is not a string".to_owned(),
                };
                unknown(format!("value imported from another stack's export {name}"))
            }
            "Fn::Cidr" => {
                unknown("Fn::Cidr: the address blocks are computed at deployment".to_owned())
            }
            "Fn::Transform" => {
                let name = arg
                    .get("Name")
                    .and_then(Node::as_str)
                    .unwrap_or("(unnamed)");
                unknown(format!(
                    "Fn::Transform {name}: the macro's output is known only at deployment"
                ))
            }
            other => Err(self.err(key.pos, format!("unknown intrinsic function {other}"))),
        }
    }

    /// `Ref name`.
    fn reference(&mut self, arg: &'a Node, pos: Pos) -> Resolved {
        let Some(name) = arg.as_str() else {
            return Err(self.err(arg.pos, "Ref takes the name of a parameter or resource"));
        };
        if name == "AWS::NoValue" {
            return Ok(None);
        }
        if let Some(v) = self.pseudo.get(name) {
            return Ok(Some(Node::new(v, pos)));
        }
        if let Some(v) = self.params.get(name) {
            return Ok(Some(moved(v, pos)));
        }
        if self.resources.contains(name) {
            let target = name.to_owned();
            return Ok(Some(Node::new(Value::Ref { target, attr: None }, pos)));
        }
        Err(self.err(
            pos,
            format!("Ref to {name}, which is not a parameter, pseudo parameter or resource"),
        ))
    }

    /// `Fn::GetAtt [Res, Attr]` or `Fn::GetAtt Res.Attr`.
    fn get_att(&mut self, arg: &'a Node, pos: Pos) -> Resolved {
        let (target, attr) = match (&arg.value, arg.items()) {
            (Value::String(s), _) => match s.split_once('.') {
                Some((t, a)) => (t.to_owned(), a.to_owned()),
                None => return Err(self.err(arg.pos, "Fn::GetAtt takes Resource.Attribute")),
            },
            (_, [t, a]) => {
                let Some(t) = t.as_str() else {
                    return Err(self.err(t.pos, "Fn::GetAtt takes a resource's logical id"));
                };
                let attr = match self.resolve(a)?.map(|a| a.value) {
                    Some(Value::String(s)) => s,
                    Some(Value::Unknown(r)) => {
                        return Ok(Some(Node::new(
                            Value::Unknown(format!(
                                "Fn::GetAtt of {t} with an unknown attribute name ({r})"
                            )),
                            pos,
                        )))
                    }
                    _ => return Err(self.err(a.pos, "Fn::GetAtt takes an attribute name")),
                };
                (t.to_owned(), attr)
            }
            _ => return Err(self.err(arg.pos, "Fn::GetAtt takes [Resource, Attribute]")),
        };
        if !self.resources.contains(target.as_str()) {
            return Err(self.err(
                pos,
                format!("Fn::GetAtt of {target}, which is not a resource"),
            ));
        }
        let attr = Some(attr);
        Ok(Some(Node::new(Value::Ref { target, attr }, pos)))
    }

    /// `Fn::Sub "text"` or `Fn::Sub ["text", {Var: value}]`.
    fn sub(&mut self, arg: &'a Node, pos: Pos) -> Resolved {
        let (template, vars_node) = match (&arg.value, arg.items()) {
            (Value::String(s), _) => (s.as_str(), None),
            (_, [t, v]) if t.as_str().is_some() && matches!(v.value, Value::Map(_)) => {
                (t.as_str().unwrap_or_default(), Some(v))
            }
            _ => return Err(self.err(arg.pos, "Fn::Sub takes a string or [string, {variables}]")),
        };
        let mut vars: HashMap<&str, Option<Node>> = HashMap::new();
        for (k, v) in vars_node.map(Node::entries).unwrap_or_default() {
            vars.insert(k.name.as_str(), self.resolve(v)?);
        }
        let mut out = String::with_capacity(template.len());
        let mut rest = template;
        while let Some(i) = rest.find("${") {
            out.push_str(&rest[..i]);
            let after = &rest[i + 2..];
            if let Some(lit) = after.strip_prefix('!') {
                out.push_str("${");
                rest = lit;
                continue;
            }
            let Some(j) = after.find('}') else {
                out.push_str(&rest[i..]);
                rest = "";
                break;
            };
            let name = after[..j].trim();
            match self.sub_var(name, &vars, pos)? {
                Piece::Text(t) => out.push_str(&t),
                Piece::Unknown(r) => return Ok(Some(Node::new(Value::Unknown(r), pos))),
            }
            rest = &after[j + 1..];
        }
        out.push_str(rest);
        Ok(Some(Node::new(text(out), pos)))
    }

    /// The text of `${name}` in an `Fn::Sub`.
    fn sub_var(
        &self,
        name: &str,
        vars: &HashMap<&str, Option<Node>>,
        pos: Pos,
    ) -> Result<Piece, ImportError> {
        let value = if let Some(v) = vars.get(name) {
            match v {
                Some(v) => v.value.clone(),
                None => {
                    return Err(self.err(pos, format!("Fn::Sub variable {name} is AWS::NoValue")))
                }
            }
        } else if let Some(v) = self.pseudo.get(name) {
            v
        } else if let Some(v) = self.params.get(name) {
            v.value.clone()
        } else if self.resources.contains(name) {
            return Ok(Piece::Text(reference_placeholder(name, None)));
        } else {
            match name.split_once('.') {
                Some((res, attr)) if self.resources.contains(res) => {
                    return Ok(Piece::Text(reference_placeholder(res, Some(attr))));
                }
                _ => {
                    return Err(self.err(
                        pos,
                        format!(
                        "Fn::Sub uses ${{{name}}}, which is not a parameter, resource or variable"
                    ),
                    ))
                }
            }
        };
        piece(&value).map_err(|what| self.err(pos, format!("Fn::Sub variable {name} is {what}")))
    }

    /// `Fn::Join [delimiter, [values]]`.
    fn join(&mut self, arg: &'a Node, pos: Pos) -> Resolved {
        let [d, list] = arg.items() else {
            return Err(self.err(arg.pos, "Fn::Join takes [delimiter, [values]]"));
        };
        let delim = match self.resolve(d)?.map(|d| d.value) {
            Some(Value::String(s)) => s,
            Some(Value::Unknown(r)) => return Ok(Some(Node::new(Value::Unknown(r), pos))),
            _ => return Err(self.err(d.pos, "the Fn::Join delimiter must be a string")),
        };
        let list = self.resolve(list)?;
        let items = match list.as_ref().map(|l| &l.value) {
            Some(Value::List(items)) => items,
            Some(v @ (Value::Unknown(_) | Value::Ref { .. })) => {
                return Ok(Some(self.unknown_list(v, "Fn::Join over", pos)));
            }
            _ => return Err(self.err(arg.pos, "Fn::Join takes a list of values")),
        };
        let mut parts = Vec::with_capacity(items.len());
        for i in items {
            match piece(&i.value) {
                Ok(Piece::Text(t)) => parts.push(t),
                Ok(Piece::Unknown(r)) => return Ok(Some(Node::new(Value::Unknown(r), pos))),
                Err(what) => {
                    return Err(self.err(i.pos, format!("Fn::Join takes strings, not {what}")))
                }
            }
        }
        Ok(Some(Node::new(text(parts.join(&delim)), pos)))
    }

    /// An unknown standing for function `what` over a list that is
    /// unknown or a resource's runtime value.
    fn unknown_list(&self, v: &Value, what: &str, pos: Pos) -> Node {
        let reason = match v {
            Value::Unknown(r) => r.clone(),
            Value::Ref { target, attr } => format!(
                "{what} {}, known only after deployment",
                reference_placeholder(target, attr.as_deref())
            ),
            _ => format!("{what} a value that is not known"),
        };
        Node::new(Value::Unknown(reason), pos)
    }

    /// `Fn::Select [index, [values]]`.
    fn select(&mut self, arg: &'a Node, pos: Pos) -> Resolved {
        let [i, list] = arg.items() else {
            return Err(self.err(arg.pos, "Fn::Select takes [index, [values]]"));
        };
        let index = match self.resolve(i)? {
            Some(n) if matches!(n.value, Value::Unknown(_)) => {
                return Ok(Some(Node::new(n.value, pos)))
            }
            Some(n) => match n.as_i64().and_then(|x| usize::try_from(x).ok()) {
                Some(x) => x,
                None => return Err(self.err(i.pos, "the Fn::Select index must be a whole number")),
            },
            None => return Err(self.err(i.pos, "the Fn::Select index must be a whole number")),
        };
        let list = self.resolve(list)?;
        match list.map(|l| l.value) {
            Some(Value::List(mut items)) => {
                if index >= items.len() {
                    return Err(self.err(
                        pos,
                        format!(
                            "Fn::Select index {index} is out of range for a list of {}",
                            items.len()
                        ),
                    ));
                }
                Ok(Some(items.swap_remove(index)))
            }
            Some(v @ (Value::Unknown(_) | Value::Ref { .. })) => Ok(Some(self.unknown_list(
                &v,
                &format!("element {index} of"),
                pos,
            ))),
            _ => Err(self.err(arg.pos, "Fn::Select takes a list of values")),
        }
    }

    /// `Fn::Split [delimiter, string]`.
    fn split(&mut self, arg: &'a Node, pos: Pos) -> Resolved {
        let [d, s] = arg.items() else {
            return Err(self.err(arg.pos, "Fn::Split takes [delimiter, string]"));
        };
        let delim = match self.resolve(d)?.map(|d| d.value) {
            Some(Value::String(s)) if !s.is_empty() => s,
            _ => return Err(self.err(d.pos, "the Fn::Split delimiter must be a non-empty string")),
        };
        let source = self.resolve(s)?;
        match source.map(|s| s.value) {
            Some(Value::String(s) | Value::Number(s)) => {
                let items = s
                    .split(delim.as_str())
                    .map(|p| Node::new(Value::String(p.to_owned()), pos));
                Ok(Some(Node::new(Value::List(items.collect()), pos)))
            }
            Some(v @ (Value::Unknown(_) | Value::Ref { .. })) => {
                Ok(Some(self.unknown_list(&v, "Fn::Split of", pos)))
            }
            _ => Err(self.err(s.pos, "Fn::Split takes a string")),
        }
    }

    /// The text of a lookup key (`Fn::FindInMap`): `Ok(Err(reason))` when
    /// it is not known before deployment.
    fn key_text(&mut self, n: &'a Node, what: &str) -> Result<Result<String, String>, ImportError> {
        let v = self.resolve(n)?.unwrap_or(Node::new(Value::Null, n.pos));
        if let Some(r) = runtime_reason(&v) {
            return Ok(Err(r));
        }
        match piece(&v.value) {
            Ok(Piece::Text(t)) => Ok(Ok(t)),
            _ => Err(self.err(n.pos, format!("the {what} must be a string"))),
        }
    }

    /// `Fn::FindInMap [Map, TopKey, SecondKey]`, optionally with
    /// `{DefaultValue: x}` as a fourth item.
    fn find_in_map(&mut self, arg: &'a Node, pos: Pos) -> Resolved {
        let (m, k1, k2, default) = match arg.items() {
            [m, k1, k2] => (m, k1, k2, None),
            [m, k1, k2, d] => match d.get("DefaultValue") {
                Some(d) => (m, k1, k2, Some(d)),
                None => {
                    return Err(self.err(
                        d.pos,
                        "the fourth item of Fn::FindInMap must be {DefaultValue: value}",
                    ))
                }
            },
            _ => {
                return Err(self.err(
                    arg.pos,
                    "Fn::FindInMap takes [MapName, TopLevelKey, SecondLevelKey]",
                ))
            }
        };
        let keys = [
            self.key_text(m, "mapping name")?,
            self.key_text(k1, "top-level key")?,
            self.key_text(k2, "second-level key")?,
        ];
        let mut known = Vec::with_capacity(3);
        for k in keys {
            match k {
                Ok(t) => known.push(t),
                Err(r) => {
                    let what = known.first().map_or("a mapping", String::as_str).to_owned();
                    let reason = format!("Fn::FindInMap in {what} with a key that is unknown: {r}");
                    return Ok(Some(Node::new(Value::Unknown(reason), pos)));
                }
            }
        }
        let [map, top, second] = [&known[0], &known[1], &known[2]];
        let found = match self.mappings.get(map.as_str()) {
            None => Err(format!("there is no mapping {map}")),
            Some(tops) => match tops.get(top.as_str()) {
                None => Err(format!("mapping {map} has no key {top}")),
                Some(inner) => inner
                    .get(second)
                    .ok_or_else(|| format!("mapping {map} key {top} has no key {second}")),
            },
        };
        match (found, default) {
            (Ok(v), _) => Ok(Some(moved(v, pos))),
            (Err(_), Some(d)) => self.resolve(d),
            (Err(e), None) => {
                Err(self.err(pos, format!("Fn::FindInMap [{map}, {top}, {second}]: {e}")))
            }
        }
    }

    /// `Fn::If [condition, then, else]`.
    fn if_(&mut self, arg: &'a Node, pos: Pos) -> Resolved {
        let [c, a, b] = arg.items() else {
            return Err(self.err(
                arg.pos,
                "Fn::If takes [condition, value if true, value if false]",
            ));
        };
        let Some(name) = c.as_str() else {
            return Err(self.err(c.pos, "Fn::If takes a condition name first"));
        };
        match self.condition(name, c.pos)? {
            Cond::True => self.resolve(a),
            Cond::False => self.resolve(b),
            Cond::Unknown(r) => {
                let (x, y) = (self.resolve(a)?, self.resolve(b)?);
                match (x, y) {
                    (None, None) => Ok(None),
                    (Some(x), Some(y)) if same(&x, &y) => Ok(Some(x)),
                    _ => Ok(Some(Node::new(
                        Value::Unknown(format!(
                            "Fn::If on condition {name}, whose value is unknown ({r})"
                        )),
                        pos,
                    ))),
                }
            }
        }
    }

    /// `Fn::Length [values]`.
    fn length(&mut self, arg: &'a Node, pos: Pos) -> Resolved {
        match self.resolve(arg)?.map(|l| l.value) {
            Some(Value::List(items)) => {
                Ok(Some(Node::new(Value::Number(items.len().to_string()), pos)))
            }
            Some(v @ (Value::Unknown(_) | Value::Ref { .. })) => {
                Ok(Some(self.unknown_list(&v, "Fn::Length of", pos)))
            }
            _ => Err(self.err(arg.pos, "Fn::Length takes a list")),
        }
    }

    /// `Fn::ToJsonString value`: the JSON text of a known value.
    fn json_string(&mut self, arg: &'a Node, pos: Pos) -> Resolved {
        let Some(v) = self.resolve(arg)? else {
            return Err(self.err(arg.pos, "Fn::ToJsonString takes a map or a list"));
        };
        if let Some(r) = v.unknown_reason() {
            return Ok(Some(Node::new(Value::Unknown(r.to_owned()), pos)));
        }
        let json = v.to_json(&mut |_, _| {});
        let s = serde_json::to_string(&json).map_err(|e| self.err(pos, e.to_string()))?;
        Ok(Some(Node::new(Value::String(s), pos)))
    }
}
