#!/usr/bin/env bash
# scripts.sh: scripts/pipeline.sh, scripts/reuse-codebook.sh and
# scripts/learning-curve.sh end to end on small synthetic image folders:
# reports with the documented schema, accuracy far above chance, finished
# stages reused, a codebook carried to another dataset with its extraction
# parameters, a learning curve, and the usage errors.
. "$(dirname "$0")/../support/cli-lib.sh"
: "${MAKE_TEST_IMAGES:?set MAKE_TEST_IMAGES to the make-test-images tool}"
: "${BOVW_SOURCE_DIR:?set BOVW_SOURCE_DIR to the repository}"
S=$BOVW_SOURCE_DIR/scripts
export BOVW

# Four classes of generated shapes and stripes, 30 images each at 64x64;
# chance is 25%.
"$MAKE_TEST_IMAGES" "$TMP/a" --classes 4 --per-class 30 --size 64 --seed 1 --format png
"$MAKE_TEST_IMAGES" "$TMP/b" --classes 4 --per-class 30 --size 64 --seed 2 --format png

# mean_at_least MIN REPORT_JSON WHAT
mean_at_least() {
  local acc
  acc=$(tr -d ' \t\n' < "$2" | sed -n 's/.*"mean_class_accuracy":\([0-9.eE+-]*\).*/\1/p')
  if awk -v a="$acc" -v m="$1" 'BEGIN {exit !(a >= m)}'; then pass "$3: mean per-class $acc"; else
    fail "$3: mean per-class accuracy '$acc' below $1"; fi
}
# schema REPORT_JSON WHAT: the keys docs/report.md lists.
schema() {
  local k
  for k in kind format_version num_classes count accuracy mean_class_accuracy top5_accuracy \
           classes confusion run; do
    grep -q "\"$k\"" "$1" || { fail "$2: no \"$k\" in $1"; return; }
  done
  pass "$2: every key of the schema"
}

expect_exit 0 "pipeline.sh on an image folder" \
  "$S/pipeline.sh" "$TMP/a" "$TMP/run" --train-per-class 15 --words 40 -j 2
for st in dataset "extract train" "extract test" codebook "encode train" "encode test" train eval; do
  expect_grep "^== $st: [0-9.]* s$" "$TMP/out" "the $st stage is timed"
done
schema "$TMP/run/report/report.json" "pipeline's report"
mean_at_least 0.6 "$TMP/run/report/report.json" "pipeline, hist"
expect_exit 0 "a rerun" "$S/pipeline.sh" "$TMP/a" "$TMP/run" --train-per-class 15 --words 40 -j 2
expect_grep "^== codebook: up to date" "$TMP/out" "reuses the finished codebook"
expect_grep "^== eval: up to date" "$TMP/out" "and the report"
# The Fisher recipe with the Gram solver (the demo's and Caltech's), on the
# same split.
expect_exit 0 "pipeline.sh with Fisher vectors and the gram solver" \
  "$S/pipeline.sh" --dataset "$TMP/run/dataset" "$TMP/fv" --encoding fisher --words 8 \
  --codebook-opts "--pca 16" --solver gram -j 2
expect_grep '"solver":[[:space:]]*"gram"' "$TMP/fv/model/meta.json" "the model is gram's"
mean_at_least 0.6 "$TMP/fv/report/report.json" "pipeline, fisher"

# The same run as shards through GNU parallel: the same arrays, byte for byte.
if command -v parallel >/dev/null; then
  expect_exit 0 "sharded.sh with 3 shards" "$S/sharded.sh" "$TMP/a" "$TMP/sharded" --shards 3 \
    --train-per-class 15 --words 40
  for f in features/train/descriptors.npy features/test/frames.npy codebook/centers.npy \
           encodings/train/encodings.npy encodings/test/encodings.npy model/weights.npy \
           model/biases.npy; do
    cmp -s "$TMP/run/$f" "$TMP/sharded/$f" && pass "sharded $f is the unsharded one byte for byte" ||
      fail "sharded $f differs from the unsharded one"
  done
  expect_eq "$(grep -o '"mean_class_accuracy":[^,]*' "$TMP/sharded/report/report.json")" \
    "$(grep -o '"mean_class_accuracy":[^,]*' "$TMP/run/report/report.json")" "the same accuracy"
else
  fail "GNU parallel is missing: run scripts/setup-deps.sh"
fi

