#!/usr/bin/env python3
"""Detection accuracy: Palisade and Prowler on one seeded moto account, joined
finding by finding through the framework control each check maps to.

Writes docs/accuracy.md. Every number and list in it comes from the two
tools' output; only the reasons for disagreements are written by hand, in
benches/accuracy/explanations.toml. Not part of CI (it needs Prowler).

Run (from anywhere; benches/accuracy/run.sh sets the defaults below):

    PALISADE=target/debug/palisade \\
    PROWLER=~/.cache/palisade/prowler-venv/bin/prowler \\
    MOTO_PYTHON=~/.cache/palisade/target/test-venv/bin/python \\
        python3 benches/accuracy/compare.py run [--keep DIR] [--strict]

    # re-render from the raw outputs a previous `run --keep DIR` saved
    python3 benches/accuracy/compare.py report DIR [--strict]

Needs Python >= 3.11 (tomllib), a palisade binary, Prowler in its own venv
(`python3 -m venv V && V/bin/pip install prowler`) and a Python with
moto[server] and boto3 (the one scripts/test creates has both).

--strict exits 1 when a disagreement has no explanation. Nothing here
contacts anything but 127.0.0.1.
"""
import argparse
import json
import os
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import tomllib
from collections import defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
HERE = Path(__file__).resolve().parent
REGIONS = ["us-east-1", "eu-west-1"]
# Prowler's services for what Palisade collects (its `vpc` service holds the
# subnet checks, e.g. FSBP EC2.15).
SERVICES = ["iam", "ec2", "vpc", "wafv2", "backup", "config"]
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


# --------------------------------------------------------------------------
# Running the tools
# --------------------------------------------------------------------------

