#!/usr/bin/env bash
# The operator subcommands against a real server: check-config, certificate check/rotate,
# token create/list/delete/generate, completion.
set -uo pipefail
K3S=${1:?k3s binary}
KUBECTL=${2:?kubectl binary}
WORK=$(mktemp -d /tmp/k3s-e2e-ops.XXXXXX)
PORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()')
DATA=$WORK/data
KC=$WORK/kubeconfig
SERVER_PID=""
failures=0
cleanup() {
  [ -n "$SERVER_PID" ] && { kill -TERM "$SERVER_PID" 2>/dev/null; wait "$SERVER_PID" 2>/dev/null; }
  [ "$failures" -ne 0 ] && { echo "--- server log (tail)"; tail -30 "$WORK/log"; }
  rm -rf "$WORK"
}
trap cleanup EXIT
fail() { echo "FAIL: $*"; failures=$((failures + 1)); }
pass() { echo "ok: $*"; }
k() { "$KUBECTL" --kubeconfig "$KC" "$@"; }
start_server() {
  "$K3S" server --disable-agent --data-dir "$DATA" --https-listen-port "$PORT" \
    --bind-address 127.0.0.1 --write-kubeconfig "$KC" >>"$WORK/log" 2>&1 &
  SERVER_PID=$!
  for _ in $(seq 1 300); do
    [ -s "$KC" ] && k get --raw /readyz >/dev/null 2>&1 && return 0
    kill -0 "$SERVER_PID" 2>/dev/null || { fail "server exited early"; exit 1; }
    sleep 0.1
  done
  fail "server did not become ready"; exit 1
}
stop_server() { kill -TERM "$SERVER_PID"; wait "$SERVER_PID" 2>/dev/null; SERVER_PID=""; }

# check-config: a pass/fail list ending in STATUS, exit status matching it.
"$K3S" check-config >"$WORK/check" 2>&1
rc=$?
if grep -q '^STATUS: pass' "$WORK/check"; then
  [ $rc -eq 0 ] && pass "check-config passes (exit 0)" || fail "check-config said pass but exited $rc"
elif grep -q '^STATUS: [0-9]* (fail)' "$WORK/check"; then
  [ $rc -eq 1 ] && pass "check-config reports failures (exit 1)" || fail "check-config said fail but exited $rc"
else
  fail "check-config printed no STATUS line"; cat "$WORK/check"
fi
grep -q -- '- cgroup hierarchy: ' "$WORK/check" && pass "check-config checks cgroups" || fail "no cgroup line"
grep -q -- '- runc: ' "$WORK/check" && pass "check-config checks runc" || fail "no runc line"
"$K3S" check-config --bogus >/dev/null 2>&1 && fail "unknown flag accepted" || pass "check-config rejects unknown flags"

start_server

# token: create (K10 form with the CA hash), list, the Secret exists, delete.
hash=$(sha256sum "$DATA/server/tls/server-ca.crt" | cut -d' ' -f1)
token=$("$K3S" token create --data-dir "$DATA" --server "https://127.0.0.1:$PORT" --description e2e --ttl 2h 2>"$WORK/err")
[[ $token =~ ^K10${hash}::([a-z0-9]{6})\.([a-z0-9]{16})$ ]] && pass "token create prints K10<ca-hash>::id.secret" ||
  { fail "token create printed '$token'"; cat "$WORK/err"; }
id=${BASH_REMATCH[1]:-none}
[ "$(k -n kube-system get secret "bootstrap-token-$id" -o jsonpath='{.type}')" = bootstrap.kubernetes.io/token ] &&
  pass "bootstrap token Secret stored" || fail "no bootstrap-token-$id Secret"
"$K3S" token create abcdef.0123456789abcdef --data-dir "$DATA" --server "https://127.0.0.1:$PORT" --ttl 0 >/dev/null ||
  fail "token create with a given token"
"$K3S" token list --data-dir "$DATA" --server "https://127.0.0.1:$PORT" >"$WORK/list" 2>&1
grep -q "^$id\.[a-z0-9]\{16\} *[0-9]h .* e2e " "$WORK/list" && pass "token list shows the token, ttl and description" ||
  { fail "token list"; cat "$WORK/list"; }
grep -q "^abcdef.0123456789abcdef *<forever> *<never>" "$WORK/list" && pass "token list: a token without ttl" ||
  { fail "token list without ttl"; cat "$WORK/list"; }
"$K3S" token create bad --data-dir "$DATA" --server "https://127.0.0.1:$PORT" >/dev/null 2>"$WORK/err" &&
  fail "malformed token accepted" || { grep -q 'was not of form' "$WORK/err" && pass "malformed token refused"; }
