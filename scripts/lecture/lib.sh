# shellcheck shell=bash
# lib.sh: what the lecture's experiments (scripts/lecture/NN-name.sh) share;
# sourced by each, not run. Brings scripts/lib.sh along (elapsed,
# run_stage, subset_manifest) and sets ROOT, the repository.

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
. "$ROOT/scripts/lib.sh"

# usage MESSAGE: a usage error (exit 2), naming the script.
usage() { echo "$me: $*; see --help" >&2; exit 2; }

# lecture_args THREADS [OPTION VAR]... -- ARGS...: reads the command line
# every experiment takes, `NN-name.sh [OUT_DIR] [--quick] [-j N] [--seed S]`,
# and the script's own options that take a value, each given as a pair
# before `--` (`--images IMAGES`: the value of --images goes to $IMAGES,
# which is empty when the option is not given). Sets me (the script's
# name), OUT (default runs/lecture/NN-name), QUICK (0 or 1), J (default
# THREADS) and SEED (default 0), and BOVW (default build/bovw; exported,
# and the script stops when it is not a program). Exports
# OMP_WAIT_POLICY=PASSIVE unless it is set. --help prints the script's
# opening comment (line 2 up to the first line that is not a comment).
lecture_args() {
  local -A value_of=()
  J=$1
  shift
  while [ $# -gt 0 ] && [ "$1" != -- ]; do
    value_of[$1]=$2
    printf -v "$2" '%s' ''
    shift 2
  done
  shift
  me=$(basename "$0") OUT= QUICK=0 SEED=0
  while [ $# -gt 0 ]; do
    case $1 in
      --quick) QUICK=1; shift ;;
      -h|--help) awk 'NR == 1 {next} !/^#/ {exit} {sub(/^# ?/, ""); print}' "$0"; exit 0 ;;
      -j|--threads|--seed)
        [ $# -ge 2 ] || usage "$1 needs a value"
        case $1 in --seed) SEED=$2 ;; *) J=$2 ;; esac
        shift 2 ;;
      -*)
        [ -n "${value_of[$1]:-}" ] || usage "unknown option $1"
        [ $# -ge 2 ] || usage "$1 needs a value"
        printf -v "${value_of[$1]}" '%s' "$2"
        shift 2 ;;
      *) [ -z "$OUT" ] || usage "unexpected argument $1"; OUT=$1; shift ;;
    esac
  done
  OUT=${OUT:-runs/lecture/${me%.sh}}
  BOVW=${BOVW:-build/bovw}
  export BOVW
  [ -x "$BOVW" ] || { echo "$me: $BOVW not built" >&2; exit 1; }
  export OMP_WAIT_POLICY=${OMP_WAIT_POLICY:-PASSIVE}
}

# json_number KEY FILE: the first number written under "KEY" in a JSON file
# of bovw's (cJSON puts each key on a line of its own: `"KEY":<tab>VALUE,`).
json_number() {
  sed -n "s/^[[:space:]]*\"$1\":[[:space:]]*\([-0-9.e+]*\),\{0,1\}\$/\1/p" "$2" | head -1
}

# report_accuracy REPORT_DIR: the report's accuracy in %, two decimals.
report_accuracy() {
  json_number accuracy "$1/report.json" | awk '{printf "%.2f", 100 * $1}'
}

# md_table TSV: a tab-separated table with a header line as a Markdown table.
md_table() {
  awk -F'\t' 'NR == 1 {h = "|"; s = "|"; for (i = 1; i <= NF; i++) {h = h " " $i " |"; s = s " --- |"}
                       print h; print s; next}
              {r = "|"; for (i = 1; i <= NF; i++) r = r " " $i " |"; print r}' "$1"
}

# plot ARGS...: `bovw plot ARGS...`, its output dropped. A picture that
# cannot be drawn does not stop the experiment, whose tables are its result;
# plots_checked says so at the end.
PLOTS_OK=1
plot() { "$BOVW" plot "$@" > /dev/null || PLOTS_OK=0; }
plots_checked() {
  [ "$PLOTS_OK" = 1 ] || echo "$me: some pictures could not be drawn (bovw plot)" >&2
}
