#!/usr/bin/env bash
# The operator subcommands against a real server: check-config, certificate check/rotate/
# rotate-ca, token create/list/delete/generate/rotate, completion. As root, an agent joins
# (in a private mount namespace) to prove which token a rotated cluster accepts.
set -uo pipefail
K3S=${1:?k3s binary}
KUBECTL=${2:?kubectl binary}
HERE=$(cd "$(dirname "$0")" && pwd)
source "$HERE/../lib/checks.sh"
source "$HERE/../lib/server.sh"
server_workdir ops
AGENT_PID=""
SERVER_ARGS=()  # kept for every later restart (the token changes half-way)
cleanup_extra() { [ -n "$AGENT_PID" ] && { kill -KILL "$AGENT_PID" 2>/dev/null; wait "$AGENT_PID" 2>/dev/null; }; }
k() { "$KUBECTL" --kubeconfig "$KC" "$@"; }
readyz() { k get --raw /readyz; }
READY_PROBE=readyz

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

start_server "${SERVER_ARGS[@]}"

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
[[ "$("$K3S" certificate check --data-dir "$DATA" --output table)" == FILENAME* ]] && pass "certificate check table" ||
  fail "table output"
before=$(openssl x509 -noout -serial -in "$DATA/server/tls/client-admin.crt")
ca_before=$(sha256sum "$DATA/server/tls/server-ca.crt")
stop_server
"$K3S" certificate rotate --data-dir "$DATA" --service admin >"$WORK/rotate" 2>&1 || { fail "rotate"; cat "$WORK/rotate"; }
[ ! -e "$DATA/server/tls/client-admin.crt" ] && pass "rotate removes the admin certificate" || fail "admin cert still there"
ls -d "$DATA"/server/tls-*/ >/dev/null 2>&1 && pass "rotate keeps a backup" || fail "no backup dir"
start_server "${SERVER_ARGS[@]}"
after=$(openssl x509 -noout -serial -in "$DATA/server/tls/client-admin.crt" 2>/dev/null)
[ -n "$after" ] && [ "$after" != "$before" ] && pass "restart issued a new admin certificate" || fail "admin cert not reissued"
[ "$(sha256sum "$DATA/server/tls/server-ca.crt")" = "$ca_before" ] && pass "the CA is kept" || fail "CA changed"
k get ns default >/dev/null 2>&1 && pass "the new admin kubeconfig works" || fail "kubectl after rotation"

URL=https://127.0.0.1:$PORT
# supervisor_auth <user> <password>: the status the supervisor answers those credentials with.
supervisor_auth() {
  curl -s -o /dev/null -w '%{http_code}' --cacert "$DATA/server/tls/server-ca.crt" -u "$1:$2" "$URL/v1-k3s/readyz"
}
# one_error <file>: the file is exactly one line, "Error: ...".
one_error() { [ "$(wc -l <"$1")" -eq 1 ] && grep -q '^Error: ' "$1"; }
# join_agent <name> <token> <log>: `k3s agent` joining this server in a private mount namespace
# (its node password file stays out of the host's /etc/rancher/node); no container runtime, so
# it stops after the join. Returns once it joined (0) or exited (1); the agent is left running.
join_agent() {
  local name=$1 token=$2 log=$3
  mkdir -p "$WORK/pw-$name" /etc/rancher/node
  unshare -m --propagation private bash -c 'mount --bind "$1" /etc/rancher/node && shift && exec "$@"' _ \
    "$WORK/pw-$name" "$K3S" agent --server "$URL" --token "$token" --node-name "$name" \
    --data-dir "$WORK/agent-$name" --container-runtime-endpoint "unix://$WORK/no-runtime.sock" >"$log" 2>&1 &
  AGENT_PID=$!
  for _ in $(seq 1 600); do
    grep -q "Joined $URL" "$log" && return 0
    kill -0 "$AGENT_PID" 2>/dev/null || { wait "$AGENT_PID" 2>/dev/null; AGENT_PID=""; return 1; }
    sleep 0.2
  done
  return 1
}
stop_agent() {
  [ -z "$AGENT_PID" ] && return
  kill -TERM "$AGENT_PID" 2>/dev/null
  for _ in $(seq 1 50); do kill -0 "$AGENT_PID" 2>/dev/null || break; sleep 0.2; done
  kill -KILL "$AGENT_PID" 2>/dev/null; wait "$AGENT_PID" 2>/dev/null; AGENT_PID=""
}

