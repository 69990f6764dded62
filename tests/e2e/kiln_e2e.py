"""kiln_e2e.py: what the e2e test scripts share: their command line (--kiln PATH --models DIR),
running a command that must succeed, the relative error measure, and the closing report
("N passed, N failed"; exit status 0 only when nothing failed). Not a test itself (CTest runs
tests/e2e/test_*.py)."""
import argparse
import os
import re
import subprocess

import numpy as np


# AddressSanitizer's own notice when code switches stacks (Halide's thread pool and the
# autoschedulers use swapcontext); printed only by the sanitized build (KILN_SANITIZE=1).
ASAN_SWAPCONTEXT = re.compile(r"^==\d+==WARNING: ASan doesn't fully support makecontext/swapcontext")


def sanitized():
    """Whether the tests run against the build of `scripts/test.sh --sanitize`."""
    return os.environ.get("KILN_SANITIZE") == "1"


def without_sanitizer_notices(lines):
    """`lines` less ASan's swapcontext notice where the build is sanitized."""
    return [l for l in lines if not (sanitized() and ASAN_SWAPCONTEXT.match(l))]


def sanitizer_flags():
    """C compiler flags for a test program that loads the sanitized build's libraries: ASan's
    runtime must come first in the process, so such programs are built with it too."""
    return ["-fsanitize=address,undefined"] if sanitized() else []


def python_env_for_kiln_libraries():
    """The environment for a Python process that loads Kiln's runtime with ctypes. Under
    `scripts/test.sh --sanitize` that runtime is built with ASan, whose runtime must be the first
    library of the process: it is preloaded, and leak checking is off (the interpreter and
    PyTorch keep their allocations to the end by design)."""
    env = dict(os.environ)
    if sanitized():
        libasan = subprocess.run(["gcc", "-print-file-name=libasan.so"], capture_output=True,
                                 text=True).stdout.strip()
        env["LD_PRELOAD"] = libasan
        env["ASAN_OPTIONS"] = env.get("ASAN_OPTIONS", "") + ":detect_leaks=0"
    return env


def parse_args(add_arguments=None):
    """The arguments every e2e script takes; `add_arguments(parser)` may add a script's own."""
    parser = argparse.ArgumentParser()
    parser.add_argument("--kiln", required=True, help="path of the kiln binary")
    parser.add_argument("--models", required=True, help="folder of the exported test models")
    if add_arguments:
        add_arguments(parser)
    return parser.parse_args()


def run(command, **kwargs):
    """Runs `command`; returns its stdout, or raises RuntimeError quoting its output."""
    result = subprocess.run(command, capture_output=True, text=True, **kwargs)
    if result.returncode != 0:
        raise RuntimeError(f"{' '.join(command)} failed ({result.returncode}):\n"
                           f"{result.stdout}{result.stderr}")
    return result.stdout


def relative_max_error(actual, expected):
    """max|actual - expected| / max|expected|: the measure every numeric comparison states."""
    return float(np.abs(actual - expected).max() / np.abs(expected).max())


def finish(checked, failures):
    """Prints each failure and the closing counts; returns the exit status."""
    for failure in failures:
        print("FAIL:", failure)
    print(f"{checked - len(failures)} passed, {len(failures)} failed")
    return 1 if failures else 0


def run_outputs(kiln, target, input_path, out_dir, *extra):
    """`kiln run TARGET` on one input; returns its single output (output.npy)."""
    run([kiln, "run", target, "--input", input_path, "--output-dir", out_dir, *extra])
    return np.load(os.path.join(out_dir, "output.npy"))


def check_against_pytorch(kiln, library, model, input_shape, name, work, batches, tolerance):
    """Runs `library` with `kiln run` at each batch on seeded random inputs and compares with the
    PyTorch module `model`; prints each error and returns the failures."""
    import torch

    failures = []
    for batch in batches:
        x = torch.randn(batch, *input_shape, generator=torch.Generator().manual_seed(batch))
        with torch.no_grad():
            expected = model(x).numpy()
        input_path = os.path.join(work, f"{name}_x{batch}.npy")
        np.save(input_path, x.numpy())
        out_dir = os.path.join(work, f"{name}_out{batch}")
        run([kiln, "run", library, "--input", input_path, "--output-dir", out_dir])
        outputs = [f for f in os.listdir(out_dir) if f.endswith(".npy")]
        if len(outputs) != 1:
            failures.append(f"{name}: expected one output file, got {outputs}")
            continue
        actual = np.load(os.path.join(out_dir, outputs[0]))
        if actual.shape != expected.shape:
            failures.append(f"{name} batch {batch}: shape {actual.shape} != {expected.shape}")
            continue
        error = relative_max_error(actual, expected)
        status = "ok" if error <= tolerance else "FAIL"
        print(f"{name} batch {batch}: relative max error {error:.2e} ({status})", flush=True)
        if error > tolerance:
            failures.append(f"{name} batch {batch}: relative max error {error:.2e} > {tolerance}")
    return failures
