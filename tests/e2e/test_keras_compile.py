#!/usr/bin/env python3
"""test_keras_compile.py: issue-5 acceptance. The seed MNIST CNN as a tf.keras 2 full-model .h5
and as a Keras 3 .keras archive (written in Keras's on-disk layouts by
tests/keras/fixtures/write_keras_fixtures.py, with the outputs of an independent PyTorch twin
carrying the same weights) compiles with `kiln compile`, runs through `kiln run` on its NHWC
input, and matches PyTorch within 1e-4 relative max error (max|kiln - torch| / max|torch|).
`kiln inspect --summary` reports Keras's parameter counts. A Keras 2 JSON description with its
separate weights file (`--keras-weights`), a functional model with two outputs, goes the same way.

Usage: test_keras_compile.py --kiln PATH --models DIR   (exit status 0 = pass)
"""
import json
import os
import sys
import tempfile

import numpy as np
from kiln_e2e import finish, parse_args, relative_max_error, run

HERE = os.path.dirname(os.path.abspath(__file__))
FIXTURES = os.path.join(HERE, "..", "keras", "fixtures", "write_keras_fixtures.py")
TOLERANCE = 1e-4
KERAS_PARAMS = ["320", "18,496", "401,536", "1,290", "421,642"]



def main():
    args = parse_args()
    failures, checked = [], 0
    with tempfile.TemporaryDirectory() as work:
        run([sys.executable, FIXTURES, "--out", work])
        with open(os.path.join(work, "manifest.json")) as f:
            cases = [c for c in json.load(f)["cases"] if c["name"] in ("mnist_h5", "mnist_keras3", "mixed_k2")]
        if len(cases) != 3:
            failures.append(f"expected the MNIST and mixed fixtures, found {[c['name'] for c in cases]}")
        for case in cases:
            checked += 1
            model = os.path.join(work, case["model"])
            weights = ["--keras-weights", os.path.join(work, case["weights"])] if case["weights"] else []
            try:
                if case["name"].startswith("mnist"):
                    summary = run([args.kiln, "inspect", "--summary", model])
                    missing = [p for p in KERAS_PARAMS if p not in summary]
                    if missing:
                        failures.append(f"{case['name']}: summary lacks Keras's counts {missing}")
                output_names = [o["name"] for o in
                                json.loads(run([args.kiln, "inspect", "--format", "json", model] + weights))["outputs"]]
                lib = os.path.join(work, case["name"] + "_lib")
                run([args.kiln, "compile", model, "-o", lib, "--name", "mnist", "-q"] + weights)
                x = np.fromfile(os.path.join(work, case["input"]["file"]), "<f4")
                x = x.reshape(case["input"]["shape"])
                np.save(os.path.join(work, "x.npy"), x)
                out_dir = os.path.join(work, case["name"] + "_out")
                run([args.kiln, "run", os.path.join(lib, "mnist.so"), "--input",
                     os.path.join(work, "x.npy"), "--output-dir", out_dir])
                for name, output in zip(output_names, case["outputs"]):
                    expected = np.fromfile(os.path.join(work, output["file"]), "<f4")
                    expected = expected.reshape(output["shape"])
                    actual = np.load(os.path.join(out_dir, name + ".npy"))
                    if actual.shape != expected.shape:
                        failures.append(f"{case['name']} {name}: shape {actual.shape} != {expected.shape}")
                        continue
                    error = relative_max_error(actual, expected)
                    print(f"{case['name']} {name}: relative max error {error:.2e}")
                    if error > TOLERANCE:
                        failures.append(f"{case['name']} {name}: relative max error {error:.2e} > {TOLERANCE}")
            except RuntimeError as error:
                failures.append(f"{case['name']}: {error}")
    return finish(checked, failures)


if __name__ == "__main__":
    sys.exit(main())
