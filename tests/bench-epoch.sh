#!/usr/bin/env bash
# scripts/bench_epoch.sh without training anything: its options (bad ones
# exit 2 naming the option), the interleaved order of --dry-run (every run
# once per repetition, the order rotated), and the medians and ratios of
# --summary on a hand-made raw.tsv.
set -uo pipefail
cd "$(dirname "$0")/.." || exit 1
S=scripts/bench_epoch.sh
fail=0
check() { # description, then a command that must succeed
  local what=$1
  shift
  "$@" || { echo "FAIL: $what"; fail=1; }
}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

for bad in "--reps 0" "--reps x" "--threads 1,0" "--nets softmax,foo" "--cores Has-well" "--bogus" "--reps"; do
  # shellcheck disable=SC2086 # the options are words
  $S $bad --dry-run > "$tmp/out" 2> "$tmp/err"; rc=$?
  opt=${bad%% *}
  check "$bad: exit 2 (got $rc: $(cat "$tmp/err"))" [ "$rc" -eq 2 ]
  check "$bad: the message names $opt ($(cat "$tmp/err"))" grep -q -- "$opt" "$tmp/err"
done
$S --nets foo --dry-run 2> "$tmp/err"
check "--nets lists the valid nets" grep -q "valid: softmax, xavier, deep, deep-dropout" "$tmp/err"

$S --dry-run --reps 3 --nets softmax --threads 1,2 --cores Haswell > "$tmp/dry"; rc=$?
check "--dry-run exits 0 ($rc)" [ "$rc" -eq 0 ]
check "3 reps x (deepsweep, unset, Haswell at 1 and 2 threads; unset/blas, Haswell/blas at 2) = 24 runs" \
      [ "$(wc -l < "$tmp/dry")" -eq 24 ]
for r in 1 2 3; do
  check "rep $r holds each of the 8 runs once" [ "$(grep "^rep $r: " "$tmp/dry" | sort -u | wc -l)" -eq 8 ]
done
check "each repetition has the same runs" \
      [ "$(sed "s/^rep [0-9]*: //" "$tmp/dry" | sort | uniq -c | awk '$1 != 3' | wc -l)" -eq 0 ]
first1=$(sed -n '2p' "$tmp/dry" | sed 's/^rep 1: //'); first2=$(sed -n '9p' "$tmp/dry" | sed 's/^rep 2: //')
check "the order is rotated: rep 2 starts with rep 1's second run" [ "$first1" = "$first2" ]
check "deepsweep runs unset OPENBLAS_CORETYPE and train on all images" \
      [ "$(grep -c "env -u OPENBLAS_CORETYPE build/deepsweep train .*--val-split 0 --threads [12]$" "$tmp/dry")" -eq 6 ]
check "PyTorch runs with OPENBLAS_CORETYPE unset" \
      [ "$(grep -c "env -u OPENBLAS_CORETYPE OPENBLAS_NUM_THREADS=2 OMP_NUM_THREADS=2 /usr/bin/python3 scripts/pytorch_baseline.py .*--threads 2 --no-eval" "$tmp/dry")" -eq 3 ]
check "PyTorch runs with OPENBLAS_CORETYPE=Haswell" \
      [ "$(grep -c "env OPENBLAS_CORETYPE=Haswell OPENBLAS_NUM_THREADS=1 " "$tmp/dry")" -eq 3 ]
check "at 2 threads PyTorch also runs on 1 thread with OpenBLAS on 2 (unset and Haswell)" \
      [ "$(grep -c "OPENBLAS_NUM_THREADS=2 OMP_NUM_THREADS=1 /usr/bin/python3 scripts/pytorch_baseline.py .*--threads 1 --no-eval" "$tmp/dry")" -eq 6 ]

# medians: odd count the middle value, even count the mean of the two middle
printf 'rep\tnet\tthreads\tsetup\tcore\tsamples_per_s\n' > "$tmp/raw.tsv"
while read -r rep net t setup core sps; do
  printf '%s\t%s\t%s\t%s\t%s\t%s\n' "$rep" "$net" "$t" "$setup" "$core" "$sps" >> "$tmp/raw.tsv"
done <<'ROWS'
1 xavier 1 deepsweep - 300
1 xavier 1 torch:unset Cooperlake 90
1 xavier 1 torch:Haswell Haswell 70
1 deep 1 deepsweep - 50
2 xavier 1 torch:Haswell Haswell 50
2 xavier 1 deepsweep - 100
2 xavier 1 torch:unset Cooperlake 110
2 deep 1 deepsweep - 40
3 xavier 1 torch:Haswell Haswell 60
3 xavier 1 deepsweep - 200
3 deep 1 deepsweep - 45
1 xavier 2 deepsweep - 500
1 xavier 2 torch:unset Cooperlake 30
1 xavier 2 torch:unset/blas Cooperlake 120
ROWS
$S --summary "$tmp/raw.tsv" > "$tmp/sum"; rc=$?
check "--summary exits 0 ($rc)" [ "$rc" -eq 0 ]
check "--summary says how many repetitions" grep -q "^median of 3 interleaved repetitions" "$tmp/sum"
line=$(grep "^deep *1 " "$tmp/sum" | tr -s ' ')
check "deep: no PyTorch figure, no ratio ($line)" [ "$line" = "deep 1 45 failed failed - - -" ]
line=$(grep "^xavier *2 " "$tmp/sum" | tr -s ' ')
check "xavier at 2 threads: the /blas set-up is the best; Haswell failed ($line)" \
      [ "$line" = "xavier 2 500 30 (Cooperlake) failed 120 (Cooperlake) 120 unset/blas=Cooperlake 4.17x" ]
line=$(grep "^xavier *1 " "$tmp/sum" | tr -s ' ')
check "xavier at 1 thread: no /blas set-up there ($line)" \
      [ "$line" = "xavier 1 200 100 (Cooperlake) 60 - 100 unset=Cooperlake 2.00x" ]
echo "not a raw file" > "$tmp/bad.tsv"
$S --summary "$tmp/bad.tsv" > /dev/null 2> "$tmp/err"; rc=$?
check "--summary of another file: exit 2 ($rc)" [ "$rc" -eq 2 ]
check "--summary of another file names file:line" grep -q "bad.tsv:1:" "$tmp/err"

[ $fail -eq 0 ] && echo "bench-epoch.sh: all checks passed"
exit $fail
