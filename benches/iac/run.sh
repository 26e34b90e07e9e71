#!/usr/bin/env bash
# Regenerates the IaC peer comparison: the section between the iac-parity
# markers of docs/parity.md and the one between the iac-bench markers of
# BENCHMARKS.md. Palisade, Checkov and cfn-guard on fixtures/iac/rules/**,
# joined per (file, resource, concept) (see compare.py), and their throughput
# on the same files in one run. Not part of CI: it needs the peers.
#
#   cargo build --locked -p palisade-cli          # or PALISADE=/path/to/palisade (a release build for the timings)
#   benches/iac/install-peers.sh         # Checkov and cfn-guard into ~/.cache/palisade
#   git clone --depth 1 https://github.com/aws-cloudformation/aws-guard-rules-registry \
#       ~/.cache/palisade/aws-guard-rules-registry
#   benches/iac/run.sh [--strict] [--keep DIR] [--runs N] [--large FILE]
#
# Defaults: PALISADE=$CARGO_TARGET_DIR/release/palisade if built, else .../debug/palisade;
# CHECKOV=~/.cache/palisade/checkov-venv/bin/checkov; CFN_GUARD=~/.cache/palisade/cfn-guard/bin/cfn-guard;
# GUARD_RULES=~/.cache/palisade/aws-guard-rules-registry/rules/aws.
# --large FILE also times each tool once on a generated template
# (benches/iac/gen_template.py). Re-render without re-running the tools:
#   python3 benches/iac/compare.py report DIR   (DIR from --keep)
set -euo pipefail

cd "$(dirname "$0")/../.."
target="${CARGO_TARGET_DIR:-target}"
if [ -z "${PALISADE:-}" ]; then
    PALISADE="$target/debug/palisade"
    [ -x "$target/release/palisade" ] && PALISADE="$target/release/palisade"
fi
export PALISADE
cache="$HOME/.cache/palisade"
export CHECKOV="${CHECKOV:-$cache/checkov-venv/bin/checkov}"
export CFN_GUARD="${CFN_GUARD:-$cache/cfn-guard/bin/cfn-guard}"
export GUARD_RULES="${GUARD_RULES:-$cache/aws-guard-rules-registry/rules/aws}"
[ -x "$PALISADE" ] || { echo "no palisade binary at $PALISADE (cargo build --locked -p palisade-cli, or set PALISADE)" >&2; exit 2; }
[ -x "$CHECKOV" ] || { echo "no checkov at $CHECKOV (benches/iac/install-peers.sh, or set CHECKOV)" >&2; exit 2; }
[ -x "$CFN_GUARD" ] || { echo "no cfn-guard at $CFN_GUARD (benches/iac/install-peers.sh, or set CFN_GUARD)" >&2; exit 2; }
[ -d "$GUARD_RULES/iam" ] || { echo "no Guard rules at $GUARD_RULES (see the header of $0, or set GUARD_RULES)" >&2; exit 2; }
[ -x /usr/bin/time ] || { echo "GNU time (/usr/bin/time) is required" >&2; exit 2; }
exec python3 benches/iac/compare.py run "$@"
