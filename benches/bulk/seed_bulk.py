#!/usr/bin/env python3
"""Seed a moto server with a bulk account: many IAM users, roles, managed
policies and security groups, for the side-by-side speed comparison in
benches/bulk/compare.sh.

Usage: seed_bulk.py ENDPOINT_URL [--users N] [--roles N] [--policies N]
                    [--groups N] [--sgs N] [--region R] [--threads N]

Everything is deterministic (resource i gets the same features on every run):

IAM (global)
  - --policies customer managed policies (every 7th allows "*:*"), each at
    path /bulk/
  - --groups groups, each with one attached customer policy and (every 3rd)
    an inline policy
  - --users users, each with one inline policy and one attached customer
    policy, in one group; every 2nd has an access key (every 10th two, one
    of them inactive), every 3rd a console password, every 5th a virtual
    MFA device
  - --roles roles, half trusting ec2.amazonaws.com (with an instance
    profile), a quarter trusting another account (every 8th without
    sts:ExternalId), the rest lambda.amazonaws.com; each with one attached
    customer policy and (every 2nd) an inline policy
EC2 (--region)
  - --sgs security groups in the default VPC with varied ingress: every 4th
    opens 22 to 0.0.0.0/0, every 6th 3389 to ::/0, every 5th a port range
    from a private CIDR, the rest 443 from another group; each with a tag

Seeding is done on --threads threads (moto's server answers concurrently):
the defaults take about 90 s on two cores.
Only ENDPOINT_URL (a local moto server) is contacted.
"""
import argparse
import json
import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor

import boto3
import botocore.exceptions
import botocore.parsers

ACCOUNT = "123456789012"
OTHER_ACCOUNT = "999999999999"
_local = threading.local()


class Retrying:
    """A boto3 client whose calls are retried when moto answers with an
    HTML 500 (its server is not thread-safe everywhere: "dictionary changed
    size during iteration"); a create that did land before the error is
    taken as done."""

    def __init__(self, inner):
        self.inner = inner

    def __getattr__(self, name):
        method = getattr(self.inner, name)

        def call(**kwargs):
            for attempt in range(8):
                try:
                    return method(**kwargs)
                except botocore.parsers.ResponseParserError:
                    time.sleep(0.05 * (attempt + 1))
                except botocore.exceptions.ClientError as e:
                    code = e.response.get("Error", {}).get("Code", "")
                    if attempt and code in ("EntityAlreadyExists", "InvalidGroup.Duplicate", "InvalidPermission.Duplicate"):
                        return None
                    raise
            return method(**kwargs)

        return call


def client(endpoint, service, region):
    key = (service, region)
    cache = getattr(_local, "clients", None)
    if cache is None:
        cache = _local.clients = {}
    if key not in cache:
        cache[key] = Retrying(
            boto3.session.Session().client(
                service,
                region_name=region,
                endpoint_url=endpoint,
                aws_access_key_id="testing",
                aws_secret_access_key="testing",
            )
        )
    return cache[key]


def policy_doc(i):
    if i % 7 == 0:
        statement = {"Effect": "Allow", "Action": "*", "Resource": "*"}
    else:
        statement = {
            "Effect": "Allow",
            "Action": ["s3:GetObject", "dynamodb:Query"],
            "Resource": [f"arn:aws:s3:::bulk-bucket-{i}/*"],
        }
    return json.dumps({"Version": "2012-10-17", "Statement": [statement]})


def inline_doc(kind, i):
    return json.dumps(
        {
            "Version": "2012-10-17",
            "Statement": [
                {
                    "Effect": "Allow",
                    "Action": "sqs:SendMessage" if i % 9 else "iam:PassRole",
                    "Resource": f"arn:aws:sqs:us-east-1:{ACCOUNT}:{kind}-{i}",
                }
            ],
        }
    )


def trust_doc(i):
    if i % 2 == 0:
        principal, condition = {"Service": "ec2.amazonaws.com"}, None
    elif i % 4 == 1:
        principal = {"AWS": f"arn:aws:iam::{OTHER_ACCOUNT}:root"}
        condition = None if i % 8 == 1 else {"StringEquals": {"sts:ExternalId": f"ext-{i}"}}
    else:
        principal, condition = {"Service": "lambda.amazonaws.com"}, None
    statement = {"Effect": "Allow", "Principal": principal, "Action": "sts:AssumeRole"}
    if condition:
        statement["Condition"] = condition
    return json.dumps({"Version": "2012-10-17", "Statement": [statement]})


def policy_arn(args, i):
    return f"arn:aws:iam::{ACCOUNT}:policy/bulk/bulk-policy-{i % args.policies}"


def seed_policy(args, i):
    iam = client(args.endpoint, "iam", "us-east-1")
    iam.create_policy(PolicyName=f"bulk-policy-{i}", Path="/bulk/", PolicyDocument=policy_doc(i))


def seed_group(args, i):
    iam = client(args.endpoint, "iam", "us-east-1")
    name = f"bulk-group-{i}"
    iam.create_group(GroupName=name)
    iam.attach_group_policy(GroupName=name, PolicyArn=policy_arn(args, i))
    if i % 3 == 0:
        iam.put_group_policy(GroupName=name, PolicyName="group-inline", PolicyDocument=inline_doc("group", i))


