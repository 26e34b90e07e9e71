#!/usr/bin/env python3
"""Extra cases for the accuracy comparison, added on top of fixtures/moto/seed.py.

Usage: seed_cases.py ENDPOINT_URL

fixtures/moto/seed.py is the account the collector tests assert on, so it stays
as it is; these resources exist only in the accuracy run. Each one is a case of
issue 10 that both Palisade and Prowler can judge through an FSBP or CIS control
(the other items are either not mapped by Prowler or need data moto cannot
produce, such as a root row in the credential report or Firewall Manager ACLs):

IAM (global)
  - dave: AWSSupportAccess attached to the user, no role has it (item 7:
    CIS 2.16 / FSBP IAM.18 require a role)
  - customer policy UnattachedAdmin ("Action": "*" on "*"), attached to nothing
    (item 26: FSBP IAM.1 judges customer managed policies attached or not)
EC2 (us-east-1)
  - managed prefix list "anywhere" holding 0.0.0.0/0; security group
    "via-prefix-list" in the seeded VPC allows TCP 22 from it (item 15: a
    prefix list is as open as its entries)
"""
import json
import sys

import boto3

ENDPOINT = sys.argv[1]


def client(service, region="us-east-1"):
    return boto3.client(
        service,
        region_name=region,
        endpoint_url=ENDPOINT,
        aws_access_key_id="testing",
        aws_secret_access_key="testing",
    )


def seed_iam():
    iam = client("iam")
    iam.create_user(UserName="dave")
    iam.attach_user_policy(UserName="dave", PolicyArn="arn:aws:iam::aws:policy/AWSSupportAccess")
    iam.create_policy(
        PolicyName="UnattachedAdmin",
        PolicyDocument=json.dumps(
            {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}]}
        ),
    )


def seed_ec2():
    ec2 = client("ec2", "us-east-1")
    vpc = ec2.describe_vpcs(Filters=[{"Name": "cidr", "Values": ["10.20.0.0/16"]}])["Vpcs"][0]["VpcId"]
    pl = ec2.create_managed_prefix_list(
        PrefixListName="anywhere",
        AddressFamily="IPv4",
        MaxEntries=5,
        Entries=[{"Cidr": "0.0.0.0/0", "Description": "everyone"}],
    )["PrefixList"]["PrefixListId"]
    sg = ec2.create_security_group(GroupName="via-prefix-list", Description="ssh via a prefix list", VpcId=vpc)[
        "GroupId"
    ]
    ec2.authorize_security_group_ingress(
        GroupId=sg,
        IpPermissions=[{"IpProtocol": "tcp", "FromPort": 22, "ToPort": 22, "PrefixListIds": [{"PrefixListId": pl}]}],
    )


def main():
    seed_iam()
    seed_ec2()
    print("seeded accuracy cases", ENDPOINT)


if __name__ == "__main__":
    main()
