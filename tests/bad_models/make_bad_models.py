#!/usr/bin/env python3
"""make_bad_models.py: writes the catalog of hostile models (ONNX, Keras JSON + HDF5 weights,
legacy .h5, .keras archives) into a folder. Each case is a small file that claims something
absurd or breaks a structural rule; `expected_errors.tsv` beside this script holds the words
Kiln's one error line must contain for each. tests/e2e/test_bad_models.py runs the catalog.

Usage: make_bad_models.py --out DIR   (prints one line per case: NAME PATH [ARGS...])
"""
import argparse
import json
import os
import struct
import sys
import zipfile

import numpy as np
from onnx import TensorProto, helper

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "keras",
                                "fixtures"))
import keras_layouts  # noqa: E402  (tests/keras/fixtures: Keras's on-disk layouts)

F = TensorProto.FLOAT
I64 = TensorProto.INT64
BIG = 2 ** 31  # one past Halide's largest extent


class Case:
    """One hostile model: its name (the row in expected_errors.tsv), the model path and any extra
    arguments (`--keras-weights FILE`) and the file the error must name (the weights file when
    that is the one at fault)."""

    def __init__(self, name, path, args=(), blame=None):
        self.name, self.path, self.args = name, path, list(args)
        self.blame = blame or path  # the file the error must name


# --- ONNX -------------------------------------------------------------------------------------

def onnx_model(nodes, inputs, outputs, initializers=(), opset=13, value_info=()):
    graph = helper.make_graph(nodes, "bad", inputs, outputs, list(initializers),
                              value_info=list(value_info))
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", opset)])
    model.ir_version = 8
    return model


def vi(name, shape, dtype=F):
    return helper.make_tensor_value_info(name, dtype, shape)


def weight(name, shape, value=0.1):
    return helper.make_tensor(name, F, shape, np.full(shape, value, np.float32).tobytes(),
                              raw=True)


def relu_model(shape):
    return onnx_model([helper.make_node("Relu", ["x"], ["y"], name="relu")],
                      [vi("x", shape)], [vi("y", None)])


def conv_model(x_shape=(1, 3, 8, 8), w_shape=(4, 3, 3, 3), **attrs):
    nodes = [helper.make_node("Conv", ["x", "w"], ["y"], name="conv", **attrs)]
    return onnx_model(nodes, [vi("x", list(x_shape))], [vi("y", None)],
                      [weight("w", list(w_shape))])


def pool_model(op="MaxPool", x_shape=(1, 3, 8, 8), **attrs):
    nodes = [helper.make_node(op, ["x"], ["y"], name="pool", **attrs)]
    return onnx_model(nodes, [vi("x", list(x_shape))], [vi("y", None)])


def chain_model(nodes, initializers=()):
    return onnx_model(nodes, [vi("x", [1, 4])], [vi("y", None)], initializers)


def raw_tensor(name, dims, data_type=F, raw=b""):
    tensor = TensorProto()
    tensor.name, tensor.data_type = name, data_type
    tensor.dims.extend(dims)
    tensor.raw_data = raw
    return tensor


def float_data_tensor(name, dims, values):
    tensor = TensorProto()
    tensor.name, tensor.data_type = name, F
    tensor.dims.extend(dims)
    tensor.float_data.extend(values)
    return tensor


def add_of(initializer):
    """y = x + initializer (x: [1, 4])."""
    return chain_model([helper.make_node("Add", ["x", initializer.name], ["y"], name="add")],
                       [initializer])


def external(name, location, offset=None, length=None, dims=(4,)):
    tensor = TensorProto()
    tensor.name, tensor.data_type = name, F
    tensor.dims.extend(dims)
    tensor.data_location = TensorProto.EXTERNAL
    for key, value in (("location", location), ("offset", offset), ("length", length)):
        if value is not None:
            entry = tensor.external_data.add()
            entry.key, entry.value = key, str(value)
    return add_of(tensor)


def varint(n):
    out = bytearray()
    while True:
        byte = n & 0x7F
        n >>= 7
        out.append(byte | (0x80 if n else 0))
        if not n:
            return bytes(out)


