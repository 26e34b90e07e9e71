//! Whole plans: a hand-written `terraform show -json` document; modules and
//! count / for_each addresses; deletes, data sources and uncovered types;
//! the region; plans with planned values only.

use serde_json::json;

use super::{id, import, plan, plan_with, unknowns_of};

/// A plan written by hand exactly as `terraform show -json` prints it: a
/// new security group, a rule whose group id is known only after apply
/// (resolved from the configuration's reference), a rule whose CIDRs come
/// from a data source read at apply (a true unknown), a data source, a
/// bucket no rule covers and a user being deleted.
const HAND_WRITTEN: &str = r#"{"format_version":"1.2","terraform_version":"1.8.4",
"planned_values":{"root_module":{"resources":[
 {"address":"aws_s3_bucket.logs","mode":"managed","type":"aws_s3_bucket","name":"logs","provider_name":"registry.terraform.io/hashicorp/aws","schema_version":0,"values":{"bucket":"acme-logs","force_destroy":false,"tags":null},"sensitive_values":{"tags_all":{}}},
 {"address":"aws_security_group.web","mode":"managed","type":"aws_security_group","name":"web","provider_name":"registry.terraform.io/hashicorp/aws","schema_version":1,"values":{"description":"web tier","name":"web","revoke_rules_on_delete":false,"tags":{"team":"web"},"tags_all":{"team":"web"},"timeouts":null,"vpc_id":"vpc-0a1b2c3d"},"sensitive_values":{"egress":[],"ingress":[],"tags":{},"tags_all":{}}},
 {"address":"aws_security_group_rule.ssh","mode":"managed","type":"aws_security_group_rule","name":"ssh","provider_name":"registry.terraform.io/hashicorp/aws","schema_version":2,"values":{"cidr_blocks":["0.0.0.0/0"],"description":"ssh","from_port":22,"ipv6_cidr_blocks":null,"prefix_list_ids":null,"protocol":"tcp","self":false,"timeouts":null,"to_port":22,"type":"ingress"},"sensitive_values":{"cidr_blocks":[false]}},
 {"address":"aws_security_group_rule.lb","mode":"managed","type":"aws_security_group_rule","name":"lb","provider_name":"registry.terraform.io/hashicorp/aws","schema_version":2,"values":{"description":null,"from_port":443,"ipv6_cidr_blocks":null,"prefix_list_ids":null,"protocol":"tcp","security_group_id":"sg-0feedface","self":false,"timeouts":null,"to_port":443,"type":"ingress"},"sensitive_values":{}}
]}},
"resource_changes":[
 {"address":"aws_iam_user.old","mode":"managed","type":"aws_iam_user","name":"old","provider_name":"registry.terraform.io/hashicorp/aws","change":{"actions":["delete"],"before":{"arn":"arn:aws:iam::111111111111:user/old","name":"old","path":"/"},"after":null,"after_unknown":{},"before_sensitive":{},"after_sensitive":false}},
 {"address":"aws_s3_bucket.logs","mode":"managed","type":"aws_s3_bucket","name":"logs","provider_name":"registry.terraform.io/hashicorp/aws","change":{"actions":["create"],"before":null,"after":{"bucket":"acme-logs","force_destroy":false,"tags":null},"after_unknown":{"arn":true,"id":true,"tags_all":true},"before_sensitive":false,"after_sensitive":{"tags_all":{}}}},
 {"address":"aws_security_group.web","mode":"managed","type":"aws_security_group","name":"web","provider_name":"registry.terraform.io/hashicorp/aws","change":{"actions":["create"],"before":null,"after":{"description":"web tier","name":"web","revoke_rules_on_delete":false,"tags":{"team":"web"},"tags_all":{"team":"web"},"timeouts":null,"vpc_id":"vpc-0a1b2c3d"},"after_unknown":{"arn":true,"egress":true,"id":true,"ingress":true,"name_prefix":true,"owner_id":true,"tags":{},"tags_all":{}},"before_sensitive":false,"after_sensitive":{"egress":[],"ingress":[],"tags":{},"tags_all":{}}}},
 {"address":"aws_security_group_rule.ssh","mode":"managed","type":"aws_security_group_rule","name":"ssh","provider_name":"registry.terraform.io/hashicorp/aws","change":{"actions":["create"],"before":null,"after":{"cidr_blocks":["0.0.0.0/0"],"description":"ssh","from_port":22,"ipv6_cidr_blocks":null,"prefix_list_ids":null,"protocol":"tcp","self":false,"timeouts":null,"to_port":22,"type":"ingress"},"after_unknown":{"cidr_blocks":[false],"id":true,"security_group_id":true,"security_group_rule_id":true,"source_security_group_id":true},"before_sensitive":false,"after_sensitive":{"cidr_blocks":[false]}}},
 {"address":"aws_security_group_rule.lb","mode":"managed","type":"aws_security_group_rule","name":"lb","provider_name":"registry.terraform.io/hashicorp/aws","change":{"actions":["create"],"before":null,"after":{"description":null,"from_port":443,"ipv6_cidr_blocks":null,"prefix_list_ids":null,"protocol":"tcp","security_group_id":"sg-0feedface","self":false,"timeouts":null,"to_port":443,"type":"ingress"},"after_unknown":{"cidr_blocks":true,"id":true,"security_group_rule_id":true,"source_security_group_id":true},"before_sensitive":false,"after_sensitive":{}}},
 {"address":"data.aws_ip_ranges.cloudfront","mode":"data","type":"aws_ip_ranges","name":"cloudfront","provider_name":"registry.terraform.io/hashicorp/aws","change":{"actions":["read"],"before":null,"after":{"services":["cloudfront"]},"after_unknown":{"cidr_blocks":true,"id":true},"before_sensitive":false,"after_sensitive":{}},"action_reason":"read_because_dependency_pending"}
],
"configuration":{"provider_config":{"aws":{"name":"aws","full_name":"registry.terraform.io/hashicorp/aws","expressions":{"region":{"constant_value":"eu-west-1"}}}},
 "root_module":{"resources":[
  {"address":"aws_s3_bucket.logs","mode":"managed","type":"aws_s3_bucket","name":"logs","provider_config_key":"aws","expressions":{"bucket":{"constant_value":"acme-logs"}},"schema_version":0},
  {"address":"aws_security_group.web","mode":"managed","type":"aws_security_group","name":"web","provider_config_key":"aws","expressions":{"description":{"constant_value":"web tier"},"name":{"constant_value":"web"},"tags":{"constant_value":{"team":"web"}},"vpc_id":{"constant_value":"vpc-0a1b2c3d"}},"schema_version":1},
  {"address":"aws_security_group_rule.ssh","mode":"managed","type":"aws_security_group_rule","name":"ssh","provider_config_key":"aws","expressions":{"cidr_blocks":{"constant_value":["0.0.0.0/0"]},"description":{"constant_value":"ssh"},"from_port":{"constant_value":22},"protocol":{"constant_value":"tcp"},"security_group_id":{"references":["aws_security_group.web.id","aws_security_group.web"]},"to_port":{"constant_value":22},"type":{"constant_value":"ingress"}},"schema_version":2},
  {"address":"aws_security_group_rule.lb","mode":"managed","type":"aws_security_group_rule","name":"lb","provider_config_key":"aws","expressions":{"cidr_blocks":{"references":["data.aws_ip_ranges.cloudfront.cidr_blocks","data.aws_ip_ranges.cloudfront"]},"from_port":{"constant_value":443},"protocol":{"constant_value":"tcp"},"security_group_id":{"constant_value":"sg-0feedface"},"to_port":{"constant_value":443},"type":{"constant_value":"ingress"}},"schema_version":2},
  {"address":"data.aws_ip_ranges.cloudfront","mode":"data","type":"aws_ip_ranges","name":"cloudfront","provider_config_key":"aws","expressions":{"services":{"constant_value":["cloudfront"]}},"schema_version":0}
 ]}},
