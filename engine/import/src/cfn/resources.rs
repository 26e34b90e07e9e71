//! Resolved CloudFormation resources to the model, as the collectors would
//! fill it for the same deployed resources: one submodule per service
//! (`res_iam`, `res_ec2`, `res_waf`, `res_backup`, `res_config`).
//!
//! Ids: a resource's model id (its `arn` field) is `<uri>#<logical id>`;
//! short ids that other resources name (security group, VPC, subnet and
//! network ACL ids, plan ids) are the logical id itself, so cross
//! references join exactly as the collectors' `sg-...` ids do. What the
//! graph derives below a resource (inline policies, statements, rules,
//! entries) follows the graph's own id schemes and is located too.
//!
//! Resources are mapped in two passes: first the resources that others
//! attach to (identities, policies, groups, ACLs, vaults, plans), then the
//! attachments (standalone rules, entries, associations, policy
//! attachments). A type no rule covers is counted, never dropped.

#[path = "res_backup.rs"]
mod res_backup;
#[path = "res_config.rs"]
mod res_config;
#[path = "res_ec2.rs"]
mod res_ec2;
#[path = "res_iam.rs"]
mod res_iam;
#[path = "res_waf.rs"]
mod res_waf;

use std::collections::HashMap;

use palisade_model::policy::PolicyDocument;
use palisade_model::Account;

use super::template::{Resource, Template};
use crate::emit::Emit;
use crate::value::{Node, Value, UNKNOWN_PLACEHOLDER};
use crate::{ImportError, Options};

/// Maps every resource of `t` to the model.
pub fn emit(uri: &str, t: &Template, opts: &Options) -> Result<Account, ImportError> {
    let mut e = Emit::new(uri, palisade_model::Origin::Cloudformation, opts, None);
    let cx = Cx::new(t);
    for r in &t.resources {
        let _ = res_iam::primary(&mut e, &cx, r)
            || res_ec2::primary(&mut e, &cx, r)
            || res_waf::primary(&mut e, &cx, r)
            || res_backup::primary(&mut e, &cx, r)
            || res_config::primary(&mut e, &cx, r);
    }
    let mut mapped_resources = Vec::new();
    for r in &t.resources {
        let mapped = res_iam::secondary(&mut e, &cx, r)
            || res_ec2::secondary(&mut e, &cx, r)
            || res_waf::secondary(&mut e, &cx, r)
            || res_backup::secondary(&mut e, &cx, r)
            || res_config::secondary(&mut e, &cx, r);
        if mapped || is_primary(&r.resource_type) {
            mapped_resources.push(r);
        } else {
            e.uncovered(&r.resource_type);
        }
    }
    res_iam::finish(&mut e, &cx);
    res_waf::finish(&mut e, &cx);
    for r in mapped_resources {
        unrecorded_unknowns(&mut e, r);
    }
    // Every resource at its logical id, unless a mapper located it more
    // precisely (a standalone rule at its peer).
    for r in &t.resources {
        let id = e.id(&r.logical_id);
        e.locate(&id, r.pos);
        // Whether the resource is deployed at all is unknown: nothing about
        // it is judged.
        if let Some(why) = &r.condition_unknown {
            e.unknown(&id, "Condition", why);
        }
    }
    Ok(e.finish())
}

/// Properties whose unknown value no rule reads: descriptions, tags,
/// metric names, and names (display only; an unknown one falls back to the
/// logical id).
const DISPLAY_ONLY: &[&str] = &[
    "Tags",
    "Description",
    "GroupDescription",
    "MetricName",
    "UserName",
    "RoleName",
    "ManagedPolicyName",
    "PolicyName",
    "BackupVaultName",
    "BackupPlanName",
    "SelectionName",
    "Name",
    "Path",
];

