//! Values of a plan's instances, with what is known only after apply
//! resolved where the configuration says where it comes from: a value that
//! is unknown in the plan but whose expression references another resource
//! of the plan (`aws_security_group.web.id`, `aws_iam_role.r.name`,
//! `aws_iam_policy.p.arn`) becomes that resource's identity in the model
//! (the group's `group_id`, the role's name, the policy's ARN). Anything
//! else stays unknown, with the reason naming the value.

use std::cell::RefCell;
use std::collections::{HashMap, HashSet};
use std::rc::Rc;

use super::plan::Instance;
use crate::value::{Node, Value};
use crate::ImportError;

/// A string value: known (possibly resolved from a reference), or unknown
/// with the reason.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Val {
    /// The value.
    Known(String),
    /// Why it cannot be known.
    Unknown(String),
}

impl Val {
    /// The value when known.
    pub fn known(self) -> Option<String> {
        match self {
            Val::Known(s) => Some(s),
            Val::Unknown(_) => None,
        }
    }
}

/// One step into a resource's configuration expressions: an attribute, or
/// a nested block's attribute (`("ingress", Some(0))`).
pub type Step<'a> = (&'a str, Option<usize>);

/// The plan being imported: instances, configuration, identities.
pub struct Ctx<'a> {
    /// The file.
    pub uri: String,
    /// Every instance, in plan order.
    pub instances: Vec<Instance>,
    by_address: HashMap<String, usize>,
    by_base: HashMap<String, Vec<usize>>,
    config: HashMap<String, &'a Node>,
    calls: HashMap<String, &'a Node>,
    alias: HashMap<String, String>,
    providers: Option<&'a Node>,
    region: String,
    account: String,
    error: RefCell<Option<ImportError>>,
    targets: RefCell<HashMap<String, Rc<HashSet<String>>>>,
}

/// Reference roots that are not resources of the plan.
const NOT_RESOURCES: [&str; 9] = [
    "var",
    "local",
    "data",
    "module",
    "count",
    "each",
    "path",
    "self",
    "terraform",
];
/// How many module calls deep a reference is followed.
const MAX_MODULE_DEPTH: usize = 8;
/// Reference roots whose value is known at plan time.
const KNOWN_ROOTS: [&str; 4] = ["count", "each", "path", "terraform"];

impl<'a> Ctx<'a> {
    /// The context of `instances` with the configuration of `doc`; the
    /// plan deploys to `region` of `account` unless a resource's provider
    /// says otherwise.
    pub fn new(
        uri: &str,
        doc: &'a Node,
        mut instances: Vec<Instance>,
        region: &str,
        account: &str,
    ) -> Self {
        let mut by_address = HashMap::new();
        let mut by_base: HashMap<String, Vec<usize>> = HashMap::new();
        let mut alias = HashMap::new();
        for (i, inst) in instances.iter().enumerate() {
            by_address.insert(inst.address.clone(), i);
            let base = inst
                .address
                .strip_suffix(inst.index.as_str())
                .unwrap_or(&inst.address);
            by_base.entry(base.to_owned()).or_default().push(i);
            if let Some(arn) = inst.get("arn").and_then(Node::as_str) {
                alias.insert(arn.to_owned(), format!("{uri}#{}", inst.address));
            }
        }
        let mut config = HashMap::new();
        let mut calls = HashMap::new();
        if let Some(root) = doc.get("configuration").and_then(|c| c.get("root_module")) {
            walk_config(root, "", &mut config, &mut calls);
        }
        for inst in &mut instances {
            if let Some(c) = config.get(&inst.config_address) {
                unset_computed(inst, c);
            }
        }
        Ctx {
            uri: uri.to_owned(),
            instances,
            by_address,
            by_base,
            config,
            calls,
            alias,
            providers: doc
                .get("configuration")
                .and_then(|c| c.get("provider_config")),
            region: region.to_owned(),
            account: account.to_owned(),
            error: RefCell::new(None),
            targets: RefCell::new(HashMap::new()),
        }
    }

    /// The model id of `inst`: `<uri>#<address>` (also its model ARN).
    pub fn id(&self, inst: &Instance) -> String {
        format!("{}#{}", self.uri, inst.address)
    }

    /// Records a wrongly shaped value (the first one is reported).
    pub fn shape_error(&self, node: &Node, message: String) {
        let mut e = self.error.borrow_mut();
        if e.is_none() {
            *e = Some(ImportError::new(&self.uri, node.pos, message));
        }
    }

