#!/usr/bin/env bash
# Two `k3s server`s on one PostgreSQL datastore (k3s's HA with an external database): the
# second takes the cluster's CAs and service-account key from the datastore, so the first
# server's kubeconfig, token and service-account tokens work against either; objects written
# through one are read through the other; the controllers and the scheduler run once (one
# Lease holder each) and move to the other server when the holder dies; a server with
# another token is refused.
K3S=${1:?k3s binary}
KUBECTL=${2:?kubectl binary}
set -uo pipefail
PG_BIN=/usr/lib/postgresql/15/bin
[ -x "$PG_BIN/initdb" ] || { echo "FAIL: PostgreSQL 15 is not installed ($PG_BIN)"; exit 1; }
WORK=$(mktemp -d /tmp/k3s-e2e-ha.XXXXXX)
chmod 755 "$WORK"
failures=0
PIDS=()
cleanup() {
  for pid in "${PIDS[@]}"; do kill -TERM "$pid" 2>/dev/null; done
  for pid in "${PIDS[@]}"; do wait "$pid" 2>/dev/null; done
  [ -n "${PG_PID:-}" ] && { kill -INT "$PG_PID" 2>/dev/null; wait "$PG_PID" 2>/dev/null; }
  if [ "$failures" -ne 0 ]; then
    for f in "$WORK"/*.log; do echo "--- $f (tail)"; tail -25 "$f"; done
  fi
  rm -rf "$WORK"
}
trap cleanup EXIT
source "$(dirname "$0")/../lib/checks.sh"
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()'; }

# ---- a private PostgreSQL (it refuses to run as root: the cluster belongs to postgres) ----
mkdir -p "$WORK/pg"
chown postgres "$WORK/pg"
PG_PORT=$(free_port)
su postgres -s /bin/sh -c "$PG_BIN/initdb -D $WORK/pg/data -U postgres --auth=trust -E UTF8" >"$WORK/initdb.log" 2>&1 \
  || { fail "initdb"; exit 1; }
su postgres -s /bin/sh -c "exec $PG_BIN/postgres -D $WORK/pg/data -p $PG_PORT -k $WORK/pg -c listen_addresses=127.0.0.1" \
  >"$WORK/postgres.log" 2>&1 &
PG_PID=$!
for _ in $(seq 1 100); do
  su postgres -s /bin/sh -c "psql -h 127.0.0.1 -p $PG_PORT -U postgres -c 'select 1'" >/dev/null 2>&1 && break
  sleep 0.2
done
DSN="postgres://postgres@127.0.0.1:$PG_PORT/k3s?sslmode=disable"

start_server() {  # start_server <name> <token>  -> sets PORT_<name>, PID_<name>
  local name=$1 token=$2 port
  port=$(free_port)
  "$K3S" server --disable-agent --data-dir "$WORK/$name" --https-listen-port "$port" --bind-address 127.0.0.1 \
    --datastore-endpoint "$DSN" --token "$token" --write-kubeconfig "$WORK/$name.kubeconfig" \
    >"$WORK/$name.log" 2>&1 &
  PIDS+=($!)
  eval "PORT_$name=$port PID_$name=$!"
}
ready() {  # ready <port>
  curl -s --max-time 2 --cacert "$WORK/a/server/tls/server-ca.crt" --cert "$WORK/a/server/tls/client-admin.crt" \
    --key "$WORK/a/server/tls/client-admin.key" "https://127.0.0.1:$1/readyz"
}
k() {  # k <port> args...: the FIRST server's admin kubeconfig against any server
  local port=$1; shift
  "$KUBECTL" --kubeconfig "$WORK/a.kubeconfig" --server "https://127.0.0.1:$port" "$@"
}

start_server a ha-secret
wait_for "first server ready" 60 ok ready "$PORT_a"
start_server b ha-secret
wait_for "second server ready (with the first server's certificates)" 60 ok ready "$PORT_b"

for f in server-ca.crt client-ca.crt request-header-ca.crt service.key; do
  cmp -s "$WORK/a/server/tls/$f" "$WORK/b/server/tls/$f" && pass "shared $f" || fail "$f differs between the servers"
done
cmp -s "$WORK/a/server/token" "$WORK/b/server/token" && pass "same K10 server token" || fail "server tokens differ"
cmp -s "$WORK/a/server/tls/serving-kube-apiserver.crt" "$WORK/b/server/tls/serving-kube-apiserver.crt" \
  && fail "serving certificates should be per server" || pass "each server has its own serving certificate"

k "$PORT_a" create configmap through-a --from-literal=k=v >/dev/null
wait_for "written through A, read through B" 30 v k "$PORT_b" get configmap through-a -o jsonpath='{.data.k}'
k "$PORT_b" create serviceaccount robot >/dev/null
wait_for "B's service account visible on A" 30 robot k "$PORT_a" get serviceaccount robot -o jsonpath='{.metadata.name}'
TOKEN=$(k "$PORT_a" create token robot)
whoami_b() {
  "$KUBECTL" --kubeconfig /dev/null --server "https://127.0.0.1:$PORT_b" \
    --certificate-authority "$WORK/b/server/tls/server-ca.crt" --token "$TOKEN" auth whoami -o jsonpath='{.status.userInfo.username}'
}
wait_for "a token minted by A authenticates on B" 30 "system:serviceaccount:default:robot" whoami_b

holder() { k "$PORT_b" -n kube-system get lease "$1" -o jsonpath='{.spec.holderIdentity}'; }
holders_once() {
  local cm sched
  cm=$(holder kube-controller-manager) sched=$(holder kube-scheduler)
  [ -n "$cm" ] && [ -n "$sched" ] && echo "held" || echo "controller-manager '$cm', scheduler '$sched'"
}
wait_for "controller-manager and scheduler Leases held" 60 held holders_once
CM_HOLDER=$(holder kube-controller-manager)
# The leader's log says it leads; the other server's does not.
leader=""
for n in a b; do grep -q "kube-controller-manager: became leader" "$WORK/$n.log" && leader="$leader$n"; done
[ "$leader" = a ] || [ "$leader" = b ] && pass "exactly one server leads the controllers ($leader)" \
  || fail "controller leaders: '$leader'"

# The leader dies: the other server takes the Lease over and runs the controllers.
if [ "$leader" = a ]; then kill -KILL "$PID_a"; survivor=b; survivor_port=$PORT_b; else kill -KILL "$PID_b"; survivor=a; survivor_port=$PORT_a; fi
new_holder() {
  local h; h=$(k "$survivor_port" -n kube-system get lease kube-controller-manager -o jsonpath='{.spec.holderIdentity}')
  [ -n "$h" ] && [ "$h" != "$CM_HOLDER" ] && echo moved || echo "still '$h'"
}
wait_for "the Lease moves to the surviving server" 90 moved new_holder
wait_for "the survivor runs the controllers" 30 yes \
  bash -c "grep -q 'kube-controller-manager: became leader' '$WORK/$survivor.log' && echo yes"
k "$survivor_port" create deployment after-failover --image=busybox >/dev/null
wait_for "a Deployment still gets its ReplicaSet" 60 1 \
  bash -c "\"$KUBECTL\" --kubeconfig '$WORK/a.kubeconfig' --server https://127.0.0.1:$survivor_port get rs -l app=after-failover --no-headers | wc -l | tr -d ' '"

# Another cluster's token cannot join (and must not reuse the datastore).
start_server c other-secret
for _ in $(seq 1 60); do kill -0 "$PID_c" 2>/dev/null || break; sleep 0.5; done
if kill -0 "$PID_c" 2>/dev/null; then
  fail "a server with another token kept running"
else
  wait "$PID_c"; rc=$?
  [ "$rc" -ne 0 ] && grep -q "cannot be opened with this --token" "$WORK/c.log" \
    && pass "a server with another token exits ($rc) naming the token" || fail "wrong token: rc $rc, $(tail -2 "$WORK/c.log")"
fi

[ "$failures" -eq 0 ] && echo "ha e2e: all passed" || echo "ha e2e: $failures failed"
exit "$failures"
