#!/usr/bin/env bash
# `palisade scan` at scale: a synthetic organisation of RESOURCES resources
# in ACCOUNTS accounts (written by `synth-scan --write`) scanned to SARIF,
# JSON, JUnit and OCSF, against the engine alone (`synth-scan`, evaluation
# without reading a file or writing a report). Prints a Markdown table of
# wall time and peak RSS (GNU time) with the commands.
#
# Needs GNU time at /usr/bin/time and release builds:
#   cargo build --release --locked -p palisade-cli --bin palisade -p palisade-benches --bin synth-scan
#   benches/scale.sh 1000000 100
#   SHARDS="1 2 4" FORMATS=sarif benches/scale.sh 100000 10
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
  [ -x "$b" ] || { echo "no binary at $b (cargo build --release --locked -p palisade-cli --bin palisade -p palisade-benches --bin synth-scan)" >&2; exit 2; }
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

# Shard scaling (SHARDS="1 2 4"): the same organisation split into N shard
# files of one run (as `collect --shard I/N` writes them), each scanned by
# its own process, N processes at once (as N Indexed Job pods or Batch array
# children would); then one `palisade scan DIR/` over all N files (one
# organisation, streamed file by file).
shards="${SHARDS:-}"
[ -n "$shards" ] || exit 0
echo
echo "| Shards | Command | Wall (s) | Peak RSS of one process (MiB) |"
echo "|---|---|---:|---:|"
for n in $shards; do
  dir="$work/shards-$n"
  python3 - "$snap" "$dir" "$n" <<'PY'
import json, os, sys
snap, out, n = sys.argv[1], sys.argv[2], int(sys.argv[3])
with open(snap) as f:
    s = json.load(f)
accounts = sorted(a["account_id"] for a in s["accounts"])
assignment = {a: i % n for i, a in enumerate(accounts)}
os.makedirs(out, exist_ok=True)
for i in range(n):
    part = dict(s)
    part["shard"] = {"index": i, "count": n, "run_id": "bench", "assignment": assignment}
    part["accounts"] = [a for a in s["accounts"] if assignment[a["account_id"]] == i]
    with open(os.path.join(out, f"shard-{i:04d}-of-{n:04d}.json"), "w") as f:
        json.dump(part, f)
PY
  start=$(date +%s.%N)
  peak=0
  pids=()
  for i in $(seq 0 $((n - 1))); do
    f=$(printf "%s/shard-%04d-of-%04d.json" "$dir" "$i" "$n")
    /usr/bin/time -v -o "$dir/time-$i.log" "$palisade" scan "$f" --format sarif -o "$dir/out-$i.sarif" > /dev/null 2>&1 &
    pids+=($!)
  done
  for p in "${pids[@]}"; do wait "$p" || true; done
  end=$(date +%s.%N)
  for i in $(seq 0 $((n - 1))); do
    r=$(awk -F': ' '/Maximum resident set size/ {printf "%.0f", $2 / 1024}' "$dir/time-$i.log")
    [ "$r" -gt "$peak" ] && peak=$r
  done
  wall=$(awk -v a="$start" -v b="$end" 'BEGIN { printf "%.2f", b - a }')
  echo "| $n processes at once | \`palisade scan shard-I-of-$n.json --format sarif\` x $n | $wall | $peak |"
  read -r wall rss rc < <(measure "$palisade" scan "$dir/" --format sarif -o "$work/all.sarif")
  echo "| $n files, one process | \`palisade scan shards-$n/ --format sarif\` | $wall | $rss |"
  rm -rf "$dir"
done
