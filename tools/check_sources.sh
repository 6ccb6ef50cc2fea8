#!/usr/bin/env bash
# Source rules that a compiler does not check (docs/design.md):
# - no wall clocks or unseeded randomness in sim/ or net/ (LinuxSyscalls is
#   the one exception: it is the real kernel);
# - each layer includes only the layers below it (the table below); net/
#   includes nothing from sim/;
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

# Layers (docs/design.md): each folder includes only itself and the folders
# listed after it. The longest folder that names a file is its layer.
layers='
net/sys:    net/sys
fiber:      fiber
faults:     faults net/sys
sim/base:   sim/base
sim/tcp:    sim/tcp sim/base
sim/vfs:    sim/vfs sim/base
sim/inet:   sim/inet sim/vfs sim/tcp sim/base net/sys
sim/kernel: sim/kernel sim/inet sim/vfs sim/tcp sim/base faults net/sys fiber
sim/faults: sim/faults sim/kernel sim/inet sim/vfs sim/tcp sim/base faults net/sys fiber
sim:        sim faults net/sys fiber
net:        net fiber
testing:    testing net sim faults fiber
experiment: experiment sim faults net fiber
exec:       exec experiment sim faults net fiber net/sys
cli:        cli exec experiment testing net sim faults fiber net/sys
'
layer_of() {
  local file=$1 best= folder
  while read -r folder _; do
    folder=${folder%:}
    [ -n "$folder" ] || continue
    case "$file" in
      "$folder"/*) [ ${#folder} -gt ${#best} ] && best=$folder ;;
    esac
  done <<<"$layers"
  echo "$best"
}
bad=
while IFS= read -r file; do
  layer=$(layer_of "$file")
  allowed=$(awk -v l="$layer:" '$1 == l { $1 = ""; print }' <<<"$layers")
  while IFS= read -r inc; do
    [ -n "$inc" ] || continue
    ok=0
    for a in $allowed; do
      case "$inc" in simsock/"$a"/*) ok=1 ;; esac
    done
    if [ "$ok" -eq 0 ]; then
      bad+="$file: includes $inc (layer $layer may include: $allowed)"$'\n'
    fi
  done < <(sed -n 's/^#include "\(simsock\/[^"]*\)".*/\1/p' "$file")
  # Every include of the libraries names them under simsock/.
  if grep -qE '^#include "(net|sim|fiber|faults|experiment|cli|exec)/' "$file"; then
    bad+="$file: includes a library header without its simsock/ prefix"$'\n'
  fi
done < <(git ls-files 'sim/*' 'net/*' 'fiber/*' 'faults/*' 'testing/*' 'experiment/*' 'cli/*' 'exec/*' | grep -E '\.(h|cc)$' | grep -v '^exec/shim/')
if [ -n "$bad" ]; then
  echo "check_sources: include from a higher layer (docs/design.md, Layers):"
  printf '%s' "$bad"
  fail=1
fi

# Properties and users' tests take their helpers from the testing library
# (testing/), never from the project's tests.
bad=$(git ls-files -z 'props/*' 'testing/*' | xargs -0 grep -nE '^#include "tests/' \
        -- 2>/dev/null || true)
if [ -n "$bad" ]; then
  echo "check_sources: props/ or testing/ includes a header of tests/:"
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
