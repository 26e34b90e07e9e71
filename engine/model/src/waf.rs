//! WAFv2: web ACLs with scope, rules (their own and the rule groups
//! Firewall Manager adds), default action, logging configuration and
//! associated resources.

use serde::{Deserialize, Serialize};

/// WAFv2 data of one region.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Default)]
#[serde(deny_unknown_fields)]
pub struct Wafv2 {
    /// Web ACLs.
    #[serde(default)]
    pub web_acls: Vec<WebAcl>,
}

/// A WAFv2 web ACL.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Default)]
#[serde(deny_unknown_fields)]
pub struct WebAcl {
    /// Web ACL ARN.
    pub arn: String,
    /// Id.
    #[serde(default)]
    pub id: String,
    /// Name.
    pub name: String,
    /// `REGIONAL` or `CLOUDFRONT`.
    pub scope: String,
    /// `allow` or `block`.
    pub default_action: String,
    /// Rules in priority order.
    #[serde(default)]
    pub rules: Vec<WafRule>,
    /// Rule groups an AWS Firewall Manager policy runs before `rules`
    /// (`PreProcessFirewallManagerRuleGroups`), in priority order; each is a
    /// managed rule group or rule group reference with an override action.
    /// Absent in snapshots from before they were collected (read as none).
    #[serde(default)]
    pub pre_process_firewall_manager_rule_groups: Vec<WafRule>,
    /// Rule groups a Firewall Manager policy runs after `rules`
    /// (`PostProcessFirewallManagerRuleGroups`), in priority order.
    #[serde(default)]
    pub post_process_firewall_manager_rule_groups: Vec<WafRule>,
    /// CloudWatch metrics enabled on the ACL itself.
    #[serde(default)]
    pub metrics_enabled: bool,
    /// Logging destinations (empty: logging is off).
    #[serde(default)]
    pub logging_destinations: Vec<String>,
    /// ARNs of associated resources; `null` when they could not be listed.
    #[serde(default)]
    pub associated_resources: Option<Vec<String>>,
    /// Web ACL capacity units used.
    #[serde(default)]
    pub capacity: i64,
}

/// A rule of a web ACL.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Default)]
#[serde(deny_unknown_fields)]
pub struct WafRule {
    /// Rule name.
    pub name: String,
    /// Priority.
    #[serde(default)]
    pub priority: i64,
    /// `allow`, `block`, `count`, `captcha`, `challenge`, or `none` for rule groups.
    #[serde(default)]
    pub action: String,
    /// `none` or `count` for rule-group references.
    #[serde(default)]
    pub override_action: Option<String>,
    /// Top-level statement type, e.g. `ManagedRuleGroupStatement`.
    #[serde(default)]
    pub statement_type: String,
    /// `vendor/name` for managed rule groups.
    #[serde(default)]
    pub managed_rule_group: Option<String>,
    /// CloudWatch metrics enabled.
    #[serde(default)]
    pub metrics_enabled: bool,
    /// Sampled requests enabled.
    #[serde(default)]
    pub sampled_requests_enabled: bool,
}
