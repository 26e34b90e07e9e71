//! Where a plan's resources are written in the Terraform configuration: a
//! plan (`terraform show -json`) has no source positions, and is often one
//! line that is not even committed, so a finding on `plan.json:1:3534` helps
//! no reviewer. Given the `.tf` files of the root module (and of local child
//! modules, found through the plan's `module_calls`), each resource's
//! location moves to its `resource "TYPE" "NAME"` block, which GitHub can
//! annotate in a pull request. Resources whose block is not found (registry
//! modules, generated configuration) keep their place in the plan.

use std::collections::BTreeMap;

use palisade_model::source::SourceLocation;
use palisade_model::Account;

/// One `.tf` file: the path reports name, and its text.
#[derive(Debug, Clone)]
pub struct TfFile {
    /// Repository-relative path.
    pub uri: String,
    /// Its text.
    pub text: String,
}

/// The local directory of every module the plan calls, by module path
/// (`""` for the root, `"net"`, `"net.subnets"`), relative to the root
/// module's directory with `/` separators (`""`, `"modules/net"`). Modules
/// from a registry or a remote source are left out.
pub fn module_dirs(plan: &serde_json::Value) -> BTreeMap<String, String> {
    let mut out = BTreeMap::new();
    out.insert(String::new(), String::new());
    if let Some(root) = plan.pointer("/configuration/root_module") {
        walk_calls(root, "", "", &mut out);
    }
    out
}

fn walk_calls(
    module: &serde_json::Value,
    path: &str,
    dir: &str,
    out: &mut BTreeMap<String, String>,
) {
    let Some(calls) = module.get("module_calls").and_then(|c| c.as_object()) else {
        return;
    };
    for (name, call) in calls {
        let Some(source) = call.get("source").and_then(|s| s.as_str()) else {
            continue;
        };
        if !(source.starts_with("./") || source.starts_with("../")) {
            continue;
        }
        let child_dir = join(dir, source);
        let child_path = if path.is_empty() {
            name.clone()
        } else {
            format!("{path}.{name}")
        };
        if let Some(inner) = call.get("module") {
            walk_calls(inner, &child_path, &child_dir, out);
        }
        out.insert(child_path, child_dir);
    }
}

/// `dir` joined with a relative `source`, `..` resolved lexically.
fn join(dir: &str, source: &str) -> String {
    let mut parts: Vec<&str> = dir.split('/').filter(|p| !p.is_empty()).collect();
    for p in source.split('/') {
        match p {
            "" | "." => {}
            ".." => {
                if parts.pop().is_none() {
                    parts.push("..");
                }
            }
            p => parts.push(p),
        }
    }
    parts.join("/")
}

/// Splits a resource address (`module.a["k"].module.b.aws_x.y[0]`) into its
/// module path (`a.b`, instance keys dropped), type and name; `None` for
/// data sources and anything else.
pub fn split_address(address: &str) -> Option<(String, &str, &str)> {
    let mut rest = address;
    let mut modules: Vec<&str> = Vec::new();
    while let Some(r) = rest.strip_prefix("module.") {
        let end = r.find(['.', '['])?;
        modules.push(&r[..end]);
        rest = &r[end..];
        if rest.starts_with('[') {
            rest = &rest[bracket_end(rest)?..];
        }
        rest = rest.strip_prefix('.')?;
    }
    if rest.starts_with("data.") {
        return None;
    }
    let (ty, name) = rest.split_once('.')?;
    let name = name.split('[').next()?;
    Some((modules.join("."), ty, name))
}

/// The index just past the `[...]` at the start of `s` (quoted keys may
/// hold `]`).
fn bracket_end(s: &str) -> Option<usize> {
    let mut quoted = false;
    let mut escaped = false;
    for (i, c) in s.char_indices().skip(1) {
        match c {
            _ if escaped => escaped = false,
            '\\' if quoted => escaped = true,
            '"' => quoted = !quoted,
            ']' if !quoted => return Some(i + 1),
            _ => {}
        }
    }
    None
}

/// The 1-based line and column of `resource "ty" "name"` in an HCL text
/// (comments are not parsed: a commented-out block that comes first would
/// be found first, which only moves a location).
pub fn find_resource(text: &str, ty: &str, name: &str) -> Option<(usize, usize)> {
    for (i, line) in text.lines().enumerate() {
        let trimmed = line.trim_start();
        let Some(rest) = trimmed.strip_prefix("resource") else {
            continue;
        };
        let mut words = rest.split_whitespace();
        let (Some(t), Some(n)) = (words.next(), words.next()) else {
            continue;
        };
        if t.trim_matches('"') == ty && n.trim_matches('"').trim_end_matches('{') == name {
            return Some((i + 1, line.len() - trimmed.len() + 1));
        }
    }
    None
}