def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def aws_env(work):
    """Credentials for moto only; no shared config, no instance metadata."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
    env.update(
        AWS_ACCESS_KEY_ID="testing",
        AWS_SECRET_ACCESS_KEY="testing",
        AWS_DEFAULT_REGION="us-east-1",
        AWS_REGION="us-east-1",
        AWS_EC2_METADATA_DISABLED="true",
        AWS_CONFIG_FILE=str(work / "none"),
        AWS_SHARED_CREDENTIALS_FILE=str(work / "none"),
    )
    return env


def start_moto(python, work):
    port = free_port()
    env = dict(os.environ, MOTO_IAM_LOAD_MANAGED_POLICIES="true", MOTO_EC2_LOAD_DEFAULT_AMIS="false")
    log = open(work / "moto.log", "w")
    proc = subprocess.Popen(
        [python, "-m", "moto.server", "-H", "127.0.0.1", "-p", str(port)],
        stdout=log, stderr=subprocess.STDOUT, env=env,
    )
    for _ in range(100):
        try:
            socket.create_connection(("127.0.0.1", port), 1).close()
            return proc, f"http://127.0.0.1:{port}"
        except OSError:
            if proc.poll() is not None:
                sys.exit(f"moto exited early; see {work / 'moto.log'}")
            time.sleep(0.2)
    proc.kill()
    sys.exit("moto did not start within 20 s")


def run_tools(args, work):
    for name, path in (("PALISADE", args.palisade), ("PROWLER", args.prowler), ("MOTO_PYTHON", args.moto_python)):
        if not path or not shutil.which(path):
            sys.exit(f"{name} not found: {path!r} (see the header of {Path(__file__).name})")
    proc, url = start_moto(args.moto_python, work)
    try:
        seed = subprocess.run(
            [args.moto_python, "-c",
             "import sys, urllib.request; urllib.request.urlopen(urllib.request.Request("
             "sys.argv[1] + '/moto-api/seed?a=' + sys.argv[2], method='POST'))",
             url, str(MOTO_SEED)],
            capture_output=True, text=True)
        if seed.returncode:
            sys.exit(f"seeding moto's random generator failed: {seed.stderr}")
        subprocess.run([args.moto_python, str(ROOT / "fixtures/moto/seed.py"), url],
                       check=True, stdout=subprocess.DEVNULL, env=aws_env(work))
        if not args.seed_only:
            subprocess.run([args.moto_python, str(HERE / "seed_cases.py"), url],
                           check=True, stdout=subprocess.DEVNULL, env=aws_env(work))
        env = aws_env(work)
        # One attempt per call: moto answers the APIs it lacks with a 500 or
        # 404 every time, so retries only add waiting; the gaps are the same.
        pal = subprocess.run(
            [args.palisade, "scan", "--live", str(work / "snapshot.json"), "--endpoint-url", url,
             "--regions", ",".join(REGIONS), "--max-attempts", "1", "-q", "--format", "json",
             "-o", str(work / "palisade.json"),
             "--policies", str(ROOT / "policies"), "--rules", str(ROOT / "rules")],
            cwd=work, env=env, capture_output=True, text=True)
        (work / "palisade.stderr").write_text(pal.stderr)
        if pal.returncode not in (0, 1, 3) or not (work / "palisade.json").exists():
            sys.exit(f"palisade scan failed (exit {pal.returncode}):\n{pal.stderr}")
        out = work / "prowler-out"
        prow = subprocess.run(
            [args.prowler, "aws", "--services", *SERVICES, "-f", *REGIONS, "--no-banner",
             "--output-formats", "json-ocsf", "-o", str(out), "--scan-unused-services",
             "--log-level", "ERROR", "--log-file", str(work / "prowler-errors.log")],
            cwd=work, env=dict(env, AWS_ENDPOINT_URL=url), capture_output=True, text=True)
        (work / "prowler.stdout").write_text(prow.stdout + prow.stderr)
        found = sorted(out.glob("*.ocsf.json"))
        if prow.returncode not in (0, 3) or not found:
            sys.exit(f"prowler failed (exit {prow.returncode}); see {work / 'prowler.stdout'}")
        shutil.copy(found[-1], work / "prowler.ocsf.json")
    finally:
        proc.terminate()
        proc.wait(10)
    versions = {
        "palisade": subprocess.run([args.palisade, "--version"], capture_output=True, text=True).stdout.strip(),
        "palisade_commit": git_commit(),
        "prowler": subprocess.run([args.prowler, "--version"], capture_output=True, text=True).stdout.strip(),
        "moto": subprocess.run([args.moto_python, "-c", "import moto; print(moto.__version__)"],
                               capture_output=True, text=True).stdout.strip(),
        "prowler_error_functions": prowler_error_functions(args.prowler, work / "prowler-errors.log"),
        "seeds": ["fixtures/moto/seed.py"] + ([] if args.seed_only else ["benches/accuracy/seed_cases.py"]),
    }
    (work / "prowler-mapping.json").write_text(json.dumps(prowler_mapping(args.prowler), indent=1, sort_keys=True))
    (work / "versions.json").write_text(json.dumps(versions, indent=1, sort_keys=True))


def git_commit():
    """The last commit that changed what Palisade evaluates (engine, policies, rules)."""
    r = subprocess.run(["git", "-C", str(ROOT), "log", "-1", "--format=%h", "--", "engine", "policies", "rules"],
                       capture_output=True, text=True)
    dirty = subprocess.run(["git", "-C", str(ROOT), "status", "--porcelain", "--", "engine", "policies", "rules"],
                           capture_output=True, text=True).stdout.strip()
    return (r.stdout.strip() or "unknown") + (" + uncommitted changes" if dirty else "")


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


def prowler_python(prowler):
    return Path(shutil.which(prowler)).resolve().parent / "python"


def prowler_mapping(prowler):
    """Prowler's own compliance mapping, read from the installed package:
    {"fsbp" | "CIS-<version>": {control: [check, ...]}}. It says which controls
    Prowler covers even where it produced no finding on this account."""
    code = (
        "import json, pathlib, prowler\n"
        "root = pathlib.Path(prowler.__file__).parent / 'compliance' / 'aws'\n"
        "out = {}\n"
        "for p in sorted(root.glob('*.json')):\n"
        "    d = json.loads(p.read_text())\n"
        "    fw = d.get('Framework', '')\n"
        "    if p.name == 'aws_foundational_security_best_practices_aws.json':\n"
        "        key = 'fsbp'\n"
        "    elif fw == 'CIS':\n"
        "        key = 'CIS-' + d.get('Version', '')\n"
        "    else:\n"
        "        continue\n"
        "    out[key] = {r['Id']: r.get('Checks', []) for r in d.get('Requirements', [])}\n"
        "print(json.dumps(out))\n"
    )
    r = subprocess.run([str(prowler_python(prowler)), "-c", code], capture_output=True, text=True)
    if r.returncode:
        sys.exit(f"could not read Prowler's compliance mapping: {r.stderr}")
    return json.loads(r.stdout)


def prowler_error_functions(prowler, log_path):
    """Names the Prowler function behind each 'file.py:line' of its error log,
    read from the installed package, so errors that do not name their API can
    still be told apart (e.g. ec2_service.py:566 -> _describe_...)."""
    py = prowler_python(prowler)
    code = (
        "import sys, pathlib, prowler\n"
        "root = pathlib.Path(prowler.__file__).parent\n"
        "for arg in sys.argv[1:]:\n"
        "    name, line = arg.rsplit(':', 1)\n"
        "    hits = sorted(root.rglob(name))\n"
        "    fn = ''\n"
        "    if hits:\n"
        "        lines = hits[0].read_text().splitlines()[: int(line)]\n"
        "        for l in reversed(lines):\n"
        "            s = l.strip()\n"
        "            if s.startswith('def '):\n"
        "                fn = s[4:].split('(')[0]\n"
        "                break\n"
        "    print(arg + '\\t' + fn)\n"
    )
    wheres = sorted({w for w, _, _ in prowler_errors(log_path)})
    if not wheres or not py.exists():
        return {}
    r = subprocess.run([str(py), "-c", code, *wheres], capture_output=True, text=True)
    return dict(line.split("\t", 1) for line in r.stdout.splitlines() if "\t" in line)


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
    sg_of_rule = {}
    names = {}
    for acct in snapshot.get("accounts", []):
        for rd in acct.get("region_data", []):
            ec2 = rd.get("ec2") or {}
            sg_arn = {g["group_id"]: g["arn"] for g in ec2.get("security_groups", [])}
            for g in ec2.get("security_groups", []):
                names[g["arn"]] = g.get("group_name", "")
            for r in ec2.get("security_group_rules", []):
                if r.get("group_id") in sg_arn:
                    sg_of_rule[r["arn"]] = sg_arn[r["group_id"]]
            for a in ec2.get("network_acls", []):
                names[a["arn"]] = (a.get("tags") or {}).get("Name") or ("default" if a.get("is_default") else "")
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
        elif rid in sg_of_rule:
            subject = sg_of_rule[rid]
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
        controls[key] = dict(rows=sorted(out, key=lambda r: r["subject"]),
                             p_any=key in ours, w_any=key in theirs,
                             p_checks=sorted(ours.get(key, set())), w_checks=sorted(theirs.get(key, set())))
    return controls


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


# --------------------------------------------------------------------------
# The document
# --------------------------------------------------------------------------

def label_of(subject, names):
    if subject.startswith("account:"):
        return f"account {subject[8:]}"
    if subject.startswith("region:"):
        return f"region {subject.split('/', 1)[1]}"
    parts = subject.split(":", 5)
    if len(parts) < 6:
        return subject
    service, region, tail = parts[2], parts[3], parts[5]
    text = f"{service} {region + ' ' if region else ''}{tail}"
    name = names.get(subject, "")
    if name and name not in tail:
        text += f" ({name})"
    return text


def md(text):
    return str(text).replace("|", "\\|").replace("\n", " ")


def render(work, explanations_path, strict):
    report = json.loads((work / "palisade.json").read_text())
    snapshot = json.loads((work / "snapshot.json").read_text())
    prowler = json.loads((work / "prowler.ocsf.json").read_text())
    versions = json.loads((work / "versions.json").read_text())
    mapping = json.loads((work / "prowler-mapping.json").read_text())
    rules = load_rule_frameworks()
    cis, cis_prowler, cis_ours, cis_theirs = pick_cis(rules, mapping)
    ours, theirs = mapped_controls(rules, mapping, cis, cis_prowler)
    prows, gaps, names = palisade_rows(report, snapshot, rules, cis)
    # Names come from Palisade's results and the snapshot only: Prowler's
    # resource names mix in other things (an inline policy's owner/name).
    wrows, _ = prowler_rows(prowler, cis_prowler)
    controls = join(prows, wrows, gaps, ours, theirs)
    explanations = load_explanations(explanations_path)
    titles = {FSBP: load_titles(FSBP), "cis": load_titles(f"cis-aws-{cis}")}

    def sort_key(k):
        fw, c = k
        return (fw != FSBP, [int(x) if x.isdigit() else x for x in re.split(r"(\d+)", c)])

    classes = ["agree-fail", "agree-pass", "palisade-only", "prowler-only", "not-evaluated", "one-tool-pass"]
    summary, disagreements, one_sided, agreement_notes = [], [], [], []
    totals = defaultdict(int)
    unexplained = 0
    for key in sorted(controls, key=sort_key):
        fw, c = key
        info = controls[key]
        comparable = info["p_any"] and info["w_any"]
        ckey = control_key(fw, c, cis)
        counts = defaultdict(int)
        for row in info["rows"]:
            kind = classify(row, comparable)
            counts[kind] += 1
            if comparable:
                totals[(fw, kind)] += 1
            label = label_of(row["subject"], names)
            if kind in ("palisade-only", "prowler-only"):
                e = explain(row, kind, ckey, label, explanations)
                unexplained += e is None
                disagreements.append((ckey, titles[fw].get(c, ""), label, kind, row, e))
            elif kind in ("agree-pass", "agree-fail"):
                e = explain(row, kind, ckey, label, explanations)
                if e:
                    agreement_notes.append((ckey, label, kind, e))
        if comparable:
            summary.append((ckey, titles[fw].get(c, ""), info, counts))
        else:
            one_sided.append((ckey, titles[fw].get(c, ""), info, len(info["rows"]),
                              sum(r["p"] == "fail" or r["w"] == "fail" for r in info["rows"])))

    L = []
    w = L.append
    w("# Detection accuracy: Palisade and Prowler, finding by finding")
    w("")
    w("<!-- Generated by benches/accuracy/run.sh (compare.py); do not edit. Reasons for")
    w("     disagreements live in benches/accuracy/explanations.toml. -->")
    w("")
    w("The seeded moto account scanned by Palisade and by Prowler,")
    w("each finding joined to the other tool's through the framework control both map it to.")
    w("Every number and list below is computed from the two tools' output; only the reasons")
    w("given for disagreements are written by hand.")
    w("")
    w("## Method")
    w("")
    w(f"1. A moto server on 127.0.0.1 (random generator seeded with {MOTO_SEED}, so resource ids repeat")
    seeds = versions.get("seeds", ["fixtures/moto/seed.py"])
    w("   from run to run), seeded by " + " then ".join(f"`{x}`" for x in seeds)
      + ": account 123456789012, regions " + ", ".join(f"`{r}`" for r in REGIONS) + ".")
    if len(seeds) > 1:
        w("   `seed_cases.py` adds cases of issue 10 that both tools can judge through a joined control")
        w("   (its header lists them); `run --seed-only` leaves them out.")
    w(f"2. `palisade scan --live --regions {','.join(REGIONS)} --max-attempts 1 --format json` (every rule pack;")
    w("   policies and rules from this checkout). One attempt per call: moto answers the APIs it lacks")
    w("   the same way every time, so retries add only waiting.")
    w(f"3. `prowler aws --services {' '.join(SERVICES)} -f {' '.join(REGIONS)} --scan-unused-services")
    w("   --output-formats json-ocsf` with `AWS_ENDPOINT_URL` pointing at the same moto server.")
    w("   `--scan-unused-services` makes Prowler judge resources nothing uses (default security")
    w("   groups, unattached network ACLs) as Palisade always does.")
    w("4. Each Palisade result is mapped to controls through its rule's `[frameworks]` metadata")
    w("   (`rules/**/*.toml`); each Prowler finding through its own compliance mapping")
    w(f"   (`unmapped.compliance`). Join frameworks: AWS Foundational Security Best Practices")
    w(f"   (`{FSBP}` / `{PROWLER_FSBP}`) and CIS AWS Foundations **{cis}** (`cis-aws-{cis}` / `CIS-{cis_prowler}`).")
    w(f"   CIS {cis} is the newest version both tools map (Palisade maps {', '.join(cis_ours)};")
    w(f"   Prowler {', '.join(cis_theirs)}); the older versions hold the same recommendations")
    w("   under other numbers, so joining on more than one would count each finding again.")
    w("5. Resource identity: Palisade judges some things finer than Prowler (one result per")
    w("   security group rule, network ACL entry, policy statement, access key); those results")
    w("   are attributed to the owning security group, network ACL, policy (or the user or role of")
    w("   an inline policy) and user, by ARN. Prowler findings that name a bare resource type")
    w("   (`...:recorder`, `...:password-policy`, `...:root`) are region- or account-wide")
    w("   judgements, and so are " + ", ".join(f"`{c}`" for c in sorted(PROWLER_ACCOUNT_SCOPED)) + ",")
    w("   which name an AWS managed policy for an account-wide question. Where a tool judges a")
    w("   control only per region or per account, both tools' results for that control are compared")
    w("   at that level (finer results roll up to their region or account; an account-wide result")
    w("   counts in each region compared). Several checks of one tool that map to the same control and resource")
    w("   combine: fail if any fails, else not evaluated if any is, else pass.")
    w("6. Each (control, resource) is then: **agree** (both fail, or both pass); **Palisade only**")
    w("   (Palisade fails, Prowler passes or has no finding); **Prowler only** (the reverse);")
    w("   **not evaluated** (one tool could not judge, the other does not fail: a coverage gap);")
    w("   **one tool passes** (the other has no finding for that resource). A control only one tool")
    w("   maps is **not comparable** and listed separately. Every Palisade-only and Prowler-only")
    w("   row is listed with its reason: `prowler-bug`, `semantic-choice` (both defensible),")
    w("   `palisade-gap` (with the issue item that fixes it, or `open`) or `moto-limitation` (the")
    w("   local endpoint, not the tool). A disagreement without a reason reads **UNEXPLAINED**.")
    w("   Agreement is on the verdict per control and resource; the two tools may fail it for")
    w("   different rules or ports (e.g. CIS 6.4 combines Prowler's IPv4 and IPv6 checks).")
    w("")
    w("Regenerate with `benches/accuracy/run.sh --strict` (header of that script: prerequisites).")
    w("")
    w("## Versions")
    w("")
    w("| tool | version |")
    w("|---|---|")
    w(f"| Palisade | {md(versions['palisade'])}, engine/policies/rules at commit `{md(versions['palisade_commit'])}`, "
      f"rule pack fingerprint `{report['rules']['fingerprint']}` ({report['rules']['count']} rules) |")
    w(f"| Prowler | {md(versions['prowler'])} |")
    w(f"| moto | {md(versions['moto'])} |")
    w("")
    w("## What each tool could not read from moto")
    w("")
    w("Palisade's coverage gaps (its checks over these are reported as not evaluated):")
    w("")
    w("| service | region | API | error |")
    w("|---|---|---|---|")
    for g in sorted(report.get("gaps", []), key=lambda g: (g["service"], g["region"], g["api"])):
        w(f"| {md(g['service'])} | {md(g['region'])} | {md(g['api'])} | {md(g['error'])} |")
    w("")
    w("Prowler's errors (its `--log-file` at level ERROR; Prowler carries on and reports what it")
    w("read, so a failed listing can turn into a pass or a missing finding):")
    w("")
    w("| where (Prowler function) | regions | error | effect (explanations.toml) |")
    w("|---|---|---|---|")
    errs = defaultdict(set)
    fns = versions.get("prowler_error_functions", {})
    for where, region, msg in prowler_errors(work / "prowler-errors.log"):
        fn = fns.get(where, "")
        errs[(f"{where}{' (' + fn + ')' if fn else ''}", msg)].add(region or "-")
    error_notes = tomllib.loads(explanations_path.read_text()).get("prowler_error", []) if explanations_path.exists() else []
    for (where, msg), regions in sorted(errs.items()):
        note = next((n["effect"] for n in error_notes if n["match"] in where or n["match"] in msg), "")
        w(f"| {md(where)} | {', '.join(sorted(regions))} | {md(msg)} | {md(' '.join(note.split()))} |")
    w("")
    w("## Totals")
    w("")
    w("Over the controls both tools map; one row per (control, resource).")
    w("")
    w("| framework | " + " | ".join(classes) + " |")
    w("|---|" + "---|" * len(classes))
    for fw, name in ((FSBP, "AWS FSBP"), ("cis", f"CIS {cis}")):
        w(f"| {name} | " + " | ".join(str(totals[(fw, k)]) for k in classes) + " |")
    w("")
    w(f"Disagreements: {sum(1 for d in disagreements if d[3] == 'palisade-only')} Palisade only, "
      f"{sum(1 for d in disagreements if d[3] == 'prowler-only')} Prowler only; "
      f"{unexplained} without an explanation.")
    by_class = defaultdict(int)
    for d in disagreements:
        by_class[d[5]["class"] if d[5] else "UNEXPLAINED"] += 1
    w("")
    w("| reason | disagreements |")
    w("|---|---|")
    for k in sorted(by_class):
        w(f"| {md(k)} | {by_class[k]} |")
    w("")
    w("## Per control")
    w("")
    w("| control | title | Palisade rules | Prowler checks | both fail | both pass | Palisade only "
      "| Prowler only | not evaluated | one tool passes |")
    w("|---|---|---|---|---|---|---|---|---|---|")
    for ckey, title, info, counts in summary:
        w(f"| {ckey} | {md(title)} | {', '.join(info['p_checks'])} | {', '.join(info['w_checks'])} | "
          + " | ".join(str(counts[k]) for k in ("agree-fail", "agree-pass", "palisade-only", "prowler-only",
                                                 "not-evaluated", "one-tool-pass")) + " |")
    w("")
    w("## Disagreements")
    w("")
    if not disagreements:
        w("None.")
    explained_at = {}
    for ckey, title, label, kind, row, e in disagreements:
        side = "Palisade fails, Prowler " if kind == "palisade-only" else "Prowler fails, Palisade "
        other = row["w"] if kind == "palisade-only" else row["p"]
        other_text = {"none": "has no finding", "pass": "passes", "not_evaluated": "did not evaluate it",
                      "error": "errored"}.get(other, other)
        w(f"### {ckey} · {md(label)}")
        w("")
        w(f"- {side}{other_text}" + (f" ({', '.join(row['w_checks'] if kind == 'palisade-only' else row['p_checks'])})"
                                       if other != "none" else "") + ".")
        if row["p_fail"]:
            w(f"- Palisade: {', '.join(f'`{c}`' for c in row['p_fail'])}" +
              (f" — {md(row['p_msgs'][0])}" if row["p_msgs"] else ""))
        if row["w_fail"]:
            w(f"- Prowler: {', '.join(f'`{c}`' for c in row['w_fail'])}" +
              (f" — {md(row['w_msgs'][0])}" if row["w_msgs"] else ""))
        if row["gap"]:
            w(f"- Palisade coverage gap: {md(row['gap'][0])}")
        if e and e["index"] in explained_at:
            w(f"- **{md(e['class'])}**: as for {explained_at[e['index']]} above.")
        elif e:
            explained_at[e["index"]] = f"{ckey} · {md(label)}"
            w(f"- **{md(e['class'])}**: {' '.join(e['reason'].split())}")
        else:
            w("- **UNEXPLAINED**")
        w("")
    w("## Notes on agreements")
    w("")
    w("Agreement is not correctness: rows where both tools give the same verdict and a note in")
    w("`explanations.toml` says that verdict is wrong or needs a caveat.")
    w("")
    if not agreement_notes:
        w("None.")
    for ckey, label, kind, e in agreement_notes:
        where = f"{ckey} · {md(label)}"
        text = (f"as for {explained_at[e['index']]}" if e["index"] in explained_at
                else " ".join(e["reason"].split()))
        explained_at.setdefault(e["index"], where)
        w(f"- {where} ({'both pass' if kind == 'agree-pass' else 'both fail'}): **{md(e['class'])}**: {text}")
    w("")
    w("## Not evaluated and one-sided passes")
    w("")
    w("Rows where a tool could not judge (not evaluated) or only one tool reported a pass; no")
    w("tool fails them, so they are not disagreements.")
    w("")
    w("| control | resource | Palisade | Prowler | note |")
    w("|---|---|---|---|---|")
    for ckey_, title, info, counts in summary:
        fw = FSBP if ckey_.startswith("fsbp:") else "cis"
        for row in info["rows"]:
            kind = classify(row, True)
            if kind in ("not-evaluated", "one-tool-pass"):
                p = STATUS_TEXT[row["p"]] + (" (gap)" if row["gap"] else "")
                label = label_of(row["subject"], names)
                e = explain(row, kind, ckey_, label, explanations)
                note = ""
                if e and e["index"] in explained_at:
                    note = f"{e['class']}: as for {explained_at[e['index']]}"
                elif e:
                    note = f"{e['class']}: {' '.join(e['reason'].split())}"
                    explained_at[e["index"]] = f"{ckey_} · {md(label)}"
                w(f"| {ckey_} | {md(label)} | {p} | {STATUS_TEXT[row['w']]} | {md(note)} |")
    w("")
    w("## Controls only one tool maps (not comparable)")
    w("")
    silent = sum(1 for o in one_sided if not o[3])
    w(f"With at least one result on this account ({silent} more controls mapped by one tool have none).")
    w("")
    w("| control | title | mapped by | checks | resources | failing |")
    w("|---|---|---|---|---|---|")
    prowler_fw = {FSBP: mapping.get("fsbp", {}), "cis": mapping.get(f"CIS-{cis_prowler}", {})}
    for ckey, title, info, n, nfail in one_sided:
        if not n:
            continue
        who = "Palisade" if info["p_any"] else "Prowler"
        if info["p_any"]:
            fw = FSBP if ckey.startswith("fsbp:") else "cis"
            listed = prowler_fw[fw].get(ckey.split(":", 1)[1])
            if listed is None:
                who += " (not in Prowler's catalogue)"
            elif not listed:
                who += " (Prowler lists it without a check)"
            else:
                who += f" (Prowler's checks are outside the services scanned: {', '.join(sorted(listed))})"
        title = title or "(not in Palisade's catalogue)"
        checks = info["p_checks"] if info["p_any"] else info["w_checks"]
        w(f"| {ckey} | {md(title)} | {who} | {', '.join(checks)} | {n} | {nfail} |")
    w("")
    unused = [e for e in explanations if not e["used"]]
    pending = [e for e in unused if e.get("expected")]
    stale = [e for e in unused if not e.get("expected") and e["side"] in ("palisade-only", "prowler-only")]
    idle = [e for e in unused if not e.get("expected") and e["side"] not in ("palisade-only", "prowler-only")]
    w("## Explanations no longer needed")
    w("")
    w("Entries of `benches/accuracy/explanations.toml` for a disagreement that did not occur in this")
    w("run: it is resolved (or has changed shape). Remove them once confirmed.")
    w("")
    if not stale:
        w("None.")
    for e in stale:
        w(f"- {', '.join(e['controls'])} ({e['side']}{', ' + ', '.join(e['checks']) if e.get('checks') else ''}): "
          f"{md(e['class'])}")
    if pending:
        w("")
        w("Written ahead for a change not seen in this run (the `expected` field names it):")
        w("")
        for e in pending:
            w(f"- {', '.join(e['controls'])} ({e['side']}): {md(e['class'])}, once {md(e['expected'])} is in")
    if idle:
        w("")
        w("Notes (on rows no tool fails) that matched no row in this run:")
        w("")
        for e in idle:
            w(f"- {', '.join(e['controls'])} ({e['side']}{', ' + ', '.join(e['checks']) if e.get('checks') else ''}): "
              f"{md(e['class'])}")
    w("")
    (ROOT / "docs/accuracy.md").write_text("\n".join(L))
    print(f"wrote docs/accuracy.md: {len(disagreements)} disagreement(s), {unexplained} unexplained, "
          f"{len(stale)} explanation(s) and {len(idle)} note(s) unused, {len(pending)} written ahead", file=sys.stderr)
    if strict and unexplained:
        return 1
    return 0


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    sub = ap.add_subparsers(dest="cmd", required=True)
    run = sub.add_parser("run", help="start moto, run both tools, write docs/accuracy.md")
    run.add_argument("--palisade", default=os.environ.get("PALISADE", str(ROOT / "target/debug/palisade")))
    run.add_argument("--prowler", default=os.environ.get("PROWLER", "prowler"))
    run.add_argument("--moto-python", default=os.environ.get("MOTO_PYTHON", "python3"))
    run.add_argument("--keep", type=Path, help="keep the raw outputs in this directory")
    run.add_argument("--seed-only", action="store_true",
                     help="fixtures/moto/seed.py alone, without benches/accuracy/seed_cases.py")
    run.add_argument("--strict", action="store_true", help="exit 1 if a disagreement is unexplained")
    rep = sub.add_parser("report", help="re-render docs/accuracy.md from a kept directory")
    rep.add_argument("dir", type=Path)
    rep.add_argument("--strict", action="store_true")
    for p in (run, rep):
        p.add_argument("--explanations", type=Path, default=HERE / "explanations.toml")
    args = ap.parse_args()
    if args.cmd == "report":
        return render(args.dir.resolve(), args.explanations, args.strict)
    if args.keep:
        args.keep.mkdir(parents=True, exist_ok=True)
        work = args.keep.resolve()
        run_tools(args, work)
        return render(work, args.explanations, args.strict)
    with tempfile.TemporaryDirectory(prefix="palisade-accuracy-") as tmp:
        work = Path(tmp)
        run_tools(args, work)
        return render(work, args.explanations, args.strict)


if __name__ == "__main__":
    sys.exit(main())
