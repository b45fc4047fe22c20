#!/usr/bin/env bash
# make test-neon: the kernel tests (the tests/test_*.c files that need only
# kernels/ headers: KTEST_SRC in the Makefile), built for aarch64 by
# `make cross-aarch64`, under qemu-aarch64, then `deepsweep info` to show the dispatcher picks neon.
#   tests/qemu-aarch64.sh build/aarch64/deepsweep-kernel-tests [--filter GLOB]
# Correctness only: never time anything under qemu. The last line printed is
# "N passed, N failed"; the exit status is non-zero if anything failed.
set -uo pipefail

tests=${1:?usage: qemu-aarch64.sh KERNEL_TEST_BIN [--filter GLOB]}
shift
prefix=/usr/aarch64-linux-gnu
# LD_LIBRARY_PATH=/lib is the guest's view of $prefix/lib: glibc comes from
# the cross sysroot, matching its loader. Without it the loader (cross
# 2.36-8cross1) would take libc.so.6 from the multiarch libc6:arm64 (newer,
# pulled in by libhwloc-dev:arm64) found through the host's ld.so.cache, and
# the mismatched pair spins forever in the first pthread_create.
qemu=(qemu-aarch64 -L "$prefix" -E LD_LIBRARY_PATH=/lib)
command -v qemu-aarch64 >/dev/null || { echo "qemu-aarch64 not found (scripts/install-deps.sh cross)"; echo "0 passed, 1 failed"; exit 1; }
dsbin=$(dirname "$tests")/deepsweep

log=$(mktemp)
trap 'rm -f "$log"' EXIT
extra_fail=0

# The dispatcher's automatic choice on an emulated ARMv8 CPU with ASIMD.
if [ -x "$dsbin" ]; then
  env -u DEEPSWEEP_ISA "${qemu[@]}" "$dsbin" info >"$log" 2>&1
  isa=$(awk '$1 == "isa" && NF == 2 { print $2 }' "$log")
  if [ "$isa" = neon ]; then
    echo "test-neon: PASS: deepsweep info under qemu-aarch64 reports isa neon"
  else
    sed 's/^/  | /' "$log"
    echo "test-neon: FAIL: deepsweep info under qemu-aarch64 reports isa '${isa:-nothing}', want neon"
    extra_fail=1
  fi
fi

# The tests fork one process per test; OpenMP gets 2 threads so the
# 1-vs-2-thread bit-identity tests really split work.
# Timeouts (set for native runs, to catch hangs) are scaled for emulation.
# team/small_shapes_stay_on_one_thread_large_ones_split checks the thread
# cost model's choices, which follow measured speeds: under emulation a
# 1,600-FMA GEMM is slow enough that splitting it pays, so the choice differs
# by design. It is a timing test, and nothing is timed under qemu.
CRM_TIMEOUT_SCALE=${CRM_TIMEOUT_SCALE:-5} OMP_NUM_THREADS=${OMP_NUM_THREADS:-2} "${qemu[@]}" "$tests" \
  --exclude 'team/small_shapes_stay_on_one_thread_large_ones_split' "$@" 2>&1 | tee "$log" |
  grep -E '^\[(PASS|FAIL|CRASH|TIMEOUT|SKIP)\]|Assertion failed|^Synthesis'
st=${PIPESTATUS[0]}
last=$(tail -n 1 "$log")
if ! [[ $last =~ ^([0-9]+)\ passed,\ ([0-9]+)\ failed$ ]]; then
  echo "test-neon: the test binary ended without a summary (exit $st); its last lines:"
  tail -n 20 "$log" | sed 's/^/  | /'
  echo "0 passed, $((1 + extra_fail)) failed"
  exit 1
fi
info_pass=0
[ -x "$dsbin" ] && [ "$extra_fail" -eq 0 ] && info_pass=1
passed=$((BASH_REMATCH[1] + info_pass))
failed=$((BASH_REMATCH[2] + extra_fail))
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ] && [ "$st" -eq 0 ]
