#!/usr/bin/env bash
# gpu_check.sh: on a GPU machine (NVIDIA driver, python3 with torch and numpy; no compiler
# needed), checks every CUDA library of a pack made by bench/gpu_prepare.sh against its CPU
# reference outputs and times it against PyTorch CUDA (fp32 with TF32 off, and PyTorch's
# default) at batch 1 and 32, within a time budget (default 270 s). Writes bench/RESULTS-gpu.md.
# PyTorch needs torchvision for the torchvision models (tests/models/export_models.py); without
# it only Kiln is timed and the report says so.
#
# Usage: bench/gpu_check.sh PACK_DIR [--budget-s 270] [--out bench/RESULTS-gpu.md]
#        PYTHON=python3 (the interpreter with torch)
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
exec "${PYTHON:-python3}" "$here/gpu_check.py" --check "$@"
