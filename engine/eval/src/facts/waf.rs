//! WAFv2 facts: which managed rule groups a web ACL references, which of
//! them only count (never block), and rules per statement type.

use palisade_model::waf::WafRule;

/// The managed rule groups referenced by `rules` ("Vendor/Name", in rule
/// order), and the subset referenced only with override action Count (a
/// group referenced twice, once in Count and once enforcing, is enforced).
pub fn managed_rule_groups(rules: &[WafRule]) -> (Vec<&str>, Vec<&str>) {
    let mut managed: Vec<&str> = Vec::new();
    let mut count_only: Vec<&str> = Vec::new();
    let mut active: Vec<&str> = Vec::new();
    for r in rules {
        if let Some(group) = r.managed_rule_group.as_deref() {
            managed.push(group);
            if r.override_action
                .as_deref()
                .is_some_and(|o| o.eq_ignore_ascii_case("count"))
            {
                count_only.push(group);
            } else {
                active.push(group);
            }
        }
    }
    count_only.retain(|g| !active.contains(g));
    (managed, count_only)
}

/// Rules whose top-level statement is of type `statement_type`.
pub fn rules_of_type(rules: &[WafRule], statement_type: &str) -> usize {
    rules
        .iter()
        .filter(|r| r.statement_type == statement_type)
        .count()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rule(group: Option<&str>, over: Option<&str>, ty: &str) -> WafRule {
        WafRule {
            managed_rule_group: group.map(str::to_owned),
            override_action: over.map(str::to_owned),
            statement_type: ty.into(),
            ..Default::default()
        }
    }

    #[test]
    fn count_only_groups() {
        let rules = [
            rule(
                Some("AWS/Common"),
                Some("Count"),
                "ManagedRuleGroupStatement",
            ),
            rule(
                Some("AWS/Common"),
                Some("None"),
                "ManagedRuleGroupStatement",
            ),
            rule(Some("AWS/SQLi"), Some("count"), "ManagedRuleGroupStatement"),
            rule(Some("AWS/Bots"), None, "ManagedRuleGroupStatement"),
            rule(None, None, "RateBasedStatement"),
        ];
        let (managed, count_only) = managed_rule_groups(&rules);
        assert_eq!(
            managed,
            vec!["AWS/Common", "AWS/Common", "AWS/SQLi", "AWS/Bots"]
        );
        assert_eq!(count_only, vec!["AWS/SQLi"]);
        assert_eq!(rules_of_type(&rules, "RateBasedStatement"), 1);
        assert_eq!(rules_of_type(&rules, "RuleGroupReferenceStatement"), 0);
    }
}
