#!/usr/bin/env python3
"""test_no_inputs.py: a model with no graph inputs (every value computed from its weights) runs
without --input: `kiln run` on the model file (Halide JIT and reference interpreter) and on the
library `kiln compile` makes, whose outputs must equal numpy's. A model that has inputs still
needs them: `kiln run` without --input names the missing input.

Usage: test_no_inputs.py --kiln PATH --models DIR   (exit status 0 = pass)
"""
import os
import subprocess
import sys
import tempfile

import numpy as np
from kiln_e2e import finish, parse_args, run


def no_input_model(path):
    """y = Tile(Relu(c), [2, 1]) and r = Cast(Range(0, 5, 1), f32): no graph inputs."""
    import onnx
    from onnx import TensorProto, helper, numpy_helper
    c = np.array([[-1, 2, -3], [4, -5, 6]], np.float32)
    nodes = [
        helper.make_node("Constant", [], ["c"], value=numpy_helper.from_array(c)),
        helper.make_node("Relu", ["c"], ["relu"]),
        helper.make_node("Constant", [], ["repeats"],
                         value=numpy_helper.from_array(np.array([2, 1], np.int64))),
        helper.make_node("Tile", ["relu", "repeats"], ["y"]),
        helper.make_node("Constant", [], ["start"], value=numpy_helper.from_array(np.array(0, np.int64))),
        helper.make_node("Constant", [], ["limit"], value=numpy_helper.from_array(np.array(5, np.int64))),
        helper.make_node("Constant", [], ["delta"], value=numpy_helper.from_array(np.array(1, np.int64))),
        helper.make_node("Range", ["start", "limit", "delta"], ["range"]),
        helper.make_node("Cast", ["range"], ["r"], to=TensorProto.FLOAT),
    ]
    graph = helper.make_graph(nodes, "no_inputs", [],
                              [helper.make_tensor_value_info("y", TensorProto.FLOAT, [4, 3]),
                               helper.make_tensor_value_info("r", TensorProto.FLOAT, [5])])
    onnx.save(helper.make_model(graph, opset_imports=[helper.make_opsetid("", 13)]), path)
    return {"y": np.tile(np.maximum(c, 0), (2, 1)), "r": np.arange(5, dtype=np.float32)}


def relu_model(path):
    import onnx
    from onnx import TensorProto, helper
    graph = helper.make_graph([helper.make_node("Relu", ["x"], ["y"])], "relu",
                              [helper.make_tensor_value_info("x", TensorProto.FLOAT, [1, 4])],
                              [helper.make_tensor_value_info("y", TensorProto.FLOAT, [1, 4])])
    onnx.save(helper.make_model(graph, opset_imports=[helper.make_opsetid("", 13)]), path)


def check_outputs(what, out_dir, expected, failures):
    for name, want in expected.items():
        got = np.load(os.path.join(out_dir, name + ".npy"))
        ok = got.shape == want.shape and np.array_equal(got, want)
        print(f"{what}: {name} {'ok' if ok else 'FAIL'}", flush=True)
        if not ok:
            failures.append(f"{what}: {name} is {got.tolist()}, expected {want.tolist()}")


def main():
    args = parse_args()
    kiln, failures, checked = args.kiln, [], 0
    with tempfile.TemporaryDirectory() as work:
        model = os.path.join(work, "no_inputs.onnx")
        expected = no_input_model(model)
        for backend in ["halide", "reference"]:
            out_dir = os.path.join(work, backend)
            run([kiln, "run", model, "--backend", backend, "--output-dir", out_dir])
            check_outputs(f"kiln run --backend {backend}", out_dir, expected, failures)
            checked += 1
        lib_dir = os.path.join(work, "lib")
        run([kiln, "compile", model, "-o", lib_dir, "-q"])
        out_dir = os.path.join(work, "lib_out")
        run([kiln, "run", os.path.join(lib_dir, "no_inputs.so"), "--output-dir", out_dir])
        check_outputs("compiled library", out_dir, expected, failures)
        checked += 1

        with_input = os.path.join(work, "relu.onnx")
        relu_model(with_input)
        result = subprocess.run([kiln, "run", with_input, "--output-dir", os.path.join(work, "x")],
                                capture_output=True, text=True)
        checked += 1
        if result.returncode == 0 or "no --input given for model input" not in result.stderr:
            failures.append(f"a model with inputs run without --input: exit {result.returncode}, "
                            f"{result.stderr.strip()}")
    return finish(checked, failures)


if __name__ == "__main__":
    sys.exit(main())
