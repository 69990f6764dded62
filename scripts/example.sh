#!/usr/bin/env bash
# example.sh: on a fresh machine, installs Kiln's dependencies, builds it and runs the bundled example:
# `kiln inspect` on a small MNIST CNN.
set -euo pipefail
cd "$(dirname "$0")/.."
./scripts/install-deps.sh
cmake -S . -B build -G Ninja -DCMAKE_BUILD_TYPE=Release >/dev/null
cmake --build build -j"$(nproc)" --target kiln
build/bin/kiln inspect --summary examples/mnist_cnn/mnist_cnn.onnx