/// Fail-closed net: every unknown value in a mapped resource's properties
/// that its mapper did not record (itself or a value containing it), and
/// that is not display only, is recorded on the resource. A value a mapper
/// does not read may still change what the resource does.
fn unrecorded_unknowns(e: &mut Emit, r: &Resource) {
    let mut found = Vec::new();
    r.properties
        .to_json(&mut |path, why| found.push((path.to_owned(), why.to_owned())));
    let id = e.id(&r.logical_id);
    for (path, why) in found {
        let display = path
            .split(['.', '['])
            .any(|seg| DISPLAY_ONLY.contains(&seg))
            && !path.contains("PolicyDocument");
        // Recorded on the resource or below it, or on another resource
        // under the resource's logical id (a NACL entry's on its ACL).
        let prefixed = format!("{}.", r.logical_id);
        let recorded = e.account.unknowns.iter().any(|u| {
            let p = match u.property.strip_prefix(&prefixed) {
                Some(p) => p,
                None if palisade_model::source::covers(&id, &u.resource)
                    || u.resource.ends_with(&format!("/{}", r.logical_id)) =>
                {
                    &u.property
                }
                None => return false,
            };
            path == p
                || path
                    .strip_prefix(p)
                    .is_some_and(|rest| rest.starts_with(['.', '[']))
        });
        if display || recorded {
            continue;
        }
        let property = if path.is_empty() { "Properties" } else { &path };
        let top = path.split(['.', '[']).next().unwrap_or("");
        match decides(&r.resource_type, top) {
            Decides::Nothing => {}
            Decides::Attrs(attrs) => e.unknown_attrs(&id, property, &why, attrs),
            Decides::Everything => e.unknown(&id, property, &why),
        }
    }
}

/// What an unknown top-level property of a resource type decides.
enum Decides {
    /// No check reads it (a subnet's Availability Zone).
    Nothing,
    /// Only these graph attributes of the resource and its parts (a managed
    /// policy's attachments decide whether it is attached, not what it
    /// grants).
    Attrs(&'static [&'static str]),
    /// Possibly anything about the resource.
    Everything,
}

/// The graph attributes a policy's attachments decide.
pub(crate) const ATTACHMENT_ATTRS: &[&str] = &[
    "attached",
    "attachment_count",
    "policy_attached",
    "attached_to_user",
];

fn decides(resource_type: &str, property: &str) -> Decides {
    match (resource_type, property) {
        ("AWS::IAM::ManagedPolicy", "Roles" | "Users" | "Groups") => {
            Decides::Attrs(ATTACHMENT_ATTRS)
        }
        (
            "AWS::EC2::Subnet",
            "AvailabilityZone" | "AvailabilityZoneId" | "CidrBlock" | "Ipv6CidrBlock"
            | "Ipv6CidrBlocks" | "Ipv4IpamPoolId" | "Ipv4NetmaskLength" | "OutpostArn",
        ) => Decides::Nothing,
        _ => Decides::Everything,
    }
}

/// Types mapped in the first pass (the others are mapped in the second or
/// counted as uncovered).
fn is_primary(ty: &str) -> bool {
    res_iam::PRIMARY.contains(&ty)
        || res_ec2::PRIMARY.contains(&ty)
        || res_waf::PRIMARY.contains(&ty)
        || res_backup::PRIMARY.contains(&ty)
        || res_config::PRIMARY.contains(&ty)
}

/// The template being mapped, for lookups across resources (indexed: a
/// template may hold thousands of resources).
pub(crate) struct Cx<'t> {
    /// The resolved template.
    pub(crate) t: &'t Template,
    /// Resources by logical id.
    by_id: HashMap<&'t str, &'t Resource>,
    /// Named resources by (type, name): the first of each.
    by_name: HashMap<(&'t str, String), &'t Resource>,
}

/// The property naming a resource of each type that other resources may
/// name it by.
const NAME_KEYS: &[(&str, &str)] = &[
    ("AWS::IAM::User", "UserName"),
    ("AWS::IAM::Group", "GroupName"),
    ("AWS::IAM::Role", "RoleName"),
    ("AWS::EC2::SecurityGroup", "GroupName"),
];

impl<'t> Cx<'t> {
    /// Indexes `t`.
    pub(crate) fn new(t: &'t Template) -> Self {
        let mut by_id = HashMap::new();
        let mut by_name = HashMap::new();
        for r in &t.resources {
            by_id.entry(r.logical_id.as_str()).or_insert(r);
            if let Some((ty, key)) = NAME_KEYS.iter().find(|(ty, _)| *ty == r.resource_type) {
                by_name.entry((*ty, name_of(r, key))).or_insert(r);
            }
        }
        Cx { t, by_id, by_name }
    }

