# cli-lib.sh: helpers for the CLI tests in tests/cli/, sourced by each:
#   . "$(dirname "$0")/../support/cli-lib.sh"
# Each check prints "ok: ..." or "FAILED: ..."; finish prints the totals and
# fails the test when any check failed.
set -eu

: "${BOVW:?set BOVW to the bovw binary}"
TMP=$(mktemp -d "${TMPDIR:-/tmp}/bovw-cli-XXXXXX")
trap 'rm -rf "$TMP"' EXIT
PASSED=0
FAILED=0

pass() { PASSED=$((PASSED + 1)); echo "ok: $*"; }
fail() { FAILED=$((FAILED + 1)); echo "FAILED: $*"; }

# expect_exit CODE DESCRIPTION CMD...: runs CMD, stdout to $TMP/out, stderr to
# $TMP/err, and checks its exit code.
expect_exit() {
  local want=$1 what=$2 got=0
  shift 2
  "$@" >"$TMP/out" 2>"$TMP/err" || got=$?
  if [ "$got" -eq "$want" ]; then pass "$what"; else
    fail "$what: exit $got, expected $want"; sed 's/^/  | /' "$TMP/err" | head -20; fi
}

# expect_grep PATTERN FILE DESCRIPTION
expect_grep() {
  if grep -q -- "$1" "$2"; then pass "$3"; else
    fail "$3: '$1' not in $2"; sed 's/^/  | /' "$2" | head -20; fi
}

# expect_eq GOT WANT DESCRIPTION
expect_eq() {
  if [ "$1" = "$2" ]; then pass "$3"; else fail "$3: got '$1', expected '$2'"; fi
}

finish() {
  echo "$PASSED passed, $FAILED failed"
  [ "$FAILED" -eq 0 ]
}