/// Moves the locations of the plan `plan_uri`'s resources (ids
/// `<plan_uri>#<address>`) to their blocks in `files` (module path -> its
/// `.tf` files). Sub-resources located in the plan (a rule of a group, a
/// statement) then point at their resource's block. Returns how many
/// resources moved.
pub fn relocate(
    account: &mut Account,
    plan_uri: &str,
    files: &BTreeMap<String, Vec<TfFile>>,
) -> usize {
    let prefix = format!("{plan_uri}#");
    let mut moved: BTreeMap<String, SourceLocation> = BTreeMap::new();
    for id in account.locations.keys() {
        let Some(address) = id.strip_prefix(&prefix) else {
            continue;
        };
        let Some((module, ty, name)) = split_address(address) else {
            continue;
        };
        let found = files.get(&module).and_then(|fs| {
            fs.iter().find_map(|f| {
                find_resource(&f.text, ty, name).map(|(line, column)| SourceLocation {
                    uri: f.uri.clone(),
                    line,
                    column: Some(column),
                })
            })
        });
        if let Some(loc) = found {
            moved.insert(id.clone(), loc);
        }
    }
    let n = moved.len();
    // Sub-resources of a moved resource that still point into the plan
    // fall back to the resource's block.
    account.locations.retain(|id, loc| {
        loc.uri != plan_uri
            || !moved
                .keys()
                .any(|m| id.len() > m.len() && palisade_model::source::covers(m, id))
    });
    account.locations.extend(moved);
    n
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use super::*;

    #[test]
    fn addresses_split_into_module_type_and_name() {
        assert_eq!(
            split_address("aws_security_group.web"),
            Some((String::new(), "aws_security_group", "web"))
        );
        assert_eq!(
            split_address(r#"module.net["a.b]"].module.inner[0].aws_iam_role.r["x"]"#),
            Some(("net.inner".to_owned(), "aws_iam_role", "r"))
        );
        assert_eq!(split_address("data.aws_iam_policy_document.d"), None);
        assert_eq!(split_address("module.x"), None);
    }

    #[test]
    fn module_dirs_follow_local_sources_only() {
        let plan = serde_json::json!({"configuration": {"root_module": {"module_calls": {
            "net": {"source": "./modules/net", "module": {"module_calls": {
                "sub": {"source": "../shared/sub", "module": {}}}}},
            "vpc": {"source": "terraform-aws-modules/vpc/aws", "module": {}}
        }}}});
        let dirs = module_dirs(&plan);
        assert_eq!(dirs[""], "");
        assert_eq!(dirs["net"], "modules/net");
        assert_eq!(dirs["net.sub"], "modules/shared/sub");
        assert!(!dirs.contains_key("vpc"));
    }

    #[test]
    fn resources_move_to_their_block_and_parts_follow() {
        let loc = |uri: &str, line| SourceLocation {
            uri: uri.into(),
            line,
            column: Some(9),
        };
        let mut a = Account::default();
        for (id, l) in [
            ("plan.json#aws_security_group.web", loc("plan.json", 1)),
            (
                "plan.json#aws_security_group.web/ingress/0/0",
                loc("plan.json", 1),
            ),
            (
                "plan.json#module.net.aws_iam_role.r[0]",
                loc("plan.json", 1),
            ),
            ("plan.json#aws_iam_role.elsewhere", loc("plan.json", 1)),
        ] {
            a.locations.insert(id.into(), l);
        }
        let mut files = BTreeMap::new();
        files.insert(
            String::new(),
            vec![TfFile {
                uri: "infra/main.tf".into(),
                text: "variable \"x\" {}\n\nresource \"aws_security_group\" \"web\" {\n  name = \"web\"\n}\n".into(),
            }],
        );
        files.insert(
            "net".to_owned(),
            vec![TfFile {
                uri: "infra/modules/net/iam.tf".into(),
                text: "  resource aws_iam_role r {\n}\n".into(),
            }],
        );
        assert_eq!(relocate(&mut a, "plan.json", &files), 2);
        let web = &a.locations["plan.json#aws_security_group.web"];
        assert_eq!(
            (web.uri.as_str(), web.line, web.column),
            ("infra/main.tf", 3, Some(1))
        );
        assert!(!a
            .locations
            .contains_key("plan.json#aws_security_group.web/ingress/0/0"));
        let r = &a.locations["plan.json#module.net.aws_iam_role.r[0]"];
        assert_eq!(
            (r.uri.as_str(), r.line, r.column),
            ("infra/modules/net/iam.tf", 1, Some(3))
        );
        assert_eq!(
            a.locations["plan.json#aws_iam_role.elsewhere"].uri,
            "plan.json"
        );
    }
}