    /// The resource with logical id `id`.
    pub(crate) fn resource(&self, id: &str) -> Option<&'t Resource> {
        self.by_id.get(id).copied()
    }

    /// The resource of type `ty` named `name` (by its name property, else
    /// its logical id), for the types in `NAME_KEYS`.
    pub(crate) fn named(&self, ty: &'t str, name: &str) -> Option<&'t Resource> {
        self.by_name.get(&(ty, name.to_owned())).copied()
    }

    /// The resource `n` refers to (`Ref` or `Fn::GetAtt`), if it is of
    /// type `ty`.
    pub(crate) fn target(&self, n: &Node, ty: &str) -> Option<&'t Resource> {
        match &n.value {
            Value::Ref { target, .. } => self.resource(target).filter(|r| r.resource_type == ty),
            _ => None,
        }
    }

    /// Resources of type `ty`.
    pub(crate) fn of_type<'a>(&'a self, ty: &'a str) -> impl Iterator<Item = &'t Resource> + 'a {
        self.t
            .resources
            .iter()
            .filter(move |r| r.resource_type == ty)
    }
}

/// Property `key` of `r`.
pub(crate) fn prop<'a>(r: &'a Resource, key: &str) -> Option<&'a Node> {
    r.properties.get(key).filter(|n| !n.is_null())
}

/// Why a reference cannot stand where a literal is needed.
pub(crate) fn ref_reason(prop: &str, n: &Node) -> Option<String> {
    match &n.value {
        Value::Ref { target, attr } => Some(match attr {
            Some(a) => format!("{prop} is {target}.{a}, known only after deployment"),
            None => format!("{prop} is the id of {target}, known only after deployment"),
        }),
        _ => None,
    }
}

/// The literal text of `n` (string, number or boolean). An unknown value,
/// a reference where a literal is needed, or a value of another shape
/// (null, a list, a map: the template is wrong, nothing can be judged on
/// it) is recorded as unknown on `id` (property `prop`) and gives `None`.
pub(crate) fn text(e: &mut Emit, id: &str, prop: &str, n: &Node) -> Option<String> {
    let reason = match &n.value {
        Value::String(s) | Value::Number(s) => return Some(s.clone()),
        Value::Bool(b) => return Some(b.to_string()),
        Value::Unknown(reason) => reason.clone(),
        Value::Ref { .. } => ref_reason(prop, n).unwrap_or_default(),
        Value::Null => format!("{prop} is null where a value is expected"),
        Value::List(_) => format!("{prop} is a list where a single value is expected"),
        Value::Map(_) => format!("{prop} is a map where a single value is expected"),
    };
    e.unknown(id, prop, &reason);
    None
}

/// The text of `n`, where a reference is an acceptable opaque value (a key
/// ARN, a bucket name): a reference gives its placeholder `${Target.Attr}`,
/// an unknown value is recorded and gives the unknown placeholder.
pub(crate) fn text_or_ref(e: &mut Emit, id: &str, prop: &str, n: &Node) -> Option<String> {
    match &n.value {
        Value::Ref { target, attr } => {
            Some(crate::value::reference_placeholder(target, attr.as_deref()))
        }
        Value::Unknown(reason) => {
            e.unknown(id, prop, reason);
            Some(UNKNOWN_PLACEHOLDER.to_owned())
        }
        _ => text(e, id, prop, n),
    }
}

/// A whole number (unknowns recorded as [`text`] does). A value that is no
/// whole number (`1e400`, `22.5`, `"ssh"`) is recorded as unknown too: it
/// must not read as an absent property (an absent port is every port).
pub(crate) fn int(e: &mut Emit, id: &str, prop: &str, n: &Node) -> Option<i64> {
    let s = text(e, id, prop, n)?;
    let s = s.trim();
    let whole = s.parse().ok().or_else(|| {
        // `22.0` is 22; a fraction is no whole number.
        let f: f64 = s.parse().ok()?;
        (f.fract() == 0.0 && f.abs() < 9.0e15).then_some(f as i64)
    });
    if whole.is_none() {
        let shown: String = s.chars().take(40).collect();
        e.unknown(id, prop, &format!("{prop} {shown:?} is not a whole number"));
    }
    whole
}

/// A boolean (unknowns recorded as [`text`] does).
pub(crate) fn boolean(e: &mut Emit, id: &str, prop: &str, n: &Node) -> Option<bool> {
    match text(e, id, prop, n)?.to_ascii_lowercase().as_str() {
        "true" => Some(true),
        "false" => Some(false),
        _ => None,
    }
}

/// A literal name property, else the logical id (names are display only:
/// an unknown name is not recorded as unknown).
pub(crate) fn name_of(r: &Resource, key: &str) -> String {
    match prop(r, key).map(|n| &n.value) {
        Some(Value::String(s)) if !s.is_empty() => s.clone(),
        _ => r.logical_id.clone(),
    }
}

