#!/usr/bin/env python3
"""IaC peer comparison: Palisade, Checkov and cfn-guard on the rule corpus
(fixtures/iac/rules/**), joined per (file, resource, concept), and their
throughput on the same files in one run.

Writes the section between `<!-- iac-parity:begin -->` and
`<!-- iac-parity:end -->` of docs/parity.md and the one between
`<!-- iac-bench:begin -->` and `<!-- iac-bench:end -->` of BENCHMARKS.md.
Every number and row comes from the tools' output; only the concept mapping
(mapping.toml) and the reasons for differences (explanations.toml) are
written by hand. Not part of CI (it needs the peers; install-peers.sh).

    benches/iac/run.sh [--keep DIR] [--strict] [--runs N] [--large FILE]
    python3 benches/iac/compare.py report DIR [--strict]   # re-render a kept run

Environment (run.sh sets the defaults): PALISADE (binary built from this
checkout), CHECKOV, CFN_GUARD, GUARD_RULES (the `rules/aws` directory of an
aws-guard-rules-registry checkout; see install-peers.sh). --strict exits 1
when a difference has no explanation or a peer check on the compared
services is in neither a concept nor the `unmapped` list of mapping.toml.
Nothing here uses the network (Checkov runs with --skip-download).
"""
import argparse
import json
import os
import platform
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from document import render  # noqa: E402
from joining import HERE, ROOT, file_kind  # noqa: E402

CORPUS = "fixtures/iac/rules"
# Guard Rules Registry folders for the services Palisade judges.
GUARD_DIRS = ("amazon_ec2", "iam", "aws_backup", "aws_waf_v2")
DATA_SUFFIXES = (".yaml", ".yml", ".json", ".template")


def corpus_files(root=ROOT, corpus=CORPUS):
    """Repository-relative paths of the corpus templates and plans, sorted."""
    base = root / corpus
    out = []
    for p in sorted(base.rglob("*")):
        if p.is_file() and p.name.endswith(DATA_SUFFIXES):
            out.append(str(p.relative_to(root)))
    return out


def timed(cmd, out_path, env=None, cwd=ROOT):
    """Runs cmd under GNU time with stdout to out_path; (wall s, peak RSS KiB, rc)."""
    with tempfile.NamedTemporaryFile("r", suffix=".time") as tf, open(out_path, "w") as out:
        full = ["/usr/bin/time", "-f", "%e %M", "-o", tf.name] + cmd
        err_path = str(out_path) + ".stderr"
        with open(err_path, "w") as err:
            rc = subprocess.run(full, stdout=out, stderr=err, env=env, cwd=cwd).returncode
        last = [ln for ln in Path(tf.name).read_text().splitlines() if ln.strip()]
        wall, rss = last[-1].split()
    return float(wall), int(rss), rc


def palisade_cmd(args, files, out):
    return [args.palisade, "scan", *files, "--format", "json", "-o", str(out), "-q",
            "--policies", str(ROOT / "policies"), "--rules", str(ROOT / "rules")]


def checkov_cmd(args, files):
    cfn = [f for f in files if file_kind(f) == "cloudformation"]
    plans = [f for f in files if file_kind(f) == "terraform"]
    fw = (["cloudformation"] if cfn else []) + (["terraform_plan"] if plans else [])
    cmd = [args.checkov, "--framework", *fw, "-o", "json", "--skip-download"]
    for f in files:
        cmd += ["-f", f]
    return cmd


def guard_cmd(args, files):
    cmd = [args.cfn_guard, "validate", "-o", "json", "-z", "-S", "none"]
    for d in GUARD_DIRS:
        cmd += ["-r", str(Path(args.guard_rules) / d)]
    for f in files:
        if file_kind(f) == "cloudformation":
            cmd += ["-d", f]
    return cmd


