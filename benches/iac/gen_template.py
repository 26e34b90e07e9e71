#!/usr/bin/env python3
"""Generates a large CloudFormation template and a large Terraform plan for
the IaC scan benchmark (BENCHMARKS.md, issue 11: 10,000 resources in under
2 s and 300 MiB).

    python3 benches/iac/gen_template.py [--resources 10000] [--out DIR]

writes DIR/large-<N>.yaml (a template with short-form tags) and
DIR/large-<N>.tfplan.json (`terraform show -json` shape), DIR defaulting to
$TMPDIR. Deterministic (fixed seed). The mix is what a platform team's
templates hold, in units of 20 resources: a security group with inline
ingress and egress rules, standalone ingress and egress rules referencing it
(in the plan: a second group, as Terraform must not mix inline and separate
rules on one group),
a role with a trust policy, an inline policy, a customer managed policy and
an AWS managed one attached, a separate AWS::IAM::Policy, a user and a group
with an inline policy and a membership, a network ACL with entries, a
subnet, a Backup vault, plan and selection, and a WAFv2 web ACL with its
logging configuration. About one unit in eight carries a violation (SSH
from 0.0.0.0/0, `*` on `*`, a role trusting any principal, an open NACL
entry), so the scan reports findings as a real one would. Parameters,
Conditions, `!Sub`, `!Ref` and `!GetAtt` are used as in hand-written
templates, so the importer's resolution is part of what is measured.
"""
import argparse
import json
import os
import random
from pathlib import Path

UNIT = 20  # template resources per unit
TF_UNIT = 21  # plan resources per unit (the separate rules get a group of their own)


def q(s):
    """A YAML double-quoted scalar."""
    return json.dumps(s)


def policy_yaml(statements, indent):
    pad = " " * indent
    lines = [f"{pad}Version: \"2012-10-17\"", f"{pad}Statement:"]
    for st in statements:
        first = True
        for k, v in st.items():
            lead = f"{pad}  - " if first else f"{pad}    "
            first = False
            if isinstance(v, list):
                lines.append(f"{lead}{k}:")
                lines += [f"{pad}      - {q(x)}" for x in v]
            elif isinstance(v, dict):
                lines.append(f"{lead}{k}:")
                for kk, vv in v.items():
                    lines.append(f"{pad}      {kk}: {q(vv) if not isinstance(vv, dict) else json.dumps(vv)}")
            else:
                lines.append(f"{lead}{k}: {q(v)}")
    return lines


def statements(i, bad):
    if bad:
        return [{"Effect": "Allow", "Action": "*", "Resource": "*"}]
    return [
        {"Sid": "ReadTable", "Effect": "Allow", "Action": ["dynamodb:GetItem", "dynamodb:Query"],
         "Resource": f"arn:aws:dynamodb:eu-west-1:111122223333:table/orders-{i}"},
        {"Sid": "Logs", "Effect": "Allow", "Action": ["logs:CreateLogStream", "logs:PutLogEvents"],
         "Resource": f"arn:aws:logs:eu-west-1:111122223333:log-group:/app/{i}:*"},
    ]


