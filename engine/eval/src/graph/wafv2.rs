//! WAFv2: one entity per web ACL (child of its region) and one
//! `WebACLRule` per rule of its own (child of its ACL). The ACL's counts
//! include the rule groups Firewall Manager runs before and after its rules.

use cedar_policy::EntityUid;
use palisade_model::waf::WafRule;
use palisade_model::RegionData;

use super::node::{Attrs, Ctx};
use super::GraphBuilder;
use crate::facts::waf::{managed_rule_groups, rules_of_type};

impl GraphBuilder {
    /// Adds the web ACLs of one region and their rules.
    pub(super) fn build_waf(
        &self,
        g: &mut Ctx<'_>,
        region_uid: &EntityUid,
        region: &str,
        d: &RegionData,
    ) {
        let t = &self.types;
        for acl in &d.wafv2.web_acls {
            // What the ACL runs: Firewall Manager's pre-process groups, its
            // own rules, then the post-process groups.
            let pre = &acl.pre_process_firewall_manager_rule_groups;
            let post = &acl.post_process_firewall_manager_rule_groups;
            let all: Vec<WafRule> = pre.iter().chain(&acl.rules).chain(post).cloned().collect();
            let (managed, count_only) = managed_rule_groups(&all);
            let attrs = Attrs::default()
                .s("name", &acl.name)
                .s("scope", &acl.scope.to_ascii_uppercase())
                .s("default_action", &acl.default_action.to_ascii_lowercase())
                .n("rule_count", all.len())
                .n("firewall_manager_rule_group_count", pre.len() + post.len())
                .b("metrics_enabled", acl.metrics_enabled)
                .b("logging_enabled", !acl.logging_destinations.is_empty())
                .b("associations_known", acl.associated_resources.is_some())
                .n(
                    "associated_resource_count",
                    acl.associated_resources.as_ref().map_or(0, Vec::len),
                )
                .set_s("managed_rule_groups", managed)
                .set_s("count_only_managed_rule_groups", count_only)
                .n(
                    "rate_based_rule_count",
                    rules_of_type(&all, "RateBasedStatement"),
                )
                .n(
                    "rule_group_reference_count",
                    rules_of_type(&all, "RuleGroupReferenceStatement"),
                );
            let uid = g
                .node(&t.web_acl, &acl.arn, region)
                .name(&acl.name)
                .parent(region_uid)
                .attrs(attrs)
                .add();
            for r in &acl.rules {
                let attrs = Attrs::default()
                    .s("web_acl_name", &acl.name)
                    .s("name", &r.name)
                    .l("priority", r.priority)
                    .s("action", &r.action.to_ascii_lowercase())
                    .s(
                        "override_action",
                        &r.override_action
                            .as_deref()
                            .unwrap_or("")
                            .to_ascii_lowercase(),
                    )
                    .s("statement_type", &r.statement_type)
                    .b("metrics_enabled", r.metrics_enabled)
                    .b("sampled_requests_enabled", r.sampled_requests_enabled);
                g.node(
                    &t.web_acl_rule,
                    format!("{}/rule/{}", acl.arn, r.name),
                    region,
                )
                .name(format!("{} / {}", acl.name, r.name))
                .parent(&uid)
                .attrs(attrs)
                .add();
            }
        }
    }
}
