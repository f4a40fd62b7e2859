#!/usr/bin/env bash
# Build (or reuse) the docker backend's sandbox image; prints its tag as the last line of stdout.
#
#   eval "$(scripts/docker-engine.sh env)"; scripts/build-sandbox-image.sh
#
# The tag is dlgrader-sandbox:<hash of workers/Dockerfile, the lock and the grader package>, so a
# second run on the same machine (same engine data root) finds the image and builds nothing.
# The lock is the exact set of distributions the process backend's venv runs for the sandbox
# (torch, tensorflow-cpu, numpy and everything they require), read from that venv, so both
# backends run the same versions. Their wheels are fetched by the host's pip (which finds the local
# CPU torch wheel) and installed offline in the image: the build needs no registry.
#
# Base image: $DLGRADER_SANDBOX_BASE if set; else python:3.11-slim if present or pullable; else a
# local Debian bookworm base made with debootstrap + docker import (dlgrader-base:bookworm).
# Environment: DOCKER_HOST (the engine), PYTHON (default: the repo's .venv), DLGRADER_DOCKER_DIR
# (cache for wheels; default as in docker-engine.sh).
set -euo pipefail

ROOT="$(cd "$(dirname "$0")/.." && pwd)"
PYTHON="${PYTHON:-$ROOT/.venv/bin/python}"
DIR="${DLGRADER_DOCKER_DIR:-${TMPDIR:-/tmp}/dlgrader-docker-$(id -u)}"
LOCAL_BASE="dlgrader-base:bookworm"
log() { echo "build-sandbox-image: $*" >&2; }

mkdir -p "$DIR"
WORK="$(mktemp -d "$DIR/build.XXXXXX")"
trap 'rm -rf "$WORK"' EXIT

# 1. The lock: name==version of the sandbox's frameworks and their requirement closure.
"$PYTHON" - >"$WORK/lock.txt" <<'EOF'
import importlib.metadata as md
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

seen, todo = {}, ["torch", "tensorflow-cpu", "numpy", "pyseccomp"]
while todo:
    name = canonicalize_name(todo.pop())
    if name in seen:
        continue
    dist = md.distribution(name)
    seen[name] = dist.version
    for line in dist.requires or []:
        req = Requirement(line)
        if req.marker is None or req.marker.evaluate({"extra": ""}):
            todo.append(req.name)
for name in sorted(seen):
    print(f"{name}=={seen[name]}")
EOF

# 2. The tag: a hash of everything that goes into the image.
HASH="$( {
    cat "$ROOT/workers/Dockerfile" "$WORK/lock.txt"
    (cd "$ROOT" && find grader -name '*.py' -not -path '*/__pycache__/*' | LC_ALL=C sort | xargs sha256sum)
} | sha256sum | cut -c1-16)"
TAG="dlgrader-sandbox:$HASH"
if docker image inspect "$TAG" >/dev/null 2>&1; then
    log "reusing $TAG"
    docker tag "$TAG" dlgrader-sandbox:latest
    echo "$TAG"
    exit 0
fi

# 3. The base image.
BASE="${DLGRADER_SANDBOX_BASE:-}"
if [[ -z "$BASE" ]]; then
    if docker image inspect python:3.11-slim >/dev/null 2>&1 || timeout 60 docker pull -q python:3.11-slim >/dev/null 2>&1; then
        BASE=python:3.11-slim
    else
        BASE="$LOCAL_BASE"
        if ! docker image inspect "$LOCAL_BASE" >/dev/null 2>&1; then
            log "no registry: building $LOCAL_BASE with debootstrap"
            command -v debootstrap >/dev/null || DEBIAN_FRONTEND=noninteractive apt-get install -y -q debootstrap >&2
            debootstrap --variant=minbase --include=python3,python3-venv bookworm "$WORK/rootfs" >"$WORK/debootstrap.log" 2>&1 \
                || { tail -n 20 "$WORK/debootstrap.log" >&2; exit 1; }
            rm -rf "$WORK"/rootfs/var/cache/apt/archives/*.deb "$WORK"/rootfs/var/lib/apt/lists/*
            tar -C "$WORK/rootfs" -c . | docker import - "$LOCAL_BASE" >/dev/null
            rm -rf "$WORK/rootfs"
        fi
    fi
fi
log "building $TAG on $BASE"

# 4. The wheels of the lock (cached per lock), fetched by the host's pip.
LOCK_HASH="$(sha256sum "$WORK/lock.txt" | cut -c1-16)"
WHEELS="$DIR/wheels-$LOCK_HASH"
if [[ ! -f "$WHEELS/.complete" ]]; then
    mkdir -p "$WHEELS"
    # The host runs the same Python (3.11) on the same platform as the image, so its pip picks
    # wheels that fit the image.
    "$PYTHON" -m pip download --quiet --no-deps --only-binary :all: -d "$WHEELS" -r "$WORK/lock.txt" >&2
    touch "$WHEELS/.complete"
fi

# 5. A small staged context: the Dockerfile, the grader package and the wheels (hard links).
mkdir -p "$WORK/ctx/workers" "$WORK/ctx/build/wheels"
cp "$ROOT/workers/Dockerfile" "$WORK/ctx/workers/"
cp -r "$ROOT/grader" "$WORK/ctx/grader"
find "$WORK/ctx/grader" -name __pycache__ -prune -exec rm -rf {} +
cp -l "$WHEELS"/*.whl "$WORK/ctx/build/wheels/" 2>/dev/null || cp "$WHEELS"/*.whl "$WORK/ctx/build/wheels/"

docker build --quiet --target sandbox --build-arg "BASE=$BASE" \
    --label "dlgrader.lock-hash=$LOCK_HASH" --tag "$TAG" --tag dlgrader-sandbox:latest \
    -f "$WORK/ctx/workers/Dockerfile" "$WORK/ctx" >&2
# Older content tags share every layer but the grader package's; drop their names (an image still
# used by a container stays).
docker images dlgrader-sandbox --format '{{.Repository}}:{{.Tag}}' | grep -v -x -e "$TAG" -e dlgrader-sandbox:latest \
    | xargs -r docker rmi >/dev/null 2>&1 || true
echo "$TAG"
