# shellcheck shell=bash
# lib.sh: what the pipeline scripts share; sourced, not run.

# subset_manifest IN OUT ROOT [N]: copies manifest IN to OUT with its
# relative paths made absolute under ROOT (so OUT works from any folder),
# keeping only the first N rows of each label when N is given.
subset_manifest() {
  awk -F'\t' -v OFS='\t' -v root="$3" -v n="${4:-}" '
    NR == 1 {print; next}
    n == "" || ++seen[$2] <= n {if ($1 !~ /^\//) $1 = root "/" $1; print}' "$1" > "$2"
}

# elapsed T0: the seconds since T0 (from `date +%s.%N`), as "12.3 s".
elapsed() { awk -v a="$1" -v b="$(date +%s.%N)" 'BEGIN {printf "%.1f s", b - a}'; }

# run_stage NAME DIR COMMAND...: runs COMMAND (the bovw program and its
# arguments), which writes the artifact DIR, unless DIR is up to date for it:
# made by this very command, from inputs that have not changed since, each
# of them up to date too (`bovw status --stage`, which reads the provenance
# every artifact records). FORCE=1 redoes it anyway. Prints the command, or
# why the stage is redone, and its time; the command's progress shows.
run_stage() {
  local name=$1 dir=$2 t0 why=
  shift 2
  if [ "${FORCE:-0}" = 0 ]; then
    if why=$("$1" status --stage "$dir" -- "${@:2}"); then
      echo "== $name: up to date ($dir)"
      return
    fi
    case $why in *"not made yet"*) why= ;; esac
  fi
  [ -z "$why" ] || echo "== $name: redo, ${why#"$dir: "}"
  echo "== $name: $*"
  t0=$(date +%s.%N)
  "$@"
  echo "== $name: $(elapsed "$t0")"
}

# blas_cores: the OpenBLAS kernel sets (OPENBLAS_CORETYPE values) this CPU
# can execute, from its flags: the generic Prescott set always, then each
# newer one whose instructions the CPU has.
blas_cores() {
  local flags
  flags=$(grep -m1 '^flags' /proc/cpuinfo 2>/dev/null || true)
  has() { for f in "$@"; do [[ " $flags " == *" $f "* ]] || return 1; done; }
  echo Prescott
  has sse4_2 && echo Nehalem
  has avx && echo Sandybridge
  has avx2 fma && echo Haswell Zen
  has avx512f avx512bw avx512vl avx512dq && echo SkylakeX
  has avx512f avx512bw avx512vl avx512dq avx512_bf16 && echo Cooperlake
  return 0
}
