#!/usr/bin/env python3
"""test_autoscheduler.py: `kiln compile --autoscheduler NAME` for each of Halide 14's three
autoschedulers (mullapudi2016, li2018, adams2019) on the test models.

- Every plugin compiles the model (Li2018 too: its small atomic reductions, the MNIST CNN's
  10-way Gemm and Softmax, compile since Kiln scalarises their predicated atomic stores) and the
  library matches the reference backend within 1e-4 relative (at batch 2, so the symbolic batch
  is exercised although the estimates assume 1).
- The compile is quiet: everything on stderr is Kiln's own "[kiln] ..." progress (Adams2019's
  beam-search log is captured), and KILN_AUTOSCHEDULER_VERBOSE=1 lets it through instead.
- A second compile takes every kernel from the cache and runs no plugin (fast even for
  Adams2019).
- Li2018 planning for 16 and 64 cores (KILN_AUTOSCHEDULER_CORES) compiles and matches too: more
  cores make it parallelise more reductions atomically.
- A missing plugin is a clean error naming the kernel and the plugin (exit status 2, the
  model-error status; no abort).
- A schedule record `autoscheduler(NAME)` applies to one task.

Prints each compile's time. What runs (CI must stay short; 2 cores):
  KILN_AUTOSCHEDULER_MODELS  models to check, default "mnist_cnn,resnet18"
  KILN_AUTOSCHEDULER_FULL=1  also Adams2019 on models other than the MNIST CNN (ResNet-18: about
                             13 minutes on 2 cores)

Usage: test_autoscheduler.py --kiln PATH --models DIR   (exit status 0 = pass)
"""
import json
import os
import re
import subprocess
import sys
import tempfile
import time

import numpy as np

import kiln_e2e
from kiln_e2e import finish, parse_args, relative_max_error, run, run_outputs

PLUGINS = ["mullapudi2016", "li2018", "adams2019"]
TOLERANCE = 1e-4


def plugins_for(name):
    """The plugins checked on model `name`: all on the MNIST CNN; Adams2019 on larger models
    only with KILN_AUTOSCHEDULER_FULL=1 (its beam search takes minutes per kernel there)."""
    if name == "mnist_cnn" or os.environ.get("KILN_AUTOSCHEDULER_FULL") == "1":
        return PLUGINS
    return [p for p in PLUGINS if p != "adams2019"]


def not_kiln_lines(stderr):
    """Lines of a compile's stderr that are not Kiln's own progress (nor, in a sanitized build,
    ASan's swapcontext notice)."""
    return kiln_e2e.without_sanitizer_notices(
        [line for line in stderr.splitlines() if line.strip() and not line.startswith("[kiln]")])


