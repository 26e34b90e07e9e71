//! WAFv2 collector: web ACLs (REGIONAL in each region, CLOUDFRONT from
//! us-east-1) with rules, the rule groups Firewall Manager runs before and
//! after them, default action, logging configuration and the resources each
//! ACL is associated with.

use aws_sdk_wafv2::config::http::HttpResponse;
use aws_sdk_wafv2::error::SdkError;
use aws_sdk_wafv2::operation::list_web_acls::{ListWebACLsError, ListWebAcLsOutput};
use aws_sdk_wafv2::types::{
    FirewallManagerRuleGroup, OverrideAction, ResourceType, Scope as WafScope, Statement,
};
use aws_sdk_wafv2::Client;
use aws_smithy_async::future::pagination_stream::fn_stream::FnStream;
use aws_smithy_async::future::pagination_stream::PaginationStream;
use futures_util::stream::{self, StreamExt as _};
use palisade_model::waf::{WafRule, Wafv2, WebAcl};

use crate::ops;
use crate::pages::drain;
use crate::scope::Scope;

type WebAclPages =
    PaginationStream<Result<ListWebAcLsOutput, SdkError<ListWebACLsError, HttpResponse>>>;

/// The resource types a REGIONAL web ACL can protect; ListResourcesForWebACL
/// lists one type per call (it defaults to load balancers only).
const REGIONAL_RESOURCE_TYPES: &[ResourceType] = &[
    ResourceType::ApplicationLoadBalancer,
    ResourceType::ApiGateway,
    ResourceType::Appsync,
    ResourceType::CognitioUserPool,
    ResourceType::AppRunnerService,
    ResourceType::VerifiedAccessInstance,
    ResourceType::Amplify,
];

/// Collects one region's web ACLs; in us-east-1 also the CLOUDFRONT ones.
pub async fn collect(client: &Client, scope: &Scope) -> Wafv2 {
    let mut web_acls = collect_scope(client, scope, WafScope::Regional).await;
    if scope.region == "us-east-1" {
        web_acls.extend(collect_scope(client, scope, WafScope::Cloudfront).await);
    }
    Wafv2 { web_acls }
}

/// A short summary for the progress display.
pub fn counts(w: &Wafv2) -> String {
    format!("{} web ACLs", w.web_acls.len())
}

async fn collect_scope(client: &Client, scope: &Scope, waf_scope: WafScope) -> Vec<WebAcl> {
    let pages = list_web_acls(client, waf_scope.clone());
    // A listing cut short yields no web ACLs of this scope: the gap keeps
    // the region's WAF rules from passing.
    let Some(summaries) = drain(scope, &ops::WAFV2_LIST_WEB_ACLS, pages)
        .await
        .flat_map(|p| {
            p.web_acls()
                .iter()
                .filter_map(|s| Some((s.name()?.to_owned(), s.id()?.to_owned())))
        })
        .complete()
    else {
        return Vec::new();
    };
    // Per-ACL calls for several ACLs at once, results in listing order.
    stream::iter(summaries)
        .map(|(name, id)| web_acl(client, scope, waf_scope.clone(), name, id))
        .buffered(crate::PER_RESOURCE_CONCURRENCY)
        .filter_map(|acl| async move { acl })
        .collect()
        .await
}

/// The pages of ListWebACLs, which the SDK offers no paginator for: the
/// same stream shape as the generated paginators, following `NextMarker`.
fn list_web_acls(client: &Client, waf_scope: WafScope) -> WebAclPages {
    let client = client.clone();
    PaginationStream::new(FnStream::new(move |tx| {
        Box::pin(async move {
            let mut marker: Option<String> = None;
            loop {
                let out = client
                    .list_web_acls()
                    .scope(waf_scope.clone())
                    .limit(100)
                    .set_next_marker(marker.take())
                    .send()
                    .await;
                // Stop on an empty page too: some endpoints echo a marker forever.
                marker = out.as_ref().ok().and_then(|o| {
                    o.next_marker()
                        .filter(|m| !m.is_empty() && !o.web_acls().is_empty())
                        .map(str::to_owned)
                });
                if tx.send(out).await.is_err() || marker.is_none() {
                    return;
                }
            }
        })
    }))
}

