#!/usr/bin/env python3
"""test_onnx_wild.py: real ONNX files written by other exporters (CNTK, MXNet, keras2onnx,
Caffe2, MATLAB, PaddlePaddle, Chainer, PyTorch 0.4 to 2.9, onnxruntime's quantizer), each
compiled with `kiln compile`, run from the library on a seeded random input and compared with
ONNX Runtime 1.30 CPU (npm onnxruntime-node through bench/ort_peer.py).

The files live outside the repository, in <source>/../shared/onnx-wild (override with
$KILN_ONNX_WILD); PROVENANCE.md there says where each comes from (several have no licence, so
they are never copied into the repository). Without the folder, or without ORT, the test says so
and skips (exit status 77).

Every file has a row in EXPECTATIONS below; a file without one fails (add its row). A row is:
  - Match(): every output within 1e-4 of that output's largest magnitude in ORT's result:
    max|kiln - ort| <= 1e-4 * max|ort| (the issue's acceptance bound), shapes and dtypes equal;
  - QdqMatch(): a QDQ-quantized model, checked layer by layer (below);
  - Reject([ops]): `kiln compile` must fail naming each op, and each must be out of Kiln's scope
    (OUT_OF_SCOPE: data-dependent shapes, control flow, sequences, strings, training).

33_mobilenetv2_qdq_ortquant.onnx (QDQ MobileNetV2, 66 quantized activations) cannot meet a 1e-4
bound against any other implementation, ORT's own included: each QuantizeLinear rounds to whole
steps, so a last-bit difference in a float sum (another summation order) that lands on a rounding
tie moves one element by one step, and every later layer requantizes that difference again.
Measured (seed 33): ORT's default level ("all", which fuses into integer QLinearConv) and ORT with
optimizations disabled differ by ~24% of the largest logit; Kiln against ORT "disabled" by ~15%;
the top-1 class agrees in both. So this row (QdqMatch) checks what is exact and says where the
cascade starts: with every quantized activation made a graph output, Kiln's u8 tensors must equal
ORT("disabled")'s bit for bit up to the first layer that differs at all, that layer may differ
only by rounding ties (at most one step, in at most 1e-3 of its elements), and the final output's
top-1 class must agree with ORT at both levels. Measured: the first three quantized activations
are identical; the fourth differs by one step in 0.001% of its elements.

Usage: test_onnx_wild.py --kiln PATH --models DIR [--only FILE]   (exit 0 = pass, 77 = skipped)
"""
import os
import subprocess
import sys
import tempfile
import time

import numpy as np

from kiln_e2e import finish, parse_args

SOURCE = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
sys.path.insert(0, os.path.join(SOURCE, "bench"))
import ort_peer  # noqa: E402

TOLERANCE = 1e-4
OUT_OF_SCOPE = {"NonZero", "Unique", "Compress", "NonMaxSuppression", "If", "Loop", "Scan",
                "SequenceAt", "SequenceConstruct", "SequenceEmpty", "SequenceErase",
                "SequenceInsert", "SequenceLength", "SplitToSequence", "ConcatFromSequence",
                "StringNormalizer", "RegexFullMatch", "StringConcat", "StringSplit",
                "TfIdfVectorizer", "Gradient", "Momentum", "Adagrad", "Adam"}


class Match:
    """Kiln must match ORT at `optimization` (its graph optimization level) within TOLERANCE."""

    def __init__(self, optimization="all"):
        self.optimization = optimization


class QdqMatch:
    """A QDQ-quantized model: exact quantized activations until rounding ties start a cascade,
    then top-1 agreement (see the module comment)."""


class Reject:
    def __init__(self, ops):
        self.ops = ops


EXPECTATIONS = {
    "01_mnist7_cntk.onnx": Match(),
    "04_mnist_mxnet.onnx": Match(),
    "06_mnist_keras2onnx160.onnx": Match(),
    "08_lenet_pt291_extdata.onnx": Match(),
    "10_fer_pt17.onnx": Match(),
    "12_recycling_cnn_matlab.onnx": Match(),
    "13_picodet_s320_paddle.onnx": Match(),
    "16_light_densenet121_caffe2.onnx": Match(),
    "17_light_inception_v1_caffe2.onnx": Match(),
    "19_light_resnet50_caffe2.onnx": Match(),
    "23_ultraface_rfb320_pt12.onnx": Match(),
    "25_blazeface_pt24.onnx": Match(),
    "27_mobilefacenet_pt201.onnx": Match(),
    "29_lprnet_ocr_pt17.onnx": Match(),
    "31_resnet20_cifar_pt16.onnx": Match(),
    # Rounding cascade through requantization under ORT's QDQ fusion (module comment).
    "33_mobilenetv2_qdq_ortquant.onnx": QdqMatch(),
    "35_style_candy_nc16_pt04.onnx": Match(),
    "37_unet_pt113.onnx": Match(),
    "39_vae_decoder_pt110.onnx": Match(),
    "40_chainer_conv_bn.onnx": Match(),
}


def wild_folder():
    return os.environ.get("KILN_ONNX_WILD") or os.path.join(os.path.dirname(SOURCE), "shared",
                                                            "onnx-wild")


