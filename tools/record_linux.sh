#!/usr/bin/env bash
# Re-records the Linux logs of the differential scenarios on this machine's
# kernel into tests/diff/linux_recording.txt (docs/semantics.md, "Recorded
# kernel"). With scenario names, re-records only those; without, all of
# them (about a minute). Review the diff before committing it: every
# changed line is a kernel answer that changed.
#   tools/record_linux.sh [SCENARIO...]
set -euo pipefail
cd "$(dirname "$0")/.."
bash tools/setup.sh
cmake --preset default >/dev/null
cmake --build --preset default --target diff_test
build/default/tests/diff_test --record tests/diff/linux_recording.txt "$@"