def field(number, payload):
    """A length-delimited protobuf field."""
    return varint(number << 3 | 2) + varint(len(payload)) + payload


def deeply_nested_model(depth):
    """A Relu whose attribute holds a graph whose node's attribute holds a graph ... `depth`
    levels down, encoded by hand (protobuf's own serialiser recurses)."""
    graph = b""
    for level in range(depth):
        attribute = field(1, b"body") + field(6, graph) + varint(20 << 3) + varint(5)
        node = field(1, b"x") + field(2, b"y") + field(3, b"n%d" % level) + field(4, b"Relu")
        graph = field(1, node + field(5, attribute))
    opset = field(8, field(1, b"") + varint(2 << 3) + varint(13))
    return varint(1 << 3) + varint(8) + opset + field(7, graph)


def write_onnx(folder, name, model):
    path = os.path.join(folder, name + ".onnx")
    with open(path, "wb") as f:
        f.write(model if isinstance(model, bytes) else model.SerializeToString())
    return Case(name, path)


def external_cases(folder):
    """External data that escapes the model's folder, each model in a folder of its own."""
    outside = os.path.join(folder, "outside.bin")
    with open(outside, "wb") as f:
        f.write(b"\0" * 64)
    cases = []

    def model_dir(name):
        path = os.path.join(folder, name)
        os.makedirs(path, exist_ok=True)
        return path

    for name, location in (("external_dotdot", "../outside.bin"),
                           ("external_absolute", outside),
                           ("external_missing", "missing.bin"),
                           ("external_directory", "."),
                           ("external_no_location", None)):
        cases.append(write_onnx(model_dir(name), name, external("w", location)))
    os.symlink(outside, os.path.join(model_dir("external_symlink"), "w.bin"))
    cases.append(write_onnx(model_dir("external_symlink"), "external_symlink",
                            external("w", "w.bin")))
    os.link(outside, os.path.join(model_dir("external_hardlink"), "w.bin"))
    cases.append(write_onnx(model_dir("external_hardlink"), "external_hardlink",
                            external("w", "w.bin")))
    inside = model_dir("external_offset_overflow")
    with open(os.path.join(inside, "w.bin"), "wb") as f:
        f.write(b"\0" * 64)
    cases.append(write_onnx(inside, "external_offset_overflow",
                            external("w", "w.bin", offset=2 ** 64 - 8, length=16)))
    inside = model_dir("external_length_mismatch")
    with open(os.path.join(inside, "w.bin"), "wb") as f:
        f.write(b"\0" * 64)
    cases.append(write_onnx(inside, "external_length_mismatch",
                            external("w", "w.bin", offset=0, length=2 ** 63)))
    return cases