def model_inputs(path, seed):
    """One seeded standard-normal float32 array per graph input (symbolic dims = 1)."""
    import onnx
    model = onnx.load(path, load_external_data=False)
    initializers = {i.name for i in model.graph.initializer}
    rng = np.random.default_rng(seed)
    feeds = {}
    for value in model.graph.input:
        if value.name in initializers:
            continue
        if value.type.tensor_type.elem_type != onnx.TensorProto.FLOAT:
            raise RuntimeError(f"input '{value.name}' is not float32 (the test feeds float32)")
        dims = [d.dim_value if d.dim_value > 0 else 1 for d in value.type.tensor_type.shape.dim]
        feeds[value.name] = rng.standard_normal(dims).astype(np.float32)
    return feeds


def run_ort(peer, path, feeds, optimization, work):
    session = f"{os.path.basename(path)}:{optimization}"
    peer.load(session, path, 2, optimization)
    for name, array in feeds.items():
        peer.set_named_input(session, name, array, work)
    outputs = peer.run_all_outputs(session, work)
    peer.close_session(session)
    return outputs


def run_kiln(kiln, path, feeds, work, stem):
    """Compiles `path` and runs the library; returns ({output name: array}, compile seconds)."""
    started = time.time()
    subprocess.run([kiln, "compile", path, "-o", work, "--name", stem, "-q"], check=True,
                   capture_output=True, text=True)
    compiled = time.time() - started
    args = []
    for index, (name, array) in enumerate(feeds.items()):
        input_path = os.path.join(work, f"{stem}_in{index}.npy")
        np.save(input_path, array)
        args += ["--input", f"{name}={input_path}"]
    out_dir = os.path.join(work, f"{stem}_out")
    subprocess.run([kiln, "run", os.path.join(work, f"{stem}.so"), *args, "--output-dir", out_dir],
                   check=True, capture_output=True, text=True)
    # kiln run names each file after its output, with odd characters as '_'.
    return {f[:-4]: np.load(os.path.join(out_dir, f)) for f in os.listdir(out_dir)}, compiled


def file_name_of(output):
    return "".join(c if c.isalnum() or c in "_-." else "_" for c in output) or "output"


def check_match(kiln, peer, path, expectation, work):
    """Returns the failures of one Match row."""
    name = os.path.basename(path)
    stem = "wild_" + "".join(c if c.isalnum() else "_" for c in name[:-5])
    feeds = model_inputs(path, seed=int(name[:2]) if name[:2].isdigit() else 0)
    expected = run_ort(peer, path, feeds, expectation.optimization, work)
    try:
        actual, compile_seconds = run_kiln(kiln, path, feeds, work, stem)
    except subprocess.CalledProcessError as error:
        return [f"{name}: {' '.join(error.cmd[:2])} failed ({error.returncode}):\n"
                f"{error.stderr.strip()}"]
    failures, errors = [], []
    for output, reference in expected:
        mine = actual.get(file_name_of(output))
        if mine is None:
            failures.append(f"{name}: kiln wrote no output '{output}'")
            continue
        if mine.shape != reference.shape or mine.dtype != reference.dtype:
            failures.append(f"{name} output '{output}': {mine.dtype}{list(mine.shape)} != ORT's "
                            f"{reference.dtype}{list(reference.shape)}")
            continue
        a, e = mine.astype(np.float64), reference.astype(np.float64)
        scale = float(np.abs(e).max())
        error = float(np.abs(a - e).max())
        errors.append(f"{output}: {error / scale if scale else error:.1e}")
        if error > TOLERANCE * scale:
            failures.append(f"{name} output '{output}': max|kiln - ORT({expectation.optimization})|"
                            f" = {error:.3g} > {TOLERANCE} * {scale:.3g}")
    print(f"{name}: compile {compile_seconds:.1f} s; relative max error vs "
          f"ORT({expectation.optimization}) {', '.join(errors)} "
          f"({'ok' if not failures else 'FAIL'})", flush=True)
    return failures


def with_quantized_activations_as_outputs(path, work):
    """A copy of the model whose activation QuantizeLinear outputs are graph outputs too (in graph
    order); returns (path of the copy, their names)."""
    import onnx
    model = onnx.load(path)
    initializers = {t.name: t for t in model.graph.initializer}
    names = []
    for node in model.graph.node:
        if node.op_type != "QuantizeLinear" or node.input[0] in initializers:
            continue
        zero_point = initializers.get(node.input[2]) if len(node.input) > 2 else None
        dtype = zero_point.data_type if zero_point is not None else onnx.TensorProto.UINT8
        model.graph.output.append(onnx.helper.make_tensor_value_info(node.output[0], dtype, None))
        names.append(node.output[0])
    copy = os.path.join(work, "quantized_activations.onnx")
    onnx.save(model, copy)
    return copy, names


def top1(array):
    return array.reshape(array.shape[0], -1).argmax(1)


