"""Loading both tools' results and joining them by framework control.

Pure functions over the raw outputs that compare.py keeps (Palisade's JSON
report and snapshot, Prowler's OCSF findings, error log and compliance
mapping): rows per (framework control, resource), their classification, and
the matching of hand-written explanations. No I/O but reading files.
"""
import re
import sys
import tomllib
from collections import defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
HERE = Path(__file__).resolve().parent
REGIONS = ["us-east-1", "eu-west-1"]
# Prowler's services for what Palisade collects (its `vpc` service holds the
# subnet checks, e.g. FSBP EC2.15).
SERVICES = ["iam", "ec2", "vpc", "wafv2", "backup", "config", "elbv2", "elb", "autoscaling"]
# moto's id generator is seeded before the account is built, so resource ids
# (sg-..., acl-..., web ACL uuids) are the same on every run of one moto version.
MOTO_SEED = 42
FSBP = "aws-fsbp"
PROWLER_FSBP = "AWS-Foundational-Security-Best-Practices"
# Disagreements need an explanation; the two other sides are optional notes
# on rows no tool fails.
SIDES = ("palisade-only", "prowler-only", "one-tool-pass", "not-evaluated", "agree-pass", "agree-fail")
REASON_CLASSES = ("prowler-bug", "semantic-choice", "palisade-gap", "moto-limitation")

# Prowler checks whose finding names a stand-in resource (an AWS managed
# policy) for what is an account-wide judgement ("some role has
# AWSSupportAccess"); Palisade reports those on the account.
PROWLER_ACCOUNT_SCOPED = {
    "iam_support_role_created",
    "iam_securityaudit_role_created",
    "iam_policy_cloudshell_admin_not_attached",
    "iam_check_saml_providers_sts",
}
STATUS_TEXT = {"fail": "fail", "pass": "pass", "none": "no result", "not_evaluated": "not evaluated", "error": "error"}
LEVELS = {"resource": 0, "region": 1, "account": 2}


def prowler_errors(log_path):
    """(module, region, error) per record of Prowler's --log-file, deduplicated."""
    text = log_path.read_text() if log_path.exists() else ""
    out = []
    for rec in re.split(r'\n(?=\{"timestamp")', text.strip()):
        m = re.search(r'"filename": "([^"]+)".*?"message": "(.*)', rec, re.S)
        if not m:
            continue
        where, msg = m.group(1), m.group(2)
        region = ""
        rm = re.match(r"([a-z]{2}-[a-z]+-\d) -- ", msg)
        if rm:
            region, msg = rm.group(1), msg[rm.end():]
        first = msg.split("\n")[0]
        first = re.sub(r"\[\d+\]", "", first)
        first = re.sub(r": <!doctype html>.*", ": HTML error page", first)
        first = re.sub(r"invalid XML received.*", "invalid XML received (HTML error page)", first)
        first = first.rstrip('"}').strip()
        out.append((where, region, first))
    return out


# --------------------------------------------------------------------------
# Loading results into (framework control, subject) rows
# --------------------------------------------------------------------------

def load_rule_frameworks():
    rules = {}
    for p in sorted((ROOT / "rules").rglob("*.toml")):
        if p.parent.name in ("frameworks", "pricing"):
            continue
        meta = tomllib.loads(p.read_text())
        if "id" in meta:
            rules[meta["id"]] = meta.get("frameworks", {})
    return rules


def load_titles(framework_id):
    p = ROOT / "rules/frameworks" / f"{framework_id}.toml"
    if not p.exists():
        return {}
    return {c["id"]: c.get("title", "") for c in tomllib.loads(p.read_text()).get("controls", [])}


def pick_cis(rules, mapping):
    """The newest CIS AWS Foundations version both tools map."""
    ours = {fw.removeprefix("cis-aws-") for fws in rules.values() for fw in fws if fw.startswith("cis-aws-")}
    theirs = {k.removeprefix("CIS-") for k in mapping if k.startswith("CIS-")}

    def key(v):
        return tuple(int(x) for x in re.findall(r"\d+", v))

    def same(a, b):
        n = max(len(key(a)), len(key(b)))
        return key(a) + (0,) * (n - len(key(a))) == key(b) + (0,) * (n - len(key(b)))
    common = {o: t for o in ours for t in theirs if same(o, t)}
    if not common:
        sys.exit(f"no CIS version both tools map (palisade {sorted(ours)}, prowler {sorted(theirs)})")
    best = max(common, key=key)
    return best, common[best], sorted(ours, key=key), sorted(theirs, key=key)


