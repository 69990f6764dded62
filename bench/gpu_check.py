#!/usr/bin/env python3
"""gpu_check.py: the Python side of bench/gpu_prepare.sh and bench/gpu_check.sh.

--write-input PACK NAME BATCH FILE: (prepare side) writes the input gpu_check regenerates for
  NAME at BATCH (torch.randn with a fixed seed per batch) to FILE, and PACK/NAME.json with the
  model's input shape.
--check PACK [--budget-s S] [--out FILE]: (GPU side) for every PACK/NAME.so: runs it through its
  C API (ctypes; libcuda.so.1 is loaded with RTLD_GLOBAL first, which Halide's CUDA runtime
  finds), compares with PACK/NAME_ref{1,32}.npy (1e-4 relative max error), times it and PyTorch
  (fp32 with TF32 off, and PyTorch's default flags) at batch 1 and 32, and writes the report.
Kiln and PyTorch are both timed from host inputs to host outputs (the copies included), the
median of up to 20 runs after 3 warm-up runs (fewer when a model's runs pass 3 s).
"""
import argparse
import ctypes
import json
import os
import statistics
import sys
import time

import numpy as np
import torch

HERE = os.path.dirname(os.path.abspath(__file__))
BATCHES = [1, 32]
TOLERANCE = 1e-4


def make_input(shape, batch):
    generator = torch.Generator().manual_seed(1000 + batch)
    return torch.randn(batch, *shape, generator=generator).numpy()


def write_input(pack, name, batch, path):
    sys.path.insert(0, os.path.join(HERE, "..", "tests", "models"))
    import export_models
    _, shape = export_models.MODELS[name]
    with open(os.path.join(pack, f"{name}.json"), "w") as f:
        json.dump({"input_shape": list(shape)}, f)
    np.save(path, make_input(shape, batch))


class Library:
    """A compiled model with one input and one output and a symbolic batch (the zoo's form)."""

    class Inputs(ctypes.Structure):
        _fields_ = [("batch", ctypes.c_int64), ("input", ctypes.c_void_p)]

    class Outputs(ctypes.Structure):
        _fields_ = [("output", ctypes.c_void_p)]

    def __init__(self, path, name):
        self.lib = ctypes.CDLL(path)
        self.run_fn = getattr(self.lib, f"{name}_run")
        self.error_fn = getattr(self.lib, f"{name}_last_error")
        self.error_fn.restype = ctypes.c_char_p

    def run(self, x, out_shape):
        y = np.zeros(out_shape, np.float32)
        x = np.ascontiguousarray(x, np.float32)
        inputs, outputs = self.Inputs(x.shape[0], x.ctypes.data), self.Outputs(y.ctypes.data)
        status = self.run_fn(ctypes.byref(inputs), ctypes.byref(outputs))
        if status != 0:
            raise RuntimeError(f"status {status}: {self.error_fn().decode(errors='replace')}")
        return y


def median_ms(fn, deadline_s=3.0, runs=20, warmup=3):
    for _ in range(warmup):
        fn()
    times, start = [], time.perf_counter()
    while len(times) < runs and (not times or time.perf_counter() - start < deadline_s):
        t0 = time.perf_counter()
        fn()
        times.append((time.perf_counter() - t0) * 1e3)
    return statistics.median(times)


def torch_model(name):
    """The PyTorch module of NAME (random weights do not change its time), or None."""
    try:
        sys.path.insert(0, os.path.join(HERE, "..", "tests", "models"))
        import export_models
        return export_models.build_model(name)
    except Exception as error:  # no torchvision on this machine
        print(f"{name}: no PyTorch model ({error}); timing Kiln only", flush=True)
        return None


def time_torch(model, x, device, tf32):
    torch.backends.cuda.matmul.allow_tf32 = tf32 if tf32 is not None else DEFAULT_MATMUL_TF32
    torch.backends.cudnn.allow_tf32 = tf32 if tf32 is not None else DEFAULT_CUDNN_TF32
    xt = torch.from_numpy(x)

    def step():
        with torch.no_grad():
            y = model(xt.to(device)).cpu()
        return y
    return median_ms(step)


DEFAULT_MATMUL_TF32 = torch.backends.cuda.matmul.allow_tf32
DEFAULT_CUDNN_TF32 = torch.backends.cudnn.allow_tf32


