# Shared by the shell tests of result folders (sourced): columns by name, so
# a change of the runs.csv schema cannot make them compare the wrong ones.
# Columns that may differ between two runs of one config: wall time, thread
# count, provenance.
NONDET_COLS="seconds samples_per_s threads started_at host cpu commit deepsweep_version"
# det FILE: FILE without the non-deterministic columns, rows sorted
det() {
  awk -F, -v drop="$NONDET_COLS" 'BEGIN { n = split(drop, d, " "); for (i = 1; i <= n; i++) skip[d[i]] = 1 }
    NR == 1 { for (i = 1; i <= NF; i++) keep[i] = !(($i) in skip) }
    { s = ""; for (i = 1; i <= NF; i++) if (keep[i]) s = s (s == "" ? "" : ",") $i; print s }' "$1" | sort
}
det_runs() { det "$1"; }
# set_col FILE COLUMN VALUE LINE: FILE with COLUMN (by name) of line LINE set to VALUE, on stdout
set_col() {
  awk -F, -v OFS=, -v col="$2" -v val="$3" -v line="$4" \
    'NR == 1 { for (i = 1; i <= NF; i++) if ($i == col) c = i } NR == line { $c = val } 1' "$1"
}
# orphan_rows DIR: rows of DIR/epochs.csv whose run has no DIR/runs.csv row (a
# run killed before its commit ended; the next open drops them)
orphan_rows() {
  awk -F, 'NR==FNR { if (FNR > 1) ok[$1] = 1; next } FNR > 1 && !($1 in ok) { n++ } END { print n + 0 }' \
    "$1/runs.csv" "$1/epochs.csv"
}
