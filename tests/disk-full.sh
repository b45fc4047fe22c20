#!/usr/bin/env bash
# A full disk during `run`, `merge`, `plot` and `train --save`: each trial
# fills a small tmpfs to within K bytes, runs the command, and checks that it
# fails (exit 1, "No space left on device") or succeeds whole, and that every
# file there before is still whole: the rows already in runs/epochs/layers.csv
# unchanged, a merge's output folder byte for byte as it was, each earlier
# figure a whole PNG, a saved model unchanged. Then the space is freed and
# the same command must finish equal to a run on a roomy disk.
#   tests/disk-full.sh BIN        (needs root: it mounts a tmpfs)
set -uo pipefail
BIN=$(readlink -f "${1:-build/deepsweep}")
LIB=$(cd "$(dirname "$0")" && pwd)/results-lib.sh
. "$LIB"
export DEEPSWEEP_PLOTS=${DEEPSWEEP_PLOTS:-$(cd "$(dirname "$0")/.." && pwd)/plots}
if [ "$(id -u)" -ne 0 ]; then
  echo "disk-full: SKIPPED: needs root to mount a small tmpfs (CI runs as root)"; exit 0
fi
T=$(mktemp -d /tmp/ds-full-XXXXXX)
M=$T/disk
mkdir -p "$M"
mount -t tmpfs -o size=2m tmpfs "$M" || { echo "disk-full: FAIL: cannot mount a tmpfs on $M"; rm -rf "$T"; exit 1; }
trap 'cd /; umount "$M" 2>/dev/null; rm -rf "$T"' EXIT
cd "$T"
cat > k.yaml <<'YAML'
name: k
dataset: xor
base: {width: 8, loss: sigmoid_bce, optimizer: sgd, lr: 0.2, batch: 4, epochs: 300, log_every: 5}
sweep:
  depth: [1, 3]
  activation: [relu, tanh]
seeds: 4
YAML
"$BIN" run k.yaml --out ref --threads 1 -q > /dev/null || exit 1
"$BIN" run k.yaml --shard 0/2 --threads 1 -q > /dev/null || exit 1
"$BIN" run k.yaml --shard 1/2 --threads 1 -q > /dev/null || exit 1
S0=$T/results/k/shard-0-of-2 S1=$T/results/k/shard-1-of-2
"$BIN" merge Mref "$S0" "$S1" > /dev/null || exit 1
fail=0 trials=0 full=0
fill() { # leave $1 bytes free on the tmpfs
  rm -f "$M/fill"
  local avail; avail=$(df -B1 --output=avail "$M" | tail -1)
  [ "$avail" -gt "$1" ] && fallocate -l $((avail - $1)) "$M/fill"
}
unfill() { rm -f "$M/fill"; }
png_whole() { [ "$(tail -c 8 "$1" | od -An -tx1 | tr -d ' \n')" = "49454e44ae426082" ]; }
# result NAME STATUS [MESSAGE]: count the trial; a full disk must be exit 1
# and said ("No space left on device", or MESSAGE)
result() {
  trials=$((trials + 1))
  if [ "$2" -eq 1 ] && grep -Eq "No space left on device${3:+|$3}" e.txt; then full=$((full + 1)); return 0; fi
  [ "$2" -eq 0 ] && return 0
  echo "FAIL $1: exit $2 (want 1 with 'No space left on device', or 0)"; sed 's/^/  /' e.txt; fail=1; return 1
}
snapshot() { (cd "$1" && find . -type f ! -name .lock | sort | xargs -r sha256sum); }

# ---- run: 4 runs there, the rest on a full disk ----------------------------
for keep in 0 1024 4096 8192 16384; do
  # the first 4 runs of ref, finished
  rm -rf "$M/r"; mkdir "$M/r"; cp ref/config.yaml "$M/r/"
  head -5 ref/runs.csv > "$M/r/runs.csv"
  for f in epochs layers; do
    awk -F, 'NR == FNR { if (FNR > 1) ok[$1] = 1; next } FNR == 1 || ($1 in ok)' "$M/r/runs.csv" ref/$f.csv > "$M/r/$f.csv"
  done
  for f in runs epochs layers; do cp "$M/r/$f.csv" "$f.before"; done
  fill $keep
  "$BIN" run k.yaml --out "$M/r" --threads 1 -q > o.txt 2> e.txt; st=$?
  result "run, $keep bytes free" $st || { unfill; continue; }
  for f in runs epochs layers; do
    cmp -s "$f.before" <(head -c "$(stat -c %s "$f.before")" "$M/r/$f.csv") ||
      { echo "FAIL run, $keep bytes free: the earlier rows of $f.csv changed"; fail=1; }
  done
  unfill
  "$BIN" run k.yaml --out "$M/r" --threads 1 -q > /dev/null 2>&1 || { echo "FAIL run, $keep bytes free: the resume failed"; fail=1; }
  cmp -s <(det_runs ref/runs.csv) <(det_runs "$M/r/runs.csv") && cmp -s <(sort ref/layers.csv) <(sort "$M/r/layers.csv") ||
    { echo "FAIL run, $keep bytes free: the resumed results differ from an uninterrupted run"; fail=1; }
  echo "ok   run on a full disk ($keep bytes free): exit $st, earlier rows whole, resumed == uninterrupted"
