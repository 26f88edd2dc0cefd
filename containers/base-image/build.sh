#!/usr/bin/env bash
# Build irisops/python-base:latest: a minimal Debian with python3, for machines that
# cannot pull python:3.12-slim from a registry. The root filesystem comes from the apt
# mirror this machine is already configured with (read from /etc/apt at run time), so
# it works wherever apt-get does.
#
# Usage: containers/base-image/build.sh [--force]
#   --force   rebuild even if the image already exists
# Environment (optional overrides):
#   IRISOPS_BASE_IMAGE_TAG   image tag (default irisops/python-base:latest)
#   IRISOPS_DEBIAN_MIRROR    archive URI to use instead of the one in /etc/apt
#   IRISOPS_DEBIAN_SUITE     suite to use instead of the one in /etc/apt
set -euo pipefail

IMAGE="${IRISOPS_BASE_IMAGE_TAG:-irisops/python-base:latest}"
# python3-pip, python3-venv and python-is-python3 make it a drop-in for python:3.12-slim:
# Dockerfiles written for that image run `pip install ...` and `python ...`.
PACKAGES="python3,python3-pip,python3-venv,python-is-python3,ca-certificates"

log() { printf 'base-image: %s\n' "$*" >&2; }
die() {
    log "error: $*"
    exit 1
}

force=0
for arg in "$@"; do
    case "$arg" in
        --force) force=1 ;;
        -h | --help)
            sed -n '2,13p' "$0"
            exit 0
            ;;
        *) die "unknown argument: $arg (see --help)" ;;
    esac
done

command -v docker >/dev/null || die "the docker CLI is not installed"
docker info >/dev/null 2>&1 || die "no Docker engine answers (run scripts/setup.sh first)"

if [[ $force -eq 0 ]] && docker image inspect "$IMAGE" >/dev/null 2>&1; then
    log "$IMAGE already exists; nothing to do (use --force to rebuild)"
    exit 0
fi

[[ $(id -u) -eq 0 ]] || die "debootstrap needs root: run this script as root (sudo $0)"

if ! command -v debootstrap >/dev/null; then
    command -v apt-get >/dev/null || die "debootstrap is missing and there is no apt-get to install it"
    log "installing debootstrap"
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends debootstrap >/dev/null ||
        { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends debootstrap >/dev/null; } ||
        die "could not install debootstrap with apt-get"
fi

# Print "URI SUITE KEYRING COMPONENTS..." for every binary (deb) source apt knows,
# from both the one-line format (*.list) and the deb822 format (*.sources).
list_apt_sources() {
    local f
    for f in /etc/apt/sources.list /etc/apt/sources.list.d/*.list; do
        [[ -f $f ]] || continue
        awk '
            { sub(/#.*/, "") }
            $1 == "deb" {
                i = 2; keyring = "-"
                if ($i ~ /^\[/) {
                    for (; i <= NF; i++) {
                        opt = $i; gsub(/[][]/, "", opt)
                        if (opt ~ /^signed-by=/) keyring = substr(opt, 11)
                        if ($i ~ /\]$/) { i++; break }
                    }
                }
                comps = ""
                for (j = i + 2; j <= NF; j++) comps = comps " " $j
                print $i, $(i + 1), keyring comps
            }' "$f"
    done
    for f in /etc/apt/sources.list.d/*.sources; do
        [[ -f $f ]] || continue
        awk '
            function flush(   n, k, s, u) {
                if (types ~ /(^| )deb( |$)/ && enabled != "no" && uris != "") {
                    split(uris, u, " ")
                    n = split(suites, s, " ")
                    for (k = 1; k <= n; k++) print u[1], s[k], (keyring == "" ? "-" : keyring), comps
                }
                types = uris = suites = keyring = comps = enabled = ""
            }
            /^#/ { next }
            /^[ \t]*$/ { flush(); next }
            /^[ \t]/ { next }
            {
                key = tolower(substr($0, 1, index($0, ":") - 1))
                val = substr($0, index($0, ":") + 1)
                gsub(/^[ \t]+|[ \t]+$/, "", val)
                if (key == "types") types = val
                else if (key == "uris") uris = val
                else if (key == "suites") suites = val
                else if (key == "components") comps = val
                else if (key == "enabled") enabled = tolower(val)
                # Signed-By may also hold an inline key; only a file path is usable here.
                else if (key == "signed-by" && val ~ /^\//) keyring = val
            }
            END { flush() }' "$f"
    done
}

# Pick the main archive: not the security archive, not -updates/-backports, with the
# "main" component; prefer the suite named for this release.
pick_mirror() {
    local codename="" uri suite keyring comps fallback=""
    if [[ -r /etc/os-release ]]; then
        # shellcheck disable=SC1091
        codename=$(. /etc/os-release && printf '%s' "${VERSION_CODENAME:-}")
    fi
    while read -r uri suite keyring comps; do
        [[ $uri == *security* || $suite == *security* ]] && continue
        [[ $suite == *-* || $suite == */* ]] && continue
        [[ " $comps " == *" main "* ]] || continue
        if [[ -n $codename && $suite == "$codename" ]]; then
            printf '%s %s %s\n' "$uri" "$suite" "$keyring"
            return 0
        fi
        [[ -n $fallback ]] || fallback="$uri $suite $keyring"
    done < <(list_apt_sources)
    [[ -n $fallback ]] || return 1
    printf '%s\n' "$fallback"
}

