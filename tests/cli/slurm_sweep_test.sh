#!/usr/bin/env bash
# The `slurm` test (issue 9 §5): a sweep of 40 seeds as a Slurm job array
# on a real single-node cluster (tools/slurm_cluster.sh), merged with
# `simsock merge`, must print the same table as the same sweep run locally.
# The wall-time line ("wall ...") differs from run to run and is left out of
# the comparison; everything else must be byte-identical.
#
#   slurm_sweep_test.sh SIMSOCK SOURCE_DIR WORK_DIR
#
# Leaves nothing behind: the cluster is stopped (its own PIDs) and WORK_DIR's
# temporary directory removed on every exit path.
set -euo pipefail
simsock=$1
source_dir=$2
work_root=$3

if [[ $(id -u) -ne 0 ]]; then
  echo "slurm test: needs root (the cluster's daemons run as root); skipped"
  exit 77  # ctest's SKIP_RETURN_CODE
fi
# Not inside an outer Slurm job's environment: sbatch would join it.
for v in $(compgen -e | grep -E '^(SLURM|SBATCH|SRUN|SALLOC|SQUEUE|SINFO)_' || true); do
  unset "$v"
done

mkdir -p "$work_root"
work=$(mktemp -d "$work_root/slurm-sweep.XXXXXX")
chmod 755 "$work"  # munged wants o+x on every directory up to its socket
cluster=
cleanup() {
  local rc=$?
  trap - EXIT INT TERM
  if [[ -n $cluster && -d $cluster ]]; then
    if [[ $rc -ne 0 ]]; then
      echo "--- slurm logs (last lines) ---"
      tail -n 15 "$cluster"/log/*.log 2>/dev/null || true
      tail -n 15 "$work"/sweep/slurm-*.out 2>/dev/null || true
    fi
    bash "$source_dir/tools/slurm_cluster.sh" stop "$cluster" || rc=1
  fi
  rm -rf "$work"
  exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

start=$(date +%s.%N)
cluster=$(bash "$source_dir/tools/slurm_cluster.sh" start "$work/cluster")
export SLURM_CONF=$cluster/etc/slurm.conf

plan='from 0s loss 0.05 clients <-> server; at 20s crash server; at 25s restart server'
args=(echo --seeds 1..40 --param clients=3 --faults "$plan")

"$simsock" sweep "${args[@]}" --jobs 1 --tasks 4 --slurm "$work/sweep" --submit \
  | tee "$work/submit.txt"
job=$(awk '/^submitted job / { print $3 }' "$work/submit.txt")
[[ -n $job ]] || { echo "FAIL: no job id in the sweep's output"; exit 1; }

# Bounded wait: the array is done when squeue no longer lists it.
deadline=$((SECONDS + 600))
while [[ -n $(squeue -h -j "$job" -o %i 2>/dev/null || true) ]]; do
  if ((SECONDS > deadline)); then
    echo "FAIL: job $job not finished after 600 s"
    squeue -j "$job" || true
    exit 1
  fi
  sleep 0.5
done

shards=("$work"/sweep/shard-*.jsonl)
[[ ${#shards[@]} -eq 4 ]] || { echo "FAIL: ${#shards[@]} shard files, not 4"; ls -l "$work/sweep"; exit 1; }
lines=$(cat "${shards[@]}" | wc -l)
[[ $lines -eq 40 ]] || { echo "FAIL: $lines JSON lines, not 40"; exit 1; }

# merge and the local sweep exit 1 when seeds fail: a result here.
"$simsock" merge "$work/sweep" >"$work/merged.txt" || [[ $? -eq 1 ]]
"$simsock" sweep "${args[@]}" --jobs 2 >"$work/local.txt" 2>/dev/null || [[ $? -eq 1 ]]

grep -v '^wall' "$work/merged.txt" >"$work/merged.table"
grep -v '^wall' "$work/local.txt" >"$work/local.table"
grep -q '^scenario echo: 40 runs (seeds 1..40)' "$work/merged.table" ||
  { echo "FAIL: the merged table is not a table of 40 runs"; cat "$work/merged.txt"; exit 1; }
if ! diff -u "$work/local.table" "$work/merged.table"; then
  echo "FAIL: the merged table differs from the local sweep's"
  exit 1
fi
cat "$work/merged.txt"
echo "slurm test: 40 seeds in 4 array tasks, merged table = local table" \
     "($(awk -v a="$start" -v b="$(date +%s.%N)" 'BEGIN { printf "%.1f", b - a }') s)"
