#!/usr/bin/env bash
# Installs what is missing, builds everything and runs every test: the
# Release build's full suite, then the concurrency-sensitive suites under
# ASan+UBSan and TSan. Long torture and fuzz runs are flags of their tools,
# not part of this.
#
#   scripts/test.sh            everything (what CI runs)
#   scripts/test.sh --quick    Release build and tests only
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh

JOBS=${JOBS:-$(nproc)}
export CCACHE_DIR=${CCACHE_DIR:-$HOME/.cache/ccache}

build_and_test() {  # name, extra cmake args..., then -- test regex
  local name=$1; shift
  local args=() regex=""
  while [ $# -gt 0 ]; do
    if [ "$1" = "--" ]; then regex=$2; break; fi
    args+=("$1"); shift
  done
  echo "=== $name build ==="
  cmake -S . -B "build/$name" -G Ninja "${args[@]}" > "build/$name.configure.log" 2>&1 \
    || { cat "build/$name.configure.log"; exit 1; }
  ninja -C "build/$name" -j "$JOBS"
  echo "=== $name tests ==="
  (cd "build/$name" && ctest -j "$JOBS" --output-on-failure ${regex:+-R "$regex"})
}

mkdir -p build
build_and_test ci-release -DCMAKE_BUILD_TYPE=Release -DSYNAPSED_KILL_POINTS=ON
if [ "${1:-}" != "--quick" ]; then
  SAN_TESTS='^(env_test|conformance_test|memtable_test|cache_test|wal_test|engine_test)$'
  build_and_test ci-asan -DCMAKE_BUILD_TYPE=RelWithDebInfo -DSYNAPSED_SANITIZE=address \
    -DSYNAPSED_BUILD_BENCH=OFF -- "$SAN_TESTS"
  build_and_test ci-tsan -DCMAKE_BUILD_TYPE=RelWithDebInfo -DSYNAPSED_SANITIZE=thread \
    -DSYNAPSED_BUILD_BENCH=OFF -- "$SAN_TESTS"
fi
echo "=== all tests passed ==="
