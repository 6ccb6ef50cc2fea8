#!/usr/bin/env bash
# The project's two entry points (see README.md):
#   tools/dev.sh run          set up, build, run the main job
#   tools/dev.sh test [asan]  set up, build, run every test (optionally under
#                             the asan preset: clang 14, ASan + UBSan)
set -euo pipefail
cd "$(dirname "$0")/.."

what=${1:-run}
preset=${2:-default}

bash tools/setup.sh
cmake --preset "$preset" >/dev/null
# One compile job per core: Ninja's default (cores + 2) oversubscribes a
# 2-core machine with heavy C++ compiles.
jobs=$(nproc 2>/dev/null || echo 2)
case "$what" in
  run) targets=(--target echo_sim) ;;  # the main job needs no test binary
  *) targets=() ;;
esac
cmake --build --preset "$preset" -j "$jobs" "${targets[@]}"

case "$what" in
  run)
    # The seed's echo server and three clients in a simulated world: the
    # timeline in virtual time (costs no wall time) ...
    echo "== the seed's story: echo server and 3 clients, virtual time"
    "build/$preset/examples/echo/echo_sim" --clients 3
    # ... and the same programs as a fault-injection experiment, from a
    # fault plan (docs/faults.md): lossy, jittery links, and the server
    # host crashing at 45 s, back at 55 s.
    echo
    echo "== fault injection: 10% loss, 5 ms jitter, server crash at 45 s, restart at 55 s"
    "build/$preset/examples/echo/echo_sim" --clients 3 --seed 3 --faults \
      'from 0s loss 0.1 clients <-> server; from 0s jitter 5ms clients <-> server; at 45s crash server; at 55s restart server'
    ;;
  test)
    ctest --preset "$preset" --label-exclude slow -j "$jobs"
    ;;
  *)
    echo "usage: tools/dev.sh run|test [default|asan]" >&2
    exit 2
    ;;
esac
