#!/usr/bin/env python3
"""test_gpu_targets.py: issue-13 acceptance on a machine without a GPU.

OpenCL: every model of the test fixture (the MNIST CNN, AlexNet, ResNet-18, MobileNetV2,
ShuffleNetV2, SqueezeNet 1.0) compiles with `--target host-opencl`, runs for real on PoCL (a CPU
OpenCL driver) through `kiln run` (the MNIST CNN at batch 1 and 2, the others at batch 1), and
matches PyTorch within 1e-4 relative max error (max|kiln - torch| / max|torch|);
the MNIST CNN's library also runs from 4 threads at once, each result equal to a one-thread run,
and `kiln run` of it without kiln-device-host (the child process GPU libraries run in), or with
one that dies, fails with one clear line. `kiln tune --target host-opencl` on the MNIST CNN
measures candidates on PoCL and its records compile into a library that still matches.
PoCL missing is a failure, not a skip: scripts/install-deps.sh installs it.

CUDA (compile only): ResNet-18 and the MNIST CNN compile with `--target host-cuda` (which
names cuda_capability_80), the library holds PTX for sm_80, `ldd` shows no Halide, LLVM,
protobuf, onnx or CUDA library, and with no driver `kiln run` fails with "no CUDA driver
(libcuda.so) found" instead of crashing.

Usage: test_gpu_targets.py --kiln PATH --models DIR   (exit status 0 = pass)
"""
import ctypes
import json
import os
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "models"))
import export_models  # noqa: E402  (the fixture's fixed-seed modules, for the reference)
from kiln_e2e import check_against_pytorch, finish, parse_args, run

OPENCL_MODELS = sorted(export_models.FIXTURE_MODELS)  # every model of the test fixture
THREADS = 4

# Runs a compiled MNIST CNN from THREADS threads at once (ctypes releases the GIL during a call),
# each on its own inputs, several times, and checks every result against a one-thread run. In its
# own process: no torch, no LLVM next to PoCL's.
CONCURRENT_RUNS = r"""
import ctypes, sys, threading
import numpy as np
lib = ctypes.CDLL(sys.argv[1])
threads = int(sys.argv[2])
class In(ctypes.Structure):
    _fields_ = [("batch", ctypes.c_int64), ("input", ctypes.c_void_p)]
class Out(ctypes.Structure):
    _fields_ = [("output", ctypes.c_void_p)]
lib.mnist_cnn_last_error.restype = ctypes.c_char_p
def run(x):
    y = np.zeros((x.shape[0], 10), np.float32)
    i, o = In(x.shape[0], x.ctypes.data), Out(y.ctypes.data)
    status = lib.mnist_cnn_run(ctypes.byref(i), ctypes.byref(o))
    if status != 0:
        raise RuntimeError(f"status {status}: {lib.mnist_cnn_last_error().decode()}")
    return y
inputs = [np.random.default_rng(t).standard_normal((t + 1, 1, 28, 28)).astype(np.float32)
          for t in range(threads)]
expected = [run(x) for x in inputs]
errors = []
def worker(t):
    try:
        for _ in range(5):
            if not np.array_equal(run(inputs[t]), expected[t]):
                errors.append(f"thread {t}: result differs from the one-thread run")
    except Exception as error:
        errors.append(f"thread {t}: {error}")
pool = [threading.Thread(target=worker, args=(t,)) for t in range(threads)]
for p in pool: p.start()
for p in pool: p.join()
print("\n".join(errors) if errors else f"{threads} threads x 5 runs match the one-thread runs")
sys.exit(1 if errors else 0)
"""
CUDA_MODELS = ["mnist_cnn", "resnet18"]
# The symbolic batch is checked on the small model; the 224x224 ones run at batch 1 (PoCL runs
# these schedules on 2 CPU cores: ResNet-18 takes seconds per image).
BATCHES = {"mnist_cnn": [1, 2]}
DEFAULT_BATCHES = [1]
TOLERANCE = 1e-4
FORBIDDEN_LIBRARIES = ["halide", "llvm", "protobuf", "onnx", "libcuda", "libopencl"]


