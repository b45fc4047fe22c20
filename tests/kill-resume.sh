#!/usr/bin/env bash
# Crash safety of `deepsweep run`: kill -9 a sweep at K random moments,
# rerun the same command each time, and check that the final results equal
# an uninterrupted run's on every deterministic column (runs.csv without
# its provenance columns: seconds, samples_per_s, threads, host, started_at,
# ...; epochs.csv without seconds; layers.csv whole), with no duplicate and no partial row.
#   tests/kill-resume.sh BIN [K]      K kill points (default 5)
set -euo pipefail
BIN=$(readlink -f "${1:-build/deepsweep}")
LIB=$(cd "$(dirname "$0")" && pwd)/results-lib.sh
. "$LIB"
# the deterministic columns, by name (tests/det-columns.py)
DET=$(cd "$(dirname "$0")" && pwd)/det-columns.py
K=${2:-5}
T=$(mktemp -d /tmp/ds-kill-XXXXXX)
trap 'rm -rf "$T"' EXIT
cd "$T"
# 24+ XOR runs of ~0.05-0.2 s (40,000 epochs: 1,500 took 4 ms on a Zen 5,
# and every kill then came after the sweep had ended): kills land inside
# training, between runs and inside the commit of a run's rows. The kills
# that find the sweep over are counted: most must land inside it.
cat > k.yaml <<'YAML'
name: k
dataset: xor
base: {width: 8, loss: sigmoid_bce, optimizer: sgd, lr: 0.2, batch: 4, epochs: 40000, log_every: 8000}
sweep:
  depth: [1, 3]
  activation: [relu, sigmoid, tanh]
seeds: SEEDS
YAML
# enough runs that K kills still find work: 6 cells x max(4, 2K) seeds
sed -i "s/SEEDS/$(( 2 * K > 4 ? 2 * K : 4 ))/" k.yaml
"$BIN" run k.yaml --out ref --threads 1 -q > /dev/null
det_runs() { python3 "$DET" "$1"; }
det_epochs() { python3 "$DET" "$1"; }

total=$(($(wc -l < ref/runs.csv) - 1))
# first, the worst moment on purpose: inside the commit that holds the 3rd
# run, after the epochs/layers rows, before the runs.csv rows (a test hook in
# sweep.c); the kills below start from the folder it leaves
st=0
(DEEPSWEEP_TEST_CRASH=3 "$BIN" run k.yaml --out out --threads 1 -q; exit $?) > /dev/null 2>&1 || st=$?
rows=$(($(wc -l < out/runs.csv) - 1)) orphans=$(orphan_rows out)
echo "kill -9 inside a commit: exit $st, runs.csv has $rows rows, epochs.csv $orphans rows of the half-committed runs"
if [ "$st" -ne 137 ] || [ "$rows" -ge "$total" ] || [ "$orphans" -eq 0 ]; then
  echo "FAIL: the crash inside a commit did not leave a half-committed run (the hook did not fire)"; exit 1
fi
RANDOM=${SEED:-$$}
inside=0
for i in $(seq 1 "$K"); do
  before=$( [ -f out/runs.csv ] && wc -l < out/runs.csv || echo 0)
  "$BIN" run k.yaml --out out --threads 1 -q > /dev/null 2>&1 &
  pid=$!
  # After the first kill (a random moment from the start), wait for one more
  # finished run so every kill lands further into the sweep, however slow the
  # machine (or the sanitizer build), then a random 0.00-0.29 s more.
  if [ "$i" -gt 1 ]; then
    for _ in $(seq 300); do
      now=$( [ -f out/runs.csv ] && wc -l < out/runs.csv || echo 0)
      [ "$now" -gt "$before" ] && break
      kill -0 "$pid" 2>/dev/null || break
      sleep 0.05
    done
    sleep "0.$(printf '%02d' $((RANDOM % 30)))"
  else
    sleep "0.$(printf '%02d' $((RANDOM % 95 + 5)))"
  fi
  kill -9 "$pid" 2>/dev/null || true
  wait "$pid" 2>/dev/null || true
  rows=$( [ -f out/runs.csv ] && echo $(( $(wc -l < out/runs.csv) - 1 )) || echo 0)
  tail=$( [ -f out/runs.csv ] && tail -c1 out/runs.csv | od -An -c | tr -d ' ' || echo none)
  # rows of runs that have no runs.csv row yet: the kill hit a commit or a
  # run in progress; the next start must drop them
  orphans=0
  [ -f out/epochs.csv ] && orphans=$(orphan_rows out)
  [ "$rows" -lt "$total" ] && inside=$((inside + 1))
  echo "kill -9 #$i: runs.csv has $rows of $total rows (last byte: $tail), epochs.csv $orphans rows of unfinished runs"
done
if [ $((2 * inside)) -lt "$K" ]; then
  echo "FAIL: only $inside of $K kills landed before the sweep ended: the runs are too short to test anything"; exit 1
fi
"$BIN" run k.yaml --out out --threads 1 -q > /dev/null
fail=0
cmp <(det_runs ref/runs.csv) <(det_runs out/runs.csv) || { echo "FAIL: runs.csv differs"; diff <(det_runs ref/runs.csv) <(det_runs out/runs.csv) | head; fail=1; }
cmp <(det_epochs ref/epochs.csv) <(det_epochs out/epochs.csv) || { echo "FAIL: epochs.csv differs"; fail=1; }
cmp <(sort ref/layers.csv) <(sort out/layers.csv) || { echo "FAIL: layers.csv differs"; fail=1; }
dups=$(cut -d, -f1 out/runs.csv | sort | uniq -d | wc -l)
[ "$dups" -eq 0 ] || { echo "FAIL: $dups duplicate run ids"; fail=1; }
n=$(($(wc -l < out/runs.csv) - 1))
if [ $fail -eq 0 ]; then
  echo "kill-resume: PASS (a kill inside a commit, then $K kill points, $inside inside the sweep; $n runs equal to an uninterrupted run)"
else
  echo "kill-resume: FAIL"; exit 1
fi