# token rotate: the server re-seals the bootstrap data with the new token and rewrites its
# token files; after a restart with the new token only the new one is accepted.
OLD_TOKEN=$(cat "$DATA/server/token")
OLD_PW=${OLD_TOKEN##*:}
NEW_PW=rotated-e2e-token-0123456789
cp "$DATA/server/token" "$WORK/token.before"
"$K3S" token rotate --data-dir "$DATA" --server "$URL" --token wrong-token --new-token "$NEW_PW" \
  >"$WORK/out" 2>"$WORK/err" && fail "token rotate with a wrong old token succeeded" ||
  { one_error "$WORK/err" && pass "wrong old token: one line, exit 1: $(cat "$WORK/err")" ||
    { fail "wrong old token error output"; cat "$WORK/err"; }; }
cmp -s "$DATA/server/token" "$WORK/token.before" && pass "a refused rotation changes nothing" ||
  fail "the token file changed after a refused rotation"
"$K3S" token rotate --data-dir "$DATA" --server "$URL" --token "$OLD_TOKEN" --new-token "$NEW_PW" \
  >"$WORK/out" 2>"$WORK/err" || { fail "token rotate"; cat "$WORK/err"; }
grep -q '^Token rotated, restart k3s nodes with new token$' "$WORK/out" && pass "token rotate: $(tail -1 "$WORK/out")" ||
  { fail "token rotate output"; cat "$WORK/out"; }
hash=$(sha256sum "$DATA/server/tls/server-ca.crt" | cut -d' ' -f1)
[ "$(cat "$DATA/server/token")" = "K10$hash::server:$NEW_PW" ] && [ "$(cat "$DATA/server/node-token")" = "K10$hash::server:$NEW_PW" ] &&
  pass "token and node-token hold the new token" || fail "token files: $(cat "$DATA/server/token")"
stop_server
"$K3S" server --disable-agent --data-dir "$DATA" --https-listen-port "$PORT" --bind-address 127.0.0.1 \
  --token "$OLD_PW" >"$WORK/old.log" 2>&1 &
old_pid=$!
for _ in $(seq 1 300); do kill -0 "$old_pid" 2>/dev/null || break; sleep 0.2; done
if kill -0 "$old_pid" 2>/dev/null; then
  kill -TERM "$old_pid"; wait "$old_pid" 2>/dev/null; fail "a server with the old token kept running"
else
  wait "$old_pid"; rc=$?
  [ "$rc" -ne 0 ] && grep -q 'cannot be opened with this --token' "$WORK/old.log" &&
    pass "a server started with the old token stops (exit $rc)" || { fail "old token start: exit $rc"; tail -5 "$WORK/old.log"; }
fi
SERVER_ARGS=(--token "$NEW_PW")
start_server "${SERVER_ARGS[@]}"
pass "the server restarts with the new token"
[ "$(supervisor_auth server "$NEW_PW")" = 200 ] && [ "$(supervisor_auth node "$NEW_PW")" = 200 ] &&
  pass "the supervisor accepts the new token" || fail "new token refused at the supervisor"
[ "$(supervisor_auth server "$OLD_PW")" = 401 ] && [ "$(supervisor_auth node "$OLD_PW")" = 401 ] &&
  pass "the supervisor refuses the old token" || fail "old token still accepted"
if [ "$(id -u)" -eq 0 ] && command -v unshare >/dev/null; then
  join_agent oldtok "$OLD_TOKEN" "$WORK/agent-old.log" && fail "an agent joined with the old token" ||
    { grep -q 'rejected the token' "$WORK/agent-old.log" && pass "an agent with the old token is refused" ||
      { fail "old-token agent"; tail -3 "$WORK/agent-old.log"; }; }
  stop_agent
  join_agent newtok "$(cat "$DATA/server/node-token")" "$WORK/agent-new.log" && pass "an agent joins with the new token" ||
    { fail "new-token agent did not join"; tail -5 "$WORK/agent-new.log"; }
  stop_agent
else
  echo "SKIP: agent joins (need root and unshare); the supervisor checks above still ran"
fi

# certificate rotate-ca: new CAs checked and stored in the datastore, used after a restart.
new_ca() {  # new_ca <dir> <name>: a self-signed EC CA as <dir>/<name>.crt/.key
  openssl ecparam -name prime256v1 -genkey -noout -out "$1/$2.key" 2>/dev/null &&
    openssl req -x509 -new -key "$1/$2.key" -sha256 -days 3650 -subj "/CN=e2e-$2@$(date +%s)" \
      -addext basicConstraints=critical,CA:TRUE -addext keyUsage=critical,digitalSignature,keyEncipherment,keyCertSign \
      -out "$1/$2.crt" 2>/dev/null
}
mkdir -p "$WORK/newca/tls" "$WORK/badca1" "$WORK/badca2" "$WORK/empty"
for n in server-ca client-ca request-header-ca; do new_ca "$WORK/newca/tls" "$n" || fail "openssl $n"; done
cp "$WORK/newca/tls/server-ca.crt" "$WORK/badca1/"
cp "$WORK/newca/tls/server-ca.crt" "$WORK/badca2/"; cp "$WORK/newca/tls/client-ca.key" "$WORK/badca2/server-ca.key"
cp -r "$DATA/server/tls" "$WORK/tls.before"
for bad in "badca1:is missing" "badca2:does not match" "empty:no CA certificates or keys found"; do
  dir=${bad%%:*} want=${bad#*:}
  "$K3S" certificate rotate-ca --data-dir "$DATA" --server "$URL" --path "$WORK/$dir" --force >"$WORK/out" 2>"$WORK/err" &&
    fail "rotate-ca accepted $dir" ||
    { one_error "$WORK/err" && grep -q "$want" "$WORK/err" && pass "rotate-ca $dir: one line, exit 1: $(cat "$WORK/err")" ||
      { fail "rotate-ca $dir output"; cat "$WORK/err"; }; }
done
"$K3S" certificate rotate-ca --data-dir "$DATA" --server "$URL" --path "$WORK/newca" >"$WORK/out" 2>"$WORK/err" &&
  fail "rotate-ca accepted CAs not chaining to the current ones without --force" ||
  { one_error "$WORK/err" && grep -q 'does not chain to the current' "$WORK/err" &&
    pass "without --force unrelated CAs are refused: $(cat "$WORK/err")" || { fail "no-force output"; cat "$WORK/err"; }; }
# A new server CA signed by the current one (the cross-signed path) needs no --force.
mkdir -p "$WORK/xsigned"
printf 'basicConstraints=critical,CA:TRUE\nkeyUsage=critical,digitalSignature,keyEncipherment,keyCertSign\n' >"$WORK/ca.ext"
openssl ecparam -name prime256v1 -genkey -noout -out "$WORK/xsigned/server-ca.key" 2>/dev/null
openssl req -new -key "$WORK/xsigned/server-ca.key" -subj "/CN=e2e-server-ca-xsigned" -out "$WORK/xsigned.csr" 2>/dev/null
openssl x509 -req -in "$WORK/xsigned.csr" -CA "$DATA/server/tls/server-ca.crt" -CAkey "$DATA/server/tls/server-ca.key" \
  -CAcreateserial -CAserial "$WORK/ca.srl" -days 3650 -extfile "$WORK/ca.ext" -out "$WORK/xsigned/server-ca.crt" 2>/dev/null ||
  fail "openssl cross-signed CA"
"$K3S" certificate rotate-ca --data-dir "$DATA" --server "$URL" --path "$WORK/xsigned" >"$WORK/out" 2>"$WORK/err" &&
  grep -q '^client-ca.crt: not in .*, kept as it is$' "$WORK/out" &&
  pass "a CA signed by the current one is accepted without --force (the others kept)" ||
  { fail "cross-signed rotate-ca"; cat "$WORK/err" "$WORK/out"; }
"$K3S" certificate rotate-ca --data-dir "$DATA" --server "$URL" --path "$WORK/newca" --force >"$WORK/out" 2>"$WORK/err" ||
  { fail "rotate-ca --force"; cat "$WORK/err"; }
grep -q 'certificates saved to datastore' "$WORK/out" && grep -q '^Restart k3s' "$WORK/out" &&
  pass "rotate-ca --force stores the CAs and asks for a restart" || { fail "rotate-ca output"; cat "$WORK/out"; }
diff -r "$WORK/tls.before" "$DATA/server/tls" >/dev/null && pass "the running server's files are untouched until restart" ||
  fail "rotate-ca changed files on disk"
stop_server
start_server "${SERVER_ARGS[@]}"
cmp -s "$WORK/newca/tls/server-ca.crt" "$DATA/server/tls/server-ca.crt" &&
  cmp -s "$WORK/newca/tls/client-ca.crt" "$DATA/server/tls/client-ca.crt" &&
  pass "after the restart the server uses the new CAs" || fail "server CA files not replaced"
openssl verify -CAfile "$WORK/newca/tls/server-ca.crt" "$DATA/server/tls/serving-kube-apiserver.crt" >/dev/null 2>&1 &&
  pass "the serving certificate was re-issued by the new server CA" || fail "serving certificate not from the new CA"
grep 'certificate-authority-data' "$KC" | awk '{print $2}' | base64 -d | cmp -s - "$WORK/newca/tls/server-ca.crt" &&
  pass "the kubeconfig carries the new CA" || fail "kubeconfig CA not the new one"
k get ns default >/dev/null 2>&1 && pass "kubectl works with the regenerated kubeconfig" || fail "kubectl after rotate-ca"
curl -s -o /dev/null --cacert "$WORK/tls.before/server-ca.crt" "$URL/ping" && fail "the old CA still verifies the server" ||
  pass "the old CA no longer verifies the server"
hash=$(sha256sum "$DATA/server/tls/server-ca.crt" | cut -d' ' -f1)
[ "$(cat "$DATA/server/node-token")" = "K10$hash::server:$NEW_PW" ] && pass "node-token carries the new CA hash" ||
  fail "node-token: $(cat "$DATA/server/node-token")"

# completion: scripts that the shells parse.
"$K3S" completion bash >"$WORK/c.bash" && bash -n "$WORK/c.bash" && grep -q -- '--datastore-endpoint' "$WORK/c.bash" &&
  pass "completion bash" || fail "completion bash"
[[ "$("$K3S" completion zsh)" == "#compdef k3s"* ]] && pass "completion zsh" || fail "completion zsh"
"$K3S" completion fish >/dev/null 2>&1 && fail "unknown shell accepted" || pass "unknown shell refused"

echo "failures: $failures"
[ "$failures" -eq 0 ]