/// One web ACL with its logging configuration and associations; `None` when
/// GetWebACL failed (recorded as a gap).
async fn web_acl(
    client: &Client,
    scope: &Scope,
    waf_scope: WafScope,
    name: String,
    id: String,
) -> Option<WebAcl> {
    let out = client
        .get_web_acl()
        .name(&name)
        .id(&id)
        .scope(waf_scope.clone())
        .send()
        .await;
    let acl = scope
        .check(&ops::WAFV2_GET_WEB_ACL, out)
        .and_then(|o| o.web_acl().cloned())?;
    let mut model = convert(&acl, &waf_scope);
    model.logging_destinations = logging(client, scope, acl.arn()).await;
    model.associated_resources = if waf_scope == WafScope::Regional {
        associated(client, scope, acl.arn()).await
    } else {
        // CloudFront associations live in CloudFront's distribution
        // configs, which this collector does not read: unknown.
        None
    };
    Some(model)
}

fn convert(acl: &aws_sdk_wafv2::types::WebAcl, waf_scope: &WafScope) -> WebAcl {
    let default_action = match acl.default_action() {
        Some(d) if d.block().is_some() => "block",
        _ => "allow",
    };
    let mut rules: Vec<WafRule> = acl
        .rules()
        .iter()
        .map(|r| {
            let action = r.action().map(|a| {
                if a.block().is_some() {
                    "block"
                } else if a.allow().is_some() {
                    "allow"
                } else if a.count().is_some() {
                    "count"
                } else if a.captcha().is_some() {
                    "captcha"
                } else if a.challenge().is_some() {
                    "challenge"
                } else {
                    "none"
                }
            });
            let override_action = r.override_action().map(override_action);
            let vis = r.visibility_config();
            WafRule {
                name: r.name().to_owned(),
                priority: i64::from(r.priority()),
                action: action.unwrap_or("none").to_owned(),
                override_action,
                statement_type: r
                    .statement()
                    .map(statement_type)
                    .unwrap_or_default()
                    .to_owned(),
                managed_rule_group: r
                    .statement()
                    .and_then(|s| s.managed_rule_group_statement())
                    .map(|m| format!("{}/{}", m.vendor_name(), m.name())),
                metrics_enabled: vis.is_some_and(|v| v.cloud_watch_metrics_enabled()),
                sampled_requests_enabled: vis.is_some_and(|v| v.sampled_requests_enabled()),
            }
        })
        .collect();
    rules.sort_by_key(|r| r.priority);
    WebAcl {
        pre_process_firewall_manager_rule_groups: firewall_manager(
            acl.pre_process_firewall_manager_rule_groups(),
        ),
        post_process_firewall_manager_rule_groups: firewall_manager(
            acl.post_process_firewall_manager_rule_groups(),
        ),
        arn: acl.arn().to_owned(),
        id: acl.id().to_owned(),
        name: acl.name().to_owned(),
        scope: waf_scope.as_str().to_owned(),
        default_action: default_action.to_owned(),
        rules,
        metrics_enabled: acl
            .visibility_config()
            .is_some_and(|v| v.cloud_watch_metrics_enabled()),
        logging_destinations: Vec::new(),
        associated_resources: None,
        capacity: acl.capacity(),
    }
}

/// `count` or `none`.
fn override_action(o: &OverrideAction) -> String {
    if o.count().is_some() { "count" } else { "none" }.to_owned()
}

/// Firewall Manager rule groups as rules (sorted by priority): a managed
/// rule group or a rule group reference, whose action is its override.
fn firewall_manager(groups: &[FirewallManagerRuleGroup]) -> Vec<WafRule> {
    let mut out: Vec<WafRule> = groups
        .iter()
        .map(|g| {
            let st = g.firewall_manager_statement();
            let managed = st.and_then(|s| s.managed_rule_group_statement());
            let statement_type = if managed.is_some() {
                "ManagedRuleGroupStatement"
            } else if st.is_some_and(|s| s.rule_group_reference_statement().is_some()) {
                "RuleGroupReferenceStatement"
            } else {
                ""
            };
            let vis = g.visibility_config();
            WafRule {
                name: g.name().to_owned(),
                priority: i64::from(g.priority()),
                action: "none".to_owned(),
                override_action: g.override_action().map(override_action),
                statement_type: statement_type.to_owned(),
                managed_rule_group: managed.map(|m| format!("{}/{}", m.vendor_name(), m.name())),
                metrics_enabled: vis.is_some_and(|v| v.cloud_watch_metrics_enabled()),
                sampled_requests_enabled: vis.is_some_and(|v| v.sampled_requests_enabled()),
            }
        })
        .collect();
    out.sort_by_key(|r| r.priority);
    out
}

