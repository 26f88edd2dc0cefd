#!/usr/bin/env bash
# Prepare this machine for irisops; safe to run again and again (a second run takes
# seconds). It:
#   1. creates .venv with python >= 3.11 and installs irisops with its dev extras;
#   2. makes sure a Docker engine answers, installing and starting one when run as root;
#   3. makes sure a Python base image exists (python:3.12-slim, or a local build of
#      irisops/python-base:latest) and writes its name to .irisops/base-image.
# Environment (all optional):
#   PYTHON                     interpreter to create .venv with
#   IRISOPS_BASE_IMAGE         base image to use instead of choosing one
#   IRISOPS_NO_PULL=1          never try to pull python:3.12-slim
#   IRISOPS_PULL_TIMEOUT       seconds allowed for that pull (default 120)
#   IRISOPS_DOCKERD_WAIT       seconds to wait for a started dockerd (default 90)
#   IRISOPS_DOCKER_STORAGE_DRIVER  storage driver for a dockerd we start (default: probed)
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
STATE="$ROOT/.irisops"
VENV="$ROOT/.venv"
UPSTREAM_BASE_IMAGE="python:3.12-slim"
LOCAL_BASE_IMAGE="irisops/python-base:latest"
DOCKERD_LOG="/var/log/irisops-dockerd.log"

log() { printf 'setup: %s\n' "$*" >&2; }
die() {
    log "error: $*"
    exit 1
}
is_root() { [[ $(id -u) -eq 0 ]]; }

# Run a command with a time limit where coreutils' timeout exists (not on macOS).
with_timeout() {
    local seconds=$1
    shift
    if command -v timeout >/dev/null; then
        timeout "$seconds" "$@"
    else
        "$@"
    fi
}

apt_updated=0
apt_install() {
    command -v apt-get >/dev/null || return 1
    if [[ $apt_updated -eq 0 ]]; then
        log "apt-get update"
        apt-get update -qq >/dev/null || return 1
        apt_updated=1
    fi
    log "apt-get install $*"
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$@" >/dev/null
}

# --- 1. Python virtual environment -------------------------------------------------

python_ok() { "$1" -c 'import sys; sys.exit(sys.version_info < (3, 11))' 2>/dev/null; }

find_python() {
    local candidate
    for candidate in ${PYTHON:-} python3 python3.13 python3.12 python3.11; do
        if command -v "$candidate" >/dev/null && python_ok "$candidate"; then
            command -v "$candidate"
            return 0
        fi
    done
    return 1
}

ensure_venv() {
    local python stamp want
    if ! [[ -x $VENV/bin/python ]] || ! python_ok "$VENV/bin/python"; then
        if ! python=$(find_python); then
            if is_root && apt_install --no-install-recommends python3 python3-venv; then
                python=$(find_python) || die "python3 >= 3.11 is needed; this system's python3 is older (set PYTHON=/path/to/python3.11+)"
            else
                die "python3 >= 3.11 is needed and none was found on PATH (install one, or set PYTHON=/path/to/python3.11+)"
            fi
        fi
        log "creating .venv with $python ($("$python" -c 'import platform; print(platform.python_version())'))"
        if ! "$python" -m venv --clear "$VENV" >/dev/null 2>&1; then
            # Debian ships the venv module (ensurepip) separately from python3.
            local venv_pkg
            venv_pkg="python$("$python" -c 'import sys; print(f"{sys.version_info[0]}.{sys.version_info[1]}")')-venv"
            if ! is_root || ! apt_install --no-install-recommends "$venv_pkg"; then
                die "'$python -m venv' failed; install the venv module (e.g. apt-get install $venv_pkg)"
            fi
            "$python" -m venv --clear "$VENV" || die "'$python -m venv' failed"
        fi
    fi

    # Reinstall only when pyproject.toml, the venv's python or the checkout path changed.
    stamp="$VENV/.irisops-installed"
    want=$("$VENV/bin/python" - "$ROOT" <<'EOF'
import hashlib, pathlib, sys
root = pathlib.Path(sys.argv[1])
digest = hashlib.sha256((root / "pyproject.toml").read_bytes()).hexdigest()
print(digest, sys.version.split()[0], root)
EOF
    )
    if [[ -f $stamp && $(cat "$stamp") == "$want" ]] && "$VENV/bin/python" -c 'import irisops' 2>/dev/null; then
        log ".venv is up to date"
        return 0
    fi
    log "installing irisops and its dev extras into .venv"
    "$VENV/bin/python" -m pip install --disable-pip-version-check -q -e "${ROOT}[dev]" ||
        die "pip install -e '.[dev]' failed"
    printf '%s\n' "$want" >"$stamp"
}

