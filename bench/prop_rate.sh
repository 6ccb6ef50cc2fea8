#!/usr/bin/env bash
# The model-based property's rate (issue 10: >= 1,000 cases/s): runs
# ModelProp.SimKernelAgreesWithModel (props/model_prop.cc) for CASES cases
# with each of the seeds 1..RUNS and prints cases per second of wall time
# and of user CPU time (the CPU figure is what a loaded machine moves least).
#
#   bench/prop_rate.sh [BUILD_DIR] [CASES] [RUNS]     # defaults build/default 1000 3
set -euo pipefail
build=${1:-build/default}
cases=${2:-1000}
runs=${3:-3}
bin=$build/props/model_prop
[ -x "$bin" ] || { echo "prop_rate: $bin not built" >&2; exit 1; }
for seed in $(seq 1 "$runs"); do
  out=$( { /usr/bin/time -f "%e %U" env RC_PARAMS="max_success=$cases seed=$seed" \
    "$bin" --gtest_filter='ModelProp.SimKernelAgreesWithModel' >/dev/null; } 2>&1 | tail -1)
  read -r wall user <<<"$out"
  awk -v c="$cases" -v s="$seed" -v w="$wall" -v u="$user" 'BEGIN {
    printf "model_prop seed %d: %d cases in %.2f s wall (%.0f cases/s), %.2f s user (%.0f cases/s)\n",
           s, c, w, c / w, u, (u > 0 ? c / u : 0) }'
done
