#!/usr/bin/env bash
# End-to-end: the real `k3s kine` on SQLite in a temp dir, driven by the real etcdctl 3.4.
# Usage: etcdctl_e2e.sh <path to k3s> [basic|perf|etcd]
#   basic: KV, txn, watch, leases, compaction, endpoint status/health, errors, restart
#   perf:  `etcdctl check perf` completes (no timing assertion)
#   etcd:  the basic checks with `k3s kine` passing through to a real etcd 3.4 started here
set -u
K3S=${1:?usage: etcdctl_e2e.sh <k3s binary> [basic|perf|etcd]}
MODE=${2:-basic}
command -v etcdctl >/dev/null || { echo "FAIL: etcdctl not installed (scripts/deps.sh test)"; exit 1; }
[ -x "$K3S" ] || { echo "FAIL: $K3S is not executable"; exit 1; }

WORK=$(mktemp -d /tmp/k3s-kine-e2e.XXXXXX)
PORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
KINE_PID=""
ETCD_PID=""
FAILURES=0
cleanup() {
  [ -n "$KINE_PID" ] && kill "$KINE_PID" 2>/dev/null && wait "$KINE_PID" 2>/dev/null
  [ -n "$ETCD_PID" ] && kill "$ETCD_PID" 2>/dev/null && wait "$ETCD_PID" 2>/dev/null
  rm -rf "$WORK"
}
trap cleanup EXIT

export ETCDCTL_API=3
ec() { etcdctl --endpoints="127.0.0.1:$PORT" --command-timeout=15s "$@"; }

pass() { echo "ok   - $1"; }
fail() { echo "FAIL - $1"; FAILURES=$((FAILURES + 1)); }
# expect_eq DESCRIPTION EXPECTED ACTUAL
expect_eq() {
  if [ "$2" == "$3" ]; then pass "$1"; else
    fail "$1"; echo "       expected: $(printf '%q' "$2")"; echo "       actual:   $(printf '%q' "$3")"; fi
}
# expect_contains DESCRIPTION NEEDLE HAYSTACK
expect_contains() {
  if [[ "$3" == *"$2"* ]]; then pass "$1"; else
    fail "$1"; echo "       wanted: $(printf '%q' "$2")"; echo "       in:     $(printf '%q' "$3")"; fi
}
json() { python3 -c "import json,sys; d=json.load(sys.stdin); print($1)"; }

KINE_ENDPOINT="sqlite://$WORK/db/state.db"
if [ "$MODE" = etcd ]; then
  command -v etcd >/dev/null || { echo "FAIL: etcd not installed (scripts/deps.sh test)"; exit 1; }
  free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
  ETCD_PORT=$(free_port); ETCD_PEER=$(free_port)
  etcd --name e2e --data-dir "$WORK/etcd" \
    --listen-client-urls "http://127.0.0.1:$ETCD_PORT" --advertise-client-urls "http://127.0.0.1:$ETCD_PORT" \
    --listen-peer-urls "http://127.0.0.1:$ETCD_PEER" --initial-advertise-peer-urls "http://127.0.0.1:$ETCD_PEER" \
    --initial-cluster "e2e=http://127.0.0.1:$ETCD_PEER" >"$WORK/etcd.log" 2>&1 &
  ETCD_PID=$!
  KINE_ENDPOINT="http://127.0.0.1:$ETCD_PORT"
fi

start_kine() {
  "$K3S" kine --endpoint "$KINE_ENDPOINT" --listen-address "127.0.0.1:$PORT" >>"$WORK/kine.log" 2>&1 &
  KINE_PID=$!
  for _ in $(seq 1 150); do
    if ec endpoint health >/dev/null 2>&1; then return 0; fi
    kill -0 "$KINE_PID" 2>/dev/null || break
    sleep 0.2
  done
  echo "FAIL: k3s kine did not become healthy; its log:"; tail -n 30 "$WORK/kine.log"
  exit 1
}

stop_kine() {
  kill -TERM "$KINE_PID"
  local status=0
  wait "$KINE_PID" || status=$?
  KINE_PID=""
  return $status
}

current_revision() { ec get / -w json | json 'd["header"]["revision"]'; }

# wait_for_lines FILE N: waits (bounded) until FILE has at least N lines.
wait_for_lines() {
  for _ in $(seq 1 100); do
    [ "$(wc -l <"$1")" -ge "$2" ] && return 0
    sleep 0.1
  done
  return 1
}

start_kine

