#!/usr/bin/env python3
"""test_cuda_device.py (CTest label `gpu`): real CUDA runs. Where an NVIDIA driver and a device
are present (libcuda.so loads, cuInit succeeds, a device is counted), the MNIST CNN and ResNet-18 compile with
`--target host-cuda`, run on the GPU through `kiln run` at batch 1 and 2, and match PyTorch
within 1e-4 relative max error. Elsewhere it skips (exit status 77, which CTest reports as
skipped) and says why.

Usage: test_cuda_device.py --kiln PATH --models DIR
"""
import ctypes
import os
import shutil
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "e2e"))
sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "models"))
import export_models  # noqa: E402
from kiln_e2e import check_against_pytorch, finish, parse_args, run  # noqa: E402

MODELS = ["mnist_cnn", "resnet18"]
BATCHES = [1, 2]
TOLERANCE = 1e-4
SKIP = 77


def gpu_present():
    """Whether a CUDA driver with a device is here: libcuda.so loads (as Halide's runtime loads
    it), cuInit succeeds (a toolkit's stub library fails it) and there is a device."""
    try:
        cuda = ctypes.CDLL("libcuda.so")
    except OSError:
        listing = ""
        if shutil.which("nvidia-smi"):
            listing = subprocess.run(["nvidia-smi", "-L"], capture_output=True,
                                     text=True).stdout.strip()
        return False, ("libcuda.so does not load" +
                       (f" (nvidia-smi lists: {listing})" if listing else ""))
    if cuda.cuInit(0) != 0:
        return False, "cuInit fails (no driver, a stub libcuda.so, or no device)"
    count = ctypes.c_int(0)
    if cuda.cuDeviceGetCount(ctypes.byref(count)) != 0 or count.value < 1:
        return False, "the CUDA driver reports no device"
    return True, f"CUDA driver with {count.value} device(s)"


def main():
    args = parse_args()
    present, why = gpu_present()
    if not present:
        print("SKIP: " + why + "; the CUDA compile-only checks are in e2e.test_gpu_targets")
        return SKIP
    print(why, flush=True)
    failures = []
    with tempfile.TemporaryDirectory() as work:
        for name in MODELS:
            try:
                library_dir = os.path.join(work, name)
                run([args.kiln, "compile", os.path.join(args.models, f"{name}.onnx"), "-o",
                     library_dir, "--target", "host-cuda", "--quiet"])
                _, shape = export_models.MODELS[name]
                failures += check_against_pytorch(
                    args.kiln, os.path.join(library_dir, f"{name}.so"),
                    export_models.build_model(name), shape, f"{name} (cuda)", work, BATCHES,
                    TOLERANCE)
            except RuntimeError as error:
                failures.append(f"{name}: {error}")
    return finish(len(MODELS) * len(BATCHES), failures)


if __name__ == "__main__":
    sys.exit(main())
