//! Tests of the CloudFormation resource mapping: EC2 (security groups,
//! rules in both forms, default egress, network ACLs), WAFv2, Backup,
//! Config and uncovered types.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use serde_json::json;

use super::tests::{at, line, res_line, run, unknowns};

#[test]
fn security_groups_inline_and_standalone_rules() {
    let (t, a) = run(json!({
        "Vpc": {"Type": "AWS::EC2::VPC", "Properties": {"CidrBlock": "10.0.0.0/16"}},
        "Web": {"Type": "AWS::EC2::SecurityGroup", "Properties": {
            "GroupName": "web", "GroupDescription": "web tier", "VpcId": {"Ref": "Vpc"},
            "SecurityGroupIngress": [
                {"IpProtocol": "tcp", "FromPort": 22, "ToPort": "22", "CidrIp": "0.0.0.0/0"},
                {"IpProtocol": 6, "FromPort": 443, "ToPort": 443, "CidrIp": {"Fn::GetAtt": ["Vpc", "CidrBlock"]}},
                {"IpProtocol": "-1", "FromPort": 0, "ToPort": 100, "SourceSecurityGroupId": {"Fn::GetAtt": ["Db", "GroupId"]}}
            ]
        }},
        "Db": {"Type": "AWS::EC2::SecurityGroup", "Properties": {
            "GroupDescription": "db",
            "SecurityGroupEgress": [{"IpProtocol": "tcp", "FromPort": 443, "ToPort": 443, "CidrIp": "10.0.0.0/8"}]
        }},
        "DbIn": {"Type": "AWS::EC2::SecurityGroupIngress", "Properties": {
            "GroupId": {"Ref": "Db"}, "IpProtocol": "17", "FromPort": 53, "ToPort": 53, "CidrIpv6": "::/0"
        }},
        "DbOut": {"Type": "AWS::EC2::SecurityGroupEgress", "Properties": {
            "GroupId": {"Fn::GetAtt": ["Db", "GroupId"]}, "IpProtocol": "icmp", "FromPort": -1, "ToPort": -1,
            "DestinationPrefixListId": "pl-12345678"
        }}
    }));
    let ec2 = &a.region_data[0].ec2;
    assert_eq!(ec2.vpcs[0].vpc_id, "Vpc");
    let web = ec2
        .security_groups
        .iter()
        .find(|g| g.group_id == "Web")
        .unwrap();
    assert_eq!(
        (web.arn.as_str(), web.group_name.as_str()),
        ("t.yaml#Web", "web")
    );
    assert_eq!(web.vpc_id.as_deref(), Some("Vpc"));
    let db = ec2
        .security_groups
        .iter()
        .find(|g| g.group_id == "Db")
        .unwrap();
    assert_eq!(db.group_name, "Db");
    let rule = |id: &str| {
        ec2.security_group_rules
            .iter()
            .find(|r| r.arn == id)
            .unwrap()
    };
    let ssh = rule("t.yaml#Web/ingress/0");
    assert_eq!(
        (ssh.group_id.as_str(), ssh.ip_protocol.as_str()),
        ("Web", "tcp")
    );
    assert_eq!((ssh.from_port, ssh.to_port), (Some(22), Some(22)));
    assert_eq!(ssh.cidr_ipv4.as_deref(), Some("0.0.0.0/0"));
    assert!(!ssh.is_egress);
    let https = rule("t.yaml#Web/ingress/1");
    assert_eq!(
        https.ip_protocol, "tcp",
        "protocol 6 is tcp, as AWS returns it"
    );
    assert_eq!(
        https.cidr_ipv4.as_deref(),
        Some("10.0.0.0/16"),
        "the VPC's CidrBlock as written"
    );
    let peer = rule("t.yaml#Web/ingress/2");
    assert_eq!(peer.referenced_group_id.as_deref(), Some("Db"));
    assert_eq!(
        (peer.ip_protocol.as_str(), peer.from_port, peer.to_port),
        ("-1", Some(-1), Some(-1))
    );
    // Web lists no egress: AWS's default allow-all rule; Db lists one: none.
    let default = rule("t.yaml#Web/egress/default");
    assert_eq!(
        (default.cidr_ipv4.as_deref(), default.ip_protocol.as_str()),
        (Some("0.0.0.0/0"), "-1")
    );
    assert!(default.is_egress);
    assert!(!ec2
        .security_group_rules
        .iter()
        .any(|r| r.arn == "t.yaml#Db/egress/default"));
    let dns = rule("t.yaml#DbIn");
    assert_eq!(
        (dns.group_id.as_str(), dns.ip_protocol.as_str()),
        ("Db", "udp")
    );
    assert_eq!(dns.cidr_ipv6.as_deref(), Some("::/0"));
    let out = rule("t.yaml#DbOut");
    assert!(out.is_egress);
    assert_eq!(out.prefix_list_id.as_deref(), Some("pl-12345678"));
    // Rules point at their peer.
    let cidr = at(&t, "Web", &["SecurityGroupIngress", "0", "CidrIp"]);
    assert_eq!(line(&a, "t.yaml#Web/ingress/0"), cidr.pos.line);
    let v6 = at(&t, "DbIn", &["CidrIpv6"]);
    assert_eq!(line(&a, "t.yaml#DbIn"), v6.pos.line);
    assert!(a.unknowns.is_empty(), "{:?}", a.unknowns);
}