if [ "$MODE" = perf ]; then
  # check perf's PASS/FAIL verdict is a throughput judgement: on a shared machine it may say
  # FAIL on a slow moment, so only the absence of request errors is asserted, not the verdict.
  out=$(ec check perf 2>&1); status=$?
  echo "$out" | sed 's/^/    check perf: /'
  expect_contains "check perf measured throughput" "Throughput" "$out"
  expect_contains "check perf measured the slowest request" "Slowest request took" "$out"
  case "$out" in
    *"too many errors"*|*"ERROR("*|*"Error:"*) fail "check perf saw request errors (exit $status)" ;;
    *) pass "check perf ran without request errors (exit $status)" ;;
  esac
  stop_kine || fail "k3s kine exits 0 on SIGTERM"
  [ "$FAILURES" -eq 0 ] && echo "all passed" || echo "$FAILURES failed"
  exit $((FAILURES > 0))
fi

# ---- put / get and the range options
expect_eq "put answers OK" "OK" "$(ec put /a 1)"
r1=$(ec get /a -w json | json 'd["kvs"][0]["mod_revision"]')
ec put /a 2 >/dev/null
expect_eq "get returns the key and its latest value" $'/a\n2' "$(ec get /a)"
expect_eq "get --rev reads the past" $'/a\n1' "$(ec get /a --rev="$r1")"
expect_eq "version counts updates" 2 "$(ec get /a -w json | json 'd["kvs"][0]["version"]')"
ec put /p/1 x >/dev/null; ec put /p/2 y >/dev/null; ec put /p/3 z >/dev/null; ec put /q w >/dev/null
expect_eq "get --prefix" $'/p/1\nx\n/p/2\ny\n/p/3\nz' "$(ec get /p/ --prefix)"
expect_eq "get --prefix --keys-only" $'/p/1\n/p/2\n/p/3' "$(ec get /p/ --prefix --keys-only | sed '/^$/d')"
expect_eq "get --prefix --limit 2" $'/p/1\nx\n/p/2\ny' "$(ec get /p/ --prefix --limit 2)"
expect_eq "limit sets more and keeps the full count" "True 3" \
  "$(ec get /p/ --prefix --limit 1 -w json | json 'str(d.get("more", False)) + " " + str(d["count"])')"
expect_eq "get --from-key" $'/p/3\n/q' "$(ec get /p/3 --from-key --keys-only | sed '/^$/d')"
expect_eq "get --order DESCEND" $'/p/3\n/p/2\n/p/1' "$(ec get /p/ --prefix --keys-only --order=DESCEND | sed '/^$/d')"
expect_eq "get of a missing key prints nothing" "" "$(ec get /missing)"
expect_eq "binary-safe values round-trip" "$(printf 'a\tb c')" "$(ec put /bin "$(printf 'a\tb c')" >/dev/null; ec get /bin --print-value-only)"

# ---- delete
expect_eq "del of one key reports 1" "1" "$(ec del /p/1)"
expect_eq "del --prefix reports the count" "2" "$(ec del /p/ --prefix)"
expect_eq "deleted keys are gone" "" "$(ec get /p/ --prefix)"
expect_eq "del of a missing key reports 0" "0" "$(ec del /nothing)"

# ---- txn (interactive input on stdin)
out=$(printf 'value("/a") = "2"\n\nput /t ok\n\nput /t bad\n\n' | ec txn -i 2>&1)
expect_contains "txn with a true compare runs success" "SUCCESS" "$out"
expect_eq "txn success op applied" "ok" "$(ec get /t --print-value-only)"
out=$(printf 'mod("/a") = "1"\n\nput /t ok2\n\nput /t failure-branch\n\n' | ec txn -i 2>&1)
expect_contains "txn with a false compare runs failure" "FAILURE" "$out"
expect_eq "txn failure op applied" "failure-branch" "$(ec get /t --print-value-only)"
out=$(printf 'create("/never") = "0"\n\nput /t created-if-absent\nget /a\n\n\n' | ec txn -i 2>&1)
expect_contains "create-if-absent txn reads in the same txn" $'/a\n2' "$out"

# ---- watch: live events with prev-kv, and history from a revision
rev=$(current_revision)
watch_out="$WORK/watch.out"
timeout 20 etcdctl --endpoints="127.0.0.1:$PORT" watch /w/ --prefix --prev-kv --rev=$((rev + 1)) >"$watch_out" 2>&1 &
watch_pid=$!
ec put /w/1 x >/dev/null; ec put /w/1 y >/dev/null; ec del /w/1 >/dev/null
if wait_for_lines "$watch_out" 12; then pass "watch delivered all events"; else fail "watch delivered all events"; fi
kill "$watch_pid" 2>/dev/null; wait "$watch_pid" 2>/dev/null
expect_eq "watch --prev-kv shows events in order with previous values" \
  $'PUT\n/w/1\nx\nPUT\n/w/1\nx\n/w/1\ny\nDELETE\n/w/1\ny\n/w/1' "$(cat "$watch_out")"
