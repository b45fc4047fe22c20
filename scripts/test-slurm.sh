#!/usr/bin/env bash
# `make test-slurm`: a single-node Slurm cluster on localhost (slurm-wlm +
# munge, daemons started here, stopped at exit), a 3-task job array of
# scripts/slurm-sweep.sbatch, merged with `deepsweep merge` and compared with
# a single-process run on every deterministic column.
#   scripts/test-slurm.sh BIN        (as root; packages: install-deps.sh slurm)
set -euo pipefail
BIN=$(readlink -f "${1:-build/deepsweep}")
ROOT=$(cd "$(dirname "$0")/.." && pwd)
for t in munged slurmctld slurmd sbatch sinfo; do
  command -v $t > /dev/null || { echo "test-slurm: $t not found (run scripts/install-deps.sh slurm)"; exit 1; }
done
[ "$(id -u)" -eq 0 ] || { echo "test-slurm: needs root (munge key, slurm daemons)"; exit 1; }

T=$(mktemp -d /tmp/ds-slurm-XXXXXX)
chmod 755 "$T"
pids=()
started_munge=0
cleanup() {
  [ -n "${SLURM_CONF:-}" ] && scancel --quiet --user=root 2>/dev/null || true
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
  for p in "${pids[@]}"; do wait "$p" 2>/dev/null || true; done
  if [ $started_munge -eq 1 ] && [ -f /run/munge/munged.pid ]; then
    kill "$(cat /run/munge/munged.pid)" 2>/dev/null || true
  fi
  rm -rf "$T"
}
trap cleanup EXIT

# munge: a key and a running munged (left alone if one already runs)
if ! munge -n > /dev/null 2>&1; then
  if [ ! -s /etc/munge/munge.key ]; then
    mkdir -p /etc/munge
    dd if=/dev/urandom of=/etc/munge/munge.key bs=1024 count=1 status=none
  fi
  chown munge:munge /etc/munge/munge.key && chmod 0400 /etc/munge/munge.key
  mkdir -p /run/munge /var/lib/munge /var/log/munge && chown munge:munge /run/munge /var/lib/munge /var/log/munge
  runuser -u munge -- /usr/sbin/munged --force
  started_munge=1
  for _ in $(seq 50); do munge -n > /dev/null 2>&1 && break; sleep 0.1; done
fi
munge -n | unmunge > /dev/null || { echo "test-slurm: munge does not work"; exit 1; }

# slurm.conf: this host as controller and the only node, state in $T
host=$(hostname -s)
mem=$(( $(awk '/MemTotal/ {print $2}' /proc/meminfo) / 1024 / 2 ))
cpus=$(nproc)
mkdir -p "$T/state" "$T/spool" "$T/log"
cat > "$T/slurm.conf" <<CONF
ClusterName=deepsweep-test
SlurmctldHost=$host
SlurmUser=root
SlurmdUser=root
AuthType=auth/munge
CredType=cred/munge
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
JobAcctGatherType=jobacct_gather/none
SelectType=select/cons_tres
SelectTypeParameters=CR_Core
ReturnToService=2
SlurmctldPort=$((16817 + RANDOM % 1000))
SlurmdPort=$((17818 + RANDOM % 1000))
StateSaveLocation=$T/state
SlurmdSpoolDir=$T/spool
SlurmctldPidFile=$T/slurmctld.pid
SlurmdPidFile=$T/slurmd.pid
SlurmctldLogFile=$T/log/slurmctld.log
SlurmdLogFile=$T/log/slurmd.log
MpiDefault=none
NodeName=$host CPUs=$cpus RealMemory=$mem State=UNKNOWN
PartitionName=debug Nodes=$host Default=YES MaxTime=INFINITE State=UP
CONF
export SLURM_CONF="$T/slurm.conf"
t0=$(date +%s)
/usr/sbin/slurmctld -D -f "$SLURM_CONF" > "$T/log/slurmctld.out" 2>&1 & pids+=($!)
/usr/sbin/slurmd -D -f "$SLURM_CONF" > "$T/log/slurmd.out" 2>&1 & pids+=($!)
up=0
for _ in $(seq 60); do
  if sinfo -h -o '%T' 2>/dev/null | grep -qE '^(idle|mixed|allocated)'; then up=1; break; fi
  sleep 1
done
if [ $up -eq 0 ]; then
  echo "test-slurm: the node did not come up in 60 s; logs:"
  tail -n 20 "$T"/log/* || true
  exit 1
fi
echo "test-slurm: slurmctld + slurmd up in $(( $(date +%s) - t0 )) s ($(sinfo -h -o '%N %T %c CPUs'))"

# the sweep: 18 XOR runs
cd "$T"
mkdir work && cd work
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
job=$(DEEPSWEEP="$BIN" sbatch --parsable --wait --array=0-2 "$ROOT/scripts/slurm-sweep.sbatch" s.yaml) || {
  echo "test-slurm: sbatch failed"; cat slurm-*.out 2>/dev/null; tail -n 20 "$T"/log/*; exit 1; }
echo "test-slurm: job array $job finished: $(ls -d results/s/shard-*-of-3 | tr '\n' ' ')"
"$BIN" merge merged results/s/shard-0-of-3 results/s/shard-1-of-3 results/s/shard-2-of-3
det_runs() { python3 "$ROOT/tests/det-columns.py" "$1"; }
fail=0
cmp <(det_runs single/runs.csv) <(det_runs merged/runs.csv) || { echo "FAIL: runs.csv differs"; fail=1; }
cmp <(det_runs single/epochs.csv) <(det_runs merged/epochs.csv) || { echo "FAIL: epochs.csv differs"; fail=1; }
cmp <(sort single/layers.csv) <(sort merged/layers.csv) || { echo "FAIL: layers.csv differs"; fail=1; }
n=$(($(wc -l < merged/runs.csv) - 1))
if [ $fail -eq 0 ]; then
  echo "test-slurm: PASS (3-task job array, $n runs merged == single process; $(( $(date +%s) - t0 )) s)"
else
  echo "test-slurm: FAIL"; exit 1
fi
