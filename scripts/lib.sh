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

# A folder made by a script keeps the recipe (the options) it was made with
# in DIR/recipe.txt, so that a rerun can tell its finished work from another
# recipe's. keep_recipe DIR RECIPE writes it; recipe_is DIR RECIPE is true
# when DIR was made with RECIPE.
keep_recipe() { mkdir -p "$1" && printf '%s\n' "$2" > "$1/recipe.txt"; }
recipe_is() { [ "$(cat "$1/recipe.txt" 2>/dev/null)" = "$2" ]; }