def check_qdq_match(kiln, peer, path, work):
    """Returns the failures of one QdqMatch row."""
    name = os.path.basename(path)
    feeds = model_inputs(path, seed=int(name[:2]) if name[:2].isdigit() else 0)
    failures = []
    # 1. The model as written: top-1 against ORT at both levels.
    try:
        actual, compile_seconds = run_kiln(kiln, path, feeds, work, "qdq")
    except subprocess.CalledProcessError as error:
        return [f"{name}: {' '.join(error.cmd[:2])} failed ({error.returncode}):\n"
                f"{error.stderr.strip()}"]
    for level in ("disabled", "all"):
        for output, reference in run_ort(peer, path, feeds, level, work):
            mine = actual.get(file_name_of(output))
            if mine is None or mine.shape != reference.shape:
                failures.append(f"{name} output '{output}': missing or of another shape")
                continue
            difference = float(np.abs(mine - reference).max() / np.abs(reference).max())
            agrees = np.array_equal(top1(mine), top1(reference))
            print(f"  '{output}' against ORT({level}): relative difference {difference:.2e}, "
                  f"top-1 {'agrees' if agrees else 'DIFFERS'}")
            if not agrees:
                failures.append(f"{name} output '{output}': top-1 differs from ORT({level})")
    # 2. Every quantized activation: exact until the first rounding tie.
    copy, names = with_quantized_activations_as_outputs(path, work)
    expected = dict(run_ort(peer, copy, feeds, "disabled", work))
    actual, _ = run_kiln(kiln, copy, feeds, work, "qdq_layers")
    first_difference = None
    for index, tensor in enumerate(names):
        mine = actual.get(file_name_of(tensor))
        if mine is None or mine.shape != expected[tensor].shape:
            failures.append(f"{name}: quantized activation '{tensor}' missing or of another shape")
            break
        steps = np.abs(mine.astype(np.int32) - expected[tensor].astype(np.int32))
        if steps.max() == 0:
            continue
        first_difference = index
        fraction = float((steps != 0).mean())
        print(f"  quantized activations 0-{index - 1} of {len(names)} equal ORT(disabled)'s; "
              f"#{index} '{tensor}' differs by at most {steps.max()} step(s) in "
              f"{fraction:.4%} of its elements (rounding ties; later layers requantize them)")
        if steps.max() > 1 or fraction > 1e-3:
            failures.append(f"{name}: the first differing quantized activation '{tensor}' differs "
                            f"by {steps.max()} steps in {fraction:.4%} of its elements (more than"
                            " rounding ties: at most 1 step in 0.1%)")
        break
    if first_difference is None and not failures:
        print(f"  all {len(names)} quantized activations equal ORT(disabled)'s")
    print(f"{name}: compile {compile_seconds:.1f} s ({'ok' if not failures else 'FAIL'})",
          flush=True)
    return failures


def check_reject(kiln, path, expectation, work):
    name = os.path.basename(path)
    outside = [op for op in expectation.ops if op not in OUT_OF_SCOPE]
    if outside:
        return [f"{name}: expected to be rejected for {outside}, which are in Kiln's scope"]
    result = subprocess.run([kiln, "compile", path, "-o", work, "-q"], capture_output=True,
                            text=True)
    if result.returncode == 0:
        return [f"{name}: compiled, but expected a rejection naming {expectation.ops}"]
    missing = [op for op in expectation.ops if op not in result.stderr]
    print(f"{name}: rejected ({'names every op' if not missing else f'misses {missing}'})")
    if missing:
        return [f"{name}: the rejection does not name {missing}:\n{result.stderr.strip()}"]
    return []


def main():
    def options(parser):
        parser.add_argument("--only", help="check only this file")
    args = parse_args(options)
    folder = wild_folder()
    if not os.path.isdir(folder):
        print(f"SKIP: no folder of real ONNX files at {folder} (set KILN_ONNX_WILD)")
        return 77
    try:
        peer = ort_peer.OrtPeer()
    except ort_peer.OrtUnavailable as error:
        print(f"SKIP: ONNX Runtime is unavailable: {error}")
        return 77
    files = sorted(f for f in os.listdir(folder) if f.endswith(".onnx"))
    if args.only:
        files = [f for f in files if f == args.only]
    print(f"{len(files)} files in {folder}; ONNX Runtime {peer.version}")
    failures = []
    started = time.time()
    with tempfile.TemporaryDirectory() as work:
        try:
            for name in files:
                expectation = EXPECTATIONS.get(name)
                path = os.path.join(folder, name)
                file_started = time.time()
                if expectation is None:
                    failures.append(f"{name}: no row in EXPECTATIONS (add Match() or Reject)")
                elif isinstance(expectation, Reject):
                    failures += check_reject(args.kiln, path, expectation, work)
                elif isinstance(expectation, QdqMatch):
                    failures += check_qdq_match(args.kiln, peer, path, work)
                else:
                    try:
                        failures += check_match(args.kiln, peer, path, expectation, work)
                    except RuntimeError as error:  # ORT could not run the file
                        failures.append(f"{name}: {error}")
                print(f"  ({time.time() - file_started:.1f} s)", flush=True)
        finally:
            peer.close()
    print(f"total {time.time() - started:.1f} s")
    return finish(len(files), failures)


if __name__ == "__main__":
    sys.exit(main())
