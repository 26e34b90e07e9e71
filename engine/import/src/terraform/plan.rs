//! The plan's resource instances: every managed resource of
//! `resource_changes` that still exists after apply (deletes skipped),
//! its planned values (`change.after`) with the values known only after
//! apply (`change.after_unknown`) turned into [`Value::Unknown`] naming
//! them; resources only in `planned_values` (no change recorded) are read
//! from there. Each instance knows where its object is written and which
//! configuration block (`configuration.root_module`, `module_calls`
//! recursively) declares it.

use std::collections::HashMap;

use crate::value::{Key, Node, Pos, Value};
use crate::ImportError;

/// One resource instance of the plan.
#[derive(Debug, Clone)]
pub struct Instance {
    /// The full address as Terraform writes it (`module.net[0].aws_vpc.main["a"]`).
    pub address: String,
    /// The resource type (`aws_security_group`).
    pub rtype: String,
    /// The module instance it is in (`module.net[0]`), empty at the root.
    pub module: String,
    /// The index key as Terraform writes it (`[0]`, `["a"]`), empty without one.
    pub index: String,
    /// The configuration address: module path without instance keys, then
    /// `type.name` (`module.net.aws_vpc.main`).
    pub config_address: String,
    /// Where the resource's object starts (in `planned_values` when there).
    pub pos: Pos,
    /// Its values after apply; those known only after apply are unknown.
    pub values: Node,
}

impl Instance {
    /// The value of top-level attribute `attr` (`None` when absent or null).
    pub fn get(&self, attr: &str) -> Option<&Node> {
        self.values.get(attr).filter(|n| !n.is_null())
    }
}

/// Reads the instances of `doc` (a parsed plan of file `uri`).
pub fn instances(uri: &str, doc: &Node) -> Result<Vec<Instance>, ImportError> {
    let planned = doc.get("planned_values");
    let changes = doc.get("resource_changes");
    if planned.is_none() && changes.is_none() {
        return Err(ImportError::new(
            uri,
            doc.pos,
            "not a Terraform plan: neither planned_values nor resource_changes is present \
             (expected the output of `terraform show -json <planfile>`)",
        ));
    }
    let mut planned_objs: HashMap<String, &Node> = HashMap::new();
    if let Some(p) = planned.filter(|p| !p.is_null()) {
        expect_map(uri, p, "planned_values")?;
        if let Some(root) = p.get("root_module") {
            walk_planned(uri, root, &mut planned_objs)?;
        }
    }
    let mut out = Vec::new();
    let mut seen = std::collections::HashSet::new();
    if let Some(changes) = changes.filter(|c| !c.is_null()) {
        let Value::List(items) = &changes.value else {
            return Err(ImportError::new(
                uri,
                changes.pos,
                "resource_changes must be a list",
            ));
        };
        for rc in items {
            expect_map(uri, rc, "a resource change")?;
            let address = string_field(uri, rc, "address")?;
            if !seen.insert(address.to_owned()) {
                return Err(ImportError::new(
                    uri,
                    rc.pos,
                    format!("resource change {address} appears twice in resource_changes"),
                ));
            }
            if field(rc, "mode") == Some("data") {
                continue;
            }
            let change = rc.get("change").ok_or_else(|| {
                ImportError::new(
                    uri,
                    rc.pos,
                    format!("resource change {address} has no change"),
                )
            })?;
            let actions: Vec<&str> = change
                .get("actions")
                .map(|a| a.items().iter().filter_map(Node::as_str).collect())
                .unwrap_or_default();
            let after = match change.get("after") {
                Some(a) if !a.is_null() => a,
                _ => continue, // deleted or forgotten: gone after apply
            };
            if actions == ["delete"] || actions == ["forget"] {
                continue;
            }
            expect_map(uri, after, &format!("{address}: change.after"))?;
            let values = overlay(after, change.get("after_unknown"), address, "");
            let pos = planned_objs.get(address).map_or(rc.pos, |n| n.pos);
            out.push(instance(uri, rc, address, pos, values)?);
        }
    }
    // Resources the plan lists only in planned_values (no change recorded).
    let mut rest: Vec<(&String, &&Node)> = planned_objs
        .iter()
        .filter(|(a, _)| !seen.contains(*a))
        .collect();
    rest.sort_by(|(a, x), (b, y)| x.pos.cmp(&y.pos).then_with(|| a.cmp(b)));
    for (address, obj) in rest {
        if field(obj, "mode") == Some("data") {
            continue;
        }
        let values = obj
            .get("values")
            .cloned()
            .unwrap_or_else(|| Node::new(Value::Map(Vec::new()), obj.pos));
        expect_map(uri, &values, &format!("{address}: values"))?;
        out.push(instance(uri, obj, address, obj.pos, values)?);
    }
    Ok(out)
}