fn statement_type(s: &Statement) -> &'static str {
    let kinds: [(bool, &'static str); 16] = [
        (s.byte_match_statement().is_some(), "ByteMatchStatement"),
        (s.sqli_match_statement().is_some(), "SqliMatchStatement"),
        (s.xss_match_statement().is_some(), "XssMatchStatement"),
        (
            s.size_constraint_statement().is_some(),
            "SizeConstraintStatement",
        ),
        (s.geo_match_statement().is_some(), "GeoMatchStatement"),
        (
            s.rule_group_reference_statement().is_some(),
            "RuleGroupReferenceStatement",
        ),
        (
            s.ip_set_reference_statement().is_some(),
            "IPSetReferenceStatement",
        ),
        (
            s.regex_pattern_set_reference_statement().is_some(),
            "RegexPatternSetReferenceStatement",
        ),
        (s.rate_based_statement().is_some(), "RateBasedStatement"),
        (s.and_statement().is_some(), "AndStatement"),
        (s.or_statement().is_some(), "OrStatement"),
        (s.not_statement().is_some(), "NotStatement"),
        (
            s.managed_rule_group_statement().is_some(),
            "ManagedRuleGroupStatement",
        ),
        (s.label_match_statement().is_some(), "LabelMatchStatement"),
        (s.regex_match_statement().is_some(), "RegexMatchStatement"),
        (s.asn_match_statement().is_some(), "AsnMatchStatement"),
    ];
    kinds
        .iter()
        .find(|(set, _)| *set)
        .map(|(_, k)| *k)
        .unwrap_or("")
}

async fn logging(client: &Client, scope: &Scope, arn: &str) -> Vec<String> {
    let op = &ops::WAFV2_GET_LOGGING_CONFIGURATION;
    let res = client
        .get_logging_configuration()
        .resource_arn(arn)
        .send()
        .await;
    // No logging configuration (WAFNonexistentItemException): logging is
    // off, a fact. A failed call is a gap (the logging rule depends on it).
    scope
        .check_optional(op, res, "WAFNonexistentItemException")
        .flatten()
        .and_then(|out| {
            out.logging_configuration()
                .map(|l| l.log_destination_configs().to_vec())
        })
        .unwrap_or_default()
}