def check(pack, budget_s, out_path):
    begin = time.perf_counter()
    try:
        ctypes.CDLL("libcuda.so.1", mode=ctypes.RTLD_GLOBAL)
    except OSError as error:
        print(f"note: libcuda.so.1 not loaded ({error})", flush=True)
    device = "cuda" if torch.cuda.is_available() else "cpu"
    gpu = torch.cuda.get_device_name(0) if device == "cuda" else "no CUDA device (PyTorch on CPU)"
    target = open(os.path.join(pack, "TARGET")).read().strip() if os.path.exists(
        os.path.join(pack, "TARGET")) else "?"
    names = sorted(f[:-3] for f in os.listdir(pack) if f.endswith(".so"))
    rows, failures = [], 0
    for name in names:
        shape = json.load(open(os.path.join(pack, f"{name}.json")))["input_shape"]
        library = Library(os.path.join(pack, f"{name}.so"), name)
        model = torch_model(name)
        if model is not None:
            model = model.to(device).eval()
        for batch in BATCHES:
            row = {"model": name, "batch": batch}
            rows.append(row)
            reference = np.load(os.path.join(pack, f"{name}_ref{batch}.npy"))
            x = make_input(shape, batch)
            try:
                actual = library.run(x, reference.shape)
            except RuntimeError as error:
                row["status"] = f"FAIL: {error}"
                failures += 1
                print(f"{name} batch {batch}: {row['status']}", flush=True)
                continue
            error = float(np.abs(actual - reference).max() / np.abs(reference).max())
            row["error"] = error
            row["status"] = "ok" if error <= TOLERANCE else "FAIL"
            failures += row["status"] != "ok"
            if time.perf_counter() - begin < budget_s:
                row["kiln_ms"] = median_ms(lambda: library.run(x, reference.shape))
                if model is not None:
                    row["torch_fp32_ms"] = time_torch(model, x, device, False)
                    row["torch_default_ms"] = time_torch(model, x, device, None)
            else:
                row["note"] = "time budget spent: not timed"
            print(f"{name} batch {batch}: " + ", ".join(
                f"{k} {v:.3g}" if isinstance(v, float) else f"{k} {v}" for k, v in row.items()
                if k not in ("model", "batch")), flush=True)
    write_report(out_path, rows, gpu, target, device, time.perf_counter() - begin)
    print(f"{len(rows) - failures} ok, {failures} failed; wrote {out_path}")
    return 1 if failures else 0


def write_report(path, rows, gpu, target, device, seconds):
    def ms(row, key):
        return f"{row[key]:.2f}" if key in row else "-"

    lines = ["# Kiln on a GPU (bench/gpu_check.sh)", "",
             f"GPU: {gpu}. Libraries: `--target {target}`. PyTorch {torch.__version__} on "
             f"{device}; TF32 defaults here: matmul {DEFAULT_MATMUL_TF32}, cuDNN "
             f"{DEFAULT_CUDNN_TF32}. Times are medians from host inputs to host outputs "
             f"(copies included) for both. Checked against CPU reference outputs at "
             f"{TOLERANCE:g} relative max error. Took {seconds:.0f} s.", "",
             "| Model | Batch | Rel. error | Status | Kiln ms | PyTorch fp32 (TF32 off) ms | "
             "PyTorch default ms | Kiln / PyTorch fp32 |",
             "|---|---|---|---|---|---|---|---|"]
    for row in rows:
        ratio = (f"{row['kiln_ms'] / row['torch_fp32_ms']:.2f}x"
                 if "kiln_ms" in row and "torch_fp32_ms" in row else "-")
        error = f"{row['error']:.1e}" if "error" in row else "-"
        lines.append(f"| {row['model']} | {row['batch']} | {error} | {row['status']} | "
                     f"{ms(row, 'kiln_ms')} | {ms(row, 'torch_fp32_ms')} | "
                     f"{ms(row, 'torch_default_ms')} | {ratio} |")
    with open(path, "w") as f:
        f.write("\n".join(lines) + "\n")


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--write-input", nargs=4, metavar=("PACK", "NAME", "BATCH", "FILE"))
    parser.add_argument("--check", metavar="PACK")
    parser.add_argument("--budget-s", type=float, default=270)
    parser.add_argument("--out", default=os.path.join(HERE, "RESULTS-gpu.md"))
    args = parser.parse_args()
    if args.write_input:
        pack, name, batch, path = args.write_input
        write_input(pack, name, int(batch), path)
        return 0
    if args.check:
        return check(args.check, args.budget_s, args.out)
    parser.error("give --write-input or --check")


if __name__ == "__main__":
    sys.exit(main())