# A bootstrap token authenticates joining nodes at the supervisor (node:<id>.<secret>) while it lives.
supervisor_as() {
  curl -s -o /dev/null -w '%{http_code}' --cacert "$DATA/server/tls/server-ca.crt" -u "node:$1" \
    "https://127.0.0.1:$PORT/v1-k3s/readyz"
}
secret_part=${token##*::}
[ "$(supervisor_as "$secret_part")" = 200 ] && pass "the supervisor accepts the bootstrap token" ||
  fail "bootstrap token refused at the supervisor ($(supervisor_as "$secret_part"))"
[ "$(supervisor_as "$id.0000000000000000")" = 401 ] && pass "a wrong bootstrap secret is refused" ||
  fail "a wrong bootstrap secret was accepted"
"$K3S" token create zzzzzz.0123456789abcdef --data-dir "$DATA" --server "https://127.0.0.1:$PORT" --ttl 1s >/dev/null ||
  fail "token create with a 1 s ttl"
sleep 2
[ "$(supervisor_as zzzzzz.0123456789abcdef)" = 401 ] && pass "an expired bootstrap token is refused" ||
  fail "an expired bootstrap token was accepted"
"$K3S" token delete "$id" --data-dir "$DATA" --server "https://127.0.0.1:$PORT" >/dev/null || fail "token delete"
[ "$(supervisor_as "$secret_part")" = 401 ] && pass "a deleted bootstrap token is refused" ||
  fail "a deleted bootstrap token was accepted"
k -n kube-system get secret "bootstrap-token-$id" >/dev/null 2>&1 && fail "token Secret survived delete" ||
  pass "token delete removes the Secret"
"$K3S" token delete "$id" --data-dir "$DATA" --server "https://127.0.0.1:$PORT" >/dev/null 2>&1 &&
  fail "deleting a missing token succeeded" || pass "deleting a missing token fails"
[[ $("$K3S" token generate) =~ ^[a-z0-9]{6}\.[a-z0-9]{16}$ ]] && pass "token generate" || fail "token generate"

# certificate check lists the server's certificates; rotate replaces leaf certs on restart.
"$K3S" certificate check --data-dir "$DATA" >"$WORK/certs" 2>&1 || { fail "certificate check exit"; cat "$WORK/certs"; }
grep -q '^api-server: .*serving-kube-apiserver.crt .* OK$' "$WORK/certs" && pass "certificate check lists the serving cert" ||
  { fail "certificate check output"; cat "$WORK/certs"; }
"$K3S" certificate check --data-dir "$DATA" --output table | head -1 | grep -q '^FILENAME' && pass "certificate check table" ||
  fail "table output"
before=$(openssl x509 -noout -serial -in "$DATA/server/tls/client-admin.crt")
ca_before=$(sha256sum "$DATA/server/tls/server-ca.crt")
stop_server
"$K3S" certificate rotate --data-dir "$DATA" --service admin >"$WORK/rotate" 2>&1 || { fail "rotate"; cat "$WORK/rotate"; }
[ ! -e "$DATA/server/tls/client-admin.crt" ] && pass "rotate removes the admin certificate" || fail "admin cert still there"
ls -d "$DATA"/server/tls-*/ >/dev/null 2>&1 && pass "rotate keeps a backup" || fail "no backup dir"
start_server
after=$(openssl x509 -noout -serial -in "$DATA/server/tls/client-admin.crt" 2>/dev/null)
[ -n "$after" ] && [ "$after" != "$before" ] && pass "restart issued a new admin certificate" || fail "admin cert not reissued"
[ "$(sha256sum "$DATA/server/tls/server-ca.crt")" = "$ca_before" ] && pass "the CA is kept" || fail "CA changed"
k get ns default >/dev/null 2>&1 && pass "the new admin kubeconfig works" || fail "kubectl after rotation"

# completion: scripts that the shells parse.
"$K3S" completion bash >"$WORK/c.bash" && bash -n "$WORK/c.bash" && grep -q -- '--datastore-endpoint' "$WORK/c.bash" &&
  pass "completion bash" || fail "completion bash"
"$K3S" completion zsh | head -1 | grep -q '^#compdef k3s' && pass "completion zsh" || fail "completion zsh"
"$K3S" completion fish >/dev/null 2>&1 && fail "unknown shell accepted" || pass "unknown shell refused"

echo "failures: $failures"
[ "$failures" -eq 0 ]
