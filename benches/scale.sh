#!/usr/bin/env bash
# `palisade scan` at scale: a synthetic organisation of RESOURCES resources
# in ACCOUNTS accounts (written by `synth-scan --write`) scanned to SARIF,
# JSON, JUnit and OCSF, against the engine alone (`synth-scan`, evaluation
# without reading a file or writing a report). Prints a Markdown table of
# wall time and peak RSS (GNU time) with the commands.
#
# Needs GNU time at /usr/bin/time and release builds:
#   cargo build --release -p palisade-cli --bin palisade -p palisade-benches --bin synth-scan
#   benches/scale.sh 1000000 100
#
# The snapshot (about 450 bytes per resource) and the reports are written
# to a temporary directory (SCALE_DIR to choose it) and removed at the end.
set -euo pipefail

cd "$(dirname "$0")/.."
resources="${1:-100000}"
accounts="${2:-10}"
formats="${FORMATS:-sarif json junit ocsf}"
target="${CARGO_TARGET_DIR:-target}"
palisade="${PALISADE:-$target/release/palisade}"
synth="${SYNTH:-$target/release/synth-scan}"

for b in "$palisade" "$synth"; do
  [ -x "$b" ] || { echo "no binary at $b (cargo build --release -p palisade-cli --bin palisade -p palisade-benches --bin synth-scan)" >&2; exit 2; }
done
[ -x /usr/bin/time ] || { echo "GNU time (/usr/bin/time) is required" >&2; exit 2; }

work="$(mktemp -d "${SCALE_DIR:-${TMPDIR:-/tmp}}/palisade-scale.XXXXXX")"
trap 'rm -rf "$work"' EXIT
snap="$work/org.json"

# Runs "$@" under GNU time; prints "wall_s peak_mib exit".
measure() {
  local log="$work/time.log" rc=0
  /usr/bin/time -v -o "$log" "$@" > "$work/stdout" 2> "$work/stderr" || rc=$?
  local wall rss
  wall=$(awk -F': ' '/Elapsed \(wall clock\)/ {print $2}' "$log" |
    awk -F: '{ if (NF == 3) print $1*3600 + $2*60 + $3; else print $1*60 + $2 }')
  rss=$(awk -F': ' '/Maximum resident set size/ {printf "%.0f", $2 / 1024}' "$log")
  echo "$wall $rss $rc"
}

"$synth" "$resources" "$accounts" --write "$snap"
size_mib=$(( $(stat -c %s "$snap") / 1048576 ))
echo "Snapshot: $resources resources in $accounts accounts, ${size_mib} MiB ($(nproc) cores)."
echo
echo "| Run | Command | Wall (s) | Peak RSS (MiB) | Exit |"
echo "|---|---|---:|---:|---:|"
read -r wall rss rc < <(measure "$synth" "$resources" "$accounts")
engine="$wall"
echo "| engine only | \`synth-scan $resources $accounts\` | $wall | $rss | $rc |"
for f in $formats; do
  out="$work/out.$f"
  read -r wall rss rc < <(measure "$palisade" scan "$snap" --format "$f" -o "$out")
  ratio=$(awk -v a="$wall" -v b="$engine" 'BEGIN { if (b > 0) printf "%.2f", a / b; else print "-" }')
  echo "| scan to $f (${ratio}x engine) | \`palisade scan org.json --format $f -o out.$f\` | $wall | $rss | $rc |"
  rm -f "$out"
done
