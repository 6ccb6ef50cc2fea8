#!/usr/bin/env bash
# echo_server on the real kernel, driven by clients that are not simsock:
# bash's /dev/tcp, then echo_client. Loopback only; bounded in time.
#   outside_client_test.sh <build dir of examples/echo>
set -euo pipefail
dir=$1
port=$(( 20000 + $$ % 10000 ))
"$dir/echo_server" --addr "127.0.0.1:$port" > /tmp/echo_server.$$.log 2>&1 &
server=$!
trap 'kill $server 2>/dev/null || true; rm -f /tmp/echo_server.$$.log' EXIT

# Wait (at most 5 s) for the listener.
for _ in $(seq 50); do
  if (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then break; fi
  sleep 0.1
done

# An outside client: bash's /dev/tcp.
exec 3<>"/dev/tcp/127.0.0.1/$port"
printf 'hello, server' >&3
reply=""
IFS= read -r -t 5 -n 13 reply <&3 || true
exec 3>&-
if [ "$reply" != "hello, client" ]; then
  echo "outside client got '$reply'"; cat /tmp/echo_server.$$.log; exit 1
fi

# The seed's client, twice, 100 ms apart.
timeout 10 "$dir/echo_client" --addr "127.0.0.1:$port" --count 2 --interval-ms 100
grep -q "hello, server" /tmp/echo_server.$$.log
echo "outside client: ok"