"relevant_attributes":[{"resource":"data.aws_ip_ranges.cloudfront","attribute":["cidr_blocks"]}],
"timestamp":"2026-11-30T12:00:00Z","applyable":true,"complete":true,"errored":false}"#;

#[test]
fn a_hand_written_plan_resolves_references_and_records_true_unknowns() {
    let a = import(HAND_WRITTEN);
    assert_eq!(a.origin, palisade_model::Origin::Terraform);
    assert_eq!(a.regions, ["eu-west-1"]);
    let ec2 = &a.region_data[0].ec2;
    // The group: no inline blocks configured, so no rules of its own (and
    // no default egress rule: Terraform removes it).
    let web = &ec2.security_groups[0];
    assert_eq!(web.arn, id("aws_security_group.web"));
    assert_eq!(web.group_id, id("aws_security_group.web"));
    assert_eq!(web.group_name, "web");
    assert_eq!(web.tags.get("team").map(String::as_str), Some("web"));
    // The ssh rule's group id is known only after apply: the reference
    // resolves it to the group of the plan.
    let ssh = ec2
        .security_group_rules
        .iter()
        .find(|r| r.arn == format!("{}/0", id("aws_security_group_rule.ssh")))
        .expect("ssh rule");
    assert_eq!(ssh.group_id, web.group_id);
    assert_eq!(ssh.cidr_ipv4.as_deref(), Some("0.0.0.0/0"));
    assert_eq!((ssh.from_port, ssh.to_port), (Some(22), Some(22)));
    assert_eq!(ssh.ip_protocol, "tcp");
    assert!(!ssh.is_egress);
    assert!(unknowns_of(&a, &id("aws_security_group_rule.ssh")).is_empty());
    // The lb rule's CIDRs come from a data source read at apply: unknown,
    // recorded on the rule, never a guessed pass or fail.
    let lb_rule = format!("{}/0", id("aws_security_group_rule.lb"));
    let lb = ec2
        .security_group_rules
        .iter()
        .find(|r| r.arn == lb_rule)
        .expect("lb rule");
    assert_eq!(lb.cidr_ipv4, None);
    assert_eq!(
        unknowns_of(&a, &lb_rule),
        [(
            "cidr_blocks".to_owned(),
            "aws_security_group_rule.lb.cidr_blocks is known only after apply".to_owned()
        )]
    );
    // Its group is not in the plan: a stand-in, itself unknown.
    assert!(ec2
        .security_groups
        .iter()
        .any(|g| g.group_id == "sg-0feedface"));
    // Deleted users and data sources are not resources to judge; the
    // bucket is counted.
    assert!(a.iam.users.is_empty());
    assert_eq!(a.uncovered.get("aws_s3_bucket"), Some(&1));
    assert_eq!(a.uncovered.len(), 1);
    for r in [
        "aws_security_group.web",
        "aws_security_group_rule.ssh",
        "aws_s3_bucket.logs",
    ] {
        assert!(a.locations.contains_key(&id(r)), "{r} located");
    }
    assert!(!a.locations.contains_key(&id("aws_iam_user.old")));
    assert!(a
        .locations
        .contains_key(&format!("{}/0", id("aws_security_group_rule.ssh"))));
}