/// Associated resources of every regional type; `None` when any list failed.
async fn associated(client: &Client, scope: &Scope, arn: &str) -> Option<Vec<String>> {
    let op = &ops::WAFV2_LIST_RESOURCES_FOR_WEB_ACL;
    let mut out = Vec::new();
    for t in REGIONAL_RESOURCE_TYPES {
        let res = client
            .list_resources_for_web_acl()
            .web_acl_arn(arn)
            .resource_type(t.clone())
            .send()
            .await;
        out.extend(scope.check(op, res)?.resource_arns().iter().cloned());
    }
    out.sort();
    out.dedup();
    Some(out)
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]

    use super::*;
    use crate::replay::{config, event, scope};

    #[tokio::test]
    async fn resources_of_every_regional_type_are_listed() {
        let url = "https://wafv2.eu-west-1.amazonaws.com/";
        let mut events = vec![event(
            "POST",
            url,
            200,
            r#"{"ResourceArns":["arn:aws:elasticloadbalancing:eu-west-1:111111111111:loadbalancer/app/web/50dc6c495c0c9188"]}"#,
        )];
        events.push(event(
            "POST",
            url,
            200,
            r#"{"ResourceArns":["arn:aws:apigateway:eu-west-1::/restapis/a1b2c3/stages/prod"]}"#,
        ));
        for _ in 2..REGIONAL_RESOURCE_TYPES.len() {
            events.push(event("POST", url, 200, r#"{"ResourceArns":[]}"#));
        }
        let (conf, http) = config(events);
        let client = Client::new(&conf);
        let (scope, coverage) = scope();
        let arns = associated(
            &client,
            &scope,
            "arn:aws:wafv2:eu-west-1:111111111111:regional/webacl/web/1234",
        )
        .await
        .unwrap();
        assert_eq!(arns.len(), 2);
        assert!(arns[0].starts_with("arn:aws:apigateway:"));
        assert_eq!(
            http.actual_requests().count(),
            REGIONAL_RESOURCE_TYPES.len()
        );
        // Each call asks for one resource type.
        let bodies = crate::replay::bodies(&http);
        assert!(bodies[1].contains("API_GATEWAY"), "{}", bodies[1]);
        assert!(coverage.records().iter().all(|r| !r.is_gap()));
    }

    #[tokio::test]
    async fn unreadable_associations_are_unknown_not_empty() {
        let (conf, _http) = config(vec![event(
            "POST",
            "https://wafv2.eu-west-1.amazonaws.com/",
            400,
            r#"{"__type":"WAFInvalidParameterException","Message":"bad"}"#,
        )]);
        let client = Client::new(&conf);
        let (scope, coverage) = scope();
        let arn = "arn:aws:wafv2:eu-west-1:111111111111:regional/webacl/web/1234";
        assert_eq!(associated(&client, &scope, arn).await, None);
        assert!(coverage.records()[0].is_gap());
    }

    /// A GetWebACL answer for an ACL of a Firewall Manager policy, in the
    /// wire format AWS returns (awsJson1_1): no rules of its own, one
    /// managed group before and one customer group after them.
    const FMS_WEB_ACL: &str = r#"{"WebACL":{"Name":"FMManagedWebACLV2-shield-policy-1700000000000","Id":"a1b2c3d4-5678-90ab-cdef-EXAMPLE11111","ARN":"arn:aws:wafv2:eu-west-1:111111111111:regional/webacl/FMManagedWebACLV2-shield-policy-1700000000000/a1b2c3d4-5678-90ab-cdef-EXAMPLE11111","DefaultAction":{"Allow":{}},"Description":"","Rules":[],"VisibilityConfig":{"SampledRequestsEnabled":true,"CloudWatchMetricsEnabled":true,"MetricName":"FMManagedWebACLV2"},"Capacity":900,"PreProcessFirewallManagerRuleGroups":[{"Name":"PREFMManaged-AWSManagedRulesCommonRuleSet","Priority":0,"FirewallManagerStatement":{"ManagedRuleGroupStatement":{"VendorName":"AWS","Name":"AWSManagedRulesCommonRuleSet","ExcludedRules":[]}},"OverrideAction":{"None":{}},"VisibilityConfig":{"SampledRequestsEnabled":true,"CloudWatchMetricsEnabled":true,"MetricName":"AWSManagedRulesCommonRuleSet"}}],"PostProcessFirewallManagerRuleGroups":[{"Name":"POSTFMManaged-org-rate-limits","Priority":1,"FirewallManagerStatement":{"RuleGroupReferenceStatement":{"ARN":"arn:aws:wafv2:eu-west-1:222222222222:regional/rulegroup/org-rate-limits/b1b2c3d4-5678-90ab-cdef-EXAMPLE22222"}},"OverrideAction":{"Count":{}},"VisibilityConfig":{"SampledRequestsEnabled":false,"CloudWatchMetricsEnabled":true,"MetricName":"org-rate-limits"}}],"ManagedByFirewallManager":true,"LabelNamespace":"awswaf:111111111111:webacl:FMManagedWebACLV2-shield-policy-1700000000000:"},"LockToken":"0123abcd-EXAMPLE"}"#;

    #[tokio::test]
    async fn firewall_manager_rule_groups_are_collected() {
        let url = "https://wafv2.eu-west-1.amazonaws.com/";
        let mut events = vec![
            event("POST", url, 200, FMS_WEB_ACL),
            event(
                "POST",
                url,
                400,
                r#"{"__type":"WAFNonexistentItemException","Message":"no logging configuration"}"#,
            ),
        ];
        for _ in REGIONAL_RESOURCE_TYPES {
            events.push(event("POST", url, 200, r#"{"ResourceArns":[]}"#));
        }
        let (conf, _http) = config(events);
        let client = Client::new(&conf);
        let (scope, coverage) = scope();
        let acl = web_acl(
            &client,
            &scope,
            WafScope::Regional,
            "FMManagedWebACLV2-shield-policy-1700000000000".into(),
            "a1b2c3d4-5678-90ab-cdef-EXAMPLE11111".into(),
        )
        .await
        .unwrap();
        assert!(acl.rules.is_empty());
        let pre = &acl.pre_process_firewall_manager_rule_groups;
        assert_eq!(pre.len(), 1);
        assert_eq!(pre[0].statement_type, "ManagedRuleGroupStatement");
        assert_eq!(
            pre[0].managed_rule_group.as_deref(),
            Some("AWS/AWSManagedRulesCommonRuleSet")
        );
        assert_eq!(pre[0].override_action.as_deref(), Some("none"));
        assert!(pre[0].metrics_enabled && pre[0].sampled_requests_enabled);
        let post = &acl.post_process_firewall_manager_rule_groups;
        assert_eq!(post.len(), 1);
        assert_eq!(post[0].name, "POSTFMManaged-org-rate-limits");
        assert_eq!(post[0].statement_type, "RuleGroupReferenceStatement");
        assert_eq!(post[0].managed_rule_group, None);
        assert_eq!(post[0].override_action.as_deref(), Some("count"));
        assert_eq!(post[0].priority, 1);
        assert_eq!(acl.associated_resources, Some(Vec::new()));
        assert!(coverage.records().iter().all(|r| !r.is_gap()));
    }
}
