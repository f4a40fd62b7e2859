#!/usr/bin/env bash
# A private Docker engine for the docker-backend tests.
#
#   scripts/docker-engine.sh start   # use $DOCKER_HOST if an engine answers there; otherwise start a
#                                    # private dockerd (installing Debian's docker.io if missing)
#   scripts/docker-engine.sh env     # prints `export DOCKER_HOST=...` for the engine to use
#   scripts/docker-engine.sh stop    # stops the daemon this script started (by its pid file), if any
#   scripts/docker-engine.sh status  # exit 0 when the engine answers
#
# The private daemon lives in $DLGRADER_DOCKER_DIR (default: a directory under the system temp dir
# keyed by uid): its own socket, data root, exec root and pid file, with --bridge none
# --iptables=false so that it creates no bridge network and touches no firewall rules. The data
# root is kept between runs on purpose: it caches the sandbox image. `stop` kills only the pid in
# its own pid file, never a daemon by name.
set -euo pipefail

DIR="${DLGRADER_DOCKER_DIR:-${TMPDIR:-/tmp}/dlgrader-docker-$(id -u)}"
SOCK="unix://$DIR/docker.sock"
PIDFILE="$DIR/docker.pid"
STARTED="$DIR/started-by-script"   # present only while a daemon this script started runs
LOG="$DIR/dockerd.log"

answers() {  # answers HOST: the engine at HOST replies to a ping
    DOCKER_HOST="$1" timeout 10 docker version --format '{{.Server.Version}}' >/dev/null 2>&1
}

private_running() {
    [[ -f "$PIDFILE" ]] && kill -0 "$(cat "$PIDFILE")" 2>/dev/null
}

need_client_and_daemon() {
    if command -v dockerd >/dev/null && command -v docker >/dev/null; then
        return 0
    fi
    if [[ $(id -u) -ne 0 ]]; then
        echo "docker-engine: dockerd is missing and installing it needs root" >&2
        return 1
    fi
    echo "docker-engine: installing Debian's docker.io" >&2
    DEBIAN_FRONTEND=noninteractive apt-get install -y -q docker.io >&2 || {
        apt-get update -q >&2 && DEBIAN_FRONTEND=noninteractive apt-get install -y -q docker.io >&2
    }
}

start() {
    if [[ -n "${DOCKER_HOST:-}" && "$DOCKER_HOST" != "$SOCK" ]] && answers "$DOCKER_HOST"; then
        echo "docker-engine: using the engine at DOCKER_HOST=$DOCKER_HOST" >&2
        return 0
    fi
    if answers "$SOCK"; then
        echo "docker-engine: private engine already running at $SOCK" >&2
        return 0
    fi
    need_client_and_daemon
    mkdir -p "$DIR"
    chmod 0700 "$DIR"
    if private_running; then  # a stale daemon of ours that stopped answering
        kill "$(cat "$PIDFILE")" 2>/dev/null || true
        sleep 2
    fi
    rm -f "$DIR/docker.sock" "$PIDFILE"
    # setsid: the daemon must not die with the shell (or the CI step) that started it.
    setsid dockerd --host "$SOCK" --data-root "$DIR/data" --exec-root "$DIR/exec" --pidfile "$PIDFILE" \
        --bridge none --iptables=false --ip-masq=false --log-level warn >"$LOG" 2>&1 </dev/null &
    for _ in $(seq 1 120); do
        if answers "$SOCK"; then
            touch "$STARTED"
            echo "docker-engine: started dockerd (pid $(cat "$PIDFILE")) at $SOCK" >&2
            return 0
        fi
        sleep 0.5
    done
    echo "docker-engine: dockerd did not answer within 60 s; last log lines:" >&2
    tail -n 20 "$LOG" >&2 || true
    stop
    return 1
}

stop() {
    if [[ ! -f "$STARTED" ]]; then
        echo "docker-engine: no daemon started by this script; nothing to stop" >&2
        return 0
    fi
    if private_running; then
        local pid
        pid="$(cat "$PIDFILE")"
        # Sandbox containers are single-use and removed by the grader; remove any left by a crash.
        DOCKER_HOST="$SOCK" timeout 30 docker ps -aq --filter label=dlgrader.sandbox | xargs -r env DOCKER_HOST="$SOCK" docker rm -f >/dev/null 2>&1 || true
        kill "$pid"
        for _ in $(seq 1 60); do
            kill -0 "$pid" 2>/dev/null || break
            sleep 0.5
        done
        if kill -0 "$pid" 2>/dev/null; then
            kill -9 "$pid"
        fi
        echo "docker-engine: stopped dockerd (pid $pid)" >&2
    fi
    rm -f "$STARTED" "$PIDFILE"
}

env_line() {
    if [[ -n "${DOCKER_HOST:-}" && "$DOCKER_HOST" != "$SOCK" ]] && answers "$DOCKER_HOST"; then
        echo "export DOCKER_HOST=$DOCKER_HOST"
    else
        echo "export DOCKER_HOST=$SOCK"
    fi
}

case "${1:-}" in
    start) start ;;
    stop) stop ;;
    env) env_line ;;
    status) answers "${DOCKER_HOST:-$SOCK}" ;;
    *) echo "usage: $0 start|stop|env|status" >&2; exit 2 ;;
esac
