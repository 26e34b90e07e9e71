//! WAFv2: web ACLs with their rules, associations (WebACLAssociation, and
//! CloudFront distributions naming the ACL in `WebACLId`) and logging
//! configurations.
//!
//! An ACL's associations are known when the template makes some; with
//! none in the template they are left unknown (`None`), as for CloudFront
//! ACLs in a live collection: the resources it protects may be defined
//! elsewhere.

use palisade_model::waf::{WafRule, WebAcl};

use super::{boolean, int, list, name_of, prop, text, text_or_ref, Cx};
use crate::cfn::template::Resource;
use crate::emit::Emit;
use crate::value::{Node, Value};

const ACL: &str = "AWS::WAFv2::WebACL";

/// Types mapped in the first pass.
pub(super) const PRIMARY: &[&str] = &[ACL];

/// Maps web ACLs; false for other types.
pub(super) fn primary(e: &mut Emit, _cx: &Cx<'_>, r: &Resource) -> bool {
    if r.resource_type != ACL {
        return false;
    }
    web_acl(e, r);
    true
}

/// Maps associations and logging configurations; false for other types.
pub(super) fn secondary(e: &mut Emit, cx: &Cx<'_>, r: &Resource) -> bool {
    match r.resource_type.as_str() {
        "AWS::WAFv2::WebACLAssociation" => association(e, cx, r),
        "AWS::WAFv2::LoggingConfiguration" => logging(e, cx, r),
        _ => return false,
    }
    true
}

fn web_acl(e: &mut Emit, r: &Resource) {
    let id = e.id(&r.logical_id);
    let scope = prop(r, "Scope")
        .and_then(|n| text(e, &id, "Scope", n))
        .unwrap_or_else(|| "REGIONAL".to_owned())
        .to_ascii_uppercase();
    let default_action = match prop(r, "DefaultAction") {
        Some(n) => action_of(e, &id, "DefaultAction", n).unwrap_or_else(|| "allow".to_owned()),
        None => "allow".to_owned(),
    };
    let metrics_enabled = visibility(e, &id, "VisibilityConfig", prop(r, "VisibilityConfig")).0;
    let mut rules = Vec::new();
    for (i, (p, n)) in list(e, &id, "Rules", prop(r, "Rules"))
        .into_iter()
        .enumerate()
    {
        rules.push(rule(e, &id, i, &p, n));
    }
    rules.sort_by_key(|r| r.priority);
    let acl = WebAcl {
        arn: id,
        id: r.logical_id.clone(),
        name: name_of(r, "Name"),
        scope,
        default_action,
        rules,
        metrics_enabled,
        ..WebAcl::default()
    };
    e.regional().wafv2.web_acls.push(acl);
}

/// One rule, located at its entry. What the ACL's own facts read (the
/// statement, action and override) is recorded unknown on the ACL; the
/// visibility settings on the rule.
fn rule(e: &mut Emit, acl: &str, i: usize, p: &str, n: &Node) -> WafRule {
    let name = match n.get("Name").map(|x| &x.value) {
        Some(Value::String(s)) => s.clone(),
        _ => p.to_owned(),
    };
    let rid = format!("{acl}/rule/{name}");
    e.locate(&rid, n.pos);
    let priority = n
        .get("Priority")
        .and_then(|x| int(e, acl, &format!("{p}.Priority"), x))
        .unwrap_or(i64::try_from(i).unwrap_or(i64::MAX));
    let action = n
        .get("Action")
        .and_then(|x| action_of(e, acl, &format!("{p}.Action"), x))
        .unwrap_or_else(|| "none".to_owned());
    let override_action = n
        .get("OverrideAction")
        .and_then(|x| action_of(e, acl, &format!("{p}.OverrideAction"), x));
    let statement = n.get("Statement");
    if let Some(reason) = statement.and_then(Node::unknown_reason) {
        e.unknown(acl, &format!("{p}.Statement"), reason);
    }
    let statement_type = statement
        .and_then(|s| s.entries().first())
        .map(|(k, _)| k.name.clone())
        .unwrap_or_default();
    let managed_rule_group = statement
        .and_then(|s| s.get("ManagedRuleGroupStatement"))
        .map(|m| {
            let part = |k| m.get(k).and_then(Node::as_str).unwrap_or("").to_owned();
            format!("{}/{}", part("VendorName"), part("Name"))
        });
    let (metrics_enabled, sampled_requests_enabled) = visibility(
        e,
        &rid,
        &format!("{p}.VisibilityConfig"),
        n.get("VisibilityConfig"),
    );
    WafRule {
        name,
        priority,
        action,
        override_action,
        statement_type,
        managed_rule_group,
        metrics_enabled,
        sampled_requests_enabled,
    }
}

