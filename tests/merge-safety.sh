#!/usr/bin/env bash
# Merge and resume cannot lose data: each damaged input, foreign OUT or
# incomplete set of shards is refused or reported, and a refused merge
# leaves OUT byte for byte as it was; resume drops (and names) corrupt rows
# and reruns runs whose epochs/layers rows are gone; a deleted .lock does not
# let a second writer in.
#   tests/merge-safety.sh BIN
set -uo pipefail
BIN=$(readlink -f "${1:-build/deepsweep}")
# the deterministic columns, by name (tests/det-columns.py)
DET=$(cd "$(dirname "$0")" && pwd)/det-columns.py
T=$(mktemp -d /tmp/ds-merge-XXXXXX)
trap 'rm -rf "$T"' EXIT
cd "$T"
cat > s.yaml <<'YAML'
name: s
dataset: xor
base: {width: 6, loss: sigmoid_bce, optimizer: sgd, lr: 0.3, batch: 4, epochs: 100, log_every: 50}
sweep:
  depth: [1, 2]
seeds: 3
YAML
"$BIN" run s.yaml --shard 0/2 --threads 1 -q > /dev/null || exit 1
"$BIN" run s.yaml --shard 1/2 --threads 1 -q > /dev/null || exit 1
"$BIN" run s.yaml --out ref --threads 1 -q > /dev/null || exit 1
S0=results/s/shard-0-of-2 S1=results/s/shard-1-of-2
fail=0 n=0
sum() { [ -d "$1" ] && (cd "$1" && find . -type f ! -name .lock -print0 | sort -z | xargs -0 sha256sum) || echo absent; }
# check NAME WANT_STATUS WANT_MESSAGE CMD...: status, message on stderr, and
# (status != 0, 3) the output folder unchanged
check() {
  local name=$1 want=$2 msg=$3; shift 3
  local out=${OUT:-m} before after st
  before=$(sum "$out")
  "$@" > o.txt 2> e.txt; st=$?
  after=$(sum "$out")
  n=$((n + 1))
  if [ "$st" -ne "$want" ]; then
    echo "FAIL $name: exit $st, want $want"; sed 's/^/  /' e.txt; fail=1; return
  fi
  if ! grep -qF -- "$msg" e.txt o.txt; then
    echo "FAIL $name: no '$msg' in the output"; sed 's/^/  /' e.txt o.txt; fail=1; return
  fi
  if [ "$want" -ne 0 ] && [ "$want" -ne 3 ] && [ "$before" != "$after" ]; then
    echo "FAIL $name: $out changed on a refused merge"; fail=1; return
  fi
  echo "ok   $name (exit $st): $(grep -F -- "$msg" e.txt o.txt | head -1 | cut -c1-150)"
}
damage() { rm -rf d; cp -r "$S0" d; }
# the field number of a column of runs.csv, by name (the schema may grow)
TA=$(head -1 "$S0/runs.csv" | tr ',' '\n' | grep -nx test_acc | cut -d: -f1)
LR=$(head -1 "$S0/runs.csv" | tr ',' '\n' | grep -nx lr | cut -d: -f1)

check "complete merge" 0 "merged 6 runs from 2 folders" "$BIN" merge m "$S0" "$S1"
cp -r m m.before

