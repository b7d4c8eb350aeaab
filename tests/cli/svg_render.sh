#!/usr/bin/env bash
# svg_render.sh: every kind of picture bovw writes, made through the real
# binary (confusion.svg of a report; accuracy.svg, per_class.svg and
# curve.svg of a comparison; curve.svg of a network), rendered by librsvg
# (rsvg-convert) and by ImageMagick's own renderer (MSVG, what `convert
# x.svg x.png` uses). A label, legend or marker counts as drawn when the
# picture rendered without it differs from the picture rendered with it, in
# both renderers; and the text of rsvg-convert's PDF holds the names as
# written. BOVW_KEEP_RENDERS=DIR keeps the PNGs there, to look at.
. "$(dirname "$0")/../support/cli-lib.sh"
: "${MAKE_TEST_IMAGES:?set MAKE_TEST_IMAGES to the make-test-images tool}"

missing=""
command -v rsvg-convert >/dev/null 2>&1 || missing="$missing rsvg-convert (librsvg2-bin),"
# MSVG needs ImageMagick's SVG coder; without it convert hands SVG files to
# rsvg-convert, and the second renderer would be the first one again.
if ! command -v compare >/dev/null 2>&1 ||
   ! convert -list format 2>/dev/null | grep -q '^ *MSVG'; then
  missing="$missing ImageMagick's convert with its SVG renderer (imagemagick, libmagickcore-6.q16-6-extra),"
fi
command -v pdftotext >/dev/null 2>&1 || missing="$missing pdftotext (poppler-utils),"
if [ -n "$missing" ]; then
  fail "missing:${missing%,}: run scripts/setup-deps.sh"
  finish || exit 1
fi

# The pictures. Two tiny CNNs on 16x16 synthetic images of three classes,
# one named with markup ("bird & fish"); the first holds out a validation
# share, so its curve has both lines.
"$MAKE_TEST_IMAGES" "$TMP/data" --classes 3 --per-class 20 --size 16 --seed 3 --format png
mv "$TMP/data/circles" "$TMP/data/bird & fish"
"$BOVW" dataset scan "$TMP/data" -o "$TMP/ds" --train-per-class 12 -q >/dev/null 2>&1
cat > "$TMP/tiny.cfg" <<'EOF'
input 3x16x16
conv 4 3x3 pad=same
relu
maxpool 2
flatten
fc classes
softmax
EOF
NN=(--manifest "$TMP/ds/train.tsv" --batch 8 -j 1 -q)
"$BOVW" nn train "$TMP/tiny.cfg" -o "$TMP/small" --epochs 3 --seed 0 --val-fraction 0.25 "${NN[@]}" >/dev/null
"$BOVW" nn train "$TMP/tiny.cfg" -o "$TMP/big" --epochs 8 --seed 1 "${NN[@]}" >/dev/null
for net in small big; do
  "$BOVW" nn eval "$TMP/$net" --manifest "$TMP/ds/test.tsv" -o "$TMP/r/$net" -j 1 -q >/dev/null
done
"$BOVW" compare "$TMP/r/small" "$TMP/r/big" -o "$TMP/cmp" --names small,big >/dev/null
"$BOVW" compare "$TMP/r/small" "$TMP/r/big" "$TMP/r/small" "$TMP/r/big" -o "$TMP/curve" \
  --curve --names small@6,big@6,small@12,big@12 >/dev/null
mkdir -p "$TMP/svg"
cp "$TMP/r/small/confusion.svg" "$TMP/svg/confusion.svg"
cp "$TMP/cmp/accuracy.svg" "$TMP/cmp/per_class.svg" "$TMP/svg/"
cp "$TMP/curve/curve.svg" "$TMP/svg/compare_curve.svg"
cp "$TMP/small/curve.svg" "$TMP/svg/nn_curve.svg"
printf 'lr\tbn\taccuracy\n0.01\twith bn\t0.8\n1\twith bn\t0.9\n0.01\twithout\t0.7\n1\twithout\tdiverged\n' \
  > "$TMP/ladder.tsv"
"$BOVW" plot lines "$TMP/ladder.tsv" -o "$TMP/svg/plot_lines.svg" --x lr --y accuracy \
  --series bn --log-x --x-title "learning rate" >/dev/null
printf 'x\ty\tc\n0\t0\tinner\n2\t2\touter\n' > "$TMP/points.tsv"
awk 'BEGIN { print "x\ty\tc"; for (i = 0; i < 20; i++) for (j = 0; j < 20; j++)
  print i / 10 "\t" j / 10 "\t" (i * i + j * j < 100 ? "inner" : "outer") }' > "$TMP/grid.tsv"
"$BOVW" plot points "$TMP/points.tsv" -o "$TMP/svg/plot_points.svg" --x x --y y --class c \
  --regions "$TMP/grid.tsv" >/dev/null