expect_exit 0 "reuse-codebook.sh on another folder" \
  "$S/reuse-codebook.sh" "$TMP/run/codebook" "$TMP/b" "$TMP/reuse" --train-per-class 15 -j 2
[ ! -e "$TMP/reuse/codebook" ] && pass "no new codebook" || fail "a codebook was built"
expect_grep "$(cd "$TMP/run/codebook" && pwd)" "$TMP/reuse/encodings/train/meta.json" \
  "the encodings name the reused codebook"
schema "$TMP/reuse/report/report.json" "reuse's report"
mean_at_least 0.5 "$TMP/reuse/report/report.json" "reused codebook"
# Extraction parameters other than the codebook's are refused by encode.
expect_exit 1 "other extraction settings than the codebook's" \
  "$S/reuse-codebook.sh" "$TMP/run/codebook" "$TMP/b" "$TMP/bad" --train-per-class 15 \
  --extract-opts "--step 5" -j 2
expect_grep "step" "$TMP/err" "the refusal names the difference"

cat > "$TMP/tiny.cfg" <<'SPEC'
input 1x16x16
conv 8 3x3 pad=same
relu
maxpool 2
flatten
fc 4
softmax
SPEC
expect_exit 0 "learning-curve.sh with BoVW and a CNN" \
  "$S/learning-curve.sh" "$TMP/a" "$TMP/curve" --sizes 5,10 --test-per-class 10 \
  --spec "$TMP/tiny.cfg" --epochs 5 --words 30 -j 2
for f in compare.md compare.json curve.svg; do
  [ -s "$TMP/curve/curve/$f" ] && pass "the curve has $f" || fail "no $f in the curve"
done
[ ! -e "$TMP/curve/10/features/test" ] && pass "the test features are extracted once" ||
  fail "the test features were extracted twice"
expect_grep "$(cd "$TMP/curve/5/features/test" && pwd)" "$TMP/curve/10/encodings/test/meta.json" \
  "the 10-per-class test encodings are made from them"
[ "$(tail -n +2 "$TMP/curve/5/dataset/train.tsv" | wc -l)" = 20 ] && pass "5 per class: 20 rows" ||
  fail "the 5-per-class manifest has $(tail -n +2 "$TMP/curve/5/dataset/train.tsv" | wc -l) rows"

# The 2011 recipe, scaled down: both descriptor types, Fisher vectors,
# codes, the stream solver, late fusion; a rerun redoes nothing.
expect_exit 0 "caltech-2011.sh" "$S/caltech-2011.sh" "$TMP/a" "$TMP/r2011" --train 10 --test 10 \
  --gaussians 4 --pca 16 --sample-per-class 3 --pq-opts "--group 2 --bits 1" -j 2
[ "$(tail -n +2 "$TMP/r2011/steps.tsv" | wc -l)" = 6 ] && pass "six steps measured" ||
  fail "steps.tsv: $(cat "$TMP/r2011/steps.tsv")"
mean_at_least 0.5 "$TMP/r2011/fusion-codes/report.json" "the fused systems trained on codes"
expect_grep '"quantiser_sha256":' "$TMP/r2011/gray/model-codes/meta.json" "a model of codes"
expect_exit 0 "caltech-2011.sh again" "$S/caltech-2011.sh" "$TMP/a" "$TMP/r2011" --train 10 --test 10 \
  --gaussians 4 --pca 16 --sample-per-class 3 --pq-opts "--group 2 --bits 1" -j 2
stages=$(grep -c '^== ' "$TMP/out") reused=$(grep -c '^== .*: up to date' "$TMP/out")
[ "$stages" -ge 10 ] && [ "$stages" = "$reused" ] && pass "the rerun reuses all $stages stages" ||
  fail "the rerun reused $reused of $stages stages"
expect_exit 2 "caltech-2011.sh with an unknown option" "$S/caltech-2011.sh" "$TMP/a" "$TMP/x" --bogus

expect_exit 2 "pipeline.sh without arguments" "$S/pipeline.sh"
expect_exit 2 "an unknown option" "$S/pipeline.sh" "$TMP/a" "$TMP/x" --bogus
expect_exit 2 "reuse-codebook.sh with two arguments" "$S/reuse-codebook.sh" "$TMP/run/codebook" "$TMP/b"
expect_exit 2 "learning-curve.sh with a bad size" "$S/learning-curve.sh" "$TMP/a" "$TMP/y" --sizes 5,x
expect_exit 1 "a missing folder" "$S/pipeline.sh" "$TMP/nowhere" "$TMP/z"
finish
