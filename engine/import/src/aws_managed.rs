//! AWS managed policies the rules judge by content or by name, with their
//! published documents (the default versions AWS publishes; AWS updates
//! them, and a newer version may grant more). A template or plan that
//! attaches one of them gets it as a [`ManagedPolicy`] of the account, as
//! a live collection does (the collector reads the documents of the AWS
//! managed policies something uses), so the graph judges its statements
//! and its name (`iam-full-access-policy-attached`, the escalation rules,
//! `iam-policy-full-admin`).
//!
//! Any other AWS managed policy is not added: the attachment still names
//! its ARN (the account's attached AWS managed policy names include it),
//! but the graph has no document for it and judges no statement of it.

use palisade_model::iam::ManagedPolicy;
use palisade_model::policy::PolicyDocument;

use crate::emit::Emit;
use crate::value::Pos;

/// (name after `policy/`, default version, document) of each AWS managed
/// policy the rules judge: the administrative ones the escalation rules
/// name (`ADMIN_AWS_MANAGED_POLICIES` of the evaluator) and
/// AWSCloudShellFullAccess.
const KNOWN: &[(&str, &str, &str)] = &[
    (
        "AdministratorAccess",
        "v1",
        r#"{
 "Statement": [
  {
   "Action": "*",
   "Effect": "Allow",
   "Resource": "*"
  }
 ],
 "Version": "2012-10-17"
}"#,
    ),
    (
        "PowerUserAccess",
        "v12",
        r#"{
 "Statement": [
  {
   "Effect": "Allow",
   "NotAction": [
    "iam:*",
    "organizations:*",
    "account:*"
   ],
   "Resource": "*"
  },
  {
   "Action": [
    "account:GetAccountInformation",
    "account:GetGovCloudAccountInformation",
    "account:GetPrimaryEmail",
    "account:ListRegions",
    "iam:CreateServiceLinkedRole",
    "iam:DeleteServiceLinkedRole",
    "iam:ListRoles",
    "organizations:DescribeEffectivePolicy",
    "organizations:DescribeOrganization"
   ],
   "Effect": "Allow",
   "Resource": "*"
  }
 ],
 "Version": "2012-10-17"
}"#,
    ),
    (
        "IAMFullAccess",
        "v2",
        r#"{
 "Statement": [
  {
   "Action": [
    "iam:*",
    "organizations:DescribeAccount",
    "organizations:DescribeOrganization",
    "organizations:DescribeOrganizationalUnit",
    "organizations:DescribePolicy",
    "organizations:ListChildren",
    "organizations:ListParents",
    "organizations:ListPoliciesForTarget",
    "organizations:ListRoots",
    "organizations:ListPolicies",
    "organizations:ListTargetsForPolicy"
   ],
   "Effect": "Allow",
   "Resource": "*"
  }
 ],
 "Version": "2012-10-17"
}"#,
    ),
    (
        "AWSCloudShellFullAccess",
        "v1",
        r#"{
 "Statement": [
  {
   "Action": [
    "cloudshell:*"
   ],
   "Effect": "Allow",
   "Resource": "*"
  }
 ],
 "Version": "2012-10-17"
}"#,
    ),
    (
        "job-function/SystemAdministrator",
        "v12",
        r#"{
 "Statement": [
  {
   "Action": [
    "acm:Describe*",
    "acm:Get*",
    "acm:List*",
    "acm:Request*",
    "acm:Resend*",
    "autoscaling:*",
    "cloudtrail:DescribeTrails",
    "cloudtrail:GetTrailStatus",
    "cloudtrail:ListPublicKeys",
    "cloudtrail:ListTags",
    "cloudtrail:LookupEvents",
    "cloudtrail:StartLogging",
    "cloudtrail:StopLogging",
    "cloudwatch:*",
    "codecommit:BatchGetRepositories",
    "codecommit:CreateBranch",
    "codecommit:CreateRepository",
    "codecommit:Get*",
    "codecommit:GitPull",
    "codecommit:GitPush",
    "codecommit:List*",
    "codecommit:Put*",
    "codecommit:Test*",
    "codecommit:Update*",
    "codedeploy:*",
    "codepipeline:*",
    "config:*",
    "ds:*",
    "ec2:Allocate*",
    "ec2:AssignPrivateIpAddresses*",
    "ec2:Associate*",
    "ec2:Allocate*",
    "ec2:AttachInternetGateway",
    "ec2:AttachNetworkInterface",
    "ec2:AttachVpnGateway",
    "ec2:Bundle*",
    "ec2:Cancel*",
    "ec2:Copy*",
    "ec2:CreateCustomerGateway",
    "ec2:CreateDhcpOptions",
    "ec2:CreateFlowLogs",
    "ec2:CreateImage",
    "ec2:CreateInstanceExportTask",
    "ec2:CreateInternetGateway",
    "ec2:CreateKeyPair",
    "ec2:CreateLaunchTemplate",
    "ec2:CreateLaunchTemplateVersion",
    "ec2:CreateNatGateway",
    "ec2:CreateNetworkInterface",
    "ec2:CreatePlacementGroup",
    "ec2:CreateReservedInstancesListing",
    "ec2:CreateRoute",
    "ec2:CreateRouteTable",
    "ec2:CreateSecurityGroup",
    "ec2:CreateSnapshot",
    "ec2:CreateSpotDatafeedSubscription",
    "ec2:CreateSubnet",
    "ec2:CreateTags",
    "ec2:CreateVolume",
    "ec2:CreateVpc",
    "ec2:CreateVpcEndpoint",
    "ec2:CreateVpnConnection",
    "ec2:CreateVpnConnectionRoute",
    "ec2:CreateVpnGateway",
    "ec2:DeleteFlowLogs",
    "ec2:DeleteKeyPair",
    "ec2:DeleteLaunchTemplate",
    "ec2:DeleteLaunchTemplateVersions",
    "ec2:DeleteNatGateway",
    "ec2:DeleteNetworkInterface",
    "ec2:DeletePlacementGroup",
    "ec2:DeleteSnapshot",
    "ec2:DeleteSpotDatafeedSubscription",
    "ec2:DeleteSubnet",
    "ec2:DeleteTags",
    "ec2:DeleteVpc",
    "ec2:DeleteVpcEndpoints",
    "ec2:DeleteVpnConnection",
    "ec2:DeleteVpnConnectionRoute",
    "ec2:DeleteVpnGateway",
    "ec2:DeregisterImage",
    "ec2:Describe*",
    "ec2:DetachInternetGateway",
    "ec2:DetachNetworkInterface",
    "ec2:DetachVpnGateway",
    "ec2:DisableVgwRoutePropagation",
    "ec2:DisableVpcClassicLinkDnsSupport",
    "ec2:DisassociateAddress",
    "ec2:DisassociateRouteTable",
    "ec2:EnableVgwRoutePropagation",
    "ec2:EnableVolumeIO",
    "ec2:EnableVpcClassicLinkDnsSupport",
    "ec2:GetConsoleOutput",
    "ec2:GetHostReservationPurchasePreview",
    "ec2:GetLaunchTemplateData",
    "ec2:GetPasswordData",
    "ec2:GetSecurityGroupsForVpc",
    "ec2:Import*",
    "ec2:Modify*",
    "ec2:MonitorInstances",
    "ec2:MoveAddressToVpc",
    "ec2:Purchase*",
    "ec2:RegisterImage",
    "ec2:Release*",
    "ec2:Replace*",
    "ec2:ReportInstanceStatus",
    "ec2:Request*",
    "ec2:Reset*",
    "ec2:RestoreAddressToClassic",
    "ec2:RunScheduledInstances",
    "ec2:UnassignPrivateIpAddresses",
    "ec2:UnmonitorInstances",
    "ec2:UpdateSecurityGroupRuleDescriptionsEgress",
    "ec2:UpdateSecurityGroupRuleDescriptionsIngress",
    "elasticloadbalancing:*",
    "events:*",
    "iam:GetAccount*",
    "iam:GetContextKeys*",
    "iam:GetCredentialReport",
    "iam:ListAccountAliases",
    "iam:ListGroups",
    "iam:ListOpenIDConnectProviders",
    "iam:ListPolicies",
    "iam:ListPoliciesGrantingServiceAccess",
    "iam:ListRoles",
    "iam:ListSAMLProviders",
    "iam:ListServerCertificates",
    "iam:Simulate*",
    "iam:UpdateServerCertificate",
    "iam:UpdateSigningCertificate",
    "kinesis:ListStreams",
    "kinesis:PutRecord",
    "kms:CreateAlias",
    "kms:CreateKey",
    "kms:DeleteAlias",
    "kms:Describe*",
    "kms:GenerateRandom",
    "kms:Get*",
    "kms:List*",
    "kms:Encrypt",
    "kms:ReEncrypt*",
    "lambda:Create*",
    "lambda:Delete*",
    "lambda:Get*",
    "lambda:InvokeFunction",
    "lambda:List*",
    "lambda:PublishVersion",
    "lambda:Update*",
    "logs:*",
    "rds:Describe*",
    "rds:ListTagsForResource",
    "rolesanywhere:GetCrl",
    "rolesanywhere:GetProfile",
    "rolesanywhere:GetSubject",
    "rolesanywhere:GetTrustAnchor",
    "rolesanywhere:ListCrls",
    "rolesanywhere:ListProfiles",
    "rolesanywhere:ListSubjects",
    "rolesanywhere:ListTagsForResource",
    "rolesanywhere:ListTrustAnchors",
    "rolesanywhere:PutNotificationSettings",
    "rolesanywhere:ResetNotificationSettings",
    "route53:*",
    "route53domains:*",
    "ses:*",
    "sns:*",
    "sqs:*",
    "trustedadvisor:*"
   ],
   "Effect": "Allow",
   "Resource": "*"
  },
  {
   "Action": [
    "ec2:AcceptVpcPeeringConnection",
    "ec2:AttachClassicLinkVpc",
    "ec2:AttachVolume",
    "ec2:AuthorizeSecurityGroupEgress",
    "ec2:AuthorizeSecurityGroupIngress",
    "ec2:CreateVpcPeeringConnection",
    "ec2:DeleteCustomerGateway",
    "ec2:DeleteDhcpOptions",
    "ec2:DeleteInternetGateway",
    "ec2:DeleteNetworkAcl*",
    "ec2:DeleteRoute",
    "ec2:DeleteRouteTable",
    "ec2:DeleteSecurityGroup",
    "ec2:DeleteVolume",
    "ec2:DeleteVpcPeeringConnection",
    "ec2:DetachClassicLinkVpc",
    "ec2:DetachVolume",
    "ec2:DisableVpcClassicLink",
    "ec2:EnableVpcClassicLink",
    "ec2:GetConsoleScreenshot",
    "ec2:RebootInstances",
    "ec2:RejectVpcPeeringConnection",
    "ec2:RevokeSecurityGroupEgress",
    "ec2:RevokeSecurityGroupIngress",
    "ec2:RunInstances",
    "ec2:StartInstances",
    "ec2:StopInstances",
    "ec2:TerminateInstances"
   ],
   "Effect": "Allow",
   "Resource": [
    "*"
   ]
  },
  {
   "Action": "s3:*",
   "Effect": "Allow",
   "Resource": [
    "*"
   ]
  },
  {
   "Action": [
    "iam:GetAccessKeyLastUsed",
    "iam:GetGroup*",
    "iam:GetInstanceProfile",
    "iam:GetLoginProfile",
    "iam:GetOpenIDConnectProvider",
    "iam:GetPolicy*",
    "iam:GetRole*",
    "iam:GetSAMLProvider",
    "iam:GetSSHPublicKey",
    "iam:GetServerCertificate",
    "iam:GetServiceLastAccessed*",
    "iam:GetUser*",
    "iam:ListAccessKeys",
    "iam:ListAttached*",
    "iam:ListEntitiesForPolicy",
    "iam:ListGroupPolicies",
    "iam:ListGroupsForUser",
    "iam:ListInstanceProfiles*",
    "iam:ListMFADevices",
    "iam:ListPolicyVersions",
    "iam:ListRolePolicies",
    "iam:ListSSHPublicKeys",
    "iam:ListSigningCertificates",
    "iam:ListUserPolicies",
    "iam:Upload*"
   ],
   "Effect": "Allow",
   "Resource": [
    "*"
   ]
  },
  {
   "Action": [
    "iam:GetRole",
    "iam:ListRoles",
    "iam:PassRole"
   ],
   "Effect": "Allow",
   "Resource": [
    "arn:aws:iam::*:role/rds-monitoring-role",
    "arn:aws:iam::*:role/ec2-sysadmin-*",
    "arn:aws:iam::*:role/ecr-sysadmin-*",
    "arn:aws:iam::*:role/lambda-sysadmin-*"
   ]
  }
 ],
 "Version": "2012-10-17"
}"#,
    ),
];

