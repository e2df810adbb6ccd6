# Pass/fail bookkeeping for end-to-end scripts: source it, then call pass, fail and wait_for;
# exit with "$failures" at the end.
failures=${failures:-0}
fail() { echo "FAIL: $*"; failures=$((failures + 1)); }
pass() { echo "ok: $*"; }
# wait_for <description> <seconds> <wanted regex> <command...>: polls every 0.5 s until the
# command's whole output (stdout and stderr) matches.
wait_for() {
  local what=$1 secs=$2 want=$3; shift 3
  local got="" deadline=$((SECONDS + secs))
  while [ $SECONDS -lt $deadline ]; do
    got=$("$@" 2>&1)
    [[ "$got" =~ ^($want)$ ]] && { pass "$what"; return 0; }
    sleep 0.5
  done
  fail "$what: wanted /$want/, got '$got'"
  return 1
}
# wait_equal <description> <seconds> <wanted text> <command...>: as wait_for, for the exact
# output (no regex: the text may hold dots, brackets and the like).
wait_equal() {
  local what=$1 secs=$2 want=$3; shift 3
  local got="" deadline=$((SECONDS + secs))
  while :; do
    got=$("$@" 2>&1)
    [ "$got" = "$want" ] && { pass "$what"; return 0; }
    [ $SECONDS -ge $deadline ] && break
    sleep 0.5
  done
  fail "$what: wanted '$want', got '$got'"
  return 1
}
