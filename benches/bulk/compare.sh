#!/usr/bin/env bash
# A bulk moto account (benches/bulk/seed_bulk.py: thousands of IAM users,
# roles and policies and security groups) collected and scanned by Palisade
# and by Prowler, both with default settings (every region, every check), in
# one run on one machine against the same moto server. Prints a Markdown
# table of wall time and peak RSS (GNU time -v) with the commands.
#
#   cargo build --release --locked -p palisade-cli
#   python3 -m venv ~/.cache/palisade/prowler-venv
#   ~/.cache/palisade/prowler-venv/bin/pip install prowler==5.46.0
#   benches/bulk/compare.sh [--users N] [--roles N] [--policies N] [--groups N] [--sgs N]
#                           [--only palisade|prowler|report]
#
# Defaults: 1000 users, 1000 roles, 1000 policies, 50 groups, 1000 security
# groups; PALISADE=$CARGO_TARGET_DIR/release/palisade (else target/release),
# PROWLER=~/.cache/palisade/prowler-venv/bin/prowler, MOTO_PYTHON=the test
# venv scripts/test creates ($CARGO_TARGET_DIR/test-venv, moto[server] and
# boto3). KEEP=DIR keeps the snapshots, reports and logs there.
#
# Each tool gets its own moto server, seeded the same way (the seed is
# deterministic), so neither reads a credential report the other generated.
# --only runs one tool's half (with KEEP=DIR, run the other half later into
# the same DIR and --only report prints the table).
#
# Palisade collects twice: first right after seeding, when its
# GenerateCredentialReport starts a new report (the per-user facts the report
# carries are taken from it), then again, when IAM hands back that report
# instead of a new one (AWS does so for four hours) and every user is asked
# per user. Prowler runs with its default settings.
#
# Nothing here contacts anything but 127.0.0.1.
set -euo pipefail

cd "$(dirname "$0")/../.."
target="${CARGO_TARGET_DIR:-target}"
palisade="${PALISADE:-$target/release/palisade}"
prowler="${PROWLER:-$HOME/.cache/palisade/prowler-venv/bin/prowler}"
python="${MOTO_PYTHON:-$target/test-venv/bin/python}"
[ -x "$python" ] || { echo "no python with moto at $python (./scripts/test creates it, or set MOTO_PYTHON)" >&2; exit 2; }
[ -x /usr/bin/time ] || { echo "GNU time (/usr/bin/time) is required" >&2; exit 2; }

seed_args=()
only=""
while [ $# -gt 0 ]; do
    case "$1" in
        --only) only="$2"; shift 2 ;;
        *) seed_args+=("$1"); shift ;;
    esac
done
case "$only" in ""|palisade|prowler|report) ;; *) echo "--only takes palisade, prowler or report" >&2; exit 2 ;; esac
case "$only" in ""|palisade) [ -x "$palisade" ] || { echo "no palisade binary at $palisade (cargo build --release --locked -p palisade-cli, or set PALISADE)" >&2; exit 2; } ;; esac
case "$only" in ""|prowler) [ -x "$prowler" ] || { echo "no prowler at $prowler (see the header of $0, or set PROWLER)" >&2; exit 2; } ;; esac

if [ -n "${KEEP:-}" ]; then
    mkdir -p "$KEEP"
    work="$(cd "$KEEP" && pwd)"
else
    work="$(mktemp -d)"
fi
moto_pid=""
cleanup() {
    [ -z "$moto_pid" ] || kill "$moto_pid" 2> /dev/null || true
    [ -n "${KEEP:-}" ] || rm -rf "$work"
}
trap cleanup EXIT

# fresh_moto NAME: starts a new moto server and seeds it (each tool gets its
# own, identically seeded, so neither reads the credential report the other
# had generated); sets $url.
fresh_moto() {
    [ -z "$moto_pid" ] || { kill "$moto_pid"; wait "$moto_pid" 2> /dev/null || true; }
    local port
    port="$("$python" -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')"
    MOTO_IAM_LOAD_MANAGED_POLICIES=true MOTO_EC2_LOAD_DEFAULT_AMIS=false \
        "$python" -m moto.server -H 127.0.0.1 -p "$port" > "$work/moto-$1.log" 2>&1 &
    moto_pid=$!
    url="http://127.0.0.1:$port"
    for _ in $(seq 100); do
        "$python" -c "import socket; socket.create_connection(('127.0.0.1', $port), 1)" 2> /dev/null && break
        sleep 0.2
    done
    echo "seeding moto at $url for $1: ${seed_args[*]}" >&2
    "$python" benches/bulk/seed_bulk.py "$url" "${seed_args[@]}" 2> "$work/seed-$1.log"
    echo "${seed_args[*]}" > "$work/seed-args"
    tail -1 "$work/seed-$1.log" >&2
}

# Credentials for moto only; no shared config, no instance metadata.
export AWS_ACCESS_KEY_ID=testing AWS_SECRET_ACCESS_KEY=testing AWS_DEFAULT_REGION=us-east-1 \
    AWS_REGION=us-east-1 AWS_EC2_METADATA_DISABLED=true \
    AWS_CONFIG_FILE="$work/none" AWS_SHARED_CREDENTIALS_FILE="$work/none"