# --- 2. Docker engine --------------------------------------------------------------

engine_answers() { with_timeout 20 docker info >/dev/null 2>&1; }

no_engine_help() {
    local why="the docker CLI is not installed"
    if command -v docker >/dev/null; then
        why=$(with_timeout 20 docker info 2>&1 >/dev/null | tail -n 1) || true
    fi
    log "docker says: $why"
    cat >&2 <<'EOF'
setup: no Docker engine answers, and setup.sh can only start one when run as root.
  Linux:   sudo bash scripts/setup.sh   (installs docker.io if needed and starts dockerd)
           or: sudo systemctl start docker
           "permission denied": add yourself to the docker group
           (sudo usermod -aG docker "$USER", then log in again)
  macOS / Windows: start Docker Desktop (or colima, OrbStack, Rancher Desktop)
  An engine elsewhere: set DOCKER_HOST to it.
Then run this script again.
EOF
    exit 1
}

daemon_json_sets() { [[ -f /etc/docker/daemon.json ]] && grep -q "\"$1\"" /etc/docker/daemon.json; }

# overlay2 cannot stack on an overlay file system (the usual case when this machine is
# itself a container); fuse-overlayfs works there when /dev/fuse exists, vfs always.
pick_storage_driver() {
    local data_root=/var/lib/docker probe
    mkdir -p "$data_root"
    probe=$(mktemp -d "$data_root/.irisops-overlay-probe.XXXXXX")
    mkdir "$probe/lower" "$probe/upper" "$probe/work" "$probe/merged"
    if mount -t overlay overlay \
        -o "lowerdir=$probe/lower,upperdir=$probe/upper,workdir=$probe/work" "$probe/merged" 2>/dev/null; then
        umount "$probe/merged"
        rm -rf "$probe"
        echo overlay2
        return
    fi
    rm -rf "$probe"
    if [[ -c /dev/fuse ]] && { command -v fuse-overlayfs >/dev/null || apt_install --no-install-recommends fuse-overlayfs; }; then
        echo fuse-overlayfs
    else
        echo vfs
    fi
}

# dockerd needs a cgroup hierarchy; a bare container or chroot may have none mounted.
ensure_cgroups() {
    [[ -e /sys/fs/cgroup/cgroup.controllers || -d /sys/fs/cgroup/devices ]] && return 0
    log "no cgroup hierarchy is mounted; mounting cgroup2 on /sys/fs/cgroup"
    mkdir -p /sys/fs/cgroup
    mount -t cgroup2 none /sys/fs/cgroup 2>/dev/null ||
        { command -v cgroupfs-mount >/dev/null && cgroupfs-mount; } ||
        log "warning: could not mount cgroups; dockerd may refuse to start"
}

