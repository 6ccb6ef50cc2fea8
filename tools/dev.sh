#!/usr/bin/env bash
# The project's two entry points (see README.md):
#   tools/dev.sh run          set up, build, run the main job
#   tools/dev.sh test [asan]  set up, build, run every test (optionally under
#                             the asan preset: clang 14, ASan + UBSan), then
#                             build the API reference (default preset)
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
  # The main job needs no test binary: the echo example and the simsock
  # command.
  run) targets=(--target echo_sim simsock) ;;
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
    # ... then as an experiment over many seeds (docs/experiments.md): the
    # simsock command sweeps 200 seeds in parallel processes, checks the
    # echo scenario's invariants in each, and prints the table across seeds
    # with a replay line for each failing seed.
    out="build/$preset/main_job"
    rm -rf "$out" && mkdir -p "$out"
    simsock="build/$preset/cli/simsock"
    plan='from 0s loss 0.05 clients <-> server; from 20s to 40s partition client1 <-> server; at 45s crash server; at 55s restart server'
    echo
    echo "== a sweep: 200 seeds of the echo scenario, 20 clients each, under loss, a partition and a server crash"
    echo "\$ simsock sweep echo --seeds 1..200 --param clients=20 --faults '$plan' --jobs $jobs --jsonl $out/sweep.jsonl"
    status=0
    "$simsock" sweep echo --seeds 1..200 --param clients=20 --faults "$plan" \
      --jobs "$jobs" --jsonl "$out/sweep.jsonl" || status=$?
    [ "$status" -le 1 ] || exit "$status"  # 1: some seeds failed (a result)
    # One run again, the smallest failing seed (or seed 1), with its trace
    # and pcap: the same seed and plan replay the same run.
    seed=$(grep '"ok":false' "$out/sweep.jsonl" | sed -E 's/.*"seed":([0-9]+).*/\1/' | sort -n | head -n 1 || true)
    seed=${seed:-1}
    echo
    echo "== replaying seed $seed with its trace and pcap"
    echo "\$ simsock run echo --seed $seed --param clients=20 --faults '$plan' --trace $out/seed-$seed.trace --pcap $out/seed-$seed.pcapng"
    "$simsock" run echo --seed "$seed" --param clients=20 --faults "$plan" \
      --trace "$out/seed-$seed.trace" --pcap "$out/seed-$seed.pcapng" || [ $? -le 1 ]
    ;;
  test)
    exclude=slow
    # Under the sanitizers, the benchmarks (whose figures mean nothing
    # there; the asan preset does not build them) and the trace pins are
    # left out: the pins digest the same
    # scenarios, properties and example that the diff, props and unit
    # tests run under ASan anyway, and re-running them all costs some six
    # minutes of CI's 25. The default preset runs both.
    [ "$preset" = default ] || exclude='slow|bench|pins'
    # A fresh clone has no record of how long each test takes, so ctest
    # would start the tests in the order they were registered, and the
    # longest (the trace pins; under ASan the 10,000-client echo world, the
    # properties, the fuzzers) could start last and run alone at the end
    # while the other core idles. tools/ctest_costs/<preset>.txt (the long
    # tests' seconds, from earlier runs; in ctest's own cost-data format)
    # seeds that record so they start first; ctest keeps it up to date
    # after every run.
    costs="build/$preset/Testing/Temporary/CTestCostData.txt"
    if [ ! -f "$costs" ] && [ -f "tools/ctest_costs/$preset.txt" ]; then
      mkdir -p "$(dirname "$costs")"
      cp "tools/ctest_costs/$preset.txt" "$costs"
    fi
    ctest --preset "$preset" --label-exclude "$exclude" -j "$jobs"
    # The API reference (docs/Doxyfile.in): an undocumented public name or a
    # broken doc comment fails it. Once, with the default preset: the
    # headers are the same under asan.
    if [ "$preset" = default ]; then
      echo "== API reference: cmake --build --preset default --target docs"
      cmake --build --preset "$preset" --target docs
    fi
    ;;
  *)
    echo "usage: tools/dev.sh run|test [default|asan]" >&2
    exit 2
    ;;
esac
