#!/usr/bin/env bash
# Installs tshark (Debian's package) for the pcapng test (tests/tshark/,
# ctest label `tshark`). Idempotent and quiet: exits 0 at once when tshark
# is already there. Needs root (or sudo) only to install. Kept out of
# tools/setup.sh: tshark and its libraries are large, and `tools/dev.sh run`
# does not need them.
set -euo pipefail

if command -v tshark >/dev/null 2>&1; then
  exit 0
fi

sudo_cmd=()
if [ "$(id -u)" -ne 0 ]; then sudo_cmd=(sudo); fi
# wireshark-common asks whether non-root users may capture (a setuid
# dumpcap); the test only reads files, so: no, and no question.
echo "wireshark-common wireshark-common/install-setuid boolean false" |
  "${sudo_cmd[@]}" debconf-set-selections
export DEBIAN_FRONTEND=noninteractive
log=$(mktemp)
trap 'rm -f "$log"' EXIT
if ! { "${sudo_cmd[@]}" apt-get update -qq &&
       "${sudo_cmd[@]}" apt-get install -y -qq --no-install-recommends tshark; } \
       >"$log" 2>&1; then
  echo "install_tshark: apt-get failed:" >&2
  tail -20 "$log" >&2
  exit 1
fi
if ! command -v tshark >/dev/null 2>&1; then
  echo "install_tshark: tshark is still missing after apt-get" >&2
  exit 1
fi
