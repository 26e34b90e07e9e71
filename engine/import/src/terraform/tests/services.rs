//! WAFv2, Backup and Config resources of a plan.

use serde_json::json;

use super::{id, import, plan, unknowns_of};

fn vis(metrics: bool, sampled: bool) -> serde_json::Value {
    json!([{"cloudwatch_metrics_enabled": metrics, "metric_name": "m", "sampled_requests_enabled": sampled}])
}

#[test]
fn web_acls_rules_associations_and_logging() {
    let empty_stmt = |k: &str, body: serde_json::Value| {
        let mut s = serde_json::Map::new();
        for kind in [
            "managed_rule_group_statement",
            "rate_based_statement",
            "rule_group_reference_statement",
            "ip_set_reference_statement",
            "byte_match_statement",
        ] {
            s.insert(
                kind.into(),
                if kind == k {
                    json!([body.clone()])
                } else {
                    json!([])
                },
            );
        }
        json!([s])
    };
    let a = import(&plan(&[
        json!({"address": "aws_wafv2_web_acl.main", "type": "aws_wafv2_web_acl", "name": "main",
               "after": {"name": "main", "scope": "REGIONAL",
                         "default_action": [{"allow": [], "block": [{"custom_response": []}]}],
                         "visibility_config": vis(true, true),
                         "rule": [
                             {"name": "rate", "priority": 2, "action": [{"allow": [], "block": [{}], "count": [], "captcha": [], "challenge": []}], "override_action": [],
                              "statement": empty_stmt("rate_based_statement", json!({"limit": 1000, "aggregate_key_type": "IP"})), "visibility_config": vis(true, false)},
                             {"name": "common", "priority": 1, "action": [], "override_action": [{"count": [], "none": [{}]}],
                              "statement": empty_stmt("managed_rule_group_statement", json!({"name": "AWSManagedRulesCommonRuleSet", "vendor_name": "AWS"})), "visibility_config": vis(true, true)},
                             {"name": "ips", "priority": 3, "action": [{"allow": [], "block": [], "count": [{}], "captcha": [], "challenge": []}], "override_action": [],
                              "statement": empty_stmt("ip_set_reference_statement", json!({"arn": "arn:aws:wafv2:eu-west-1:1:regional/ipset/x/1"})), "visibility_config": vis(false, false)}
                         ]},
               "after_unknown": {"arn": true, "id": true, "capacity": true}}),
        json!({"address": "aws_wafv2_web_acl_association.alb", "type": "aws_wafv2_web_acl_association", "name": "alb",
               "after": {"resource_arn": "arn:aws:elasticloadbalancing:eu-west-1:1:loadbalancer/app/web/1"}, "after_unknown": {"web_acl_arn": true},
               "expressions": {"web_acl_arn": {"references": ["aws_wafv2_web_acl.main.arn", "aws_wafv2_web_acl.main"]}}}),
        json!({"address": "aws_wafv2_web_acl_logging_configuration.main", "type": "aws_wafv2_web_acl_logging_configuration", "name": "main",
               "after": {}, "after_unknown": {"resource_arn": true, "log_destination_configs": true},
               "expressions": {"resource_arn": {"references": ["aws_wafv2_web_acl.main.arn", "aws_wafv2_web_acl.main"]},
                               "log_destination_configs": {"references": ["aws_cloudwatch_log_group.waf.arn", "aws_cloudwatch_log_group.waf"]}}}),
        json!({"address": "aws_wafv2_web_acl.open", "type": "aws_wafv2_web_acl", "name": "open",
               "after": {"name": "open", "scope": "CLOUDFRONT", "default_action": [{"allow": [{"custom_request_handling": []}], "block": []}],
                         "visibility_config": vis(false, false), "rule": []}}),
    ]));
    let acls = &a.region_data[0].wafv2.web_acls;
    let main = &acls[0];
    assert_eq!(
        (
            main.arn.as_str(),
            main.scope.as_str(),
            main.default_action.as_str()
        ),
        (id("aws_wafv2_web_acl.main").as_str(), "REGIONAL", "block")
    );
    assert!(main.metrics_enabled);
    let names: Vec<&str> = main.rules.iter().map(|r| r.name.as_str()).collect();
    assert_eq!(names, ["common", "rate", "ips"]);
    let common = &main.rules[0];
    assert_eq!(
        (common.statement_type.as_str(), common.action.as_str()),
        ("ManagedRuleGroupStatement", "none")
    );
    assert_eq!(common.override_action.as_deref(), Some("none"));
    assert_eq!(
        common.managed_rule_group.as_deref(),
        Some("AWS/AWSManagedRulesCommonRuleSet")
    );
    assert!(common.metrics_enabled && common.sampled_requests_enabled);
    let rate = &main.rules[1];
    assert_eq!(
        (
            rate.statement_type.as_str(),
            rate.action.as_str(),
            rate.priority
        ),
        ("RateBasedStatement", "block", 2)
    );
    assert!(!rate.sampled_requests_enabled);
    assert_eq!(
        (
            main.rules[2].statement_type.as_str(),
            main.rules[2].action.as_str()
        ),
        ("IPSetReferenceStatement", "count")
    );
    assert_eq!(
        main.associated_resources.as_deref(),
        Some(&["arn:aws:elasticloadbalancing:eu-west-1:1:loadbalancer/app/web/1".to_owned()][..])
    );
    assert_eq!(main.logging_destinations.len(), 1);
    assert!(a.locations.contains_key(&format!("{}/rule/rate", main.arn)));
    let open = &acls[1];
    assert_eq!(
        (open.scope.as_str(), open.default_action.as_str()),
        ("CLOUDFRONT", "allow")
    );
    assert!(open.logging_destinations.is_empty() && open.rules.is_empty());
    assert_eq!(
        open.associated_resources.as_deref().map(<[String]>::len),
        Some(0)
    );
    assert!(a.unknowns.is_empty(), "{:?}", a.unknowns);
    assert_eq!(a.uncovered.len(), 0);
}