/// The list items of `n` with their property paths (`Prop[0]`, ...); a
/// single value stands for a one-item list. An unknown list is recorded
/// on `id` and gives nothing.
pub(crate) fn list<'a>(
    e: &mut Emit,
    id: &str,
    prop: &str,
    n: Option<&'a Node>,
) -> Vec<(String, &'a Node)> {
    match n.map(|n| &n.value) {
        None | Some(Value::Null) => Vec::new(),
        Some(Value::List(items)) => items
            .iter()
            .enumerate()
            .map(|(i, x)| (format!("{prop}[{i}]"), x))
            .collect(),
        Some(Value::Unknown(reason)) => {
            e.unknown(id, prop, reason);
            Vec::new()
        }
        Some(_) => n.map(|n| vec![(prop.to_owned(), n)]).unwrap_or_default(),
    }
}

/// Tags in CloudFormation's `[{Key, Value}]` form, literal ones only.
pub(crate) fn tags(r: &Resource) -> std::collections::BTreeMap<String, String> {
    prop(r, "Tags")
        .map(|n| n.items())
        .unwrap_or_default()
        .iter()
        .filter_map(|t| {
            Some((
                t.get("Key")?.as_str()?.to_owned(),
                t.get("Value")
                    .and_then(Node::as_str)
                    .unwrap_or("")
                    .to_owned(),
            ))
        })
        .collect()
}

/// A placeholder document for one whose content is unknown (recorded as
/// unknown by the caller): one statement, so the checks over statements
/// appear as not evaluated instead of being absent.
pub(crate) fn placeholder_document() -> PolicyDocument {
    PolicyDocument::read_value(&serde_json::json!({
        "Version": "2012-10-17",
        "Statement": [{"Effect": "Allow", "Action": UNKNOWN_PLACEHOLDER, "Resource": UNKNOWN_PLACEHOLDER}]
    }))
}

/// Reads a policy document property: an object, or JSON text (a string
/// that is not JSON gives the model's unreadable document with the reason,
/// which the evaluator reports as an error). Unknown values inside are
/// reported to `unknown(path, reason)` with their path below `prop`
/// (`PolicyDocument.Statement[1].Resource`); a document that does not read
/// only because of them gets the placeholder.
pub(crate) fn document(
    prop: &str,
    n: Option<&Node>,
    unknown: &mut dyn FnMut(&str, &str),
) -> PolicyDocument {
    let Some(n) = n else {
        return PolicyDocument::unreadable(serde_json::Value::Null, format!("no {prop}"));
    };
    match &n.value {
        Value::String(s) => PolicyDocument::read_text(s),
        Value::Unknown(reason) => {
            unknown(prop, reason);
            placeholder_document()
        }
        Value::Ref { .. } => {
            unknown(prop, &ref_reason(prop, n).unwrap_or_default());
            placeholder_document()
        }
        _ => {
            let mut any = false;
            let json = n.to_json(&mut |path, reason| {
                any = true;
                unknown(&format!("{prop}.{path}"), reason);
            });
            let doc = PolicyDocument::read_value(&json);
            if any && doc.unreadable.is_some() {
                placeholder_document()
            } else {
                doc
            }
        }
    }
}

/// The statements of a document node with where each should point: its
/// `Action` (or `NotAction`) when written, else the statement itself.
pub(crate) fn statement_positions(doc: Option<&Node>) -> Vec<crate::value::Pos> {
    let Some(st) = doc.and_then(|d| d.get("Statement")) else {
        return Vec::new();
    };
    let at = |s: &Node| {
        s.get("Action")
            .or_else(|| s.get("NotAction"))
            .map_or(s.pos, |a| a.pos)
    };
    match &st.value {
        Value::List(items) => items.iter().map(at).collect(),
        Value::Map(_) => vec![at(st)],
        _ => Vec::new(),
    }
}

/// The statement index a document path names (`Statement[2].Resource` ->
/// 2, `Statement.Resource` -> 0), if it names one.
pub(crate) fn statement_index(path: &str) -> Option<usize> {
    let rest = path.split_once("Statement")?.1;
    if let Some(r) = rest.strip_prefix('[') {
        r.split_once(']')?.0.parse().ok()
    } else {
        Some(0)
    }
}

#[cfg(test)]
#[path = "res_tests.rs"]
mod tests;
#[cfg(test)]
#[path = "res_tests_net.rs"]
mod tests_net;