def cfn_unit(i, rnd):
    bad = rnd.random() < 0.125
    ssh_src = "0.0.0.0/0" if bad else "10.20.0.0/16"
    trust = {"Service": "ec2.amazonaws.com"} if not bad else {"AWS": "*"}
    y = []
    a = y.append
    a(f"  AppSg{i}:")
    a("    Type: AWS::EC2::SecurityGroup")
    a("    Properties:")
    a(f"      GroupDescription: !Sub \"app {i} in ${{EnvName}}\"")
    a("      VpcId: !Ref VpcId")
    a("      SecurityGroupIngress:")
    a("        - IpProtocol: tcp")
    a("          FromPort: 443")
    a("          ToPort: 443")
    a("          CidrIp: 0.0.0.0/0")
    a("          Description: HTTPS")
    a("        - IpProtocol: tcp")
    a("          FromPort: 22")
    a("          ToPort: 22")
    a(f"          CidrIp: {ssh_src}")
    a("        - IpProtocol: tcp")
    a("          FromPort: 8080")
    a("          ToPort: 8090")
    a("          SourceSecurityGroupId: !Ref LbSecurityGroup")
    a("      SecurityGroupEgress:")
    a("        - IpProtocol: tcp")
    a("          FromPort: 443")
    a("          ToPort: 443")
    a("          CidrIp: 0.0.0.0/0")
    a(f"  AppSgPostgres{i}:")
    a("    Type: AWS::EC2::SecurityGroupIngress")
    a("    Properties:")
    a(f"      GroupId: !GetAtt AppSg{i}.GroupId")
    a("      IpProtocol: tcp")
    a("      FromPort: 5432")
    a("      ToPort: 5432")
    a("      CidrIp: !If [IsProd, 10.0.0.0/8, 10.99.0.0/16]")
    a(f"  AppSgIpv6{i}:")
    a("    Type: AWS::EC2::SecurityGroupIngress")
    a("    Properties:")
    a(f"      GroupId: !Ref AppSg{i}")
    a("      IpProtocol: tcp")
    a("      FromPort: 443")
    a("      ToPort: 443")
    a("      CidrIpv6: ::/0")
    a(f"  AppSgEgressDb{i}:")
    a("    Type: AWS::EC2::SecurityGroupEgress")
    a("    Properties:")
    a(f"      GroupId: !GetAtt AppSg{i}.GroupId")
    a("      IpProtocol: tcp")
    a("      FromPort: 5432")
    a("      ToPort: 5432")
    a("      CidrIp: 10.0.0.0/8")
    a(f"  AppRole{i}:")
    a("    Type: AWS::IAM::Role")
    a("    Properties:")
    a(f"      RoleName: !Sub \"${{EnvName}}-app-{i}\"")
    a("      AssumeRolePolicyDocument:")
    a("        Version: \"2012-10-17\"")
    a("        Statement:")
    a("          - Effect: Allow")
    a(f"            Principal: {json.dumps(trust)}")
    a("            Action: sts:AssumeRole")
    a("      ManagedPolicyArns:")
    a(f"        - !Ref AppManaged{i}")
    a("        - arn:aws:iam::aws:policy/ReadOnlyAccess")
    a("      Policies:")
    a("        - PolicyName: inline")
    a("          PolicyDocument:")
    y.extend(policy_yaml(statements(i, False), 12))
    a(f"  AppManaged{i}:")
    a("    Type: AWS::IAM::ManagedPolicy")
    a("    Properties:")
    a(f"      Description: !Sub \"app {i} data access in ${{AWS::Region}}\"")
    a("      PolicyDocument:")
    y.extend(policy_yaml(statements(i, bad), 8))
    a(f"  AppExtra{i}:")
    a("    Type: AWS::IAM::Policy")
    a("    Properties:")
    a(f"      PolicyName: extra-{i}")
    a(f"      Roles: [!Ref AppRole{i}]")
    a("      PolicyDocument:")
    y.extend(policy_yaml([{"Effect": "Allow", "Action": "iam:PassRole",
                            "Resource": f"arn:aws:iam::111122223333:role/worker-{i}"}], 8))
    a(f"  Operator{i}:")
    a("    Type: AWS::IAM::User")
    a("    Properties:")
    a(f"      UserName: operator-{i}")
    a(f"  Operators{i}:")
    a("    Type: AWS::IAM::Group")
    a("    Properties:")
    a("      Policies:")
    a("        - PolicyName: describe")
    a("          PolicyDocument:")
    y.extend(policy_yaml([{"Effect": "Allow", "Action": ["ec2:Describe*"], "Resource": "*"}], 12))
    a(f"  OperatorMembership{i}:")
    a("    Type: AWS::IAM::UserToGroupAddition")
    a("    Properties:")
    a(f"      GroupName: !Ref Operators{i}")
    a(f"      Users: [!Ref Operator{i}]")
    a(f"  Nacl{i}:")
    a("    Type: AWS::EC2::NetworkAcl")
    a("    Properties:")
    a("      VpcId: !Ref VpcId")
    for n, (num, proto, lo, hi, cidr, egress) in enumerate([
            (100, 6, 443, 443, "0.0.0.0/0", "false"),
            (110, 6, 22, 22, "0.0.0.0/0" if bad else "10.0.0.0/8", "false"),
            (100, -1, None, None, "0.0.0.0/0", "true")]):
        a(f"  NaclEntry{i}x{n}:")
        a("    Type: AWS::EC2::NetworkAclEntry")
        a("    Properties:")
        a(f"      NetworkAclId: !Ref Nacl{i}")
        a(f"      RuleNumber: {num}")
        a(f"      Protocol: {proto}")
        a("      RuleAction: allow")
        a(f"      Egress: {egress}")
        a(f"      CidrBlock: {cidr}")
        if lo is not None:
            a(f"      PortRange: {{From: {lo}, To: {hi}}}")
    a(f"  Subnet{i}:")
    a("    Type: AWS::EC2::Subnet")
    a("    Properties:")
    a("      VpcId: !Ref VpcId")
    a(f"      CidrBlock: !Select [{i % 4}, !Cidr [10.0.0.0/16, 4, 12]]")
    a(f"      MapPublicIpOnLaunch: {'true' if bad else 'false'}")
    a(f"  Vault{i}:")
    a("    Type: AWS::Backup::BackupVault")
    a("    Properties:")
    a(f"      BackupVaultName: !Sub \"${{EnvName}}-vault-{i}\"")
    a("      EncryptionKeyArn: !Ref BackupKeyArn")
    a("      LockConfiguration:")
    a("        MinRetentionDays: 35")
    a(f"  Plan{i}:")
    a("    Type: AWS::Backup::BackupPlan")
    a("    Properties:")
    a("      BackupPlan:")
    a(f"        BackupPlanName: plan-{i}")
    a("        BackupPlanRule:")
    a("          - RuleName: daily")
    a(f"            TargetBackupVault: !Ref Vault{i}")
    a("            ScheduleExpression: cron(0 5 ? * * *)")
    a("            Lifecycle:")
    a(f"              DeleteAfterDays: {7 if bad else 35}")
    a(f"  Selection{i}:")
    a("    Type: AWS::Backup::BackupSelection")
    a("    Properties:")
    a(f"      BackupPlanId: !Ref Plan{i}")
    a("      BackupSelection:")
    a(f"        SelectionName: tagged-{i}")
    a("        IamRoleArn: !Sub \"arn:aws:iam::${AWS::AccountId}:role/service-role/AWSBackupDefaultServiceRole\"")
    a("        ListOfTags:")
    a("          - ConditionType: STRINGEQUALS")
    a("            ConditionKey: backup")
    a(f"            ConditionValue: unit-{i}")
    a(f"  WebAcl{i}:")
    a("    Type: AWS::WAFv2::WebACL")
    a("    Properties:")
    a("      Scope: REGIONAL")
    a("      DefaultAction: {Allow: {}}")
    a("      VisibilityConfig:")
    a("        SampledRequestsEnabled: true")
    a("        CloudWatchMetricsEnabled: true")
    a(f"        MetricName: acl-{i}")
    a("      Rules:")
    a("        - Name: common")
    a("          Priority: 0")
    a("          OverrideAction: {None: {}}")
    a("          Statement:")
    a("            ManagedRuleGroupStatement: {VendorName: AWS, Name: AWSManagedRulesCommonRuleSet}")
    a("          VisibilityConfig:")
    a("            SampledRequestsEnabled: true")
    a("            CloudWatchMetricsEnabled: true")
    a(f"            MetricName: common-{i}")
    a(f"  WebAclLogging{i}:")
    a("    Type: AWS::WAFv2::LoggingConfiguration")
    a("    Properties:")
    a(f"      ResourceArn: !GetAtt WebAcl{i}.Arn")
    a("      LogDestinationConfigs:")
    a(f"        - !Sub \"arn:aws:logs:${{AWS::Region}}:${{AWS::AccountId}}:log-group:aws-waf-logs-{i}\"")
    return y


