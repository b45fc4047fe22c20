#!/usr/bin/env bash
# Install, only when missing, the Debian packages deepsweep needs.
#   scripts/install-deps.sh GROUP...   groups: build test plots data bench cross slurm fuzz torch
# apt-get update runs once, and only when something is missing. Works as root,
# or through sudo otherwise. Quiet when everything is already present.
set -euo pipefail

declare -A GROUP=(
  [build]="gcc make pkg-config libhwloc-dev libyaml-dev zlib1g-dev"
  [test]="libcriterion-dev qemu-user python3 gnuplot-nox"
  [plots]="gnuplot-nox"
  [data]="dataset-fashion-mnist ca-certificates"
  [bench]="libopenblas-dev"
  # aarch64 cross build (make cross-aarch64 / test-neon): the deepsweep binary
  # links hwloc, yaml and zlib for arm64 through Debian multiarch (pkgconf:arm64:
  # the aarch64-linux-gnu-pkg-config the Makefile asks for their flags)
  [cross]="gcc-aarch64-linux-gnu libc6-dev-arm64-cross qemu-user libhwloc-dev:arm64 libyaml-dev:arm64 zlib1g-dev:arm64 pkgconf:arm64"
  [slurm]="slurm-wlm munge"
  # make test-crash (strace's fault injection) and make test-valgrind
  [safety]="strace valgrind"
  # libFuzzer targets (make fuzz): clang, its fuzzer runtime and OpenMP
  [fuzz]="clang-14 libclang-rt-14-dev libomp-14-dev"
  [torch]="python3-torch"
)

[ $# -gt 0 ] || set -- build
want=()
for g in "$@"; do
  [ -n "${GROUP[$g]+x}" ] || { echo "install-deps.sh: unknown group '$g' (valid: ${!GROUP[*]})" >&2; exit 2; }
  want+=(${GROUP[$g]})
done
# npm: any working npm will do (the machine image may ship its own Node.js).
for g in "$@"; do
  if [ "$g" = data ] && ! command -v npm >/dev/null 2>&1; then want+=(npm); fi
done

missing=()
native=$(dpkg --print-architecture)
for p in "${want[@]}"; do
  # one status line per installed architecture once multiarch is on (e.g.
  # libhwloc-dev amd64 and arm64): a plain name wants the native (or "all")
  # one, name:arch that arch
  arch="$native|all"
  [ "${p##*:}" = "$p" ] || arch=${p##*:}
  dpkg-query -W -f='${Status} ${Architecture}\n' "$p" 2>/dev/null |
    grep -Eqx "install ok installed ($arch)" || missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0

# de-duplicate
mapfile -t missing < <(printf '%s\n' "${missing[@]}" | sort -u)
echo "install-deps.sh: installing ${missing[*]}" >&2
SUDO=()
if [ "$(id -u)" -ne 0 ]; then
  command -v sudo >/dev/null 2>&1 || { echo "install-deps.sh: need root or sudo to install: ${missing[*]}" >&2; exit 1; }
  SUDO=(sudo)
fi
export DEBIAN_FRONTEND=noninteractive
# multiarch packages (name:arm64) need their architecture known to dpkg first
for p in "${missing[@]}"; do
  a=${p##*:}
  [ "$a" != "$p" ] || continue
  dpkg --print-foreign-architectures | grep -qx "$a" || "${SUDO[@]}" dpkg --add-architecture "$a"
done
"${SUDO[@]}" apt-get update -qq >&2
"${SUDO[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}" >&2
