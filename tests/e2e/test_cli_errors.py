#!/usr/bin/env python3
"""test_cli_errors.py: bad model files make `kiln inspect` exit with status 2 and one clear
`kiln: error:` line naming the file, quickly, never with a crash or a stack trace.

Usage: test_cli_errors.py --kiln PATH --models DIR   (exit status 0 = pass)
"""
import argparse
import os
import random
import subprocess
import sys
import tempfile
import time

TIME_LIMIT_S = 10
CRASH_SIGNS = ["Traceback", "terminate called", "Segmentation", "Aborted", "core dumped",
               "AddressSanitizer", "what():"]


def write(path, data):
    with open(path, "wb") as f:
        f.write(data)
    return path


def unsupported_ops_model(path):
    """A model with a supported op (Relu) between two unknown ones (Foo and Bar)."""
    import onnx
    from onnx import TensorProto, helper

    nodes = [helper.make_node("Foo", ["x"], ["a"], name="foo_node"),
             helper.make_node("Relu", ["a"], ["b"], name="relu_node"),
             helper.make_node("Bar", ["b"], ["y"], name="bar_node")]
    graph = helper.make_graph(nodes, "unsupported",
                              [helper.make_tensor_value_info("x", TensorProto.FLOAT, [1, 4])],
                              [helper.make_tensor_value_info("y", TensorProto.FLOAT, [1, 4])])
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 13)])
    onnx.save(model, path)
    return path


def make_cases(folder, models):
    with open(os.path.join(models, "mnist_cnn.onnx"), "rb") as f:
        real_model = f.read()
    rng = random.Random(0)
    text = b"This is a plain text file.\nIt is not a neural network.\n"
    return [  # (description, path, words the message must contain)
        ("missing file", os.path.join(folder, "missing.onnx"), ["no such file"]),
        ("empty file", write(os.path.join(folder, "empty.onnx"), b""), ["empty"]),
        ("truncated model", write(os.path.join(folder, "truncated.onnx"),
                                  real_model[:len(real_model) // 2]), []),
        ("random bytes", write(os.path.join(folder, "random.onnx"),
                               bytes(rng.randrange(256) for _ in range(4096))), []),
        # Starts like a ModelProto (ir_version tag), so the protobuf parser itself meets garbage.
        ("random bytes after an ONNX tag", write(os.path.join(folder, "random_tagged.onnx"),
                                                 b"\x08\x07\x3a" + rng.randbytes(4096)), []),
        ("text file", write(os.path.join(folder, "notes.onnx"), text), []),
        ("text file, no extension", write(os.path.join(folder, "notes"), text), []),
        ("directory", folder, []),
        ("unsupported ops", unsupported_ops_model(os.path.join(folder, "unsupported.onnx")),
         ["Foo", "Bar", "foo_node", "bar_node"]),
    ]


def check_case(kiln, description, path, words):
    start = time.monotonic()
    try:
        run = subprocess.run([kiln, "inspect", path], capture_output=True, text=True,
                             timeout=TIME_LIMIT_S)
    except subprocess.TimeoutExpired:
        return [f"did not finish within {TIME_LIMIT_S}s"]
    elapsed = time.monotonic() - start
    failures = []
    stderr = run.stderr.strip()
    lines = stderr.splitlines()
    if run.returncode != 2:
        failures.append(f"exit status {run.returncode}, want 2")
    if not lines or not lines[0].startswith("kiln: error: "):
        failures.append(f"stderr does not start with 'kiln: error: ': {stderr!r}")
    elif path not in lines[0]:
        failures.append(f"first error line does not name {path}: {lines[0]!r}")
    if len(lines) > 1 and "unsupported" not in description:
        failures.append(f"expected one error line, got {len(lines)}: {stderr!r}")
    for word in words:
        if word not in stderr:
            failures.append(f"message lacks {word!r}: {stderr!r}")
    for sign in CRASH_SIGNS:
        if sign in stderr:
            failures.append(f"looks like a crash ({sign!r}): {stderr!r}")
    if run.stdout:
        failures.append(f"unexpected stdout: {run.stdout[:200]!r}")
    if elapsed > TIME_LIMIT_S / 2:
        failures.append(f"slow: {elapsed:.1f}s")
    return failures


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--kiln", required=True)
    parser.add_argument("--models", required=True)
    args = parser.parse_args()
    failed = False
    with tempfile.TemporaryDirectory(prefix="kiln-cli-errors-") as folder:
        for description, path, words in make_cases(folder, args.models):
            failures = check_case(args.kiln, description, path, words)
            for failure in failures:
                print(f"FAIL {description}: {failure}")
            if not failures:
                print(f"ok: {description}")
            failed |= bool(failures)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
