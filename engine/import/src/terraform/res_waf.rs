//! WAFv2 of a plan: web ACLs (rules with priority, action or override
//! action, statement kind, visibility; default action; scope), their
//! associations and logging configurations. Rule ids are `<acl id>/rule/<name>`,
//! as the graph names them.

use palisade_model::waf::{WafRule, WebAcl};

use super::plan::Instance;
use super::refs::{Ctx, Val};
use crate::emit::Emit;
use crate::value::{Node, Value};

/// The first one-item block (`[{...}]`) of `node` that is set: which of
/// `keys` it is. Terraform writes unset blocks as empty lists.
fn chosen<'n>(node: &'n Node, keys: &[&'static str]) -> Option<(&'static str, &'n Node)> {
    keys.iter().find_map(|k| {
        let b = node.get(k)?;
        match &b.value {
            Value::List(items) => items.first().map(|i| (*k, i)),
            Value::Map(_) => Some((*k, b)),
            _ => None,
        }
    })
}

/// The single block `name` of `node` (`[{...}]` in a plan).
fn block<'n>(node: &'n Node, name: &str) -> Option<&'n Node> {
    let b = node.get(name)?;
    match &b.value {
        Value::List(items) => items.first(),
        Value::Map(_) => Some(b),
        _ => None,
    }
}

/// AWS's name of a statement block (`ip_set_reference_statement` ->
/// `IPSetReferenceStatement`).
fn statement_type(key: &str) -> String {
    let camel: String = key
        .split('_')
        .map(|w| {
            let mut c = w.chars();
            c.next()
                .map(|f| f.to_ascii_uppercase().to_string() + c.as_str())
                .unwrap_or_default()
        })
        .collect();
    camel.replacen("IpSet", "IPSet", 1)
}

fn visibility(node: &Node) -> (bool, bool) {
    let v = block(node, "visibility_config");
    let flag = |k| {
        v.and_then(|v| v.get(k))
            .and_then(Node::as_bool)
            .unwrap_or(false)
    };
    (
        flag("cloudwatch_metrics_enabled"),
        flag("sampled_requests_enabled"),
    )
}

/// One `rule` block of a web ACL.
fn rule(e: &mut Emit, acl: &str, address: &str, i: usize, r: &Node) -> WafRule {
    let name = r
        .get("name")
        .and_then(Node::as_str)
        .map_or_else(|| format!("rule[{i}]"), str::to_owned);
    let id = format!("{acl}/rule/{name}");
    e.locate(&id, r.pos);
    // What the rules read; labels, captcha settings and the like do not
    // count, nor the statement's details (an IP set's ARN known only after
    // apply): only its kind and a managed group's vendor and name.
    const READ: [&str; 5] = [
        "name",
        "priority",
        "action",
        "override_action",
        "visibility_config",
    ];
    for (k, v) in r
        .entries()
        .iter()
        .filter(|(k, _)| READ.contains(&k.name.as_str()))
    {
        if let Some(reason) = v.unknown_reason() {
            e.unknown(&id, &format!("rule[{i}].{}", k.name), reason);
        }
    }
    let action = block(r, "action")
        .and_then(|a| chosen(a, &["allow", "block", "count", "captcha", "challenge"]))
        .map_or("none", |(k, _)| k);
    let override_action = block(r, "override_action")
        .and_then(|a| chosen(a, &["count", "none"]))
        .map(|(k, _)| k.to_owned());
    let statement = block(r, "statement");
    let (kind, body) = statement
        .and_then(|s| {
            s.entries().iter().find_map(|(k, v)| {
                let b = match &v.value {
                    Value::List(items) => items.first()?,
                    _ => return None,
                };
                k.name
                    .ends_with("_statement")
                    .then_some((k.name.as_str(), b))
            })
        })
        .unwrap_or(("", r));
    if let Some(Value::Unknown(reason)) = r.get("statement").map(|s| &s.value) {
        e.unknown(&id, &format!("rule[{i}].statement"), reason);
    }
    if kind == "managed_rule_group_statement" {
        for k in ["vendor_name", "name"] {
            if let Some(reason) = body.get(k).and_then(Node::unknown_reason) {
                e.unknown(&id, &format!("rule[{i}].statement.{kind}.{k}"), reason);
            }
        }
    }
    if statement.is_none() && r.get("statement").and_then(Node::unknown_reason).is_none() {
        e.unknown(
            &id,
            &format!("rule[{i}].statement"),
            &format!("{address} rule {name} has no statement"),
        );
    }
    let managed_rule_group = (kind == "managed_rule_group_statement").then(|| {
        let s = |k| body.get(k).and_then(Node::as_str).unwrap_or("").to_owned();
        format!("{}/{}", s("vendor_name"), s("name"))
    });
    let (metrics_enabled, sampled_requests_enabled) = visibility(r);
    WafRule {
        name,
        priority: r.get("priority").and_then(Node::as_i64).unwrap_or(0),
        action: action.to_owned(),
        override_action,
        statement_type: statement_type(kind),
        managed_rule_group,
        metrics_enabled,
        sampled_requests_enabled,
    }
}

