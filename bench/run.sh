#!/usr/bin/env bash
# Make sure what the benchmarks need is here, then run them: bench/run.py's arguments
# pass through (e.g. `bash bench/run.sh --quick --only iam-get-role`).
#   - .venv with irisops and its dev extras (moto[server] is the baseline server);
#   - curl (the 64 MB transfer client) and wrk (the load generator), with apt-get when
#     run as root; without wrk the bench falls back to its own generator;
#   - py-spy in .venv when --profile is asked for.
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$ROOT"
log() { printf 'bench: %s\n' "$*" >&2; }

if ! [[ -x .venv/bin/python ]] || ! .venv/bin/python -c 'import irisops, moto.server' 2>/dev/null; then
    log "installing irisops with its dev extras into .venv"
    [[ -x .venv/bin/python ]] || python3 -m venv .venv
    .venv/bin/python -m pip install --disable-pip-version-check -q -e ".[dev]"
fi

missing=()
for tool in curl wrk; do
    command -v "$tool" >/dev/null || missing+=("$tool")
done
if ((${#missing[@]})); then
    if [[ $(id -u) -eq 0 ]] && command -v apt-get >/dev/null; then
        log "installing ${missing[*]} with apt-get"
        export DEBIAN_FRONTEND=noninteractive
        apt-get update -qq >/dev/null && apt-get install -y -qq "${missing[@]}" >/dev/null ||
            log "apt-get could not install ${missing[*]}"
    else
        log "missing ${missing[*]} (not root: install them yourself; wrk has a fallback)"
    fi
fi

for arg in "$@"; do
    if [[ $arg == --profile ]] && ! [[ -x .venv/bin/py-spy ]]; then
        log "installing py-spy into .venv"
        .venv/bin/python -m pip install --disable-pip-version-check -q py-spy
    fi
done

exec .venv/bin/python bench/run.py "$@"
