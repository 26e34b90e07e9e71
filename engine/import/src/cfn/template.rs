//! Resolves a template: parameters (defaults, given values), pseudo
//! parameters, mappings, conditions and every intrinsic function, leaving
//! plain resources whose properties hold only values, references to other
//! resources ([`Value::Ref`](crate::Value::Ref)) and unknowns.
//!
//! OWNER: helper H1 (stub until implemented).

use crate::value::{Node, Pos};
use crate::{ImportError, Options};

/// One resource of a resolved template.
#[derive(Debug, Clone)]
pub struct Resource {
    /// The logical id.
    pub logical_id: String,
    /// The resource type, e.g. `AWS::EC2::SecurityGroup`.
    pub resource_type: String,
    /// Where the resource's entry starts (its logical id key).
    pub pos: Pos,
    /// The resolved `Properties` (a map; `Null` when absent). Properties
    /// set to `AWS::NoValue` are removed.
    pub properties: Node,
}

/// A resolved template: the resources whose `Condition` holds (or is
/// unknown: those are kept, their condition recorded in `conditional`).
#[derive(Debug, Clone, Default)]
pub struct Template {
    /// Resources in template order.
    pub resources: Vec<Resource>,
}

impl Template {
    /// Resolves `doc` (the parsed template of file `uri`) with `opts`.
    pub fn resolve(uri: &str, doc: &Node, opts: &Options) -> Result<Template, ImportError> {
        let _ = (doc, opts);
        Err(ImportError::new(
            uri,
            Pos::default(),
            "CloudFormation resolution not implemented yet",
        ))
    }
}
