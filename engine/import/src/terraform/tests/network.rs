//! Security groups in both rule styles and inline blocks, default groups,
//! network ACLs with inline and separate entries, VPCs and subnets.

use serde_json::json;

use super::{id, import, plan, unknowns_of};

#[test]
fn inline_blocks_give_one_rule_per_block_and_peer() {
    let a = import(&plan(&[json!({
        "address": "aws_security_group.web", "type": "aws_security_group", "name": "web",
        "after": {
            "name": "web", "description": "web", "vpc_id": "vpc-1",
            "ingress": [
                {"cidr_blocks": ["0.0.0.0/0", "10.0.0.0/8"], "ipv6_cidr_blocks": ["::/0"], "prefix_list_ids": [], "security_groups": [], "self": false,
                 "from_port": 22, "to_port": 22, "protocol": "tcp", "description": "ssh"},
                {"cidr_blocks": [], "ipv6_cidr_blocks": [], "prefix_list_ids": ["pl-123"], "security_groups": ["sg-other"], "self": true,
                 "from_port": 0, "to_port": 0, "protocol": "-1", "description": ""}
            ],
            "egress": [
                {"cidr_blocks": ["0.0.0.0/0"], "ipv6_cidr_blocks": [], "prefix_list_ids": [], "security_groups": [], "self": false,
                 "from_port": 0, "to_port": 0, "protocol": "-1", "description": ""}
            ]
        },
        "after_unknown": {"id": true, "arn": true, "ingress": [{"cidr_blocks": [false, false], "ipv6_cidr_blocks": [false]}, {}], "egress": [{}]},
        "expressions": {"name": {"constant_value": "web"}, "ingress": [{}, {}], "egress": [{}]}
    })]));
    let rules = &a.region_data[0].ec2.security_group_rules;
    let sg = id("aws_security_group.web");
    let ids: Vec<&str> = rules.iter().map(|r| r.arn.as_str()).collect();
    let want: Vec<String> = [
        "ingress/0/0",
        "ingress/0/1",
        "ingress/0/2",
        "ingress/1/0",
        "ingress/1/1",
        "ingress/1/2",
        "egress/0/0",
    ]
    .iter()
    .map(|s| format!("{sg}/{s}"))
    .collect();
    assert_eq!(ids, want);
    assert_eq!(rules[0].cidr_ipv4.as_deref(), Some("0.0.0.0/0"));
    assert_eq!(rules[2].cidr_ipv6.as_deref(), Some("::/0"));
    assert_eq!(rules[3].prefix_list_id.as_deref(), Some("pl-123"));
    assert_eq!(rules[4].referenced_group_id.as_deref(), Some("sg-other"));
    // `self = true`: the group itself is the peer.
    assert_eq!(rules[5].referenced_group_id.as_deref(), Some(sg.as_str()));
    assert_eq!(rules[5].ip_protocol, "-1");
    // Ports of an all-protocol rule as AWS reports them (Terraform writes 0).
    assert_eq!((rules[5].from_port, rules[5].to_port), (Some(-1), Some(-1)));
    assert!(rules[6].is_egress && !rules[0].is_egress);
    assert!(rules.iter().all(|r| r.group_id == sg));
    assert_eq!(rules[0].description.as_deref(), Some("ssh"));
    assert_eq!(rules[3].description, None);
    // Each rule is located at its own peer, the block at its block.
    for w in &want {
        assert!(a.locations.contains_key(w), "{w}");
    }
    assert!(a.locations.contains_key(&format!("{sg}/ingress/1")));
    assert!(a.unknowns.is_empty(), "{:?}", a.unknowns);
}