unset AWS_PROFILE AWS_SESSION_TOKEN

# measure NAME CMD...: runs CMD under GNU time -v (stdout and stderr to
# $work/NAME.log); records "wall_seconds max_rss_kib exit_code" in $work/NAME.m.
measure() {
    local name="$1"
    shift
    echo "running $name: $*" >&2
    local rc=0
    /usr/bin/time -v -o "$work/$name.time" "$@" > "$work/$name.log" 2>&1 || rc=$?
    awk -v rc="$rc" '
        /Elapsed \(wall clock\)/ { n = split($NF, p, ":"); s = 0; for (i = 1; i <= n; i++) s = s * 60 + p[i]; wall = s }
        /Maximum resident set size/ { rss = $NF }
        END { printf "%.2f %d %d\n", wall, rss, rc }' "$work/$name.time" > "$work/$name.m"
    echo "  $(cat "$work/$name.m")" >&2
}

if [ -z "$only" ] || [ "$only" = palisade ]; then
    fresh_moto palisade
    measure collect "$palisade" collect -o "$work/snapshot.json" --endpoint-url "$url" -q
    measure scan "$palisade" scan "$work/snapshot.json" --format sarif -o "$work/palisade.sarif"
    measure collect-again "$palisade" collect -o "$work/snapshot-again.json" --endpoint-url "$url" -q
fi
if [ -z "$only" ] || [ "$only" = prowler ]; then
    fresh_moto prowler
    rm -rf "$work/prowler-out"
    # Prowler's AWS provider honours AWS_ENDPOINT_URL through boto3.
    AWS_ENDPOINT_URL="$url" measure prowler "$prowler" aws --no-banner -o "$work/prowler-out"
fi
[ -f "$work/collect.m" ] && [ -f "$work/prowler.m" ] || { echo "partial run: results in $work" >&2; exit 0; }

"$python" - "$work" "$(cat "$work/seed-args" 2> /dev/null)" "$palisade" "$prowler" << 'PY'
import glob, json, sys
work, seeded, palisade, prowler = sys.argv[1:5]
m = {}
for name in ("collect", "scan", "collect-again", "prowler"):
    wall, rss, rc = open(f"{work}/{name}.m").read().split()
    m[name] = (float(wall), int(rss) / 1024, int(rc))
snap = json.load(open(f"{work}/snapshot.json"))
acct = snap["accounts"][0]
iam = acct["iam"]
sgs = sum(len(r.get("ec2", {}).get("security_groups", [])) for r in acct.get("region_data", []))
gaps = [c for c in acct.get("coverage", []) if c.get("status") != "ok"]
again = json.load(open(f"{work}/snapshot-again.json"))["accounts"][0]["iam"]
same_iam = again == iam
sarif = json.load(open(f"{work}/palisade.sarif"))
p_fail = sum(1 for r in sarif["runs"][0]["results"] if r.get("level") in ("error", "warning", "note") and not r.get("suppressions"))
ocsf = glob.glob(f"{work}/prowler-out/*.ocsf.json")
w_fail = sum(1 for f in json.load(open(ocsf[0])) if f.get("status_code") == "FAIL") if ocsf else "?"
p_wall = m["collect"][0] + m["scan"][0]
p_rss = max(m["collect"][1], m["scan"][1])
w_wall, w_rss = m["prowler"][0], m["prowler"][1]
print(f"Seeded with `benches/bulk/seed_bulk.py URL {seeded}`: {len(iam['users'])} users, {len(iam['roles'])} roles, "
      f"{len(iam['groups'])} groups, {len(iam['policies'])} managed policies, {sgs} security groups "
      f"(all regions) in the snapshot; {len(gaps)} coverage gaps (APIs moto lacks).")
print()
print("| step | command | wall (s) | peak RSS (MiB) | exit |")
print("|---|---|---|---|---|")
rows = [
    ("Palisade collect", f"palisade collect -o snapshot.json --endpoint-url URL -q", m["collect"]),
    ("Palisade scan", "palisade scan snapshot.json --format sarif -o palisade.sarif", m["scan"]),
    ("Palisade collect again (reused credential report)", "palisade collect -o snapshot-again.json --endpoint-url URL -q", m["collect-again"]),
    ("Prowler 5 (defaults)", "AWS_ENDPOINT_URL=URL prowler aws --no-banner -o prowler-out", m["prowler"]),
]
for label, cmd, (wall, rss, rc) in rows:
    print(f"| {label} | `{cmd}` | {wall:.1f} | {rss:.0f} | {rc} |")
print()
print(f"Palisade collect + scan: {p_wall:.1f} s, peak {p_rss:.0f} MiB; Prowler: {w_wall:.1f} s, peak {w_rss:.0f} MiB.")
print(f"Speed-up {w_wall / p_wall:.1f}x (target 10x); Palisade's peak RSS is {p_rss / w_rss:.2f} of Prowler's (target 0.20).")
again_wall = m["collect-again"][0] + m["scan"][0]
print(f"With the reused report (per-user calls): {again_wall:.1f} s, {w_wall / again_wall:.1f}x. "
      f"IAM data of both collections identical: {same_iam}.")
print(f"Failed findings: Palisade {p_fail} (SARIF results), Prowler {w_fail} (FAIL in OCSF).")
PY