    /// The known values of `attr` (resolved) over every instance of the
    /// types `rtypes`: which groups separate rules add to, which ACLs
    /// separate entries do. Computed once per question.
    pub fn targets(&self, rtypes: &[&str], attr: &str) -> Rc<HashSet<String>> {
        let key = format!("{}:{attr}", rtypes.join(","));
        if let Some(t) = self.targets.borrow().get(&key) {
            return Rc::clone(t);
        }
        let set: HashSet<String> = self
            .instances
            .iter()
            .filter(|i| rtypes.contains(&i.rtype.as_str()))
            .filter_map(|i| {
                let n = i.get(attr)?;
                self.text(i, n, &[(attr, None)]).known()
            })
            .collect();
        let set = Rc::new(set);
        self.targets.borrow_mut().insert(key, Rc::clone(&set));
        set
    }

    /// The first wrongly shaped value seen, if any.
    pub fn take_error(&self) -> Option<ImportError> {
        self.error.borrow_mut().take()
    }

    /// An ARN as the model knows it: the model id of a resource of this
    /// plan whose ARN is known, else the ARN itself.
    pub fn alias(&self, arn: String) -> String {
        self.alias.get(&arn).cloned().unwrap_or(arn)
    }

    /// A resource's name in the model: its planned `name`, else (a name
    /// generated at apply) its address.
    pub fn name_of(&self, inst: &Instance) -> String {
        inst.get("name")
            .and_then(Node::as_str)
            .map_or_else(|| inst.address.clone(), str::to_owned)
    }

    /// A resource's identity where others join on its `id`: the name for
    /// IAM identities, vaults and recorders, the ARN (model id) for IAM
    /// policies, else its planned `id`, else its model id.
    pub fn key_of(&self, inst: &Instance) -> String {
        match inst.rtype.as_str() {
            "aws_iam_role"
            | "aws_iam_user"
            | "aws_iam_group"
            | "aws_backup_vault"
            | "aws_config_configuration_recorder"
            | "aws_config_delivery_channel" => self.name_of(inst),
            "aws_iam_policy" => self.id(inst),
            _ => inst
                .get("id")
                .and_then(Node::as_str)
                .map_or_else(|| self.id(inst), str::to_owned),
        }
    }

    /// The region `inst` is created in: its provider's `region` constant
    /// (`provider = aws.dr`), else the plan's.
    pub fn region_of(&self, inst: &Instance) -> String {
        self.config
            .get(&inst.config_address)
            .and_then(|c| c.get("provider_config_key"))
            .and_then(Node::as_str)
            .and_then(|key| self.providers?.get(key))
            .and_then(|p| p.get("expressions")?.get("region")?.get("constant_value"))
            .and_then(Node::as_str)
            .map_or_else(|| self.region.clone(), str::to_owned)
    }

    fn model_value(&self, target: &Instance, attr: &str) -> Option<String> {
        match attr {
            // Copy destinations are judged by the region and account in
            // the ARN: the one AWS will give the vault.
            "arn" if target.rtype == "aws_backup_vault" => Some(format!(
                "arn:aws:backup:{}:{}:backup-vault:{}",
                self.region_of(target),
                self.account,
                self.name_of(target)
            )),
            // A service-linked role's ARN is fixed by AWS: its path names
            // the service and its name is the service's. Only the names
            // the rules judge are known here; any other is unknown.
            "arn" if target.rtype == "aws_iam_service_linked_role" => {
                let service = target.get("aws_service_name").and_then(Node::as_str)?;
                let suffix = target.get("custom_suffix").and_then(Node::as_str);
                let name = match (service, suffix) {
                    ("config.amazonaws.com", None) => "AWSServiceRoleForConfig",
                    _ => return None,
                };
                Some(format!(
                    "arn:{}:iam::{}:role/aws-service-role/{service}/{name}",
                    crate::emit::partition(&self.region_of(target)),
                    self.account
                ))
            }
            "arn" => Some(self.id(target)),
            "id" => Some(self.key_of(target)),
            "name" => Some(self.name_of(target)),
            _ => target.get(attr).and_then(Node::as_str).map(str::to_owned),
        }
    }

    /// True when `attr` is written in `inst`'s configuration, or there is
    /// no configuration of it to tell (a computed attribute left unset is
    /// unknown in a plan without meaning anything).
    pub fn configured(&self, inst: &Instance, attr: &str) -> bool {
        match self.config.get(&inst.config_address) {
            Some(c) => c.get("expressions").and_then(|x| x.get(attr)).is_some(),
            None => true,
        }
    }