#[test]
fn unknown_inline_peers_are_resolved_from_references_or_recorded() {
    let a = import(&plan(&[
        json!({"address": "aws_security_group.lb", "type": "aws_security_group", "name": "lb",
               "after": {"name": "lb"}, "after_unknown": {"id": true, "ingress": true, "egress": true}}),
        json!({"address": "aws_security_group.app", "type": "aws_security_group", "name": "app",
        "after": {"name": "app", "ingress": [
            {"cidr_blocks": [], "security_groups": [null], "from_port": 8080, "to_port": 8080, "protocol": "tcp", "self": false},
            {"cidr_blocks": [null], "security_groups": [], "from_port": 443, "to_port": 443, "protocol": "tcp", "self": false}
        ]},
        "after_unknown": {"id": true, "ingress": [{"security_groups": [true]}, {"cidr_blocks": [true]}], "egress": true},
        "expressions": {"name": {"constant_value": "app"}, "ingress": [
            {"security_groups": {"references": ["aws_security_group.lb.id", "aws_security_group.lb"]}},
            {"cidr_blocks": {"references": ["aws_vpc.main.cidr_block", "aws_vpc.main"]}}
        ]}}),
    ]));
    let app = id("aws_security_group.app");
    let rules = &a.region_data[0].ec2.security_group_rules;
    let r0 = rules
        .iter()
        .find(|r| r.arn == format!("{app}/ingress/0/0"))
        .expect("rule 0");
    assert_eq!(
        r0.referenced_group_id.as_deref(),
        Some(id("aws_security_group.lb").as_str())
    );
    // The VPC is not in the plan: the CIDR stays unknown, on the rule.
    let r1 = format!("{app}/ingress/1/0");
    assert!(rules.iter().any(|r| r.arn == r1 && r.cidr_ipv4.is_none()));
    assert_eq!(
        unknowns_of(&a, &r1),
        [(
            "ingress[1].cidr_blocks".to_owned(),
            "aws_security_group.app.ingress[1].cidr_blocks[0] is known only after apply".to_owned()
        )]
    );
    // The lb group has neither inline nor separate rules: its lists, known
    // only after apply, could come from a dynamic block, so they are unknown.
    assert_eq!(unknowns_of(&a, &id("aws_security_group.lb")).len(), 2);
    assert!(rules
        .iter()
        .all(|r| !r.arn.starts_with(&id("aws_security_group.lb"))));
}

#[test]
fn configured_inline_rules_unknown_as_a_whole_are_recorded() {
    let a = import(&plan(&[
        json!({"address": "aws_security_group.x", "type": "aws_security_group", "name": "x",
        "after": {"name": "x"}, "after_unknown": {"ingress": true},
        "expressions": {"ingress": [{"cidr_blocks": {"references": ["var.cidrs"]}}]}}),
    ]));
    assert_eq!(
        unknowns_of(&a, &id("aws_security_group.x")),
        [(
            "ingress".to_owned(),
            "aws_security_group.x.ingress is known only after apply".to_owned()
        )]
    );
}

