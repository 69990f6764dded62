#!/usr/bin/env bash
# install-deps.sh: installs every Debian package Kiln needs to build, test and benchmark, and
# the ONNX Runtime benchmark peer (npm package onnxruntime-node) into a project-local folder.
# Idempotent: it installs only what is missing and runs `apt-get update` only when something is.
set -euo pipefail
cd "$(dirname "$0")/.."

PACKAGES=(
  # build
  build-essential cmake ninja-build pkg-config
  # compiler core
  libhalide14-0-dev llvm-14-dev llvm-14-tools libclang-cpp14-dev
  libprotobuf-dev protobuf-compiler libonnx-dev
  libhdf5-dev libzip-dev nlohmann-json3-dev libcli11-dev
  # tests
  libgtest-dev libgmock-dev libonnx-testdata graphviz
  # GPU targets run for real on a CPU OpenCL driver (PoCL); Halide opens the unversioned
  # libOpenCL.so, which the ICD loader's -dev package provides; clinfo lists the device
  pocl-opencl-icd ocl-icd-opencl-dev clinfo
  # fuzzing (scripts/fuzz.sh): clang with libFuzzer and the sanitizer runtimes
  clang-14 libclang-rt-14-dev libfuzzer-14-dev
  # a private single-node Slurm for the tuner's --runner test (tests/slurm/slurm_cluster.sh)
  slurm-wlm munge
  # peers and test-model makers (run with /usr/bin/python3)
  python3-torch python3-torchvision python3-onnx python3-numpy python3-h5py python3-sklearn
)

install_debian_packages() {
  local missing=() pkg status
  for pkg in "${PACKAGES[@]}"; do
    status=$(dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null || true)
    if [[ "$status" != "install ok installed" ]]; then
      missing+=("$pkg")
    fi
  done

  if ((${#missing[@]} == 0)); then
    echo "install-deps: all ${#PACKAGES[@]} packages present"
    return 0
  fi

  local sudo=""
  if [[ $(id -u) -ne 0 ]]; then sudo="sudo"; fi
  echo "install-deps: installing ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  $sudo apt-get update -qq
  $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}"
}

# ONNX Runtime for bench/run_bench.py (a second peer beside PyTorch), from npm with Node. The
# package carries the CPU library (libonnxruntime.so.1) and its Node binding; its install script
# only downloads GPU extras, so it is skipped (--ignore-scripts). Nothing else needs it: when Node,
# npm or the registry is unavailable this warns and carries on, and the benchmark reports ORT as
# unavailable. Folder: $KILN_PEERS_DIR (default build/peers); run_bench.py looks there too.
ORT_NODE_VERSION="${KILN_ORT_NODE_VERSION:-1.30.0}"
PEERS_DIR="${KILN_PEERS_DIR:-$PWD/build/peers}"

ort_peer_works() {
  [[ -f "$PEERS_DIR/node_modules/onnxruntime-node/package.json" ]] &&
    (cd "$PEERS_DIR" && node -e "
      const version = require('onnxruntime-node/package.json').version;
      if (version !== process.argv[1]) throw new Error('version ' + version);
      require('onnxruntime-node');" "$ORT_NODE_VERSION") >/dev/null 2>&1
}

install_ort_peer() {
  if ! command -v node >/dev/null || ! command -v npm >/dev/null; then
    echo "install-deps: WARNING: node/npm not found; skipping the ONNX Runtime benchmark peer" \
         "(bench/run_bench.py will report ORT as unavailable)"
    return 0
  fi
  if ort_peer_works; then
    echo "install-deps: onnxruntime-node $ORT_NODE_VERSION present in $PEERS_DIR"
    return 0
  fi
  echo "install-deps: installing onnxruntime-node $ORT_NODE_VERSION into $PEERS_DIR"
  mkdir -p "$PEERS_DIR"
  if ! npm install --prefix "$PEERS_DIR" --ignore-scripts --no-audit --no-fund --no-save \
         --fetch-retries=1 --fetch-timeout=60000 "onnxruntime-node@$ORT_NODE_VERSION" ||
     ! ort_peer_works; then
    echo "install-deps: WARNING: could not install onnxruntime-node (no network or npm error" \
         "above); the build and tests do not need it, bench/run_bench.py will report ORT as" \
         "unavailable"
  fi
  return 0
}

install_debian_packages
install_ort_peer