def onnx_cases(folder):
    models = {
        # Sizes: products past int64, extents past Halide's 2^31, negative and zero dims.
        "input_dims_overflow_int64": relu_model([BIG, BIG, 2 ** 20, 7]),
        "input_extent_over_2_31": relu_model([1, BIG]),
        "input_elements_over_2_31": relu_model([65536, 65536]),
        "input_negative_dim": relu_model([1, -3]),
        "input_zero_dim": conv_model(x_shape=(0, 3, 8, 8)),
        "input_rank_1000": relu_model([1] * 1000),
        "pad_output_over_2_31": onnx_model(
            [helper.make_node("Pad", ["x", "p"], ["y"], name="pad")], [vi("x", [1, 4])],
            [vi("y", None)],
            [helper.make_tensor("p", TensorProto.INT64, [4], [0, 0, 0, BIG - 4])]),
        "pad_pads_overflow_int64": onnx_model(
            [helper.make_node("Pad", ["x", "p"], ["y"], name="pad")], [vi("x", [1, 4])],
            [vi("y", None)],
            [helper.make_tensor("p", TensorProto.INT64, [4], [0, 0, 2 ** 62, 2 ** 62])]),
        "conv_pads_overflow_int64": conv_model(pads=[0, 0, 2 ** 62, 2 ** 62]),
        "conv_zero_stride": conv_model(strides=[0, 1]),
        "conv_negative_stride": conv_model(strides=[-1, 1]),
        "conv_zero_kernel": conv_model(w_shape=(4, 3, 0, 3)),
        "conv_zero_group": conv_model(group=0),
        "conv_group_not_dividing": conv_model(w_shape=(4, 1, 3, 3), group=2),
        "conv_zero_dilation": conv_model(dilations=[0, 1]),
        "conv_kernel_larger_than_input": conv_model(w_shape=(4, 3, 9, 9)),
        "maxpool_zero_kernel": pool_model(kernel_shape=[0, 2]),
        "maxpool_window_larger_than_input": pool_model(kernel_shape=[9, 9]),
        "averagepool_zero_stride": pool_model("AveragePool", kernel_shape=[2, 2],
                                              strides=[0, 2]),
        # Axes, permutations, indices and steps out of range.
        "concat_axis_out_of_range": chain_model(
            [helper.make_node("Concat", ["x", "x"], ["y"], name="concat", axis=100)]),
        "transpose_perm_huge": chain_model(
            [helper.make_node("Transpose", ["x"], ["y"], name="transpose", perm=[0, 2 ** 62])]),
        "gather_index_out_of_range": chain_model(
            [helper.make_node("Gather", ["x", "i"], ["y"], name="gather", axis=1)],
            [helper.make_tensor("i", I64, [1], [2 ** 40])]),
        "slice_zero_step": chain_model(
            [helper.make_node("Slice", ["x", "s", "e", "a", "st"], ["y"], name="slice")],
            [helper.make_tensor(n, I64, [1], [v])
             for n, v in (("s", 0), ("e", 4), ("a", 1), ("st", 0))]),
        "unsqueeze_to_rank_22": chain_model(
            [helper.make_node("Unsqueeze", ["x", "a"], ["y"], name="unsqueeze")],
            [helper.make_tensor("a", I64, [20], list(range(20)))]),
        "reshape_two_minus_one": chain_model(
            [helper.make_node("Reshape", ["x", "s"], ["y"], name="reshape")],
            [helper.make_tensor("s", I64, [2], [-1, -1])]),
        "reducemean_axis_huge": chain_model(
            [helper.make_node("ReduceMean", ["x"], ["y"], name="mean", axes=[2 ** 62])]),
        "softmax_axis_out_of_range": chain_model(
            [helper.make_node("Softmax", ["x"], ["y"], name="softmax", axis=-9)]),
        "maxpool_kernel_2_40": pool_model(kernel_shape=[2 ** 40, 1]),
        # Structure: cycles, self-loops, duplicate or missing definitions, no outputs.
        "cycle": chain_model([helper.make_node("Relu", ["b"], ["a"], name="first"),
                              helper.make_node("Relu", ["a"], ["b"], name="second"),
                              helper.make_node("Add", ["x", "b"], ["y"], name="add")]),
        "self_loop": chain_model([helper.make_node("Add", ["x", "y"], ["y"], name="loop")]),
        "duplicate_output": chain_model([helper.make_node("Relu", ["x"], ["y"], name="one"),
                                         helper.make_node("Relu", ["x"], ["y"], name="two")]),
        "output_shadows_input": chain_model([helper.make_node("Relu", ["x"], ["x"], name="r"),
                                             helper.make_node("Relu", ["x"], ["y"], name="s")]),
        "duplicate_initializer": chain_model(
            [helper.make_node("Add", ["x", "w"], ["y"], name="add")],
            [weight("w", [4]), weight("w", [4])]),
        "undefined_input": chain_model([helper.make_node("Add", ["x", "nowhere"], ["y"],
                                                         name="add")]),
        "no_outputs": onnx_model([helper.make_node("Relu", ["x"], ["y"], name="relu")],
                                 [vi("x", [1, 4])], []),
        "output_never_produced": onnx_model([helper.make_node("Relu", ["x"], ["y"], name="r")],
                                            [vi("x", [1, 4])], [vi("z", None)]),
        # Initializers whose data disagrees with their dims, or that claim absurd sizes.
        "initializer_raw_short": add_of(raw_tensor("w", [4], raw=b"\0" * 12)),
        "initializer_raw_long": add_of(raw_tensor("w", [4], raw=b"\0" * 20)),
        "initializer_float_data_short": add_of(float_data_tensor("w", [4], [1.0, 2.0])),
        "initializer_huge_claim": add_of(raw_tensor("w", [2 ** 40, 2 ** 40])),
        "initializer_claim_4gib": add_of(raw_tensor("w", [2 ** 30, 4])),
        "initializer_negative_dim": add_of(raw_tensor("w", [-4])),
        # Nested graphs and deep nesting.
        "graph_attribute": chain_model([helper.make_node(
            "Relu", ["x"], ["y"], name="relu",
            body=helper.make_graph([], "inner", [], []))]),
        "deep_protobuf_nesting": deeply_nested_model(1000),
        # NaN / Inf attributes and unknown dtype codes.
        "leakyrelu_nan_alpha": chain_model([helper.make_node("LeakyRelu", ["x"], ["y"],
                                                             name="leaky", alpha=float("nan"))]),
        "gemm_inf_alpha": chain_model([helper.make_node("Gemm", ["x", "w"], ["y"], name="gemm",
                                                        alpha=float("inf"))],
                                      [weight("w", [4, 4])]),
        "batchnorm_nan_epsilon": onnx_model(
            [helper.make_node("BatchNormalization", ["x", "s", "b", "m", "v"], ["y"], name="bn",
                              epsilon=float("nan"))],
            [vi("x", [1, 3, 4, 4])], [vi("y", None)],
            [weight(n, [3]) for n in "sbmv"]),
        "input_unknown_dtype": onnx_model([helper.make_node("Relu", ["x"], ["y"], name="relu")],
                                          [vi("x", [1, 4], dtype=999)], [vi("y", None)]),
        "initializer_unknown_dtype": add_of(raw_tensor("w", [4], data_type=77, raw=b"\0" * 16)),
        "cast_unknown_dtype": chain_model([helper.make_node("Cast", ["x"], ["y"], name="cast",
                                                            to=999)]),
    }
    return [write_onnx(folder, name, model) for name, model in models.items()] + \
        external_cases(folder)


