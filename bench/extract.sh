#!/usr/bin/env bash
# extract.sh: how fast `bovw extract` is, against its floor (bench/phow_bare,
# the same PHOW as a bare loop that writes nothing) and against OpenCV's SIFT
# on the same dense grid (bench/opencv_dense_sift.py), on Caltech-101.
#
#   bench/extract.sh [BUILD_DIR] [DATA_DIR] [OUT_DIR] [--runs R] [--limit N]
#                    [--opencv-images M] [--opencv-runs K] [--shards S]
#                    [--colors "gray opponent"] [--threads "1 2"]
#
#   BUILD_DIR  has bovw and phow_bare (default build)
#   DATA_DIR   default ../shared/datasets/caltech101/101_ObjectCategories
#   OUT_DIR    scratch space (default BUILD_DIR/bench-extract); a full gray
#              store of Caltech-101 is ~20 GB, opponent ~3x that
#   --runs R   runs of each bovw / bare measurement; the median is kept (3)
#   --limit N  use only N rows of the manifest, evenly spaced through it (so
#              every class is represented), for everything
#   --opencv-images M  OpenCV (slow: ~1 image/s/core) runs on M evenly spaced
#              rows (default 300, at most N), and bovw and the bare loop are
#              timed again on the same rows; 0 skips OpenCV
#   --opencv-runs K    runs of each OpenCV measurement (default 1)
#   --shards S the opponent extraction of the whole manifest runs as S shards
#              (--shard I/S), one at a time, each deleted once measured, so
#              that at most 1/S of the store is on disk; times are summed
#              (default 3; sub-manifests of --limit / --opencv-images run
#              whole)
#   --colors L the colour spaces to measure (default "gray opponent")
#   --threads T the thread counts to measure (default "1 2")
#
# For threads 1 and 2 and colours gray and opponent it times `bovw extract`
# (wall clock of the command, peak RSS from /usr/bin/time -f %M, output
# size from du -sb, the output deleted right after) and phow_bare with the
# same settings. Before each timed command the images are read into the
# page cache and `sync` runs, so the disk is neither reading images nor
# flushing a previous run. Progress goes to stderr; stdout gets a Markdown table, with the
# command, to paste into bench/RESULTS.md. bovw, bare and OpenCV always see
# the same rows.
set -eu
shopt -s inherit_errexit

usage() { sed -n '/^#   bench/,/^#$/p' "$0" | sed 's/^# \{0,1\}//' >&2; exit 2; }
ARGS="$*"
RUNS=3 LIMIT=0 OCV_N=300 OCV_RUNS=1 SHARDS=3 COLORS="gray opponent" THREADS="1 2"
POS=()
while [ $# -gt 0 ]; do
  case $1 in
    --runs) RUNS=$2; shift 2 ;;
    --limit) LIMIT=$2; shift 2 ;;
    --opencv-images) OCV_N=$2; shift 2 ;;
    --opencv-runs) OCV_RUNS=$2; shift 2 ;;
    --shards) SHARDS=$2; shift 2 ;;
    --colors) COLORS=$2; shift 2 ;;
    --threads) THREADS=$2; shift 2 ;;
    -h|--help) usage ;;
    -*) echo "extract.sh: unknown option $1" >&2; usage ;;
    *) POS+=("$1"); shift ;;
  esac
done
BUILD=${POS[0]:-build}
DATA=${POS[1]:-../shared/datasets/caltech101/101_ObjectCategories}
OUT=${POS[2]:-$BUILD/bench-extract}
HERE=$(cd "$(dirname "$0")" && pwd)
PY=/usr/bin/python3
for f in "$BUILD/bovw" "$BUILD/phow_bare"; do
  [ -x "$f" ] || { echo "extract.sh: $f not built (cmake --build $BUILD --target ${f##*/})" >&2; exit 1; }
done
[ -d "$DATA" ] || { echo "extract.sh: $DATA not found" >&2; exit 1; }
[ -x /usr/bin/time ] || { echo "extract.sh: /usr/bin/time missing (apt-get install time)" >&2; exit 1; }
[ "$OCV_N" = 0 ] || "$PY" -c 'import cv2' 2>/dev/null ||
  { echo "extract.sh: no cv2 for $PY (apt-get install python3-opencv), or --opencv-images 0" >&2; exit 1; }

mkdir -p "$OUT"
say() { echo "extract.sh: $*" >&2; }
. "$(dirname "$0")/lib.sh"

# A manifest of $3 rows of $1 evenly spaced through it (header kept) in
# folder $2, with the meta.json (its "root" resolves the relative paths) and
# classes.txt.
sub_manifest() {
  mkdir -p "$2"
  awk -v want="$3" -v rows="$(($(wc -l < "$1") - 1))" \
    'NR == 1 {print; next} {i = NR - 2; if (int(i * want / rows) != int((i - 1) * want / rows) || i == 0) print}' \
    "$1" | head -n "$(($3 + 1))" > "$2/all.tsv"
  cp "$(dirname "$1")/meta.json" "$(dirname "$1")/classes.txt" "$2/"
}