def opencl_device_present():
    """Whether an OpenCL platform with a device is installed (clinfo -l lists it)."""
    try:
        listing = subprocess.run(["clinfo", "-l"], capture_output=True, text=True).stdout
    except FileNotFoundError:
        return False, "clinfo is not installed"
    if "Device" not in listing:
        return False, "clinfo -l lists no OpenCL device:\n" + listing
    return True, listing.strip()


def cuda_driver_loads():
    """Whether dlopen("libcuda.so") succeeds, as it does in Halide's CUDA runtime (a toolkit's
    stub library under .../lib/stubs is not on the search path and does not count)."""
    try:
        ctypes.CDLL("libcuda.so")
        return True
    except OSError:
        return False


def ldd_failures(name, library):
    linked = run(["ldd", library]).lower()
    return [f"{name}: ldd shows a {f} library:\n{linked}" for f in FORBIDDEN_LIBRARIES
            if f in linked]


def device_host_failures(kiln, library, work):
    """`kiln run` runs a GPU library in kiln-device-host: without that program, or with one that
    dies, it fails with one clear line (exit 2) instead of crashing or hanging."""
    import numpy as np
    x = os.path.join(work, "device_host_x.npy")
    np.save(x, np.zeros((1, 1, 28, 28), np.float32))
    failures = []
    cases = [("/nonexistent/kiln-device-host", "GPU libraries run in kiln-device-host, which is "
              "not at /nonexistent/kiln-device-host"),
             ("/bin/false", "kiln-device-host, which runs this GPU library, exited with status 1")]
    for host, expected in cases:
        result = subprocess.run([kiln, "run", library, "--input", x, "--output-dir",
                                 os.path.join(work, "device_host_out")],
                                capture_output=True, text=True, timeout=60,
                                env={**os.environ, "KILN_DEVICE_HOST": host})
        message = result.stderr.strip()
        if result.returncode != 2 or expected not in message or len(message.splitlines()) != 1:
            failures.append(f"KILN_DEVICE_HOST={host}: status {result.returncode}, {message!r}")
        else:
            print(f"KILN_DEVICE_HOST={host}: {message}", flush=True)
    return failures


def check_opencl(kiln, models, name, work):
    library_dir = os.path.join(work, f"{name}_opencl")
    run([kiln, "compile", os.path.join(models, f"{name}.onnx"), "-o", library_dir,
         "--target", "host-opencl", "--quiet"])
    library = os.path.join(library_dir, f"{name}.so")
    failures = ldd_failures(name, library)
    if name == "mnist_cnn":
        result = subprocess.run([sys.executable, "-c", CONCURRENT_RUNS, library, str(THREADS)],
                                capture_output=True, text=True)
        print(f"{name} (opencl): {result.stdout.strip()}", flush=True)
        if result.returncode != 0:
            failures.append(f"{name}: concurrent runs: {result.stdout}{result.stderr}")
        failures += device_host_failures(kiln, library, work)
    _, input_shape = export_models.MODELS[name]
    failures += check_against_pytorch(kiln, library, export_models.build_model(name),
                                      input_shape, f"{name} (opencl)", work,
                                      BATCHES.get(name, DEFAULT_BATCHES), TOLERANCE)
    return failures