/// Adds AWS managed policy `arn` (any partition) to the account with its
/// document when it is one the rules judge and is not there yet. For any
/// other ARN it adds nothing: the attachment that names it is then judged
/// by name only (the graph does not judge its content).
pub fn ensure(e: &mut Emit, arn: &str) {
    let Some((_, rest)) = arn.split_once(":iam::aws:policy/") else {
        return;
    };
    let Some((_, version, doc)) = KNOWN.iter().find(|(name, _, _)| *name == rest) else {
        return;
    };
    if e.account.iam.policies.iter().any(|p| p.arn == arn) {
        return;
    }
    let (path, name) = match rest.rsplit_once('/') {
        Some((dir, name)) => (format!("/{dir}/"), name),
        None => ("/".to_owned(), rest),
    };
    e.account.iam.policies.push(ManagedPolicy {
        arn: arn.to_owned(),
        name: name.to_owned(),
        path,
        default_version_id: Some((*version).to_owned()),
        attachment_count: 0,
        permissions_boundary_usage_count: Some(0),
        document: PolicyDocument::read_text(doc),
    });
}

/// The id the graph gives AWS managed policy `arn` in `account` (scoped to
/// the file: AWS managed policies share one ARN everywhere).
pub fn graph_id(account: &palisade_model::Account, arn: &str) -> String {
    account.aws_managed_policy_id(arn)
}