fn instance(
    uri: &str,
    obj: &Node,
    address: &str,
    pos: Pos,
    values: Node,
) -> Result<Instance, ImportError> {
    let rtype = string_field(uri, obj, "type")?.to_owned();
    let name = field(obj, "name").map(str::to_owned).unwrap_or_else(|| {
        strip_keys(address)
            .rsplit('.')
            .next()
            .unwrap_or("")
            .to_owned()
    });
    // planned_values has no module_address: the address tells it.
    let module = match field(obj, "module_address") {
        Some(m) => m.to_owned(),
        None => address
            .rfind(&format!("{rtype}.{name}"))
            .map_or("", |at| address[..at].trim_end_matches('.'))
            .to_owned(),
    };
    let index = match obj.get("index").map(|n| &n.value) {
        Some(Value::Number(n)) => format!("[{n}]"),
        Some(Value::String(s)) => format!("[{}]", serde_json::Value::String(s.clone())),
        _ => String::new(),
    };
    let name = field(obj, "name").map(str::to_owned).unwrap_or_else(|| {
        strip_keys(address)
            .rsplit('.')
            .next()
            .unwrap_or("")
            .to_owned()
    });
    let module_cfg = strip_keys(&module);
    let config_address = if module_cfg.is_empty() {
        format!("{rtype}.{name}")
    } else {
        format!("{module_cfg}.{rtype}.{name}")
    };
    Ok(Instance {
        address: address.to_owned(),
        rtype,
        module,
        index,
        config_address,
        pos,
        values,
    })
}

fn walk_planned<'a>(
    uri: &str,
    module: &'a Node,
    out: &mut HashMap<String, &'a Node>,
) -> Result<(), ImportError> {
    expect_map(uri, module, "a planned_values module")?;
    for r in module.get("resources").map(Node::items).unwrap_or_default() {
        expect_map(uri, r, "a planned resource")?;
        let address = string_field(uri, r, "address")?;
        out.insert(address.to_owned(), r);
    }
    for child in module
        .get("child_modules")
        .map(Node::items)
        .unwrap_or_default()
    {
        walk_planned(uri, child, out)?;
    }
    Ok(())
}

/// `after` with every value `after_unknown` marks `true` replaced by an
/// unknown naming `<address>.<path>`.
fn overlay(after: &Node, unknown: Option<&Node>, address: &str, path: &str) -> Node {
    let Some(unknown) = unknown else {
        return after.clone();
    };
    if unknown.as_bool() == Some(true) {
        let what = if path.is_empty() {
            address.to_owned()
        } else {
            format!("{address}.{path}")
        };
        return Node::new(
            Value::Unknown(format!("{what} is known only after apply")),
            after.pos,
        );
    }
    match (&after.value, &unknown.value) {
        (Value::Map(entries), Value::Map(_)) => {
            let mut out: Vec<(Key, Node)> = entries
                .iter()
                .map(|(k, v)| {
                    let p = join(path, &k.name);
                    (k.clone(), overlay(v, unknown.get(&k.name), address, &p))
                })
                .collect();
            for (k, u) in unknown.entries() {
                if !entries.iter().any(|(a, _)| a.name == k.name) {
                    let absent = Node::new(Value::Null, after.pos);
                    let p = join(path, &k.name);
                    let v = overlay(&absent, Some(u), address, &p);
                    if !v.is_null() {
                        out.push((k.clone(), v));
                    }
                }
            }
            Node::new(Value::Map(out), after.pos)
        }
        (Value::List(items), Value::List(us)) => {
            let out = items
                .iter()
                .enumerate()
                .map(|(i, v)| overlay(v, us.get(i), address, &format!("{path}[{i}]")))
                .collect();
            Node::new(Value::List(out), after.pos)
        }
        _ => after.clone(),
    }
}

fn join(path: &str, key: &str) -> String {
    if path.is_empty() {
        key.to_owned()
    } else {
        format!("{path}.{key}")
    }
}

/// `address` without instance keys (`module.a["x"].aws_b.c[0]` ->
/// `module.a.aws_b.c`).
pub fn strip_keys(address: &str) -> String {
    let mut out = String::with_capacity(address.len());
    let mut depth = 0usize;
    let mut in_str = false;
    let mut escaped = false;
    for c in address.chars() {
        if in_str {
            if escaped {
                escaped = false;
            } else if c == '\\' {
                escaped = true;
            } else if c == '"' {
                in_str = false;
            }
            continue;
        }
        match c {
            '[' => depth += 1,
            ']' => depth = depth.saturating_sub(1),
            '"' if depth > 0 => in_str = true,
            _ if depth == 0 => out.push(c),
            _ => {}
        }
    }
    out
}

fn field<'a>(n: &'a Node, key: &str) -> Option<&'a str> {
    n.get(key).and_then(Node::as_str)
}

fn string_field<'a>(uri: &str, n: &'a Node, key: &str) -> Result<&'a str, ImportError> {
    field(n, key).ok_or_else(|| {
        ImportError::new(
            uri,
            n.pos,
            format!("expected a string \"{key}\" in this object"),
        )
    })
}

fn expect_map(uri: &str, n: &Node, what: &str) -> Result<(), ImportError> {
    match n.value {
        Value::Map(_) => Ok(()),
        _ => Err(ImportError::new(
            uri,
            n.pos,
            format!("{what} must be an object"),
        )),
    }
}