def mapped_controls(rules, mapping, cis, cis_prowler):
    """{(framework, control): checks} each tool maps; Prowler's limited to the
    checks of the services it was asked to scan."""
    ours = defaultdict(set)
    for rule, fws in rules.items():
        for c in fws.get(FSBP, []):
            ours[(FSBP, c)].add(rule)
        for c in fws.get(f"cis-aws-{cis}", []):
            ours[("cis", c)].add(rule)
    theirs = defaultdict(set)
    for fw, key in ((FSBP, "fsbp"), ("cis", f"CIS-{cis_prowler}")):
        for c, checks in mapping.get(key, {}).items():
            for check in checks:
                if check.split("_", 1)[0] in SERVICES:
                    theirs[(fw, c)].add(check)
    return ours, theirs


def arn_region(arn):
    parts = arn.split(":")
    return parts[3] if len(parts) > 5 else ""


def subject_level(subject):
    if subject.startswith("account:"):
        return "account"
    if subject.startswith("region:"):
        return "region"
    return "resource"


def roll_up(subject, level, account):
    """The subject's account or region, when a control is compared at that level."""
    have = subject_level(subject)
    if LEVELS[have] >= LEVELS[level]:
        return subject
    if level == "account":
        return f"account:{account}"
    region = arn_region(subject)
    return f"region:{account}/{region}" if region else f"account:{account}"


def palisade_rows(report, snapshot, rules, cis):
    """(framework, control, subject, status, rule id, resource name, region)."""
    owner_of = {}
    names = {}
    for acct in snapshot.get("accounts", []):
        for rd in acct.get("region_data", []):
            ec2 = rd.get("ec2") or {}
            sg_arn = {g["group_id"]: g["arn"] for g in ec2.get("security_groups", [])}
            for g in ec2.get("security_groups", []):
                names[g["arn"]] = g.get("group_name", "")
            for r in ec2.get("security_group_rules", []):
                if r.get("group_id") in sg_arn:
                    owner_of[r["arn"]] = sg_arn[r["group_id"]]
            for a in ec2.get("network_acls", []):
                names[a["arn"]] = (a.get("tags") or {}).get("Name") or ("default" if a.get("is_default") else "")
            # A route to a peering connection is judged per route; Prowler
            # judges the connection: attribute the route to it.
            pcx_arn = {c["vpc_peering_connection_id"]: c["arn"]
                       for c in ec2.get("vpc_peering_connections") or []}
            for rt in ec2.get("route_tables") or []:
                for route in rt.get("routes", []):
                    pcx = route.get("vpc_peering_connection_id")
                    dest = (route.get("destination_cidr_block") or route.get("destination_ipv6_cidr_block")
                            or route.get("destination_prefix_list_id") or "")
                    if pcx in pcx_arn:
                        owner_of[f"{rt['arn']}/route/{dest}"] = pcx_arn[pcx]
    rows, gaps = [], []
    for r in report["results"]:
        fws = rules.get(r["rule_id"], {})
        controls = [(FSBP, c) for c in fws.get(FSBP, [])] + [("cis", c) for c in fws.get(f"cis-aws-{cis}", [])]
        if not controls:
            continue
        res = r["resource"]
        rid, acct, region = res["id"], res["account_id"], res.get("region", "")
        if "/gap/" in rid:
            for fw, c in controls:
                gaps.append((fw, c, acct, region, r["rule_id"], r.get("message") or ""))
            continue
        if res["resource_type"] == "AWS::Account":
            subject = f"account:{rid}"
        elif res["resource_type"] == "AWS::Region":
            subject = f"region:{rid}"
        elif rid in owner_of:
            subject = owner_of[rid]
        else:
            subject = rid.split("#", 1)[0]
            subject = re.sub(r"/(entry|access-key|rule)/.*$", "", subject)
        if subject == rid and res.get("name"):
            names.setdefault(subject, res["name"])
        for fw, c in controls:
            rows.append(dict(fw=fw, control=c, subject=subject, status=r["status"], check=r["rule_id"],
                             account=acct, message=r.get("message") or ""))
    return rows, gaps, names


