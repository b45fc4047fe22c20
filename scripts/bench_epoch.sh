#!/usr/bin/env bash
# One-epoch `deepsweep train` against PyTorch on the course's lab nets, at 1
# and 2 threads (make bench-epoch). PyTorch is scripts/pytorch_baseline.py on
# Debian's /usr/bin/python3 (python3-torch, whose layers run on OpenBLAS); it
# runs once with OPENBLAS_CORETYPE unset (OpenBLAS's own detection) and once
# per named core type, and the best of them is PyTorch's figure. Every run of
# one repetition (each net, thread count and set-up) goes before the next
# repetition starts, the order rotated each time, so a slow spell of a shared
# machine hits every set-up alike. Prints per net and thread count the median
# samples/s of each set-up and deepsweep / best PyTorch; keeps every run's
# figure in OUT/raw.tsv and the table in OUT/summary.txt.
#
# usage: scripts/bench_epoch.sh [--reps N] [--threads LIST] [--nets LIST]
#            [--cores LIST] [--train-subset N] [--out DIR] [--deepsweep EXE]
#            [--dry-run | --summary RAW]
#   --reps N          repetitions of every run (default 3; the medians need >= 3)
#   --threads LIST    thread counts (default 1,2)
#   --nets LIST       of softmax, xavier, deep, deep-dropout (default: all four)
#   --cores LIST      OPENBLAS_CORETYPE values besides unset (default
#                     Haswell,Zen,SkylakeX, as `deepsweep bench` probes);
#                     at more than one thread each also runs as <core>/blas:
#                     PyTorch on 1 thread, OpenBLAS on all
#   --train-subset N  train on the first N images (a smoke test; default: all 60,000)
#   --out DIR         where raw.tsv and summary.txt go (default results/bench-epoch)
#   --deepsweep EXE   the binary (default build/deepsweep)
#   --dry-run         print the runs in their order, run nothing
#   --summary RAW     print the table of an earlier run's raw.tsv, run nothing
# Samples/s count the training loop only, in both programs (evaluation and
# data loading excluded); both train on all 60,000 images (deepsweep with
# --val-split 0), Adam lr 0.001, batch 100, N(0,1) biases, as the labs.
# Exit status: 0 ok, 1 a deepsweep run failed or no PyTorch set-up of a net
# and thread count ran (a core type this CPU lacks is only reported), 2 bad
# option.
set -euo pipefail
cd "$(dirname "$0")/.."

reps=3 threads=1,2 nets=softmax,xavier,deep,deep-dropout cores=Haswell,Zen,SkylakeX
subset=0 out=results/bench-epoch exe=build/deepsweep dry=0 summary_of=
PY=/usr/bin/python3
raw_header=$(printf 'rep\tnet\tthreads\tsetup\tcore\tsamples_per_s')

bad() { echo "bench_epoch.sh: $*" >&2; exit 2; }
posint() { [[ $2 =~ ^[1-9][0-9]{0,5}$ ]] || bad "$1: '$2' is not a whole number in 1..999999"; }
while [ $# -gt 0 ]; do
  opt=$1
  case $opt in
    --dry-run) dry=1; shift; continue ;;
    --reps|--threads|--nets|--cores|--train-subset|--out|--deepsweep|--summary)
      [ $# -ge 2 ] || bad "$opt: needs a value"; val=$2; shift 2 ;;
    -h|--help) sed -n '2,/^set -euo/{/^set -euo/d;s/^# \{0,1\}//;p}' "$0"; exit 0 ;;
    *) bad "unknown option '$opt' (valid: --reps --threads --nets --cores --train-subset --out --deepsweep --dry-run --summary)" ;;
  esac
  case $opt in
    --reps) posint "$opt" "$val"; reps=$val ;;
    --threads) threads=$val
      for t in ${val//,/ }; do posint "$opt" "$t"; done
      [ -n "${val//,/}" ] || bad "$opt: empty list" ;;
    --nets) nets=$val
      for n in ${val//,/ }; do
        case $n in softmax|xavier|deep|deep-dropout) ;;
          *) bad "$opt: unknown net '$n' (valid: softmax, xavier, deep, deep-dropout)" ;; esac
      done
      [ -n "${val//,/}" ] || bad "$opt: empty list" ;;
    --cores) cores=$val
      for c in ${val//,/ }; do
        [[ $c =~ ^[A-Za-z][A-Za-z0-9]*$ ]] || bad "$opt: '$c' is not a core type name (e.g. Haswell, Zen, SkylakeX)"
      done ;;
    --train-subset) posint "$opt" "$val"; subset=$val ;;
    --out) [ -n "$val" ] || bad "$opt: empty"; out=$val ;;
    --deepsweep) exe=$val ;;
    --summary) summary_of=$val ;;
  esac