#[test]
fn separate_rules_in_both_styles() {
    let a = import(&plan(&[
        json!({"address": "aws_security_group.db", "type": "aws_security_group", "name": "db",
               "after": {"name": "db"}, "after_unknown": {"id": true, "ingress": true, "egress": true}}),
        json!({"address": "aws_security_group_rule.pg", "type": "aws_security_group_rule", "name": "pg",
               "after": {"type": "ingress", "protocol": "6", "from_port": 5432, "to_port": 5432, "cidr_blocks": ["0.0.0.0/0"], "ipv6_cidr_blocks": ["::/0"], "self": false},
               "after_unknown": {"security_group_id": true, "source_security_group_id": true},
               "expressions": {"security_group_id": {"references": ["aws_security_group.db.id", "aws_security_group.db"]}}}),
        json!({"address": "aws_security_group_rule.from_app", "type": "aws_security_group_rule", "name": "from_app",
               "after": {"type": "ingress", "protocol": "tcp", "from_port": 5432, "to_port": 5432, "security_group_id": "sg-0db"},
               "after_unknown": {"source_security_group_id": true},
               "expressions": {"source_security_group_id": {"references": ["aws_security_group.db.id", "aws_security_group.db"]}}}),
        json!({"address": "aws_vpc_security_group_ingress_rule.ssh", "type": "aws_vpc_security_group_ingress_rule", "name": "ssh",
               "after": {"ip_protocol": "tcp", "from_port": 22, "to_port": 22, "cidr_ipv4": "0.0.0.0/0", "description": "ssh"},
               "after_unknown": {"security_group_id": true, "arn": true, "id": true, "security_group_rule_id": true},
               "expressions": {"security_group_id": {"references": ["aws_security_group.db.id", "aws_security_group.db"]}}}),
        json!({"address": "aws_vpc_security_group_egress_rule.all", "type": "aws_vpc_security_group_egress_rule", "name": "all",
               "after": {"ip_protocol": "-1", "cidr_ipv6": "::/0"},
               "after_unknown": {"security_group_id": true},
               "expressions": {"security_group_id": {"references": ["aws_security_group.db.id", "aws_security_group.db"]}}}),
    ]));
    let db = id("aws_security_group.db");
    let rules = &a.region_data[0].ec2.security_group_rules;
    let get = |arn: String| {
        rules
            .iter()
            .find(|r| r.arn == arn)
            .cloned()
            .unwrap_or_else(|| panic!("{arn}"))
    };
    let pg4 = get(format!("{}/0", id("aws_security_group_rule.pg")));
    let pg6 = get(format!("{}/1", id("aws_security_group_rule.pg")));
    assert_eq!(
        (
            pg4.group_id.as_str(),
            pg4.cidr_ipv4.as_deref(),
            pg4.ip_protocol.as_str()
        ),
        (db.as_str(), Some("0.0.0.0/0"), "6")
    );
    assert_eq!(pg6.cidr_ipv6.as_deref(), Some("::/0"));
    // A rule on a group the plan does not manage, from a group it does.
    let from_app = get(format!("{}/0", id("aws_security_group_rule.from_app")));
    assert_eq!(from_app.group_id, "sg-0db");
    assert_eq!(from_app.referenced_group_id.as_deref(), Some(db.as_str()));
    let stand_in = "infra/plan.json#aws_security_group/sg-0db".to_owned();
    assert!(a.region_data[0]
        .ec2
        .security_groups
        .iter()
        .any(|g| g.arn == stand_in));
    assert_eq!(unknowns_of(&a, &stand_in).len(), 1);
    let ssh = get(id("aws_vpc_security_group_ingress_rule.ssh"));
    assert_eq!(
        (
            ssh.group_id.as_str(),
            ssh.cidr_ipv4.as_deref(),
            ssh.from_port
        ),
        (db.as_str(), Some("0.0.0.0/0"), Some(22))
    );
    assert_eq!(ssh.description.as_deref(), Some("ssh"));
    let all = get(id("aws_vpc_security_group_egress_rule.all"));
    assert!(all.is_egress);
    assert_eq!(
        (
            all.ip_protocol.as_str(),
            all.cidr_ipv6.as_deref(),
            all.from_port
        ),
        ("-1", Some("::/0"), Some(-1))
    );
    assert!(a
        .locations
        .contains_key(&id("aws_vpc_security_group_ingress_rule.ssh")));
}

#[test]
fn the_default_group_is_named_default_and_keeps_only_configured_rules() {
    let a = import(&plan(&[
        json!({"address": "aws_default_security_group.d", "type": "aws_default_security_group", "name": "d",
        "actions": ["update"],
        "after": {"id": "sg-0def", "vpc_id": "vpc-1", "name": "default", "ingress": [], "egress": []},
        "expressions": {"vpc_id": {"constant_value": "vpc-1"}}}),
    ]));
    let ec2 = &a.region_data[0].ec2;
    assert_eq!(ec2.security_groups[0].group_name, "default");
    assert_eq!(ec2.security_groups[0].group_id, "sg-0def");
    assert!(ec2.security_group_rules.is_empty());
}

