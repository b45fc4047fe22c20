#!/usr/bin/env bash
# `deepsweep run --shard I/3` in 3 parallel processes, `deepsweep merge`,
# compared with a single-process run on every deterministic column (row
# order may differ; merge orders rows as the run list does anyway).
#   tests/sweep-shards.sh BIN
set -euo pipefail
BIN=$(readlink -f "${1:-build/deepsweep}")
LIB=$(cd "$(dirname "$0")" && pwd)/results-lib.sh
. "$LIB"
# the deterministic columns, by name (tests/det-columns.py)
DET=$(cd "$(dirname "$0")" && pwd)/det-columns.py
T=$(mktemp -d /tmp/ds-shards-XXXXXX)
trap 'rm -rf "$T"' EXIT
cd "$T"
cat > s.yaml <<'YAML'
name: s
dataset: xor
base: {width: 6, loss: sigmoid_bce, optimizer: sgd, lr: 0.3, batch: 4, epochs: 400, log_every: 100}
sweep:
  depth: [1, 2, 4]
  init: [normal, xavier_uniform]
seeds: 3
YAML
"$BIN" run s.yaml --out single --threads 1 -q > /dev/null
pids=()
for i in 0 1 2; do
  "$BIN" run s.yaml --shard $i/3 --threads 1 -q > /dev/null & pids+=($!)
done
for p in "${pids[@]}"; do wait "$p"; done
"$BIN" merge merged results/s/shard-0-of-3 results/s/shard-1-of-3 results/s/shard-2-of-3
det_runs() { python3 "$DET" "$1"; }
fail=0
cmp <(det_runs single/runs.csv) <(det_runs merged/runs.csv) || { echo "FAIL: runs.csv differs"; fail=1; }
cmp <(det_runs single/epochs.csv) <(det_runs merged/epochs.csv) || { echo "FAIL: epochs.csv differs"; fail=1; }
cmp <(sort single/layers.csv) <(sort merged/layers.csv) || { echo "FAIL: layers.csv differs"; fail=1; }
cmp single/config.yaml merged/config.yaml || { echo "FAIL: config.yaml differs"; fail=1; }
n=$(($(wc -l < merged/runs.csv) - 1))
[ $fail -eq 0 ] && echo "sweep-shards: PASS (3 shards, $n runs merged == single process)" || { echo "sweep-shards: FAIL"; exit 1; }