done

# net -> deepsweep train options; PyTorch takes the same names.
net_args() {
  case $1 in
    softmax) echo "--hidden none --init normal" ;;
    xavier) echo "--hidden 256,256 --init xavier_uniform" ;;
    deep) echo "--hidden 512,512,512,512 --init xavier_uniform" ;;
    deep-dropout) echo "--hidden 512,512,512,512 --init xavier_uniform --dropout 0.3" ;;
  esac
}
common=(--bias-init normal --epochs 1 --seed 1)
[ "$subset" -eq 0 ] || common+=(--train-subset "$subset")

# The runs of one repetition: "net threads setup", setup = deepsweep,
# torch:unset or torch:<core>; at more than one thread also torch:unset/blas
# and torch:<core>/blas, PyTorch on one thread with OpenBLAS's GEMMs on all:
# with both PyTorch's OpenMP threads and OpenBLAS's threads on 2 cores each
# spins while the other works, and an epoch took 3-5x longer than at one
# thread (xavier 90.9k samples/s at 1, 27.9k at 2, Zen 5, 2026-12-03).
runs=()
for n in ${nets//,/ }; do
  for t in ${threads//,/ }; do
    runs+=("$n $t deepsweep")
    for c in unset ${cores//,/ }; do runs+=("$n $t torch:$c"); done
    if [ "$t" -gt 1 ]; then
      for c in unset ${cores//,/ }; do runs+=("$n $t torch:$c/blas"); done
    fi
  done
done

command_of() { # net threads setup -> cmd: the command (env first)
  local n=$1 t=$2 s=$3 net
  read -ra net <<< "$(net_args "$n")"
  if [ "$s" = deepsweep ]; then
    cmd=(env -u OPENBLAS_CORETYPE "$exe" train "${net[@]}" "${common[@]}" --val-split 0 --threads "$t")
  else
    local ct=${s#torch:} e=(env -u OPENBLAS_CORETYPE) tt=$t
    [ "${ct%/blas}" = "$ct" ] || { ct=${ct%/blas}; tt=1; } # PyTorch's own threads: 1
    [ "$ct" = unset ] || e=(env "OPENBLAS_CORETYPE=$ct")
    cmd=("${e[@]}" "OPENBLAS_NUM_THREADS=$t" "OMP_NUM_THREADS=$tt" "$PY" scripts/pytorch_baseline.py
         "${net[@]}" "${common[@]}" --threads "$tt" --no-eval)
  fi
}

# The table of a raw.tsv: per net and thread count (in the file's order) the
# median samples/s of deepsweep and of each PyTorch set-up, the best of
# these, and deepsweep / best.
table() {
  awk -F'\t' '
    function median(key,   n, v, i, j, x) {
      n = cnt[key]; if (!n) return ""
      for (i = 1; i <= n; i++) v[i] = val[key, i]
      for (i = 2; i <= n; i++) { x = v[i]; for (j = i - 1; j > 0 && v[j] > x; j--) v[j + 1] = v[j]; v[j + 1] = x }
      return n % 2 ? v[(n + 1) / 2] : (v[n / 2] + v[n / 2 + 1]) / 2
    }
    function add(list, n, x) { if (!((list, x) in seen)) { seen[list, x] = 1; n++; item[list, n] = x }; return n }
    NR > 1 {
      k = $2 SUBSEP $3 SUBSEP $4; val[k, ++cnt[k]] = $6; if ($5 != "-") ran[k] = $5
      if ($1 > reps) reps = $1
      nn = add("n", nn, $2); nt = add("t", nt, $3)
      if ($4 != "deepsweep") nc = add("c", nc, substr($4, 7))
    }
    END {
      printf "median of %d interleaved repetitions, samples/s of the training loop\n", reps
      printf "%-13s %3s %10s", "net", "thr", "deepsweep"
      for (c = 1; c <= nc; c++) printf " %18s", "torch " item["c", c]
      printf "  %-22s %6s\n", "best PyTorch", "ratio"
      for (a = 1; a <= nn; a++) for (b = 1; b <= nt; b++) {
        n = item["n", a]; t = item["t", b]
        ds = median(n SUBSEP t SUBSEP "deepsweep")
        printf "%-13s %3s %10s", n, t, ds == "" ? "failed" : sprintf("%.0f", ds)
        best = 0; bname = ""
        for (c = 1; c <= nc; c++) {
          C = item["c", c]; k = n SUBSEP t SUBSEP "torch:" C; m = median(k)
          # a /blas set-up runs only at more than one thread
          lab = m == "" ? (t == 1 && C ~ /\/blas$/ ? "-" : "failed") : sprintf("%.0f", m)
          if (m != "" && (k in ran) && ran[k] != C) lab = lab " (" ran[k] ")"
          printf " %18s", lab
          if (m != "" && m > best) { best = m; bname = C ((k in ran) && ran[k] != C ? "=" ran[k] : "") }
        }
        if (best > 0 && ds != "") printf "  %-22s %5.2fx\n", sprintf("%.0f %s", best, bname), ds / best
        else printf "  %-22s %6s\n", "-", "-"
      }
    }' "$1"
}

if [ -n "$summary_of" ]; then
  [ -f "$summary_of" ] || { echo "bench_epoch.sh: --summary: $summary_of: no such file" >&2; exit 2; }
  [ "$(head -1 "$summary_of")" = "$raw_header" ] ||
    { echo "bench_epoch.sh: --summary: $summary_of:1: not a raw.tsv of this script (header: ${raw_header//$'\t'/,})" >&2; exit 2; }
  table "$summary_of"
  exit 0
fi

if [ "$dry" = 1 ]; then
  for ((r = 0; r < reps; r++)); do
    for ((i = 0; i < ${#runs[@]}; i++)); do
      j=$(( (i + r) % ${#runs[@]} ))
      read -r n t s <<< "${runs[j]}"
      command_of "$n" "$t" "$s"
      echo "rep $((r + 1)): ${cmd[*]}"
    done
  done
  exit 0
fi

[ -x "$exe" ] || { echo "bench_epoch.sh: $exe: not built (make)" >&2; exit 1; }
"$PY" -c 'import torch' 2>/dev/null ||
  { echo "bench_epoch.sh: $PY cannot import torch (scripts/install-deps.sh torch)" >&2; exit 1; }
mkdir -p "$out"
raw=$(mktemp "$out/.raw.XXXXXX")
log=$(mktemp "$out/.log.XXXXXX")
trap 'rm -f "$raw" "$log"' EXIT
echo "$raw_header" > "$raw"
failed=0
declare -A torch_ran=()
for ((r = 0; r < reps; r++)); do
  for ((i = 0; i < ${#runs[@]}; i++)); do
    j=$(( (i + r) % ${#runs[@]} ))
    read -r n t s <<< "${runs[j]}"
    command_of "$n" "$t" "$s"
    if "${cmd[@]}" > "$log" 2>&1; then rc=0; else rc=$?; fi
    sps=$(awk '/^Learning finished:/ { print $(NF-1) }' "$log")
    # the core OpenBLAS ran (pytorch_baseline.py prints it); deepsweep has none
    core=$(sed -n 's/.*openblas core \([A-Za-z0-9]*\).*/\1/p' "$log" | head -1)
    if [ "$rc" -ne 0 ] || [ -z "$sps" ]; then
      echo "bench_epoch.sh: rep $((r + 1)) $n t$t $s failed (exit $rc): $(tail -1 "$log")" >&2
      [ "$s" != deepsweep ] || failed=1
      continue
    fi
    [ "$s" = deepsweep ] || torch_ran["$n $t"]=1
    printf '%d\t%s\t%s\t%s\t%s\t%s\n' $((r + 1)) "$n" "$t" "$s" "${core:--}" "$sps" >> "$raw"
    echo "rep $((r + 1))/$reps  $n  t$t  $s${core:+ (core $core)}: $sps samples/s" >&2
  done
done

{
  echo "one epoch of deepsweep train vs PyTorch (scripts/pytorch_baseline.py)$([ "$subset" -eq 0 ] || echo ", $subset training images (smoke test)")"
  echo "$("$exe" --version 2>/dev/null | head -1); $("$PY" -c 'import torch; print("pytorch", torch.__version__)'); $(uptime | sed 's/.*load/load/')"
  table "$raw"
} | tee "$log"
for n in ${nets//,/ }; do
  for t in ${threads//,/ }; do
    [ -n "${torch_ran["$n $t"]+x}" ] || { echo "bench_epoch.sh: no PyTorch set-up of $n at $t thread(s) ran" >&2; failed=1; }
  done
done
mv "$raw" "$out/raw.tsv"
mv "$log" "$out/summary.txt"
trap - EXIT
echo "bench_epoch.sh: wrote $out/raw.tsv and $out/summary.txt" >&2
exit "$failed"