#[test]
fn network_acls_inline_and_separate_entries_and_associations() {
    let a = import(&plan(&[
        json!({"address": "aws_vpc.main", "type": "aws_vpc", "name": "main", "after": {"cidr_block": "10.0.0.0/16"}, "after_unknown": {"id": true}}),
        json!({"address": "aws_subnet.pub", "type": "aws_subnet", "name": "pub", "after": {"cidr_block": "10.0.1.0/24", "map_public_ip_on_launch": true},
               "after_unknown": {"id": true, "vpc_id": true}, "expressions": {"vpc_id": {"references": ["aws_vpc.main.id", "aws_vpc.main"]}}}),
        json!({"address": "aws_network_acl.pub", "type": "aws_network_acl", "name": "pub",
               "after": {"ingress": [
                   {"rule_no": 100, "action": "allow", "protocol": "tcp", "from_port": 22, "to_port": 22, "cidr_block": "0.0.0.0/0", "ipv6_cidr_block": "", "icmp_code": 0, "icmp_type": 0},
                   {"rule_no": 110, "action": "deny", "protocol": "-1", "from_port": 0, "to_port": 0, "cidr_block": "", "ipv6_cidr_block": "::/0", "icmp_code": 0, "icmp_type": 0}
               ]},
               "after_unknown": {"id": true, "vpc_id": true, "egress": true, "subnet_ids": true},
               "expressions": {"vpc_id": {"references": ["aws_vpc.main.id", "aws_vpc.main"]}, "ingress": [{}, {}],
                               "subnet_ids": {"references": ["aws_subnet.pub.id", "aws_subnet.pub"]}}}),
        json!({"address": "aws_network_acl_rule.out", "type": "aws_network_acl_rule", "name": "out",
               "after": {"rule_number": 200, "egress": true, "protocol": "-1", "rule_action": "allow", "cidr_block": "0.0.0.0/0"},
               "after_unknown": {"network_acl_id": true},
               "expressions": {"network_acl_id": {"references": ["aws_network_acl.pub.id", "aws_network_acl.pub"]}}}),
        json!({"address": "aws_network_acl_association.a", "type": "aws_network_acl_association", "name": "a",
               "after": {"subnet_id": "subnet-known"}, "after_unknown": {"network_acl_id": true},
               "expressions": {"network_acl_id": {"references": ["aws_network_acl.pub.id", "aws_network_acl.pub"]}}}),
        json!({"address": "aws_default_network_acl.d", "type": "aws_default_network_acl", "name": "d",
               "after": {"default_network_acl_id": "acl-0def", "ingress": [], "egress": []}, "after_unknown": {}}),
    ]));
    let ec2 = &a.region_data[0].ec2;
    assert_eq!(ec2.vpcs[0].vpc_id, id("aws_vpc.main"));
    assert!(ec2.subnets[0].map_public_ip_on_launch);
    assert_eq!(
        ec2.subnets[0].vpc_id.as_deref(),
        Some(id("aws_vpc.main").as_str())
    );
    let acl_id = id("aws_network_acl.pub");
    let acl = ec2
        .network_acls
        .iter()
        .find(|x| x.arn == acl_id)
        .expect("the plan's ACL");
    assert_eq!(acl.vpc_id.as_deref(), Some(id("aws_vpc.main").as_str()));
    assert_eq!(
        acl.associated_subnets,
        [id("aws_subnet.pub"), "subnet-known".to_owned()]
    );
    let e = |egress: bool, n: i64| {
        acl.entries
            .iter()
            .find(|x| x.egress == egress && x.rule_number == n)
            .cloned()
            .unwrap_or_else(|| panic!("{n}"))
    };
    let ssh = e(false, 100);
    assert_eq!(
        (
            ssh.rule_action.as_str(),
            ssh.protocol.as_str(),
            ssh.cidr_block.as_deref()
        ),
        ("allow", "tcp", Some("0.0.0.0/0"))
    );
    assert_eq!(ssh.port_range.map(|p| (p.from, p.to)), Some((22, 22)));
    assert_eq!(ssh.ipv6_cidr_block, None);
    assert_eq!(e(false, 110).ipv6_cidr_block.as_deref(), Some("::/0"));
    assert_eq!(e(true, 200).rule_action, "allow");
    assert_eq!(e(true, 32767).rule_action, "deny");
    assert_eq!(e(false, 32767).rule_action, "deny");
    for entry in ["ingress/100", "ingress/110", "egress/200"] {
        assert!(
            a.locations.contains_key(&format!("{acl_id}/entry/{entry}")),
            "{entry}"
        );
    }
    let d = ec2
        .network_acls
        .iter()
        .find(|x| x.network_acl_id == "acl-0def")
        .expect("the adopted default ACL");
    assert!(d.is_default);
    assert_eq!(d.entries.len(), 2); // only AWS's implicit deny entries
    assert!(a.unknowns.is_empty(), "{:?}", a.unknowns);
}