    /// The references of the expression at `site` of `inst`'s
    /// configuration (empty when there is none).
    pub fn references(&self, inst: &Instance, site: &[Step<'_>]) -> Vec<String> {
        let Some(mut node) = self
            .config
            .get(&inst.config_address)
            .and_then(|c| c.get("expressions"))
        else {
            return Vec::new();
        };
        for (name, idx) in site {
            let Some(next) = node.get(name) else {
                return Vec::new();
            };
            node = match idx {
                // Blocks written as an attribute (`ingress = [...]`): one
                // expression for all of them.
                Some(_) if !matches!(next.value, Value::List(_)) => next,
                Some(i) => {
                    let items = next.items();
                    match items.get(*i) {
                        _ if items.len() == 1 => &items[0],
                        Some(item) => item,
                        None => return Vec::new(),
                    }
                }
                None => next,
            };
            if node.get("references").is_some() && idx.is_some() {
                break;
            }
        }
        references_of(Some(node))
    }

    /// The model values of the plan's resources `refs` names, in order,
    /// each once; `None` when a reference is to something else that may
    /// be unknown (a data source, a local, a variable or module output
    /// that does not lead to resources of the plan).
    /// A resource referenced only as a whole (`aws_x.y[count.index]` lists
    /// `aws_x.y`) gives its identity ([`Ctx::key_of`]).
    pub fn resolve(&self, inst: &Instance, refs: &[String]) -> Option<Vec<String>> {
        // `each.value.x` of `for_each = module.m` (or a resource with
        // instances) reads `module.m["key"].x`.
        let each = self
            .config
            .get(&inst.config_address)
            .and_then(|c| c.get("for_each_expression"))
            .map(|x| references_of(Some(x)))
            .and_then(|r| r.into_iter().next())
            .filter(|_| inst.index.starts_with("[\""));
        let refs: Vec<String> = refs
            .iter()
            .map(|r| match (r.strip_prefix("each.value"), &each) {
                (Some(rest), Some(over)) => format!("{over}{}{rest}", inst.index),
                _ => r.clone(),
            })
            .collect();
        self.resolve_in(&inst.module, &inst.index, &refs, 0)
    }

    /// [`Ctx::resolve`] for references written in module instance `module`
    /// by a resource of index key `index`; module inputs (`var.x`) and
    /// outputs (`module.m.out`) are followed to the expressions that set
    /// them, `depth` calls deep.
    fn resolve_in(
        &self,
        module: &str,
        index: &str,
        refs: &[String],
        depth: usize,
    ) -> Option<Vec<String>> {
        let mut reads: Vec<(usize, String)> = Vec::new();
        let mut whole: Vec<usize> = Vec::new();
        let mut through: Vec<String> = Vec::new();
        let mut unresolved = false;
        for r in refs {
            let root = r.split(['.', '[']).next().unwrap_or("");
            if KNOWN_ROOTS.contains(&root) {
                continue;
            }
            if (root == "var" || root == "module") && depth < MAX_MODULE_DEPTH {
                match self.through_module(module, r, depth) {
                    Some(Some(values)) => through.extend(values),
                    Some(None) => unresolved = true,
                    None => {} // `module.m` alone accompanies `module.m.out`
                }
                continue;
            }
            if NOT_RESOURCES.contains(&root) {
                unresolved = true;
                continue;
            }
            match self.target(module, index, r) {
                Some((Some(t), Some(attr))) => reads.push((t, attr)),
                Some((Some(t), None)) => whole.push(t),
                // An attribute of a resource not in the plan.
                Some((None, Some(_))) => unresolved = true,
                _ => {}
            }
        }
        for t in whole {
            if !reads.iter().any(|(x, _)| *x == t) {
                reads.push((t, "id".to_owned()));
            }
        }
        let mut out: Vec<String> = Vec::new();
        for (t, attr) in reads {
            match self.model_value(&self.instances[t], &attr) {
                Some(v) if !out.contains(&v) => out.push(v),
                Some(_) => {}
                None => unresolved = true,
            }
        }
        for v in through {
            if !out.contains(&v) {
                out.push(v);
            }
        }
        (!unresolved && !out.is_empty()).then_some(out)
    }

    /// Follows `var.x` (to the module call's argument, in the calling
    /// module) or `module.m.out` (to the output's expression, in module
    /// `m`): `Some(None)` when that does not lead to resources of the plan,
    /// `None` when `r` reads no value (`module.m` alone).
    fn through_module(&self, module: &str, r: &str, depth: usize) -> Option<Option<Vec<String>>> {
        if let Some(var) = r.strip_prefix("var.") {
            return Some(self.through_var(module, first_name(var), depth));
        }
        let rest = r.strip_prefix("module.")?;
        let name_end = rest.find(['.', '[']).unwrap_or(rest.len());
        let mut after = &rest[name_end..];
        let mut key = "";
        if after.starts_with('[') {
            let Some(end) = bracket_end(after) else {
                return Some(None);
            };
            key = &after[..end];
            after = &after[end..];
        }
        let output = first_name(after.strip_prefix('.')?);
        let call = format!("module.{}{key}", &rest[..name_end]);
        let child = if module.is_empty() {
            call
        } else {
            format!("{module}.{call}")
        };
        Some(self.through_output(&child, output, depth))
    }

    /// The resources argument `var` of the call of module instance
    /// `module` leads to.
    fn through_var(&self, module: &str, var: &str, depth: usize) -> Option<Vec<String>> {
        let segments = module_segments(module);
        let (_, parents) = segments.split_last()?;
        let parent = parents.concat().trim_end_matches('.').to_owned();
        let call = self.calls.get(&super::plan::strip_keys(module))?;
        let refs = references_of(call.get("expressions")?.get(var));
        self.resolve_in(&parent, "", &refs, depth + 1)
    }

    /// The resources output `output` of module instance `child` leads to.
    fn through_output(&self, child: &str, output: &str, depth: usize) -> Option<Vec<String>> {
        let call = self.calls.get(&super::plan::strip_keys(child))?;
        let expr = call
            .get("module")?
            .get("outputs")?
            .get(output)?
            .get("expression");
        self.resolve_in(child, "", &references_of(expr), depth + 1)
    }

    /// The instance reference `r` names from module instance `module` (by
    /// a resource of index key `index`): `None` in the first place when the
    /// plan has none, or several it could be; and the attribute it reads
    /// (`None` for the whole resource). `None` when `r` is not a resource
    /// reference.
    fn target(
        &self,
        module: &str,
        index: &str,
        r: &str,
    ) -> Option<(Option<usize>, Option<String>)> {
        let (rtype, rest) = r.split_once('.')?;
        let name_end = rest.find(['.', '[']).unwrap_or(rest.len());
        let name = &rest[..name_end];
        let mut rest = &rest[name_end..];
        let mut key = "";
        if rest.starts_with('[') {
            let end = bracket_end(rest)?;
            key = &rest[..end];
            rest = &rest[end..];
        }
        let attr = rest
            .strip_prefix('.')
            .map(|a| a.split(['.', '[']).next().unwrap_or("").to_owned())
            .filter(|a| !a.is_empty());
        let base = if module.is_empty() {
            format!("{rtype}.{name}")
        } else {
            format!("{module}.{rtype}.{name}")
        };
        let idx = if !key.is_empty() {
            self.by_address.get(&format!("{base}{key}")).copied()
        } else if let Some(i) = self.by_address.get(&base) {
            Some(*i)
        } else {
            match self.by_base.get(&base).map(Vec::as_slice) {
                Some([one]) => Some(*one),
                Some(_) => self.by_address.get(&format!("{base}{index}")).copied(),
                None => None,
            }
        };
        Some((idx, attr))
    }

    /// A string value of `inst` at `site`: known, resolved from a reference,
    /// or unknown with the reason.
    pub fn text(&self, inst: &Instance, node: &Node, site: &[Step<'_>]) -> Val {
        match &node.value {
            Value::String(s) | Value::Number(s) => Val::Known(s.clone()),
            Value::Bool(b) => Val::Known(b.to_string()),
            Value::Unknown(reason) => {
                match self
                    .resolve(inst, &self.references(inst, site))
                    .filter(|v| v.len() == 1)
                {
                    Some(mut v) => Val::Known(v.remove(0)),
                    None => Val::Unknown(reason.clone()),
                }
            }
            _ => {
                self.shape_error(
                    node,
                    format!("{}: expected a string value here", inst.address),
                );
                Val::Unknown(format!(
                    "{} has a value of an unexpected shape",
                    inst.address
                ))
            }
        }
    }

    /// A list of strings of `inst` at `site` (a single string counts as a
    /// one-item list), unknown elements resolved from references; `Err`
    /// with the reason when some cannot be.
    pub fn texts(
        &self,
        inst: &Instance,
        node: &Node,
        site: &[Step<'_>],
    ) -> Result<Vec<String>, String> {
        let mut known = Vec::new();
        let mut unknown: Option<&str> = None;
        let mut pending = 0usize;
        let items: &[Node] = match &node.value {
            Value::List(items) => items,
            Value::Null => &[],
            Value::Unknown(reason) => {
                return self
                    .resolve(inst, &self.references(inst, site))
                    .ok_or_else(|| reason.clone());
            }
            _ => std::slice::from_ref(node),
        };
        for item in items {
            match &item.value {
                Value::String(s) | Value::Number(s) => known.push(s.clone()),
                Value::Unknown(r) => {
                    pending += 1;
                    unknown.get_or_insert(r);
                }
                _ => self.shape_error(
                    item,
                    format!("{}: expected a list of strings here", inst.address),
                ),
            }
        }
        if let Some(reason) = unknown {
            let resolved: Vec<String> = self
                .resolve(inst, &self.references(inst, site))
                .unwrap_or_default()
                .into_iter()
                .filter(|v| !known.contains(v))
                .collect();
            if resolved.len() != pending {
                return Err(reason.to_owned());
            }
            known.extend(resolved);
        }
        Ok(known)
    }
}

fn walk_config<'a>(
    module: &'a Node,
    prefix: &str,
    out: &mut HashMap<String, &'a Node>,
    calls: &mut HashMap<String, &'a Node>,
) {
    for r in module.get("resources").map(Node::items).unwrap_or_default() {
        if let Some(address) = r.get("address").and_then(Node::as_str) {
            out.insert(format!("{prefix}{address}"), r);
        }
    }
    if let Some(module_calls) = module.get("module_calls") {
        for (name, call) in module_calls.entries() {
            let path = format!("{prefix}module.{}", name.name);
            calls.insert(path.clone(), call);
            if let Some(m) = call.get("module") {
                walk_config(m, &format!("{path}."), out, calls);
            }
        }
    }
}

/// Attributes that may be nested blocks written with `dynamic` (which
/// Terraform's JSON configuration leaves out): never taken as unset.
const BLOCKS: [&str; 12] = [
    "ingress",
    "egress",
    "inline_policy",
    "rule",
    "entry",
    "selection_tag",
    "condition",
    "recording_group",
    "copy_action",
    "lifecycle",
    "default_action",
    "visibility_config",
];

/// Drops the top-level values of `inst` that are known only after apply
/// because the configuration (`config`) leaves them unset: computed by the
/// provider or AWS (an ARN, a generated name, a default), they are what
/// the service defaults to, not a value the plan hides.
fn unset_computed(inst: &mut Instance, config: &Node) {
    let expressions = config.get("expressions");
    if let Value::Map(entries) = &mut inst.values.value {
        entries.retain(|(k, v)| {
            !matches!(v.value, Value::Unknown(_))
                || BLOCKS.contains(&k.name.as_str())
                || expressions.and_then(|x| x.get(&k.name)).is_some()
        });
    }
}

/// Records on every one of `ids` that `property` (of another resource,
/// which may change any of them) cannot be known: a dependent resource
/// whose target is unknown leaves each candidate target unknown.
pub fn unknown_on_all(e: &mut crate::emit::Emit, ids: Vec<String>, property: &str, reason: &str) {
    for id in ids {
        e.unknown(&id, property, reason);
    }
}

/// The leading name of a reference tail (`x.y[0]` -> `x`).
fn first_name(s: &str) -> &str {
    s.split(['.', '[']).next().unwrap_or("")
}

/// The `references` of an expression (empty for none).
fn references_of(expr: Option<&Node>) -> Vec<String> {
    expr.and_then(|n| n.get("references"))
        .map(|r| {
            r.items()
                .iter()
                .filter_map(Node::as_str)
                .map(str::to_owned)
                .collect()
        })
        .unwrap_or_default()
}

/// The calls of a module instance path, each with its key and a trailing
/// `.` but the last (`module.a[0].module.b` -> `module.a[0].`, `module.b`).
fn module_segments(path: &str) -> Vec<&str> {
    let mut out = Vec::new();
    let mut start = 0;
    let mut i = 0;
    let bytes = path.as_bytes();
    while i < bytes.len() {
        match bytes[i] {
            b'[' => match bracket_end(&path[i..]) {
                Some(end) => i += end,
                None => break,
            },
            b'.' if path[i + 1..].starts_with("module.") && i > start => {
                out.push(&path[start..=i]);
                start = i + 1;
                i += 1;
            }
            _ => i += 1,
        }
    }
    if start < path.len() {
        out.push(&path[start..]);
    }
    out
}

/// The end (exclusive) of the bracketed key `s` starts with.
fn bracket_end(s: &str) -> Option<usize> {
    let (mut in_str, mut escaped) = (false, false);
    for (i, c) in s.char_indices() {
        if in_str {
            if escaped {
                escaped = false;
            } else if c == '\\' {
                escaped = true;
            } else if c == '"' {
                in_str = false;
            }
        } else if c == '"' {
            in_str = true;
        } else if c == ']' {
            return Some(i + 1);
        }
    }
    None
}
