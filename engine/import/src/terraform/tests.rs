//! Tests of the Terraform plan importer: every resource type and style,
//! known-after-apply values (resolved from a reference, or recorded as
//! unknown), modules and count / for_each addresses, deletes and data
//! sources skipped, uncovered types counted, malformed plans rejected.

use palisade_model::Account;
use serde_json::{json, Value as J};

use crate::Options;

/// One resource of a test plan: `address`, `type`, `name`, optional
/// `module_address`, `index`, `mode`, `actions`, `after`, `after_unknown`,
/// `expressions` (its configuration).
pub(super) fn plan(resources: &[J]) -> String {
    plan_with(resources, json!({}))
}

/// A plan as `terraform show -json` writes it, with `provider` as the
/// `aws` provider's expressions.
pub(super) fn plan_with(resources: &[J], provider: J) -> String {
    let mut planned_root: Vec<J> = Vec::new();
    let mut children: std::collections::BTreeMap<String, Vec<J>> = Default::default();
    let mut changes = Vec::new();
    let mut config_root: Vec<J> = Vec::new();
    let mut config_modules: std::collections::BTreeMap<String, Vec<J>> = Default::default();
    for r in resources {
        let mode = r.get("mode").cloned().unwrap_or(json!("managed"));
        let actions = r.get("actions").cloned().unwrap_or(json!(["create"]));
        let after = r.get("after").cloned().unwrap_or(json!({}));
        let unknown = r.get("after_unknown").cloned().unwrap_or(json!({}));
        let mut change = json!({
            "address": r["address"], "mode": mode, "type": r["type"], "name": r["name"],
            "provider_name": "registry.terraform.io/hashicorp/aws",
            "change": {
                "actions": actions,
                "before": if actions == json!(["create"]) { J::Null } else { after.clone() },
                "after": if actions == json!(["delete"]) { J::Null } else { after.clone() },
                "after_unknown": unknown, "before_sensitive": false, "after_sensitive": {}
            }
        });
        for k in ["module_address", "index"] {
            if let Some(v) = r.get(k) {
                change[k] = v.clone();
            }
        }
        changes.push(change);
        if actions != json!(["delete"]) {
            let pv = json!({
                "address": r["address"], "mode": mode, "type": r["type"], "name": r["name"],
                "provider_name": "registry.terraform.io/hashicorp/aws", "schema_version": 0,
                "values": after, "sensitive_values": {}
            });
            match r.get("module_address").and_then(J::as_str) {
                Some(m) => children.entry(m.to_owned()).or_default().push(pv),
                None => planned_root.push(pv),
            }
        }
        let cfg = json!({
            "address": format!("{}.{}", r["type"].as_str().unwrap_or(""), r["name"].as_str().unwrap_or("")),
            "mode": mode, "type": r["type"], "name": r["name"],
            "provider_config_key": r.get("provider").cloned().unwrap_or(json!("aws")),
            "expressions": r.get("expressions").cloned().unwrap_or(json!({})), "schema_version": 0
        });
        match r.get("module_address").and_then(J::as_str) {
            Some(m) => {
                let call = crate::terraform::plan::strip_keys(m);
                let entry = config_modules.entry(call).or_default();
                if !entry.iter().any(|c| c["address"] == cfg["address"]) {
                    entry.push(cfg);
                }
            }
            None => {
                if !config_root.iter().any(|c| c["address"] == cfg["address"]) {
                    config_root.push(cfg);
                }
            }
        }
    }
    let child_modules: Vec<J> = children
        .into_iter()
        .map(|(a, rs)| json!({"address": a, "resources": rs}))
        .collect();
    let mut module_calls = serde_json::Map::new();
    for (call, rs) in config_modules {
        let name = call.trim_start_matches("module.").to_owned();
        module_calls.insert(
            name,
            json!({"source": "./mod", "module": {"resources": rs}}),
        );
    }
    json!({
        "format_version": "1.2",
        "terraform_version": "1.9.5",
        "variables": {"region": {"value": "eu-central-1"}},
        "planned_values": {"root_module": {"resources": planned_root, "child_modules": child_modules}},
        "resource_changes": changes,
        "configuration": {
            "provider_config": {
                "aws": {"name": "aws", "full_name": "registry.terraform.io/hashicorp/aws", "expressions": provider},
                "aws.dr": {"name": "aws", "full_name": "registry.terraform.io/hashicorp/aws", "alias": "dr",
                           "expressions": {"region": {"constant_value": "eu-west-2"}}}
            },
            "root_module": {"resources": config_root, "module_calls": module_calls}
        },
        "timestamp": "2026-11-30T12:00:00Z",
        "errored": false
    })
    .to_string()
}

pub(super) fn import(text: &str) -> Account {
    match super::import("infra/plan.json", text, &Options::default()) {
        Ok(a) => a,
        Err(e) => panic!("import failed: {e}"),
    }
}

pub(super) fn id(address: &str) -> String {
    format!("infra/plan.json#{address}")
}

/// The reasons recorded for resource `id`.
pub(super) fn unknowns_of(a: &Account, id: &str) -> Vec<(String, String)> {
    a.unknowns
        .iter()
        .filter(|u| u.resource == id)
        .map(|u| (u.property.clone(), u.reason.clone()))
        .collect()
}

mod errors;
mod general;
mod iam;
mod network;
mod services;
