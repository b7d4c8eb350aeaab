#!/usr/bin/env bash
# nn_fold.sh: `bovw nn fold` through the real binary: a tiny CNN with batch
# norm after a conv and after an fc, trained a few epochs on 16x16 synthetic
# images, folded into a net folder without batch norm that `nn summary` and
# `nn eval` read, scoring as the original does; the report saying it scored
# with folded batch norm; the refusals, which leave nothing behind.
. "$(dirname "$0")/../support/cli-lib.sh"
: "${MAKE_TEST_IMAGES:?set MAKE_TEST_IMAGES to the make-test-images tool}"

"$MAKE_TEST_IMAGES" "$TMP/data" --classes 3 --per-class 20 --size 16 --seed 5 --format png
"$BOVW" dataset scan "$TMP/data" -o "$TMP/ds" --train-per-class 12 -q >/dev/null 2>&1
cat > "$TMP/tiny-bn.cfg" <<'EOF'
input 3x16x16
conv 6 3x3 pad=same bias=no
bn
relu
maxpool 2
flatten
fc 12
bn
relu
fc classes
softmax
EOF

expect_exit 0 "train a tiny CNN with batch norm" "$BOVW" nn train "$TMP/tiny-bn.cfg" --manifest "$TMP/ds/train.tsv" -o "$TMP/net" --epochs 12 --batch 8 -j 1 -q
expect_exit 0 "fold it" "$BOVW" nn fold "$TMP/net" -o "$TMP/folded"
expect_grep "^2 batch norms folded into the conv or fc before them, .* parameters -> " "$TMP/out" "the summary line counts the folds"
for f in weights.safetensors spec.cfg meta.json; do
  [ -s "$TMP/folded/$f" ] && pass "the folded folder has $f" || fail "the folded folder lacks $f"
done
[ -z "$(find "$TMP" -maxdepth 1 -name '.folded.tmp-*')" ] && pass "no temporary folder left" || fail "a temporary folder is left"
if grep -v '^#' "$TMP/folded/spec.cfg" | grep -q '^bn'; then fail "the folded spec still has batch norm"; else
  pass "the folded spec has no batch norm"; fi
expect_grep "^conv 6 3x3 pad=same$" "$TMP/folded/spec.cfg" "the folded conv has a bias (bias=no is gone)"
expect_grep '"kind":[[:space:]]*"net"' "$TMP/folded/meta.json" "the folded folder is a net"
expect_grep '"fold":' "$TMP/folded/meta.json" "meta.json says it was folded"
expect_grep "\"meta_sha256\":[[:space:]]*\"$(sha256sum "$TMP/net/meta.json" | cut -c1-64)\"" "$TMP/folded/meta.json" "it names the source's meta.json by its sha256"
expect_grep "\"weights_sha256\":[[:space:]]*\"$(sha256sum "$TMP/net/weights.safetensors" | cut -c1-64)\"" "$TMP/folded/meta.json" "and the source's weights"
expect_grep "\"path\":[[:space:]]*\"$(cd "$TMP/net" && pwd -P)\"" "$TMP/folded/meta.json" "and the source's folder"
expect_grep '"batchnorm_folded":[[:space:]]*2' "$TMP/folded/meta.json" "meta.json counts the folds"
expect_grep '"name":[[:space:]]*"tiny-bn-folded"' "$TMP/folded/meta.json" "the spec is named after the source's"
expect_grep "\"sha256\":[[:space:]]*\"$(sha256sum "$TMP/folded/spec.cfg" | cut -c1-64)\"" "$TMP/folded/meta.json" "meta.json has the checksum of the folded spec.cfg"
if grep -q '"history":' "$TMP/folded/meta.json"; then fail "the folded meta.json keeps the history"; else
  pass "the history (of the source's layers) stays with the source"; fi

# nn summary reads the folded folder and its spec.cfg alike.
expect_exit 0 "summary of the folded folder" "$BOVW" nn summary "$TMP/folded"
cp "$TMP/out" "$TMP/summary-folder"
if grep -q '^ *[0-9]*  bn ' "$TMP/summary-folder"; then fail "the summary shows batch norm"; else pass "no batch norm in the summary"; fi
expect_grep "conv 6 3x3 pad=same .* 6x16x16 .* 168 " "$TMP/summary-folder" "the folded conv: 6 (3*9 + 1) parameters"
expect_exit 0 "summary of the folded spec.cfg" "$BOVW" nn summary "$TMP/folded/spec.cfg"
expect_eq "$(tail -n +2 "$TMP/out" | md5sum)" "$(tail -n +2 "$TMP/summary-folder" | md5sum)" "spec.cfg describes the net the weights hold"
expect_exit 0 "summary of the original folder" "$BOVW" nn summary "$TMP/net"
expect_grep "^ *1  bn " "$TMP/out" "the original keeps its batch norm"
expect_exit 2 "summary of a folder with --input" "$BOVW" nn summary "$TMP/net" --input 3x16x16

