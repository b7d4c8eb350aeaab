#!/usr/bin/env bash
# provenance.sh: every artifact records what it was made from, a rerun of
# scripts/pipeline.sh redoes exactly the stages whose command or inputs
# changed (and what follows them), `bovw status` says which and why, and
# eval and compare refuse inputs that do not belong together.
. "$(dirname "$0")/../support/cli-lib.sh"
: "${MAKE_TEST_IMAGES:?set MAKE_TEST_IMAGES to the make-test-images tool}"
: "${BOVW_SOURCE_DIR:?set BOVW_SOURCE_DIR to the repository}"
S=$BOVW_SOURCE_DIR/scripts
export BOVW
STAGES=(dataset "extract train" "extract test" codebook "encode train" "encode test" train eval)

# ran RUN_OUTPUT: the stages a pipeline run did (not up to date), one line.
ran() {
  local st out=
  for st in "${STAGES[@]}"; do
    grep -q "^== $st: [0-9.]* s$" "$1" && out="$out${out:+,}$st"
  done
  echo "$out"
}

"$MAKE_TEST_IMAGES" "$TMP/three" --classes 3 --per-class 16 --size 48 --seed 1 --format png
"$MAKE_TEST_IMAGES" "$TMP/four" --classes 4 --per-class 16 --size 48 --seed 2 --format png
P=("$S/pipeline.sh")
OPTS=(--train-per-class 8 --words 20 -j 2)

expect_exit 0 "a first run" "${P[@]}" "$TMP/three" "$TMP/run" "${OPTS[@]}"
expect_eq "$(ran "$TMP/out")" "$(IFS=,; echo "${STAGES[*]}")" "does every stage"
for f in dataset/meta.json features/train/meta.json codebook/meta.json \
         encodings/test/meta.json model/meta.json report/report.json; do
  expect_grep '"provenance"' "$TMP/run/$f" "$f records its provenance"
done
expect_grep "$(cd "$TMP/run/features/train" && pwd)/meta.json" "$TMP/run/codebook/meta.json" \
  "the codebook names the features' meta.json among its inputs"
expect_exit 0 "bovw status on the finished run" "$BOVW" status "$TMP/run"
expect_grep "8 artifacts, 0 out of date" "$TMP/out" "counts 8 artifacts, all up to date"

# An up-to-date rerun redoes nothing, in well under a second per stage.
t0=$(date +%s%N)
expect_exit 0 "an up-to-date rerun" "${P[@]}" "$TMP/three" "$TMP/run" "${OPTS[@]}"
t1=$(date +%s%N)
expect_eq "$(ran "$TMP/out")" "" "redoes nothing"
echo "   (the no-op rerun took $(( (t1 - t0) / 1000000 )) ms)"
# Threads change no result but a network's: another -j redoes nothing.
expect_exit 0 "a rerun at one thread" "${P[@]}" "$TMP/three" "$TMP/run" --train-per-class 8 --words 20 -j 1
expect_eq "$(ran "$TMP/out")" "" "redoes nothing either"
# The same folders written otherwise, from another working folder.
expect_exit 0 "a rerun with relative paths" bash -c "cd '$TMP' && '$S/pipeline.sh' three run ${OPTS[*]}"
expect_eq "$(ran "$TMP/out")" "" "redoes nothing: the same folders"

# Another split: everything from the dataset on is redone.
expect_exit 0 "another --seed" "${P[@]}" "$TMP/three" "$TMP/run" "${OPTS[@]}" --seed 7
expect_eq "$(ran "$TMP/out")" "$(IFS=,; echo "${STAGES[*]}")" "redoes every stage"
expect_grep "^== dataset: redo, made by another command" "$TMP/out" "saying why"

# Another option of one stage: that stage and what follows it, not before.
expect_exit 0 "another C" "${P[@]}" "$TMP/three" "$TMP/run" "${OPTS[@]}" --seed 7 --C 1
expect_eq "$(ran "$TMP/out")" "train,eval" "redoes train and eval only"

# The same data folder, changed in place (a fourth class): the dataset is
# redone, and with it everything after.
cp -r "$TMP/four/"* "$TMP/three/" 2>/dev/null || cp -r "$TMP/four/." "$TMP/three/"
expect_exit 1 "status after the folder changed" "$BOVW" status "$TMP/run"
expect_grep "out of date  .*dataset: the image folder .* changed" "$TMP/out" "names the changed folder"
expect_exit 0 "a rerun after the folder changed" "${P[@]}" "$TMP/three" "$TMP/run" "${OPTS[@]}" --seed 7 --C 1
expect_eq "$(ran "$TMP/out")" "$(IFS=,; echo "${STAGES[*]}")" "redoes every stage"
expect_eq "$("$BOVW" status "$TMP/run" | tail -n 1)" "8 artifacts, 0 out of date" "then all is up to date"

# An upstream artifact rebuilt by hand: everything downstream is stale.
"$BOVW" codebook "$TMP/run/features/train" -o "$TMP/run/codebook" -k 20 -q
expect_exit 1 "status after the codebook was rebuilt" "$BOVW" status "$TMP/run"
expect_grep "out of date  .*encodings/train: input .*codebook/meta.json changed" "$TMP/out" \
  "the train encodings name the codebook"
expect_grep "out of date  .*report: upstream" "$TMP/out" "the report is stale through its model"
expect_exit 0 "a rerun after the codebook changed" "${P[@]}" "$TMP/three" "$TMP/run" "${OPTS[@]}" --seed 7 --C 1
expect_eq "$(ran "$TMP/out")" "codebook,encode train,encode test,train,eval" \
  "redoes the codebook (another command made it) and what follows"

