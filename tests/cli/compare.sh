#!/usr/bin/env bash
# compare.sh: `bovw compare` through the real binary on report.json files
# written here by hand: the tables of compare.md, the numbers of
# compare.json, well-formed pictures, a learning curve, the refusals and the
# usage errors.
. "$(dirname "$0")/../support/cli-lib.sh"

# make_report DIR RUN_JSON ROW...: a report.json for the classes cat, dog
# and "bird & fish" whose confusion matrix has the given rows (true class
# per row, space-separated counts), with every measure worked out by awk as
# docs/report.md defines it.
make_report() {
  local dir=$1 run=$2
  shift 2
  mkdir -p "$dir"
  printf '%s\n' "$@" | awk -v run="$run" '
    { for (p = 1; p <= NF; p++) { m[NR, p] = $p; sup[NR] += $p; col[p] += $p; total += $p } }
    END {
      k = NR; split("cat|dog|bird & fish", name, "|")
      for (c = 1; c <= k; c++) {
        right += m[c, c]
        rec[c] = sup[c] ? m[c, c] / sup[c] : 0
        pre[c] = col[c] ? m[c, c] / col[c] : 0
        if (sup[c]) { mean += rec[c]; tested++ }
      }
      printf "{\"kind\": \"report\", \"format_version\": 1, \"bovw_version\": \"0\",\n"
      printf " \"created\": \"2024-05-01T12:00:00Z\", \"num_classes\": %d, \"count\": %d,\n", k, total
      printf " \"accuracy\": %.17g, \"mean_class_accuracy\": %.17g, \"top5_accuracy\": 1,\n",
             right / total, mean / tested
      printf " \"classes\": ["
      for (c = 1; c <= k; c++)
        printf "%s{\"name\": \"%s\", \"support\": %d, \"correct\": %d, \"precision\": %.17g, \"recall\": %.17g}",
               (c > 1 ? ", " : ""), name[c], sup[c], m[c, c], pre[c], rec[c]
      printf "],\n \"confusion\": ["
      for (c = 1; c <= k; c++) {
        printf "%s[", (c > 1 ? ", " : "")
        for (p = 1; p <= k; p++) printf "%s%d", (p > 1 ? ", " : ""), m[c, p]
        printf "]"
      }
      printf "],\n \"run\": %s}\n", run
    }' > "$dir/report.json"
}

# A BoVW report (8 of 10 right; recall 80%, 66.7%, 100%: mean 82.2%), a
# network's (9 of 10; 100%, 100%, 50%: mean 83.3%) and one whose run gives
# nothing.
make_report "$TMP/r/svm" '{"kind": "bovw", "solver": "sgd", "encoding": {"encoding": "hist"},
  "train_count": 30, "train_seconds": 1.5, "inference_seconds": 0.02, "model_bytes": 1234567}' \
  "4 1 0" "1 2 0" "0 0 2"
make_report "$TMP/r/cnn" '{"kind": "nn", "spec": "tiny", "train_count": 30, "train_seconds": 125,
  "inference_seconds": 0.5, "model_bytes": 999}' "5 0 0" "0 3 0" "1 0 1"
make_report "$TMP/r/bare" '{}' "5 0 0" "0 3 0" "1 0 1"

expect_exit 0 "compare three reports" "$BOVW" compare "$TMP/r/svm" "$TMP/r/cnn" "$TMP/r/bare" -o "$TMP/cmp"
expect_grep "^hist-sgd .*accuracy  80.0%  mean per-class accuracy  82.2%" "$TMP/out" "a line per system on stdout"
for f in compare.md compare.json accuracy.svg per_class.svg; do
  [ -s "$TMP/cmp/$f" ] && pass "$f written" || fail "$f missing"