def template(units, seed=11):
    rnd = random.Random(seed)
    y = [
        "AWSTemplateFormatVersion: \"2010-09-09\"",
        f"Description: Generated benchmark template ({units * UNIT + 1} resources)",
        "Parameters:",
        "  EnvName:",
        "    Type: String",
        "    Default: prod",
        "  VpcId:",
        "    Type: AWS::EC2::VPC::Id",
        "    Default: vpc-0a1b2c3d4e5f60718",
        "  BackupKeyArn:",
        "    Type: String",
        "    Default: arn:aws:kms:eu-west-1:111122223333:key/0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f0",
        "Conditions:",
        "  IsProd: !Equals [!Ref EnvName, prod]",
        "Resources:",
        "  LbSecurityGroup:",
        "    Type: AWS::EC2::SecurityGroup",
        "    Properties:",
        "      GroupDescription: load balancer",
        "      VpcId: !Ref VpcId",
    ]
    for i in range(units):
        y.extend(cfn_unit(i, rnd))
    return "\n".join(y) + "\n"


# --------------------------------------------------------------------------
# Terraform plan
# --------------------------------------------------------------------------

PROVIDER = "registry.terraform.io/hashicorp/aws"


def tf_resources(i, rnd):
    """(type, name, values, unknown attrs, references {attr: [addresses]}) of one unit."""
    bad = rnd.random() < 0.125
    sg = f"app_{i}"
    pol = json.dumps({"Version": "2012-10-17", "Statement": statements(i, bad)})
    trust = json.dumps({"Version": "2012-10-17", "Statement": [{
        "Effect": "Allow", "Action": "sts:AssumeRole",
        "Principal": {"AWS": "*"} if bad else {"Service": "ec2.amazonaws.com"}}]})
    rule = {"description": "", "ipv6_cidr_blocks": [], "prefix_list_ids": [], "security_groups": [], "self": False}
    out = [
        ("aws_security_group", sg, {
            "name": f"app-{i}", "description": f"app {i}", "revoke_rules_on_delete": False, "tags": {"unit": str(i)},
            "vpc_id": "vpc-0a1b2c3d4e5f60718", "timeouts": None,
            "ingress": [dict(rule, cidr_blocks=["0.0.0.0/0"], from_port=443, to_port=443, protocol="tcp"),
                        dict(rule, cidr_blocks=["0.0.0.0/0" if bad else "10.20.0.0/16"], from_port=22, to_port=22,
                             protocol="tcp")],
            "egress": [dict(rule, cidr_blocks=["0.0.0.0/0"], from_port=0, to_port=0, protocol="-1")]},
         ["id", "arn", "owner_id"], {}),
        ("aws_security_group", f"{sg}_db", {
            "name": f"app-{i}-db", "description": f"app {i} database clients", "revoke_rules_on_delete": False,
            "tags": {"unit": str(i)}, "vpc_id": "vpc-0a1b2c3d4e5f60718", "timeouts": None,
            "ingress": [], "egress": []},
         ["id", "arn", "owner_id"], {}),
        ("aws_vpc_security_group_ingress_rule", f"{sg}_postgres", {
            "cidr_ipv4": "10.0.0.0/8", "from_port": 5432, "to_port": 5432, "ip_protocol": "tcp",
            "description": "postgres", "tags": None, "cidr_ipv6": None, "prefix_list_id": None,
            "referenced_security_group_id": None},
         ["id", "arn", "security_group_id", "security_group_rule_id"],
         {"security_group_id": [f"aws_security_group.{sg}_db.id", f"aws_security_group.{sg}_db"]}),
        ("aws_security_group_rule", f"{sg}_lb", {
            "type": "ingress", "from_port": 8080, "to_port": 8090, "protocol": "tcp", "cidr_blocks": None,
            "ipv6_cidr_blocks": None, "prefix_list_ids": None, "self": False, "description": "from lb"},
         ["id", "security_group_id", "source_security_group_id", "security_group_rule_id"],
         {"security_group_id": [f"aws_security_group.{sg}_db.id", f"aws_security_group.{sg}_db"],
          "source_security_group_id": ["aws_security_group.lb.id", "aws_security_group.lb"]}),
        ("aws_vpc_security_group_egress_rule", f"{sg}_db", {
            "cidr_ipv4": "10.0.0.0/8", "from_port": 5432, "to_port": 5432, "ip_protocol": "tcp",
            "description": None, "tags": None, "cidr_ipv6": None, "prefix_list_id": None,
            "referenced_security_group_id": None},
         ["id", "arn", "security_group_id", "security_group_rule_id"],
         {"security_group_id": [f"aws_security_group.{sg}_db.id", f"aws_security_group.{sg}_db"]}),
        ("aws_iam_role", f"app_{i}", {
            "name": f"app-{i}", "path": "/", "assume_role_policy": trust, "description": None,
            "force_detach_policies": False, "max_session_duration": 3600, "permissions_boundary": None,
            "tags": None},
         ["id", "arn", "unique_id", "create_date", "managed_policy_arns", "inline_policy"], {}),
        ("aws_iam_role_policy", f"app_{i}_inline", {
            "name": "inline", "policy": json.dumps({"Version": "2012-10-17", "Statement": statements(i, False)})},
         ["id", "role"], {"role": [f"aws_iam_role.app_{i}.id", f"aws_iam_role.app_{i}"]}),
        ("aws_iam_policy", f"app_{i}", {"name": f"app-{i}", "path": "/", "description": "app data access",
                                        "policy": pol, "tags": None},
         ["id", "arn", "policy_id", "attachment_count"], {}),
        ("aws_iam_role_policy_attachment", f"app_{i}", {},
         ["id", "role", "policy_arn"], {"role": [f"aws_iam_role.app_{i}.name", f"aws_iam_role.app_{i}"],
                                        "policy_arn": [f"aws_iam_policy.app_{i}.arn", f"aws_iam_policy.app_{i}"]}),
        ("aws_iam_role_policy_attachment", f"app_{i}_readonly",
         {"policy_arn": "arn:aws:iam::aws:policy/ReadOnlyAccess"},
         ["id", "role"], {"role": [f"aws_iam_role.app_{i}.name", f"aws_iam_role.app_{i}"]}),
        ("aws_iam_user", f"operator_{i}", {"name": f"operator-{i}", "path": "/", "force_destroy": False,
                                            "permissions_boundary": None, "tags": None},
         ["id", "arn", "unique_id"], {}),
        ("aws_iam_group", f"operators_{i}", {"name": f"operators-{i}", "path": "/"}, ["id", "arn", "unique_id"], {}),
        ("aws_iam_group_policy", f"operators_{i}", {
            "name": "describe", "policy": json.dumps({"Version": "2012-10-17", "Statement": [
                {"Effect": "Allow", "Action": ["ec2:Describe*"], "Resource": "*"}]})},
         ["id", "group"], {"group": [f"aws_iam_group.operators_{i}.name", f"aws_iam_group.operators_{i}"]}),
        ("aws_iam_user_group_membership", f"operator_{i}", {},
         ["id", "user", "groups"], {"user": [f"aws_iam_user.operator_{i}.name", f"aws_iam_user.operator_{i}"],
                                    "groups": [f"aws_iam_group.operators_{i}.name", f"aws_iam_group.operators_{i}"]}),
        ("aws_network_acl", f"app_{i}", {"vpc_id": "vpc-0a1b2c3d4e5f60718", "tags": None},
         ["id", "arn", "owner_id", "ingress", "egress", "subnet_ids"], {}),
        ("aws_network_acl_rule", f"app_{i}_https", {
            "rule_number": 100, "egress": False, "protocol": "6", "rule_action": "allow",
            "cidr_block": "0.0.0.0/0", "from_port": 443, "to_port": 443, "icmp_code": None, "icmp_type": None,
            "ipv6_cidr_block": None},
         ["id", "network_acl_id"], {"network_acl_id": [f"aws_network_acl.app_{i}.id", f"aws_network_acl.app_{i}"]}),
        ("aws_network_acl_rule", f"app_{i}_ssh", {
            "rule_number": 110, "egress": False, "protocol": "6", "rule_action": "allow",
            "cidr_block": "0.0.0.0/0" if bad else "10.0.0.0/8", "from_port": 22, "to_port": 22, "icmp_code": None,
            "icmp_type": None, "ipv6_cidr_block": None},
         ["id", "network_acl_id"], {"network_acl_id": [f"aws_network_acl.app_{i}.id", f"aws_network_acl.app_{i}"]}),
        ("aws_subnet", f"app_{i}", {"vpc_id": "vpc-0a1b2c3d4e5f60718", "cidr_block": f"10.{i // 250}.{i % 250}.0/24",
                                    "map_public_ip_on_launch": bad, "assign_ipv6_address_on_creation": False},
         ["id", "arn", "owner_id", "availability_zone", "availability_zone_id"], {}),
        ("aws_backup_vault", f"app_{i}", {"name": f"vault-{i}", "force_destroy": False, "tags": None,
                                          "kms_key_arn": "arn:aws:kms:eu-west-1:111122223333:key/0f1e2d3c"},
         ["id", "arn", "recovery_points"], {}),
        ("aws_backup_plan", f"app_{i}", {
            "name": f"plan-{i}", "advanced_backup_setting": [], "tags": None,
            "rule": [{"rule_name": "daily", "schedule": "cron(0 5 ? * * *)", "start_window": 60,
                      "completion_window": 180, "enable_continuous_backup": False, "copy_action": [],
                      "recovery_point_tags": None,
                      "lifecycle": [{"delete_after": 7 if bad else 35, "cold_storage_after": None,
                                     "opt_in_to_archive_for_supported_resources": None}]}]},
         ["id", "arn", "version", "rule[0].target_vault_name"],
         {"rule.target_vault_name": [f"aws_backup_vault.app_{i}.name", f"aws_backup_vault.app_{i}"]}),
        ("aws_backup_selection", f"app_{i}", {
            "name": f"tagged-{i}", "iam_role_arn": "arn:aws:iam::111122223333:role/service-role/AWSBackupDefaultServiceRole",
            "resources": None, "not_resources": None,
            "selection_tag": [{"type": "STRINGEQUALS", "key": "backup", "value": f"unit-{i}"}], "condition": []},
         ["id", "plan_id"], {"plan_id": [f"aws_backup_plan.app_{i}.id", f"aws_backup_plan.app_{i}"]}),
    ]
    return out