#[test]
fn a_port_that_is_no_whole_number_is_unknown_not_absent() {
    let (_, a) = run(json!({
        "Sg": {"Type": "AWS::EC2::SecurityGroup", "Properties": {
            "GroupDescription": "x",
            "SecurityGroupIngress": [
                {"IpProtocol": "tcp", "FromPort": "1e400", "ToPort": 22, "CidrIp": "0.0.0.0/0"}
            ]
        }}
    }));
    assert_eq!(
        unknowns(&a),
        [(
            "t.yaml#Sg/ingress/0",
            "SecurityGroupIngress[0].FromPort",
            "SecurityGroupIngress[0].FromPort \"1e400\" is not a whole number"
        )]
    );
}

#[test]
fn unknown_peers_land_on_the_rule() {
    let (_, a) = run(json!({
        "Sg": {"Type": "AWS::EC2::SecurityGroup", "Properties": {
            "GroupDescription": "x",
            "SecurityGroupIngress": [
                {"IpProtocol": "tcp", "FromPort": 22, "ToPort": 22, "CidrIp": {"$unknown": "parameter AllowedCidr has no default and no value was given"}},
                {"IpProtocol": "tcp", "FromPort": 80, "ToPort": 80, "CidrIp": {"Fn::GetAtt": ["Lb", "SourceCidr"]}}
            ]
        }},
        "Lb": {"Type": "AWS::ElasticLoadBalancingV2::LoadBalancer"}
    }));
    assert_eq!(
        unknowns(&a),
        [
            (
                "t.yaml#Sg/ingress/0",
                "SecurityGroupIngress[0].CidrIp",
                "parameter AllowedCidr has no default and no value was given"
            ),
            (
                "t.yaml#Sg/ingress/1",
                "SecurityGroupIngress[1].CidrIp",
                "SecurityGroupIngress[1].CidrIp is Lb.SourceCidr, known only after deployment"
            ),
        ]
    );
    // A valid placeholder keeps the rule buildable.
    let r = &a.region_data[0].ec2.security_group_rules[0];
    assert_eq!(r.cidr_ipv4.as_deref(), Some("0.0.0.0/0"));
    assert_eq!(
        a.uncovered.get("AWS::ElasticLoadBalancingV2::LoadBalancer"),
        Some(&1)
    );
}

#[test]
fn rules_on_groups_outside_the_template() {
    let (_, a) = run(json!({
        "In": {"Type": "AWS::EC2::SecurityGroupIngress", "Properties": {
            "GroupId": "sg-0123", "IpProtocol": "tcp", "FromPort": 3389, "ToPort": 3389, "CidrIp": "0.0.0.0/0"
        }},
        "Out": {"Type": "AWS::EC2::SecurityGroupEgress", "Properties": {
            "GroupId": "sg-0123", "IpProtocol": "-1", "CidrIp": "0.0.0.0/0"
        }}
    }));
    let ec2 = &a.region_data[0].ec2;
    assert_eq!(
        ec2.security_groups.len(),
        1,
        "one stand-in for the outside group"
    );
    assert_eq!(ec2.security_groups[0].group_id, "sg-0123");
    assert!(ec2
        .security_group_rules
        .iter()
        .all(|r| r.group_id == "sg-0123"));
    let on: Vec<&str> = a.unknowns.iter().map(|u| u.resource.as_str()).collect();
    // The group's own checks and the outbound rule (whether the group is a
    // default one) are unknown; the inbound rule is judged.
    assert_eq!(on, ["t.yaml#Out", "t.yaml#sg-0123"]);
}

