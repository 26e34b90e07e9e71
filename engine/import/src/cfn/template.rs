//! Resolves a template: parameters (defaults, given values), pseudo
//! parameters, mappings, conditions and every intrinsic function, leaving
//! plain resources whose properties hold only values, references to other
//! resources ([`Value::Ref`](crate::Value::Ref)) and unknowns.
//!
//! - Parameters take the given value (`--parameter K=V`), else their
//!   `Default`, else are unknown; list types become lists. Pseudo
//!   parameters: `AWS::Region` (the option, else
//!   [`DEFAULT_REGION`](crate::DEFAULT_REGION)), `AWS::Partition` and
//!   `AWS::URLSuffix` from it, `AWS::AccountId` from the option (else
//!   the symbolic own account [`UNKNOWN_ACCOUNT`](crate::UNKNOWN_ACCOUNT),
//!   which the IaC account also carries), `AWS::StackName` / `AWS::StackId` / `AWS::NotificationARNs`
//!   unknown, `AWS::NoValue` removes the property or list item it is in.
//! - Conditions are evaluated on demand with a memo; a comparison with an
//!   unknown value makes the condition unknown. A resource whose
//!   `Condition` is false is left out; one whose condition is unknown is
//!   kept (the worst case is judged: its checks run as if it exists).
//! - `Fn::If` on an unknown condition keeps the value when both branches
//!   agree, else the value is unknown.
//! - A reference to a resource (`Ref`, `Fn::GetAtt`) is
//!   [`Value::Ref`](crate::Value::Ref); inside a string (`Fn::Sub`,
//!   `Fn::Join`) it is the opaque placeholder `${Res}` / `${Res.Attr}`.
//! - Transforms (the `Transform` section: `AWS::Serverless-2016-10-31`,
//!   `AWS::LanguageExtensions`, macros) are not expanded: resources are
//!   taken as written (SAM resources count as uncovered types) and the
//!   transforms are listed in [`Template::transforms`]. `Fn::Transform`
//!   inside a resource is an unknown value. Dynamic references
//!   (`{{resolve:ssm:...}}`) are unknown values.
//! - `DependsOn`, `DeletionPolicy`, `Metadata`, `Outputs` and `Rules` are
//!   not read.
//!
//! Every resolved node keeps the position of the expression it came from,
//! so findings point at the property's line.

#[path = "conditions.rs"]
mod conditions;
#[path = "intrinsics.rs"]
mod intrinsics;
#[path = "params.rs"]
mod params;

use std::collections::{HashMap, HashSet};

use crate::value::{Key, Node, Pos, Value};
use crate::{ImportError, Options};

use conditions::Cond;

/// One resource of a resolved template.
#[derive(Debug, Clone)]
pub struct Resource {
    /// The logical id.
    pub logical_id: String,
    /// The resource type, e.g. `AWS::EC2::SecurityGroup`.
    pub resource_type: String,
    /// Where the resource's entry starts (its logical id key).
    pub pos: Pos,
    /// The resolved `Properties` (a map; `Null` when absent; `Unknown` when
    /// chosen by an `Fn::If` on an unknown condition). Properties set to
    /// `AWS::NoValue` are removed.
    pub properties: Node,
    /// Why the resource's `Condition` is unknown (whether it is deployed at
    /// all cannot be known): every check on it is then not evaluated.
    pub condition_unknown: Option<String>,
}

/// A resolved template: the resources whose `Condition` holds or is
/// unknown (those are kept: the worst case is judged).
#[derive(Debug, Clone, Default)]
pub struct Template {
    /// Resources in template order.
    pub resources: Vec<Resource>,
    /// The template's `Transform` section (macros are not expanded: the
    /// resources are taken as written).
    pub transforms: Vec<String>,
}