def after_unknown(paths):
    """`after_unknown` of a change: {"id": true} for a top-level attribute,
    {"rule": [{"target_vault_name": true}]} for "rule[0].target_vault_name"."""
    out = {}
    for p in paths:
        if "[" in p:
            block, rest = p.split("[", 1)
            idx, attr = rest.split("].", 1)
            items = out.setdefault(block, [])
            while len(items) <= int(idx):
                items.append({})
            items[int(idx)][attr] = True
        else:
            out[p] = True
    return out


def plan(units, seed=11):
    rnd = random.Random(seed)
    resources, changes, config = [], [], []
    lb = ("aws_security_group", "lb", {"name": "lb", "description": "load balancer", "ingress": [], "egress": [],
                                       "revoke_rules_on_delete": False, "tags": None, "timeouts": None,
                                       "vpc_id": "vpc-0a1b2c3d4e5f60718"}, ["id", "arn", "owner_id"], {})
    items = [lb]
    for i in range(units):
        items.extend(tf_resources(i, rnd))
    for rtype, name, values, unknown, refs in items:
        address = f"{rtype}.{name}"
        resources.append({"address": address, "mode": "managed", "type": rtype, "name": name,
                          "provider_name": PROVIDER, "schema_version": 0, "values": values,
                          "sensitive_values": {}})
        changes.append({"address": address, "mode": "managed", "type": rtype, "name": name,
                        "provider_name": PROVIDER, "change": {
                            "actions": ["create"], "before": None, "after": values,
                            "after_unknown": after_unknown(unknown),
                            "before_sensitive": False, "after_sensitive": {}}})
        exprs = {}
        for k, v in values.items():
            if isinstance(v, list) and v and all(isinstance(x, dict) for x in v):
                # A nested block: one expression map per block.
                exprs[k] = [{kk: {"constant_value": vv} for kk, vv in x.items() if vv is not None} for x in v]
            elif v is not None and v != []:
                exprs[k] = {"constant_value": v}
        for attr, ref in refs.items():
            exprs[attr.split(".")[0]] = {"references": ref}
        config.append({"address": address, "mode": "managed", "type": rtype, "name": name,
                       "provider_config_key": "aws", "expressions": exprs, "schema_version": 0})
    return {
        "format_version": "1.2", "terraform_version": "1.9.5",
        "planned_values": {"root_module": {"resources": resources}},
        "resource_changes": changes,
        "configuration": {"provider_config": {"aws": {"name": "aws", "full_name": PROVIDER, "expressions": {
            "region": {"constant_value": "eu-west-1"}}}}, "root_module": {"resources": config}},
    }


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--resources", type=int, default=10000)
    ap.add_argument("--out", type=Path, default=Path(os.environ.get("TMPDIR", "/tmp")))
    args = ap.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)
    cfn = args.out / f"large-{args.resources}.yaml"
    cfn.write_text(template(max(1, -(-args.resources // UNIT))))
    tf = args.out / f"large-{args.resources}.tfplan.json"
    tf.write_text(json.dumps(plan(max(1, -(-args.resources // TF_UNIT))), indent=2) + "\n")
    print(cfn)
    print(tf)


if __name__ == "__main__":
    main()
