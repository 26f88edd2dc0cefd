#!/usr/bin/env bash
# Set the machine up (scripts/setup.sh), then run the iris demo: `irisops demo`, the
# scenario end to end on an embedded server (CodeCommit -> CodePipeline -> CodeBuild ->
# ECR -> SageMaker training -> endpoint -> update -> transform -> processing). Extra
# arguments go to `irisops demo` (e.g. --base-image IMAGE). Exits with its status.
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$ROOT"

bash scripts/setup.sh

# The images build FROM the base image setup.sh chose.
IRISOPS_BASE_IMAGE=$(head -n 1 .irisops/base-image)
export IRISOPS_BASE_IMAGE

exec .venv/bin/irisops demo "$@"
