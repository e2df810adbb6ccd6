#!/usr/bin/env bash
# Runs every line of sessions.txt through the real kubectl and through `k3s kubectl`
# against one server, each in its own namespace (and with its own suffix for cluster-scoped
# names), and compares stdout, stderr and exit code after masking what legitimately
# differs (ages, uids, resourceVersions, timestamps, generated names, the namespace and
# suffix themselves, klog lines). Mismatches listed in known_mismatches.txt are reported but
# tolerated; any other mismatch fails the test.
set -uo pipefail
K3S=${1:?k3s binary}
REAL=${2:?real kubectl}
DIR=${3:?test source dir}
WORK=$(mktemp -d /tmp/k3s-e2e-kubectl.XXXXXX)
PORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()')
KC=$WORK/kubeconfig
SERVER_PID=""
cleanup() {
  [ -n "$SERVER_PID" ] && { kill -TERM "$SERVER_PID" 2>/dev/null; wait "$SERVER_PID" 2>/dev/null; }
  rm -rf "$WORK"
}
trap cleanup EXIT

"$K3S" server --disable-agent --data-dir "$WORK/data" --https-listen-port "$PORT" \
  --bind-address 127.0.0.1 --write-kubeconfig "$KC" >"$WORK/log" 2>&1 &
SERVER_PID=$!
for _ in $(seq 1 300); do
  [ -s "$KC" ] && "$REAL" --kubeconfig "$KC" get ns default >/dev/null 2>&1 && break
  kill -0 "$SERVER_PID" 2>/dev/null || { echo "FAIL: server exited early"; tail -20 "$WORK/log"; exit 1; }
  sleep 0.2
done

# Our kubectl through the multicall name, as users run it (a 4th argument overrides it,
# for trying a kubectl build against this suite).
mkdir -p "$WORK/bin"
ln -s "$K3S" "$WORK/bin/kubectl"
OURS=${4:-$WORK/bin/kubectl}

for side in real ours; do
  "$REAL" --kubeconfig "$KC" create namespace "p-$side" >/dev/null
  "$REAL" --kubeconfig "$KC" create serviceaccount default -n "p-$side" >/dev/null 2>&1 || true
done

mask() {  # mask <namespace> <suffix>; an age's width changes its column's padding, so the run of
  # blanks after a masked age is squeezed
  sed -E \
    -e "/^[EIW][0-9]{4} [0-9:.]+ +[0-9]+ [a-z_]+\.go:[0-9]+\]/d" \
    -e "s/p-$1/p-NS/g; s/zq$2/zqSFX/g" \
    -e "s/$(basename "$REAL")/kubectl/g" \
    -e 's/[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/UID/g' \
    -e 's/("?resourceVersion"?: ?)"[0-9]+"/\1"RV"/g' \
    -e 's/[A-Z][a-z]{2}, [0-9]{2} [A-Z][a-z]{2} [0-9]{4} [0-9:]{8} [+-][0-9]{4}/DATE/g' \
    -e 's/[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}(\.[0-9]+)?Z/TIME/g' \
    -e 's/(^|[ ,])(<invalid>|[0-9]+(s|m|h|d|y)([0-9]+(s|m|h|d))?)( |$)/\1AGE\6/g' \
    -e 's/(^|[ ,])(<invalid>|[0-9]+(s|m|h|d|y)([0-9]+(s|m|h|d))?)( |$)/\1AGE\6/g' \
    -e 's/AGE +/AGE /g' \
    -e "s/127\.0\.0\.1:$PORT/SERVER/g" \
    -e 's/10\.43\.[0-9]+\.[0-9]+/CLUSTER-IP/g' \
    -e 's/-[bcdfghjklmnpqrstvwxz2456789]{5}( |$|")/-GEN\1/g' \
    -e 's/ +$//'
}

run_side() {  # run_side <side> <binary> <command line>
  local side=$1 bin=$2 line=$3 out=$WORK/$1
  (
    export K="$bin --kubeconfig $KC" BIN="$bin" KCFILE="$KC" NS="p-$side" SFX="zq$side" M="$DIR/manifests" W="$WORK/tmp-$side"
    mkdir -p "$W"
    cd "$W" && timeout 60 bash -c "$line" >"$out.stdout" 2>"$out.stderr" </dev/null
    echo $? >"$out.rc"
  )
  {
    echo "--- rc $(cat "$out.rc")"
    echo "--- stdout"
    mask "$side" "$side" <"$out.stdout"
    echo "--- stderr"
    mask "$side" "$side" <"$out.stderr"
  } >"$out.masked"
}

known=()
while IFS= read -r k; do
  [[ -z "$k" || "$k" == \#* ]] && continue
  known+=("$k")
done <"$DIR/known_mismatches.txt"
is_known() {
  local line=$1
  for k in "${known[@]}"; do [ "$k" = "$line" ] && return 0; done
  return 1
}

total=0 matched=0 known_count=0 failures=0
while IFS= read -r line; do
  [[ -z "$line" || "$line" == \#* ]] && continue
  total=$((total + 1))
  run_side real "$REAL" "$line"
  run_side ours "$OURS" "$line"
  if cmp -s "$WORK/real.masked" "$WORK/ours.masked"; then
    matched=$((matched + 1))
    echo "ok: $line"
  elif is_known "$line"; then
    known_count=$((known_count + 1))
    echo "known mismatch: $line"
  else
    failures=$((failures + 1))
    echo "MISMATCH: $line"
    diff -u --label real --label ours "$WORK/real.masked" "$WORK/ours.masked" | head -40
  fi
done <"$DIR/sessions.txt"

echo "parity: $matched/$total commands match, $known_count known mismatches, $failures unexpected"
[ "$failures" -eq 0 ]
