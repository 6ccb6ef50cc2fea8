#!/usr/bin/env bash
# The simsock command end to end (label `unit`): list, run (summary, exit
# status, trace and pcap files, a bad plan), sweep (table, JSON lines, the
# same table whatever the jobs and shards), merge, the Slurm script, shrink,
# and a user's own command (examples/own_command).
#
#   command_test.sh SIMSOCK GREETER_COMMAND WORK_DIR
set -euo pipefail
simsock=$1
greeter=$2
mkdir -p "$3"
work=$(mktemp -d "$3/command.XXXXXX")
trap 'rm -rf "$work"' EXIT
fail() { echo "FAIL: $*"; exit 1; }
# Runs a command that may exit 0 or 1 (1: an invariant broke), not 2.
run01() { "$@" || [[ $? -eq 1 ]] || fail "$* exited with $?"; }

# list
"$simsock" list >"$work/list.txt"
grep -q '^echo ' "$work/list.txt" || fail "list has no echo: $(cat "$work/list.txt")"
grep -q '^kv ' "$work/list.txt" || fail "list has no kv"
"$simsock" --help | grep -q sweep || fail "--help lists no sweep"
"$simsock" sweep --help | grep -q -- '--shard' || fail "sweep --help lists no --shard"

# run: summary, files; the same seed twice gives the same trace hash.
plan='from 0s loss 0.05 clients <-> server; at 20s crash server; at 25s restart server'
run01 "$simsock" run echo --seed 3 --param clients=3 --faults "$plan" \
  --trace "$work/t.trace" --pcap "$work/t.pcap" >"$work/run1.txt"
grep -q '^scenario echo, seed 3$' "$work/run1.txt" || fail "run: no summary: $(cat "$work/run1.txt")"
grep -q '^violations: ' "$work/run1.txt" || fail "run: no violations line"
[[ -s $work/t.trace && -s $work/t.pcap ]] || fail "run wrote no trace or pcap"
run01 "$simsock" run echo --seed 3 --param clients=3 --faults "$plan" >"$work/run2.txt"
h1=$(grep -o 'trace hash [0-9a-f]*' "$work/run1.txt")
h2=$(grep -o 'trace hash [0-9a-f]*' "$work/run2.txt")
[[ -n $h1 && $h1 == "$h2" ]] || fail "run: trace hashes differ ($h1 / $h2)"

# --trace -: the trace on stdout, then the summary.
run01 "$simsock" run echo --seed 2 --param clients=2 --trace - >"$work/stdout.txt"
summary_at=$(grep -n '^scenario echo, seed 2$' "$work/stdout.txt" | cut -d: -f1)
[[ -n $summary_at && $summary_at -gt 10 ]] || fail "--trace -: no trace before the summary"
grep -q '^violations: ' "$work/stdout.txt" || fail "--trace -: no summary"

# Bad input: exit 2 with a message.
set +e
"$simsock" run echo --seed 1 --faults 'at 5s crash' >/dev/null 2>"$work/err.txt"; rc=$?
set -e
[[ $rc -eq 2 ]] && grep -q 'faults' "$work/err.txt" || fail "a bad plan: exit $rc, $(cat "$work/err.txt")"
set +e
"$simsock" run nosuch --seed 1 >/dev/null 2>"$work/err.txt"; rc=$?
set -e
[[ $rc -eq 2 ]] && grep -q "no scenario 'nosuch'" "$work/err.txt" || fail "unknown scenario: exit $rc"
set +e
"$simsock" run echo --seed 1 --pcap "$work/no/such/dir/t.pcap" >"$work/out.txt" 2>&1; rc=$?
set -e
[[ $rc -eq 2 ]] && grep -q "cannot open the pcap file $work/no/such/dir/t.pcap" "$work/out.txt" \
  && ! grep -q 'written to' "$work/out.txt" || fail "an unwritable pcap: exit $rc, $(cat "$work/out.txt")"
set +e
"$simsock" sweep echo --seeds 5..1 >/dev/null 2>"$work/err.txt"; rc=$?
set -e
[[ $rc -eq 2 ]] || fail "an empty seed range: exit $rc"

# sweep: JSON lines (one per seed, nothing else), the table.
args=(echo --seeds 1..12 --param clients=3 --faults "$plan")
run01 "$simsock" sweep "${args[@]}" --jobs 2 --jsonl "$work/all.jsonl" >"$work/sweep2.txt" 2>"$work/progress.txt"
[[ $(wc -l <"$work/all.jsonl") -eq 12 ]] || fail "sweep wrote $(wc -l <"$work/all.jsonl") JSON lines, not 12"
[[ $(grep -c '^{"bytes":' "$work/all.jsonl") -eq 12 ]] || fail "a JSON line is not a result"
grep -q '^scenario echo: 12 runs (seeds 1..12)' "$work/sweep2.txt" || fail "sweep: no table: $(cat "$work/sweep2.txt")"
grep -q '^wall time per run' "$work/sweep2.txt" || fail "sweep: no wall time line"
grep -q '12/12 runs' "$work/progress.txt" || fail "sweep: no progress: $(cat "$work/progress.txt")"
# The same table with one job, and from three shards merged.
run01 "$simsock" sweep "${args[@]}" --jobs 1 >"$work/sweep1.txt" 2>/dev/null
diff <(grep -v '^wall' "$work/sweep1.txt") <(grep -v '^wall' "$work/sweep2.txt") ||
  fail "the table depends on --jobs"