def seed_user(args, i):
    iam = client(args.endpoint, "iam", "us-east-1")
    name = f"bulk-user-{i}"
    iam.create_user(UserName=name, Tags=[{"Key": "team", "Value": f"team-{i % 13}"}])
    iam.put_user_policy(UserName=name, PolicyName="user-inline", PolicyDocument=inline_doc("user", i))
    iam.attach_user_policy(UserName=name, PolicyArn=policy_arn(args, i + 1))
    if args.groups:
        iam.add_user_to_group(GroupName=f"bulk-group-{i % args.groups}", UserName=name)
    if i % 2 == 0:
        iam.create_access_key(UserName=name)
    if i % 10 == 0:
        key = iam.create_access_key(UserName=name)["AccessKey"]["AccessKeyId"]
        iam.update_access_key(UserName=name, AccessKeyId=key, Status="Inactive")
    if i % 3 == 0:
        iam.create_login_profile(UserName=name, Password=f"Bulk-Passw0rd-{i}!")
    if i % 5 == 0:
        serial = iam.create_virtual_mfa_device(VirtualMFADeviceName=f"bulk-mfa-{i}")[
            "VirtualMFADevice"
        ]["SerialNumber"]
        iam.enable_mfa_device(
            UserName=name, SerialNumber=serial, AuthenticationCode1="123456", AuthenticationCode2="654321"
        )


def seed_role(args, i):
    iam = client(args.endpoint, "iam", "us-east-1")
    name = f"bulk-role-{i}"
    iam.create_role(RoleName=name, AssumeRolePolicyDocument=trust_doc(i))
    iam.attach_role_policy(RoleName=name, PolicyArn=policy_arn(args, i + 2))
    if i % 2 == 1:
        iam.put_role_policy(RoleName=name, PolicyName="role-inline", PolicyDocument=inline_doc("role", i))
    if i % 2 == 0:
        iam.create_instance_profile(InstanceProfileName=name)
        iam.add_role_to_instance_profile(InstanceProfileName=name, RoleName=name)


def seed_sg(args, vpc, i):
    ec2 = client(args.endpoint, "ec2", args.region)
    gid = ec2.create_security_group(
        GroupName=f"bulk-sg-{i}",
        Description=f"bulk security group {i}",
        VpcId=vpc,
        TagSpecifications=[{"ResourceType": "security-group", "Tags": [{"Key": "app", "Value": f"app-{i % 17}"}]}],
    )["GroupId"]
    if i % 4 == 0:
        perm = {"IpProtocol": "tcp", "FromPort": 22, "ToPort": 22, "IpRanges": [{"CidrIp": "0.0.0.0/0"}]}
    elif i % 6 == 0:
        perm = {"IpProtocol": "tcp", "FromPort": 3389, "ToPort": 3389, "Ipv6Ranges": [{"CidrIpv6": "::/0"}]}
    elif i % 5 == 0:
        perm = {"IpProtocol": "tcp", "FromPort": 8000, "ToPort": 8100, "IpRanges": [{"CidrIp": "10.20.0.0/16"}]}
    else:
        perm = {"IpProtocol": "tcp", "FromPort": 443, "ToPort": 443, "UserIdGroupPairs": [{"GroupId": gid}]}
    ec2.authorize_security_group_ingress(GroupId=gid, IpPermissions=[perm])


def run(pool, what, fn, n):
    start = time.monotonic()
    # list() re-raises the first failure.
    list(pool.map(fn, range(n)))
    print(f"  {n} {what} in {time.monotonic() - start:.1f} s", file=sys.stderr)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("endpoint")
    ap.add_argument("--users", type=int, default=1000)
    ap.add_argument("--roles", type=int, default=1000)
    ap.add_argument("--policies", type=int, default=1000)
    ap.add_argument("--groups", type=int, default=50)
    ap.add_argument("--sgs", type=int, default=1000)
    ap.add_argument("--region", default="us-east-1")
    ap.add_argument("--threads", type=int, default=8)
    args = ap.parse_args()
    if args.policies < 1:
        ap.error("--policies must be at least 1 (users, groups and roles attach them)")
    start = time.monotonic()
    with ThreadPoolExecutor(args.threads) as pool:
        run(pool, "policies", lambda i: seed_policy(args, i), args.policies)
        run(pool, "groups", lambda i: seed_group(args, i), args.groups)
        run(pool, "users", lambda i: seed_user(args, i), args.users)
        run(pool, "roles", lambda i: seed_role(args, i), args.roles)
        ec2 = client(args.endpoint, "ec2", args.region)
        vpc = ec2.describe_vpcs(Filters=[{"Name": "is-default", "Values": ["true"]}])["Vpcs"][0]["VpcId"]
        run(pool, "security groups", lambda i: seed_sg(args, vpc, i), args.sgs)
    print(f"seeded in {time.monotonic() - start:.1f} s", file=sys.stderr)


if __name__ == "__main__":
    main()
