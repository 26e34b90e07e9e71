#!/usr/bin/env bash
# Installs the two peer tools of the IaC comparison (benches/iac/run.sh) into
# ~/.cache/palisade, outside the repository and outside CI:
#   - Checkov (PyPI) into a virtualenv at ~/.cache/palisade/checkov-venv
#   - cfn-guard (crates.io) at ~/.cache/palisade/cfn-guard/bin/cfn-guard
# cfn-guard compiles from source (several minutes on a small machine); its
# build directory is kept at ~/.cache/palisade/cfn-guard-target so a rerun is
# quick. Pin other versions with CHECKOV_VERSION / CFN_GUARD_VERSION.
#
# The Guard rules come from the AWS Guard Rules Registry; get a checkout once
# and point run.sh at its rules directory:
#   git clone --depth 1 https://github.com/aws-cloudformation/aws-guard-rules-registry \
#       ~/.cache/palisade/aws-guard-rules-registry
#   export GUARD_RULES=~/.cache/palisade/aws-guard-rules-registry/rules/aws
set -euo pipefail

cache="${PALISADE_CACHE:-$HOME/.cache/palisade}"
checkov_version="${CHECKOV_VERSION:-}"
guard_version="${CFN_GUARD_VERSION:-}"
mkdir -p "$cache"

if [ ! -x "$cache/checkov-venv/bin/checkov" ]; then
    python3 -m venv "$cache/checkov-venv"
    "$cache/checkov-venv/bin/python3" -m pip install --quiet --upgrade pip
    "$cache/checkov-venv/bin/python3" -m pip install --quiet "checkov${checkov_version:+==$checkov_version}"
fi
echo "checkov $("$cache/checkov-venv/bin/checkov" --version)"

if [ ! -x "$cache/cfn-guard/bin/cfn-guard" ]; then
    CARGO_TARGET_DIR="$cache/cfn-guard-target" nice -n 19 \
        cargo install cfn-guard ${guard_version:+--version "$guard_version"} --locked \
        --root "$cache/cfn-guard" -j "${JOBS:-1}"
fi
echo "$("$cache/cfn-guard/bin/cfn-guard" --version)"