done
[ ! -e "$TMP/cmp/curve.svg" ] && pass "no curve.svg without --curve" || fail "curve.svg without --curve"
MD="$TMP/cmp/compare.md"
expect_grep "^# Comparison$" "$MD" "the default title"
expect_grep "^| hist-sgd | 10 | 80.0% | 82.2% | 100.0% | 30 | 10 | 1.50 s | 20.0 ms | 1.2 MB |$" "$MD" "the BoVW row"
expect_grep "^| nn-tiny | 10 | 90.0% | 83.3% | 100.0% | 30 | 10 | 125 s | 0.50 s | 999 B |$" "$MD" "the network's row"
expect_grep "^| bare | 10 | 90.0% | 83.3% | 100.0% | – | – | – | – | – |$" "$MD" "a run without numbers: dashes, named by its folder"
expect_grep "^| bird \\\\& fish | 2 | 100.0% | 50.0% | 50.0% |$" "$MD" "the per-class row, name escaped"
expect_eq "$(grep -n '^| \(bird\|dog\|cat\) ' "$MD" | cut -d'|' -f2 | tr -d ' \n')" "bird\\&fishdogcat" \
  "classes with the lowest mean recall first"

# compare.json: read with Python's json module when there is one.
if command -v python3 >/dev/null 2>&1; then
  got=$(python3 - "$TMP/cmp/compare.json" <<'EOF'
import json, sys
d = json.load(open(sys.argv[1]))
s = d["systems"]
print(d["kind"], d["num_classes"], ",".join(d["classes"]), len(s),
      s[0]["name"], s[0]["accuracy"], s[0]["train_per_class"], s[0]["model_bytes"],
      s[1]["recall"], s[2]["train_seconds"], "curve" in d)
EOF
  )
  expect_eq "$got" "compare 3 cat,dog,bird & fish 3 hist-sgd 0.8 10 1234567 [1, 1, 0.5] None False" \
    "compare.json values"
else
  expect_grep '"kind":[[:space:]]*"compare"' "$TMP/cmp/compare.json" "compare.json kind"
  expect_grep '"model_bytes":[[:space:]]*1234567' "$TMP/cmp/compare.json" "compare.json model size"
fi

# well_formed FILE: parses as XML (Python's parser or xmllint), or at least
# starts and ends as SVG when neither is there.
well_formed() {
  if command -v python3 >/dev/null 2>&1; then
    python3 -c 'import sys, xml.etree.ElementTree as E; r = E.parse(sys.argv[1]).getroot(); sys.exit(r.tag != "{http://www.w3.org/2000/svg}svg")' "$1"
  elif command -v xmllint >/dev/null 2>&1; then
    xmllint --noout "$1"
  else
    head -c 5 "$1" | grep -q '<?xml' && tail -1 "$1" | grep -q '^</svg>$'
  fi
}
for f in accuracy.svg per_class.svg; do
  well_formed "$TMP/cmp/$f" && pass "$f is well-formed SVG" || fail "$f is not well-formed"
done
expect_grep "bird &amp; fish" "$TMP/cmp/per_class.svg" "class names escaped in the SVG"

# Names given on the command line.
expect_exit 0 "--names" "$BOVW" compare "$TMP/r/svm" "$TMP/r/cnn" -o "$TMP/named" --names 'BoVW <SVM>,CNN' --title "Mine"
expect_grep "^| BoVW \\\\<SVM\\\\> | 10 | 80.0% |" "$TMP/named/compare.md" "the given name, escaped"
expect_grep "^# Mine$" "$TMP/named/compare.md" "the given title"
well_formed "$TMP/named/accuracy.svg" && pass "a name with markup keeps the SVG well-formed" || fail "accuracy.svg broken by a name"

# A learning curve: two systems at 5 and 15 images per class, one size from
# the name, the others from train_count / classes.
make_report "$TMP/c/b5" '{"kind": "bovw", "solver": "sgd", "train_count": 15}' "1 1 0" "0 1 1" "0 0 2"
make_report "$TMP/c/b15" '{"kind": "bovw", "solver": "sgd", "train_count": 45}' "2 0 0" "0 2 0" "0 1 1"
make_report "$TMP/c/n5" '{"kind": "nn", "spec": "tiny"}' "0 2 0" "0 2 0" "0 0 2"
make_report "$TMP/c/n15" '{"kind": "nn", "spec": "tiny", "train_count": 45}' "2 0 0" "0 2 0" "0 0 2"
expect_exit 0 "--curve" "$BOVW" compare "$TMP/c/b5" "$TMP/c/b15" "$TMP/c/n5" "$TMP/c/n15" -o "$TMP/curve" \
  --curve --names bovw,bovw,cnn@5,cnn