say "scanning $DATA"
"$BUILD/bovw" dataset scan "$DATA" -o "$OUT/ds" -q >/dev/null 2>&1
TOTAL=$(($(wc -l < "$OUT/ds/all.tsv") - 1))
MAIN=$OUT/ds/all.tsv
if [ "$LIMIT" -gt 0 ] && [ "$LIMIT" -lt "$TOTAL" ]; then
  sub_manifest "$OUT/ds/all.tsv" "$OUT/main" "$LIMIT"
  MAIN=$OUT/main/all.tsv
fi
N=$(($(wc -l < "$MAIN") - 1))
[ "$OCV_N" -le "$N" ] || OCV_N=$N
SUB=$MAIN
if [ "$OCV_N" -gt 0 ] && [ "$OCV_N" -lt "$N" ]; then
  sub_manifest "$MAIN" "$OUT/sub" "$OCV_N"
  SUB=$OUT/sub/all.tsv
fi
ROOT=$("$PY" -c 'import json,sys; print(json.load(open(sys.argv[1]))["root"])' "$OUT/ds/meta.json")
# Before a timed command on manifest $1: reads every image into the page
# cache, then flushes what a previous run left dirty. Done before each timed
# command, not once: a full store (34 GB gray) streams through more page
# cache than the machine has, and evicts the images the next command reads.
settle() {
  tail -n +2 "$1" | cut -f1 | (cd "$ROOT" && xargs -d '\n' cat) > /dev/null
  sync
}

# bovw extract of manifest $1 with $2 threads, colour $3, in $4 shards:
# prints "seconds peak_rss_kb bytes inner_seconds" (inner: meta.json's
# "seconds", bovw's own clock, which stops before the files are closed and
# fsync'ed, and misses process start-up and manifest reading). A gray run
# leaves its offsets.npy (descriptors per image) in
# $OUT/offsets-<manifest folder>/, for comparing OpenCV's keypoint counts.
bovw_run() {
  local m=$1 t=$2 c=$3 n=$4 k secs=0 peak=0 bytes=0 inner=0 f="$OUT/features" t0 t1 rss
  for k in $(seq "$n"); do
    local shard=()
    [ "$n" -gt 1 ] && shard=(--shard "$k/$n")
    rm -rf "$f"; settle "$m"
    t0=$(now)
    /usr/bin/time -f %M -o "$OUT/rss" "$BUILD/bovw" extract "$m" -o "$f" -j "$t" \
      --color "$c" -q "${shard[@]}" > "$OUT/extract.log"
    t1=$(now)
    rss=$(tail -n 1 "$OUT/rss")
    secs=$(awk -v s="$secs" -v a="$t0" -v b="$t1" 'BEGIN {print s + b - a}')
    [ "$rss" -gt "$peak" ] && peak=$rss
    bytes=$((bytes + $(du -sb "$f" | cut -f1)))
    inner=$("$PY" -c 'import json,sys; print(float(sys.argv[2]) + json.load(open(sys.argv[1]))["seconds"])' \
      "$f/meta.json" "$inner")
    if [ "$c" = gray ] && [ "$n" = 1 ]; then
      local keep
      keep="$OUT/offsets-$(basename "$(dirname "$m")")"
      mkdir -p "$keep" && cp "$f/offsets.npy" "$keep/"
    fi
    rm -rf "$f"
  done
  echo "$secs $peak $bytes $inner"
}

# phow_bare: prints "seconds peak_rss_kb".
bare_run() {
  settle "$1"
  /usr/bin/time -f %M -o "$OUT/rss" "$BUILD/phow_bare" "$1" "$2" 0 --color "$3" > "$OUT/bare.log"
  echo "$(awk '{print $6}' "$OUT/bare.log") $(tail -n 1 "$OUT/rss")"
}

# Median over R runs of command "$@" printing fields; prints the medians.
median_of() {
  local runs=$1; shift
  local all=() r
  for ((r = 0; r < runs; r++)); do all+=("$("$@")"); done
  local cols i; cols=$(echo "${all[0]}" | wc -w)
  for i in $(seq "$cols"); do
    printf '%s ' "$(printf '%s\n' "${all[@]}" | awk -v i="$i" '{print $i}' | median)"
  done
  echo
}

mb() { awk -v k="$1" 'BEGIN {printf "%.0f MB", k / 1024}'; }
gb() { awk -v b="$1" 'BEGIN {printf "%.2f GB", b / 1e9}'; }
rate() { awk -v n="$1" -v s="$2" 'BEGIN {printf "%.2f", n / s}'; }

