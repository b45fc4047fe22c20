#!/usr/bin/env bash
# End-to-end NEON check (issue 6 item 4): `deepsweep train` on a 1,000-image
# MNIST slice for 1 epoch, natively on x86-64 and under qemu-aarch64, and
# compare the reported cost and every bit of the trained weights (--save).
#   tests/neon-e2e.sh [X86_BIN [AARCH64_BIN]]   (defaults build/deepsweep,
#                                                 build/aarch64/deepsweep)
# Expected, and checked:
#   aarch64 scalar == x86 scalar   bit for bit (same C, no FMA contraction
#                                   under -std=c17, IEEE everywhere)
#   aarch64 neon   == x86 avx2     bit for bit (both fuse every multiply-add,
#                                   same KC = 256 split of K, 8-float vectors
#                                   with the same reduction order)
#   aarch64 neon   ~  x86 scalar   close, not bit-exact: the scalar path
#                                   rounds a·b and then +c, the FMA paths once
# Correctness only: never time anything under qemu.
set -uo pipefail
x86=${1:-build/deepsweep}
arm=${2:-build/aarch64/deepsweep}
args=(train --dataset mnist --train-subset 1000 --epochs 1 --hidden 128,64
      --activation tanh --dropout 0.2 --seed 1 --threads 2)
# glibc from the cross sysroot, like its loader (see tests/qemu-aarch64.sh)
qemu=(qemu-aarch64 -L /usr/aarch64-linux-gnu -E LD_LIBRARY_PATH=/lib)

for b in "$x86" "$arm"; do
  [ -x "$b" ] || { echo "neon-e2e: FAIL: $b missing (make; make cross-aarch64)"; exit 1; }
done
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT

fail=0
run() { # tag, isa, runner...
  local tag=$1 isa=$2
  shift 2
  if ! DEEPSWEEP_ISA=$isa "$@" "${args[@]}" --save "$dir/$tag.st" >"$dir/$tag.txt" 2>&1; then
    sed 's/^/  | /' "$dir/$tag.txt"
    echo "neon-e2e: FAIL: $tag run failed"
    fail=1
    return 1
  fi
  local cost
  cost=$(grep -o 'cost = [^ ]*' "$dir/$tag.txt" | tail -n 1)
  echo "neon-e2e: $tag: ${cost:-no cost line} weights sha256 $(sha256sum <"$dir/$tag.st" | cut -c1-16)"
}
same() { # a, b, what
  if cmp -s "$dir/$1.st" "$dir/$2.st" &&
     [ "$(grep -o 'cost = [^ ]*' "$dir/$1.txt")" = "$(grep -o 'cost = [^ ]*' "$dir/$2.txt")" ]; then
    echo "neon-e2e: PASS: $1 == $2 bit for bit ($3)"
  else
    echo "neon-e2e: FAIL: $1 != $2 ($3)"
    fail=1
  fi
}

run x86-scalar scalar "$x86" || true
have_avx2=0
if DEEPSWEEP_ISA=avx2 "$x86" info >/dev/null 2>&1; then
  have_avx2=1
  run x86-avx2 avx2 "$x86" || true
fi
run arm-scalar scalar "${qemu[@]}" "$arm" || true
run arm-neon neon "${qemu[@]}" "$arm" || true
[ $fail -eq 0 ] || { echo "neon-e2e: FAIL"; exit 1; }

same arm-scalar x86-scalar "scalar reference on both"
if [ $have_avx2 -eq 1 ]; then
  same arm-neon x86-avx2 "fused multiply-adds, same blocking and reduction order"
else
  echo "neon-e2e: SKIP: this CPU has no avx2 to compare neon with"
fi
# neon against the x86 scalar path: relative difference of the cost
c1=$(grep -o 'cost = [^ ]*' "$dir/arm-neon.txt" | awk '{print $3}')
c2=$(grep -o 'cost = [^ ]*' "$dir/x86-scalar.txt" | awk '{print $3}')
rel=$(awk -v a="$c1" -v b="$c2" 'BEGIN { d = a - b; if (d < 0) d = -d; printf "%.3g", d / b }')
# bound: 1e-5 relative after one epoch (10 Adam steps) — the paths differ
# only in rounding (one rounding per FMA against two), ~1e-7 per operation
if awk -v r="$rel" 'BEGIN { exit !(r <= 1e-5) }'; then
  echo "neon-e2e: PASS: arm-neon vs x86-scalar cost: relative difference $rel (bound 1e-5; not bit-exact: FMA vs multiply-then-add)"
else
  echo "neon-e2e: FAIL: arm-neon vs x86-scalar cost: relative difference $rel > 1e-5"
  fail=1
fi
[ $fail -eq 0 ] && echo "neon-e2e: PASS" || { echo "neon-e2e: FAIL"; exit 1; }
