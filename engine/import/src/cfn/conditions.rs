//! `Conditions`: `Fn::Equals`, `Fn::And`, `Fn::Or`, `Fn::Not` and
//! `Condition` references, evaluated on demand with a memo. A value that
//! cannot be known makes the condition unknown; a cycle or a reference to
//! an undefined condition is an error.

use super::{same, Resolver};
use crate::value::{Node, Pos, Value};
use crate::ImportError;

/// A condition's value.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) enum Cond {
    True,
    False,
    /// Not known before deployment; the reason names the value.
    Unknown(String),
}

impl Cond {
    fn of(b: bool) -> Cond {
        if b {
            Cond::True
        } else {
            Cond::False
        }
    }

    fn not(self) -> Cond {
        match self {
            Cond::True => Cond::False,
            Cond::False => Cond::True,
            u => u,
        }
    }
}

impl<'a> Resolver<'a> {
    /// The value of condition `name`, referenced at `pos`.
    pub(super) fn condition(&mut self, name: &str, pos: Pos) -> Result<Cond, ImportError> {
        if let Some(c) = self.memo.get(name) {
            return Ok(c.clone());
        }
        let Some(&(key, expr)) = self.conditions.get(name) else {
            return Err(self.err(pos, format!("undefined condition {name}")));
        };
        let name = key.name.as_str();
        if let Some(i) = self.evaluating.iter().position(|n| *n == name) {
            let mut cycle: Vec<&str> = self.evaluating[i..].to_vec();
            cycle.push(name);
            return Err(self.err(
                key.pos,
                format!("a cycle in Conditions: {}", cycle.join(" -> ")),
            ));
        }
        self.evaluating.push(name);
        let value = self.condition_expr(expr);
        self.evaluating.pop();
        let value = value?;
        self.memo.insert(name, value.clone());
        Ok(value)
    }

    /// The value of a condition expression.
    pub(super) fn condition_expr(&mut self, n: &'a Node) -> Result<Cond, ImportError> {
        if let Some(b) = n.as_bool() {
            return Ok(Cond::of(b));
        }
        let (key, arg) = match n.entries() {
            [(k, a)] => (k, a),
            _ => return Err(self.not_a_condition(n.pos)),
        };
        match key.name.as_str() {
            "Condition" => match arg.as_str() {
                Some(name) => self.condition(name, arg.pos),
                None => Err(self.err(arg.pos, "Condition must name a condition")),
            },
            "Fn::Equals" => self.equals(arg, n.pos),
            "Fn::Not" => match arg.items() {
                [c] => Ok(self.condition_expr(c)?.not()),
                _ => Err(self.err(arg.pos, "Fn::Not takes a list of one condition")),
            },
            "Fn::And" | "Fn::Or" => self.and_or(&key.name, arg),
            _ => Err(self.not_a_condition(n.pos)),
        }
    }

    fn not_a_condition(&self, pos: Pos) -> ImportError {
        self.err(
            pos,
            "expected a condition: Fn::Equals, Fn::And, Fn::Or, Fn::Not or Condition",
        )
    }

    /// `Fn::Equals [a, b]`.
    fn equals(&mut self, arg: &'a Node, pos: Pos) -> Result<Cond, ImportError> {
        let [a, b] = arg.items() else {
            return Err(self.err(arg.pos, "Fn::Equals takes a list of two values"));
        };
        let null = || Node::new(Value::Null, pos);
        let a = self.resolve(a)?.unwrap_or_else(null);
        let b = self.resolve(b)?.unwrap_or_else(null);
        for v in [&a, &b] {
            if let Some(reason) = runtime_reason(v) {
                return Ok(Cond::Unknown(reason));
            }
        }
        Ok(Cond::of(same(&a, &b)))
    }

    /// `Fn::And [c, ...]` / `Fn::Or [c, ...]`: a false (and) or true (or)
    /// operand decides even when another is unknown.
    fn and_or(&mut self, op: &str, arg: &'a Node) -> Result<Cond, ImportError> {
        let items = arg.items();
        if items.is_empty() {
            return Err(self.err(arg.pos, format!("{op} takes a list of conditions")));
        }
        let decisive = if op == "Fn::And" {
            Cond::False
        } else {
            Cond::True
        };
        let mut unknown = None;
        for c in items {
            match self.condition_expr(c)? {
                Cond::Unknown(r) => {
                    unknown.get_or_insert(r);
                }
                v if v == decisive => return Ok(v),
                _ => {}
            }
        }
        Ok(match unknown {
            Some(r) => Cond::Unknown(r),
            None => decisive.not(),
        })
    }
}

/// Why a value cannot be compared before deployment: it is or holds an
/// unknown, or a resource's runtime value.
pub(super) fn runtime_reason(n: &Node) -> Option<String> {
    match &n.value {
        Value::Unknown(r) => Some(r.clone()),
        Value::Ref { target, attr } => Some(format!(
            "{}, known only after deployment",
            crate::value::reference_placeholder(target, attr.as_deref())
        )),
        Value::List(items) => items.iter().find_map(runtime_reason),
        Value::Map(entries) => entries.iter().find_map(|(_, v)| runtime_reason(v)),
        _ => None,
    }
}