#[test]
fn network_acls_entries_and_associations() {
    let (t, a) = run(json!({
        "Acl": {"Type": "AWS::EC2::NetworkAcl", "Properties": {"VpcId": "vpc-1"}},
        "Sub": {"Type": "AWS::EC2::Subnet", "Properties": {"VpcId": "vpc-1", "CidrBlock": "10.0.1.0/24", "MapPublicIpOnLaunch": true}},
        "Ssh": {"Type": "AWS::EC2::NetworkAclEntry", "Properties": {
            "NetworkAclId": {"Ref": "Acl"}, "RuleNumber": 100, "Protocol": 6, "RuleAction": "ALLOW",
            "CidrBlock": "0.0.0.0/0", "PortRange": {"From": 22, "To": 22}
        }},
        "Out": {"Type": "AWS::EC2::NetworkAclEntry", "Properties": {
            "NetworkAclId": {"Ref": "Acl"}, "RuleNumber": "200", "Protocol": -1, "RuleAction": "allow", "Egress": true,
            "Ipv6CidrBlock": "::/0", "PortRange": {"From": 1, "To": 2}
        }},
        "Odd": {"Type": "AWS::EC2::NetworkAclEntry", "Properties": {
            "NetworkAclId": {"Ref": "Acl"}, "RuleNumber": 300, "Protocol": 6, "RuleAction": "allow",
            "CidrBlock": {"$unknown": "parameter Office has no value"}, "PortRange": {"From": 443, "To": 443}
        }},
        "Foreign": {"Type": "AWS::EC2::NetworkAclEntry", "Properties": {"NetworkAclId": "acl-9", "RuleNumber": 1, "Protocol": -1, "RuleAction": "deny", "CidrBlock": "0.0.0.0/0"}},
        "Assoc": {"Type": "AWS::EC2::SubnetNetworkAclAssociation", "Properties": {"NetworkAclId": {"Ref": "Acl"}, "SubnetId": {"Ref": "Sub"}}}
    }));
    let ec2 = &a.region_data[0].ec2;
    assert!(ec2.subnets[0].map_public_ip_on_launch);
    let acl = &ec2.network_acls[0];
    assert_eq!(
        (acl.network_acl_id.as_str(), acl.vpc_id.as_deref()),
        ("Acl", Some("vpc-1"))
    );
    assert_eq!(acl.associated_subnets, ["Sub"]);
    let entries: Vec<(i64, bool, &str, &str)> = acl
        .entries
        .iter()
        .map(|e| {
            (
                e.rule_number,
                e.egress,
                e.protocol.as_str(),
                e.rule_action.as_str(),
            )
        })
        .collect();
    // AWS's deny-all entries come with every new ACL.
    assert_eq!(
        entries,
        [
            (32767, false, "-1", "deny"),
            (32767, true, "-1", "deny"),
            (300, false, "6", "allow"),
            (200, true, "-1", "allow"),
            (100, false, "6", "allow"),
        ]
    );
    let ssh = acl.entries.iter().find(|e| e.rule_number == 100).unwrap();
    assert_eq!(ssh.port_range.map(|p| (p.from, p.to)), Some((22, 22)));
    let out = acl.entries.iter().find(|e| e.rule_number == 200).unwrap();
    assert_eq!(out.port_range, None, "no port range for protocol -1");
    // Entries are located at their CIDR, on the graph's entry ids.
    let cidr = at(&t, "Ssh", &["CidrBlock"]);
    assert_eq!(line(&a, "t.yaml#Acl/entry/ingress/100"), cidr.pos.line);
    assert_eq!(
        line(&a, "t.yaml#Acl/entry/egress/200"),
        at(&t, "Out", &["Ipv6CidrBlock"]).pos.line
    );
    // An unknown in one entry leaves the whole ACL unknown (rule order).
    assert_eq!(
        unknowns(&a),
        [(
            "t.yaml#Acl",
            "Odd.CidrBlock",
            "parameter Office has no value"
        )]
    );
    assert_eq!(a.uncovered.get("AWS::EC2::NetworkAclEntry"), Some(&1));
}

#[test]
fn unknown_egress_list_and_subnet_flags() {
    let (_, a) = run(json!({
        "Sg": {"Type": "AWS::EC2::SecurityGroup", "Properties": {
            "GroupDescription": "x", "SecurityGroupEgress": {"$unknown": "condition Strict is unknown"}
        }},
        "Sub": {"Type": "AWS::EC2::Subnet", "Properties": {"MapPublicIpOnLaunch": {"$unknown": "parameter Public has no value"}}}
    }));
    assert_eq!(
        unknowns(&a),
        [
            (
                "t.yaml#Sg",
                "SecurityGroupEgress",
                "condition Strict is unknown"
            ),
            (
                "t.yaml#Sub",
                "MapPublicIpOnLaunch",
                "parameter Public has no value"
            ),
        ]
    );
    assert!(a.region_data[0].ec2.security_group_rules.is_empty());
}