damage; head -c -9 "$S0/runs.csv" > d/runs.csv
check "runs.csv cut mid-row" 2 "d/runs.csv:4" "$BIN" merge m d "$S1"
damage; sed -i '3s/.*/garbage,line/' d/runs.csv
check "garbage line" 2 "d/runs.csv:3" "$BIN" merge m d "$S1"
damage; printf '\x00\x01\x02binary\n' >> d/runs.csv
check "binary line" 2 "d/runs.csv:5" "$BIN" merge m d "$S1"
damage; awk -F, -v OFS=, -v c="$TA" 'NR==2 { $c = "abc" } 1' "$S0/runs.csv" > d/runs.csv
check "test_acc=abc" 2 "test_acc: 'abc' is not a number" "$BIN" merge m d "$S1"
damage; sed -i '2s/^[0-9a-f]\{16\}/0123456789abcdef/' d/runs.csv
check "run id not in the sweep" 2 "run 0123456789abcdef is not in the sweep" "$BIN" merge m d "$S1"
damage; awk -F, -v OFS=, -v c="$LR" 'NR==2 { $c = "0.5" } 1' "$S0/runs.csv" > d/runs.csv
check "row of another configuration" 2 "lr is 0.5 but the sweep's config.yaml has 0.3" "$BIN" merge m d "$S1"
damage; rm d/epochs.csv
check "epochs.csv gone" 2 "has no rows in epochs.csv" "$BIN" merge m d "$S1"
damage; sed -i '3s/,1,/,x,/' d/epochs.csv
check "damaged epochs row" 2 "d/epochs.csv:3" "$BIN" merge m d "$S1"
damage; sed -i 's/^sweep_id: .*/sweep_id: 0000000000000000/' d/config.yaml
check "config.yaml of another sweep" 2 "holds another sweep" "$BIN" merge m d "$S1"
damage; rm d/config.yaml
check "input without config.yaml" 2 "d/config.yaml: not found" "$BIN" merge m d "$S1"
damage; head -c -9 "$S0/runs.csv" > d/runs.csv
check "--skip-damaged drops and counts" 3 "1 damaged rows dropped" "$BIN" merge --skip-damaged m2 d "$S1"
check "incomplete shards" 3 "3 of the sweep's 6 runs are in no folder" "$BIN" merge m3 "$S0"
[ -f m3/runs.csv ] && [ "$(($(wc -l < m3/runs.csv) - 1))" -eq 3 ] || { echo "FAIL incomplete shards: m3 not written"; fail=1; }
mkdir -p nocfg && cp ref/runs.csv nocfg/ && cp nocfg/runs.csv nocfg.before
OUT=nocfg check "OUT with results but no config.yaml" 2 "holds a runs.csv but no config.yaml" "$BIN" merge nocfg "$S0" "$S1"
cmp -s nocfg/runs.csv nocfg.before || { echo "FAIL: nocfg/runs.csv changed"; fail=1; }
mkdir -p other && sed 's/^sweep_id: .*/sweep_id: 1111111111111111/' ref/config.yaml > other/config.yaml && cp ref/runs.csv other/
OUT=other check "OUT of another sweep" 2 "holds another sweep" "$BIN" merge other "$S0" "$S1"
OUT=fresh check "refused merge into a new OUT creates nothing" 2 "test_acc" \
  bash -c "awk -F, -v OFS=, -v c=$TA 'NR==2 { \$c = \"abc\" } 1' $S0/runs.csv > d/runs.csv && '$BIN' merge fresh d $S1"
[ ! -e fresh ] || { echo "FAIL: a refused merge left fresh/"; fail=1; }
diff -r m m.before > /dev/null || { echo "FAIL: m changed by the refused merges"; fail=1; }

# ---- resume ---------------------------------------------------------------
det_runs() { python3 "$DET" "$1"; }
cp -r ref r1
awk -F, -v OFS=, -v c="$TA" 'NR==3 { $c = "abc" } 1' ref/runs.csv > r1/runs.csv
id=$(sed -n 3p ref/runs.csv | cut -d, -f1)
OUT=r1 check "resume: corrupt test_acc=abc row dropped and its run rerun" 0 "runs.csv:3:" \
  "$BIN" run s.yaml --out r1 --threads 1 -q
grep -q abc r1/runs.csv && { echo "FAIL: the abc row was kept"; fail=1; }
cmp -s <(det_runs ref/runs.csv) <(det_runs r1/runs.csv) || { echo "FAIL: r1/runs.csv differs from ref"; fail=1; }
cp -r ref r2 && rm r2/epochs.csv
OUT=r2 check "resume: deleted epochs.csv rebuilt by rerunning" 0 "has no rows in epochs.csv: it runs again" \
  "$BIN" run s.yaml --out r2 --threads 1 -q
cmp -s <(det_runs ref/epochs.csv) <(det_runs r2/epochs.csv) || { echo "FAIL: r2/epochs.csv not rebuilt"; fail=1; }
cmp -s <(sort ref/layers.csv) <(sort r2/layers.csv) || { echo "FAIL: r2/layers.csv differs"; fail=1; }

# ---- a deleted .lock does not let a second writer in ------------------------
cat > long.yaml <<'YAML'
name: long
dataset: xor
base: {width: 8, depth: 2, loss: sigmoid_bce, optimizer: sgd, lr: 0.1, batch: 4, epochs: 2000000, log_every: 1000000}
seeds: 1
YAML
"$BIN" run long.yaml --out lk --threads 1 -q > /dev/null 2>&1 & pid=$!
for _ in $(seq 200); do [ -f lk/config.yaml ] && break; sleep 0.05; done
rm -f lk/.lock
OUT=lk check "deleted .lock: a second writer is refused" 2 "another deepsweep run is writing to this folder" \
  "$BIN" run long.yaml --out lk --threads 1 -q
kill "$pid"; wait "$pid" 2> /dev/null

[ $fail -eq 0 ] && echo "merge-safety: PASS ($n cases)" || { echo "merge-safety: FAIL"; exit 1; }
