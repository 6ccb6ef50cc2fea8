#!/usr/bin/env bash
# Installs the Debian packages simsock builds with. Idempotent and quick when
# everything is already there; needs root (or sudo) only when something is
# missing. Nothing else is downloaded, at set-up or at build time.
set -euo pipefail

packages=(
  cmake ninja-build g++ clang-14 libclang-rt-14-dev clang-format-14
  libgtest-dev libgmock-dev librapidcheck-dev
  libboost-context-dev libbenchmark-dev libcli11-dev
  doxygen graphviz
  # Unmodified programs the exec tests run (docs/exec.md): Debian's netcat.
  netcat-openbsd
)

missing=()
for p in "${packages[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$p")
  fi
done

if [ ${#missing[@]} -eq 0 ]; then
  exit 0
fi

echo "setup: installing ${missing[*]}"
sudo_cmd=()
if [ "$(id -u)" -ne 0 ]; then sudo_cmd=(sudo); fi
export DEBIAN_FRONTEND=noninteractive
"${sudo_cmd[@]}" apt-get update -qq
"${sudo_cmd[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}"
