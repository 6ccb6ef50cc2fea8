#!/usr/bin/env bash
# Source rules that a compiler does not check (docs/design.md):
# - no wall clocks or unseeded randomness in sim/ or net/ (LinuxSyscalls is
#   the one exception: it is the real kernel);
# - net/ includes nothing from sim/; sim/ includes only net/sys/ from net/;
# - no file cites documents outside the repository;
# - C++ sources are formatted by .clang-format (clang-format-14, from
#   tools/setup.sh).
set -euo pipefail
cd "$(dirname "$0")/.."
fail=0

bad=$(grep -rnE 'random_device|[^_a-zA-Z]s?rand\(|_clock::now\(|gettimeofday|time\(nullptr\)|time\(NULL\)' \
        sim net --include='*.h' --include='*.cc' \
      | grep -v '^net/sys/linux_syscalls\.cc:' || true)
if [ -n "$bad" ]; then
  echo "check_sources: wall clock or unseeded randomness in sim/ or net/:"
  echo "$bad"
  fail=1
fi

bad=$(grep -rnE '#include "sim/' net --include='*.h' --include='*.cc' || true)
if [ -n "$bad" ]; then
  echo "check_sources: net/ must not include sim/:"
  echo "$bad"
  fail=1
fi

bad=$(grep -rnE '#include "net/' sim --include='*.h' --include='*.cc' \
      | grep -v '#include "net/sys/' || true)
if [ -n "$bad" ]; then
  echo "check_sources: sim/ may include only net/sys/ from net/:"
  echo "$bad"
  fail=1
fi

# The repository stands alone: nothing in it reads or cites files outside it
# (docs/ is the reference).
# (The patterns are spelt with brackets so that this file does not cite
# them itself.)
bad=$(git ls-files -z | xargs -0 grep -nE \
        'LINUX-SEMANTIC[S]|[.][.]/shar[e]d|(^|[^/a-z])(DESIG[N]|STYL[E])[.]md' \
        -- 2>/dev/null || true)
if [ -n "$bad" ]; then
  echo "check_sources: reference to a file outside the repository:"
  echo "$bad"
  fail=1
fi

if ! git ls-files -z '*.cc' '*.h' | xargs -0 clang-format-14 --dry-run --Werror \
     2>/tmp/check_sources_format.$$; then
  echo "check_sources: not formatted (run: git ls-files '*.cc' '*.h' | xargs clang-format-14 -i):"
  grep -E '^[^ ].*: (error|warning):' /tmp/check_sources_format.$$ | head -20
  fail=1
fi
rm -f /tmp/check_sources_format.$$

if [ "$fail" -eq 0 ]; then echo "check_sources: ok"; fi
exit "$fail"