done

# ---- merge: OUT holds an earlier merge -------------------------------------
for keep in 0 4096 16384 32768; do
  unfill; rm -rf "$M/m"; "$BIN" merge "$M/m" "$S0" > /dev/null 2>&1
  before=$(snapshot "$M/m")
  fill $keep
  "$BIN" merge "$M/m" "$S0" "$S1" > o.txt 2> e.txt; st=$?
  result "merge, $keep bytes free" $st || { unfill; continue; }
  if [ $st -ne 0 ]; then
    [ "$before" = "$(snapshot "$M/m")" ] || { echo "FAIL merge, $keep bytes free: OUT changed"; fail=1; }
    ls -d "$M"/m/.merge-* > /dev/null 2>&1 && { echo "FAIL merge, $keep bytes free: a staging folder was left"; fail=1; }
  fi
  unfill
  "$BIN" merge "$M/m" "$S0" "$S1" > /dev/null 2>&1
  cmp -s Mref/runs.csv "$M/m/runs.csv" && cmp -s Mref/layers.csv "$M/m/layers.csv" ||
    { echo "FAIL merge, $keep bytes free: the merge afterwards differs"; fail=1; }
  echo "ok   merge on a full disk ($keep bytes free): exit $st, OUT as it was, merge afterwards == merge on a roomy disk"
done

# ---- plot: figures and REPORT.md there from an earlier plot -----------------
unfill; rm -rf "$M/p"; cp -r ref "$M/p"; "$BIN" plot "$M/p" > /dev/null 2>&1 || { echo "FAIL: plot on a roomy disk"; fail=1; }
n_png=$(ls "$M"/p/*.png 2> /dev/null | wc -l)
[ "$n_png" -gt 0 ] || { echo "FAIL: plot drew no figure"; fail=1; }
for keep in 0 4096 16384 65536 131072; do
  fill $keep
  "$BIN" plot "$M/p" > o.txt 2> e.txt; st=$?
  result "plot, $keep bytes free" $st "output is incomplete" || { unfill; continue; }
  bad=""
  for f in "$M"/p/*.png; do png_whole "$f" || bad="$bad $(basename "$f")"; done
  [ "$(ls "$M"/p/*.png | wc -l)" -eq "$n_png" ] || bad="$bad (figures gone: $(ls "$M"/p/*.png | wc -l) of $n_png left)"
  [ -s "$M/p/REPORT.md" ] || bad="$bad REPORT.md"
  if grep -q "wrote .*png" e.txt && [ $st -ne 0 ] && [ -n "$bad" ]; then bad="$bad (said 'wrote')"; fi
  unfill
  if [ -n "$bad" ]; then echo "FAIL plot, $keep bytes free (exit $st): not whole:$bad"; fail=1; continue; fi
  echo "ok   plot on a full disk ($keep bytes free): exit $st, every figure there before a whole PNG"
done

# ---- train --save: a model saved before -------------------------------------
unfill; rm -f "$M/model.st"
"$BIN" train --dataset xor --hidden 8 --epochs 20 --save "$M/model.st" > /dev/null 2>&1 || { echo "FAIL: train --save on a roomy disk"; fail=1; }
cp "$M/model.st" model.before
for keep in 0 256; do
  fill $keep
  "$BIN" train --dataset xor --hidden 8 --epochs 30 --save "$M/model.st" > o.txt 2> e.txt; st=$?
  result "train --save, $keep bytes free" $st || { unfill; continue; }
  [ $st -eq 0 ] || cmp -s model.before "$M/model.st" || { echo "FAIL train --save, $keep bytes free: the saved model changed"; fail=1; }
  unfill
  echo "ok   train --save on a full disk ($keep bytes free): exit $st, the earlier model unchanged"
done
[ $fail -eq 0 ] && echo "disk-full: PASS ($trials trials, $full of them hit the full disk: run, merge, plot, train --save)" ||
  { echo "disk-full: FAIL"; exit 1; }
