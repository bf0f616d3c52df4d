#!/usr/bin/env bash
# Installs what is missing, builds the `synapsed` tool and runs its demo: a
# put / get / scan round trip on an embedded store in ./synapsed-demo.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
cmake -S . -B build/release -G Ninja -DCMAKE_BUILD_TYPE=Release > /dev/null
ninja -C build/release synapsed_tool
build/release/synapsed demo --dir synapsed-demo
