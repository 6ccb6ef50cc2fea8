#!/usr/bin/env bash
# Unpacks Debian's redis-server, redis-tools and memcached into a directory
# of the project's own, for the acceptance tests of `simsock exec`
# (tests/exec/exec_servers_test.cc, ctest label `servers`), and prints that
# directory's bin/ path.
#
#   tools/install_servers.sh DIR     (e.g. build/default/servers)
#
# The packages are unpacked (dpkg-deb -x), not installed: installing them
# would start and enable a system redis and memcached service on the
# user's machine. Their shared libraries (libjemalloc2, liblzf1,
# libevent-2.1-7, libsasl2-2, ...), which start nothing, are installed
# with apt-get. The tests start each server themselves and stop it by PID.
# Idempotent and quick once done; needs root (or sudo) only to install the
# libraries.
set -euo pipefail

dir=${1:?usage: tools/install_servers.sh DIR}
mkdir -p "$dir"
dir=$(cd "$dir" && pwd)
root=$dir/root
bin=$root/usr/bin

installed() {
  [ -x "$bin/redis-server" ] && [ -x "$bin/redis-benchmark" ] &&
    [ -x "$bin/memcached" ]
}
if installed; then
  echo "$bin"
  exit 0
fi
# ctest runs the servers' tests in parallel, each calling this script: one
# installs while the others wait for the lock, then find it done.
exec 9>"$dir/.lock"
flock 9
if installed; then
  echo "$bin"
  exit 0
fi

sudo_cmd=()
if [ "$(id -u)" -ne 0 ]; then sudo_cmd=(sudo); fi
export DEBIAN_FRONTEND=noninteractive
log=$(mktemp)
trap 'rm -f "$log"' EXIT
fail() {
  echo "install_servers: $1:" >&2
  tail -20 "$log" >&2
  exit 1
}

libs=(libjemalloc2 liblzf1 libssl3 libsystemd0 libatomic1 libevent-2.1-7
      libsasl2-2)
missing=()
for p in "${libs[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null |
       grep -q "install ok installed"; then
    missing+=("$p")
  fi
done
if [ ${#missing[@]} -gt 0 ]; then
  { "${sudo_cmd[@]}" apt-get update -qq &&
    "${sudo_cmd[@]}" apt-get install -y -qq --no-install-recommends \
      "${missing[@]}"; } >"$log" 2>&1 || fail "apt-get install ${missing[*]}"
fi

debs=$dir/debs
mkdir -p "$debs"
(
  cd "$debs"
  # apt-get download runs as the caller (no root needed); the package
  # lists may be missing on a fresh machine: update them once, then retry.
  if ! apt-get download redis-server redis-tools memcached >"$log" 2>&1; then
    "${sudo_cmd[@]}" apt-get update -qq >>"$log" 2>&1 || true
    apt-get download redis-server redis-tools memcached >>"$log" 2>&1 ||
      fail "apt-get download"
  fi
)
# Unpacked into a fresh directory first, renamed into place once whole:
# an interrupted run leaves no half tree that looks installed.
rm -rf "$root.new"
for deb in "$debs"/*.deb; do
  dpkg-deb -x "$deb" "$root.new" || fail "dpkg-deb -x $deb"
done
rm -rf "$root"
mv "$root.new" "$root"
for prog in redis-server redis-benchmark redis-cli memcached; do
  [ -x "$bin/$prog" ] || fail "$prog missing from the unpacked packages"
done
echo "$bin"