def main():
    args = parse_args()
    kiln = args.kiln
    models = os.environ.get("KILN_AUTOSCHEDULER_MODELS", "mnist_cnn,resnet18").split(",")
    failures, checked = [], 0
    with tempfile.TemporaryDirectory() as work:
        env = dict(os.environ, KILN_CACHE_DIR=os.path.join(work, "cache"))
        env.pop("KILN_AUTOSCHEDULER_VERBOSE", None)
        env.pop("KILN_AUTOSCHEDULER_CORES", None)

        def compile_and_check(name, model, input_path, expected, plugin, label, extra_env=None):
            """Compiles `model` with `plugin`; checks it is quiet and matches; returns stderr."""
            nonlocal checked
            out = os.path.join(work, f"{name}_{label}")
            start = time.monotonic()
            result = subprocess.run([kiln, "compile", model, "-o", out, "--autoscheduler", plugin],
                                    env=dict(env, **(extra_env or {})), capture_output=True,
                                    text=True)
            seconds = time.monotonic() - start
            checked += 1
            if result.returncode != 0:
                failures.append(f"{name} {label}: status {result.returncode}: "
                                f"{result.stderr[-2000:]}")
                return None
            chatter = not_kiln_lines(result.stderr)
            if chatter:
                failures.append(f"{name} {label}: stderr is not only Kiln's progress: {chatter[:5]}")
            actual = run_outputs(kiln, os.path.join(out, name + ".so"), input_path,
                                 os.path.join(out, "out"))
            error = relative_max_error(actual, expected)
            checked += 1
            if error > TOLERANCE:
                failures.append(f"{name} {label}: relative max error {error:.2e} > {TOLERANCE}")
            print(f"{name} --autoscheduler {label}: compiled in {seconds:.1f} s, "
                  f"error {error:.2e}", flush=True)
            return result.stderr

        for name in models:
            model = os.path.join(args.models, name + ".onnx")
            shape = (2, 1, 28, 28) if name == "mnist_cnn" else (2, 3, 224, 224)
            x = np.random.default_rng(7).standard_normal(shape).astype(np.float32)
            input_path = os.path.join(work, name + "_x.npy")
            np.save(input_path, x)
            expected = run_outputs(kiln, model, input_path, os.path.join(work, name + "_ref"),
                                   "--backend", "reference")
            for plugin in plugins_for(name):
                if compile_and_check(name, model, input_path, expected, plugin, plugin) is None:
                    continue
                # Again with the cache warm: nothing is compiled and no plugin runs.
                start = time.monotonic()
                again = subprocess.run([kiln, "compile", model, "-o",
                                        os.path.join(work, f"{name}_{plugin}_again"),
                                        "--autoscheduler", plugin],
                                       env=env, capture_output=True, text=True)
                seconds = time.monotonic() - start
                checked += 1
                summary = re.search(r"\((\d+) distinct: (\d+) compiled, (\d+) from the cache\)",
                                    again.stderr)
                if (again.returncode != 0 or not summary or summary.group(2) != "0"
                        or not_kiln_lines(again.stderr)):
                    failures.append(f"{name} {plugin} with a warm cache: status "
                                    f"{again.returncode}: {again.stderr[-1500:]}")
                else:
                    print(f"{name} --autoscheduler {plugin} again: {seconds:.1f} s, "
                          f"{summary.group(3)} kernels from the cache", flush=True)

        # Li2018 planning for more cores parallelises the small reductions atomically.
        name = "mnist_cnn"
        model = os.path.join(args.models, name + ".onnx")
        input_path = os.path.join(work, name + "_x.npy")
        if os.path.exists(input_path):
            expected = run_outputs(kiln, model, input_path, os.path.join(work, "ref_cores"),
                                   "--backend", "reference")
            for cores in ["16", "64"]:
                compile_and_check(name, model, input_path, expected, "li2018",
                                  f"li2018_cores{cores}", {"KILN_AUTOSCHEDULER_CORES": cores})
            # Verbose: the plugin's own log and Kiln's per-kernel times reach stderr.
            verbose = subprocess.run(
                [kiln, "compile", model, "-o", os.path.join(work, "verbose"), "--no-cache",
                 "--autoscheduler", "li2018"],
                env=dict(env, KILN_AUTOSCHEDULER_VERBOSE="1"), capture_output=True, text=True)
            checked += 1
            if verbose.returncode != 0 or "li2018 scheduled it in" not in verbose.stderr:
                failures.append(f"KILN_AUTOSCHEDULER_VERBOSE=1: status {verbose.returncode}: "
                                f"{verbose.stderr[-1500:]}")

        # A missing plugin: an error naming the kernel and the plugin, exit status 2.
        model = os.path.join(args.models, "mnist_cnn.onnx")
        missing = subprocess.run(
            [kiln, "compile", model, "-o", os.path.join(work, "missing"), "--no-cache",
             "--autoscheduler", "li2018"],
            env=dict(env, KILN_HALIDE_AUTOSCHEDULER_DIR=os.path.join(work, "no-plugins")),
            capture_output=True, text=True)
        checked += 1
        if (missing.returncode != 2 or "Halide autoscheduler li2018" not in missing.stderr
                or "kernel '" not in missing.stderr or "does not exist" not in missing.stderr):
            failures.append(f"missing plugin: status {missing.returncode}: {missing.stderr}")
        else:
            print("missing plugin:", missing.stderr.strip().splitlines()[-1])

        # A record: one task autoscheduled, the others on Kiln's templates.
        kernels = json.loads(run([kiln, "inspect", model, "--schedules", "--format", "json"],
                                 env=env))["kernels"]
        records = os.path.join(work, "records.jsonl")
        with open(records, "w") as f:
            f.write(json.dumps({"task": kernels[0]["task"], "schedule": "autoscheduler(adams2019)",
                                "status": "ok", "median_ms": 0.1}) + "\n")
        applied = json.loads(run([kiln, "inspect", model, "--schedules", "--format", "json",
                                  "--records", records], env=env))["kernels"]
        checked += 1
        if (applied[0]["schedule"] != "autoscheduler(adams2019)"
                or applied[-1]["schedule"] != kernels[-1]["schedule"]):
            failures.append(f"record not applied to one task: {applied}")
        lib = os.path.join(work, "record")
        run([kiln, "compile", model, "-o", lib, "--schedules", records, "-q"], env=env)
        x = os.path.join(work, "mnist_cnn_x.npy")
        if os.path.exists(x):
            error = relative_max_error(
                run_outputs(kiln, os.path.join(lib, "mnist_cnn.so"), x, os.path.join(lib, "o")),
                run_outputs(kiln, model, x, os.path.join(work, "ref2"), "--backend", "reference"))
            checked += 1
            if error > TOLERANCE:
                failures.append(f"record autoscheduler(adams2019): error {error:.2e}")
    return finish(checked, failures)


if __name__ == "__main__":
    sys.exit(main())
