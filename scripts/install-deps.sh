#!/usr/bin/env bash
# install-deps.sh: installs every Debian package Kiln needs to build, test and benchmark.
# Idempotent: it installs only what is missing and runs `apt-get update` only when something is.
set -euo pipefail

PACKAGES=(
  # build
  build-essential cmake ninja-build pkg-config
  # compiler core
  libhalide14-0-dev llvm-14-dev llvm-14-tools libclang-cpp14-dev
  libprotobuf-dev protobuf-compiler libonnx-dev
  libhdf5-dev libzip-dev nlohmann-json3-dev libcli11-dev
  # tests
  libgtest-dev libgmock-dev libonnx-testdata graphviz
  # peers and test-model makers (run with /usr/bin/python3)
  python3-torch python3-torchvision python3-onnx python3-numpy python3-h5py python3-sklearn
)

missing=()
for pkg in "${PACKAGES[@]}"; do
  status=$(dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null || true)
  if [[ "$status" != "install ok installed" ]]; then
    missing+=("$pkg")
  fi
done

if ((${#missing[@]} == 0)); then
  echo "install-deps: all ${#PACKAGES[@]} packages present"
  exit 0
fi

SUDO=""
if [[ $(id -u) -ne 0 ]]; then SUDO="sudo"; fi
echo "install-deps: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"
