#!/usr/bin/env python3
"""test_compile_zoo.py: the larger torchvision zoo compiles and matches PyTorch. DenseNet-121,
GoogLeNet, EfficientNet-B0, MnasNet 1.0, ShuffleNetV2 (shufflenet_v2_bn: the fixture's model has
an almost input-independent output), ResNet-50 and VGG-11 (random weights, non-trivial
batch-norm statistics, opset 13, dynamic batch; tests/models/export_models.py) are
exported into the models folder if missing, compiled with `kiln compile`, run through `kiln run`
at batch 1 and batch 3 on random inputs, and must match PyTorch within 1e-4 relative max error,
where relative max error = max|kiln - torch| / max|torch|. Prints each model's compile time and
errors.

Usage: test_compile_zoo.py --kiln PATH --models DIR [--only NAME,...]   (exit status 0 = pass)
"""
import os
import sys
import tempfile
import time

import torch

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "models"))
import export_models  # noqa: E402  (the same fixed-seed modules the exported files hold)
from kiln_e2e import check_against_pytorch, finish, parse_args, run  # noqa: E402

MODELS = ["densenet121", "googlenet", "efficientnet_b0", "mnasnet", "shufflenet_v2_bn",
          "resnet50", "vgg11"]
BATCHES = [1, 3]
TOLERANCE = 1e-4


def add_arguments(parser):
    parser.add_argument("--only", help=f"comma-separated subset of {','.join(MODELS)}")


def ensure_exported(models_dir, name):
    """The model's ONNX file in the models folder, exported there first if missing."""
    path = os.path.join(models_dir, f"{name}.onnx")
    if not os.path.exists(path):
        os.makedirs(models_dir, exist_ok=True)
        print(f"exporting {path}", flush=True)
        export_models.export_model(name, path)
    return path


def check_model(kiln, models_dir, name, work):
    onnx_path = ensure_exported(models_dir, name)
    library_dir = os.path.join(work, f"{name}_lib")
    start = time.perf_counter()
    run([kiln, "compile", onnx_path, "-o", library_dir, "--name", name, "--quiet"])
    print(f"{name}: kiln compile {time.perf_counter() - start:.1f} s", flush=True)
    library = os.path.join(library_dir, f"{name}.so")

    _, input_shape = export_models.MODELS[name]
    return check_against_pytorch(kiln, library, export_models.build_model(name), input_shape, name,
                                 work, BATCHES, TOLERANCE)


def main():
    args = parse_args(add_arguments)
    names = MODELS
    if args.only:
        names = [name for name in args.only.split(",") if name]
        unknown = [name for name in names if name not in MODELS]
        if unknown:
            print(f"unknown model(s) {', '.join(unknown)}; choose from {', '.join(MODELS)}")
            return 2
    torch.set_num_threads(min(2, os.cpu_count() or 1))
    failures = []
    with tempfile.TemporaryDirectory() as work:
        for name in names:
            try:
                failures += check_model(args.kiln, args.models, name, work)
            except RuntimeError as error:
                failures.append(f"{name}: {error}")
    return finish(len(names) * len(BATCHES), failures)


if __name__ == "__main__":
    sys.exit(main())
