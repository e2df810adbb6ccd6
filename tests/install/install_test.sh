#!/bin/bash
# End-to-end tests of scripts/install.sh in a throwaway root: a loopback release server, every
# system path under a temp dir (INSTALL_K3S_ROOT), services never really enabled or started.
# Usage: install_test.sh INSTALL_SH CASE
set -u
INSTALL_SH=$(readlink -f "$1")
CASE=$2
HERE=$(cd "$(dirname "$0")" && pwd)
SELF=$HERE/$(basename "$0")
VERSION=v1.33.5+k3s1
SKIP=77

fail() {
    echo "FAIL [$CASE]: $*" >&2
    [ -f "${WORK:-}/out" ] && sed 's/^/    | /' "$WORK/out" >&2
    exit 1
}
expect() { "$@" || fail "expected: $*"; }
expect_grep() { grep -qF -- "$1" "$2" || fail "expected '$1' in $2"; }
expect_no_grep() { ! grep -qF -- "$1" "$2" || fail "did not expect '$1' in $2"; }
mode_of() { stat -c %a "$1"; }
nothing_installed() { [ ! -e "$ROOT" ] || [ -z "$(find "$ROOT" -mindepth 1 ! -type d)" ]; }

setup() {
    WORK=$(mktemp -d /tmp/k3s-install-test.XXXXXX)
    ROOT=$WORK/root
    BIN=$ROOT/usr/local/bin
    UNITS=$ROOT/etc/systemd/system
    SERVER_PID=""
    trap teardown EXIT
}
teardown() {
    [ -n "$SERVER_PID" ] && kill "$SERVER_PID" 2>/dev/null && wait "$SERVER_PID" 2>/dev/null
    rm -rf "$WORK"
}

# Publishes FILE as the k3s binary of VERSION with its sha256 list.
publish() {
    local file=$1 version=${2:-$VERSION}
    mkdir -p "$WORK/release/download/$version"
    cp "$file" "$WORK/release/download/$version/k3s"
    (cd "$WORK/release/download/$version" && sha256sum k3s >sha256sum-amd64.txt)
}

start_release_server() {
    python3 "$HERE/release_server.py" "$WORK/release" "$VERSION" "$WORK/port" &
    SERVER_PID=$!
    for _ in $(seq 1 300); do
        [ -s "$WORK/port" ] && break
        kill -0 "$SERVER_PID" 2>/dev/null || fail "release server exited"
        sleep 0.1
    done
    [ -s "$WORK/port" ] || fail "release server did not start"
    URL=http://127.0.0.1:$(cat "$WORK/port")
}

