#!/usr/bin/env bash
# Crash safety at exact system calls: `deepsweep run` and `deepsweep merge`
# killed (SIGKILL, injected by strace at the N-th write, fsync or rename:
# inside the commit of a run's rows, inside the atomic rewrite of a repaired
# file, between a write and its fsync, before and after a rename), then
# run again: the results must equal an uninterrupted run's on every
# deterministic column, with no duplicate and no orphan row. Each trial
# starts from one of three states: no folder (E), a folder whose last run
# was killed half committed, so the next open repairs it (H), and, for
# merge, an earlier merge of one shard (M). Runs go one at a time (--jobs 1);
# the rows of runs that finish while a commit is being written are committed
# together, so the kill points are counted from the start, where the first
# commits are fixed places in the sequence of calls.
#   tests/crash-points.sh BIN
set -uo pipefail
BIN=$(readlink -f "${1:-build/deepsweep}")
LIB=$(cd "$(dirname "$0")" && pwd)/results-lib.sh
. "$LIB"
command -v strace > /dev/null || { echo "crash-points: strace not found (scripts/install-deps.sh crash)"; exit 1; }
T=$(mktemp -d /tmp/ds-crash-XXXXXX)
trap 'rm -rf "$T"' EXIT
cd "$T"
cat > k.yaml <<'YAML'
name: k
dataset: xor
base: {width: 8, loss: sigmoid_bce, optimizer: sgd, lr: 0.2, batch: 4, epochs: 300, log_every: 100}
sweep:
  depth: [1, 3]
  activation: [relu, tanh]
seeds: 3
YAML
run() { "$BIN" run k.yaml --out "$1" --threads 1 --jobs 1 -q > /dev/null 2>&1; }
run ref || { echo "crash-points: the reference run failed"; exit 1; }
# H: killed inside the commit that holds the 5th run (epochs and layers rows
# written, runs rows not): the next open drops the orphans (a repair). Each
# fsync is slowed by 0.1 s, as on a busy disk, so that runs finishing during
# a commit are batched into the next one (runner.c): the hook must fire
# whatever the batches (counted in commits, it never did when fsync was slow)
(DEEPSWEEP_TEST_CRASH=5 strace -f -qq -o /dev/null -e trace=fsync -e inject=fsync:delay_exit=100000 \
  "$BIN" run k.yaml --out H --threads 1 --jobs 1 -q; exit $?) > /dev/null 2>&1
orphans=$(orphan_rows H)
[ "$orphans" -gt 0 ] && [ "$(wc -l < H/runs.csv)" -lt "$(wc -l < ref/runs.csv)" ] ||
  { echo "crash-points: state H is not half committed ($orphans orphan epochs rows)"; exit 1; }
"$BIN" run k.yaml --shard 0/2 --threads 1 --jobs 1 -q > /dev/null 2>&1
"$BIN" run k.yaml --shard 1/2 --threads 1 --jobs 1 -q > /dev/null 2>&1
S0=results/k/shard-0-of-2 S1=results/k/shard-1-of-2
"$BIN" merge Mref "$S0" "$S1" > /dev/null || exit 1
"$BIN" merge M "$S0" > /dev/null 2>&1; [ $? -eq 3 ] || { echo "crash-points: state M not made"; exit 1; }

# same DIR: DIR's rows equal ref's, once each, no orphan epochs/layers row
same() {
  local d=$1 why=""
  cmp -s <(det_runs ref/runs.csv) <(det_runs "$d/runs.csv") || why="runs.csv differs"
  cmp -s <(det ref/epochs.csv) <(det "$d/epochs.csv") || why="$why epochs.csv differs"
  cmp -s <(sort ref/layers.csv) <(sort "$d/layers.csv") || why="$why layers.csv differs"
  [ -z "$(cut -d, -f1 "$d/runs.csv" | sort | uniq -d)" ] || why="$why duplicate run ids"
  echo "$why"
}
fail=0 kills=0 trials=0
# trial STATE CMD SYSCALL N
trial() {
  local state=$1 cmd=$2 sc=$3 n=$4 d="t$trials"
  trials=$((trials + 1))
  rm -rf "$d"
  case $state in E) ;; H) cp -r H "$d" ;; M) cp -r M "$d" ;; esac
  local argv
  if [ "$cmd" = run ]; then argv=("$BIN" run k.yaml --out "$d" --threads 1 --jobs 1 -q); else argv=("$BIN" merge "$d" "$S0" "$S1"); fi
  (strace -f -qq -o /dev/null -e trace="$sc" -e inject="$sc":signal=KILL:when="$n" "${argv[@]}"; exit $?) > /dev/null 2>&1
  local st=$?
  if [ $st -ne 137 ]; then
    echo "FAIL $state/$cmd killed at $sc #$n: exit $st, no kill (the point is never reached)"; fail=1; return
  fi
  kills=$((kills + 1))
  local torn=""
  [ -f "$d/runs.csv" ] && [ "$(tail -c1 "$d/runs.csv" | od -An -c | tr -d ' ')" != '\n' ] && torn=" (runs.csv torn)"
  "${argv[@]}" > /dev/null 2>&1
  st=$?
  local why
  if [ "$cmd" = merge ]; then
    why=$(cmp -s Mref/runs.csv "$d/runs.csv" && cmp -s Mref/epochs.csv "$d/epochs.csv" &&
          cmp -s Mref/layers.csv "$d/layers.csv" && cmp -s Mref/config.yaml "$d/config.yaml" || echo "differs from an uninterrupted merge")
  else
    why=$(same "$d")
  fi
  if [ $st -ne 0 ] || [ -n "$why" ]; then
    echo "FAIL $state/$cmd killed at $sc #$n$torn: rerun exit $st; $why"; fail=1
  else
    echo "ok   $state/$cmd killed at $sc #$n$torn: rerun equals an uninterrupted $cmd"
  fi
}
# a fresh folder: config.yaml's atomic write (write, fsync, rename, fsync of
# the folder), then the commits of the first runs (write + fsync x 3 each)
for n in 1 2 3 4 5 6 7 8; do trial E run fsync $n; done
trial E run rename 1
for n in 1 2 3 4 5 6; do trial E run write $n; done
# a folder to repair: the rewrite of epochs.csv and layers.csv (temp file
# written, fsync'd, renamed), then the commits
for n in 1 2 3 4; do trial H run fsync $n; done
for n in 1 2; do trial H run rename $n; done
for n in 1 2 3; do trial H run write $n; done
# merge over an earlier merge: the staged files (write, fsync), their renames
# into place (epochs, layers, runs, config.yaml), the folder's fsync
for n in 1 2 3 4; do trial M merge rename $n; done
for n in 2 5; do trial M merge fsync $n; done
[ $fail -eq 0 ] && echo "crash-points: PASS ($kills kill points at write/fsync/rename, each rerun equal to an uninterrupted run)" ||
  { echo "crash-points: FAIL"; exit 1; }
