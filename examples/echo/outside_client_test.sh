#!/usr/bin/env bash
# echo_server on the real kernel, driven by clients that are not simsock:
# bash's /dev/tcp, then echo_client. Loopback only; bounded in time.
#   outside_client_test.sh <build dir of examples/echo>
set -euo pipefail
dir=$1
# Ports 10000-18999: below the differential tests' range (20000-31999) and
# Linux's ephemeral range, so a parallel test rarely holds the port; if the
# server cannot listen (it exits), try another one.
log=/tmp/echo_server.$$.log
server=""
trap 'if [ -n "$server" ]; then kill $server 2>/dev/null || true; fi; rm -f $log' EXIT
for attempt in $(seq 5); do
  port=$(( 10000 + ($$ * 7 + attempt * 1013) % 9000 ))
  "$dir/echo_server" --addr "127.0.0.1:$port" > $log 2>&1 &
  server=$!
  # Wait (at most 5 s) for the listener, while the server lives.
  up=0
  for _ in $(seq 50); do
    if ! kill -0 $server 2>/dev/null; then break; fi
    if (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then up=1; break; fi
    sleep 0.1
  done
  if [ $up = 1 ] && kill -0 $server 2>/dev/null; then break; fi
  kill $server 2>/dev/null || true
  wait $server 2>/dev/null || true
  server=""
done
if [ -z "$server" ]; then
  echo "echo_server could not listen"; cat $log; exit 1
fi

# An outside client: bash's /dev/tcp.
exec 3<>"/dev/tcp/127.0.0.1/$port"
printf 'hello, server' >&3
reply=""
IFS= read -r -t 5 -n 13 reply <&3 || true
exec 3>&-
if [ "$reply" != "hello, client" ]; then
  echo "outside client got '$reply'"; cat $log; exit 1
fi

# The seed's client, twice, 100 ms apart.
timeout 10 "$dir/echo_client" --addr "127.0.0.1:$port" --count 2 --interval-ms 100
grep -q "hello, server" $log
echo "outside client: ok"