#[test]
fn an_unknown_subnet_setting_is_recorded() {
    let a = import(&plan(&[
        json!({"address": "aws_subnet.s", "type": "aws_subnet", "name": "s",
        "after": {}, "after_unknown": {"map_public_ip_on_launch": true},
        "expressions": {"map_public_ip_on_launch": {"references": ["var.public"]}}}),
    ]));
    assert_eq!(
        unknowns_of(&a, &id("aws_subnet.s"))[0].0,
        "map_public_ip_on_launch"
    );
}

#[test]
fn managed_prefix_lists_of_the_plan_give_rules_their_ranges() {
    let a = import(&plan(&[
        json!({"address": "aws_ec2_managed_prefix_list.office", "type": "aws_ec2_managed_prefix_list", "name": "office",
               "after": {"name": "office", "address_family": "IPv4", "max_entries": 5,
                         "entry": [{"cidr": "203.0.113.0/24", "description": "hq"}]},
               "after_unknown": {"id": true, "arn": true},
               "expressions": {"entry": [{}]}}),
        json!({"address": "aws_ec2_managed_prefix_list.vpn", "type": "aws_ec2_managed_prefix_list", "name": "vpn",
               "after": {"name": "vpn"}, "after_unknown": {"id": true, "entry": true}}),
        json!({"address": "aws_ec2_managed_prefix_list_entry.vpn", "type": "aws_ec2_managed_prefix_list_entry", "name": "vpn",
               "after": {"cidr": "198.51.100.0/24"}, "after_unknown": {"prefix_list_id": true},
               "expressions": {"prefix_list_id": {"references": ["aws_ec2_managed_prefix_list.vpn.id", "aws_ec2_managed_prefix_list.vpn"]}}}),
        json!({"address": "aws_ec2_managed_prefix_list.dyn", "type": "aws_ec2_managed_prefix_list", "name": "dyn",
               "after": {"name": "dyn"}, "after_unknown": {"id": true, "entry": true},
               "expressions": {"entry": [{"cidr": {"references": ["var.cidr"]}}]}}),
    ]));
    let lists = &a.region_data[0].ec2.managed_prefix_lists;
    let cidrs = |i: usize| {
        lists[i]
            .entries
            .as_ref()
            .map(|e| e.iter().map(|x| x.cidr.clone()).collect::<Vec<_>>())
    };
    assert_eq!(
        lists[0].prefix_list_id,
        id("aws_ec2_managed_prefix_list.office")
    );
    assert_eq!(cidrs(0), Some(vec!["203.0.113.0/24".to_owned()]));
    assert_eq!(cidrs(1), Some(vec!["198.51.100.0/24".to_owned()]));
    // Entries known only after apply: the list is unread, never empty.
    assert_eq!(cidrs(2), None);
    assert!(lists[2]
        .error
        .as_deref()
        .is_some_and(|e| e.contains("aws_ec2_managed_prefix_list.dyn.entry")));
}

