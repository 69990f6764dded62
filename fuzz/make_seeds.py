#!/usr/bin/env python3
"""make_seeds.py: writes the seed corpus of every fuzz target into OUT/<target>/ from the test
models (the MNIST CNN of tests/models/export_models.py, the hostile catalog of
tests/bad_models/make_bad_models.py, the Keras fixtures, small ONNX node-test models, the lit
tests' IR text) plus .npy files and external-data TensorProtos made here. Nothing large is kept
in the repository; scripts/fuzz.sh runs this into its build folder.

Usage: /usr/bin/python3 fuzz/make_seeds.py --out DIR
"""
import argparse
import glob
import hashlib
import io
import os
import shutil
import subprocess
import sys
import tempfile

import numpy as np
from onnx import TensorProto

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
NODE_TESTS = "/usr/share/libonnx-testdata/data/node"
MAX_SEED_BYTES = 256 * 1024  # larger seeds slow every execution down


class Corpus:
    """One target's seed folder; seeds are named by content hash, as libFuzzer names them."""

    def __init__(self, out, target):
        self.folder = os.path.join(out, target)
        os.makedirs(self.folder, exist_ok=True)
        self.count = 0

    def add(self, data):
        if len(data) > MAX_SEED_BYTES:
            return
        name = hashlib.sha1(data).hexdigest()
        with open(os.path.join(self.folder, name), "wb") as f:
            f.write(data)
        self.count += 1

    def add_file(self, path):
        with open(path, "rb") as f:
            self.add(f.read())


def run(script, *args):
    env = dict(os.environ, PYTHONDONTWRITEBYTECODE="1")
    subprocess.run([sys.executable, script, *args], check=True, env=env,
                   stdout=subprocess.DEVNULL)


def model_seeds(out, scratch):
    onnx_seeds = Corpus(out, "onnx")
    keras = {"keras-json": Corpus(out, "keras-json"), "keras-h5": Corpus(out, "keras-h5"),
             "keras-archive": Corpus(out, "keras-archive")}
    run(os.path.join(ROOT, "tests/models/export_models.py"), "--out", scratch, "--only",
        "mnist_cnn")
    run(os.path.join(ROOT, "tests/bad_models/make_bad_models.py"), "--out", scratch)
    run(os.path.join(ROOT, "tests/keras/fixtures/write_keras_fixtures.py"), "--out",
        os.path.join(scratch, "keras"))
    for path in glob.glob(os.path.join(scratch, "**", "*"), recursive=True):
        if not os.path.isfile(path) or os.path.islink(path):
            continue
        name = path.lower()
        if name.endswith(".onnx"):
            onnx_seeds.add_file(path)
        elif name.endswith(".json") and not name.endswith("manifest.json"):
            keras["keras-json"].add_file(path)
        elif name.endswith((".h5", ".hdf5")):
            keras["keras-h5"].add_file(path)
        elif name.endswith(".keras"):
            keras["keras-archive"].add_file(path)
    for path in sorted(glob.glob(os.path.join(NODE_TESTS, "*", "model.onnx"))):
        if os.path.getsize(path) <= 4096:
            onnx_seeds.add_file(path)
    return [onnx_seeds, *keras.values()]


def ir_text_seeds(out):
    corpus = Corpus(out, "ir-text")
    for path in glob.glob(os.path.join(ROOT, "tests/lit/**/*.kir"), recursive=True):
        corpus.add_file(path)
    return corpus


def npy_seeds(out):
    corpus = Corpus(out, "npy")
    arrays = [np.arange(6, dtype=np.float32).reshape(2, 3), np.zeros((1, 3, 4, 4), np.float32),
              np.array(3.5, np.float32), np.arange(4, dtype=np.int64), np.zeros((0, 2), np.float32),
              np.arange(8, dtype=np.int32).reshape(2, 2, 2), np.array([True, False]),
              np.arange(3, dtype=np.float64), np.asfortranarray(np.ones((2, 3), np.float32))]
    for array in arrays:
        for version in [(1, 0), (2, 0), (3, 0)]:
            buffer = io.BytesIO()
            np.lib.format.write_array(buffer, array, version=version)
            corpus.add(buffer.getvalue())
    return corpus


def external_data_seeds(out):
    """TensorProtos naming the files the fuzz target's model folder holds."""
    corpus = Corpus(out, "external-data")
    cases = [("weights.bin", None, None, [64]), ("weights.bin", 16, 64, [16]),
             ("weights.bin", 252, None, [1]), ("weights.bin", 256, None, [1]),
             ("sub/w.bin", None, None, [4]), ("inside.bin", 0, 16, [4]),
             ("escape.bin", None, None, [4]), ("hard.bin", None, None, [4]),
             ("../outside.bin", None, None, [4]), ("/etc/hostname", None, None, [1]),
             ("dir", None, None, [1]), ("missing.bin", None, None, [1]),
             ("weights.bin", 18446744073709551615, 4, [1]), ("sub/../weights.bin", None, 8, [2]),
             ("./weights.bin", None, None, [2, 2])]
    for location, offset, length, dims in cases:
        tensor = TensorProto(name="w", data_type=TensorProto.FLOAT, dims=dims,
                             data_location=TensorProto.EXTERNAL)
        for key, value in (("location", location), ("offset", offset), ("length", length)):
            if value is not None:
                entry = tensor.external_data.add()
                entry.key, entry.value = key, str(value)
        corpus.add(tensor.SerializeToString())
    return corpus


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", required=True)
    out = parser.parse_args().out
    scratch = tempfile.mkdtemp(prefix="kiln-seeds-")
    try:
        corpora = model_seeds(out, scratch)
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
    corpora += [ir_text_seeds(out), npy_seeds(out), external_data_seeds(out)]
    for corpus in corpora:
        print(f"{os.path.basename(corpus.folder)}: {corpus.count} seeds")


if __name__ == "__main__":
    main()