def prowler_rows(findings, cis_prowler):
    rows, names = [], {}
    for f in findings:
        check = f["metadata"]["event_code"]
        comp = f["unmapped"].get("compliance", {})
        controls = [(FSBP, c) for c in comp.get(PROWLER_FSBP, [])] + [("cis", c) for c in comp.get(f"CIS-{cis_prowler}", [])]
        if not controls:
            continue
        res = f["resources"][0]
        uid = res.get("uid", "")
        acct = f["cloud"]["account"]["uid"]
        tail = uid.split(":", 5)[-1] if uid.startswith("arn:") else uid
        if check in PROWLER_ACCOUNT_SCOPED:
            subject = f"account:{acct}"
        elif uid.startswith("arn:") and "/" not in tail and ":" not in tail:
            # a bare resource type ('recorder', 'password-policy', 'root'):
            # Prowler's way of naming a region- or account-wide judgement
            region = arn_region(uid)
            subject = f"region:{acct}/{region}" if region and not uid.startswith("arn:aws:iam:") else f"account:{acct}"
        else:
            subject = uid
        if subject == uid and res.get("name") and res["name"] not in uid.rsplit("/", 1)[-1]:
            names.setdefault(subject, res["name"])
        status = {"FAIL": "fail", "PASS": "pass"}.get(f["status_code"], "not_evaluated")
        for fw, c in controls:
            rows.append(dict(fw=fw, control=c, subject=subject, status=status, check=check,
                             account=acct, message=f.get("status_detail", "")))
    return rows, names


def combine(statuses):
    if "fail" in statuses:
        return "fail"
    if "error" in statuses:
        return "error"
    if "not_evaluated" in statuses:
        return "not_evaluated"
    return "pass" if statuses else "none"


def join(prows, wrows, gaps, ours, theirs):
    """Rows per (framework, control, subject) with each tool's combined status."""
    by_control = defaultdict(lambda: {"p": [], "w": []})
    for r in prows:
        by_control[(r["fw"], r["control"])]["p"].append(r)
    for r in wrows:
        by_control[(r["fw"], r["control"])]["w"].append(r)
    gap_index = defaultdict(list)
    for fw, c, acct, region, rule, msg in gaps:
        gap_index[(fw, c)].append((acct, region, rule, msg))
    for key in set(gap_index) | set(ours) | set(theirs):
        by_control.setdefault(key, {"p": [], "w": []})
    controls = {}
    for key, sides in by_control.items():
        # The level of comparison: the finer of the two tools' coarsest
        # granularity (each side's finest level, then the coarser of the two).
        finest = [min(LEVELS[subject_level(r["subject"])] for r in sides[s]) for s in ("p", "w") if sides[s]]
        level = [k for k, v in LEVELS.items() if v == max(finest + [0])][0]
        cells = defaultdict(lambda: {"p": [], "w": []})
        regions = defaultdict(set)
        for side in ("p", "w"):
            for r in sides[side]:
                subject = roll_up(r["subject"], level, r["account"])
                if subject.startswith("region:"):
                    regions[r["account"]].add(subject)
        for side in ("p", "w"):
            for r in sides[side]:
                subject = roll_up(r["subject"], level, r["account"])
                if level == "region" and subject.startswith("account:") and regions[r["account"]]:
                    # an account-wide result holds in each region compared
                    for region_subject in regions[r["account"]]:
                        cells[region_subject][side].append(r)
                else:
                    cells[subject][side].append(r)
        out = []
        for subject, cell in cells.items():
            p = combine({r["status"] for r in cell["p"]})
            w = combine({r["status"] for r in cell["w"]})
            gap_msgs = []
            if p == "none" or p == "pass":
                # a coverage gap for this control in the subject's region (or
                # globally) means Palisade could not judge what it did not see
                region = arn_region(subject) if subject.startswith("arn:") else (
                    subject.split("/", 1)[1] if subject.startswith("region:") else "")
                for acct, gregion, rule, msg in gap_index.get(key, []):
                    if gregion in (region, "global") or (level != "resource" and not region):
                        gap_msgs.append(f"{rule}: {msg}")
                if gap_msgs and p == "none":
                    p = "not_evaluated"
            out.append(dict(
                subject=subject, level=level, p=p, w=w,
                p_fail=sorted({r["check"] for r in cell["p"] if r["status"] == "fail"}),
                w_fail=sorted({r["check"] for r in cell["w"] if r["status"] == "fail"}),
                p_checks=sorted({r["check"] for r in cell["p"]}),
                w_checks=sorted({r["check"] for r in cell["w"]}),
                p_msgs=sorted({r["message"] for r in cell["p"] if r["status"] == "fail" and r["message"]}),
                w_msgs=sorted({r["message"] for r in cell["w"] if r["status"] == "fail" and r["message"]}),
                gap=sorted(set(gap_msgs)),
            ))
        if key in ours and key in theirs:
            out += gap_only_rows(key, gap_index, out)
        controls[key] = dict(rows=sorted(out, key=lambda r: r["subject"]),
                             p_any=key in ours, w_any=key in theirs,
                             p_checks=sorted(ours.get(key, set())), w_checks=sorted(theirs.get(key, set())))
    return controls


