#!/usr/bin/env bash
# Installs every Debian package the build and tests need. Idempotent, and
# quick when everything is present. Run as root (or with sudo available).
set -euo pipefail

# Grouped by what needs them. --no-install-recommends below means every
# package a stage uses must be named here, not pulled in as a recommendation:
# clang's sanitizer and libFuzzer runtime (libclang-rt-14-dev) is only a
# recommendation of clang, and without it the fuzz stage cannot compile.
PACKAGES=(
  # toolchain and build
  build-essential cmake ninja-build pkg-config ccache git
  clang libclang-rt-14-dev
  # the engine's libraries
  libabsl-dev libfmt-dev libxxhash-dev liblz4-dev libzstd-dev liburing-dev
  nlohmann-json3-dev libcli11-dev libssl-dev
  # tests and benchmarks (python3: scripts/bench.sh reads the bench's JSON)
  libgtest-dev libgmock-dev libbenchmark-dev python3
  # the peer backends, measured side by side
  librocksdb-dev libleveldb-dev libsqlite3-dev libsnappy-dev
  # the network server and the replicated mode: libuv's event loop, libraft,
  # and Redis's own client, benchmark and server as real peers in tests
  libuv1-dev libraft-dev redis-tools redis-server
)

missing=()
for p in "${PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -eq 0 ]; then
  echo "setup: all ${#PACKAGES[@]} packages present"
  exit 0
fi
echo "setup: installing ${missing[*]}"
SUDO=""
[ "$(id -u)" -ne 0 ] && SUDO="sudo"
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"
