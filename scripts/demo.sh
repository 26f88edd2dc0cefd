#!/usr/bin/env bash
# Set the machine up (scripts/setup.sh), then run the irisops demo; until the CLI has a
# `demo` command, run the server in the foreground instead. Extra arguments go to the
# command that runs.
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$ROOT"

bash scripts/setup.sh

IRISOPS_BASE_IMAGE=$(head -n 1 .irisops/base-image)
export IRISOPS_BASE_IMAGE

if .venv/bin/irisops demo --help >/dev/null 2>&1; then
    exec .venv/bin/irisops demo "$@"
fi
echo "demo.sh: this irisops has no demo command yet; starting the server (Ctrl-C stops it)" >&2
exec .venv/bin/irisops serve "$@"