#[test]
fn backup_vaults_locks_policies_plans_and_selections() {
    let a = import(&plan(&[
        json!({"address": "aws_backup_vault.prod", "type": "aws_backup_vault", "name": "prod",
               "after": {"name": "prod"}, "after_unknown": {"arn": true, "kms_key_arn": true, "id": true},
               "expressions": {"name": {"constant_value": "prod"}, "kms_key_arn": {"references": ["aws_kms_key.b.arn", "aws_kms_key.b"]}}}),
        json!({"address": "aws_backup_vault.plain", "type": "aws_backup_vault", "name": "plain",
               "after": {"name": "plain"}, "after_unknown": {"kms_key_arn": true}, "expressions": {"name": {"constant_value": "plain"}}}),
        json!({"address": "aws_backup_vault.dr", "type": "aws_backup_vault", "name": "dr", "provider": "aws.dr", "after": {"name": "dr"}}),
        json!({"address": "aws_backup_vault_lock_configuration.prod", "type": "aws_backup_vault_lock_configuration", "name": "prod",
               "after": {"backup_vault_name": "prod", "changeable_for_days": 3, "min_retention_days": 7, "max_retention_days": 365}}),
        json!({"address": "aws_backup_vault_lock_configuration.dr", "type": "aws_backup_vault_lock_configuration", "name": "dr",
               "after": {"min_retention_days": 1, "changeable_for_days": null}, "after_unknown": {"backup_vault_name": true},
               "expressions": {"backup_vault_name": {"references": ["aws_backup_vault.dr.name", "aws_backup_vault.dr"]}}}),
        json!({"address": "aws_backup_vault_policy.prod", "type": "aws_backup_vault_policy", "name": "prod",
               "after": {"backup_vault_name": "prod", "policy": r#"{"Version":"2012-10-17","Statement":[{"Effect":"Deny","Principal":"*","Action":"backup:DeleteRecoveryPoint","Resource":"*"}]}"#}}),
        json!({"address": "aws_backup_plan.daily", "type": "aws_backup_plan", "name": "daily",
               "after": {"name": "daily", "rule": [{
                   "rule_name": "nightly", "schedule": "cron(0 5 ? * * *)", "schedule_expression_timezone": "Etc/UTC",
                   "enable_continuous_backup": true, "start_window": 60, "completion_window": 180,
                   "lifecycle": [{"cold_storage_after": 30, "delete_after": 120, "opt_in_to_archive_for_supported_resources": false}],
                   "copy_action": [{"destination_vault_arn": null, "lifecycle": [{"delete_after": 90, "cold_storage_after": 0}]}],
                   "recovery_point_tags": {}, "target_vault_name": null
               }]},
               "after_unknown": {"id": true, "arn": true, "rule": [{"copy_action": [{"destination_vault_arn": true}], "target_vault_name": true}]},
               "expressions": {"rule": [{"target_vault_name": {"references": ["aws_backup_vault.prod.name", "aws_backup_vault.prod"]},
                                         "copy_action": [{"destination_vault_arn": {"references": ["aws_backup_vault.dr.arn", "aws_backup_vault.dr"]}}]}]}}),
        json!({"address": "aws_backup_selection.tagged", "type": "aws_backup_selection", "name": "tagged",
               "after": {"name": "tagged", "resources": ["arn:aws:ec2:*:*:volume/*"], "not_resources": [],
                         "selection_tag": [{"type": "STRINGEQUALS", "key": "backup", "value": "daily"}],
                         "condition": [{"string_equals": [{"key": "aws:ResourceTag/env", "value": "prod"}], "string_like": [], "string_not_equals": [{"key": "aws:ResourceTag/tier", "value": "scratch"}], "string_not_like": []}]},
               "after_unknown": {"plan_id": true, "iam_role_arn": true, "id": true},
               "expressions": {"plan_id": {"references": ["aws_backup_plan.daily.id", "aws_backup_plan.daily"]},
                               "iam_role_arn": {"references": ["aws_iam_role.backup.arn", "aws_iam_role.backup"]}}}),
    ]));
    let b = &a.region_data[0].backup;
    let vault = |n: &str| b.vaults.iter().find(|v| v.name == n).expect("vault");
    let prod = vault("prod");
    assert!(prod.encryption_key_arn.is_some());
    assert!(prod.locked && prod.lock_date.is_some());
    assert_eq!(
        (prod.min_retention_days, prod.max_retention_days),
        (Some(7), Some(365))
    );
    assert_eq!(
        prod.access_policy.as_ref().map(|p| p.statements.len()),
        Some(1)
    );
    assert_eq!(vault("plain").encryption_key_arn, None);
    let dr = vault("dr");
    assert!(dr.locked && dr.lock_date.is_none()); // governance mode
    let plan = &b.plans[0];
    let r = &plan.rules[0];
    assert_eq!(
        (r.name.as_str(), r.target_vault.as_str()),
        ("nightly", "prod")
    );
    assert_eq!(r.schedule_expression.as_deref(), Some("cron(0 5 ? * * *)"));
    assert_eq!(
        (r.delete_after_days, r.move_to_cold_storage_after_days),
        (Some(120), Some(30))
    );
    assert!(r.enable_continuous_backup);
    // The vault's ARN as AWS will give it: judged by its region and account.
    assert_eq!(
        r.copy_actions[0].destination_vault_arn,
        "arn:aws:backup:eu-west-2:000000000000:backup-vault:dr"
    );
    assert_eq!(r.copy_actions[0].delete_after_days, Some(90));
    let s = &plan.selections[0];
    assert_eq!(s.resources, ["arn:aws:ec2:*:*:volume/*"]);
    assert_eq!(s.list_of_tags, ["backup=daily"]);
    assert_eq!(s.tag_conditions, ["env=prod", "tier!=scratch"]);
    assert_eq!(s.iam_role_arn, None); // the role is not in the plan
    assert!(a
        .locations
        .contains_key(&format!("{}/rule/nightly", plan.arn)));
    assert!(a.locations.contains_key(&format!(
        "{}/selection/aws_backup_selection.tagged",
        plan.arn
    )));
    assert!(a.unknowns.is_empty(), "{:?}", a.unknowns);
}

#[test]
fn an_unknown_schedule_is_recorded_on_the_plan() {
    let a = import(&plan(&[
        json!({"address": "aws_backup_plan.p", "type": "aws_backup_plan", "name": "p",
        "after": {"name": "p", "rule": [{"rule_name": "r", "target_vault_name": "v", "schedule": null, "lifecycle": [], "copy_action": []}]},
        "after_unknown": {"rule": [{"schedule": true}]},
        "expressions": {"rule": [{"schedule": {"references": ["var.schedule"]}}]}}),
    ]));
    assert_eq!(
        unknowns_of(&a, &id("aws_backup_plan.p")),
        [(
            "rule[0].schedule".to_owned(),
            "aws_backup_plan.p.rule[0].schedule is known only after apply".to_owned()
        )]
    );
}

#[test]
fn config_recorders_their_status_and_channels() {
    let a = import(&plan(&[
        json!({"address": "aws_config_configuration_recorder.main", "type": "aws_config_configuration_recorder", "name": "main",
               "after": {"name": "default", "recording_group": [{"all_supported": true, "include_global_resource_types": true, "resource_types": []}]},
               "after_unknown": {"role_arn": true},
               "expressions": {"role_arn": {"references": ["aws_iam_role.config.arn", "aws_iam_role.config"]}}}),
        json!({"address": "aws_iam_role.config", "type": "aws_iam_role", "name": "config",
               "after": {"name": "config", "assume_role_policy": r#"{"Statement":[{"Effect":"Allow","Principal":{"Service":"config.amazonaws.com"},"Action":"sts:AssumeRole"}]}"#}}),
        json!({"address": "aws_config_configuration_recorder_status.main", "type": "aws_config_configuration_recorder_status", "name": "main",
               "after": {"is_enabled": true}, "after_unknown": {"name": true},
               "expressions": {"name": {"references": ["aws_config_configuration_recorder.main.name", "aws_config_configuration_recorder.main"]}}}),
        json!({"address": "aws_config_delivery_channel.main", "type": "aws_config_delivery_channel", "name": "main",
               "after": {"name": "default", "s3_bucket_name": "acme-config"}}),
        json!({"address": "aws_config_configuration_recorder.idle", "type": "aws_config_configuration_recorder", "name": "idle",
               "after": {"name": "idle", "role_arn": "arn:aws:iam::1:role/x", "recording_group": []}}),
        json!({"address": "aws_config_configuration_recorder.some", "type": "aws_config_configuration_recorder", "name": "some",
               "after": {"name": "some", "role_arn": "arn:aws:iam::1:role/x",
                         "recording_group": [{"all_supported": false, "resource_types": ["AWS::EC2::SecurityGroup"], "exclusion_by_resource_types": null}]},
               "after_unknown": {"recording_group": [{"exclusion_by_resource_types": true, "include_global_resource_types": true}]}}),
    ]));
    let c = &a.region_data[0].config;
    let main = &c.recorders[0];
    assert_eq!(main.name, "default");
    assert_eq!(
        main.role_arn.as_deref(),
        Some(id("aws_iam_role.config").as_str())
    );
    assert!(main.recording && main.all_supported && main.include_global_resource_types);
    let idle = &c.recorders[1];
    assert!(!idle.recording && idle.all_supported && !idle.include_global_resource_types);
    assert_eq!(
        c.delivery_channels[0].s3_bucket_name.as_deref(),
        Some("acme-config")
    );
    // Settings the rules do not read do not make the recorder unknown; one
    // they read does.
    let some = &c.recorders[2];
    assert_eq!((some.all_supported, some.resource_types.len()), (false, 1));
    assert_eq!(
        unknowns_of(&a, &some.arn)
            .into_iter()
            .map(|(p, _)| p)
            .collect::<Vec<_>>(),
        ["recording_group[0].include_global_resource_types"]
    );
    assert_eq!(a.unknowns.len(), 1, "{:?}", a.unknowns);
}

#[test]
fn cloudfront_distributions_associate_with_their_web_acl() {
    let a = import(&plan(&[
        json!({"address": "aws_wafv2_web_acl.cf", "type": "aws_wafv2_web_acl", "name": "cf",
               "after": {"name": "cf", "scope": "CLOUDFRONT", "default_action": [{"allow": [{}], "block": []}], "rule": []},
               "after_unknown": {"arn": true}}),
        json!({"address": "aws_cloudfront_distribution.site", "type": "aws_cloudfront_distribution", "name": "site",
               "after": {"enabled": true}, "after_unknown": {"web_acl_id": true},
               "expressions": {"web_acl_id": {"references": ["aws_wafv2_web_acl.cf.arn", "aws_wafv2_web_acl.cf"]}}}),
    ]));
    let acl = &a.region_data[0].wafv2.web_acls[0];
    assert_eq!(
        acl.associated_resources.as_deref(),
        Some(&[id("aws_cloudfront_distribution.site")][..])
    );
    assert_eq!(a.uncovered.get("aws_cloudfront_distribution"), Some(&1));
}

#[test]
fn rules_given_as_aws_json_are_read_and_unknown_ones_recorded() {
    let rules = r#"[{"Name":"bots","Priority":0,"OverrideAction":{"Count":{}},"Statement":{"ManagedRuleGroupStatement":{"VendorName":"AWS","Name":"AWSManagedRulesBotControlRuleSet"}},"VisibilityConfig":{"CloudWatchMetricsEnabled":true,"SampledRequestsEnabled":false,"MetricName":"bots"}}]"#;
    let a = import(&plan(&[
        json!({"address": "aws_wafv2_web_acl.j", "type": "aws_wafv2_web_acl", "name": "j",
               "after": {"name": "j", "scope": "REGIONAL", "default_action": [{"allow": [{}], "block": []}], "rule_json": rules}}),
        json!({"address": "aws_wafv2_web_acl.u", "type": "aws_wafv2_web_acl", "name": "u",
               "after": {"name": "u", "scope": "REGIONAL", "default_action": [{"allow": [], "block": [{}]}]},
               "after_unknown": {"rule_json": true}, "expressions": {"rule_json": {"references": ["local.rules"]}}}),
    ]));
    let acls = &a.region_data[0].wafv2.web_acls;
    let r = &acls[0].rules[0];
    assert_eq!(
        (
            r.name.as_str(),
            r.statement_type.as_str(),
            r.action.as_str()
        ),
        ("bots", "ManagedRuleGroupStatement", "none")
    );
    assert_eq!(r.override_action.as_deref(), Some("count"));
    assert_eq!(
        r.managed_rule_group.as_deref(),
        Some("AWS/AWSManagedRulesBotControlRuleSet")
    );
    assert!(r.metrics_enabled && !r.sampled_requests_enabled);
    assert_eq!(
        unknowns_of(&a, &id("aws_wafv2_web_acl.u"))[0].0,
        "rule_json"
    );
}

#[test]
fn a_dependent_whose_target_is_unknown_leaves_every_candidate_unknown() {
    let a = import(&plan(&[
        json!({"address": "aws_wafv2_web_acl.a", "type": "aws_wafv2_web_acl", "name": "a", "after": {"name": "a", "scope": "REGIONAL"}}),
        json!({"address": "aws_wafv2_web_acl_logging_configuration.l", "type": "aws_wafv2_web_acl_logging_configuration", "name": "l",
               "after": {"log_destination_configs": ["arn:aws:firehose:eu-west-1:1:deliverystream/aws-waf-logs-x"]},
               "after_unknown": {"resource_arn": true},
               "expressions": {"resource_arn": {"references": ["module.waf.acl_arn", "module.waf"]}}}),
        json!({"address": "aws_backup_vault.v", "type": "aws_backup_vault", "name": "v", "after": {"name": "v"}}),
        json!({"address": "aws_backup_vault_lock_configuration.l", "type": "aws_backup_vault_lock_configuration", "name": "l",
               "after": {"changeable_for_days": 3}, "after_unknown": {"backup_vault_name": true},
               "expressions": {"backup_vault_name": {"references": ["var.vault"]}}}),
    ]));
    let acl = id("aws_wafv2_web_acl.a");
    assert_eq!(
        unknowns_of(&a, &acl)[0].0,
        "aws_wafv2_web_acl_logging_configuration.l.resource_arn"
    );
    assert!(a.region_data[0].wafv2.web_acls[0]
        .logging_destinations
        .is_empty());
    assert_eq!(
        unknowns_of(&a, &id("aws_backup_vault.v"))[0].0,
        "aws_backup_vault_lock_configuration.l.backup_vault_name"
    );
    assert!(!a.region_data[0].backup.vaults[0].locked);
}

#[test]
fn statement_details_known_only_after_apply_do_not_hide_the_rule() {
    let a = import(&plan(&[
        json!({"address": "aws_wafv2_web_acl.w", "type": "aws_wafv2_web_acl", "name": "w",
        "after": {"name": "w", "scope": "REGIONAL", "default_action": [{"allow": [], "block": [{}]}],
                  "rule": [{"name": "allow-office", "priority": 0, "action": [{"allow": [{}], "block": [], "count": []}],
                            "statement": [{"ip_set_reference_statement": [{"arn": null}], "managed_rule_group_statement": []}],
                            "visibility_config": vis(true, true), "rule_label": [{"name": null}]}]},
        "after_unknown": {"rule": [{"statement": [{"ip_set_reference_statement": [{"arn": true}]}], "rule_label": [{"name": true}]}]}}),
    ]));
    let r = &a.region_data[0].wafv2.web_acls[0].rules[0];
    assert_eq!(
        (r.statement_type.as_str(), r.action.as_str()),
        ("IPSetReferenceStatement", "allow")
    );
    assert!(a.unknowns.is_empty(), "{:?}", a.unknowns);
}
