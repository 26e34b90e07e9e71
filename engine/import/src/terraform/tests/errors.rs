//! Malformed plans: an error with the position, never a panic.

use crate::Options;

fn err(text: &str) -> String {
    match super::super::import("p.json", text, &Options::default()) {
        Ok(a) => panic!("accepted: {a:?}"),
        Err(e) => e.to_string(),
    }
}

#[test]
fn a_json_document_that_is_not_a_plan_is_an_error() {
    assert!(err(r#"{"format_version": "1.2"}"#).contains("not a Terraform plan"));
    assert!(err("[1, 2]").contains("not a Terraform plan"));
    assert!(err("42").contains("not a Terraform plan"));
    assert!(err("{").starts_with("p.json:"));
}

#[test]
fn wrongly_shaped_plans_are_errors_with_the_file() {
    let e = err(r#"{"format_version": "1.2", "resource_changes": {"a": 1}}"#);
    assert!(
        e.starts_with("p.json:") && e.contains("must be a list"),
        "{e}"
    );
    let e = err(r#"{"format_version": "1.2", "resource_changes": [42]}"#);
    assert!(e.contains("must be an object"), "{e}");
    let e = err(r#"{"format_version": "1.2", "resource_changes": [{"mode": "managed"}]}"#);
    assert!(e.contains("\"address\""), "{e}");
    let e = err(
        r#"{"format_version": "1.2", "resource_changes": [{"address": "aws_vpc.v", "mode": "managed", "type": "aws_vpc", "name": "v",
            "change": {"actions": ["create"], "after": [1]}}]}"#,
    );
    assert!(
        e.contains("aws_vpc.v: change.after must be an object"),
        "{e}"
    );
    let e = err(
        r#"{"format_version": "1.2", "planned_values": {"root_module": {"resources": [{"address": "x"}]}}}"#,
    );
    assert!(e.contains("\"type\""), "{e}");
    let e = err(r#"{"format_version": "1.2", "planned_values": []}"#);
    assert!(e.contains("planned_values must be an object"), "{e}");
}

#[test]
fn wrongly_shaped_values_are_errors_not_panics() {
    let text = super::plan(&[serde_json::json!({
        "address": "aws_security_group_rule.r", "type": "aws_security_group_rule", "name": "r",
        "after": {"type": "ingress", "security_group_id": "sg-1", "protocol": "tcp", "from_port": "twenty-two", "to_port": 22, "cidr_blocks": [{"x": 1}]}
    })]);
    let e = err(&text);
    assert!(e.contains("aws_security_group_rule.r"), "{e}");
}

#[test]
fn odd_but_valid_values_never_panic() {
    let types: Vec<&str> = super::super::DEPENDENT
        .iter()
        .copied()
        .chain([
            "aws_security_group",
            "aws_default_security_group",
            "aws_wafv2_web_acl",
            "aws_iam_role",
            "aws_iam_user",
            "aws_iam_group",
            "aws_iam_policy",
            "aws_iam_account_password_policy",
            "aws_network_acl",
            "aws_default_network_acl",
            "aws_vpc",
            "aws_subnet",
            "aws_backup_vault",
            "aws_backup_plan",
            "aws_config_configuration_recorder",
            "aws_config_delivery_channel",
            "aws_ec2_managed_prefix_list",
            "aws_cloudfront_distribution",
        ])
        .collect();
    let odd = [
        serde_json::json!({"ingress": 5, "egress": [7, null], "name": ["x"], "rule": {"a": 1}}),
        serde_json::json!({"rule": [{"statement": 3, "action": "x", "copy_action": [1], "lifecycle": "x"}], "default_action": 9}),
        serde_json::json!({"assume_role_policy": 7, "inline_policy": [3], "managed_policy_arns": null, "entry": [[]]}),
        serde_json::json!({"user": {}, "users": [{}], "groups": 3, "policy_arn": [], "role": null, "security_group_id": 1.5}),
        serde_json::json!({"network_acl_id": "a", "rule_number": "x", "selection_tag": [1], "condition": [{"string_equals": [2]}]}),
        serde_json::json!({"backup_vault_name": "v", "plan_id": "p", "name": "r", "is_enabled": "maybe", "web_acl_arn": "a", "resource_arn": "a"}),
    ];
    for after in &odd {
        let resources: Vec<serde_json::Value> = types
            .iter()
            .map(|t| serde_json::json!({"address": format!("{t}.x"), "type": t, "name": "x", "after": after,
                                        "after_unknown": {"name": true, "rule": [true], "ingress": [{"cidr_blocks": true}]}}))
            .collect();
        let _ = super::super::import("p.json", &super::plan(&resources), &Options::default());
    }
}