impl Template {
    /// Resolves `doc` (the parsed template of file `uri`) with `opts`.
    pub fn resolve(uri: &str, doc: &Node, opts: &Options) -> Result<Template, ImportError> {
        if !matches!(doc.value, Value::Map(_)) {
            return Err(ImportError::new(
                uri,
                doc.pos,
                "a CloudFormation template must be a map with a Resources section",
            ));
        }
        let Some(section) = doc.get("Resources") else {
            return Err(ImportError::new(
                uri,
                doc.pos,
                "the template has no Resources section",
            ));
        };
        if !matches!(section.value, Value::Map(_)) {
            return Err(ImportError::new(
                uri,
                section.pos,
                "Resources must be a map of logical ids to resources",
            ));
        }
        let mut r = Resolver::new(uri, doc, section, opts)?;
        let mut resources = Vec::with_capacity(section.entries().len());
        for (key, node) in section.entries() {
            if let Some(res) = r.resource(key, node)? {
                resources.push(res);
            }
        }
        r.check_all_conditions()?;
        Ok(Template {
            resources,
            transforms: transforms(doc),
        })
    }
}

/// The names in the `Transform` section (a string or a list).
fn transforms(doc: &Node) -> Vec<String> {
    let Some(t) = doc.get("Transform") else {
        return Vec::new();
    };
    match &t.value {
        Value::List(items) => items
            .iter()
            .filter_map(|i| i.as_str().or_else(|| i.get("Name")?.as_str()))
            .map(str::to_owned)
            .collect(),
        Value::Map(_) => t
            .get("Name")
            .and_then(Node::as_str)
            .map(str::to_owned)
            .into_iter()
            .collect(),
        _ => t.as_str().map(str::to_owned).into_iter().collect(),
    }
}

/// Everything an expression can refer to, indexed, plus the condition memo.
struct Resolver<'a> {
    uri: &'a str,
    /// Declared parameters' values (positions 0:0; moved to the use site).
    params: HashMap<&'a str, Node>,
    pseudo: params::Pseudo,
    resources: HashSet<&'a str>,
    /// Mapping name -> top-level key -> second-level map.
    mappings: HashMap<&'a str, HashMap<&'a str, &'a Node>>,
    /// Condition name -> (its key, its expression).
    conditions: HashMap<&'a str, (&'a Key, &'a Node)>,
    /// Condition names in template order (to check them all).
    condition_order: Vec<&'a str>,
    memo: HashMap<&'a str, Cond>,
    /// Conditions being evaluated (for cycles).
    evaluating: Vec<&'a str>,
}

/// A resolved value; `None` is `AWS::NoValue` (the property is removed).
type Resolved = Result<Option<Node>, ImportError>;

impl<'a> Resolver<'a> {
    fn new(
        uri: &'a str,
        doc: &'a Node,
        section: &'a Node,
        opts: &Options,
    ) -> Result<Self, ImportError> {
        let params = params::parameters(uri, doc, opts)?;
        let resources = section
            .entries()
            .iter()
            .map(|(k, _)| k.name.as_str())
            .collect();
        let mut r = Resolver {
            uri,
            params,
            pseudo: params::Pseudo::new(opts),
            resources,
            mappings: HashMap::new(),
            conditions: HashMap::new(),
            condition_order: Vec::new(),
            memo: HashMap::new(),
            evaluating: Vec::new(),
        };
        if let Some(m) = doc.get("Mappings") {
            r.index_mappings(m)?;
        }
        if let Some(c) = doc.get("Conditions") {
            r.index_conditions(c)?;
        }
        Ok(r)
    }

    fn err(&self, pos: Pos, msg: impl Into<String>) -> ImportError {
        ImportError::new(self.uri, pos, msg)
    }

    fn index_mappings(&mut self, m: &'a Node) -> Result<(), ImportError> {
        if !matches!(m.value, Value::Map(_)) {
            return Err(self.err(m.pos, "Mappings must be a map of maps"));
        }
        for (name, map) in m.entries() {
            if !matches!(map.value, Value::Map(_)) {
                return Err(self.err(map.pos, format!("mapping {} must be a map", name.name)));
            }
            let top = map
                .entries()
                .iter()
                .map(|(k, v)| (k.name.as_str(), v))
                .collect();
            self.mappings.insert(name.name.as_str(), top);
        }
        Ok(())
    }

    fn index_conditions(&mut self, c: &'a Node) -> Result<(), ImportError> {
        if !matches!(c.value, Value::Map(_)) {
            return Err(self.err(c.pos, "Conditions must be a map of condition names"));
        }
        for (name, expr) in c.entries() {
            self.conditions.insert(name.name.as_str(), (name, expr));
            self.condition_order.push(name.name.as_str());
        }
        Ok(())
    }