mkdir "$work/shards"
for i in 0 1 2; do
  run01 "$simsock" sweep "${args[@]}" --jobs 1 --shard "$i/3" \
    --jsonl "$work/shards/shard-$i.jsonl" >/dev/null 2>&1
done
[[ $(cat "$work"/shards/*.jsonl | wc -l) -eq 12 ]] || fail "3 shards ran $(cat "$work"/shards/*.jsonl | wc -l) seeds"
run01 "$simsock" merge "$work/shards" >"$work/merged.txt" 2>/dev/null
diff <(grep -v '^wall' "$work/merged.txt") <(grep -v '^wall' "$work/sweep2.txt") ||
  fail "the merged table differs from the sweep's"
# A shard taken from a Slurm array's environment.
SLURM_ARRAY_TASK_ID=1 SLURM_ARRAY_TASK_COUNT=3 SLURM_ARRAY_TASK_MIN=0 \
  run01 "$simsock" sweep "${args[@]}" --jobs 1 --jsonl "$work/env.jsonl" >/dev/null 2>&1
cmp -s <(sort "$work/env.jsonl" | grep -o '"seed":[0-9]*') \
       <(sort "$work/shards/shard-1.jsonl" | grep -o '"seed":[0-9]*') ||
  fail "SLURM_ARRAY_TASK_ID=1 of 3 did not run shard 1/3"

# --slurm writes the script (no Slurm needed without --submit).
"$simsock" sweep "${args[@]}" --jobs 2 --tasks 3 --slurm "$work/slurm" >"$work/slurm.txt"
grep -q '^#SBATCH --array=0-2$' "$work/slurm/sweep.sbatch" || fail "no job array in the script"
grep -q 'sbatch .*/sweep.sbatch' "$work/slurm.txt" || fail "--slurm does not say how to submit"

# shrink: says what it did (a seed that fails, or that none does).
run01 "$simsock" shrink echo --seed 3 --param clients=3 --faults "$plan" \
  --max-runs 40 >"$work/shrink.txt" 2>/dev/null
grep -qE 'shrunk in|breaks no invariant|did not fail again' "$work/shrink.txt" ||
  fail "shrink: $(cat "$work/shrink.txt")"

# Failing seeds: kv's planted bug under its default plan (a partition
# between primary and backup) hangs a client. The table lists each failing
# seed with its replay line, --shrink adds the shrunk plan, and the replay
# line fails again.
set +e
"$simsock" sweep kv --seeds 1..4 --jobs 2 --shrink --jsonl "$work/kv.jsonl" >"$work/kv.txt" 2>/dev/null
rc=$?
set -e
[[ $rc -eq 1 ]] || fail "kv sweep: exit $rc, not 1 (failing seeds)"
grep -q '^failing seeds' "$work/kv.txt" || fail "kv sweep: no failing seeds: $(cat "$work/kv.txt")"
grep -qE '^  deadlock +[1-4] ' "$work/kv.txt" || fail "kv sweep: no deadlock row"
grep -qE '^seed [0-9]+: shrunk to 1 of 1 events' "$work/kv.txt" || fail "kv sweep --shrink: $(cat "$work/kv.txt")"
replay=$(grep -m1 -E '^    simsock run kv --seed [0-9]+' "$work/kv.txt" | sed 's/^ *simsock //')
[[ -n $replay ]] || fail "kv sweep: no replay line"
set +e
eval "\"\$simsock\" $replay" >"$work/replay.txt"
rc=$?
set -e
[[ $rc -eq 1 ]] && grep -q 'deadlock' "$work/replay.txt" || fail "the replay line did not fail again ($rc)"
seed=$(sed -E 's/.*--seed ([0-9]+).*/\1/' <<<"$replay")
grep "\"seed\":$seed," "$work/kv.jsonl" | grep -q '"ok":false' || fail "the replayed seed is not failing in the JSON lines"

# A user's own command: its scenario, the same subcommands.
"$greeter" list | grep -q '^greeter ' || fail "greeter_command lists no greeter"
run01 "$greeter" sweep greeter --seeds 1..6 --param clients=2 --jobs 2 >"$work/greeter.txt" 2>/dev/null
grep -q '^scenario greeter: 6 runs' "$work/greeter.txt" || fail "greeter sweep: $(cat "$work/greeter.txt")"
echo "command test: ok"