#[test]
fn blocks_written_as_an_attribute_resolve_from_the_one_expression() {
    let a = import(&plan(&[
        json!({"address": "aws_security_group.bastion", "type": "aws_security_group", "name": "bastion",
               "after": {"name": "bastion"}, "after_unknown": {"id": true, "ingress": true, "egress": true}}),
        json!({"address": "aws_security_group.app", "type": "aws_security_group", "name": "app",
               "after": {"name": "app", "ingress": [
                   {"cidr_blocks": [], "security_groups": [null], "from_port": 22, "to_port": 22, "protocol": "tcp", "self": false}]},
               "after_unknown": {"ingress": [{"security_groups": [true]}]},
               "expressions": {"ingress": {"references": ["aws_security_group.bastion.id", "aws_security_group.bastion"]}}}),
    ]));
    let r = &a.region_data[0].ec2.security_group_rules[0];
    assert_eq!(
        r.referenced_group_id.as_deref(),
        Some(id("aws_security_group.bastion").as_str())
    );
    assert!(unknowns_of(&a, &r.arn).is_empty(), "{:?}", a.unknowns);
}

#[test]
fn an_entry_of_an_acl_known_only_after_apply_goes_to_an_unknown_stand_in() {
    let a = import(&plan(&[
        json!({"address": "aws_network_acl_rule.ssh", "type": "aws_network_acl_rule", "name": "ssh",
        "after": {"rule_number": 100, "egress": false, "protocol": "6", "rule_action": "allow", "cidr_block": "0.0.0.0/0", "from_port": 22, "to_port": 22},
        "after_unknown": {"network_acl_id": true},
        "expressions": {"network_acl_id": {"references": ["module.vpc.public_acl_id", "module.vpc"]}}}),
    ]));
    let acl = &a.region_data[0].ec2.network_acls[0];
    assert_eq!(acl.arn, format!("{}#acl", id("aws_network_acl_rule.ssh")));
    assert!(acl
        .entries
        .iter()
        .any(|e| e.rule_number == 100 && e.protocol == "6"));
    assert_eq!(unknowns_of(&a, &acl.arn)[0].0, "(resource)");
    assert!(a
        .locations
        .contains_key(&format!("{}/entry/ingress/100", acl.arn)));
}