# Flags for a dockerd we start ourselves, chosen from what this kernel can do.
dockerd_flags=()
choose_dockerd_flags() {
    local driver
    dockerd_flags=()
    if ! daemon_json_sets storage-driver; then
        driver=${IRISOPS_DOCKER_STORAGE_DRIVER:-$(pick_storage_driver)}
        dockerd_flags+=(--storage-driver="$driver")
    fi
    # Some kernels have no nf_tables; the legacy iptables backend often still works.
    if ! iptables -t nat -L -n >/dev/null 2>&1; then
        if command -v iptables-legacy >/dev/null && iptables-legacy -t nat -L -n >/dev/null 2>&1; then
            log "iptables (nf_tables) does not work here; switching to iptables-legacy"
            update-alternatives --set iptables /usr/sbin/iptables-legacy >/dev/null
            update-alternatives --set ip6tables /usr/sbin/ip6tables-legacy >/dev/null 2>&1 || true
        elif ! daemon_json_sets iptables; then
            log "no working iptables; starting dockerd without NAT (--iptables=false)"
            dockerd_flags+=(--iptables=false)
        fi
    fi
    # Without bridge support dockerd cannot create docker0; containers then need --network host.
    if command -v ip >/dev/null && ! ip link show docker0 >/dev/null 2>&1; then
        if ip link add irisops-probe0 type bridge 2>/dev/null; then
            ip link delete irisops-probe0
        elif ! daemon_json_sets bridge; then
            log "this kernel cannot create a bridge; starting dockerd with --bridge=none"
            dockerd_flags+=(--bridge=none)
        fi
    fi
}

# Start dockerd detached from this shell (its own session, stdio on a log file) so it
# outlives setup.sh. It must inherit no other descriptor: not the setup lock (fd 9),
# which would block every later setup.sh, nor a caller's pipe, which would keep a CI
# runner waiting for end-of-file. Print its pid.
spawn_dockerd() {
    printf '\n=== %s dockerd %s\n' "$(date -u +%FT%TZ)" "$*" >>"$DOCKERD_LOG"
    # shellcheck disable=SC2016  # $$ and $fd belong to the inner shell
    setsid bash -c 'for fd in $(ls /proc/$$/fd); do
            if ((fd > 2)); then eval "exec $fd>&-"; fi
        done
        exec dockerd "$@"' dockerd "$@" >>"$DOCKERD_LOG" 2>&1 </dev/null &
    echo $!
}

# Wait until the engine answers or the process dies; return 0 when it answers.
wait_for_engine() {
    local pid=$1 deadline=$((SECONDS + ${IRISOPS_DOCKERD_WAIT:-90}))
    while ((SECONDS < deadline)); do
        engine_answers && return 0
        if [[ -n $pid ]] && ! kill -0 "$pid" 2>/dev/null; then
            return 1
        fi
        sleep 0.5
    done
    return 1
}

start_dockerd() {
    local pid
    ensure_cgroups
    choose_dockerd_flags
    log "starting dockerd ${dockerd_flags[*]} (log: $DOCKERD_LOG)"
    pid=$(spawn_dockerd "${dockerd_flags[@]}")
    wait_for_engine "$pid" && return 0

    # A storage driver that probed fine can still fail at start; vfs always works.
    if ! kill -0 "$pid" 2>/dev/null && [[ " ${dockerd_flags[*]} " != *" --storage-driver=vfs "* ]] &&
        tail -n 40 "$DOCKERD_LOG" | grep -qiE 'graphdriver|storage.driver|overlay'; then
        log "dockerd failed with its storage driver; retrying with vfs (slower, always works)"
        local retry=()
        local flag
        for flag in "${dockerd_flags[@]}"; do
            [[ $flag == --storage-driver=* ]] || retry+=("$flag")
        done
        retry+=(--storage-driver=vfs)
        pid=$(spawn_dockerd "${retry[@]}")
        wait_for_engine "$pid" && return 0
    fi
    kill -0 "$pid" 2>/dev/null && kill "$pid" 2>/dev/null
    log "dockerd did not answer within ${IRISOPS_DOCKERD_WAIT:-90}s; last lines of $DOCKERD_LOG:"
    tail -n 30 "$DOCKERD_LOG" >&2
    die "could not start a Docker engine"
}