out=$(timeout 5 etcdctl --endpoints="127.0.0.1:$PORT" watch /a --rev="$r1" 2>&1)
expect_eq "watch --rev replays history" $'PUT\n/a\n1\nPUT\n/a\n2' "$out"

# ---- leases
out=$(ec lease grant 100)
lease=$(echo "$out" | awk '{print $2}')
expect_contains "lease grant" "granted with TTL(100s)" "$out"
ec put /l v --lease="$lease" >/dev/null
expect_eq "key carries its lease" "$((16#$lease))" "$(ec get /l -w json | json 'd["kvs"][0]["lease"]')"
expect_contains "lease keep-alive --once" "keepalived with TTL(100)" "$(ec lease keep-alive --once "$lease")"
expect_contains "lease timetolive --keys" "attached keys([/l])" "$(ec lease timetolive --keys "$lease")"
expect_contains "lease list" "$lease" "$(ec lease list)"
expect_contains "lease revoke" "revoked" "$(ec lease revoke "$lease")"
expect_eq "revoking a lease deletes its keys" "" "$(ec get /l)"
expect_contains "timetolive of a revoked lease" "already expired" "$(ec lease timetolive "$lease")"
out=$(ec lease revoke "$lease" 2>&1)
expect_contains "revoking an unknown lease is etcd's NotFound" "requested lease not found" "$out"
short=$(ec lease grant 1 | awk '{print $2}')
ec put /l/short v --lease="$short" >/dev/null
gone=""
for _ in $(seq 1 150); do
  [ -z "$(ec get /l/short)" ] && { gone=yes; break; }
  sleep 0.2
done
expect_eq "an expired lease's key is deleted" "yes" "$gone"

# ---- compaction
old=$r1
current=$(current_revision)
expect_eq "compaction" "compacted revision $current" "$(ec compaction "$current")"
out=$(ec get /a --rev="$old" 2>&1); status=$?
expect_eq "read below the compaction fails" 1 "$((status != 0))"
expect_contains "read below the compaction says compacted" "required revision has been compacted" "$out"
out=$(timeout 10 etcdctl --endpoints="127.0.0.1:$PORT" watch /a --rev="$old" 2>&1)
expect_contains "watch below the compaction is canceled as compacted" \
  "watch was canceled (etcdserver: mvcc: required revision has been compacted)" "$out"
out=$(ec get /a --rev=$((current + 1000)) 2>&1)
expect_contains "read of a future revision fails" "required revision is a future revision" "$out"

# ---- size limit
out=$(head -c 1700000 /dev/zero | tr '\0' x | ec put /big 2>&1); status=$?
expect_eq "a value over 1.5 MiB is refused" 1 "$((status != 0))"
expect_contains "refused with etcd's message" "request is too large" "$out"
expect_eq "nothing was written for the refused value" "" "$(ec get /big --keys-only)"

# ---- cluster views
status_json=$(ec endpoint status -w json)
expect_eq "endpoint status: leader is the member itself" "True" \
  "$(echo "$status_json" | json 'd[0]["Status"]["leader"] == d[0]["Status"]["header"]["member_id"]')"
expect_eq "endpoint status: raft index follows the revision" "True" \
  "$(echo "$status_json" | json 'd[0]["Status"]["raftIndex"] == d[0]["Status"]["header"]["revision"] > 0')"
expect_eq "endpoint status: db size reported" "True" "$(echo "$status_json" | json 'd[0]["Status"]["dbSize"] > 0')"
expect_contains "endpoint status table" "127.0.0.1:$PORT" "$(ec endpoint status -w table)"
expect_contains "endpoint health" "is healthy" "$(ec endpoint health 2>&1)"
expect_contains "member list shows the listen URL" "http://127.0.0.1:$PORT" "$(ec member list)"

# ---- restart keeps everything
before=$(current_revision)
if stop_kine; then pass "k3s kine exits 0 on SIGTERM"; else fail "k3s kine exits 0 on SIGTERM"; fi
start_kine
expect_eq "revision survives a restart" "$before" "$(current_revision)"
expect_eq "data survives a restart" $'/a\n2' "$(ec get /a)"

# ---- malformed DSN: non-zero exit and one line
out=$(timeout 30 "$K3S" kine --endpoint 'bogus://nowhere' --listen-address "127.0.0.1:0" 2>&1); status=$?
expect_eq "malformed DSN exits non-zero" 1 "$((status != 0 && status != 124))"
expect_eq "malformed DSN gives one line" 1 "$(printf '%s\n' "$out" | sed '/^$/d' | wc -l)"
echo "       ($out)"

stop_kine || true
if [ "$FAILURES" -eq 0 ]; then echo "all passed"; else echo "$FAILURES failed"; tail -n 20 "$WORK/kine.log"; fi
exit $((FAILURES > 0))