# --- Keras ------------------------------------------------------------------------------------

Layer = keras_layouts.Layer


def input_layer(shape, name="input"):
    return Layer("InputLayer", name, {"batch_input_shape": [None, *shape]})


def conv_layer(name="conv", inputs=("input",), **config):
    base = {"filters": 4, "kernel_size": [3, 3], "strides": [1, 1], "padding": "valid",
            "data_format": "channels_last", "dilation_rate": [1, 1], "groups": 1,
            "activation": "linear", "use_bias": False}
    base.update(config)
    return Layer("Conv2D", name, base, inputs)


def sequential(*layers):
    return keras_layouts.keras2_config(list(layers), [layers[-1].name], sequential=True)


def write_json(folder, name, config):
    path = os.path.join(folder, name + ".json")
    with open(path, "w") as f:
        f.write(config if isinstance(config, str) else json.dumps(config))
    return Case(name, path)


def small_cnn():
    kernel = np.full((3, 3, 3, 4), 0.1, np.float32)
    layers = [input_layer([8, 8, 3]), conv_layer(inputs=("input",))]
    layers[1].weights = [("kernel", kernel)]
    return layers


def keras_json_cases(folder):
    def functional(layers, outputs):
        return keras_layouts.keras2_config(layers, outputs)

    relu = lambda name, inputs: Layer("ReLU", name, {}, inputs)  # noqa: E731
    configs = {
        "keras_input_dims_overflow": sequential(input_layer([BIG, BIG, 2 ** 20]),
                                                Layer("ReLU", "relu", {})),
        "keras_input_extent_over_2_31": sequential(input_layer([BIG, 1, 1]),
                                                   Layer("ReLU", "relu", {})),
        "keras_input_negative_dim": sequential(input_layer([8, -8, 3]), conv_layer()),
        "keras_input_zero_dim": sequential(input_layer([8, 0, 3]), conv_layer()),
        # Placeholder weights (no weights file) of 64 GiB, and a count too large for Kiln.
        "keras_dense_huge_units": sequential(input_layer([16]),
                                             Layer("Dense", "dense", {"units": 2 ** 30})),
        "keras_dense_units_over_2_31": sequential(input_layer([16]),
                                                  Layer("Dense", "dense", {"units": 2 ** 40})),
        "keras_conv_zero_strides": sequential(input_layer([8, 8, 3]), conv_layer(strides=[0, 1])),
        "keras_conv_zero_kernel": sequential(input_layer([8, 8, 3]),
                                             conv_layer(kernel_size=[0, 3])),
        "keras_conv_zero_groups": sequential(input_layer([8, 8, 3]), conv_layer(groups=0)),
        "keras_conv_negative_filters": sequential(input_layer([8, 8, 3]), conv_layer(filters=-4)),
        "keras_conv_float_overflow_filters": sequential(input_layer([8, 8, 3]),
                                                        conv_layer(filters=1e30)),
        "keras_pool_larger_than_input": sequential(
            input_layer([8, 8, 3]), Layer("MaxPooling2D", "pool",
                                          {"pool_size": [9, 9], "strides": [1, 1],
                                           "padding": "valid", "data_format": "channels_last"})),
        "keras_cycle": functional([input_layer([4]), relu("a", ["b"]), relu("b", ["a"])], ["b"]),
        "keras_self_loop": functional([input_layer([4]), relu("a", ["a"])], ["a"]),
        "keras_duplicate_layer_names": functional(
            [input_layer([4]), relu("a", ["input"]), relu("a", ["input"])], ["a"]),
        "keras_undefined_inbound": functional([input_layer([4]), relu("a", ["ghost"])], ["a"]),
        "keras_no_outputs": functional([input_layer([4]), relu("a", ["input"])], []),
        # json.dumps writes Python's NaN as a bare NaN, which is not JSON.
        "keras_leakyrelu_nan_alpha": sequential(input_layer([4]),
                                                Layer("LeakyReLU", "leaky",
                                                      {"alpha": float("nan")})),
        # and float("inf") as a bare Infinity.
        "keras_rescaling_inf_scale": sequential(input_layer([4]),
                                                Layer("Rescaling", "rescale", {"scale": 1e999,
                                                                               "offset": 0.0})),
        "keras_conv_strides_huge": sequential(input_layer([8, 8, 3]),
                                              conv_layer(strides=[2 ** 62, 1])),
        "keras_depthwise_zero_multiplier": sequential(input_layer([8, 8, 3]), Layer(
            "DepthwiseConv2D", "depthwise",
            {"kernel_size": [3, 3], "strides": [1, 1], "padding": "valid", "depth_multiplier": 0,
             "data_format": "channels_last", "dilation_rate": [1, 1], "use_bias": False,
             "activation": "linear"})),
        "keras_upsampling_zero": sequential(input_layer([8, 8, 3]), Layer(
            "UpSampling2D", "upsample", {"size": [0, 1], "data_format": "channels_last",
                                         "interpolation": "nearest"})),
        "keras_zero_padding_negative": sequential(input_layer([8, 8, 3]), Layer(
            "ZeroPadding2D", "pad", {"padding": [[-3, 0], [0, 0]],
                                     "data_format": "channels_last"})),
        "keras_cropping_huge": sequential(input_layer([8, 8, 3]), Layer(
            "Cropping2D", "crop", {"cropping": [[2 ** 62, 2 ** 62], [0, 0]],
                                   "data_format": "channels_last"})),
        "keras_cropping_leaves_nothing": sequential(input_layer([8, 8, 3]), Layer(
            "Cropping2D", "crop", {"cropping": [[4, 4], [0, 0]], "data_format": "channels_last"})),
        "keras_reshape_huge": sequential(input_layer([16]), Layer(
            "Reshape", "reshape", {"target_shape": [2 ** 40, 2 ** 40]})),
        "keras_input_rank_41": sequential(input_layer([1] * 40), Layer("ReLU", "relu", {})),
    }
    # A Keras 2 inbound node whose node and tensor indices are not integers.
    garbage = functional([input_layer([4]), relu("a", ["input"])], ["a"])
    garbage["config"]["layers"][1]["inbound_nodes"] = [[["input", "x", {}, {}]]]
    configs["keras_inbound_garbage"] = garbage
    # keras2_config writes every layer's dtype as float32; this input claims another.
    configs["keras_unknown_dtype"] = sequential(input_layer([4]), Layer("ReLU", "relu", {}))
    configs["keras_unknown_dtype"]["config"]["layers"][0]["config"]["dtype"] = "float128"
    cases = [write_json(folder, name, config) for name, config in configs.items()]
    cases.append(write_json(folder, "keras_number_out_of_range", json.dumps(
        sequential(input_layer([4]), Layer("LeakyReLU", "leaky", {"alpha": 0.125}))).replace(
            "0.125", "1e999")))
    cases.append(write_json(folder, "keras_deeply_nested_json", "[" * 200000 + "]" * 200000))
    deep = "[" * 100000 + "]" * 100000
    cases.append(write_json(folder, "keras_deeply_nested_config", json.dumps(
        sequential(input_layer([4]), Layer("ReLU", "relu", {}))).replace(
            "[null, 4]", f"[null, {deep}]")))
    return cases


