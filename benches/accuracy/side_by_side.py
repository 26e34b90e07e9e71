"""Prints, as Markdown, Palisade's and Prowler's verdicts side by side for the
issue-14 checks (instances, load balancers, Auto Scaling, peering) on the
seeded moto account, one row per resource, from the output directory of
`benches/accuracy/run.sh --keep DIR` (palisade.json, prowler.ocsf.json,
snapshot.json):

    python3 benches/accuracy/side_by_side.py DIR

docs/parity.md (issue-14 section) holds its output. Not part of CI.
"""

import json
import sys
from pathlib import Path

# (Prowler check, Palisade rule) pairs, per resource kind.
INSTANCE = [
    ("ec2_instance_port_ssh_exposed_to_internet", "ec2-instance-admin-ports-reachable"),
    ("ec2_instance_public_ip", "ec2-instance-public-ip-internet-route"),
    ("ec2_instance_internet_facing_with_instance_profile", "ec2-instance-reachable-privileged-role"),
    ("ec2_instance_imdsv2_enabled", "ec2-instance-imdsv1-allowed"),
    ("ec2_instance_profile_attached", "ec2-instance-no-instance-profile"),
]
LOAD_BALANCER = [("elbv2_waf_acl_attached", "elbv2-internet-facing-without-waf")]
GROUP = [
    ("autoscaling_group_multiple_az", "autoscaling-group-single-az"),
    ("autoscaling_group_elb_health_check_enabled", "autoscaling-group-no-elb-health-check"),
    ("autoscaling_group_launch_configuration_no_public_ip", "autoscaling-launch-public-ip"),
    ("autoscaling_group_launch_configuration_requires_imdsv2", "autoscaling-launch-imdsv1"),
]
MARK = {"fail": "FAIL", "pass": "pass", "not_evaluated": "n/e", "error": "error"}


def load(work):
    palisade = json.loads((work / "palisade.json").read_text())["results"]
    text = (work / "prowler.ocsf.json").read_text()
    prowler = json.loads(text) if text.lstrip().startswith("[") else [
        json.loads(line) for line in text.splitlines() if line.strip()]
    snapshot = json.loads((work / "snapshot.json").read_text())
    return palisade, prowler, snapshot


def names(snapshot):
    """Resource id (instance id, ARN, name) -> display name."""
    out = {}
    for account in snapshot["accounts"]:
        for region in account["region_data"]:
            for i in region["ec2"].get("instances") or []:
                out[i["instance_id"]] = i["tags"].get("Name", i["instance_id"])
    return out


def table(palisade, prowler, pairs, key_of_result, key_of_finding, label):
    ours = {}
    for r in palisade:
        key = key_of_result(r)
        if key:
            ours[(r["rule_id"], key)] = MARK.get(r["status"], r["status"])
    theirs = {}
    for f in prowler:
        key = key_of_finding(f)
        if key:
            theirs[(f["metadata"]["event_code"], key)] = {"FAIL": "FAIL", "PASS": "pass"}.get(
                f["status_code"], f["status_code"].lower())
    keys = sorted({k for (_, k) in ours} | {k for (_, k) in theirs})
    head = "| " + " | ".join(["resource"] + [f"`{c}` / `{r}`" for c, r in pairs]) + " |"
    lines = [head, "|" + "---|" * (len(pairs) + 1)]
    for k in keys:
        cells = [label(k)]
        for check, rule in pairs:
            cells.append(f"{theirs.get((check, k), '-')} / {ours.get((rule, k), '-')}")
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines)


def main():
    work = Path(sys.argv[1])
    palisade, prowler, snapshot = load(work)
    display = names(snapshot)

    def last(text, sep):
        return text.rsplit(sep, 1)[-1]

    def instance_of_result(r):
        rid = r["resource"]["id"]
        return last(rid, "/") if ":instance/" in rid else None

    def instance_of_finding(f):
        uid = f["resources"][0].get("uid", "")
        return last(uid, "/") if ":instance/" in uid else None

    def lb_of_result(r):
        return r["resource"]["name"] if r["resource"]["resource_type"].endswith("V2::LoadBalancer") else None

    def lb_of_finding(f):
        return f["resources"][0].get("name") if f["metadata"]["event_code"].startswith("elbv2_") else None

    def group_of_result(r):
        return r["resource"]["name"] if r["resource"]["resource_type"] == "AWS::AutoScaling::AutoScalingGroup" else None

    def group_of_finding(f):
        return f["resources"][0].get("name") if f["metadata"]["event_code"].startswith("autoscaling_group") else None

    print("Each cell: Prowler / Palisade (`-` = no result for that resource).\n")
    print(table(palisade, prowler, INSTANCE, instance_of_result, instance_of_finding,
                lambda k: f"`{display.get(k, k)}`"))
    print()
    print(table(palisade, prowler, LOAD_BALANCER, lb_of_result, lb_of_finding, lambda k: f"`{k}`"))
    print()
    print(table(palisade, prowler, GROUP, group_of_result, group_of_finding, lambda k: f"`{k}`"))


if __name__ == "__main__":
    main()
