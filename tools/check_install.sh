#!/usr/bin/env bash
# Installs the default build into a scratch prefix and builds a small
# consumer project against it with find_package(simsock).
set -euo pipefail
cd "$(dirname "$0")/.."
prefix=$(mktemp -d)
trap 'rm -rf "$prefix"' EXIT
cmake --install build/default --prefix "$prefix/install" >/dev/null
cmake -S tools/consumer -B "$prefix/build" -G Ninja \
  -DCMAKE_PREFIX_PATH="$prefix/install" >/dev/null
cmake --build "$prefix/build" >/dev/null
"$prefix/build/consumer"
