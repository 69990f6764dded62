#!/usr/bin/env bash
# example.sh: on a fresh machine, installs Kiln's dependencies, builds it and runs the bundled
# example: a digit classifier trained here, compiled by Kiln to a native library and run from C.
set -euo pipefail
cd "$(dirname "$0")/.."
./scripts/install-deps.sh
cmake -S . -B build -G Ninja -DCMAKE_BUILD_TYPE=Release >/dev/null
cmake --build build -j"$(nproc)" --target kiln
examples/digits/run_example.sh build/bin/kiln build/examples/digits