expect_grep "^| images per class | bovw | cnn |$" "$TMP/curve/compare.md" "the curve table's header"
expect_grep "^| 5 | 66.7% | 66.7% |$" "$TMP/curve/compare.md" "the curve at 5 per class"
expect_grep "^| 15 | 83.3% | 100.0% |$" "$TMP/curve/compare.md" "the curve at 15 per class"
expect_grep "^| bovw@15 | 6 | " "$TMP/curve/compare.md" "systems named line@size"
well_formed "$TMP/curve/curve.svg" && pass "curve.svg is well-formed SVG" || fail "curve.svg is not well-formed"
expect_eq "$(grep -c '<polyline' "$TMP/curve/curve.svg")" 2 "one line per system"
expect_grep '"lines":' "$TMP/curve/compare.json" "compare.json has the curve"
# Without names, the lines are the names from the runs.
expect_exit 1 "a report without a training-set size" "$BOVW" compare "$TMP/c/b5" "$TMP/c/n5" -o "$TMP/x" --curve
expect_grep "^bovw compare: .*/c/n5/report.json: no training-set size" "$TMP/err" "the refusal names the file"
expect_exit 0 "--curve with names from the runs" "$BOVW" compare "$TMP/c/b5" "$TMP/c/b15" "$TMP/c/n15" -o "$TMP/curve2" --curve
expect_grep "^| images per class | bovw-sgd | nn-tiny |$" "$TMP/curve2/compare.md" "lines named from the runs"

# Refusals: other classes, a folder without a report.
make_report "$TMP/r/two" '{}' "1 0" "0 1"
expect_exit 1 "reports of other classes" "$BOVW" compare "$TMP/r/svm" "$TMP/r/two" -o "$TMP/x"
expect_grep "^bovw compare: .*/r/two/report.json: 2 classes, but .*/r/svm/report.json has 3$" "$TMP/err" "the error names both files"
expect_eq "$(wc -l < "$TMP/err")" 1 "in one line"
sed 's/"dog"/"wolf"/' "$TMP/r/cnn/report.json" > "$TMP/wolf.json"
mkdir -p "$TMP/r/wolf" && mv "$TMP/wolf.json" "$TMP/r/wolf/report.json"
expect_exit 1 "a class named otherwise" "$BOVW" compare "$TMP/r/svm" "$TMP/r/wolf" -o "$TMP/x"
expect_grep "class 1 is \"wolf\", but \"dog\" in" "$TMP/err" "the class is named"
expect_exit 1 "a folder without report.json" "$BOVW" compare "$TMP/r/svm" "$TMP/nothing" -o "$TMP/x"
expect_grep "^bovw compare: .*nothing/report.json" "$TMP/err" "the missing file is named"
[ ! -e "$TMP/x/compare.json" ] && pass "nothing committed on failure" || fail "compare.json written on failure"

# Usage errors.
expect_exit 2 "no report" "$BOVW" compare -o "$TMP/x"
expect_exit 2 "no output folder" "$BOVW" compare "$TMP/r/svm"
expect_exit 2 "too few names" "$BOVW" compare "$TMP/r/svm" "$TMP/r/cnn" -o "$TMP/x" --names one
expect_grep "gives 1 name for 2 reports" "$TMP/err" "the count is named"
expect_exit 2 "an empty name" "$BOVW" compare "$TMP/r/svm" "$TMP/r/cnn" -o "$TMP/x" --names a,
expect_exit 2 "a name twice" "$BOVW" compare "$TMP/r/svm" "$TMP/r/cnn" -o "$TMP/x" --names a,a
expect_exit 2 "an unknown option" "$BOVW" compare "$TMP/r/svm" -o "$TMP/x" --magic
expect_exit 0 "help" "$BOVW" help compare
expect_grep "^Usage: bovw compare REPORT_DIR" "$TMP/out" "the help shows the usage"
finish