def check_opencl_tuning(kiln, models, work):
    """`kiln tune --target host-opencl` measures candidates on the OpenCL device (in
    kiln-device-host), writes records with measured times, and `kiln compile --schedules`
    applies them; the tuned library still matches PyTorch."""
    records = os.path.join(work, "mnist_cnn_opencl.jsonl")
    run([kiln, "tune", os.path.join(models, "mnist_cnn.onnx"), "--target", "host-opencl",
         "--trials", "12", "--seed", "3", "-o", records, "--no-cache", "-q"])
    with open(records) as f:
        lines = [json.loads(line) for line in f if line.strip()]
    ok = [r for r in lines if r["status"] == "ok" and r["median_ms"] > 0]
    failures = []
    if len(ok) < 6 or any("opencl" not in r["target"] for r in lines):
        failures.append(f"opencl tuning: {len(ok)} ok records of {len(lines)}: {lines[:3]}")
    if any(r["status"] == "compile_error" and "1024" in r["error"] for r in lines):
        failures.append("opencl tuning measured a block of more than 1024 threads")
    library_dir = os.path.join(work, "mnist_cnn_opencl_tuned")
    run([kiln, "compile", os.path.join(models, "mnist_cnn.onnx"), "-o", library_dir,
         "--target", "host-opencl", "--schedules", records, "--quiet"])
    _, input_shape = export_models.MODELS["mnist_cnn"]
    failures += check_against_pytorch(kiln, os.path.join(library_dir, "mnist_cnn.so"),
                                      export_models.build_model("mnist_cnn"), input_shape,
                                      "mnist_cnn (opencl, tuned)", work, [1], TOLERANCE)
    print(f"opencl tuning: {len(lines)} records, {len(ok)} ok", flush=True)
    return failures


def check_cuda(kiln, models, name, work):
    library_dir = os.path.join(work, f"{name}_cuda")
    run([kiln, "compile", os.path.join(models, f"{name}.onnx"), "-o", library_dir,
         "--target", "host-cuda", "--quiet"])
    library = os.path.join(library_dir, f"{name}.so")
    failures = ldd_failures(name, library)
    strings = run(["strings", library])
    if ".target sm_80" not in strings or ".version" not in strings:
        failures.append(f"{name}: the CUDA library holds no PTX for sm_80")
    else:
        print(f"{name} (cuda): PTX for sm_80 found, ldd clean", flush=True)
    if cuda_driver_loads():
        print(f"{name} (cuda): libcuda.so loads here; the no-driver check is skipped")
        return failures
    x = os.path.join(work, f"{name}_cuda_x.npy")
    import numpy as np
    _, input_shape = export_models.MODELS[name]
    np.save(x, np.zeros((1, *input_shape), np.float32))
    result = subprocess.run([kiln, "run", library, "--input", x, "--output-dir",
                             os.path.join(work, f"{name}_cuda_out")],
                            capture_output=True, text=True)
    message = result.stderr.strip()
    if result.returncode <= 0 or "no CUDA driver (libcuda.so) found" not in message:
        failures.append(f"{name}: a run without a driver gave status {result.returncode}: "
                        f"{message}")
    else:
        print(f"{name} (cuda): without a driver: {message.splitlines()[-1]}", flush=True)
    return failures


def main():
    args = parse_args()
    failures = []
    present, listing = opencl_device_present()
    if present:
        print(listing, flush=True)
    else:
        failures.append("no OpenCL device (scripts/install-deps.sh installs pocl-opencl-icd and "
                        "ocl-icd-opencl-dev): " + listing)
    with tempfile.TemporaryDirectory() as work:
        for name in OPENCL_MODELS if present else []:
            try:
                failures += check_opencl(args.kiln, args.models, name, work)
            except RuntimeError as error:
                failures.append(f"{name} (opencl): {error}")
        if present:
            try:
                failures += check_opencl_tuning(args.kiln, args.models, work)
            except RuntimeError as error:
                failures.append(f"opencl tuning: {error}")
        for name in CUDA_MODELS:
            try:
                failures += check_cuda(args.kiln, args.models, name, work)
            except RuntimeError as error:
                failures.append(f"{name} (cuda): {error}")
    runs = sum(len(BATCHES.get(name, DEFAULT_BATCHES)) for name in OPENCL_MODELS)
    return finish(runs + 5 + len(CUDA_MODELS), failures)


if __name__ == "__main__":
    sys.exit(main())
