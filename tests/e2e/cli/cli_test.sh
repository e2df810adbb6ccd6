#!/usr/bin/env bash
# The multicall binary's command line as a user meets it: version, help, errors, config file.
set -u
k3s=$1
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
passed=0; failed=0
check() {  # check NAME CONDITION-COMMAND...
  local name=$1; shift
  if "$@"; then passed=$((passed+1)); else failed=$((failed+1)); echo "FAIL: $name"; fi
}
run() { out=$("$@" 2>"$tmp/err"); rc=$?; err=$(cat "$tmp/err"); }

run "$k3s" --version
check "version line" grep -Eq '^k3s version v1\.33\.[0-9]+\+k3s1 \([0-9a-f]{8}\)$' <<<"$(head -1 <<<"$out")"
check "version exit 0" test "$rc" -eq 0
check "compiler line" grep -q '^g++ version' <<<"$out"

run "$k3s" --help
check "help lists server" grep -q '^   server ' <<<"$out"
check "help exit 0" test "$rc" -eq 0

run "$k3s" server --help
check "server help lists datastore flag" grep -q -- '--datastore-endpoint value' <<<"$out"
check "server help names env" grep -q 'K3S_TOKEN' <<<"$out"

run "$k3s" no-such-command
check "unknown command exit 1" test "$rc" -eq 1
check "unknown command one line" test "$(wc -l <<<"$err")" -eq 1

run "$k3s" server --no-such-flag
check "unknown flag exit 1" test "$rc" -eq 1
check "unknown flag message" grep -q 'flag provided but not defined: -no-such-flag' <<<"$err"

printf 'token: x\nbogus-key: 1\n' >"$tmp/config.yaml"
run "$k3s" server --config "$tmp/config.yaml" --data-dir "$tmp/data"
check "bad config key exit 1" test "$rc" -eq 1
check "bad config names file:line and key" grep -q "$tmp/config.yaml:2: unknown configuration key \"bogus-key\"" <<<"$err"

printf 'https-listen-port: many\n' >"$tmp/config.yaml"
K3S_CONFIG_FILE="$tmp/config.yaml" run "$k3s" server --data-dir "$tmp/data"
check "bad config type exit 1" test "$rc" -eq 1
check "bad config type names key" grep -q 'https-listen-port' <<<"$err"

run "$k3s" kine --endpoint 'postgres://[broken' --listen-address 127.0.0.1:0
check "malformed DSN exit non-zero" test "$rc" -ne 0

echo "$passed passed, $failed failed"
test "$failed" -eq 0
