#!/usr/bin/env bash
# lecture_runner.sh: scripts/lecture.sh runs the experiments it is asked
# for (by number), each into its folder, records their wall times, copies
# their pictures under the names docs/lecture.md shows, and refuses an
# --only that matches nothing.
. "$(dirname "$0")/../support/cli-lib.sh"
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
export BOVW

# A copy of the scripts, so that --docs writes into the copy's docs/img.
mkdir -p "$TMP/repo"
cp -r "$ROOT/scripts" "$ROOT/models" "$TMP/repo/"
expect_exit 0 "experiment 2 alone, quick" bash "$TMP/repo/scripts/lecture.sh" "$TMP/lec" \
  --quick -j 1 --only 2 --docs
expect_eq "$(cut -f1 "$TMP/lec/times.tsv" | tr '\n' ' ')" "experiment 02-activations " \
  "times.tsv: a row for the one experiment run"
expect_that() { if awk -v x="$2" "BEGIN { exit !($3) }"; then pass "$1"; else fail "$1: $2"; fi; }
expect_that "its wall time is a number of seconds" "$(tail -1 "$TMP/lec/times.tsv" | cut -f2)" "x > 0"
[ -f "$TMP/lec/02-activations/results.tsv" ] && pass "the experiment wrote its table" ||
  fail "no results.tsv"
n_svg=$(ls "$TMP/lec/02-activations/"*.svg 2>/dev/null | wc -l)
n_docs=$(ls "$TMP/repo/docs/img/lecture-02-activations-"*.svg 2>/dev/null | wc -l)
expect_that "the experiment drew pictures" "$n_svg" "x > 0"
expect_eq "$n_docs" "$n_svg" "--docs: every picture copied as lecture-02-activations-*.svg"
[ ! -e "$TMP/lec/01-representation" ] && pass "the others not run" || fail "experiment 1 ran"

expect_exit 2 "--only matching nothing" bash "$TMP/repo/scripts/lecture.sh" "$TMP/lec" --only 99
expect_grep "no experiment matches --only 99" "$TMP/err" "says which --only"
expect_exit 2 "an unknown option" bash "$TMP/repo/scripts/lecture.sh" --fast
finish