    /// Every condition, used or not, must evaluate (a cycle or a reference
    /// to an undefined condition is an error wherever it is).
    fn check_all_conditions(&mut self) -> Result<(), ImportError> {
        for name in self.condition_order.clone() {
            let pos = self
                .conditions
                .get(name)
                .map_or(Pos::default(), |(k, _)| k.pos);
            self.condition(name, pos)?;
        }
        Ok(())
    }

    /// One entry of `Resources`; `None` when its condition is false.
    fn resource(&mut self, key: &'a Key, node: &'a Node) -> Result<Option<Resource>, ImportError> {
        let id = &key.name;
        if !matches!(node.value, Value::Map(_)) {
            return Err(self.err(node.pos, format!("resource {id} must be a map with a Type")));
        }
        let resource_type = match node.get("Type") {
            Some(Node {
                value: Value::String(t),
                ..
            }) => t.clone(),
            Some(t) => {
                return Err(self.err(t.pos, format!("the Type of resource {id} must be a string")))
            }
            None => return Err(self.err(key.pos, format!("resource {id} has no Type"))),
        };
        let mut condition_unknown = None;
        if let Some(c) = node.get("Condition") {
            let Some(name) = c.as_str() else {
                return Err(self.err(
                    c.pos,
                    format!("the Condition of resource {id} must be a condition name"),
                ));
            };
            match self.condition(name, c.pos)? {
                Cond::False => return Ok(None),
                Cond::Unknown(why) => {
                    condition_unknown = Some(format!("whether condition {name} holds: {why}"));
                }
                Cond::True => {}
            }
        }
        let properties = match node.get("Properties") {
            None => Node::new(Value::Null, key.pos),
            Some(p) => {
                let resolved = self.resolve(p)?.unwrap_or(Node::new(Value::Null, p.pos));
                match resolved.value {
                    Value::Map(_) | Value::Null | Value::Unknown(_) => resolved,
                    _ => {
                        return Err(self.err(
                            p.pos,
                            format!("the Properties of resource {id} must be a map"),
                        ))
                    }
                }
            }
        };
        Ok(Some(Resource {
            logical_id: id.clone(),
            resource_type,
            pos: key.pos,
            properties,
            condition_unknown,
        }))
    }
}

/// A copy of `n` with every position moved to `pos` (a parameter's or a
/// mapping's value used at `pos`).
fn moved(n: &Node, pos: Pos) -> Node {
    let value = match &n.value {
        Value::List(items) => Value::List(items.iter().map(|i| moved(i, pos)).collect()),
        Value::Map(entries) => Value::Map(
            entries
                .iter()
                .map(|(k, v)| {
                    (
                        Key {
                            name: k.name.clone(),
                            pos,
                        },
                        moved(v, pos),
                    )
                })
                .collect(),
        ),
        v => v.clone(),
    };
    Node::new(value, pos)
}

/// Two values are the same, positions aside; scalars compare by text
/// (`"22"` equals `22`, `"true"` equals `true`).
fn same(a: &Node, b: &Node) -> bool {
    match (&a.value, &b.value) {
        (Value::List(x), Value::List(y)) => {
            x.len() == y.len() && x.iter().zip(y).all(|(p, q)| same(p, q))
        }
        (Value::Map(x), Value::Map(y)) => {
            x.len() == y.len()
                && x.iter()
                    .zip(y)
                    .all(|((kp, p), (kq, q))| kp.name == kq.name && same(p, q))
        }
        (Value::Null, Value::Null) => true,
        (Value::Ref { .. }, _) | (Value::Unknown(_), _) => a.value == b.value,
        _ => match (scalar_text(a), scalar_text(b)) {
            (Some(x), Some(y)) => x == y,
            _ => false,
        },
    }
}

/// The text of a string, number or boolean.
fn scalar_text(n: &Node) -> Option<String> {
    match &n.value {
        Value::String(s) | Value::Number(s) => Some(s.clone()),
        Value::Bool(b) => Some(b.to_string()),
        _ => None,
    }
}
