#!/usr/bin/env bash
# Compiles the libraries with clang's thread-safety analysis
# (-DSYNAPSED_THREAD_SAFETY_ANALYSIS=ON: -Wthread-safety -Werror=thread-safety)
# and fails on any finding: a member read or written without the mutex its
# ABSL_GUARDED_BY names, a call to an ABSL_EXCLUSIVE_LOCKS_REQUIRED function
# without the lock, a lock not released on every path. Compile only: no
# tests, benchmarks or executables are built, since the analysis is a
# compile-time check and the libraries hold every annotated class.
#
#   scripts/check_thread_safety.sh [BUILD_DIR]     (default build/tsa)
#
# Exits 0 when clean; 1 naming each finding (file:line: warning ...
# [-Wthread-safety-...]); 2 if clang is missing or the configure fails.
# util/mutex.h says how the Mutex wrapper is annotated so the analysis sees
# through it.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
build="${1:-$root/build/tsa}"
cd "$root"
mkdir -p "$build"

for tool in clang clang++ cmake ninja; do
  if ! command -v "$tool" >/dev/null; then
    echo "check_thread_safety: $tool not found" >&2
    exit 2
  fi
done

if ! cmake -S . -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=Release \
       -DCMAKE_C_COMPILER=clang -DCMAKE_CXX_COMPILER=clang++ \
       -DSYNAPSED_BUILD_TESTS=OFF -DSYNAPSED_BUILD_BENCH=OFF \
       -DSYNAPSED_THREAD_SAFETY_ANALYSIS=ON >"$build/configure.log" 2>&1; then
  cat "$build/configure.log" >&2
  echo "check_thread_safety: configure failed" >&2
  exit 2
fi

# Every static library the build defines (util/libsynapsed_util.a, ...):
# the engine and everything above it that takes a lock.
mapfile -t libs < <(ninja -C "$build" -t targets all | sed -n 's/^\([^ ]*\/lib[^ /]*\.a\): .*/\1/p')
if [[ ${#libs[@]} -eq 0 ]]; then
  echo "check_thread_safety: no library targets in $build" >&2
  exit 2
fi

log="$build/thread_safety.log"
status=0
# -k 0: report every finding, not just the first file's.
ninja -C "$build" -k 0 -j "${JOBS:-2}" "${libs[@]}" >"$log" 2>&1 || status=$?
# A finding is a failure even if a future flag change left it a warning.
findings=$(grep -E '\[-W(error,-W)?thread-safety' "$log" || true)
if [[ $status -ne 0 || -n "$findings" ]]; then
  grep -E 'error:|warning:.*thread-safety|^FAILED' "$log" >&2 || tail -n 40 "$log" >&2
  echo "check_thread_safety: FAILED ($(grep -cE '\[-W(error,-W)?thread-safety' "$log" || true) finding(s); full log: $log)" >&2
  exit 1
fi
echo "check_thread_safety: OK (${#libs[@]} libraries, no thread-safety findings)"