ensure_engine() {
    if command -v docker >/dev/null && engine_answers; then
        log "Docker engine answers ($(docker version --format '{{.Server.Version}}' 2>/dev/null))"
        return 0
    fi
    is_root || no_engine_help
    if [[ -n ${DOCKER_HOST:-} && $DOCKER_HOST != unix:///var/run/docker.sock ]]; then
        die "DOCKER_HOST=$DOCKER_HOST does not answer; start that engine or unset DOCKER_HOST"
    fi
    # A docker CLI may be installed (e.g. in /usr/local/bin) with no engine behind it.
    if ! command -v dockerd >/dev/null || ! command -v docker >/dev/null; then
        # Recommends would bring needrestart and friends; only AppArmor matters, and only
        # where the kernel enforces it (dockerd then loads its profile with apparmor_parser).
        local packages=(docker.io)
        if [[ $(cat /sys/module/apparmor/parameters/enabled 2>/dev/null) == Y ]]; then
            packages+=(apparmor)
        fi
        apt_install --no-install-recommends "${packages[@]}" ||
            die "could not install docker.io with apt-get; install a Docker engine by hand"
    fi
    if [[ -d /run/systemd/system ]] && command -v systemctl >/dev/null; then
        log "starting docker.service"
        systemctl start docker || true
        wait_for_engine "" && return 0
        die "docker.service did not answer; see: journalctl -u docker"
    fi
    start_dockerd
    log "Docker engine answers ($(docker version --format '{{.Server.Version}}' 2>/dev/null))"
}

# --- 3. Python base image ----------------------------------------------------------

image_exists() { docker image inspect "$1" >/dev/null 2>&1; }

choose_base_image() {
    if [[ -n ${IRISOPS_BASE_IMAGE:-} ]]; then
        image_exists "$IRISOPS_BASE_IMAGE" || with_timeout "${IRISOPS_PULL_TIMEOUT:-120}" docker pull -q "$IRISOPS_BASE_IMAGE" >/dev/null ||
            die "IRISOPS_BASE_IMAGE=$IRISOPS_BASE_IMAGE is neither local nor pullable"
        echo "$IRISOPS_BASE_IMAGE"
        return
    fi
    # Local images first, so a second run never waits on a registry.
    if image_exists "$UPSTREAM_BASE_IMAGE"; then
        echo "$UPSTREAM_BASE_IMAGE"
        return
    fi
    if image_exists "$LOCAL_BASE_IMAGE"; then
        echo "$LOCAL_BASE_IMAGE"
        return
    fi
    if [[ ${IRISOPS_NO_PULL:-0} != 1 ]]; then
        log "trying to pull $UPSTREAM_BASE_IMAGE (at most ${IRISOPS_PULL_TIMEOUT:-120}s)"
        if with_timeout "${IRISOPS_PULL_TIMEOUT:-120}" docker pull -q "$UPSTREAM_BASE_IMAGE" >/dev/null 2>&1; then
            echo "$UPSTREAM_BASE_IMAGE"
            return
        fi
        log "cannot pull $UPSTREAM_BASE_IMAGE here; building $LOCAL_BASE_IMAGE instead"
    fi
    is_root || die "building $LOCAL_BASE_IMAGE needs root (sudo bash $ROOT/containers/base-image/build.sh), or make $UPSTREAM_BASE_IMAGE available"
    bash "$ROOT/containers/base-image/build.sh" >&2 || die "building $LOCAL_BASE_IMAGE failed"
    echo "$LOCAL_BASE_IMAGE"
}

ensure_base_image() {
    local image
    image=$(choose_base_image)
    printf '%s\n' "$image" >"$STATE/base-image"
    log "base image: $image (recorded in .irisops/base-image)"
}

# --- main --------------------------------------------------------------------------

mkdir -p "$STATE"
# Two setups at once (e.g. two test runs) must not both start a dockerd.
if command -v flock >/dev/null; then
    exec 9>"$STATE/setup.lock"
    flock -w 1800 9 || die "another setup.sh has held $STATE/setup.lock for 30 minutes"
fi

step_start=$SECONDS
ensure_venv
log "python environment ready ($((SECONDS - step_start))s)"
step_start=$SECONDS
ensure_engine
log "docker engine ready ($((SECONDS - step_start))s)"
step_start=$SECONDS
ensure_base_image
log "base image ready ($((SECONDS - step_start))s)"
log "done in ${SECONDS}s"