#[test]
fn prefix_lists_defined_in_the_template() {
    let (_, a) = run(json!({
        "Office": {"Type": "AWS::EC2::PrefixList", "Properties": {"Entries": [{"Cidr": "203.0.113.0/24"}]}},
        "Sg": {"Type": "AWS::EC2::SecurityGroup", "Properties": {"GroupDescription": "x", "SecurityGroupIngress": [
            {"IpProtocol": "tcp", "FromPort": 22, "ToPort": 22, "SourcePrefixListId": {"Fn::GetAtt": ["Office", "PrefixListId"]}}
        ]}}
    }));
    let ec2 = &a.region_data[0].ec2;
    assert_eq!(ec2.managed_prefix_lists[0].prefix_list_id, "Office");
    assert_eq!(
        ec2.managed_prefix_lists[0].entries.as_ref().unwrap()[0].cidr,
        "203.0.113.0/24"
    );
    assert_eq!(
        ec2.security_group_rules[0].prefix_list_id.as_deref(),
        Some("Office")
    );
}

#[test]
fn waf_acls_rules_associations_and_logging() {
    let (t, a) = run(json!({
        "Acl": {"Type": "AWS::WAFv2::WebACL", "Properties": {
            "Name": "edge", "Scope": "REGIONAL", "DefaultAction": {"Block": {}},
            "VisibilityConfig": {"CloudWatchMetricsEnabled": true, "SampledRequestsEnabled": true, "MetricName": "edge"},
            "Rules": [
                {"Name": "rate", "Priority": 2, "Action": {"Count": {}},
                 "Statement": {"RateBasedStatement": {"Limit": 1000, "AggregateKeyType": "IP"}},
                 "VisibilityConfig": {"CloudWatchMetricsEnabled": false, "SampledRequestsEnabled": true, "MetricName": "r"}},
                {"Name": "common", "Priority": 1, "OverrideAction": {"None": {}},
                 "Statement": {"ManagedRuleGroupStatement": {"VendorName": "AWS", "Name": "AWSManagedRulesCommonRuleSet"}},
                 "VisibilityConfig": {"CloudWatchMetricsEnabled": true, "SampledRequestsEnabled": {"$unknown": "parameter Sampled has no value"}, "MetricName": "c"}}
            ]
        }},
        "Quiet": {"Type": "AWS::WAFv2::WebACL", "Properties": {"Scope": "CLOUDFRONT", "DefaultAction": {"Allow": {}},
            "VisibilityConfig": {"CloudWatchMetricsEnabled": false, "SampledRequestsEnabled": false, "MetricName": "q"}}},
        "Assoc": {"Type": "AWS::WAFv2::WebACLAssociation", "Properties": {"WebACLArn": {"Fn::GetAtt": ["Acl", "Arn"]}, "ResourceArn": {"Ref": "Alb"}}},
        "Logs": {"Type": "AWS::WAFv2::LoggingConfiguration", "Properties": {"ResourceArn": {"Fn::GetAtt": ["Acl", "Arn"]}, "LogDestinationConfigs": ["arn:aws:logs:us-east-1:1:log-group:aws-waf-logs-x"]}},
        "Cdn": {"Type": "AWS::CloudFront::Distribution", "Properties": {"DistributionConfig": {"WebACLId": {"Fn::GetAtt": ["Quiet", "Arn"]}}}},
        "Alb": {"Type": "AWS::ElasticLoadBalancingV2::LoadBalancer"}
    }));
    let acls = &a.region_data[0].wafv2.web_acls;
    let acl = &acls[0];
    assert_eq!(
        (
            acl.name.as_str(),
            acl.scope.as_str(),
            acl.default_action.as_str()
        ),
        ("edge", "REGIONAL", "block")
    );
    assert!(acl.metrics_enabled);
    let rules: Vec<(&str, i64, &str, Option<&str>, &str)> = acl
        .rules
        .iter()
        .map(|r| {
            (
                r.name.as_str(),
                r.priority,
                r.action.as_str(),
                r.override_action.as_deref(),
                r.statement_type.as_str(),
            )
        })
        .collect();
    assert_eq!(
        rules,
        [
            (
                "common",
                1,
                "none",
                Some("none"),
                "ManagedRuleGroupStatement"
            ),
            ("rate", 2, "count", None, "RateBasedStatement"),
        ]
    );
    assert_eq!(
        acl.rules[0].managed_rule_group.as_deref(),
        Some("AWS/AWSManagedRulesCommonRuleSet")
    );
    assert!(!acl.rules[1].metrics_enabled && acl.rules[1].sampled_requests_enabled);
    assert_eq!(
        acl.associated_resources.as_deref(),
        Some(&["${Alb}".to_owned()][..])
    );
    assert_eq!(acl.logging_destinations.len(), 1);
    let quiet = &acls[1];
    assert_eq!(
        (quiet.name.as_str(), quiet.default_action.as_str()),
        ("Quiet", "allow")
    );
    assert_eq!(
        quiet.associated_resources.as_deref(),
        Some(&["t.yaml#Cdn".to_owned()][..])
    );
    assert!(quiet.logging_destinations.is_empty());
    assert_eq!(
        line(&a, "t.yaml#Acl/rule/rate"),
        at(&t, "Acl", &["Rules", "0"]).pos.line
    );
    assert_eq!(
        unknowns(&a),
        [(
            "t.yaml#Acl/rule/common",
            "Rules[1].VisibilityConfig.SampledRequestsEnabled",
            "parameter Sampled has no value"
        )]
    );
    let uncovered: Vec<&str> = a.uncovered.keys().map(String::as_str).collect();
    assert_eq!(
        uncovered,
        [
            "AWS::CloudFront::Distribution",
            "AWS::ElasticLoadBalancingV2::LoadBalancer"
        ]
    );
}

