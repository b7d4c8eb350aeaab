#!/usr/bin/env bash
# codebook-scale.sh: bovw codebook on a large features artifact (default: the
# demo's training features, 56.5 million descriptors, 8 GB): wall time, the
# sampling's share of it (meta.json) and peak resident memory (/usr/bin/time
# -v), medians of RUNS, 2 threads; with the sha256 of centers.npy, so that two
# builds can be shown to learn the same codebook.
#   bench/codebook-scale.sh ["BUILD_DIR..."] [FEATURES_DIR] [RUNS]
# Several build folders (say, before and after a change) take turns run by
# run, so that whatever else the machine does weighs on each alike.
# Recipes: the demo's (K = 32, root SIFT, PCA 48, x,y, GMM) at its 256,000
# samples and at 1,000,000, and bovw codebook's defaults (K = 600, Elkan,
# 100,000 samples). The features are read into the page cache first, as the
# extraction before leaves them: the figures are not a disk's.
set -eu
read -r -a BUILDS <<<"${1:-build}"
F=${2:-runs/fashion-mnist/bovw/features/train}
RUNS=${3:-3}
. "$(dirname "$0")/lib.sh"
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT
echo "machine: $(machine), $(free -g | awk '/^Mem:/ {print $2}') GB"
echo "features: $F, $(sed -n 's/.*"descriptors":[[:space:]]*\([0-9]*\).*/\1/p' "$F/meta.json") descriptors"
cat "$F/descriptors.npy" "$F/frames.npy" >/dev/null

# The "m:ss.ss" or "h:mm:ss" of GNU time in seconds.
seconds() { awk -F: '{s = 0; for (i = 1; i <= NF; i++) s = s * 60 + $i; print s}'; }
# run NAME ARGS...: RUNS codebooks by each build, one line of medians each.
run() {
  local name=$1 i b
  shift
  for i in $(seq "$RUNS"); do
    for b in "${!BUILDS[@]}"; do
      /usr/bin/time -v -o "$TMP/time.$b.$i" "${BUILDS[$b]}/bovw" codebook "$F" -o "$TMP/cb$b" \
        -q -j 2 "$@" >/dev/null
      sed -n 's/.*"sampling":[[:space:]]*\([0-9.e+-]*\).*/\1/p' "$TMP/cb$b/meta.json" \
        >"$TMP/sampling.$b.$i"
    done
  done
  for b in "${!BUILDS[@]}"; do
    wall=$(for i in $(seq "$RUNS"); do
      sed -n 's/.*Elapsed (wall clock) time (h:mm:ss or m:ss): //p' "$TMP/time.$b.$i" | seconds
    done | median)
    rss=$(for i in $(seq "$RUNS"); do
      sed -n 's/.*Maximum resident set size (kbytes): //p' "$TMP/time.$b.$i"; done | median)
    sampling=$(cat "$TMP"/sampling."$b".* | median)
    printf '%-42s %-24s %6.1f s (sampling %4.2f s) %6.0f MB  %.12s\n' "$name" "${BUILDS[$b]}" \
      "$wall" "$sampling" "$(awk -v k="$rss" 'BEGIN {print k / 1024}')" \
      "$(sha256sum "$TMP/cb$b/centers.npy")"
  done
}
DEMO=(-k 32 --rootsift --pca 48 --augment-xy --gmm)
run "demo recipe, 256,000 samples" "${DEMO[@]}" --samples 256000
run "demo recipe, 1,000,000 samples" "${DEMO[@]}" --samples 1000000
run "defaults: K = 600, Elkan, 100,000 samples"