def median(xs):
    s = sorted(xs)
    return s[(len(s) - 1) // 2] if s else None


def first_line(text):
    lines = [ln.strip() for ln in text.splitlines() if ln.strip()]
    return lines[0][:300] if lines else ""


def palisade_readable(args, files, work, unreadable):
    """The files Palisade imports: one scan of all; while it exits 2 (a file
    it rejects, named in its message), that file is set aside and the scan
    repeated; a rejection naming no corpus file falls back to one scan per
    file. `unreadable` gets {file: message}."""
    ok = list(files)
    for _ in range(len(files)):
        r = subprocess.run(palisade_cmd(args, ok, work / "probe.json"), cwd=ROOT, capture_output=True, text=True)
        if r.returncode != 2:
            return ok
        named = [f for f in ok if f in r.stderr]
        if not named:
            break
        bad = max(named, key=len)
        unreadable[bad] = first_line(r.stderr)
        ok.remove(bad)
    keep = []
    for f in ok:
        r = subprocess.run(palisade_cmd(args, [f], work / "probe.json"), cwd=ROOT, capture_output=True, text=True)
        if r.returncode == 2:
            unreadable[f] = first_line(r.stderr)
        else:
            keep.append(f)
    return keep


def guard_readable(args, files, unreadable):
    """The templates cfn-guard parses (one bad file aborts its whole run, so
    each is tried alone first; that takes a few ms per file)."""
    keep = []
    for f in files:
        r = subprocess.run(guard_cmd(args, [f]), cwd=ROOT, capture_output=True, text=True)
        if r.returncode in (0, 19):
            keep.append(f)
        else:
            unreadable[f] = first_line(r.stderr)
    return keep


def checkov_unreadable(path, unreadable):
    """Files Checkov reports as parsing errors (it skips them and goes on)."""
    try:
        doc = json.loads(Path(path).read_text())
    except (OSError, ValueError):
        return
    for rep in doc if isinstance(doc, list) else [doc]:
        for f in (rep.get("results", {}) or {}).get("parsing_errors", []) or []:
            unreadable[str(f).lstrip("/")] = f"{rep.get('check_type')}: parsing error"


def run_tools(args, work):
    corpus = corpus_files()
    if not corpus:
        sys.exit(f"no corpus files under {CORPUS}")
    (work / "files.json").write_text(json.dumps(corpus, indent=1))
    unreadable = {"palisade": {}, "cfn-guard": {}, "checkov": {}}
    # Every tool reads the same files: those Palisade imports (the rest are
    # listed with its message); cfn-guard's set is the templates among them
    # that it parses.
    files = palisade_readable(args, corpus, work, unreadable["palisade"])
    cfn = guard_readable(args, [f for f in files if file_kind(f) == "cloudformation"], unreadable["cfn-guard"])
    (work / "sets.json").write_text(json.dumps({"all": files, "templates": cfn}, indent=1))
    tools = {
        "palisade": lambda fs, out: (palisade_cmd(args, fs, out), None),
        "checkov": lambda fs, out: (checkov_cmd(args, fs), out),
        "cfn-guard": lambda fs, out: (guard_cmd(args, fs), out),
    }
    # (tool, file set) pairs: every tool on everything it reads, Palisade also
    # on the templates alone (cfn-guard's file set).
    sets = [("palisade", "all", files), ("checkov", "all", files), ("cfn-guard", "templates", cfn),
            ("palisade", "templates", cfn), ("checkov", "templates", cfn)]
    times = {}
    for run in range(args.runs):
        for tool, label, fs in sets:
            out = work / f"{tool}-{label}.json"
            cmd, stdout_to = tools[tool](fs, out)
            sink = stdout_to if stdout_to is not None else work / f"{tool}-{label}.stdout"
            wall, rss, rc = timed(cmd, sink)
            times.setdefault(f"{tool}/{label}", []).append({"wall": wall, "rss_kib": rss, "rc": rc})
            if run == 0:
                (work / f"{tool}-{label}.cmd").write_text(" ".join(cmd))
    # Per-invocation cost: each tool on one small file (start-up dominates).
    one = sorted(cfn, key=lambda f: (ROOT / f).stat().st_size)[len(cfn) // 2] if cfn else files[0]
    for tool in ("palisade", "checkov", "cfn-guard"):
        for _ in range(max(3, args.runs)):
            cmd, stdout_to = tools[tool]([one], work / f"one-{tool}.json")
            wall, rss, rc = timed(cmd, stdout_to or work / f"one-{tool}.stdout")
            times.setdefault(f"{tool}/one", []).append({"wall": wall, "rss_kib": rss, "rc": rc})
    if args.large:
        large = str(Path(args.large).resolve())
        for tool in ("palisade", "checkov", "cfn-guard"):
            cmd, stdout_to = tools[tool]([large], work / f"large-{tool}.json")
            wall, rss, rc = timed(cmd, stdout_to or work / f"large-{tool}.stdout")
            times[f"{tool}/large"] = [{"wall": wall, "rss_kib": rss, "rc": rc}]
        (work / "large.json").write_text(json.dumps({"file": args.large, "bytes": Path(large).stat().st_size,
                                                     "resources": count_resources(large)}))
    checkov_unreadable(work / "checkov-all.json", unreadable["checkov"])
    (work / "unreadable.json").write_text(json.dumps(unreadable, indent=1, sort_keys=True))
    (work / "times.json").write_text(json.dumps({"runs": args.runs, "one_file": one, "times": times}, indent=1))
    (work / "checkov-list.json").write_text(json.dumps(checkov_listing(args.checkov), indent=1, sort_keys=True))
    (work / "guard-list.json").write_text(json.dumps(guard_listing(args.guard_rules), indent=1, sort_keys=True))
    (work / "versions.json").write_text(json.dumps(versions(args), indent=1, sort_keys=True))


def count_resources(path):
    """Resources of a generated template (2-space keys under `Resources:`) or
    plan (planned_values addresses)."""
    text = Path(path).read_text()
    if str(path).endswith(".json"):
        return len(json.loads(text)["planned_values"]["root_module"]["resources"])
    body = text.split("\nResources:\n", 1)[-1]
    body = re.split(r"\n(?=[A-Za-z])", body, maxsplit=1)[0]
    return len(re.findall(r"^  [A-Za-z0-9]+:\s*$", body, re.M))


def checkov_listing(checkov):
    """{check id: [resource type, ...]} for the CloudFormation and Terraform
    checks of the installed Checkov (`checkov --list`; terraform_plan runs the
    Terraform checks)."""
    out = {}
    for fw in ("cloudformation", "terraform"):
        r = subprocess.run([checkov, "--list", "--framework", fw, "--skip-download"],
                           capture_output=True, text=True)
        for line in r.stdout.splitlines():
            cells = [c.strip() for c in line.split("|")]
            if len(cells) > 5 and re.match(r"CKV2?_AWS_\d+$", cells[2]):
                out.setdefault(cells[2], set()).add(cells[4])
    return {k: sorted(v) for k, v in out.items()}


def guard_listing(rules_dir):
    """{rule name: [CloudFormation type, ...]} for the registry rules in scope."""
    out = {}
    for d in GUARD_DIRS:
        for p in sorted((Path(rules_dir) / d).glob("*.guard")):
            text = p.read_text()
            types = sorted(set(re.findall(r"AWS::[A-Za-z0-9]+::[A-Za-z0-9]+", text)))
            for name in re.findall(r"^rule\s+([A-Za-z0-9_]+)", text, re.M):
                out[name] = types
    return out


def versions(args):
    def out(cmd):
        try:
            return subprocess.run(cmd, capture_output=True, text=True).stdout.strip().splitlines()[0]
        except (OSError, IndexError):
            return "unknown"

    reg = Path(args.guard_rules)
    rev = subprocess.run(["git", "-C", str(reg), "log", "-1", "--format=%h %cs"], capture_output=True, text=True)
    stamp = reg.parent.parent / "REVISION"
    return {
        "palisade": out([args.palisade, "--version"]),
        "palisade_commit": subprocess.run(["git", "-C", str(ROOT), "log", "-1", "--format=%h"],
                                          capture_output=True, text=True).stdout.strip(),
        "palisade_build": "release" if "/release/" in str(Path(args.palisade).resolve()) else "debug",
        "checkov": out([args.checkov, "--version"]),
        "cfn_guard": out([args.cfn_guard, "--version"]),
        "guard_rules": rev.stdout.strip() or (stamp.read_text().strip() if stamp.exists() else "unknown"),
        "machine": f"{platform.machine()}, {os.cpu_count()} CPUs, {platform.system()} {platform.release()}",
    }


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = ap.add_subparsers(dest="cmd", required=True)
    run = sub.add_parser("run", help="run the tools, then write the pages")
    run.add_argument("--keep", type=Path, help="keep the raw outputs in this directory")
    run.add_argument("--runs", type=int, default=int(os.environ.get("RUNS", "3")))
    run.add_argument("--large", help="also time each tool on this (generated) template once")
    run.add_argument("--strict", action="store_true")
    run.add_argument("--no-write", action="store_true", help="print the section instead of writing the pages")
    rep = sub.add_parser("report", help="re-render from a kept run")
    rep.add_argument("dir", type=Path)
    rep.add_argument("--strict", action="store_true")
    rep.add_argument("--no-write", action="store_true")
    args = ap.parse_args()
    if args.cmd == "run":
        args.palisade = os.environ.get("PALISADE", "")
        args.checkov = os.environ.get("CHECKOV", "")
        args.cfn_guard = os.environ.get("CFN_GUARD", "")
        args.guard_rules = os.environ.get("GUARD_RULES", "")
        for name in ("palisade", "checkov", "cfn_guard"):
            if not getattr(args, name) or not shutil.which(getattr(args, name)):
                sys.exit(f"{name.upper()} not found: {getattr(args, name)!r} (see benches/iac/run.sh)")
        if not args.guard_rules or not (Path(args.guard_rules) / "iam").is_dir():
            sys.exit(f"GUARD_RULES must be the rules/aws directory of the registry, not {args.guard_rules!r}")
        work = args.keep or Path(tempfile.mkdtemp(prefix="palisade-iac-"))
        work.mkdir(parents=True, exist_ok=True)
        run_tools(args, work)
        print(f"raw outputs in {work}", file=sys.stderr)
    else:
        work = args.dir
    problems = render(work, HERE / "mapping.toml", HERE / "explanations.toml", write=not args.no_write)
    for p in problems:
        print(p, file=sys.stderr)
    if args.strict and problems:
        sys.exit(1)


if __name__ == "__main__":
    main()