def gap_only_rows(key, gap_index, rows):
    """A Palisade coverage gap where neither tool has a result for the control
    (e.g. root checks when the credential report has no root row) is still a
    row: Palisade could not judge it."""
    covered = set()
    for r in rows:
        s = r["subject"]
        covered.add(arn_region(s) or "global" if s.startswith("arn:") else
                    s.split("/", 1)[1] if s.startswith("region:") else "global")
    extra = defaultdict(list)
    for acct, region, rule, msg in gap_index.get(key, []):
        if region not in covered and not (region == "global" and rows):
            subject = f"account:{acct}" if region == "global" else f"region:{acct}/{region}"
            extra[subject].append(f"{rule}: {msg}")
    return [dict(subject=s, level=subject_level(s), p="not_evaluated", w="none", p_fail=[], w_fail=[],
                 p_checks=sorted({m.split(":", 1)[0] for m in msgs}), w_checks=[], p_msgs=[], w_msgs=[],
                 gap=sorted(set(msgs)))
            for s, msgs in extra.items()]


def classify(row, comparable):
    p, w = row["p"], row["w"]
    if not comparable:
        return "not-comparable"
    if p == "fail" and w == "fail":
        return "agree-fail"
    if p == "pass" and w == "pass":
        return "agree-pass"
    if p == "fail":
        return "palisade-only"
    if w == "fail":
        return "prowler-only"
    if p in ("not_evaluated", "error") or w in ("not_evaluated", "error"):
        return "not-evaluated"
    return "one-tool-pass"


# --------------------------------------------------------------------------
# Explanations
# --------------------------------------------------------------------------

def load_explanations(path):
    data = tomllib.loads(path.read_text()) if path.exists() else {}
    out = []
    for i, e in enumerate(data.get("explanation", [])):
        where = f"{path.name}: explanation #{i + 1}"
        for k in ("controls", "side", "class", "reason"):
            if k not in e:
                sys.exit(f"{where}: missing '{k}'")
        if not e["class"].startswith(REASON_CLASSES):
            sys.exit(f"{where}: class {e['class']!r} is not one of {', '.join(REASON_CLASSES)}")
        if e["side"] not in SIDES:
            sys.exit(f"{where}: side must be one of {', '.join(SIDES)}")
        e["index"] = i
        e["used"] = 0
        out.append(e)
    return out


def control_key(fw, control, cis):
    return f"fsbp:{control}" if fw == FSBP else f"cis-{cis}:{control}"


def explain(row, kind, ckey, label, explanations):
    if kind == "palisade-only":
        failing = set(row["p_fail"])
    elif kind == "prowler-only":
        failing = set(row["w_fail"])
    else:
        failing = set(row["p_checks"]) | set(row["w_checks"])
    for e in explanations:
        if e["side"] != kind or ckey not in e["controls"]:
            continue
        if e.get("checks") and not failing & set(e["checks"]):
            continue
        wanted = e.get("resource") or []
        if isinstance(wanted, str):
            wanted = [wanted]
        if wanted and not any(x in label for x in wanted):
            continue
        e["used"] += 1
        return e
    return None