#[test]
fn backup_vaults_plans_and_selections() {
    let (t, a) = run(json!({
        "Vault": {"Type": "AWS::Backup::BackupVault", "Properties": {
            "BackupVaultName": "main", "EncryptionKeyArn": {"Fn::GetAtt": ["Key", "Arn"]},
            "LockConfiguration": {"MinRetentionDays": 35, "MaxRetentionDays": 365, "ChangeableForDays": 3},
            "AccessPolicy": "{\"Statement\":[{\"Effect\":\"Deny\",\"Principal\":\"*\",\"Action\":\"backup:DeleteRecoveryPoint\",\"Resource\":\"*\"}]}"
        }},
        "Soft": {"Type": "AWS::Backup::BackupVault", "Properties": {
            "LockConfiguration": {"MinRetentionDays": 7},
            "AccessPolicy": {"Statement": [{"Effect": "Allow", "Principal": {"AWS": {"$unknown": "parameter Reader has no value"}}, "Action": "backup:*", "Resource": "*"}]}
        }},
        "Plan": {"Type": "AWS::Backup::BackupPlan", "Properties": {"BackupPlan": {
            "BackupPlanName": "daily",
            "BackupPlanRule": [{
                "RuleName": "nightly", "TargetBackupVault": {"Ref": "Vault"},
                "ScheduleExpression": "cron(0 5 ? * * *)", "ScheduleExpressionTimezone": "Europe/Paris",
                "Lifecycle": {"DeleteAfterDays": 35, "MoveToColdStorageAfterDays": "7"},
                "CopyActions": [{"DestinationBackupVaultArn": "arn:aws:backup:eu-west-1:222222222222:backup-vault:dr", "Lifecycle": {"DeleteAfterDays": 90}}],
                "EnableContinuousBackup": true
            }]
        }}},
        "Sel": {"Type": "AWS::Backup::BackupSelection", "Properties": {
            "BackupPlanId": {"Ref": "Plan"},
            "BackupSelection": {
                "SelectionName": "prod", "IamRoleArn": "arn:aws:iam::1:role/backup",
                "Resources": ["arn:aws:ec2:*:*:volume/*", {"Fn::GetAtt": ["Table", "Arn"]}],
                "NotResources": ["arn:aws:ec2:*:*:volume/vol-scratch"],
                "ListOfTags": [{"ConditionType": "STRINGEQUALS", "ConditionKey": "backup", "ConditionValue": "daily"}],
                "Conditions": {"StringEquals": [{"ConditionKey": "aws:ResourceTag/env", "ConditionValue": "prod"}],
                               "StringNotLike": [{"ConditionKey": "aws:ResourceTag/tier", "ConditionValue": "scratch*"}]}
            }
        }},
        "Key": {"Type": "AWS::KMS::Key"},
        "Table": {"Type": "AWS::DynamoDB::Table"}
    }));
    let b = &a.region_data[0].backup;
    let (soft, main) = (&b.vaults[0], &b.vaults[1]);
    assert_eq!(main.name, "main");
    assert_eq!(main.encryption_key_arn.as_deref(), Some("${Key.Arn}"));
    assert!(
        main.locked && main.lock_date.is_some(),
        "ChangeableForDays: compliance mode"
    );
    assert_eq!(
        (main.min_retention_days, main.max_retention_days),
        (Some(35), Some(365))
    );
    assert_eq!(
        main.access_policy.as_ref().unwrap().statements[0]
            .effect
            .as_str(),
        "Deny"
    );
    assert!(
        soft.locked && soft.lock_date.is_none(),
        "no ChangeableForDays: governance mode"
    );
    assert_eq!(soft.encryption_key_arn, None);
    let plan = &b.plans[0];
    assert_eq!((plan.id.as_str(), plan.name.as_str()), ("Plan", "daily"));
    let r = &plan.rules[0];
    assert_eq!(
        (r.name.as_str(), r.target_vault.as_str()),
        ("nightly", "main")
    );
    assert_eq!(r.schedule_expression.as_deref(), Some("cron(0 5 ? * * *)"));
    assert_eq!(
        (r.delete_after_days, r.move_to_cold_storage_after_days),
        (Some(35), Some(7))
    );
    assert_eq!(r.copy_actions[0].delete_after_days, Some(90));
    assert!(r.enable_continuous_backup);
    let s = &plan.selections[0];
    assert_eq!((s.id.as_str(), s.name.as_str()), ("Sel", "prod"));
    assert_eq!(s.resources, ["arn:aws:ec2:*:*:volume/*", "${Table.Arn}"]);
    assert_eq!(s.not_resources.len(), 1);
    assert_eq!(s.list_of_tags, ["backup=daily"]);
    assert_eq!(s.tag_conditions, ["env=prod", "tier not like scratch*"]);
    assert_eq!(
        line(&a, "t.yaml#Plan/rule/nightly"),
        at(&t, "Plan", &["BackupPlan", "BackupPlanRule", "0"])
            .pos
            .line
    );
    assert_eq!(line(&a, "t.yaml#Plan/selection/Sel"), res_line(&t, "Sel"));
    assert_eq!(
        unknowns(&a),
        [(
            "t.yaml#Soft",
            "AccessPolicy.Statement[0].Principal.AWS",
            "parameter Reader has no value"
        )]
    );
}

