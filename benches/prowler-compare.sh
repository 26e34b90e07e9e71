#!/usr/bin/env bash
# End-to-end comparison with Prowler on the same seeded moto account, in one
# run on one machine: `palisade scan --live` (collect + evaluate + report)
# against `prowler aws --services iam ec2 wafv2 backup config`, both pointed at
# the same local moto server. Prints wall time and peak RSS for each.
#
# Needs: python3 with moto[server] (see .ci/run), Prowler (`pip install
# prowler`, ideally in its own virtualenv: PROWLER=/path/to/venv/bin/prowler),
# GNU time at /usr/bin/time, and a release build of palisade:
#   cargo build --release --locked -p palisade-cli
#   PROWLER=/tmp/prowler-venv/bin/prowler benches/prowler-compare.sh [RUNS]
#
# For agreement rather than speed (both tools' findings joined by FSBP/CIS
# control), see benches/accuracy/run.sh and docs/accuracy.md.
#
# Nothing here contacts anything but 127.0.0.1.
set -euo pipefail

cd "$(dirname "$0")/.."
runs="${1:-5}"
target="${CARGO_TARGET_DIR:-target}"
palisade="${PALISADE:-$target/release/palisade}"
prowler="${PROWLER:-prowler}"
regions="us-east-1,eu-west-1"

[ -x "$palisade" ] || { echo "no palisade binary at $palisade (cargo build --release --locked -p palisade-cli)" >&2; exit 2; }
command -v "$prowler" > /dev/null || { echo "prowler not found (set PROWLER)" >&2; exit 2; }
[ -x /usr/bin/time ] || { echo "GNU time (/usr/bin/time) is required" >&2; exit 2; }

work="$(mktemp -d)"
port="$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')"
MOTO_IAM_LOAD_MANAGED_POLICIES=true MOTO_EC2_LOAD_DEFAULT_AMIS=false \
    python3 -m moto.server -H 127.0.0.1 -p "$port" > "$work/moto.log" 2>&1 &
moto_pid=$!
trap 'kill $moto_pid 2> /dev/null || true; rm -rf "$work"' EXIT
url="http://127.0.0.1:$port"
for _ in $(seq 50); do
    python3 -c "import socket; socket.create_connection(('127.0.0.1', $port), 1)" 2> /dev/null && break
    sleep 0.2
done
python3 fixtures/moto/seed.py "$url" > /dev/null

# Credentials for moto only; no shared config, no instance metadata.
export AWS_ACCESS_KEY_ID=testing AWS_SECRET_ACCESS_KEY=testing AWS_DEFAULT_REGION=us-east-1 \
    AWS_REGION=us-east-1 AWS_EC2_METADATA_DISABLED=true \
    AWS_CONFIG_FILE="$work/none" AWS_SHARED_CREDENTIALS_FILE="$work/none"
unset AWS_PROFILE AWS_SESSION_TOKEN

# Runs "$@" under GNU time; prints "wall_seconds max_rss_kib".
measure() {
    local log="$work/time.log"
    /usr/bin/time -f '%e %M' -o "$log" "$@" > /dev/null 2>> "$work/stderr.log" || true
    tail -1 "$log"
}

median() { sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }

echo "moto $url seeded; $runs run(s) each"
: > "$work/palisade.txt"
: > "$work/palisade-1.txt"
for i in $(seq "$runs"); do
    measure "$palisade" scan --live "$work/snapshot.json" --endpoint-url "$url" \
        --regions "$regions" -q --format sarif -o "$work/palisade.sarif" >> "$work/palisade.txt"
    # moto answers the APIs it lacks with an HTML 500, which the SDK retries
    # with backoff (as it should for a real 500); one attempt shows what the
    # collection costs without that waiting.
    measure "$palisade" scan --live "$work/snapshot-1.json" --endpoint-url "$url" --max-attempts 1 \
        --regions "$regions" -q --format sarif -o "$work/palisade-1.sarif" >> "$work/palisade-1.txt"
done
: > "$work/prowler.txt"
for i in $(seq "$runs"); do
    rm -rf "$work/prowler-out"
    # Prowler's AWS provider honours AWS_ENDPOINT_URL through boto3.
    AWS_ENDPOINT_URL="$url" measure "$prowler" aws --services iam ec2 wafv2 backup config \
        -f us-east-1 eu-west-1 --no-banner --output-formats json-ocsf \
        -o "$work/prowler-out" >> "$work/prowler.txt"
done

p1_wall="$(cut -d' ' -f1 "$work/palisade-1.txt" | median)"
p1_rss="$(cut -d' ' -f2 "$work/palisade-1.txt" | median)"
p_wall="$(cut -d' ' -f1 "$work/palisade.txt" | median)"
p_rss="$(cut -d' ' -f2 "$work/palisade.txt" | median)"
w_wall="$(cut -d' ' -f1 "$work/prowler.txt" | median)"
w_rss="$(cut -d' ' -f2 "$work/prowler.txt" | median)"
p_fail="$(python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); print(sum(1 for r in d["runs"][0]["results"] if r.get("level") in ("error","warning","note") and not r.get("suppressions")))' "$work/palisade.sarif")"
w_fail="$(python3 -c 'import json,glob,sys; d=json.load(open(glob.glob(sys.argv[1]+"/*.ocsf.json")[0])); print(sum(1 for f in d if f.get("status_code")=="FAIL"))' "$work/prowler-out")"

echo
echo "| tool | median wall (s) | median peak RSS (MiB) | failed findings |"
echo "|---|---|---|---|"
printf '| palisade scan --live | %s | %d | %s |\n' "$p_wall" "$((p_rss / 1024))" "$p_fail"
printf '| palisade scan --live --max-attempts 1 | %s | %d | %s |\n' "$p1_wall" "$((p1_rss / 1024))" "$p_fail"
printf '| prowler aws --services iam ec2 wafv2 backup config | %s | %d | %s |\n' "$w_wall" "$((w_rss / 1024))" "$w_fail"
python3 -c "import sys; p,p1,w=map(float,sys.argv[1:4]); print(f'speed-up: {w/p:.1f}x with default retries, {w/p1:.1f}x with one attempt')" "$p_wall" "$p1_wall" "$w_wall"