#[test]
fn modules_and_instance_keys_are_part_of_ids_and_references_stay_in_their_module() {
    let sg = |m: &str| {
        json!({"address": format!("{m}.aws_security_group.app"), "module_address": m, "type": "aws_security_group", "name": "app",
               "after": {"name": format!("app-{m}"), "vpc_id": "vpc-1"}, "after_unknown": {"id": true, "ingress": true, "egress": true}})
    };
    let rule = |m: &str, k: &str| {
        json!({"address": format!("{m}.aws_vpc_security_group_ingress_rule.https[\"{k}\"]"), "module_address": m,
               "type": "aws_vpc_security_group_ingress_rule", "name": "https", "index": k,
               "after": {"ip_protocol": "tcp", "from_port": 443, "to_port": 443, "cidr_ipv4": "10.0.0.0/8"},
               "after_unknown": {"security_group_id": true, "id": true},
               "expressions": {"security_group_id": {"references": ["aws_security_group.app.id", "aws_security_group.app"]}}})
    };
    let a = import(&plan(&[
        sg("module.net[0]"),
        sg("module.net[1]"),
        rule("module.net[0]", "a"),
        rule("module.net[1]", "b"),
        json!({"address": "aws_security_group.edge[0]", "type": "aws_security_group", "name": "edge", "index": 0,
               "after": {"name": "edge-0"}, "after_unknown": {"id": true, "ingress": true, "egress": true}}),
    ]));
    let ec2 = &a.region_data[0].ec2;
    let r0 = ec2
        .security_group_rules
        .iter()
        .find(|r| r.arn == id("module.net[0].aws_vpc_security_group_ingress_rule.https[\"a\"]"))
        .expect("rule in module instance 0");
    assert_eq!(r0.group_id, id("module.net[0].aws_security_group.app"));
    let r1 = ec2
        .security_group_rules
        .iter()
        .find(|r| r.arn == id("module.net[1].aws_vpc_security_group_ingress_rule.https[\"b\"]"))
        .expect("rule in module instance 1");
    assert_eq!(r1.group_id, id("module.net[1].aws_security_group.app"));
    let edge = id("aws_security_group.edge[0]");
    assert!(ec2.security_groups.iter().any(|g| g.arn == edge));
    // Its rule lists are known only after apply and no separate rule
    // explains them (a dynamic block could): unknown.
    assert!(
        a.unknowns
            .iter()
            .all(|u| palisade_model::source::covers(&edge, &u.resource)),
        "{:?}",
        a.unknowns
    );
}