/// Maps `aws_wafv2_web_acl`.
pub fn web_acl(cx: &Ctx<'_>, e: &mut Emit, inst: &Instance) {
    let id = cx.id(inst);
    let mut rules = Vec::new();
    match inst.get("rule").map(|n| &n.value) {
        Some(Value::List(items)) => {
            for (i, r) in items.iter().enumerate() {
                rules.push(rule(e, &id, &inst.address, i, r));
            }
        }
        Some(Value::Unknown(reason)) => e.unknown(&id, "rule", reason),
        _ => {}
    }
    match inst.get("rule_json").map(|n| &n.value) {
        // Rules given as AWS's own JSON: text that is not JSON cannot be
        // judged, so the rules are unknown (never an ACL without them).
        Some(Value::String(json)) if !json.trim().is_empty() => {
            match serde_json::from_str::<serde_json::Value>(json) {
                Ok(v) => {
                    let node =
                        Node::from_json_at(&v, inst.get("rule_json").map_or(inst.pos, |n| n.pos));
                    for (i, r) in node.items().iter().enumerate() {
                        rules.push(json_rule(e, &id, i, r));
                    }
                }
                Err(err) => e.unknown(
                    &id,
                    "rule_json",
                    &format!("{} rule_json is not JSON: {err}", inst.address),
                ),
            }
        }
        Some(Value::Unknown(r)) if cx.configured(inst, "rule_json") => {
            e.unknown(&id, "rule_json", r)
        }
        _ => {}
    }
    rules.sort_by_key(|r| r.priority);
    let default_action = match inst.get("default_action") {
        Some(n) if n.unknown_reason().is_some() => {
            e.unknown(
                &id,
                "default_action",
                n.unknown_reason().unwrap_or_default(),
            );
            "allow"
        }
        Some(_) => block(&inst.values, "default_action")
            .and_then(|d| chosen(d, &["allow", "block"]))
            .map_or("allow", |(k, _)| k),
        None => "allow",
    };
    let scope = match inst
        .get("scope")
        .map(|n| cx.text(inst, n, &[("scope", None)]))
    {
        Some(Val::Known(s)) => s.to_ascii_uppercase(),
        Some(Val::Unknown(r)) => {
            e.unknown(&id, "scope", &r);
            "REGIONAL".into()
        }
        None => "REGIONAL".into(),
    };
    let (metrics_enabled, _) = visibility(&inst.values);
    e.regional().wafv2.web_acls.push(WebAcl {
        arn: id,
        id: cx.key_of(inst),
        name: cx.name_of(inst),
        scope,
        default_action: default_action.to_owned(),
        rules,
        metrics_enabled,
        associated_resources: Some(Vec::new()),
        capacity: inst.get("capacity").and_then(Node::as_i64).unwrap_or(0),
        ..WebAcl::default()
    });
}

/// A rule of `rule_json` (AWS's own shape: `Name`, `Priority`, `Action`,
/// `OverrideAction`, `Statement`, `VisibilityConfig`).
fn json_rule(e: &mut Emit, acl: &str, i: usize, r: &Node) -> WafRule {
    let name = r
        .get("Name")
        .and_then(Node::as_str)
        .map_or_else(|| format!("rule_json[{i}]"), str::to_owned);
    e.locate(&format!("{acl}/rule/{name}"), r.pos);
    let first_key = |n: Option<&Node>| {
        n.and_then(|n| n.entries().first())
            .map(|(k, _)| k.name.to_ascii_lowercase())
    };
    let statement = r.get("Statement");
    let kind = statement
        .and_then(|s| s.entries().first())
        .map(|(k, _)| k.name.clone())
        .unwrap_or_default();
    let managed_rule_group = statement
        .and_then(|s| s.get("ManagedRuleGroupStatement"))
        .map(|m| {
            let s = |k| m.get(k).and_then(Node::as_str).unwrap_or("").to_owned();
            format!("{}/{}", s("VendorName"), s("Name"))
        });
    let vis = r.get("VisibilityConfig");
    let flag = |k| {
        vis.and_then(|v| v.get(k))
            .and_then(Node::as_bool)
            .unwrap_or(false)
    };
    WafRule {
        name,
        priority: r.get("Priority").and_then(Node::as_i64).unwrap_or(0),
        action: first_key(r.get("Action")).unwrap_or_else(|| "none".into()),
        override_action: first_key(r.get("OverrideAction")),
        statement_type: kind,
        managed_rule_group,
        metrics_enabled: flag("CloudWatchMetricsEnabled"),
        sampled_requests_enabled: flag("SampledRequestsEnabled"),
    }
}

