#!/usr/bin/env bash
# gpu_prepare.sh: builds, on this machine, what bench/gpu_check.sh runs on a GPU machine (which
# has the NVIDIA driver and PyTorch, but no compiler). For each model: NAME.so compiled with
# --target TARGET (CUDA, sm_80 PTX, a portable x86-64 host part by default), and the CPU
# reference outputs at batch 1 and 32 (NAME_ref1.npy, NAME_ref32.npy) of a CPU build of the
# same model on the inputs gpu_check.py regenerates (torch.randn, seeded). The pack holds the
# weights once (inside NAME.so): ResNet-18 is ~47 MB, MobileNetV2 14 MB, SqueezeNet 5 MB.
#
# Usage: bench/gpu_prepare.sh PACK_DIR [MODEL ...]   (default models: mnist_cnn squeezenet1_0
#        mobilenet_v2 resnet18; any name of tests/models/export_models.py works)
#        KILN=build/bin/kiln  TARGET=x86-64-linux-sse41-avx-avx2-fma-f16c-cuda-cuda_capability_80
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
pack=${1:?usage: gpu_prepare.sh PACK_DIR [MODEL ...]}
shift
models=("$@")
((${#models[@]})) || models=(mnist_cnn squeezenet1_0 mobilenet_v2 resnet18)
kiln=${KILN:-$here/../build/bin/kiln}
target=${TARGET:-x86-64-linux-sse41-avx-avx2-fma-f16c-cuda-cuda_capability_80}
mkdir -p "$pack"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
for name in "${models[@]}"; do
  echo "gpu_prepare: $name"
  /usr/bin/python3 -c "
import sys; sys.path.insert(0, '$here/../tests/models'); import export_models
export_models.export_model('$name', '$work/$name.onnx')"
  "$kiln" compile "$work/$name.onnx" -o "$work/${name}_cuda" --name "$name" --target "$target" -q >/dev/null
  cp "$work/${name}_cuda/$name.so" "$pack/$name.so"
  "$kiln" compile "$work/$name.onnx" -o "$work/${name}_cpu" --name "$name" -q >/dev/null
  for batch in 1 32; do
    /usr/bin/python3 "$here/gpu_check.py" --write-input "$pack" "$name" "$batch" "$work/x.npy"
    "$kiln" run "$work/${name}_cpu/$name.so" --input "$work/x.npy" --output-dir "$work/out" >/dev/null
    mv "$work/out/output.npy" "$pack/${name}_ref$batch.npy"
  done
done
echo "$target" > "$pack/TARGET"
du -sh "$pack"
