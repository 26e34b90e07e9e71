#!/usr/bin/env bash
# The 10,000-resource benchmark of issue 11 (goal: a scan in under 2 s and
# 300 MiB): generates a CloudFormation template and a Terraform plan with
# benches/iac/gen_template.py, then times `palisade scan` on each with
# /usr/bin/time -v (peak RSS) and hyperfine (wall time). A benchmark, not a
# timed test. Use a release build for figures worth recording:
#
#   cargo build --release --locked -p palisade-cli
#   benches/iac/bench-large.sh [RESOURCES] [RUNS]
#
# PALISADE overrides the binary ($CARGO_TARGET_DIR/release/palisade if built,
# else .../debug/palisade); the build profile is printed with the figures.
set -euo pipefail

cd "$(dirname "$0")/../.."
n="${1:-10000}"
runs="${2:-5}"
target="${CARGO_TARGET_DIR:-target}"
if [ -z "${PALISADE:-}" ]; then
    PALISADE="$target/debug/palisade"
    [ -x "$target/release/palisade" ] && PALISADE="$target/release/palisade"
fi
[ -x "$PALISADE" ] || { echo "no palisade binary at $PALISADE" >&2; exit 2; }
command -v hyperfine > /dev/null || { echo "hyperfine is required" >&2; exit 2; }
case "$(readlink -f "$PALISADE")" in */release/*) build=release ;; *) build=debug ;; esac

work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
python3 benches/iac/gen_template.py --resources "$n" --out "$work" > /dev/null
echo "palisade: $PALISADE ($build build, $("$PALISADE" --version 2>/dev/null || echo unknown))"
echo "machine: $(uname -m), $(nproc) CPUs; commit $(git log -1 --format=%h)"
for f in "$work/large-$n.yaml" "$work/large-$n.tfplan.json"; do
    echo
    echo "== $(basename "$f") ($(du -h "$f" | cut -f1))"
    cmd=("$PALISADE" scan "$f" --format json -o "$work/out.json" -q)
    # The template builds ARNs with ${AWS::AccountId}; a pipeline passes the
    # target account so they resolve (without it those checks are not evaluated).
    case "$f" in *.yaml) cmd+=(--account-id 111122223333) ;; esac
    set +e
    /usr/bin/time -v "${cmd[@]}" 2> "$work/time.txt"
    rc=$?
    set -e
    echo "exit $rc; $(grep -E 'Maximum resident set size' "$work/time.txt" | sed 's/^\s*//')," \
        "$(grep -E 'Elapsed \(wall' "$work/time.txt" | sed 's/^\s*//')"
    [ "$rc" -le 1 ] || [ "$rc" -eq 3 ] || { tail -5 "$work/time.txt"; continue; }
    python3 - "$work/out.json" <<'PY'
import json, sys, collections
d = json.load(open(sys.argv[1]))
c = collections.Counter(r["status"] for r in d.get("results", []))
print("results:", dict(sorted(c.items())), "resources:", len({r["resource"]["id"] for r in d.get("results", [])}))
PY
    secs="$(grep -E 'Elapsed \(wall' "$work/time.txt" | awk -F': ' '{print $2}' | awk -F: '{ s = 0; for (i = 1; i <= NF; i++) s = s * 60 + $i; print int(s) }')"
    if [ "${secs:-0}" -gt 30 ]; then
        echo "(one run took ${secs} s: hyperfine skipped)"
        continue
    fi
    hyperfine --warmup 1 --runs "$runs" -i --export-markdown "$work/hf.md" "${cmd[*]}" > /dev/null
    sed "s|$work/||g; s|$PALISADE|palisade|" "$work/hf.md"
done