# The codebook's meta.json removed (an unfinished rebuild): the codebook
# and everything after it are redone, nothing before.
rm "$TMP/run/codebook/meta.json"
expect_exit 0 "a rerun after the codebook's meta.json went" "${P[@]}" "$TMP/three" "$TMP/run" "${OPTS[@]}" --seed 7 --C 1
expect_eq "$(ran "$TMP/out")" "codebook,encode train,encode test,train,eval" "redoes the codebook and what follows"

# Another data folder into the same run: every stage.
expect_exit 0 "another data folder into the same run" "${P[@]}" "$TMP/four" "$TMP/run" "${OPTS[@]}" --seed 7 --C 1
expect_eq "$(ran "$TMP/out")" "$(IFS=,; echo "${STAGES[*]}")" "redoes every stage"
expect_grep "^== dataset: redo, made by another command" "$TMP/out" "saying why"

# eval refuses test encodings of other classes (the same codebook, so the
# encodings match the model in every other way), naming the difference.
"$MAKE_TEST_IMAGES" "$TMP/cups" --classes 5 --per-class 6 --size 48 --seed 3 --format png
# encoded DATA_DIR OUT: test encodings of DATA_DIR made like the run's.
encoded() {
  "$BOVW" dataset scan "$1" -o "$2/dataset" --test-fraction 1 -q
  "$BOVW" extract "$2/dataset/test.tsv" -o "$2/features" -q
  "$BOVW" encode "$2/features" --like "$TMP/run/encodings/test" -o "$2/encodings" -q
}
encoded "$TMP/cups" "$TMP/five"
expect_exit 1 "eval of a 4-class model on 5-class encodings" \
  "$BOVW" eval "$TMP/run/model" "$TMP/five/encodings" -o "$TMP/bad-report"
expect_grep "has 5 classes; the model knows 4" "$TMP/err" "names the difference"
# Three classes under other names (as cup, ketch, starfish against a model
# of circles, squares, triangles, ...).
rm -r "$TMP/cups/hstripes" "$TMP/cups/vstripes"
mv "$TMP/cups/circles" "$TMP/cups/cup"
mv "$TMP/cups/squares" "$TMP/cups/ketch"
mv "$TMP/cups/triangles" "$TMP/cups/starfish"
encoded "$TMP/cups" "$TMP/renamed"
expect_exit 1 "eval on encodings of classes of other names" \
  "$BOVW" eval "$TMP/run/model" "$TMP/renamed/encodings" -o "$TMP/bad-report"
expect_grep "calls class 0 'cup'; the model was trained with 'circles' there" "$TMP/err" \
  "names the first class that differs"
[ ! -e "$TMP/bad-report" ] && pass "leaves no report" || fail "left $TMP/bad-report"

# compare refuses reports of other test sets, unless asked, and says so.
expect_exit 0 "a second model on the same test set" \
  "$BOVW" train "$TMP/run/encodings/train" -o "$TMP/m2" --solver knn -q
"$BOVW" eval "$TMP/m2" "$TMP/run/encodings/test" -o "$TMP/r2" -q
"$BOVW" dataset scan "$TMP/three" -o "$TMP/split2" --train-per-class 4 -q
"$BOVW" extract "$TMP/split2/test.tsv" -o "$TMP/f2" -q
"$BOVW" encode "$TMP/f2" --like "$TMP/run/encodings/test" -o "$TMP/e2" -q
"$BOVW" eval "$TMP/run/model" "$TMP/e2" -o "$TMP/r3" -q
expect_exit 0 "compare on one test set" "$BOVW" compare "$TMP/run/report" "$TMP/r2" -o "$TMP/c1"
expect_exit 1 "compare across test sets" "$BOVW" compare "$TMP/run/report" "$TMP/r3" -o "$TMP/c2"
expect_grep "another test set" "$TMP/err" "is refused, naming the difference"
expect_exit 0 "compare across test sets on purpose" \
  "$BOVW" compare "$TMP/run/report" "$TMP/r3" -o "$TMP/c3" --mixed-test-sets
expect_grep "different test sets" "$TMP/c3/compare.md" "and the comparison says so"

# Times from pixels: the report's run lists every stage of the system.
R=$TMP/run/report/report.json
kinds=$(tr -d ' \t\n' < "$R" | grep -o '"part":"[a-z]*","kind":"[a-z]*"' | sed 's/"part":"\([a-z]*\)","kind":"\([a-z]*\)"/\1:\2/' | sort | tr '\n' ' ')
expect_eq "$kinds" "inference:encodings inference:features inference:score training:codebook training:encodings training:features training:model " \
  "from_pixels: extract, codebook, encode, train; extract, encode, score"
expect_grep "Times are from pixels" "$TMP/c1/compare.md" "compare labels its times as from pixels"

# status --stage: the question a script asks.
expect_exit 0 "status --stage, same command" "$BOVW" status --stage "$TMP/m2" -- \
  train "$TMP/run/encodings/train" -o "$TMP/m2" --solver knn
expect_exit 1 "status --stage, other options" "$BOVW" status --stage "$TMP/m2" -- \
  train "$TMP/run/encodings/train" -o "$TMP/m2" --solver sdca
expect_grep "another command" "$TMP/out" "names the difference"
expect_exit 2 "status --stage without a command" "$BOVW" status --stage "$TMP/m2"
expect_exit 2 "status without a folder" "$BOVW" status
finish