# render RENDERER SVG PNG: rsvg (librsvg) or msvg (ImageMagick's own);
# the renderer's messages go to PNG.err.
render() {
  case $1 in
    rsvg) rsvg-convert -o "$3" "$2" 2>"$3.err" || true ;;
    msvg) convert "msvg:$2" "$3" 2>"$3.err" || true ;;
  esac
}

# differing A.png B.png: how many pixels differ (0 when either is missing).
differing() {
  { compare -metric AE "$1" "$2" null: 2>&1 >/dev/null || true; } | awk '{ print $1 + 0; exit }'
}

# drawn SVG VARIANT WHAT: VARIANT is SVG without one thing; checks that the
# thing is in the file and that each renderer draws it.
drawn() {
  local svg=$1 variant=$2 what=$3 r n
  if cmp -s "$svg" "$variant"; then
    fail "$what: not in $(basename "$svg")"
    return
  fi
  for r in rsvg msvg; do
    render "$r" "$variant" "$variant.$r.png"
    n=$(differing "$svg.$r.png" "$variant.$r.png")
    if [ "$n" -gt 10 ]; then pass "$what drawn by $r"; else
      fail "$what not drawn by $r"; sed 's/^/  | /' "$svg.$r.png.err" | head -5; fi
  done
}

# text SVG TEXT: the text elements reading exactly TEXT (as written in the
# file, escaped) are drawn.
text() {
  local variant="$1.t$((++PROBES))"
  S=">$2<" awk '{ out = ""
    while ((i = index($0, ENVIRON["S"])) > 0) {
      out = out substr($0, 1, i - 1) "><"; $0 = substr($0, i + length(ENVIRON["S"])) }
    print out $0 }' "$1" > "$variant"
  drawn "$1" "$variant" "$(basename "$1"): text '$2'"
}

# shape SVG TOOLTIP: the shapes whose tooltip starts with TOOLTIP are drawn
# (the writers put an element and its tooltip on one line).
shape() {
  local variant="$1.s$((++PROBES))"
  grep -vF -- "<title>$2" "$1" > "$variant" || true
  drawn "$1" "$variant" "$(basename "$1"): shape with tooltip '$2'"
}

# pdf_text SVG TEXT...: rsvg-convert's PDF of SVG holds each TEXT.
pdf_text() {
  local svg=$1 t
  shift
  rsvg-convert -f pdf -o "$svg.pdf" "$svg" 2>/dev/null || true
  pdftotext "$svg.pdf" "$svg.txt" 2>/dev/null || : > "$svg.txt"
  for t in "$@"; do
    expect_grep "$t" "$svg.txt" "$(basename "$svg"): '$t' in the text of its PDF"
  done
}

PROBES=0
for svg in "$TMP"/svg/*.svg; do
  for r in rsvg msvg; do render "$r" "$svg" "$svg.$r.png"; done
done
if [ -n "${BOVW_KEEP_RENDERS:-}" ]; then
  mkdir -p "$BOVW_KEEP_RENDERS"
  cp "$TMP"/svg/*.svg.*.png "$BOVW_KEEP_RENDERS/"
fi

S="$TMP/svg/confusion.svg"
for t in "bird &amp; fish" squares triangles "predicted class" "true class" "100%"; do text "$S" "$t"; done
shape "$S" "bird &amp; fish → "
pdf_text "$S" "bird & fish" squares triangles "predicted class"

S="$TMP/svg/accuracy.svg"
for t in small big accuracy "mean per-class accuracy"; do text "$S" "$t"; done
shape "$S" "small: accuracy "
pdf_text "$S" small big "mean per-class accuracy"

S="$TMP/svg/per_class.svg"
for t in "bird &amp; fish" squares triangles; do text "$S" "$t"; done
shape "$S" "squares, small: "   # a circle
shape "$S" "squares, big: "     # a square
pdf_text "$S" "bird & fish" squares triangles "small (mean per-class accuracy"

S="$TMP/svg/compare_curve.svg"
for t in small big "training images per class" "mean per-class accuracy"; do text "$S" "$t"; done
shape "$S" "small, 6 images per class: "
pdf_text "$S" small big "training images per class"

S="$TMP/svg/nn_curve.svg"
for t in training validation epoch loss "accuracy (%)"; do text "$S" "$t"; done
pdf_text "$S" "bovw nn train" training validation epoch

S="$TMP/svg/plot_lines.svg"
for t in "with bn" without "learning rate" accuracy "0.01"; do text "$S" "$t"; done
shape "$S" "with bn, lr = 1: "    # a circle
shape "$S" "without, lr = 1: "    # the cross of the diverged run
pdf_text "$S" "with bn" without "learning rate" "diverged"

S="$TMP/svg/plot_points.svg"
for t in inner outer x y; do text "$S" "$t"; done
pdf_text "$S" inner outer

finish
