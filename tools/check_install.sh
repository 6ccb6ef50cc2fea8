#!/usr/bin/env bash
# Installs the default build into a scratch prefix and builds a project
# outside the tree against it (tools/consumer), then runs it: a net-layer
# program on the real kernel and in a simulated world, and a test written
# with the testing library (simsock::testing). The consumer's
# find_package lines must be the ones README.md gives users, word for word.
set -euo pipefail
cd "$(dirname "$0")/.."

snippet=$(sed -n '/# BEGIN README snippet/,/# END README snippet/p' \
  tools/consumer/CMakeLists.txt | sed '1d;$d')
readme=$(sed -n '/^```cmake$/,/^```$/p' README.md | sed '/^```/d')
if [ "$snippet" != "$readme" ]; then
  echo "check_install: README.md's cmake snippet is not the consumer's:" >&2
  diff <(echo "$readme") <(echo "$snippet") >&2 || true
  exit 1
fi

prefix=$(mktemp -d)
trap 'rm -rf "$prefix"' EXIT
cmake --install build/default --prefix "$prefix/install" >/dev/null
cmake -S tools/consumer -B "$prefix/build" -G Ninja \
  -DCMAKE_PREFIX_PATH="$prefix/install" >/dev/null
cmake --build "$prefix/build" >/dev/null
"$prefix/build/app"
# A user's own command: its scenario under one seed, and its list.
"$prefix/build/own_command" list
"$prefix/build/own_command" run greeter --seed 1 >/dev/null
# The testing library's test, unless this machine has no GoogleTest.
if [ -x "$prefix/build/app_test" ]; then
  "$prefix/build/app_test" --gtest_brief=1
fi
