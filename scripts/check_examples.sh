#!/usr/bin/env bash
# Checks the installed package the way an outside project sees it:
#   1. configures and builds the library in BUILD_DIR (extra arguments go to
#      cmake's configure step, e.g. -DSYNAPSED_WITH_ROCKSDB=OFF),
#   2. installs it into a temporary prefix (mktemp -d, removed on exit),
#   3. compiles every installed header alone against that prefix (an
#      installed header must include nothing that is not installed),
#   4. builds and runs every examples/*/ project against it with
#      find_package(synapsed_storage) (examples/distributed against a
#      three-node cluster of the build's `synapsed` started by
#      scripts/local_cluster.sh), and builds examples/basic once more with
#      pkg-config (synapsed-storage.pc).
# Exits non-zero at the first failure.
#
#   scripts/check_examples.sh BUILD_DIR [CMAKE_ARGS...]
set -euo pipefail
if [[ $# -lt 1 ]]; then
  echo "usage: $0 BUILD_DIR [CMAKE_ARGS...]" >&2
  exit 2
fi
root="$(cd "$(dirname "$0")/.." && pwd)"
build="$1"
shift
cxx="${CXX:-c++}"

work="$(mktemp -d /tmp/synapsed_check_examples.XXXXXX)"
trap '"$root/scripts/local_cluster.sh" stop "$work/cluster"; rm -rf "$work"' EXIT
prefix="$work/prefix"

step() { echo "== $*"; }

step "configure and build the library in $build"
cmake -S "$root" -B "$build" -G Ninja "$@" > "$work/configure.log" ||
  { cat "$work/configure.log"; exit 1; }
# Only what `cmake --install` installs: the umbrella library pulls in every
# module library it links; tests and tools are not needed here.
cmake --build "$build" --target synapsed_storage -- -j2

step "install into a temporary prefix"
cmake --install "$build" --prefix "$prefix" > "$work/install.log"
# Report the tree, minus the prefix.
(cd "$prefix" && find . -type f | sort | sed 's|^\./|   |')

step "compile each installed header alone"
headers=("$prefix"/include/synapsed/storage/*.h)
for h in "${headers[@]}"; do
  rel="synapsed/storage/$(basename "$h")"
  echo "#include \"$rel\"" |
    "$cxx" -std=c++20 -fsyntax-only -Wall -Wextra -I"$prefix/include" -x c++ - ||
    { echo "FAILED: $rel does not compile alone against the install prefix" >&2; exit 1; }
  echo "   ok $rel"
done

ran=0
for dir in "$root"/examples/*/; do
  [[ -f "$dir/CMakeLists.txt" ]] || continue
  name="$(basename "$dir")"
  step "example $name: find_package(synapsed_storage) against the prefix"
  cmake -S "$dir" -B "$work/examples/$name" -G Ninja -DCMAKE_BUILD_TYPE=Release \
        -DCMAKE_PREFIX_PATH="$prefix" > "$work/examples-$name.log" ||
    { cat "$work/examples-$name.log"; exit 1; }
  cmake --build "$work/examples/$name" -- -j2 > "$work/examples-$name-build.log" ||
    { cat "$work/examples-$name-build.log"; exit 1; }
  args=()
  if [[ "$name" == distributed ]]; then
    step "a three-node cluster for it (scripts/local_cluster.sh)"
    cmake --build "$build" --target synapsed_tool -- -j2 > "$work/tool-build.log" ||
      { cat "$work/tool-build.log"; exit 1; }
    # Client ports below the ephemeral range, Raft ports 100 above them.
    base=$((20000 + RANDOM % 5000))
    args=("$("$root/scripts/local_cluster.sh" start "$build/synapsed" "$work/cluster" "$base")")
  fi
  (cd "$work" && timeout 120 "$work/examples/$name/$name" "${args[@]}")
  ran=$((ran + 1))
done
[[ $ran -gt 0 ]] || { echo "no examples found under $root/examples" >&2; exit 1; }

step "example basic again, through pkg-config (synapsed-storage.pc)"
pc_flags="$(PKG_CONFIG_PATH="$prefix/lib/pkgconfig" pkg-config --cflags --libs synapsed-storage)"
# shellcheck disable=SC2086  # pkg-config's output is a list of flags
"$cxx" -O1 "$root/examples/basic/main.cc" -o "$work/basic_pc" $pc_flags
timeout 120 "$work/basic_pc" > /dev/null
echo "   ok"

echo "check_examples: OK ($ran examples, ${#headers[@]} installed headers)"
