#!/usr/bin/env bash
# Trace pins: the digest of every simulated trace that the echo example, 200
# seeded cases of each simulator property and every differential scenario
# write. A change that only moves code (a refactoring) must leave every pin
# as it is; a change of behaviour re-records them and says why.
#
#   tools/trace_pins.sh [--record] [--text FILE] [BUILD_DIR]
#
# --text FILE also writes, for every run, "<key> <lines> <digest>" of the
# full readable text of its traces (SIMSOCK_TRACE_TEXT: every line as a
# sink gets it) to FILE: two builds whose FILEs agree wrote byte-identical
# text, which is how a change of the hash's definition is checked to leave
# the text alone (docs/testing.md).
#
# BUILD_DIR defaults to build/default. The pins live in
# tests/pins/trace_pins.txt, one line per run: "<key> <worlds> <digest>",
# where the digest is a SHA-256 prefix of the "<hash> <lines>" lines that
# each of the run's worlds appended (sim/kernel/trace.h, SIMSOCK_TRACE_DIGEST).
# Properties that only use the real kernel (*_Linux) and DiffProp (whose
# course depends on the live kernel's answers) are not pinned; any other
# run that writes no world is an error.
set -euo pipefail
cd "$(dirname "$0")/.."

record=0
if [ "${1:-}" = "--record" ]; then
  record=1
  shift
fi
text_out=
if [ "${1:-}" = "--text" ]; then
  text_out=$2
  shift 2
fi
build=${1:-build/default}
pins=tests/pins/trace_pins.txt
scratch=$(mktemp -d)
trap 'rm -rf "$scratch"' EXIT
out=$scratch/pins.txt
: >"$out"
text_digests=$scratch/text_digests.txt
: >"$text_digests"

# digest KEY CMD...: runs CMD with the digest file set; appends the pin.
digest() {
  local key=$1
  shift
  local file=$scratch/digest text=
  rm -f "$file"
  if [ -n "$text_out" ]; then
    text=$scratch/text
    rm -f "$text"
  fi
  if ! SIMSOCK_TRACE_DIGEST=$file SIMSOCK_TRACE_TEXT=$text "$@" \
    >"$scratch/log" 2>&1; then
    echo "trace_pins: $key failed to run: $*" >&2
    tail -20 "$scratch/log" >&2
    exit 1
  fi
  if [ ! -s "$file" ]; then
    echo "trace_pins: $key ran no simulated world" >&2
    exit 1
  fi
  echo "$key $(wc -l <"$file") $(sha256sum <"$file" | cut -c1-16)" >>"$out"
  if [ -n "$text" ]; then
    touch "$text"
    echo "$key $(wc -l <"$text") $(sha256sum <"$text" | cut -c1-16)" \
      >>"$text_digests"
  fi
}

# The echo example: the seed's story, many clients, faults and a crash.
echo_sim=$build/examples/echo/echo_sim
digest echo/default "$echo_sim" --clients 3
digest echo/255-clients "$echo_sim" --clients 255 --seed 7
digest echo/faults "$echo_sim" --clients 3 --seed 3 --faults \
  'from 0s loss 0.1 clients <-> server; from 0s jitter 5ms clients <-> server; at 45s crash server; at 55s restart server'

# 200 cases of each property, from one fixed rapidcheck seed.
for prop in model_prop determinism_prop stream_prop net_prop diff_prop bufio_prop \
  syscall_faults_prop; do
  bin=$build/props/$prop
  suite=
  while IFS= read -r line; do
    case "$line" in
      "Running main"*) ;;
      [A-Za-z]*.) suite=${line%.} ;;
      "  "*)
        name=${line#  }
        name=${name%% *}
        # The real kernel's halves write no trace: nothing to pin. DiffProp
        # compares each case with the live kernel, and a disagreement (a
        # kernel release other than the recorded one) stops and shrinks:
        # its worlds depend on the machine, so it is not pinned either (its
        # scenarios' simulated side is pinned through diff/ below).
        case "$suite.$name" in *_Linux | DiffProp.*) continue ;; esac
        RC_PARAMS="seed=20261204 max_success=200" \
          digest "props/$suite.$name" "$bin" --gtest_filter="$suite.$name"
        ;;
    esac
  done < <("$bin" --gtest_list_tests)
done

# Every differential scenario, against its recorded Linux log.
diff_test=$build/tests/diff_test
while IFS= read -r line; do
  case "$line" in
    "  "*)
      name=${line#  }
      name=${name%% *}
      name=${name#SimVsRecorded/}
      digest "diff/$name" "$diff_test" \
        --gtest_filter="Scenarios/Diff.SimVsRecorded/$name"
      ;;
  esac
done < <("$diff_test" --gtest_list_tests \
           --gtest_filter='Scenarios/Diff.SimVsRecorded/*')

if [ -n "$text_out" ]; then
  cp "$text_digests" "$text_out"
  echo "trace_pins: text digests of $(wc -l <"$text_digests") runs in $text_out"
fi

# The pins are kept sorted by key: the order in which a test binary lists
# its tests (static registration order, which a unity build's batching
# changes) is not behaviour.
LC_ALL=C sort -o "$out" "$out"

if [ "$record" -eq 1 ]; then
  mkdir -p "$(dirname "$pins")"
  {
    echo "# Trace pins (tools/trace_pins.sh --record): <key> <worlds> <digest>"
    cat "$out"
  } >"$pins"
  echo "trace_pins: recorded $(wc -l <"$out") pins in $pins"
  exit 0
fi

if diff <(grep -v '^#' "$pins" | LC_ALL=C sort) "$out" >"$scratch/diff"; then
  echo "trace_pins: all $(wc -l <"$out") pins unchanged"
  exit 0
fi
echo "trace_pins: traces changed (< pinned, > this build):"
cat "$scratch/diff"
exit 1
