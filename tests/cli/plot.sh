#!/usr/bin/env bash
# plot.sh: `bovw plot` through the real binary: a chart of each kind
# written (and nothing half-written on failure), one line naming the file
# for bad tables, exit 2 for usage errors.
. "$(dirname "$0")/../support/cli-lib.sh"

# refused CODE WHAT MESSAGE CMD...: exits CODE with a line holding MESSAGE
# (a failure is that one line; a usage error adds a hint to read --help).
refused() {
  local code=$1 what=$2 message=$3
  shift 3
  expect_exit "$code" "$what: exit $code" "$@"
  expect_grep "$message" "$TMP/err" "$what: says $message"
  expect_eq "$(wc -l < "$TMP/err")" $((code == 1 ? 1 : 2)) "$what: its lines"
}

printf 'epoch\tsigmoid\trelu\n1\t0.001\t0.5\n2\t0.0005\t0.4\n3\tnan\t0.3\n' > "$TMP/g.tsv"
expect_exit 0 "lines of two columns" "$BOVW" plot lines "$TMP/g.tsv" -o "$TMP/g.svg" --x epoch \
  --y sigmoid,relu --log-y --title "gradient norms"
expect_grep '>sigmoid</text>' "$TMP/g.svg" "a legend entry per y column"
expect_grep '>relu</text>' "$TMP/g.svg" "the second column's entry"
expect_grep 'gradient norms' "$TMP/g.svg" "the title given"
[ "$(grep -c '<polyline' "$TMP/g.svg")" = 2 ] && pass "two lines" || fail "two lines"

printf 'x\ty\tclass\n0\t1\ta\n1\t0\tb\n' > "$TMP/p.tsv"
expect_exit 0 "points" "$BOVW" plot points "$TMP/p.tsv" -o "$TMP/p.svg" --x x --y y --class class
expect_grep '>a</text>' "$TMP/p.svg" "a class in the legend"

# Failures: one line naming the file, exit 1, no picture left.
printf 'x\ty\n1\t2\n3\n' > "$TMP/ragged.tsv"
refused 1 "a ragged row" "ragged.tsv:3: 1 cells where the header has 2 columns" \
  "$BOVW" plot lines "$TMP/ragged.tsv" -o "$TMP/r.svg" --x x --y y
[ ! -e "$TMP/r.svg" ] && pass "no picture after a failure" || fail "a picture was left"
refused 1 "a missing column" "g.tsv: no column 'loss' (the y column)" \
  "$BOVW" plot lines "$TMP/g.tsv" -o "$TMP/r.svg" --x epoch --y loss
refused 1 "a missing file" "nope.tsv" \
  "$BOVW" plot lines "$TMP/nope.tsv" -o "$TMP/r.svg" --x x --y y
refused 2 "no --x" "--x and --y are required" \
  "$BOVW" plot lines "$TMP/g.tsv" -o "$TMP/r.svg" --y relu
refused 2 "--series with two y columns" "--series takes one --y column" \
  "$BOVW" plot lines "$TMP/g.tsv" -o "$TMP/r.svg" --x epoch --y sigmoid,relu --series epoch
refused 2 "regions on lines" "--class and --regions are for points" \
  "$BOVW" plot lines "$TMP/g.tsv" -o "$TMP/r.svg" --x epoch --y relu --regions "$TMP/p.tsv"
refused 2 "an unknown kind" "no command 'plot bars'" "$BOVW" plot bars "$TMP/g.tsv"
finish