#[test]
fn count_references_pick_the_instance_with_the_same_index() {
    let a = import(&plan(&[
        json!({"address": "aws_security_group.g[0]", "type": "aws_security_group", "name": "g", "index": 0, "after": {"name": "g0"}, "after_unknown": {"id": true}}),
        json!({"address": "aws_security_group.g[1]", "type": "aws_security_group", "name": "g", "index": 1, "after": {"name": "g1"}, "after_unknown": {"id": true}}),
        json!({"address": "aws_security_group_rule.r[1]", "type": "aws_security_group_rule", "name": "r", "index": 1,
               "after": {"type": "egress", "protocol": "-1", "from_port": 0, "to_port": 0, "cidr_blocks": ["0.0.0.0/0"]},
               "after_unknown": {"security_group_id": true},
               "expressions": {"security_group_id": {"references": ["aws_security_group.g", "count.index"]}}}),
        json!({"address": "aws_security_group_rule.one", "type": "aws_security_group_rule", "name": "one",
               "after": {"type": "ingress", "protocol": "tcp", "from_port": 80, "to_port": 80, "cidr_blocks": ["10.0.0.0/8"]},
               "after_unknown": {"security_group_id": true},
               "expressions": {"security_group_id": {"references": ["aws_security_group.g[0].id", "aws_security_group.g[0]", "aws_security_group.g"]}}}),
    ]));
    let rules = &a.region_data[0].ec2.security_group_rules;
    let by = |addr: &str| {
        rules
            .iter()
            .find(|r| r.arn.starts_with(&id(addr)))
            .expect("rule")
    };
    assert_eq!(
        by("aws_security_group_rule.r[1]").group_id,
        id("aws_security_group.g[1]")
    );
    assert!(by("aws_security_group_rule.r[1]").is_egress);
    assert_eq!(
        by("aws_security_group_rule.one").group_id,
        id("aws_security_group.g[0]")
    );
}

#[test]
fn the_region_comes_from_the_provider_or_its_variable() {
    let sg = json!({"address": "aws_vpc.v", "type": "aws_vpc", "name": "v", "after": {"cidr_block": "10.0.0.0/16"}});
    let a = import(&plan_with(
        std::slice::from_ref(&sg),
        json!({"region": {"constant_value": "ap-south-1"}}),
    ));
    assert_eq!(a.regions, ["ap-south-1"]);
    let a = import(&plan_with(
        std::slice::from_ref(&sg),
        json!({"region": {"references": ["var.region"]}}),
    ));
    assert_eq!(a.regions, ["eu-central-1"]);
    let a = import(&plan(std::slice::from_ref(&sg)));
    assert_eq!(a.regions, [crate::DEFAULT_REGION]);
    // The option applies when the plan does not say; the provider wins.
    let opts = crate::Options {
        region: Some("sa-east-1".into()),
        ..crate::Options::default()
    };
    let text = plan(std::slice::from_ref(&sg));
    let a = super::super::import("p.json", &text, &opts).expect("imports");
    assert_eq!(a.regions, ["sa-east-1"]);
    let text = plan_with(&[sg], json!({"region": {"constant_value": "ap-south-1"}}));
    let a = super::super::import("p.json", &text, &opts).expect("imports");
    assert_eq!(a.regions, ["ap-south-1"]);
}