# Runs the installer with a clean environment plus the given VAR=value words, then "--" args.
run_install() {
    local vars=()
    while [ $# -gt 0 ] && [ "$1" != "--" ]; do vars+=("$1"); shift; done
    [ "${1:-}" = "--" ] && shift
    env -i PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin HOME="$WORK" \
        INSTALL_K3S_ROOT="$ROOT" INSTALL_K3S_DOWNLOAD_URL="$URL" INSTALL_K3S_VERSION="$VERSION" \
        INSTALL_K3S_SKIP_RUNTIME_DEPS=true INSTALL_K3S_INIT_SYSTEM=systemd \
        "${vars[@]}" sh "$INSTALL_SH" "$@" >"$WORK/out" 2>&1
}

# A unit's ExecStart with its continuation lines joined and systemd's $$ / %% escapes undone.
unit_exec_start() {
    sed -n '/^ExecStart=/,/[^\\]$/p' "$1" | sed 's/^ExecStart=//; s/\\$//' | tr '\n' ' ' | sed 's/\$\$/$/g; s/%%/%/g'
}

fake_systemctl() {
    mkdir -p "$WORK/fake"
    printf '#!/bin/sh\necho "$*" >>"%s"\n' "$WORK/systemctl.log" >"$WORK/fake/systemctl"
    chmod +x "$WORK/fake/systemctl"
    : >"$WORK/systemctl.log"
}

shellcheck_scripts() {
    command -v shellcheck >/dev/null || fail "shellcheck is not installed (scripts/deps.sh test)"
    shellcheck -s sh "$@" >"$WORK/shellcheck.out" 2>&1 || { cat "$WORK/shellcheck.out" >&2; fail "shellcheck: $*"; }
}

case_fresh_install() {
    publish /usr/bin/sleep
    start_release_server
    run_install K3S_TOKEN=secret K3S_KUBECONFIG_MODE=644 K3S_NODE_NAME=n1 INSTALL_K3S_SKIP_ENABLE=true \
        -- server --tls-san "a b" --node-label 'x=$y%z' || fail "install failed"
    expect cmp -s /usr/bin/sleep "$BIN/k3s"
    expect [ "$(mode_of "$BIN/k3s")" = 755 ]

    local unit=$UNITS/k3s.service env=$UNITS/k3s.service.env
    expect [ "$(mode_of "$unit")" = 644 ]
    for line in Type=notify KillMode=process Delegate=yes LimitNOFILE=1048576 Restart=always \
        "EnvironmentFile=-$env" "ExecStartPre=-/sbin/modprobe br_netfilter" "ExecStartPre=-/sbin/modprobe overlay" \
        "ExecStart=$BIN/k3s" '"a b"' '"x=$$y%%z"' "WantedBy=multi-user.target"; do
        expect_grep "$line" "$unit"
    done
    if command -v systemd-analyze >/dev/null; then
        systemd-analyze verify "$unit" >"$WORK/verify.out" 2>&1 || { cat "$WORK/verify.out" >&2; fail "systemd-analyze verify"; }
        expect_no_grep "$unit" "$WORK/verify.out"
    else
        fail "systemd-analyze is not installed (scripts/deps.sh test)"
    fi

    expect [ "$(mode_of "$env")" = 600 ]
    expect_grep "K3S_TOKEN='secret'" "$env"
    expect_grep "K3S_KUBECONFIG_MODE='644'" "$env"
    expect_grep "K3S_NODE_NAME='n1'" "$env"
    expect_no_grep "INSTALL_K3S" "$env"

    for script in k3s-killall.sh k3s-uninstall.sh; do
        expect [ "$(mode_of "$BIN/$script")" = 755 ]
    done
    shellcheck_scripts "$BIN/k3s-killall.sh" "$BIN/k3s-uninstall.sh"

    for cmd in kubectl crictl ctr; do
        if env -i PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin sh -c "command -v $cmd" >/dev/null; then
            expect [ ! -e "$BIN/$cmd" ]
        else
            expect [ "$(readlink "$BIN/$cmd")" = k3s ]
        fi
    done
    run_install INSTALL_K3S_SKIP_ENABLE=true INSTALL_K3S_SYMLINK=force || fail "reinstall failed"
    for cmd in kubectl crictl ctr; do expect [ "$(readlink "$BIN/$cmd")" = k3s ]; done
}

case_latest_release() {
    publish /usr/bin/sleep
    start_release_server
    run_install INSTALL_K3S_VERSION= INSTALL_K3S_SKIP_ENABLE=true || fail "install via /latest failed"
    expect_grep "Using $VERSION as release" "$WORK/out"
    rm -rf "$ROOT"
    run_install INSTALL_K3S_VERSION= INSTALL_K3S_CHANNEL_URL="$URL/channels" INSTALL_K3S_CHANNEL=stable \
        INSTALL_K3S_SKIP_ENABLE=true || fail "install via channel failed"
    expect cmp -s /usr/bin/sleep "$BIN/k3s"
}

case_checksum_mismatch() {
    publish /usr/bin/sleep
    sed -i 's/^[0-9a-f]\{8\}/00000000/' "$WORK/release/download/$VERSION/sha256sum-amd64.txt"
    start_release_server
    run_install && fail "install succeeded despite a wrong checksum"
    expect_grep "does not match" "$WORK/out"
    expect nothing_installed

    echo "0123 other-file" >"$WORK/release/download/$VERSION/sha256sum-amd64.txt"
    run_install && fail "install succeeded without a hash for k3s"
    expect_grep "No hash for k3s" "$WORK/out"
    expect nothing_installed

    run_install INSTALL_K3S_VERSION=v0.0.0 && fail "install succeeded for a missing release"
    expect_grep "Download of" "$WORK/out"
    expect nothing_installed
}

case_rerun_restarts_only_on_change() {
    publish /usr/bin/sleep
    start_release_server
    fake_systemctl
    local sc=INSTALL_K3S_SYSTEMCTL=$WORK/fake/systemctl
    run_install "$sc" K3S_TOKEN=one || fail "install failed"
    expect_grep "enable $UNITS/k3s.service" "$WORK/systemctl.log"
    expect_grep "restart k3s" "$WORK/systemctl.log"

    : >"$WORK/systemctl.log"
    run_install "$sc" K3S_TOKEN=one || fail "re-run failed"
    expect_grep "No change detected" "$WORK/out"
    expect_no_grep "restart" "$WORK/systemctl.log"

    run_install "$sc" K3S_TOKEN=one INSTALL_K3S_FORCE_RESTART=true || fail "forced re-run failed"
    expect_grep "restart k3s" "$WORK/systemctl.log"

    : >"$WORK/systemctl.log"
    run_install "$sc" K3S_TOKEN=two || fail "re-run with a new token failed"
    expect_grep "restart k3s" "$WORK/systemctl.log"
    expect_grep "K3S_TOKEN='two'" "$UNITS/k3s.service.env"

    : >"$WORK/systemctl.log"
    publish /usr/bin/true v1.33.6+k3s1
    run_install "$sc" K3S_TOKEN=two INSTALL_K3S_VERSION=v1.33.6+k3s1 || fail "upgrade failed"
    expect cmp -s /usr/bin/true "$BIN/k3s"
    expect_grep "restart k3s" "$WORK/systemctl.log"

    : >"$WORK/systemctl.log"
    run_install "$sc" K3S_TOKEN=two INSTALL_K3S_VERSION=v1.33.6+k3s1 || fail "second upgrade run failed"
    expect_grep "already matches" "$WORK/out"
    expect_no_grep "restart" "$WORK/systemctl.log"

    run_install "$sc" K3S_TOKEN=three INSTALL_K3S_VERSION=v1.33.6+k3s1 INSTALL_K3S_SKIP_START=true || fail "skip-start run failed"
    expect_grep "enable" "$WORK/systemctl.log"
    expect_no_grep "restart" "$WORK/systemctl.log"
}

case_agent() {
    publish /usr/bin/sleep
    start_release_server
    run_install K3S_URL=https://192.0.2.1:6443 && fail "agent install without a token succeeded"
    expect_grep "K3S_TOKEN" "$WORK/out"
    expect nothing_installed
    run_install K3S_URL=http://192.0.2.1:6443 K3S_TOKEN=t && fail "plain http K3S_URL accepted"
    expect nothing_installed
    run_install INSTALL_K3S_EXEC=bogus && fail "unknown command accepted"
    expect nothing_installed

    run_install K3S_URL=https://192.0.2.1:6443 K3S_TOKEN=t INSTALL_K3S_SKIP_ENABLE=true \
        INSTALL_K3S_EXEC="--node-label a=b" -- --node-name n2 || fail "agent install failed"
    local unit=$UNITS/k3s-agent.service
    expect [ -f "$unit" ]
    expect [ -x "$BIN/k3s-agent-uninstall.sh" ]
    expect [ ! -e "$BIN/k3s-uninstall.sh" ]
    expect_grep "    agent \\" "$unit"
    expect_grep '"--node-label"' "$unit"
    expect_grep '"n2"' "$unit"
    expect_grep "K3S_URL='https://192.0.2.1:6443'" "$UNITS/k3s-agent.service.env"
    systemd-analyze verify "$unit" >"$WORK/verify.out" 2>&1 || { cat "$WORK/verify.out" >&2; fail "systemd-analyze verify"; }
    shellcheck_scripts "$BIN/k3s-agent-uninstall.sh"

    run_install INSTALL_K3S_NAME=extra INSTALL_K3S_SKIP_ENABLE=true || fail "named install failed"
    expect [ -f "$UNITS/k3s-extra.service" ]
    run_install 'INSTALL_K3S_NAME=bad/name' && fail "bad service name accepted"
    expect_grep "Invalid service name" "$WORK/out"
}

case_openrc() {
    publish /usr/bin/sleep
    start_release_server
    run_install INSTALL_K3S_INIT_SYSTEM=openrc INSTALL_K3S_SKIP_ENABLE=true K3S_TOKEN=x -- server --tls-san "a b" ||
        fail "openrc install failed"
    local service=$ROOT/etc/init.d/k3s env=$ROOT/etc/rancher/k3s/k3s.env
    expect [ "$(mode_of "$service")" = 755 ]
    expect [ "$(mode_of "$env")" = 600 ]
    expect_grep "K3S_TOKEN='x'" "$env"
    expect_grep "supervisor=supervise-daemon" "$service"
    expect_grep "command=\"$BIN/k3s\"" "$service"
    expect_grep "command_args=\"server '--tls-san' 'a b'\"" "$service"
    expect_grep ". $env" "$service"
    expect [ -f "$ROOT/etc/logrotate.d/k3s" ]
    sh -n "$service" || fail "openrc script has a syntax error"
    "$BIN/k3s-uninstall.sh" >"$WORK/out" 2>&1 || fail "uninstall failed"
    expect nothing_installed
}

case_skip_download() {
    publish /usr/bin/sleep
    start_release_server
    run_install INSTALL_K3S_SKIP_DOWNLOAD=true && fail "skip-download without a binary succeeded"
    expect_grep "No executable k3s" "$WORK/out"
    mkdir -p "$BIN" && cp /usr/bin/sleep "$BIN/k3s"
    run_install INSTALL_K3S_SKIP_DOWNLOAD=true INSTALL_K3S_DOWNLOAD_URL=http://127.0.0.1:1 INSTALL_K3S_SKIP_ENABLE=true ||
        fail "airgap-style install failed"
    expect [ -f "$UNITS/k3s.service" ]
}

# Runs in its own network and mount namespaces: the interfaces, iptables rules and mounts the
# uninstall removes are the test's, never the host's.
case_uninstall() {
    command -v unshare >/dev/null && unshare --net --mount true 2>/dev/null || {
        echo "SKIP: needs unshare --net --mount (root with CAP_SYS_ADMIN)"
        exit $SKIP
    }
    publish /usr/bin/sleep
    start_release_server
    run_install INSTALL_K3S_SKIP_ENABLE=true INSTALL_K3S_SYMLINK=force K3S_TOKEN=t || fail "server install failed"
    run_install INSTALL_K3S_SKIP_ENABLE=true K3S_URL=https://192.0.2.1:6443 K3S_TOKEN=t || fail "agent install failed"
    WORK=$WORK ROOT=$ROOT unshare --net --mount "$SELF" "$INSTALL_SH" uninstall_in_namespace || fail "uninstall checks failed"
}

case_uninstall_in_namespace() {
    WORK=${WORK:?} ROOT=${ROOT:?}
    BIN=$ROOT/usr/local/bin
    UNITS=$ROOT/etc/systemd/system
    mkdir -p "$ROOT/var/lib/rancher/k3s/server/db" "$ROOT/etc/rancher/k3s" "$ROOT/etc/rancher/node" \
        "$ROOT/run/k3s/containerd/task/rootfs" "$ROOT/var/lib/kubelet/pods/p1"
    echo db >"$ROOT/var/lib/rancher/k3s/server/db/state.db"
    echo cfg >"$ROOT/etc/rancher/k3s/k3s.yaml"
    echo pw >"$ROOT/etc/rancher/node/password"
    mount -t tmpfs tmpfs "$ROOT/run/k3s/containerd/task/rootfs" || fail "cannot mount tmpfs"

    # Whatever happens, the fake processes end with the test (they hold its output open).
    FAKE_PIDS=""
    trap 'for p in $FAKE_PIDS; do kill -9 "$p" 2>/dev/null; done' EXIT
    "$BIN/k3s" 1000 >/dev/null 2>&1 &
    local k3s_pid=$!
    sh -c 'sleep 1000; :' containerd-shim-runc-v2 -namespace k8s.io -address "$ROOT/run/k3s/containerd/containerd.sock" \
        >/dev/null 2>&1 &
    local shim_pid=$!
    sleep 1000 >/dev/null 2>&1 &
    local bystander=$!
    FAKE_PIDS="$k3s_pid $shim_pid $bystander"
    local shim_child=""
    for _ in $(seq 1 100); do
        shim_child=$(awk -v p="$shim_pid" '{ sub(/.*\) /, ""); split($0, f, " "); if (f[2] == p) print FILENAME }' \
            /proc/[0-9]*/stat 2>/dev/null | sed -n 's|/proc/\([0-9]*\)/stat|\1|p' | head -n 1)
        [ -n "$shim_child" ] && break
        sleep 0.1
    done
    [ -n "$shim_child" ] || fail "fake shim did not start its child"
    FAKE_PIDS="$FAKE_PIDS $shim_child"

    ip link add cni0 type bridge || fail "cannot create bridge cni0"
    local have_iptables=false
    if iptables -N KUBE-TEST 2>/dev/null && iptables -A INPUT -j KUBE-TEST 2>/dev/null; then have_iptables=true; fi

    "$BIN/k3s-agent-uninstall.sh" >"$WORK/out" 2>&1 || fail "agent uninstall failed"
    expect [ ! -e "$UNITS/k3s-agent.service" ]
    expect [ -x "$BIN/k3s" ]  # the server still uses it
    expect [ -f "$ROOT/var/lib/rancher/k3s/server/db/state.db" ]

    "$BIN/k3s-uninstall.sh" >"$WORK/out" 2>&1 || fail "uninstall failed"
    alive() { [ -e "/proc/$1" ] && [ "$(awk '{ sub(/.*\) /, ""); print $1 }' "/proc/$1/stat")" != Z ]; }
    for pid in "$k3s_pid" "$shim_pid" "$shim_child"; do
        alive "$pid" && fail "process $pid survived the uninstall"
    done
    alive "$bystander" || fail "an unrelated process was killed"
    kill "$bystander"
    ip link show cni0 >/dev/null 2>&1 && fail "cni0 survived the uninstall"
    if $have_iptables; then
        iptables-save | grep -q KUBE-TEST && fail "KUBE- iptables rules survived the uninstall"
    fi
    grep -q " $ROOT" /proc/self/mounts && fail "mounts under the root survived"
    local left
    left=$(find "$ROOT" -mindepth 1 ! -type d)
    [ -z "$left" ] || fail "files left behind: $left"
    for dir in var/lib/rancher etc/rancher run/k3s var/lib/kubelet; do
        expect [ ! -e "$ROOT/$dir" ]
    done
    return 0
}

# The installed binary started the way its unit starts it (ExecStart, EnvironmentFile,
# NOTIFY_SOCKET) sends READY=1 only once the API answers.
case_notify_ready() {
    [ -x "${K3S_BINARY:-}" ] || fail "K3S_BINARY must name the built k3s binary"
    [ -x "${KUBECTL:-}" ] || fail "KUBECTL must name a kubectl binary"
    publish "$K3S_BINARY"
    start_release_server
    local port data=$WORK/data kc=$WORK/k3s.yaml
    port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
    run_install INSTALL_K3S_SKIP_ENABLE=true INSTALL_K3S_SKIP_START=true K3S_KUBECONFIG_MODE=600 \
        -- server --disable-agent --data-dir "$data" --https-listen-port "$port" --bind-address 127.0.0.1 \
        --write-kubeconfig "$kc" || fail "install failed"
    local unit=$UNITS/k3s.service exec_start
    exec_start=$(unit_exec_start "$unit")
    [ -n "$exec_start" ] || fail "no ExecStart in $unit"
    python3 "$HERE/notify_listener.py" "$WORK/notify.sock" "$WORK/notify.log" -- \
        "$KUBECTL" --kubeconfig "$kc" get --raw /readyz &
    local listener=$!
    for _ in $(seq 1 100); do [ -S "$WORK/notify.sock" ] && break; sleep 0.1; done
    (set -a; . "$unit.env"; NOTIFY_SOCKET=$WORK/notify.sock exec sh -c "exec $exec_start") >"$WORK/k3s.log" 2>&1 &
    local k3s=$!
    wait "$listener"
    kill -TERM "$k3s" 2>/dev/null; wait "$k3s" 2>/dev/null
    sed 's/^/    notify: /' "$WORK/notify.log"
    grep -q '^message READY=1$' "$WORK/notify.log" || { tail -20 "$WORK/k3s.log" >&2; fail "READY=1 never arrived"; }
    grep -q '^probe exit=0 ok$' "$WORK/notify.log" || { tail -20 "$WORK/k3s.log" >&2; fail "the API did not answer when READY=1 arrived"; }
    [ "$(grep -c '^message' "$WORK/notify.log")" = 1 ] || fail "messages before READY=1 (a child notified?)"
}

# scripts/release.sh produces the set install.sh downloads, and it installs from it.
case_release_set() {
    [ -x "${K3S_BINARY:-}" ] || fail "K3S_BINARY must name the built k3s binary"
    local dist=$WORK/dist
    K3S_BIN=$K3S_BINARY bash "$HERE/../../scripts/release.sh" "$dist" >"$WORK/out" 2>&1 || fail "release.sh failed"
    for f in k3s install.sh k3s-airgap-images-amd64.tar k3s-airgap-images-amd64.tar.gz \
        k3s-airgap-images-amd64.tar.zst sha256sum-amd64.txt; do
        expect [ -s "$dist/$f" ]
    done
    (cd "$dist" && sha256sum -c --quiet sha256sum-amd64.txt) || fail "checksums of the release set"
    tar -xOf "$dist/k3s-airgap-images-amd64.tar" --wildcards '*manifest.json' >"$WORK/manifest.json" || fail "no manifest.json"
    expect_grep "docker.io/rancher/mirrored-pause:3.6" "$WORK/manifest.json"
    "$dist/k3s" --version >"$WORK/version" 2>&1 || fail "the released binary does not run"
    expect_grep "k3s version $VERSION" "$WORK/version"
    mkdir -p "$WORK/release/download/$VERSION"
    cp "$dist/k3s" "$dist/sha256sum-amd64.txt" "$WORK/release/download/$VERSION/"
    start_release_server
    INSTALL_SH=$dist/install.sh
    run_install INSTALL_K3S_SKIP_ENABLE=true INSTALL_K3S_SKIP_START=true || fail "install from the release set failed"
    expect cmp -s "$dist/k3s" "$BIN/k3s"
}

# The documented airgap install with no network at all: in a network namespace holding only
# loopback (and a private mount namespace for k3s's paths), the release set's images go to
# /var/lib/rancher/k3s/agent/images/, the binary to the bin dir, install.sh runs with
# INSTALL_K3S_SKIP_DOWNLOAD=true, and the server started as its unit starts it brings the node
# Ready and runs the test workload.
case_airgap() {
    [ -x "${K3S_BINARY:-}" ] || fail "K3S_BINARY must name the built k3s binary"
    [ -x "${KUBECTL:-}" ] || fail "KUBECTL must name a kubectl binary"
    command -v unshare >/dev/null && unshare --net --mount true 2>/dev/null || {
        echo "SKIP: needs unshare --net --mount (root with CAP_SYS_ADMIN)"
        exit $SKIP
    }
    K3S_BIN=$K3S_BINARY bash "$HERE/../../scripts/release.sh" "$WORK/dist" >"$WORK/out" 2>&1 || fail "release.sh failed"
    WORK=$WORK ROOT=$ROOT KUBECTL=$KUBECTL unshare --net --mount --propagation private "$SELF" "$INSTALL_SH" airgap_in_namespace ||
        fail "airgap install checks failed"
}

case_airgap_in_namespace() {
    WORK=${WORK:?} ROOT=${ROOT:?}
    BIN=$ROOT/usr/local/bin
    UNITS=$ROOT/etc/systemd/system
    URL=http://127.0.0.1:1  # nothing to download from, and nothing may be downloaded
    ip link set lo up
    [ "$(ip -o link show | wc -l)" = 1 ] || fail "the namespace has more than loopback: $(ip -o link show)"
    ip route get 1.1.1.1 >/dev/null 2>&1 && fail "the namespace has a route out"
    local d
    for d in /run/k3s /run/netns /var/lib/kubelet /var/log/pods /var/lib/cni /etc/rancher /var/lib/rancher; do
        mkdir -p "$d" && mount -t tmpfs tmpfs "$d" || fail "cannot mount tmpfs on $d"
    done
    # Globals: the EXIT trap runs after this function has returned.
    K3S_PID=""
    MY_NETNS=$(readlink /proc/self/ns/net)
    stop_everything() {
        [ -n "$K3S_PID" ] && { kill -TERM "$K3S_PID" 2>/dev/null; wait "$K3S_PID" 2>/dev/null; }
        local pid
        for pid in /proc/[0-9]*; do
            pid=${pid#/proc/}
            [ "$pid" = "$$" ] && continue
            [ "$(readlink "/proc/$pid/ns/net" 2>/dev/null)" = "$MY_NETNS" ] || continue
            case "$(cat "/proc/$pid/comm" 2>/dev/null)" in containerd*|pause|sleep|k3s) kill -9 "$pid" 2>/dev/null ;; esac
        done
    }
    trap stop_everything EXIT
    mkdir -p /var/lib/rancher/k3s/agent/images "$BIN"
    cp "$WORK/dist/k3s-airgap-images-amd64.tar" /var/lib/rancher/k3s/agent/images/
    cp "$WORK/dist/k3s" "$BIN/k3s"
    run_install INSTALL_K3S_SKIP_DOWNLOAD=true INSTALL_K3S_SKIP_ENABLE=true INSTALL_K3S_SKIP_START=true \
        K3S_KUBECONFIG_MODE=644 -- server --node-name airgap-node || fail "airgap install failed"
    local unit=$UNITS/k3s.service exec_start
    exec_start=$(unit_exec_start "$unit")
    [ -n "$exec_start" ] || fail "no ExecStart in $unit"
    (set -a; . "$unit.env"; exec sh -c "exec $exec_start") >"$WORK/k3s.log" 2>&1 &
    K3S_PID=$!
    local kc=/etc/rancher/k3s/k3s.yaml ready=""
    k() { "$KUBECTL" --kubeconfig "$kc" "$@"; }
    for _ in $(seq 1 300); do
        ready=$(k get node airgap-node -o jsonpath='{.status.conditions[?(@.type=="Ready")].status}' 2>/dev/null)
        [ "$ready" = True ] && break
        kill -0 "$K3S_PID" 2>/dev/null || { tail -20 "$WORK/k3s.log" >&2; fail "k3s exited"; }
        sleep 0.5
    done
    [ "$ready" = True ] || { tail -30 "$WORK/k3s.log" >&2; fail "the node did not become Ready"; }
    k apply -f - >/dev/null <<'YAML' || fail "cannot create the workload"
apiVersion: v1
kind: Pod
metadata: {name: offline}
spec:
  containers: [{name: main, image: k3s.local/busybox:test, command: ["sh", "-c", "echo ran-offline; exec sleep 3600"]}]
YAML
    local phase=""
    for _ in $(seq 1 240); do
        phase=$(k get pod offline -o jsonpath='{.status.phase}' 2>/dev/null)
        [ "$phase" = Running ] && break
        sleep 0.5
    done
    [ "$phase" = Running ] || { k describe pod offline >&2; tail -30 "$WORK/k3s.log" >&2; fail "the workload did not run: $phase"; }
    local logs=""
    for _ in $(seq 1 20); do
        logs=$(k logs offline 2>/dev/null)
        [ "$logs" = ran-offline ] && break
        sleep 0.5
    done
    [ "$logs" = ran-offline ] || fail "workload output: '$logs'"
    grep -q "imported images from /var/lib/rancher/k3s/agent/images/k3s-airgap-images-amd64.tar" "$WORK/k3s.log" ||
        fail "the airgap images were not imported from the documented place"
    return 0
}

case "$CASE" in
    uninstall_in_namespace) case_uninstall_in_namespace ;;
    airgap_in_namespace) case_airgap_in_namespace ;;
    *)
        declare -F "case_$CASE" >/dev/null || { echo "unknown case $CASE" >&2; exit 2; }
        setup
        "case_$CASE"
        ;;
esac
echo "PASS [$CASE]"