# The original (folded at load) and the folded folder score alike.
expect_exit 0 "evaluate the original" "$BOVW" nn eval "$TMP/net" --manifest "$TMP/ds/test.tsv" -o "$TMP/r-net" -j 1 -q
acc_net=$(sed -n 's/.*: accuracy \([0-9.]*\)%.*/\1/p' "$TMP/out")
expect_exit 0 "evaluate the folded net" "$BOVW" nn eval "$TMP/folded" --manifest "$TMP/ds/test.tsv" -o "$TMP/r-folded" -j 1 -q
acc_folded=$(sed -n 's/.*: accuracy \([0-9.]*\)%.*/\1/p' "$TMP/out")
expect_eq "$acc_folded" "$acc_net" "the same accuracy"
# report.json up to its run object, its time of writing left out: counts,
# accuracies, per-class figures and the confusion matrix (which predictions
# were right and which wrong).
same_part() { sed '/"created":/d; /"run":/,$d' "$1"; }
expect_eq "$(same_part "$TMP/r-folded/report.json" | md5sum)" "$(same_part "$TMP/r-net/report.json" | md5sum)" "the same per-class results and confusion matrix"
expect_grep '"batchnorm_folded":[[:space:]]*2' "$TMP/r-net/report.json" "the original's report says it scored with batch norm folded"
expect_grep '"batchnorm_folded":[[:space:]]*2' "$TMP/r-folded/report.json" "so does the folded net's"
expect_grep "batchnorm.*folded | 2" "$TMP/r-net/report.md" "report.md has it in the run table"

# Refusals: one line, exit 1 for what cannot be done, 2 for usage; nothing left behind.
expect_exit 2 "no NET_DIR" "$BOVW" nn fold -o "$TMP/x"
expect_exit 2 "no output folder" "$BOVW" nn fold "$TMP/net"
expect_exit 2 "two NET_DIRs" "$BOVW" nn fold "$TMP/net" "$TMP/folded" -o "$TMP/x"
expect_exit 2 "unknown option" "$BOVW" nn fold "$TMP/net" -o "$TMP/x" --frobnicate
expect_exit 1 "a folder that does not exist" "$BOVW" nn fold "$TMP/nonexistent" -o "$TMP/x"
expect_eq "$(wc -l < "$TMP/err")" 1 "one line"
expect_grep "^bovw nn fold: .*nonexistent" "$TMP/err" "naming the command and the folder"
expect_exit 1 "a folder that is not a net" "$BOVW" nn fold "$TMP/ds" -o "$TMP/x"
expect_eq "$(wc -l < "$TMP/err")" 1 "one line"
expect_exit 1 "an output that exists" "$BOVW" nn fold "$TMP/net" -o "$TMP/ds"
expect_eq "$(wc -l < "$TMP/err")" 1 "one line"
expect_grep "already exists" "$TMP/err" "saying so"
expect_exit 1 "folding into its own folder" "$BOVW" nn fold "$TMP/net" -o "$TMP/net"
[ -s "$TMP/net/meta.json" ] && pass "the source is untouched" || fail "the source lost its meta.json"
[ ! -e "$TMP/x" ] && pass "no refused fold left an output behind" || fail "a refused fold wrote $TMP/x"
[ -z "$(find "$TMP" -maxdepth 1 -name '.x.tmp-*')" ] && pass "nor a temporary folder" || fail "a temporary folder is left"
mkdir "$TMP/empty"
expect_exit 0 "an empty output folder is fine" "$BOVW" nn fold "$TMP/folded" -o "$TMP/empty"
expect_grep "^0 batch norms folded" "$TMP/out" "a folded net has nothing left to fold"
expect_grep '"batchnorm_folded":[[:space:]]*2' "$TMP/empty/meta.json" "the count goes on from the first fold"
expect_exit 0 "fold --help" "$BOVW" nn fold --help
expect_grep "Usage: bovw nn fold" "$TMP/out" "the help"
finish
