#!/usr/bin/env bash
# Regenerates docs/accuracy.md: the seeded moto account (fixtures/moto/seed.py)
# scanned by Palisade and by Prowler, joined finding by finding through the
# FSBP and CIS controls both map (see compare.py for the method). Not part of
# CI: it needs Prowler, and takes about a minute once everything is installed.
#
#   cargo build --locked -p palisade-cli    # or PALISADE=/path/to/palisade built from this checkout
#   python3 -m venv ~/.cache/palisade/prowler-venv
#   ~/.cache/palisade/prowler-venv/bin/pip install prowler
#   benches/accuracy/run.sh [--strict] [--keep DIR]
#
# Defaults: PALISADE=$CARGO_TARGET_DIR/debug/palisade (else target/debug),
# PROWLER=~/.cache/palisade/prowler-venv/bin/prowler, MOTO_PYTHON=the venv
# scripts/test creates ($CARGO_TARGET_DIR/test-venv, with moto[server] and
# boto3). --strict exits 1 when a disagreement has no entry in
# benches/accuracy/explanations.toml. Re-render without re-running the tools:
#   python3 benches/accuracy/compare.py report DIR   (DIR from --keep)
# Nothing here contacts anything but 127.0.0.1.
set -euo pipefail

cd "$(dirname "$0")/../.."
target="${CARGO_TARGET_DIR:-target}"
export PALISADE="${PALISADE:-$target/debug/palisade}"
export PROWLER="${PROWLER:-$HOME/.cache/palisade/prowler-venv/bin/prowler}"
export MOTO_PYTHON="${MOTO_PYTHON:-$target/test-venv/bin/python}"
[ -x "$PALISADE" ] || { echo "no palisade binary at $PALISADE (cargo build --locked -p palisade-cli, or set PALISADE)" >&2; exit 2; }
[ -x "$PROWLER" ] || { echo "no prowler at $PROWLER (see the header of $0, or set PROWLER)" >&2; exit 2; }
[ -x "$MOTO_PYTHON" ] || { echo "no python with moto at $MOTO_PYTHON (./scripts/test creates it, or set MOTO_PYTHON)" >&2; exit 2; }
exec python3 benches/accuracy/compare.py run "$@"