/// The action a `{Block: {}}`-style map names, lower-cased (`allow`,
/// `block`, `count`, `captcha`, `challenge`, `none`).
fn action_of(e: &mut Emit, id: &str, p: &str, n: &Node) -> Option<String> {
    if let Some(reason) = n.unknown_reason() {
        e.unknown(id, p, reason);
        return None;
    }
    n.entries()
        .first()
        .map(|(k, _)| k.name.to_ascii_lowercase())
}

/// (CloudWatchMetricsEnabled, SampledRequestsEnabled) of a visibility
/// configuration; unknowns recorded on `id`.
fn visibility(e: &mut Emit, id: &str, p: &str, n: Option<&Node>) -> (bool, bool) {
    let mut flag = |k: &str| {
        n.and_then(|v| v.get(k))
            .and_then(|x| boolean(e, id, &format!("{p}.{k}"), x))
            .unwrap_or(false)
    };
    (
        flag("CloudWatchMetricsEnabled"),
        flag("SampledRequestsEnabled"),
    )
}

/// The template web ACL `n` designates (`GetAtt Acl.Arn`, `Ref`).
fn acl_target<'t>(cx: &Cx<'t>, n: Option<&Node>) -> Option<&'t Resource> {
    n.and_then(|n| cx.target(n, ACL))
}

/// AWS::WAFv2::WebACLAssociation: the resource joins the template ACL's
/// associations (an ACL outside the template: uncovered).
fn association(e: &mut Emit, cx: &Cx<'_>, r: &Resource) {
    let Some(acl) = acl_target(cx, prop(r, "WebACLArn")) else {
        e.uncovered(&r.resource_type);
        return;
    };
    let own = e.id(&r.logical_id);
    let resource = prop(r, "ResourceArn")
        .and_then(|n| text_or_ref(e, &own, "ResourceArn", n))
        .unwrap_or_else(|| r.logical_id.clone());
    associate(e, &acl.logical_id, resource);
}

fn associate(e: &mut Emit, acl_logical: &str, resource: String) {
    let arn = e.id(acl_logical);
    if let Some(a) = e
        .regional()
        .wafv2
        .web_acls
        .iter_mut()
        .find(|a| a.arn == arn)
    {
        a.associated_resources
            .get_or_insert_with(Vec::new)
            .push(resource);
    }
}

/// AWS::WAFv2::LoggingConfiguration: logging on the template ACL its
/// `ResourceArn` names, to its destinations (an ACL outside the template:
/// uncovered).
fn logging(e: &mut Emit, cx: &Cx<'_>, r: &Resource) {
    let Some(acl) = acl_target(cx, prop(r, "ResourceArn")) else {
        e.uncovered(&r.resource_type);
        return;
    };
    let arn = e.id(&acl.logical_id);
    let mut destinations = Vec::new();
    // Unknowns land on the ACL: whether it logs is the ACL's fact.
    let key = format!("{}.LogDestinationConfigs", r.logical_id);
    for (p, n) in list(e, &arn, &key, prop(r, "LogDestinationConfigs")) {
        if let Some(d) = text_or_ref(e, &arn, &p, n) {
            destinations.push(d);
        }
    }
    if destinations.is_empty() {
        // Required by CloudFormation; a configuration is logging somewhere.
        destinations.push(r.logical_id.clone());
    }
    if let Some(a) = e
        .regional()
        .wafv2
        .web_acls
        .iter_mut()
        .find(|a| a.arn == arn)
    {
        a.logging_destinations.extend(destinations);
    }
}

/// CloudFront distributions of the template that name an ACL in
/// `DistributionConfig.WebACLId` associate it.
pub(super) fn finish(e: &mut Emit, cx: &Cx<'_>) {
    for d in cx.of_type("AWS::CloudFront::Distribution") {
        let node = prop(d, "DistributionConfig").and_then(|c| c.get("WebACLId"));
        if let Some(acl) = acl_target(cx, node) {
            associate(e, &acl.logical_id, e.id(&d.logical_id));
        }
    }
}
