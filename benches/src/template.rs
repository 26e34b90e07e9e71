//! A generated CloudFormation template of a given number of resources, in
//! YAML with short-form tags: security groups with inline rules (some open),
//! standalone ingress rules referencing them, roles with inline policies,
//! customer managed policies attached to the roles, network ACLs with
//! entries, users with an AWS managed policy, and buckets no rule covers. Every tenth unit violates a rule.

use std::fmt::Write as _;

/// Resources per generated unit (see [`synthetic_template`]).
const PER_UNIT: usize = 10;

/// A template of about `resources` resources (rounded up to whole units of
/// ten): each unit is a security group, two standalone ingress rules, a
/// role, a managed policy, a network ACL with two entries, a bucket and a
/// user.
pub fn synthetic_template(resources: usize) -> String {
    let units = resources.div_ceil(PER_UNIT);
    let mut t = String::with_capacity(units * 2_400);
    t.push_str("AWSTemplateFormatVersion: \"2010-09-09\"\nDescription: generated benchmark template\nParameters:\n  AdminCidr:\n    Type: String\n    Default: 10.0.0.0/8\n  Env:\n    Type: String\n    Default: prod\nConditions:\n  IsProd: !Equals [!Ref Env, prod]\nResources:\n");
    for i in 0..units {
        let open = i % 10 == 0;
        let cidr = if open { "0.0.0.0/0" } else { "10.20.0.0/16" };
        let action = if open { "\"*\"" } else { "s3:GetObject" };
        let _ = write!(
            t,
            r#"  Sg{i}:
    Type: AWS::EC2::SecurityGroup
    Properties:
      GroupDescription: !Sub "unit ${{Env}} {i}"
      VpcId: vpc-0123456789abcdef0
      SecurityGroupIngress:
        - IpProtocol: tcp
          FromPort: 443
          ToPort: 443
          CidrIp: {cidr}
        - IpProtocol: tcp
          FromPort: 22
          ToPort: 22
          CidrIp: !Ref AdminCidr
  SgIn{i}a:
    Type: AWS::EC2::SecurityGroupIngress
    Properties:
      GroupId: !GetAtt Sg{i}.GroupId
      IpProtocol: tcp
      FromPort: 5432
      ToPort: 5432
      SourceSecurityGroupId: !Ref Sg{i}
  SgIn{i}b:
    Type: AWS::EC2::SecurityGroupIngress
    Condition: IsProd
    Properties:
      GroupId: !Ref Sg{i}
      IpProtocol: "-1"
      CidrIp: !If [IsProd, 10.30.0.0/16, {cidr}]
  Role{i}:
    Type: AWS::IAM::Role
    Properties:
      RoleName: !Sub "app-${{Env}}-{i}"
      AssumeRolePolicyDocument:
        Version: "2012-10-17"
        Statement:
          - Effect: Allow
            Principal:
              Service: ec2.amazonaws.com
            Action: sts:AssumeRole
      Policies:
        - PolicyName: app
          PolicyDocument:
            Version: "2012-10-17"
            Statement:
              - Effect: Allow
                Action: {action}
                Resource: !Sub "arn:${{AWS::Partition}}:s3:::bucket-{i}/*"
  Policy{i}:
    Type: AWS::IAM::ManagedPolicy
    Properties:
      Roles: [!Ref Role{i}]
      PolicyDocument:
        Version: "2012-10-17"
        Statement:
          - Effect: Allow
            Action: [logs:CreateLogStream, logs:PutLogEvents]
            Resource: "*"
  Acl{i}:
    Type: AWS::EC2::NetworkAcl
    Properties:
      VpcId: vpc-0123456789abcdef0
  AclIn{i}:
    Type: AWS::EC2::NetworkAclEntry
    Properties:
      NetworkAclId: !Ref Acl{i}
      RuleNumber: 100
      Protocol: 6
      RuleAction: allow
      CidrBlock: {cidr}
      PortRange: {{From: 3389, To: 3389}}
  AclOut{i}:
    Type: AWS::EC2::NetworkAclEntry
    Properties:
      NetworkAclId: !Ref Acl{i}
      RuleNumber: 100
      Egress: true
      Protocol: -1
      RuleAction: allow
      CidrBlock: 10.0.0.0/8
  Bucket{i}:
    Type: AWS::S3::Bucket
  User{i}:
    Type: AWS::IAM::User
    Properties:
      UserName: !Sub "svc-${{Env}}-{i}"
      ManagedPolicyArns:
        - !Sub "arn:${{AWS::Partition}}:iam::aws:policy/ReadOnlyAccess"
"#
        );
    }
    t
}