#[test]
fn config_recorders_and_channels() {
    let (_, a) = run(json!({
        "Rec": {"Type": "AWS::Config::ConfigurationRecorder", "Properties": {
            "RoleARN": {"Fn::GetAtt": ["ConfigRole", "Arn"]},
            "RecordingGroup": {"AllSupported": true, "IncludeGlobalResourceTypes": true}
        }},
        "Some": {"Type": "AWS::Config::ConfigurationRecorder", "Properties": {
            "Name": "some",
            "RecordingGroup": {"ResourceTypes": ["AWS::EC2::Instance"], "RecordingStrategy": {"UseOnly": "INCLUSION_BY_RESOURCE_TYPES"}}
        }},
        "Plain": {"Type": "AWS::Config::ConfigurationRecorder", "Properties": {}},
        "Channel": {"Type": "AWS::Config::DeliveryChannel", "Properties": {"S3BucketName": {"Ref": "Bucket"}}},
        "ConfigRole": {"Type": "AWS::IAM::Role", "Properties": {"AssumeRolePolicyDocument": {"Statement": []}}},
        "Bucket": {"Type": "AWS::S3::Bucket"}
    }));
    let c = &a.region_data[0].config;
    let get = |n: &str| c.recorders.iter().find(|r| r.name == n).unwrap();
    let rec = get("Rec");
    assert!(rec.all_supported && rec.include_global_resource_types && rec.recording);
    assert_eq!(rec.role_arn.as_deref(), Some("${ConfigRole.Arn}"));
    assert_eq!(rec.last_status, None);
    let some = get("some");
    assert!(!some.all_supported);
    assert_eq!(some.resource_types, ["AWS::EC2::Instance"]);
    let plain = get("Plain");
    assert!(
        plain.all_supported && !plain.include_global_resource_types,
        "AWS's default group"
    );
    assert_eq!(c.delivery_channels[0].name, "Channel");
    assert_eq!(
        c.delivery_channels[0].s3_bucket_name.as_deref(),
        Some("${Bucket}")
    );
    assert_eq!(a.uncovered.get("AWS::S3::Bucket"), Some(&1));
    assert_eq!(a.uncovered.len(), 1);
}

