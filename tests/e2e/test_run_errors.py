#!/usr/bin/env python3
"""test_run_errors.py: `kiln run` and `kiln compile` on bad input exit non-zero with one clear
`kiln: error:` line and write no partial output: a model with an unsupported op, a wrong input
shape (for a compiled library and for a model file), a wrong dtype, a missing or malformed .npy
file, an input name the model lacks, and a file that is not a Kiln library.

Usage: test_run_errors.py --kiln PATH --models DIR   (exit status 0 = pass)
"""
import os
import subprocess
import sys
import tempfile

import numpy as np
import kiln_e2e
from kiln_e2e import finish, parse_args

CRASH_SIGNS = ["Traceback", "terminate called", "Segmentation", "Aborted", "core dumped"]


def unsupported_model(path):
    import onnx
    from onnx import TensorProto, helper
    nodes = [helper.make_node("Relu", ["x"], ["a"], name="relu"),
             helper.make_node("NonZero", ["a"], ["y"], name="nonzero_node")]
    graph = helper.make_graph(nodes, "g", [helper.make_tensor_value_info("x", TensorProto.FLOAT, [1, 4])],
                              [helper.make_tensor_value_info("y", TensorProto.INT64, [2, None])])
    onnx.save(helper.make_model(graph, opset_imports=[helper.make_opsetid("", 13)]), path)
    return path


def main():
    args = parse_args()
    kiln, failures = args.kiln, []
    with tempfile.TemporaryDirectory() as work:
        model = os.path.join(args.models, "mnist_cnn.onnx")
        lib_dir = os.path.join(work, "lib")
        subprocess.run([kiln, "compile", model, "-o", lib_dir, "-q"], check=True)
        library = os.path.join(lib_dir, "mnist_cnn.so")
        good = os.path.join(work, "good.npy")
        np.save(good, np.zeros((2, 1, 28, 28), np.float32))
        wrong_shape = os.path.join(work, "wrong_shape.npy")
        np.save(wrong_shape, np.zeros((2, 1, 32, 32), np.float32))
        wrong_dtype = os.path.join(work, "wrong_dtype.npy")
        np.save(wrong_dtype, np.zeros((2, 1, 28, 28), np.float64))
        malformed = os.path.join(work, "malformed.npy")
        with open(malformed, "wb") as f:
            f.write(b"\x93NUMPY\x01\x00\x10\x00{'descr': '<f4'")
        not_a_library = os.path.join(work, "fake.so")
        with open(not_a_library, "wb") as f:
            f.write(b"not an ELF file")
        unsupported = unsupported_model(os.path.join(work, "unsupported.onnx"))

        cases = [  # (description, command, words the message must contain)
            ("unsupported op (run)", ["run", unsupported, "-i", good], ["NonZero", "nonzero_node"]),
            ("unsupported op (compile)", ["compile", unsupported, "-o", os.path.join(work, "u")],
             ["NonZero", "nonzero_node"]),
            ("wrong shape, library", ["run", library, "-i", wrong_shape], ["input", "28"]),
            ("wrong shape, model file", ["run", model, "-i", wrong_shape], ["input", "28"]),
            ("wrong dtype", ["run", library, "-i", wrong_dtype], ["dtype"]),
            ("missing npy", ["run", library, "-i", os.path.join(work, "none.npy")], ["none.npy"]),
            ("malformed npy", ["run", library, "-i", malformed], ["malformed.npy"]),
            ("unknown input name", ["run", library, "-i", "nope=" + good], ["nope"]),
            ("not a library", ["run", not_a_library, "-i", good], ["fake.so"]),
        ]
        for description, command, words in cases:
            out_dir = os.path.join(work, "out_" + description.replace(" ", "_"))
            if command[0] == "run":
                command = command + ["--output-dir", out_dir]
            result = subprocess.run([kiln] + command, capture_output=True, text=True, timeout=120)
            # Progress lines ([kiln] ...) may precede the error line.
            lines = kiln_e2e.without_sanitizer_notices(
                [l for l in result.stderr.splitlines() if not l.startswith("[kiln]")])
            message = "\n".join(lines).strip()
            problems = []
            if result.returncode == 0:
                problems.append("exit status 0")
            if not message.startswith("kiln: error:"):
                problems.append("no 'kiln: error:' line")
            problems += [f"crash sign '{s}'" for s in CRASH_SIGNS if s in message]
            problems += [f"message lacks '{w}'" for w in words if w not in message]
            if os.path.exists(out_dir) and os.listdir(out_dir):
                problems.append("partial output written")
            status = "ok" if not problems else "FAIL: " + ", ".join(problems)
            print(f"{description}: exit {result.returncode}: {message.splitlines()[0] if message else ''} [{status}]")
            if problems:
                failures.append(description)
    return finish(len(cases), failures)


if __name__ == "__main__":
    sys.exit(main())