/// Values exactly as Terraform 1.11 with the AWS provider 5.100 plans them:
/// inline blocks are one attribute expression in the configuration, a
/// block's `security_groups` known only after apply is unknown as a whole,
/// and a `dynamic` block is absent from the configuration.
#[test]
fn shapes_of_a_real_plan() {
    let a = import(&plan(&[
        json!({"address": "aws_security_group.lb", "type": "aws_security_group", "name": "lb",
               "after": {"description": "Managed by Terraform", "name_prefix": "lb-", "revoke_rules_on_delete": false, "tags": null, "timeouts": null},
               "after_unknown": {"arn": true, "egress": true, "id": true, "ingress": true, "name": true, "owner_id": true, "tags_all": true, "vpc_id": true},
               "expressions": {"name_prefix": {"constant_value": "lb-"}, "vpc_id": {"references": ["aws_vpc.main.id", "aws_vpc.main"]}}}),
        json!({"address": "aws_vpc_security_group_ingress_rule.https", "type": "aws_vpc_security_group_ingress_rule", "name": "https",
               "after": {"cidr_ipv4": "0.0.0.0/0", "from_port": 443, "ip_protocol": "tcp", "to_port": 443, "description": null, "tags": null},
               "after_unknown": {"arn": true, "id": true, "security_group_id": true, "security_group_rule_id": true, "tags_all": true},
               "expressions": {"cidr_ipv4": {"constant_value": "0.0.0.0/0"}, "security_group_id": {"references": ["aws_security_group.lb.id", "aws_security_group.lb"]}}}),
        json!({"address": "aws_security_group.web", "type": "aws_security_group", "name": "web",
               "after": {"description": "Managed by Terraform",
                         "egress": [{"cidr_blocks": ["10.0.0.0/16"], "description": "", "from_port": 0, "ipv6_cidr_blocks": [], "prefix_list_ids": [], "protocol": "-1", "security_groups": [], "self": false, "to_port": 0}],
                         "ingress": [{"cidr_blocks": ["0.0.0.0/0"], "description": "", "from_port": 22, "ipv6_cidr_blocks": [], "prefix_list_ids": [], "protocol": "tcp", "security_groups": [], "self": false, "to_port": 22},
                                     {"cidr_blocks": [], "description": "", "from_port": 443, "ipv6_cidr_blocks": [], "prefix_list_ids": [], "protocol": "tcp", "self": false, "to_port": 443}],
                         "name": "web", "revoke_rules_on_delete": false, "tags": null, "timeouts": null},
               "after_unknown": {"arn": true, "egress": [{"cidr_blocks": [false], "ipv6_cidr_blocks": [], "prefix_list_ids": [], "security_groups": []}], "id": true,
                                 "ingress": [{"cidr_blocks": [false], "ipv6_cidr_blocks": [], "prefix_list_ids": [], "security_groups": []},
                                             {"cidr_blocks": [], "ipv6_cidr_blocks": [], "prefix_list_ids": [], "security_groups": true}],
                                 "name_prefix": true, "owner_id": true, "tags_all": true, "vpc_id": true},
               "expressions": {"egress": {"references": ["aws_vpc.main.cidr_block", "aws_vpc.main"]}, "ingress": {"references": ["aws_security_group.lb.id", "aws_security_group.lb"]},
                               "name": {"constant_value": "web"}, "vpc_id": {"references": ["aws_vpc.main.id", "aws_vpc.main"]}}}),
        json!({"address": "aws_network_acl.dyn", "type": "aws_network_acl", "name": "dyn",
               "after": {"ingress": [{"icmp_code": null, "icmp_type": null, "ipv6_cidr_block": ""}], "tags": null},
               "after_unknown": {"arn": true, "egress": true, "id": true, "ingress": [{"action": true, "cidr_block": true, "from_port": true, "protocol": true, "rule_no": true, "to_port": true}],
                                 "owner_id": true, "subnet_ids": true, "tags_all": true, "vpc_id": true},
               "expressions": {"vpc_id": {"references": ["aws_vpc.main.id", "aws_vpc.main"]}}}),
        json!({"address": "aws_iam_account_password_policy.pp", "type": "aws_iam_account_password_policy", "name": "pp",
               "after": {"allow_users_to_change_password": true, "minimum_password_length": 14, "require_symbols": true},
               "after_unknown": {"expire_passwords": true, "hard_expiry": true, "id": true, "max_password_age": true, "password_reuse_prevention": true,
                                 "require_lowercase_characters": true, "require_numbers": true, "require_uppercase_characters": true},
               "expressions": {"minimum_password_length": {"constant_value": 14}, "require_symbols": {"constant_value": true}}}),
    ]));
    let ec2 = &a.region_data[0].ec2;
    let web = id("aws_security_group.web");
    let lb = id("aws_security_group.lb");
    let rule = |suffix: &str| {
        ec2.security_group_rules
            .iter()
            .find(|r| r.arn == format!("{web}/{suffix}"))
            .expect("rule")
    };
    assert_eq!(rule("ingress/0/0").cidr_ipv4.as_deref(), Some("0.0.0.0/0"));
    assert_eq!(
        rule("ingress/1/0").referenced_group_id.as_deref(),
        Some(lb.as_str())
    );
    assert_eq!(rule("egress/0/0").cidr_ipv4.as_deref(), Some("10.0.0.0/16"));
    // The lb group's rules are separate resources: its computed lists say nothing.
    assert!(unknowns_of(&a, &lb).is_empty());
    assert_eq!(
        ec2.security_groups
            .iter()
            .find(|g| g.arn == lb)
            .map(|g| g.group_name.as_str()),
        Some("aws_security_group.lb")
    );
    // The dynamic NACL block's entries are known only after apply.
    let dyn_acl = id("aws_network_acl.dyn");
    let reasons: Vec<String> = unknowns_of(&a, &dyn_acl)
        .into_iter()
        .map(|(p, _)| p)
        .collect();
    assert_eq!(reasons, ["egress", "ingress[0].rule_no"]);
    // Password policy settings left unset are AWS's defaults, not unknowns.
    let pp = a.iam.password_policy.as_ref().expect("password policy");
    assert!(pp.require_symbols && !pp.require_numbers && pp.allow_users_to_change);
    assert_eq!(pp.max_password_age, None);
    assert!(
        a.unknowns
            .iter()
            .all(|u| palisade_model::source::covers(&dyn_acl, &u.resource)),
        "{:?}",
        a.unknowns
    );
}

