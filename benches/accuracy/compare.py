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

Build the palisade binary from this checkout: policies/ and rules/ are read
from the checkout, the evaluator is the binary's. --strict exits 1 when a
disagreement has no explanation. Nothing here contacts anything but 127.0.0.1.

Files: compare.py runs moto and both tools and keeps their raw output;
joining.py turns that output into rows per (control, resource) and matches
explanations; document.py writes the page; seed_cases.py adds the issue-10
cases on top of fixtures/moto/seed.py; test_compare.py tests the join
(python3 -m unittest discover -s benches/accuracy -p 'test_*.py').
"""
import argparse
import json
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from document import render
from joining import HERE, MOTO_SEED, REGIONS, ROOT, SERVICES, prowler_errors


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
