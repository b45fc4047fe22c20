#!/usr/bin/env bash
# Proof that baseline code holds no stray AVX: on an emulated Nehalem (SSE4.2,
# no AVX) `deepsweep info` must choose the scalar ISA and the GEMM test suite
# must pass. Only correctness runs here: never time anything under qemu.
#   tests/qemu-nehalem.sh build/deepsweep build/deepsweep-tests
# Prints PASS or FAIL per check and exits non-zero if any check failed.
set -uo pipefail

bin=${1:?usage: qemu-nehalem.sh DEEPSWEEP_BIN TEST_BIN}
tests=${2:?usage: qemu-nehalem.sh DEEPSWEEP_BIN TEST_BIN}
qemu=(qemu-x86_64 -cpu Nehalem)
command -v qemu-x86_64 >/dev/null || { echo "qemu-nehalem: FAIL: qemu-x86_64 not found (install qemu-user)"; exit 1; }

fail=0
check() { # name, status
  if [ "$2" -eq 0 ]; then echo "qemu-nehalem: PASS: $1"; else echo "qemu-nehalem: FAIL: $1"; fail=1; fi
}

log=$(mktemp)
shim=$(mktemp --suffix=.so)
trap 'rm -f "$log" "$shim"' EXIT
# Criterion re-executes the test binary for each test; under qemu-user that
# exec would leave the emulator. The shim (see its source) keeps it inside.
# Built for baseline x86-64: it runs emulated.
${CC:-cc} -O2 -march=x86-64 -shared -fPIC -o "$shim" "$(dirname "$0")/qemu/exec_shim.c" ||
  { echo "qemu-nehalem: FAIL: cannot build tests/qemu/exec_shim.c"; exit 1; }

# 1. dispatch picks scalar (DEEPSWEEP_ISA unset: the automatic choice)
env -u DEEPSWEEP_ISA "${qemu[@]}" "$bin" info >"$log" 2>&1
st=$?
isa=$(awk '$1 == "isa" && NF == 2 { print $2 }' "$log")
if [ $st -ne 0 ] || [ "$isa" != scalar ]; then
  sed 's/^/  | /' "$log"
  check "deepsweep info reports isa scalar (got '${isa:-nothing}', exit $st)" 1
else
  check "deepsweep info reports isa scalar" 0
fi

# 2. the GEMM suite, and the test that proves Criterion's test processes ran
#    inside the emulator: it fails if they see the host's AVX2. --jobs 1
#    keeps one emulated test process at a time.
for filter in 'dispatch/best_isa_as_expected' 'gemm/*'; do
  env -u DEEPSWEEP_ISA DEEPSWEEP_EXPECT_BEST_ISA=scalar LD_PRELOAD="$shim" \
    DS_QEMU_WRAP="$(command -v qemu-x86_64)" DS_QEMU_CPU=Nehalem \
    "${qemu[@]}" "$tests" --jobs 1 --filter "$filter" >"$log" 2>&1
  st=$?
  if [ $st -ne 0 ] || ! grep -q 'Synthesis: Tested: [1-9]' "$log"; then
    if [ -s "$log" ]; then sed 's/^/  | /' "$log"; else echo "  | (no output)"; fi
    check "tests '$filter' under qemu Nehalem (exit $st)" 1
  else
    check "tests '$filter' under qemu Nehalem: $(grep -o 'Tested: .*' "$log")" 0
  fi
done

if [ $fail -ne 0 ]; then echo "qemu-nehalem: FAIL"; exit 1; fi
echo "qemu-nehalem: PASS"