def keras_h5_cases(folder):
    layers = small_cnn()
    config = keras_layouts.keras2_config(layers, ["conv"], sequential=True)
    good = os.path.join(folder, "keras_good.h5")
    keras_layouts.write_full_h5(good, config, layers)
    with open(good, "rb") as f:
        data = f.read()
    cases = []
    truncated = os.path.join(folder, "keras_h5_truncated.h5")
    with open(truncated, "wb") as f:
        f.write(data[:len(data) // 2])
    cases.append(Case("keras_h5_truncated", truncated))
    corrupt = bytearray(data)
    for offset in range(512, len(corrupt), 97):  # the superblock survives, the B-trees do not
        corrupt[offset] ^= 0x5A
    path = os.path.join(folder, "keras_h5_corrupt.h5")
    with open(path, "wb") as f:
        f.write(bytes(corrupt))
    cases.append(Case("keras_h5_corrupt", path))

    # A weights dataset that claims 2^42 floats but stores none (HDF5 allocates lazily).
    import h5py
    path = os.path.join(folder, "keras_h5_huge_dataset.h5")
    keras_layouts.write_full_h5(path, config, layers)
    with h5py.File(path, "a") as f:
        group = f["model_weights/conv"]
        name = group.attrs["weight_names"][0].decode()
        del group[name]
        group.create_dataset(name, shape=(2 ** 21, 2 ** 21), dtype="f4", chunks=(1, 1024))
    cases.append(Case("keras_h5_huge_dataset", path))

    path = os.path.join(folder, "keras_h5_string_weights.h5")
    keras_layouts.write_full_h5(path, config, layers)
    with h5py.File(path, "a") as f:
        group = f["model_weights/conv"]
        name = group.attrs["weight_names"][0].decode()
        del group[name]
        group.create_dataset(name, data=np.array([b"not a float"] * 108))
    cases.append(Case("keras_h5_string_weights", path))

    # A JSON description with a separate weights file that is not HDF5 at all.
    json_path = write_json(folder, "keras_json_bad_weights", config).path
    weights = os.path.join(folder, "keras_json_bad_weights.weights.h5")
    with open(weights, "wb") as f:
        f.write(b"\x89HDF\r\n\x1a\n" + b"\xff" * 600)
    cases.append(Case("keras_json_bad_weights", json_path, ["--keras-weights", weights],
                      blame=weights))
    return cases


def write_zip(path, members, compression=zipfile.ZIP_DEFLATED):
    with zipfile.ZipFile(path, "w", compression) as z:
        for name, data in members:
            z.writestr(zipfile.ZipInfo(name), data, compress_type=compression)


def keras_archive_cases(folder):
    layers = small_cnn()
    config = keras_layouts.keras3_config(layers, ["conv"], {"input": [None, 8, 8, 3]},
                                         sequential=True)
    good = os.path.join(folder, "keras_good.keras")
    keras_layouts.write_keras_zip(good, config, layers)
    with zipfile.ZipFile(good) as z:
        members = {n: z.read(n) for n in z.namelist()}
    cases = []

    def archive(name, entries):
        path = os.path.join(folder, name + ".keras")
        write_zip(path, entries)
        cases.append(Case(name, path))

    archive("keras_archive_traversal", [("../../config.json", members["config.json"]),
                                        ("metadata.json", members["metadata.json"]),
                                        ("model.weights.h5", members["model.weights.h5"])])
    archive("keras_archive_absolute_entry", list(members.items()) +
            [("/etc/kiln-evil", b"x")])
    # 1.25 GiB of spaces after the JSON, 6 MB compressed: reading it whole would pass 1 GiB.
    path = os.path.join(folder, "keras_archive_bomb.keras")
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED, compresslevel=1) as z:
        z.writestr("metadata.json", members["metadata.json"])
        with z.open("config.json", "w", force_zip64=True) as member:
            member.write(members["config.json"])
            spaces = b" " * 2 ** 26
            for _ in range(20):
                member.write(spaces)
        z.writestr("model.weights.h5", members["model.weights.h5"])
    cases.append(Case("keras_archive_bomb", path))
    # Weights padded with 256 MiB of zeros: past 64 MiB, a ratio no real weights reach.
    path = os.path.join(folder, "keras_archive_weights_bomb.keras")
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED, compresslevel=1) as z:
        z.writestr("metadata.json", members["metadata.json"])
        z.writestr("config.json", members["config.json"])
        with z.open("model.weights.h5", "w", force_zip64=True) as member:
            member.write(members["model.weights.h5"])
            zeros = bytes(2 ** 26)
            for _ in range(4):
                member.write(zeros)
    cases.append(Case("keras_archive_weights_bomb", path))
    archive("keras_archive_no_config", [("metadata.json", members["metadata.json"]),
                                        ("model.weights.h5", members["model.weights.h5"])])
    archive("keras_archive_config_not_json", [("config.json", b"{\"class_name\": [1, 2"),
                                              ("metadata.json", members["metadata.json"]),
                                              ("model.weights.h5", members["model.weights.h5"])])
    archive("keras_archive_weights_not_hdf5", [("config.json", members["config.json"]),
                                               ("metadata.json", members["metadata.json"]),
                                               ("model.weights.h5", b"\0" * 4096)])
    # A local header that claims a far larger uncompressed size than the data holds.
    path = os.path.join(folder, "keras_archive_lying_size.keras")
    with open(good, "rb") as f:
        data = bytearray(f.read())
    at = data.find(b"PK\x01\x02")  # the central directory's first entry
    while at >= 0:
        struct.pack_into("<I", data, at + 24, 0x7FFFFFF0)  # uncompressed size
        at = data.find(b"PK\x01\x02", at + 4)
    with open(path, "wb") as f:
        f.write(bytes(data))
    cases.append(Case("keras_archive_lying_size", path))
    truncated = os.path.join(folder, "keras_archive_truncated.keras")
    with open(truncated, "wb") as f:
        f.write(bytes(data[:len(data) // 3]))
    cases.append(Case("keras_archive_truncated", truncated))
    return cases


def make_all(folder):
    """Writes every case into `folder`; returns the cases in catalog order."""
    os.makedirs(folder, exist_ok=True)
    return (onnx_cases(folder) + keras_json_cases(folder) + keras_h5_cases(folder) +
            keras_archive_cases(folder))


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--out", required=True)
    for case in make_all(parser.parse_args().out):
        print(case.name, case.path, *case.args)


if __name__ == "__main__":
    main()