#[test]
fn uncovered_types_are_counted_and_every_resource_is_located() {
    let (t, a) = run(json!({
        "A": {"Type": "AWS::S3::Bucket"},
        "B": {"Type": "AWS::S3::Bucket"},
        "C": {"Type": "AWS::Lambda::Function"},
        "D": {"Type": "AWS::IAM::InstanceProfile"}
    }));
    let counts: Vec<(&str, usize)> = a.uncovered.iter().map(|(k, v)| (k.as_str(), *v)).collect();
    assert_eq!(
        counts,
        [
            ("AWS::IAM::InstanceProfile", 1),
            ("AWS::Lambda::Function", 1),
            ("AWS::S3::Bucket", 2)
        ]
    );
    for r in &t.resources {
        assert_eq!(line(&a, &format!("t.yaml#{}", r.logical_id)), r.pos.line);
    }
    assert_eq!(a.origin, palisade_model::Origin::Cloudformation);
}

#[test]
fn unknowns_no_mapper_reads_are_recorded_on_the_resource() {
    let (_, a) = run(json!({
        "Sg": {"Type": "AWS::EC2::SecurityGroup", "Properties": {
            "GroupDescription": {"$unknown": "parameter Desc has no value"},
            "Tags": [{"Key": "env", "Value": {"$unknown": "parameter Env has no value"}}],
            "SecurityGroupIngress": [{"$unknown": "condition Open is unknown"}]
        }},
        "Vault": {"Type": "AWS::Backup::BackupVault", "Properties": {"LockConfiguration": {"$unknown": "condition Locked is unknown"}}},
        "Plan": {"Type": "AWS::Backup::BackupPlan", "Properties": {"BackupPlan": {"BackupPlanName": "p", "BackupPlanRule": []}}},
        "Sel": {"Type": "AWS::Backup::BackupSelection", "Properties": {"BackupPlanId": {"Ref": "Plan"}, "BackupSelection": {
            "SelectionName": "s", "IamRoleArn": "r", "Resources": [{"$unknown": "parameter Table has no value"}]}}}
    }));
    assert_eq!(
        unknowns(&a),
        [
            (
                "t.yaml#Plan/selection/Sel",
                "BackupSelection.Resources[0]",
                "parameter Table has no value"
            ),
            (
                "t.yaml#Sg/ingress/0",
                "SecurityGroupIngress[0]",
                "condition Open is unknown"
            ),
            (
                "t.yaml#Vault",
                "LockConfiguration",
                "condition Locked is unknown"
            ),
        ]
    );
}

#[test]
fn logging_destination_unknowns_land_on_the_acl() {
    let (_, a) = run(json!({
        "Acl": {"Type": "AWS::WAFv2::WebACL", "Properties": {"Scope": "REGIONAL", "DefaultAction": {"Allow": {}},
            "VisibilityConfig": {"CloudWatchMetricsEnabled": true, "SampledRequestsEnabled": true, "MetricName": "m"}}},
        "Logs": {"Type": "AWS::WAFv2::LoggingConfiguration", "Properties": {
            "ResourceArn": {"Fn::GetAtt": ["Acl", "Arn"]}, "LogDestinationConfigs": [{"$unknown": "parameter LogGroup has no value"}]}}
    }));
    assert_eq!(
        unknowns(&a),
        [(
            "t.yaml#Acl",
            "Logs.LogDestinationConfigs[0]",
            "parameter LogGroup has no value"
        )]
    );
    assert!(!a.region_data[0].wafv2.web_acls[0]
        .logging_destinations
        .is_empty());
}