declare -A R
for c in $COLORS; do
  shards=1
  [ "$c" = opponent ] && [ "$MAIN" = "$OUT/ds/all.tsv" ] && shards=$SHARDS
  for t in $THREADS; do
    say "$c, $t thread(s), $N images: bovw extract ($shards shard(s)), bare loop"
    R[main,$c,$t,bovw]=$(median_of "$RUNS" bovw_run "$MAIN" "$t" "$c" "$shards")
    R[main,$c,$t,bare]=$(median_of "$RUNS" bare_run "$MAIN" "$t" "$c")
    if [ "$OCV_N" -gt 0 ]; then
      if [ "$SUB" != "$MAIN" ]; then
        say "$c, $t thread(s), $OCV_N images: bovw extract, bare loop"
        R[sub,$c,$t,bovw]=$(median_of "$RUNS" bovw_run "$SUB" "$t" "$c" 1)
        R[sub,$c,$t,bare]=$(median_of "$RUNS" bare_run "$SUB" "$t" "$c")
      else
        R[sub,$c,$t,bovw]=${R[main,$c,$t,bovw]}
        R[sub,$c,$t,bare]=${R[main,$c,$t,bare]}
      fi
      say "$c, $t thread(s), $OCV_N images: OpenCV"
      kp="$OUT/offsets-$(basename "$(dirname "$SUB")")"
      ocv() {
        local compare=()
        # Keypoint counts are compared with a gray run's offsets, when one ran.
        [ -f "$kp/offsets.npy" ] && compare=(--bovw "$kp")
        settle "$SUB"
        "$PY" "$HERE/opencv_dense_sift.py" "$SUB" --threads "$t" --color "$c" \
          "${compare[@]}" > "$OUT/ocv.log"
        awk 'NR == 1 {print $6}' "$OUT/ocv.log"
      }
      R[sub,$c,$t,ocv]=$(median_of "$OCV_RUNS" ocv)
      R[sub,$c,$t,kp]=$(sed -n '2s/^keypoints.image //p' "$OUT/ocv.log")
    fi
  done
done
rm -f "$OUT/rss" "$OUT/extract.log" "$OUT/bare.log" "$OUT/ocv.log"

CPU=$(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //')
echo "## Extraction speed ($(date +%Y-%m-%d))"
echo
echo "Command: \`bench/extract.sh $ARGS\` ($(nproc) cores, $CPU; page cache warm)."
echo "$N images ($([ "$MAIN" = "$OUT/ds/all.tsv" ] && echo "all of Caltech-101" || echo "$N rows evenly spaced through all.tsv")); median of $RUNS run(s);"
echo "default parameters (sizes 4,6,8,10, step 3, max side 480, uint8). \"bovw extract\" is the"
echo "command's wall clock, which includes fsync'ing its output; \"bovw's own clock\" (meta.json's"
echo "seconds) stops before that. The bare loop (\`bench/phow_bare\`) writes nothing."
[ "$MAIN" = "$OUT/ds/all.tsv" ] && echo "Opponent ran as $SHARDS shards of \`--shard I/$SHARDS\`, one at a time, times summed."
echo
echo "| colour | threads | bovw extract | images/s | of which bovw's own clock | bare loop | images/s | bovw / bare time | bovw peak RSS | bare peak RSS | output on disk |"
echo "| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |"
for c in $COLORS; do
  for t in $THREADS; do
    read -r bs brss bbytes bin <<< "${R[main,$c,$t,bovw]}"
    read -r ps prss <<< "${R[main,$c,$t,bare]}"
    printf '| %s | %d | %.1f s | %s | %.1f s | %.1f s | %s | %.3f | %s | %s | %s |\n' "$c" "$t" "$bs" \
      "$(rate "$N" "$bs")" "$bin" "$ps" "$(rate "$N" "$ps")" "$(awk -v a="$bs" -v b="$ps" 'BEGIN {print a / b}')" \
      "$(mb "$brss")" "$(mb "$prss")" "$(gb "$bbytes")"
  done
done
if [ "$OCV_N" -gt 0 ]; then
  echo
  echo "Against OpenCV $("$PY" -c 'import cv2; print(cv2.__version__)') SIFT \`compute()\` on the same dense grid"
  echo "(\`bench/opencv_dense_sift.py\`, worker processes over images), $OCV_N evenly spaced rows;"
  echo "OpenCV median of $OCV_RUNS run(s), bovw and bare loop median of $RUNS."
  echo
  echo "| colour | threads | bovw extract images/s | bare loop images/s | OpenCV images/s | bovw / OpenCV speed | OpenCV keypoints per image |"
  echo "| --- | --- | --- | --- | --- | --- | --- |"
  for c in $COLORS; do
    for t in $THREADS; do
      read -r bs _ <<< "${R[sub,$c,$t,bovw]}"
      read -r ps _ <<< "${R[sub,$c,$t,bare]}"
      os=${R[sub,$c,$t,ocv]}
      printf '| %s | %d | %s | %s | %s | %.1fx | %s |\n' "$c" "$t" "$(rate "$OCV_N" "$bs")" \
        "$(rate "$OCV_N" "$ps")" "$(rate "$OCV_N" "$os")" \
        "$(awk -v a="$os" -v b="$bs" 'BEGIN {print a / b}')" "${R[sub,$c,$t,kp]}"
    done
  done
fi
