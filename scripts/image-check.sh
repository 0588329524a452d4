#!/usr/bin/env bash
# `make image-check` (run by .ci/run after `make test`): build the container image from the
# repo's Dockerfile with podman, run it, and check it:
#   * /healthz and /readyz answer 200 on a read-only root filesystem, all capabilities dropped;
#   * a signed GetServiceStatus (signed by `mws-gateway sign --demo` from .venv) answers 200 with
#     a GetServiceStatusResponse, and the same request with a bad signature is refused;
#   * the image's own HEALTHCHECK passes, and `podman stop` ends the server with exit code 0;
#   * every process of the container runs as uid/gid 10001, and the image's USER says so;
#   * the image holds no compiler and no pip: gcc, cc, pip, pip3, `python -m pip` fail inside,
#     and its file system has no pip package, pip wheel, pip script or compiler driver;
#   * no build secret (the pip config and CA bundle handed to the build) is left in the image;
# and prints the image's size. Any failed check exits non-zero.
#
# Needs root (CI runs as root). Installs what it needs from Debian's packages (podman, runc,
# mmdebstrap). Docker Hub is not reachable from CI, so unless PYTHON_IMAGE names a base image to
# pull, the base is a stand-in for python:3.11-slim-bookworm made with mmdebstrap from the apt
# mirror this machine is configured with (Debian bookworm: python3, python3-venv, python3-pip,
# python-is-python3, ca-certificates, netbase, tzdata). Its tarball is cached in
# $MWS_IMAGE_CACHE (default /var/cache/mws-gateway-ci) for 7 days; podman's configuration and
# storage (the base and the last image built) live in $MWS_IMAGE_STATE (/var/lib/mws-gateway-ci).
#
#   scripts/image-check.sh                  build localhost/mws-gateway:ci, then check it
#   scripts/image-check.sh --image NAME     check an image already in that storage, no build
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"

VENV_BIN="${VENV_BIN:-$ROOT/.venv/bin}"
IMAGE="${MWS_IMAGE:-localhost/mws-gateway:ci}"
STATE="${MWS_IMAGE_STATE:-/var/lib/mws-gateway-ci}"
CACHE="${MWS_IMAGE_CACHE:-/var/cache/mws-gateway-ci}"
PYTHON_IMAGE="${PYTHON_IMAGE:-}"
BASE_MAX_AGE_DAYS=7
SUITE=bookworm
BASE_PACKAGES="python3,python3-venv,python3-pip,python-is-python3,ca-certificates,netbase,tzdata"
APT_PACKAGES=(podman runc mmdebstrap curl)
UID_EXPECTED=10001

BUILD=1
if [[ "${1:-}" == "--image" && -n "${2:-}" ]]; then
    IMAGE="$2"
    BUILD=0
