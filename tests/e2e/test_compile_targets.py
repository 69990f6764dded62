#!/usr/bin/env python3
"""test_compile_targets.py: `kiln compile --target`. A named x86 target of the host's
architecture (x86-64-linux-avx2) links a .so that gives the host build's outputs; a foreign
target (arm-64-linux) cross-compiles the pipeline into AArch64 objects plus the header, wrapper
source and external weights for the user's cross toolchain; a bad target is a clear error.

Usage: test_compile_targets.py --kiln PATH --models DIR   (exit status 0 = pass)
"""
import os
import subprocess
import sys
import tempfile

import numpy as np
from kiln_e2e import finish, parse_args, run



def main():
    args = parse_args()
    model = os.path.join(args.models, "mnist_cnn.onnx")
    failures = []
    with tempfile.TemporaryDirectory() as work:
        x = os.path.join(work, "x.npy")
        np.save(x, np.random.default_rng(0).standard_normal((2, 1, 28, 28)).astype(np.float32))
        outputs = {}
        for target in ["host", "x86-64-linux-avx2"]:
            lib = os.path.join(work, target)
            run([args.kiln, "compile", model, "-o", lib, "--target", target, "-q"])
            run([args.kiln, "run", os.path.join(lib, "mnist_cnn.so"), "-i", x, "-o", lib + "_out"])
            outputs[target] = np.load(os.path.join(lib + "_out", "output.npy"))
        error = float(np.abs(outputs["host"] - outputs["x86-64-linux-avx2"]).max())
        print(f"avx2 vs host: max abs difference {error:.2e}")
        if error > 1e-5:
            failures.append(f"x86-64-linux-avx2 build differs from host by {error}")

        arm = os.path.join(work, "arm")
        run([args.kiln, "compile", model, "-o", arm, "--target", "arm-64-linux", "-q"])
        expected = ["mnist_cnn.h", "mnist_cnn_wrapper.c", "mnist_cnn_halide.a", "mnist_cnn.weights",
                    "HalideRuntime.h"]
        missing = [f for f in expected if not os.path.exists(os.path.join(arm, f))]
        if missing:
            failures.append(f"arm-64-linux: missing {missing}")
        else:
            members = os.path.join(work, "members")
            os.makedirs(members)
            run(["ar", "x", "--output=" + members, os.path.join(arm, "mnist_cnn_halide.a")])
            machines = {run(["readelf", "-h", os.path.join(members, m)]).split("Machine:")[1].splitlines()[0].strip()
                        for m in os.listdir(members) if m.endswith(".o")}
            print("arm-64-linux objects:", machines)
            if machines != {"AArch64"}:
                failures.append(f"arm-64-linux objects are {machines}, not AArch64")

        bad = subprocess.run([args.kiln, "compile", model, "-o", os.path.join(work, "bad"),
                              "--target", "no-such-target", "-q"], capture_output=True, text=True)
        if bad.returncode == 0 or "kiln: error:" not in bad.stderr or "no-such-target" not in bad.stderr:
            failures.append(f"bad target not reported clearly: {bad.returncode} {bad.stderr}")
        else:
            print("bad target:", bad.stderr.strip().splitlines()[-1])
    return finish(3, failures)


if __name__ == "__main__":
    sys.exit(main())
