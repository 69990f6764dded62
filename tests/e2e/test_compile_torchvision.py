#!/usr/bin/env python3
"""test_compile_torchvision.py: issue-3 acceptance. torchvision's ResNet-18, MobileNetV2 and
SqueezeNet 1.0 (random weights, opset 13, dynamic batch) compile with `kiln compile`, run through
`kiln run` at batch 1 and batch 3, and match PyTorch within 1e-4 relative max error, where
relative max error = max|kiln - torch| / max|torch|. `ldd` on each .so shows no Halide, LLVM,
protobuf or onnx library. The seed AlexNet (250 MB of weights, linked into the .so) runs the
same checks.

Usage: test_compile_torchvision.py --kiln PATH --models DIR   (exit status 0 = pass)
"""
import os
import sys
import tempfile


sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "models"))
import export_models  # noqa: E402  (the same fixed-seed modules the fixture exports)
from kiln_e2e import check_against_pytorch, finish, parse_args, run

MODELS = ["resnet18", "mobilenet_v2", "squeezenet1_0", "alexnet"]
BATCHES = [1, 3]
TOLERANCE = 1e-4
FORBIDDEN_LIBRARIES = ["halide", "llvm", "protobuf", "onnx"]



def check_model(kiln, name, work):
    failures = []
    model = export_models.build_model(name)
    onnx_path = os.path.join(work, f"{name}.onnx")
    export_models.export_model(name, onnx_path)
    library_dir = os.path.join(work, f"{name}_lib")
    run([kiln, "compile", onnx_path, "-o", library_dir, "--quiet"])
    library = os.path.join(library_dir, f"{name}.so")

    linked = run(["ldd", library]).lower()
    for forbidden in FORBIDDEN_LIBRARIES:
        if forbidden in linked:
            failures.append(f"{name}: ldd shows a {forbidden} library:\n{linked}")

    _, input_shape = export_models.MODELS[name]
    failures += check_against_pytorch(kiln, library, model, input_shape, name, work, BATCHES,
                                      TOLERANCE)
    return failures


def main():
    args = parse_args()
    failures = []
    with tempfile.TemporaryDirectory() as work:
        for name in MODELS:
            try:
                failures += check_model(args.kiln, name, work)
            except RuntimeError as error:
                failures.append(f"{name}: {error}")
    return finish(len(MODELS) * len(BATCHES), failures)


if __name__ == "__main__":
    sys.exit(main())