elif [[ $# -gt 0 ]]; then
    echo "usage: $0 [--image NAME]" >&2
    exit 2
fi

START=$SECONDS
step() { printf '\n== image-check [%3ds] %s\n' "$((SECONDS - START))" "$*"; }
ok() { printf '   ok: %s\n' "$*"; }
fail() {
    printf '\nimage-check: FAILED: %s\n' "$*" >&2
    exit 1
}

WORK="$(mktemp -d "${TMPDIR:-/tmp}/image-check.XXXXXX")"
CONTAINER=""
MOUNTED=""
cleanup() {
    local rc=$?
    if [[ -n "$CONTAINER" ]]; then
        timeout 60 podman rm --force --time 5 "$CONTAINER" >/dev/null 2>&1 || true
    fi
    if [[ -n "$MOUNTED" ]]; then
        timeout 60 podman image unmount "$MOUNTED" >/dev/null 2>&1 || true
    fi
    rm -rf -- "$WORK"
    exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

[[ "$(id -u)" == 0 ]] || fail "needs root (podman's storage in $STATE, mmdebstrap, apt-get)"
[[ -x "$VENV_BIN/mws-gateway" ]] || fail "no $VENV_BIN/mws-gateway: run 'make venv' first"
# One run at a time on a machine: they share podman's storage and the image tag.
mkdir -p "$STATE"
exec 9>"$STATE/.lock"
flock --wait 900 9 || fail "another image-check still holds $STATE/.lock after 15 minutes"

# --- tools -------------------------------------------------------------------------------------
install_tools() {
    local missing=() pkg
    for pkg in "${APT_PACKAGES[@]}"; do
        dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q 'install ok installed' ||
            missing+=("$pkg")
    done
    if [[ ${#missing[@]} -eq 0 ]]; then
        ok "already installed: ${APT_PACKAGES[*]}"
        return
    fi
    echo "   apt-get install ${missing[*]}"
    export DEBIAN_FRONTEND=noninteractive
    timeout 300 apt-get update -qq >"$WORK/apt.log" 2>&1 ||
        fail "apt-get update: $(tail -n 5 "$WORK/apt.log")"
    timeout 600 apt-get install -y -qq "${missing[@]}" >>"$WORK/apt.log" 2>&1 ||
        fail "apt-get install ${missing[*]}: $(tail -n 5 "$WORK/apt.log")"
}

# podman gets its own configuration and storage, so nothing else on the machine is touched:
#   * runc, not crun: crun refuses this kind of machine's hybrid cgroup layout;
#   * rlimits no higher than this process's hard limits: the container engine may not raise
#     them here (no CAP_SYS_RESOURCE), and podman's defaults are higher;
#   * overlay storage where the kernel allows it, vfs (slower, full copies) where it does not.
configure_podman() {
    local nofile nproc driver
    nofile="$(ulimit -Hn)"
    nproc="$(ulimit -Hu)"
    [[ "$nofile" == unlimited || "$nofile" -gt 65536 ]] && nofile=65536
    [[ "$nproc" == unlimited || "$nproc" -gt 4096 ]] && nproc=4096
    cat >"$STATE/containers.conf" <<EOF
[containers]
default_ulimits = ["nofile=$nofile:$nofile", "nproc=$nproc:$nproc"]
[engine]
runtime = "runc"
cgroup_manager = "cgroupfs"
events_logger = "file"
EOF
    export CONTAINERS_CONF="$STATE/containers.conf"
    export CONTAINERS_STORAGE_CONF="$STATE/storage.conf"
    for driver in ${MWS_IMAGE_STORAGE_DRIVER:-overlay vfs}; do
        cat >"$CONTAINERS_STORAGE_CONF" <<EOF
[storage]
driver = "$driver"
graphroot = "$STATE/storage-$driver"
runroot = "$STATE/run-$driver"
EOF
        if timeout 60 podman info >"$WORK/podman-info.log" 2>&1; then
            ok "podman $(podman version --format '{{.Client.Version}}'), runc, $driver storage" \
                "in $STATE"
            return
        fi
    done
    fail "podman does not start: $(tail -n 5 "$WORK/podman-info.log")"
}

# --- stand-in base image -----------------------------------------------------------------------
# The Debian suites this machine's apt is configured with (deb822 or one-line sources alike),
# as mmdebstrap mirror lines; no host is named here.
apt_mirror_lines() {
    # shellcheck disable=SC2016 # apt's own $(FIELD) placeholders
    apt-get indextargets --no-release-info --format '$(SITE) $(RELEASE) $(COMPONENT)' \
        'Created-By: Packages' 2>/dev/null |
        awk -v suite="$SUITE" '$2 == suite || $2 == suite "-updates" || $2 == suite "-security" {
            print "deb " $1 " " $2 " " $3 }' | sort -u
}

base_image() {
    local mirrors key tar tag age_days
    mapfile -t mirrors < <(apt_mirror_lines)
    [[ ${#mirrors[@]} -gt 0 ]] || fail "no Debian $SUITE suite in this machine's apt sources"
    printf '   mirror: %s\n' "${mirrors[@]}"
    # merged-usr hook: merged /usr as Debian's own images have it, without usrmerge and its perl.
    local opts=(--variant=minbase --include="$BASE_PACKAGES"
        --hook-dir=/usr/share/mmdebstrap/hooks/merged-usr
        --dpkgopt='path-exclude=/usr/share/man/*' --dpkgopt='path-exclude=/usr/share/doc/*'
        --dpkgopt='path-include=/usr/share/doc/*/copyright'
        --dpkgopt='path-exclude=/usr/share/locale/*' --dpkgopt='path-exclude=/usr/share/info/*')
    key="$(printf '%s\n' "${opts[@]}" "${mirrors[@]}" | sha256sum | cut -c1-12)"
    tar="$CACHE/$SUITE-python3-$key.tar"
    if [[ -f "$tar" ]] && [[ -z "$(find "$tar" -mtime +"$BASE_MAX_AGE_DAYS")" ]]; then
        age_days=$((($(date +%s) - $(stat -c %Y "$tar")) / 86400))
        ok "cached base tarball ${tar} (${age_days} days old)"
    else
        echo "   mmdebstrap $SUITE ($BASE_PACKAGES) -> $tar"
        mkdir -p "$CACHE"
        rm -f "$CACHE/$SUITE-python3-"*.tar "$tar.part"
        timeout 600 mmdebstrap --quiet --format=tar "${opts[@]}" "$SUITE" "$tar.part" \
            "${mirrors[@]}" >"$WORK/mmdebstrap.log" 2>&1 ||
            fail "mmdebstrap: $(tail -n 20 "$WORK/mmdebstrap.log")"
        mv -f "$tar.part" "$tar"
    fi
    tag="localhost/mws-gateway-ci-base:$key-$(stat -c %Y "$tar")"
    if ! podman image exists "$tag"; then
        timeout 300 podman import --quiet \
            --change 'ENV=PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin' \
            --change 'ENV=LANG=C.UTF-8' --change 'CMD=["python3"]' \
            "$tar" "$tag" >/dev/null || fail "podman import $tar"
    fi
    local stale
    for stale in $(podman images --format '{{.Repository}}:{{.Tag}}' localhost/mws-gateway-ci-base); do
        [[ "$stale" == "$tag" ]] || timeout 60 podman rmi --force "$stale" >/dev/null 2>&1 || true
    done
    ok "base image $tag ($(python3_version "$tag"))"
    PYTHON_IMAGE="$tag"
}

python3_version() {
    timeout 60 podman run --rm --network none "$1" python3 --version 2>&1 || echo "no python3"
}

# --- pip configuration for the build stage -----------------------------------------------------
# The host's pip settings that reach a package index (index-url, extra-index-url, trusted-host,
# timeout and the CA bundle named by cert) go to the build as secrets; local paths (find-links,
# file:// indexes, constraint files) do not exist in the build container and are left out.
pip_secrets() {
    "$VENV_BIN/python" -m pip config list >"$WORK/pip-config.txt" 2>/dev/null || true
    "$VENV_BIN/python" - "$WORK/pip-config.txt" "$WORK/pip.conf" "$WORK/pip-ca.pem" <<'PY'
import re
import shutil
import sys
from pathlib import Path

lines = Path(sys.argv[1]).read_text().splitlines()
conf_out, ca_out = Path(sys.argv[2]), Path(sys.argv[3])
values: dict[str, dict[str, str]] = {}
for line in lines:
    m = re.match(r"^([^.]*)\.([a-z-]+)='(.*)'$", line)
    if m:
        values.setdefault(m.group(2), {})[m.group(1)] = m.group(3)


def pick(key: str) -> str | None:
    by_section = values.get(key, {})
    for section in (":env:", "install", "wheel", "global"):  # pip's own precedence
        if section in by_section:
            return by_section[section]
    return None


def remote(urls: str) -> list[str]:
    return [u for u in urls.split() if u.startswith(("http://", "https://"))]


out = ["[global]"]
for key in ("index-url", "extra-index-url"):
    urls = remote(pick(key) or "")
    if urls:
        out.append(f"{key} = {' '.join(urls)}")
for key in ("trusted-host", "default-timeout", "timeout", "retries"):
    if pick(key):
        out.append(f"{key} = {pick(key)}")
cert = pick("cert")
if cert and Path(cert).is_file():
    shutil.copyfile(cert, ca_out)
    out.append("cert = /run/secrets/pip-ca.pem")
conf_out.write_text("\n".join(out) + "\n")
# Print the settings, never a URL's user or password.
for line in out[1:]:
    print("   pip.conf: " + re.sub(r"://[^/@\s]+@", "://***@", line))
if len(out) == 1:
    print("   pip.conf: (nothing: PyPI with the base image's CA bundle)")
PY
    SECRETS=(--secret "id=pip.conf,src=$WORK/pip.conf")
    if [[ -f "$WORK/pip-ca.pem" ]]; then
        SECRETS+=(--secret "id=pip-ca.pem,src=$WORK/pip-ca.pem")
    fi
}

build_image() {
    local t0=$SECONDS
    timeout 900 podman build --format docker --network host \
        --build-arg "PYTHON_IMAGE=$PYTHON_IMAGE" "${SECRETS[@]}" \
        --tag "$IMAGE" --file Dockerfile . >"$WORK/build.log" 2>&1 ||
        fail "podman build (log tail):
$(tail -n 40 "$WORK/build.log")"
    ok "built $IMAGE in $((SECONDS - t0))s ($(grep -c '^\[.*STEP' "$WORK/build.log") steps)"
}

# --- checks ------------------------------------------------------------------------------------
check_config() {
    local user entrypoint health
    user="$(podman image inspect --format '{{.Config.User}}' "$IMAGE")"
    entrypoint="$(podman image inspect --format '{{json .Config.Entrypoint}}' "$IMAGE")"
    health="$(podman image inspect --format '{{if .HealthCheck}}{{json .HealthCheck.Test}}{{end}}' \
        "$IMAGE")"
    [[ "$user" == "$UID_EXPECTED" || "$user" == "$UID_EXPECTED:$UID_EXPECTED" ]] ||
        fail "image USER is '${user:-<unset>: root>}', not $UID_EXPECTED:$UID_EXPECTED"
    ok "USER $user"
    [[ "$entrypoint" == '["mws-gateway"]' ]] || fail "ENTRYPOINT is $entrypoint"
    ok "ENTRYPOINT $entrypoint"
    [[ -n "$health" ]] || fail "the image has no HEALTHCHECK"
    ok "HEALTHCHECK ${health:0:60}..."
}

# The image's file system, read from the host (nothing in the image is trusted to report on it).
check_files() {
    local root found
    root="$(timeout 60 podman image mount "$IMAGE")" || fail "podman image mount $IMAGE"
    MOUNTED="$IMAGE"
    found="$(find "$root" -xdev \
        \( -type d -name pip -exec test -e '{}/__init__.py' \; -print \) -o \
        \( \( -name 'pip-*.dist-info' -o -name 'pip-*.egg-info' -o -name 'pip-*.whl' \) -print \) -o \
        \( \( -type f -o -type l \) \( -name pip -o -name 'pip[0-9]*' \) -print \) |
        sed "s|^$root||")"
    [[ -z "$found" ]] || fail "pip is in the image:
$found"
    ok "no pip package, wheel or script in the file system"
    found="$(find "$root" -xdev \( -type f -o -type l \) \
        \( -path '*/bin/*' -o -path '*/sbin/*' -o -path '*/lib/gcc/*' -o -path '*/libexec/*' \) \
        \( -name cc -o -name 'c++' -o -name c89 -o -name c99 -o -name 'gcc' -o -name 'gcc-[0-9]*' \
        -o -name '*-gcc' -o -name '*-gcc-[0-9]*' -o -name 'g++' -o -name 'g++-[0-9]*' \
        -o -name '*-g++' -o -name '*-g++-[0-9]*' -o -name 'clang' -o -name 'clang-[0-9]*' \
        -o -name tcc -o -name cc1 -o -name cc1plus \) -print | sed "s|^$root||")"
    [[ -z "$found" ]] || fail "a compiler is in the image:
$found"
    ok "no compiler (gcc, cc, c++, clang, tcc, cc1) in the file system"
    found="$(find "$root/run/secrets" -mindepth 1 2>/dev/null | sed "s|^$root||" || true)"
    [[ -z "$found" ]] || fail "build secrets left in the image: $found"
    if podman image inspect "$IMAGE" | grep -q -e PIP_CONFIG_FILE -e /run/secrets; then
        fail "the image's config names the build's pip secrets"
    fi
    if [[ -f "$WORK/pip.conf" ]]; then
        while read -r url; do
            if podman history --no-trunc --format '{{.CreatedBy}}' "$IMAGE" | grep -qF "$url" ||
                podman image inspect "$IMAGE" | grep -qF "$url"; then
                fail "the image's config or history names the build's package index"
            fi
        done < <(grep -oE 'https?://[^ ]+' "$WORK/pip.conf" || true)
    fi
    ok "no build secret (pip.conf, CA bundle, index URL) in the file system, config or history"
    timeout 60 podman image unmount "$IMAGE" >/dev/null
    MOUNTED=""
}

free_port() {
    "$VENV_BIN/python" -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

http() { # http <url> <body file>: prints the status code
    curl --silent --show-error --max-time 10 --output "$2" --write-out '%{http_code}' "$1" ||
        echo 000
}

start_container() {
    PORT="$(free_port)"
    # As the Helm chart runs it: the image's own user, read-only root, writable emptyDir-like
    # tmpfs for the data directory and /tmp, no capabilities, no privilege escalation. Host
    # network (loopback only): the server listens on 127.0.0.1:$PORT. The HEALTHCHECK is run
    # once by hand below (no systemd here to time it).
    CONTAINER="$(timeout 60 podman run --detach --name "mws-image-check-$$" \
        --network host --env MWS_GATEWAY_HOST=127.0.0.1 --env "MWS_GATEWAY_PORT=$PORT" \
        --read-only --tmpfs /tmp --mount type=tmpfs,destination=/var/lib/mws-gateway,chown=true \
        --cap-drop ALL --security-opt no-new-privileges --health-interval disable \
        "$IMAGE" serve --demo 2>"$WORK/run.err")" || fail "podman run: $(cat "$WORK/run.err")"
    local deadline=$((SECONDS + 60)) code
    while :; do
        code="$(curl --silent --max-time 2 --output /dev/null --write-out '%{http_code}' \
            "http://127.0.0.1:$PORT/healthz" || true)"
        [[ "$code" == 200 ]] && break
        if [[ "$(podman inspect --format '{{.State.Running}}' "$CONTAINER")" != true ]]; then
            fail "the container exited before serving:
$(podman logs "$CONTAINER" 2>&1 | tail -n 30)"
        fi
        ((SECONDS < deadline)) || fail "no 200 from /healthz within 60s (last: $code):
$(podman logs "$CONTAINER" 2>&1 | tail -n 30)"
        sleep 0.5
    done
    ok "serving on 127.0.0.1:$PORT after $((SECONDS - deadline + 60))s"
}

check_http() {
    local code url bad
    code="$(http "http://127.0.0.1:$PORT/healthz" "$WORK/healthz")"
    [[ "$code" == 200 ]] || fail "/healthz answered $code"
    ok "/healthz 200: $(head -c 80 "$WORK/healthz")"
    code="$(http "http://127.0.0.1:$PORT/readyz" "$WORK/readyz")"
    [[ "$code" == 200 ]] || fail "/readyz answered $code: $(head -c 300 "$WORK/readyz")"
    ok "/readyz 200 (data directory writable on the read-only root): $(head -c 80 "$WORK/readyz")"

    url="$("$VENV_BIN/mws-gateway" sign --demo --endpoint "http://127.0.0.1:$PORT" \
        Orders GetServiceStatus)"
    code="$(http "$url" "$WORK/status.xml")"
    [[ "$code" == 200 ]] || fail "signed GetServiceStatus answered $code: $(head -c 500 "$WORK/status.xml")"
    "$VENV_BIN/python" - "$WORK/status.xml" <<'PY' || fail "GetServiceStatus: not the MWS answer"
import sys
import xml.etree.ElementTree as ET

root = ET.parse(sys.argv[1]).getroot()
ns = "{https://mws.amazonservices.com/Orders/2013-09-01}"
assert root.tag == ns + "GetServiceStatusResponse", root.tag
status = root.findtext(f"{ns}GetServiceStatusResult/{ns}Status")
assert status in ("GREEN", "GREEN_I", "YELLOW", "RED"), status
assert root.findtext(f"{ns}ResponseMetadata/{ns}RequestId"), "no RequestId"
print(f"   ok: signed GetServiceStatus 200: GetServiceStatusResponse, Status {status}")
PY
    bad="$(sed -E 's/Signature=[^&]+/Signature=AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA%3D/' <<<"$url")"
    code="$(http "$bad" "$WORK/bad.xml")"
    if [[ "$code" != 403 ]] || ! grep -q '<Code>SignatureDoesNotMatch</Code>' "$WORK/bad.xml"; then
        fail "a bad signature answered $code: $(head -c 500 "$WORK/bad.xml")"
    fi
    ok "bad signature 403 SignatureDoesNotMatch"
    timeout 60 podman healthcheck run "$CONTAINER" >"$WORK/health.log" 2>&1 ||
        fail "the image's HEALTHCHECK failed: $(cat "$WORK/health.log")"
    ok "the image's HEALTHCHECK passes"
}

check_user() {
    local pid status uids gids users
    pid="$(podman inspect --format '{{.State.Pid}}' "$CONTAINER")"
    status="$(cat "/proc/$pid/status")"
    uids="$(awk '/^Uid:/ {print $2, $3, $4, $5}' <<<"$status")"
    gids="$(awk '/^Gid:/ {print $2, $3, $4, $5}' <<<"$status")"
    local want="$UID_EXPECTED $UID_EXPECTED $UID_EXPECTED $UID_EXPECTED"
    [[ "$uids" == "$want" ]] || fail "the server process (host pid $pid) has uids $uids"
    [[ "$gids" == "$want" ]] || fail "the server process (host pid $pid) has gids $gids"
    tr '\0' ' ' <"/proc/$pid/cmdline" | grep -q 'mws-gateway serve' ||
        fail "host pid $pid is not the server: $(tr '\0' ' ' <"/proc/$pid/cmdline")"
    ok "server process (host pid $pid: $(tr '\0' ' ' <"/proc/$pid/cmdline" | cut -c1-60)) uid/gid $UID_EXPECTED"
    users="$(podman top "$CONTAINER" huser hgroup | tail -n +2 | sort -u | tr -s ' ' | tr '\n' ';')"
    [[ "$users" == "$UID_EXPECTED $UID_EXPECTED;" ]] ||
        fail "container processes run as (host user group): $users"
    ok "every process in the container: host uid/gid $UID_EXPECTED"
}

check_no_tools_inside() {
    local cmd
    for cmd in "pip --version" "pip3 --version" "python -m pip --version" \
        "python3 -m pip --version" "/usr/bin/python3 -m pip --version" \
        "/usr/local/bin/python3 -m pip --version" "gcc --version" "cc --version" \
        "c++ --version" "clang --version"; do
        # shellcheck disable=SC2086 # the command's words
        if timeout 30 podman exec "$CONTAINER" $cmd >"$WORK/exec.log" 2>&1; then
            fail "'$cmd' works in the container: $(head -c 200 "$WORK/exec.log")"
        fi
    done
    [[ "$(podman inspect --format '{{.State.Running}}' "$CONTAINER")" == true ]] ||
        fail "the container stopped during the checks"
    ok "pip, pip3, python[3] -m pip, gcc, cc, c++, clang all fail in the container"
}

check_stop() {
    local code
    # (podman 4.3 reports that it could not remove a systemd timer it never made: stderr to a log)
    timeout 60 podman stop --time 15 "$CONTAINER" >/dev/null 2>"$WORK/stop.err" ||
        fail "podman stop: $(cat "$WORK/stop.err")"
    code="$(podman inspect --format '{{.State.ExitCode}}' "$CONTAINER")"
    [[ "$code" == 0 ]] || fail "the server exited with $code on SIGTERM:
$(podman logs "$CONTAINER" 2>&1 | tail -n 20)"
    ok "SIGTERM: clean exit 0"
    timeout 60 podman rm "$CONTAINER" >/dev/null 2>"$WORK/rm.err" ||
        fail "podman rm: $(cat "$WORK/rm.err")"
    CONTAINER=""
}

report_size() {
    local size layers base_size=""
    size="$(podman image inspect --format '{{.Size}}' "$IMAGE")"
    layers="$(podman image inspect --format '{{len .RootFS.Layers}}' "$IMAGE")"
    if [[ -n "$PYTHON_IMAGE" ]] && podman image exists "$PYTHON_IMAGE"; then
        base_size="$(podman image inspect --format '{{.Size}}' "$PYTHON_IMAGE")"
        base_size=", of which base image $PYTHON_IMAGE $((base_size / 1000000)) MB"
    fi
    printf '   image size: %s MB (%s bytes, uncompressed, %s layers%s)\n' \
        "$((size / 1000000))" "$size" "$layers" "$base_size"
}

# --- main --------------------------------------------------------------------------------------
step "tools (Debian packages: ${APT_PACKAGES[*]})"
install_tools
configure_podman

if [[ "$BUILD" == 1 ]]; then
    if [[ -z "$PYTHON_IMAGE" ]]; then
        step "base image: stand-in for python:3.11-slim-bookworm (mmdebstrap, $SUITE)"
        base_image
    else
        step "base image: $PYTHON_IMAGE (pulled by podman build)"
    fi
    step "pip settings for the build stage (build secrets)"
    pip_secrets
    step "podman build (Dockerfile, PYTHON_IMAGE=$PYTHON_IMAGE)"
    build_image
    # Drop the untagged images (this build's intermediate layers, the images earlier runs left
    # behind): the storage stays at the base and the current image. The pip step comes after
    # COPY gateway, so its layer cache would seldom be hit anyway.
    timeout 120 podman image prune --force >/dev/null 2>&1 || true
fi

step "image $IMAGE: config"
check_config
step "image $IMAGE: file system"
check_files
step "run: podman run --read-only --cap-drop ALL ... $IMAGE serve --demo"
start_container
check_http
step "run: user and tools inside"
check_user
check_no_tools_inside
step "stop"
check_stop
step "size"
report_size

printf '\nimage-check: all checks passed in %ds\n' "$((SECONDS - START))"
