#!/usr/bin/env bash
# Set the machine up (scripts/setup.sh), then run the whole test suite with the venv's
# pytest. Extra arguments go to pytest, e.g. `scripts/test.sh tests/unit -x`.
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$ROOT"

bash scripts/setup.sh

# Tests build their images FROM the base image setup.sh chose.
IRISOPS_BASE_IMAGE=$(head -n 1 .irisops/base-image)
export IRISOPS_BASE_IMAGE

status=0
.venv/bin/pytest -q "$@" || status=$?
# pytest exits 5 when it collected no test: a suite that ran nothing has not passed.
if [[ $status -eq 5 ]]; then
    echo "test.sh: pytest collected no tests; failing" >&2
    exit 1
fi
exit "$status"