/// The web ACL whose ARN `attr` of `inst` names, when it is in the plan.
fn acl_of(cx: &Ctx<'_>, e: &mut Emit, inst: &Instance, attr: &str) -> Option<usize> {
    let n = inst.get(attr)?;
    match cx.text(inst, n, &[(attr, None)]) {
        Val::Known(arn) => {
            let arn = cx.alias(arn);
            let found = e
                .regional()
                .wafv2
                .web_acls
                .iter()
                .position(|a| a.arn == arn);
            if found.is_none() {
                // A web ACL this plan does not manage: nothing to judge.
                e.uncovered(&inst.rtype);
            }
            found
        }
        Val::Unknown(r) => {
            // Any web ACL of the plan may be the one it changes.
            let acls = e
                .regional()
                .wafv2
                .web_acls
                .iter()
                .map(|a| a.arn.clone())
                .collect();
            super::refs::unknown_on_all(e, acls, &format!("{}.{attr}", inst.address), &r);
            None
        }
    }
}

/// Maps `aws_wafv2_web_acl_association` (a resource the ACL protects).
pub fn association(cx: &Ctx<'_>, e: &mut Emit, inst: &Instance) {
    let Some(i) = acl_of(cx, e, inst, "web_acl_arn") else {
        return;
    };
    let resource = inst
        .get("resource_arn")
        .map(|n| cx.text(inst, n, &[("resource_arn", None)]))
        .and_then(Val::known)
        .unwrap_or_else(|| cx.id(inst));
    let acl = &mut e.regional().wafv2.web_acls[i];
    acl.associated_resources
        .get_or_insert_with(Vec::new)
        .push(resource);
}

/// Maps `aws_wafv2_web_acl_logging_configuration` (logging is on; the
/// destinations as written, or their model ids).
pub fn logging(cx: &Ctx<'_>, e: &mut Emit, inst: &Instance) {
    let Some(i) = acl_of(cx, e, inst, "resource_arn") else {
        return;
    };
    let acl_arn = e.regional().wafv2.web_acls[i].arn.clone();
    let destinations = match inst.get("log_destination_configs") {
        Some(n) => match cx.texts(inst, n, &[("log_destination_configs", None)]) {
            Ok(d) => d,
            // Logging is on whatever the destination turns out to be.
            Err(_) => vec![cx.id(inst)],
        },
        None => {
            e.unknown(
                &acl_arn,
                "logging",
                &format!("{} has no log_destination_configs", inst.address),
            );
            Vec::new()
        }
    };
    e.regional().wafv2.web_acls[i]
        .logging_destinations
        .extend(destinations);
}

/// CloudFront distributions of the plan protected by a web ACL of the plan
/// (`web_acl_id` holds the ACL's ARN): associations of CLOUDFRONT ACLs.
/// The distributions themselves are counted as uncovered.
pub fn finish(cx: &Ctx<'_>, e: &mut Emit) {
    for inst in &cx.instances {
        if inst.rtype != "aws_cloudfront_distribution" {
            continue;
        }
        let Some(n) = inst.get("web_acl_id") else {
            continue;
        };
        let Val::Known(acl) = cx.text(inst, n, &[("web_acl_id", None)]) else {
            continue; // which ACL cannot be told: nothing to record it on
        };
        let acl = cx.alias(acl);
        let distribution = cx.id(inst);
        if let Some(a) = e
            .regional()
            .wafv2
            .web_acls
            .iter_mut()
            .find(|a| a.arn == acl || a.id == acl)
        {
            a.associated_resources
                .get_or_insert_with(Vec::new)
                .push(distribution);
        }
    }
}