#[test]
fn a_new_vpc_keeps_its_default_group_rules_unless_the_plan_adopts_the_group() {
    let a = import(&plan(&[
        json!({"address": "aws_vpc.plain", "type": "aws_vpc", "name": "plain",
        "after": {"cidr_block": "10.0.0.0/16"}, "after_unknown": {"id": true}}),
        json!({"address": "aws_vpc.adopted", "type": "aws_vpc", "name": "adopted",
        "after": {"cidr_block": "10.1.0.0/16"}, "after_unknown": {"id": true}}),
        json!({"address": "aws_default_security_group.adopted", "type": "aws_default_security_group", "name": "adopted",
        "after": {"ingress": [], "egress": []}, "after_unknown": {"id": true, "vpc_id": true},
        "expressions": {"vpc_id": {"references": ["aws_vpc.adopted.id", "aws_vpc.adopted"]}}}),
    ]));
    let ec2 = &a.region_data[0].ec2;
    let defaults: Vec<(&str, usize)> = ec2
        .security_groups
        .iter()
        .filter(|g| g.group_name == "default")
        .map(|g| {
            let n = ec2
                .security_group_rules
                .iter()
                .filter(|r| r.group_id == g.group_id)
                .count();
            (g.arn.as_str(), n)
        })
        .collect();
    let plain = format!("{}/default_security_group", id("aws_vpc.plain"));
    assert!(defaults.contains(&(plain.as_str(), 2)), "{defaults:?}");
    let adopted = id("aws_default_security_group.adopted");
    assert!(defaults.contains(&(adopted.as_str(), 0)), "{defaults:?}");
    assert_eq!(defaults.len(), 2, "{defaults:?}");
}

#[test]
fn a_new_vpc_has_an_allow_all_default_acl_unless_the_plan_adopts_it() {
    let a = import(&plan(&[
        json!({"address": "aws_vpc.plain", "type": "aws_vpc", "name": "plain",
        "after": {"cidr_block": "10.0.0.0/16"}, "after_unknown": {"id": true, "default_network_acl_id": true}}),
        json!({"address": "aws_vpc.adopted", "type": "aws_vpc", "name": "adopted",
        "after": {"cidr_block": "10.1.0.0/16"}, "after_unknown": {"id": true, "default_network_acl_id": true}}),
        json!({"address": "aws_default_network_acl.adopted", "type": "aws_default_network_acl", "name": "adopted",
        "after": {"ingress": [], "egress": []}, "after_unknown": {"id": true, "default_network_acl_id": true},
        "expressions": {"default_network_acl_id": {"references": ["aws_vpc.adopted.default_network_acl_id", "aws_vpc.adopted"]}}}),
    ]));
    let acls = &a.region_data[0].ec2.network_acls;
    let plain = acls
        .iter()
        .find(|x| x.arn == format!("{}/default_network_acl", id("aws_vpc.plain")))
        .expect("the plain VPC's default ACL");
    assert!(plain.is_default);
    assert!(plain
        .entries
        .iter()
        .any(|e| e.rule_number == 100 && e.rule_action == "allow" && !e.egress));
    assert!(!acls
        .iter()
        .any(|x| x.arn == format!("{}/default_network_acl", id("aws_vpc.adopted"))));
}