#[test]
fn replaced_and_unchanged_resources_are_judged_deleted_ones_not() {
    let a = import(&plan(&[
        json!({"address": "aws_iam_group.a", "type": "aws_iam_group", "name": "a", "actions": ["delete", "create"], "after": {"name": "a"}}),
        json!({"address": "aws_iam_group.b", "type": "aws_iam_group", "name": "b", "actions": ["no-op"], "after": {"name": "b", "arn": "arn:aws:iam::1:group/b"}}),
        json!({"address": "aws_iam_group.c", "type": "aws_iam_group", "name": "c", "actions": ["delete"], "after": {"name": "c"}}),
        json!({"address": "aws_s3_bucket.gone", "type": "aws_s3_bucket", "name": "gone", "actions": ["delete"], "after": {}}),
        json!({"address": "data.aws_caller_identity.me", "mode": "data", "type": "aws_caller_identity", "name": "me", "actions": ["read"], "after": {}}),
    ]));
    let names: Vec<&str> = a.iam.groups.iter().map(|g| g.name.as_str()).collect();
    assert_eq!(names, ["a", "b"]);
    assert!(a.uncovered.is_empty(), "{:?}", a.uncovered);
}

#[test]
fn planned_values_alone_are_read() {
    let text = json!({
        "format_version": "1.2", "terraform_version": "1.9.0",
        "planned_values": {"root_module": {"resources": [
            {"address": "aws_iam_group.ops", "mode": "managed", "type": "aws_iam_group", "name": "ops", "values": {"name": "ops"}},
            {"address": "data.aws_region.here", "mode": "data", "type": "aws_region", "name": "here", "values": {}}
        ], "child_modules": [{"address": "module.m", "resources": [
            {"address": "module.m.aws_lambda_function.f", "mode": "managed", "type": "aws_lambda_function", "name": "f", "values": {}}
        ]}]}}
    })
    .to_string();
    let a = import(&text);
    assert_eq!(a.iam.groups[0].arn, id("aws_iam_group.ops"));
    assert_eq!(a.uncovered.get("aws_lambda_function"), Some(&1));
}

/// Module inputs and outputs: a rule in a module gets its group through
/// `var.group_id` (the call passes `aws_security_group.web.id`); a root
/// rule gets a module's group through its output; a root variable known
/// only after apply stays unknown.
const MODULES: &str = r#"{"format_version":"1.2","terraform_version":"1.9.5",
"planned_values":{"root_module":{"resources":[],"child_modules":[]}},
"resource_changes":[
 {"address":"aws_security_group.web","mode":"managed","type":"aws_security_group","name":"web","change":{"actions":["create"],"before":null,"after":{"name":"web"},"after_unknown":{"id":true,"ingress":true,"egress":true}}},
 {"address":"module.rules.aws_security_group_rule.ssh","module_address":"module.rules","mode":"managed","type":"aws_security_group_rule","name":"ssh","change":{"actions":["create"],"before":null,"after":{"type":"ingress","protocol":"tcp","from_port":22,"to_port":22,"cidr_blocks":["0.0.0.0/0"]},"after_unknown":{"security_group_id":true}}},
 {"address":"module.net[\"a\"].aws_security_group.inner","module_address":"module.net[\"a\"]","mode":"managed","type":"aws_security_group","name":"inner","change":{"actions":["create"],"before":null,"after":{"name":"inner"},"after_unknown":{"id":true,"ingress":true,"egress":true}}},
 {"address":"aws_vpc_security_group_ingress_rule.https","mode":"managed","type":"aws_vpc_security_group_ingress_rule","name":"https","change":{"actions":["create"],"before":null,"after":{"ip_protocol":"tcp","from_port":443,"to_port":443,"cidr_ipv4":"0.0.0.0/0"},"after_unknown":{"security_group_id":true}}},
 {"address":"aws_vpc_security_group_ingress_rule.lan","mode":"managed","type":"aws_vpc_security_group_ingress_rule","name":"lan","change":{"actions":["create"],"before":null,"after":{"ip_protocol":"-1","security_group_id":"sg-1"},"after_unknown":{"cidr_ipv4":true}}}
],
"configuration":{"provider_config":{"aws":{"name":"aws","full_name":"registry.terraform.io/hashicorp/aws"}},
 "root_module":{
  "resources":[
   {"address":"aws_security_group.web","mode":"managed","type":"aws_security_group","name":"web","provider_config_key":"aws","expressions":{"name":{"constant_value":"web"}}},
   {"address":"aws_vpc_security_group_ingress_rule.https","mode":"managed","type":"aws_vpc_security_group_ingress_rule","name":"https","provider_config_key":"aws","expressions":{"security_group_id":{"references":["module.net[\"a\"].sg_id","module.net[\"a\"]","module.net"]}}},
   {"address":"aws_vpc_security_group_ingress_rule.lan","mode":"managed","type":"aws_vpc_security_group_ingress_rule","name":"lan","provider_config_key":"aws","expressions":{"cidr_ipv4":{"references":["var.lan_cidr"]}}}
  ],
  "module_calls":{
   "rules":{"source":"./rules","expressions":{"group_id":{"references":["aws_security_group.web.id","aws_security_group.web"]}},
    "module":{"resources":[{"address":"aws_security_group_rule.ssh","mode":"managed","type":"aws_security_group_rule","name":"ssh","provider_config_key":"rules:aws","expressions":{"security_group_id":{"references":["var.group_id"]}}}],
     "variables":{"group_id":{}}}},
   "net":{"source":"./net","for_each_expression":{"constant_value":{"a":1}},
    "module":{"outputs":{"sg_id":{"expression":{"references":["aws_security_group.inner.id","aws_security_group.inner"]}}},
     "resources":[{"address":"aws_security_group.inner","mode":"managed","type":"aws_security_group","name":"inner","provider_config_key":"net:aws","expressions":{"name":{"constant_value":"inner"}}}]}}
  },
  "variables":{"lan_cidr":{}}
 }}}"#;