#[test]
fn a_vpcs_default_group_and_acl_when_the_template_names_them() {
    let (t, a) = run(json!({
        "Vpc": {"Type": "AWS::EC2::VPC", "Properties": {"CidrBlock": "10.0.0.0/16"}},
        "Open": {"Type": "AWS::EC2::SecurityGroupIngress", "Properties": {
            "GroupId": {"Fn::GetAtt": ["Vpc", "DefaultSecurityGroup"]}, "IpProtocol": "tcp", "FromPort": 22, "ToPort": 22, "CidrIp": "0.0.0.0/0"}},
        "App": {"Type": "AWS::EC2::SecurityGroup", "Properties": {"GroupDescription": "x", "SecurityGroupIngress": [
            {"IpProtocol": "tcp", "FromPort": 80, "ToPort": 80, "SourceSecurityGroupId": {"Fn::GetAtt": ["Vpc", "DefaultSecurityGroup"]}}]}},
        "Deny": {"Type": "AWS::EC2::NetworkAclEntry", "Properties": {
            "NetworkAclId": {"Fn::GetAtt": ["Vpc", "DefaultNetworkAcl"]}, "RuleNumber": 50, "Protocol": 6, "RuleAction": "deny",
            "CidrBlock": "0.0.0.0/0", "PortRange": {"From": 22, "To": 22}}}
    }));
    let ec2 = &a.region_data[0].ec2;
    let d = ec2
        .security_groups
        .iter()
        .find(|g| g.group_name == "default")
        .unwrap();
    assert_eq!(d.group_id, "Vpc.DefaultSecurityGroup");
    let rules: Vec<&str> = ec2
        .security_group_rules
        .iter()
        .filter(|r| r.group_id == d.group_id)
        .map(|r| r.rule_id.as_str())
        .collect();
    assert_eq!(
        rules,
        [
            "Vpc.DefaultSecurityGroup/ingress/default",
            "Vpc.DefaultSecurityGroup/egress/default",
            "Open"
        ]
    );
    let peer = ec2
        .security_group_rules
        .iter()
        .find(|r| r.arn == "t.yaml#App/ingress/0")
        .unwrap();
    assert_eq!(
        peer.referenced_group_id.as_deref(),
        Some("Vpc.DefaultSecurityGroup")
    );
    let acl = &ec2.network_acls[0];
    assert!(acl.is_default);
    assert_eq!(acl.entries.len(), 5);
    // The VPC creates its default group: findings on it point at the VPC.
    let vpc_line = t
        .resources
        .iter()
        .find(|r| r.logical_id == "Vpc")
        .unwrap()
        .pos
        .line;
    assert_eq!(line(&a, "t.yaml#Vpc.DefaultSecurityGroup"), vpc_line);
    assert!(a.unknowns.is_empty(), "{:?}", a.unknowns);
}

#[test]
fn every_vpc_has_its_default_group_unless_a_custom_resource_clears_it() {
    let rules_of = |a: &palisade_model::Account, vpc: &str| -> Vec<String> {
        let g = format!("{vpc}.DefaultSecurityGroup");
        a.region_data[0]
            .ec2
            .security_group_rules
            .iter()
            .filter(|r| r.group_id == g)
            .map(|r| r.rule_id.clone())
            .collect()
    };
    let (_, a) = run(json!({
        "Plain": {"Type": "AWS::EC2::VPC", "Properties": {"CidrBlock": "10.0.0.0/16"}},
        "Cdk": {"Type": "AWS::EC2::VPC", "Properties": {"CidrBlock": "10.1.0.0/16"}},
        "Clear": {"Type": "Custom::VpcRestrictDefaultSG", "Properties": {
            "ServiceToken": "arn:aws:lambda:us-east-1:111122223333:function:x",
            "DefaultSecurityGroupId": {"Fn::GetAtt": ["Cdk", "DefaultSecurityGroup"]}}},
        "Odd": {"Type": "AWS::EC2::VPC", "Properties": {"CidrBlock": "10.2.0.0/16"}},
        "Mine": {"Type": "Custom::Something", "Properties": {
            "ServiceToken": "arn:aws:lambda:us-east-1:111122223333:function:y",
            "Group": {"Fn::GetAtt": ["Odd", "DefaultSecurityGroup"]}}}
    }));
    assert_eq!(
        rules_of(&a, "Plain"),
        [
            "Plain.DefaultSecurityGroup/ingress/default",
            "Plain.DefaultSecurityGroup/egress/default"
        ]
    );
    assert!(rules_of(&a, "Cdk").is_empty());
    assert_eq!(rules_of(&a, "Odd").len(), 2);
    let u: Vec<_> = a.unknowns.iter().map(|u| u.resource.as_str()).collect();
    assert_eq!(u, ["t.yaml#Odd.DefaultSecurityGroup"]);
}

#[test]
fn values_of_the_wrong_shape_are_not_judged() {
    let (_, a) = run(json!({
        "Sg": {"Type": "AWS::EC2::SecurityGroup", "Properties": {"GroupDescription": "x", "SecurityGroupIngress": [
            {"IpProtocol": ["tcp"], "FromPort": 22, "ToPort": 22, "CidrIp": null}]}}
    }));
    assert_eq!(
        unknowns(&a),
        [
            (
                "t.yaml#Sg/ingress/0",
                "SecurityGroupIngress[0].CidrIp",
                "SecurityGroupIngress[0].CidrIp is null where a value is expected"
            ),
            (
                "t.yaml#Sg/ingress/0",
                "SecurityGroupIngress[0].IpProtocol",
                "SecurityGroupIngress[0].IpProtocol is a list where a single value is expected"
            ),
        ]
    );
    assert_eq!(a.region_data[0].ec2.security_group_rules[0].cidr_ipv4, None);
}