if [[ -n ${IRISOPS_DEBIAN_MIRROR:-} ]]; then
    mirror="$IRISOPS_DEBIAN_MIRROR"
    # shellcheck disable=SC1091
    suite="${IRISOPS_DEBIAN_SUITE:-$(. /etc/os-release && printf '%s' "${VERSION_CODENAME:-stable}")}"
    keyring="-"
else
    read -r mirror suite keyring < <(pick_mirror) ||
        die "found no main Debian archive in /etc/apt/sources.list or /etc/apt/sources.list.d/ (set IRISOPS_DEBIAN_MIRROR and IRISOPS_DEBIAN_SUITE)"
    suite="${IRISOPS_DEBIAN_SUITE:-$suite}"
fi

keyring_opt=()
if [[ $keyring != "-" && -f $keyring ]]; then
    keyring_opt=(--keyring="$keyring")
fi

# The root filesystem needs a file system that allows device nodes, hence /var/tmp.
rootfs=$(mktemp -d "${TMPDIR:-/var/tmp}/irisops-rootfs.XXXXXX")
cleanup() {
    # debootstrap mounts /proc and /sys inside the target; a failed run can leave them.
    local m
    awk -v root="$rootfs/" 'index($2, root) == 1 { print $2 }' /proc/mounts | sort -r |
        while read -r m; do umount -l "$m" 2>/dev/null || true; done
    rm -rf --one-file-system "$rootfs"
    rm -f "$rootfs.log"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

log "debootstrap $suite (minbase + $PACKAGES) from the configured apt mirror"
if ! debootstrap --variant=minbase --include="$PACKAGES" "${keyring_opt[@]}" \
    "$suite" "$rootfs" "$mirror" >"$rootfs.log" 2>&1; then
    tail -n 30 "$rootfs.log" >&2
    [[ -f $rootfs/debootstrap/debootstrap.log ]] && tail -n 30 "$rootfs/debootstrap/debootstrap.log" >&2
    die "debootstrap failed"
fi

# Trust the same extra CAs as this machine (a TLS-inspecting proxy, a company CA), so
# `pip install` inside images built on this base works wherever it works on the host.
if compgen -G "/usr/local/share/ca-certificates/*.crt" >/dev/null; then
    cp /usr/local/share/ca-certificates/*.crt "$rootfs/usr/local/share/ca-certificates/"
    chroot "$rootfs" update-ca-certificates >/dev/null 2>&1 || log "warning: update-ca-certificates failed"
fi

# A container image is not a managed system: let pip install into it as on python:*-slim.
rm -f "$rootfs"/usr/lib/python3*/EXTERNALLY-MANAGED

# Keep it small, and keep later `apt-get install`s in derived images from adding docs.
rm -rf "$rootfs"/usr/share/doc/* "$rootfs"/usr/share/man/* "$rootfs"/usr/share/info/* \
    "$rootfs"/usr/share/locale/* "$rootfs"/usr/share/lintian "$rootfs"/var/lib/apt/lists/* \
    "$rootfs"/var/cache/apt/*.bin "$rootfs"/var/cache/apt/archives/*.deb "$rootfs"/var/log/*.log \
    "$rootfs"/var/cache/debconf/*-old "$rootfs"/var/lib/dpkg/*-old
find "$rootfs"/usr/lib/python3* -name __pycache__ -type d -prune -exec rm -rf {} +
cat >"$rootfs/etc/dpkg/dpkg.cfg.d/irisops-slim" <<'EOF'
path-exclude /usr/share/doc/*
path-exclude /usr/share/man/*
path-exclude /usr/share/info/*
path-exclude /usr/share/locale/*
EOF
# Docker provides these at run time; do not bake this machine's into the image.
: >"$rootfs/etc/resolv.conf"
: >"$rootfs/etc/hostname"

log "importing as $IMAGE"
tar -C "$rootfs" --numeric-owner -c . | docker import \
    --change 'ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin' \
    --change 'ENV LANG=C.UTF-8' \
    --change 'ENV PYTHONUNBUFFERED=1' \
    --change 'CMD ["python3"]' \
    --message "irisops local python base ($suite minbase)" \
    - "$IMAGE" >/dev/null

# Fail here, not in a later build, if the suite's python is too old.
if ! docker run --rm "$IMAGE" python3 -c 'import sys; sys.exit(sys.version_info < (3, 11))'; then
    docker image rm "$IMAGE" >/dev/null 2>&1 || true
    die "the python3 of suite $suite is older than 3.11"
fi
log "built $IMAGE ($(docker image inspect --format '{{.Size}}' "$IMAGE" | awk '{printf "%d MB", $1 / 1e6}'))"