#[test]
fn references_are_followed_through_module_inputs_and_outputs() {
    let a = import(MODULES);
    let rules = &a.region_data[0].ec2.security_group_rules;
    let by = |addr: &str| {
        rules
            .iter()
            .find(|r| r.arn.starts_with(&id(addr)))
            .expect("rule")
    };
    assert_eq!(
        by("module.rules.aws_security_group_rule.ssh").group_id,
        id("aws_security_group.web")
    );
    assert_eq!(
        by("aws_vpc_security_group_ingress_rule.https").group_id,
        id("module.net[\"a\"].aws_security_group.inner")
    );
    assert_eq!(
        unknowns_of(&a, &id("aws_vpc_security_group_ingress_rule.lan")),
        [(
            "cidr_ipv4".to_owned(),
            "aws_vpc_security_group_ingress_rule.lan.cidr_ipv4 is known only after apply"
                .to_owned()
        )]
    );
    // and the stand-in for group sg-1, which the plan does not manage.
    assert_eq!(a.unknowns.len(), 2, "{:?}", a.unknowns);
}

#[test]
fn each_value_of_a_for_each_over_resources_reads_the_same_key() {
    let sg = |k: &str| {
        json!({"address": format!("aws_security_group.g[\"{k}\"]"), "type": "aws_security_group", "name": "g", "index": k,
               "after": {"name": k}, "after_unknown": {"id": true, "ingress": true, "egress": true}})
    };
    let rule = |k: &str| {
        json!({"address": format!("aws_vpc_security_group_egress_rule.all[\"{k}\"]"), "type": "aws_vpc_security_group_egress_rule",
               "name": "all", "index": k, "after": {"ip_protocol": "-1", "cidr_ipv4": "0.0.0.0/0"}, "after_unknown": {"security_group_id": true},
               "expressions": {"security_group_id": {"references": ["each.value.id", "each.value"]}}})
    };
    let mut text: serde_json::Value =
        serde_json::from_str(&plan(&[sg("a"), sg("b"), rule("a"), rule("b")])).expect("json");
    for r in text["configuration"]["root_module"]["resources"]
        .as_array_mut()
        .into_iter()
        .flatten()
    {
        if r["name"] == "all" {
            r["for_each_expression"] = json!({"references": ["aws_security_group.g"]});
        }
    }
    let a = import(&text.to_string());
    let rules = &a.region_data[0].ec2.security_group_rules;
    for k in ["a", "b"] {
        let r = rules
            .iter()
            .find(|r| r.arn == id(&format!("aws_vpc_security_group_egress_rule.all[\"{k}\"]")))
            .expect("rule");
        assert_eq!(r.group_id, id(&format!("aws_security_group.g[\"{k}\"]")));
    }
}