/// Locates AWS managed policy `arn` (its graph id, so its statements too)
/// at `pos`, where the template or plan attaches it: findings on the
/// policy point at the attachment. The first attachment wins.
pub fn locate(e: &mut Emit, arn: &str, pos: Pos) {
    let id = graph_id(&e.account, arn);
    e.locate(&id, pos);
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Options;
    use palisade_model::Origin;

    fn emit() -> Emit {
        Emit::new("t.yaml", Origin::Cloudformation, &Options::default(), None)
    }

    #[test]
    fn judged_policies_get_their_documents() {
        let mut e = emit();
        for name in [
            "AdministratorAccess",
            "PowerUserAccess",
            "IAMFullAccess",
            "AWSCloudShellFullAccess",
            "job-function/SystemAdministrator",
        ] {
            ensure(&mut e, &format!("arn:aws:iam::aws:policy/{name}"));
        }
        let p = &e.account.iam.policies;
        assert_eq!(p.len(), 5);
        assert!(p
            .iter()
            .all(|p| p.is_aws_managed() && p.document.unreadable.is_none()));
        assert_eq!(p[0].document.statements[0].action, ["*"]);
        assert_eq!(
            p[1].document.statements[0].not_action,
            ["iam:*", "organizations:*", "account:*"]
        );
        assert_eq!(
            (p[4].name.as_str(), p[4].path.as_str()),
            ("SystemAdministrator", "/job-function/")
        );
        assert_eq!(p[3].document.statements[0].action, ["cloudshell:*"]);
    }

    #[test]
    fn others_are_not_added_and_nothing_twice() {
        let mut e = emit();
        ensure(&mut e, "arn:aws:iam::aws:policy/ReadOnlyAccess");
        ensure(
            &mut e,
            "arn:aws:iam::123456789012:policy/AdministratorAccess",
        );
        assert!(e.account.iam.policies.is_empty());
        ensure(&mut e, "arn:aws-us-gov:iam::aws:policy/AdministratorAccess");
        ensure(&mut e, "arn:aws-us-gov:iam::aws:policy/AdministratorAccess");
        assert_eq!(e.account.iam.policies.len(), 1);
        locate(
            &mut e,
            "arn:aws-us-gov:iam::aws:policy/AdministratorAccess",
            Pos { line: 7, column: 9 },
        );
        let l = &e.account.locations["t.yaml#arn:aws-us-gov:iam::aws:policy/AdministratorAccess"];
        assert_eq!(l.line, 7);
    }
}
