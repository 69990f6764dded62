#!/usr/bin/env python3
"""run_bench.py: benchmarks Kiln-compiled models against PyTorch (oneDNN) and writes RESULTS.md.

Run with the system Python (it has torch, torchvision and numpy), from the repository root:
    /usr/bin/python3 bench/run_bench.py --kiln build/bin/kiln            # full run
    /usr/bin/python3 bench/run_bench.py --kiln build/bin/kiln --quick    # CI smoke (< 2 min)

Steps: measure one core's fp32 FMA peak (bench/fma_peak.c); compile every model with
`kiln compile`, timing it; then for each model, batch size and thread count load the library
through the thin runtime (ctypes) and the PyTorch peer
torch.jit.optimize_for_inference(torch.jit.freeze(torch.jit.script(model))) into this one process,
warm both up and time them alternately, run by run, so that machine noise hits both alike.
Finally `kiln bench` times one library on its own as a cross-check of the in-process numbers.
"""
import argparse
import datetime
import json
import os
import platform
import shlex
import statistics
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
SOURCE = os.path.dirname(HERE)
sys.path.insert(0, HERE)
# PyTorch's OpenMP workers spin for a while after each parallel region by default; with Kiln's
# (Halide's) workers taking turns in the same process on the same cores, the spinning threads
# starve the other engine (a 2-thread PyTorch run measured 150x slower). Passive waiting puts
# idle workers of both engines to sleep. Must be set before torch (libgomp) is loaded.
os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")
sys.path.insert(0, os.path.join(SOURCE, "tests", "models"))

import numpy  # noqa: E402
import torch  # noqa: E402

import export_models  # noqa: E402
import layer_models  # noqa: E402
import report  # noqa: E402
from kiln_ctypes import KilnRuntime  # noqa: E402

ALL_MODELS = ["mnist_cnn", "alexnet", "resnet18", "mobilenet_v2", "squeezenet1_0"]
QUICK_MODELS = ["mnist_cnn"]
LAYERS = list(layer_models.LAYER_MODELS)


def model_source(name):
    """(module with build_model/export_model, input shape without batch) of a model name."""
    module = layer_models if name in layer_models.LAYER_MODELS else export_models
    return module, (layer_models.LAYER_MODELS if module is layer_models else
                    export_models.MODELS)[name][1]


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--kiln", default=os.path.join(SOURCE, "build", "bin", "kiln"),
                        help="the kiln binary (its build folder must hold lib/libkiln_runtime.so)")
    parser.add_argument("--models", help="folder of <name>.onnx test models (default: "
                        "<build>/test-models; missing ones are exported there)")
    parser.add_argument("--out", default=os.path.join(HERE, "RESULTS.md"), help="report file")
    parser.add_argument("--work", help="folder for compiled libraries (default: <build>/bench)")
    parser.add_argument("--only", action="append", choices=ALL_MODELS + ["shufflenet_v2"] + LAYERS,
                        help="benchmark only this model or layer (repeatable)")
    parser.add_argument("--no-layers", action="store_true",
                        help="skip ResNet-18's 3x3 convolutions timed alone (batch 1, 1 thread)")
    parser.add_argument("--batches", default="1,8", help="comma-separated batch sizes")
    parser.add_argument("--threads", default="1,2", help="comma-separated thread counts")
    parser.add_argument("--quick", action="store_true",
                        help="smoke mode: MNIST CNN only, 1 warm-up and 3 timed runs")
    parser.add_argument("--runs", type=int, help="timed runs per engine and case (default 15)")
    parser.add_argument("--warmup", type=int, help="untimed runs per engine first (default 2)")
    parser.add_argument("--case-budget", type=float, default=40.0,
                        help="seconds after which a case stops early (after 3 timed runs)")
    args = parser.parse_args()
    args.runs = args.runs or (3 if args.quick else 15)
    args.warmup = args.warmup if args.warmup is not None else (1 if args.quick else 2)
    args.models_to_run = args.only or (QUICK_MODELS if args.quick else ALL_MODELS)
    args.layers_to_run = [] if args.only or args.quick or args.no_layers else LAYERS
    args.batch_list = [int(b) for b in args.batches.split(",")]
    args.thread_list = [int(t) for t in args.threads.split(",")]
    args.kiln = os.path.abspath(args.kiln)
    build = os.path.dirname(os.path.dirname(args.kiln))
    args.runtime = os.path.join(build, "lib", "libkiln_runtime.so")
    args.models = args.models or os.path.join(build, "test-models")
    args.work = args.work or os.path.join(build, "bench")
    for path in [args.kiln, args.runtime]:
        if not os.path.exists(path):
            parser.error(f"{path} does not exist (build Kiln first)")
    return args


def measure_peak(work):
    """Compiles and runs bench/fma_peak.c; returns its JSON (gflops_per_core, ...)."""
    binary = os.path.join(work, "fma_peak")
    source = os.path.join(HERE, "fma_peak.c")
    for flags in (["-march=native"], ["-mavx512f", "-mfma"], ["-mavx2", "-mfma"]):
        if subprocess.run(["cc", "-O2", *flags, source, "-o", binary],
                          capture_output=True).returncode == 0:
            break
    else:
        raise RuntimeError("could not compile bench/fma_peak.c")
    return json.loads(subprocess.run([binary], capture_output=True, text=True,
                                     check=True).stdout)


def machine_info():
    cpu = platform.processor() or "unknown"
    try:
        with open("/proc/cpuinfo") as cpuinfo:
            cpu = next(line.split(":", 1)[1].strip() for line in cpuinfo
                       if line.startswith("model name"))
    except (OSError, StopIteration):
        pass
    return {"CPU": cpu, "Cores (os.cpu_count)": os.cpu_count(),
            "Date": datetime.datetime.now().strftime("%Y-%m-%d %H:%M %Z").strip(),
            "Software": f"PyTorch {torch.__version__} (oneDNN), Python {platform.python_version()}"}


def ensure_model(models_dir, name):
    path = os.path.join(models_dir, name + ".onnx")
    if not os.path.exists(path):
        os.makedirs(models_dir, exist_ok=True)
        print(f"exporting {path}", flush=True)
        model_source(name)[0].export_model(name, path)
    return path


def compile_model(kiln, model_path, out_dir, name):
    start = time.perf_counter()
    result = subprocess.run([kiln, "compile", model_path, "-o", out_dir, "--name", name, "-q"],
                            capture_output=True, text=True)
    seconds = time.perf_counter() - start
    if result.returncode != 0:
        raise RuntimeError(f"kiln compile {model_path} failed:\n{result.stdout}{result.stderr}")
    return os.path.join(out_dir, name + ".so"), seconds


def pytorch_peer(name):
    with torch.no_grad():
        scripted = torch.jit.script(model_source(name)[0].build_model(name).eval())
        return torch.jit.optimize_for_inference(torch.jit.freeze(scripted))


def timed(function):
    start = time.perf_counter()
    function()
    return (time.perf_counter() - start) * 1e3


def bench_case(name, library, peer, batch, threads, args, peak):
    """Times one (model, batch, threads) case, Kiln and PyTorch alternating run by run."""
    shape = (batch, *model_source(name)[1])
    data = numpy.random.default_rng(batch).standard_normal(shape, dtype=numpy.float32)
    outputs = library.bind(batch, [data])
    torch_input = torch.from_numpy(data)
    library.set_num_threads(threads)
    torch.set_num_threads(threads)
    torch_output = None

    def run_torch():
        nonlocal torch_output
        with torch.no_grad():
            torch_output = peer(torch_input)

    for _ in range(args.warmup):
        library.run()
        run_torch()
    kiln_ms, torch_ms = [], []
    start = time.perf_counter()
    for index in range(args.runs):
        # Alternate which engine goes first, so neither always runs on a cache the other warmed.
        if index % 2 == 0:
            kiln_ms.append(timed(library.run))
            torch_ms.append(timed(run_torch))
        else:
            torch_ms.append(timed(run_torch))
            kiln_ms.append(timed(library.run))
        if index >= 2 and time.perf_counter() - start > args.case_budget:
            break
    flop = 2.0 * library.macs_per_unit_run * batch
    kiln_median, torch_median = statistics.median(kiln_ms), statistics.median(torch_ms)
    peak_gflops = peak["gflops_per_core"] * threads
    diff = float(numpy.max(numpy.abs(outputs[0] - torch_output.numpy())))
    return {"model": name, "layer": name in layer_models.LAYER_MODELS, "batch": batch,
            "threads": threads, "runs": len(kiln_ms),
            "kiln_ms": kiln_median, "torch_ms": torch_median, "ratio": kiln_median / torch_median,
            "kiln_gflops": flop / kiln_median * 1e-6, "torch_gflops": flop / torch_median * 1e-6,
            "kiln_peak_pct": 100 * flop / kiln_median * 1e-6 / peak_gflops,
            "torch_peak_pct": 100 * flop / torch_median * 1e-6 / peak_gflops,
            "max_abs_diff": diff}


def kiln_bench_crosscheck(kiln, library_path, batch, runs):
    result = subprocess.run([kiln, "bench", library_path, "--threads", "1", "--batch", str(batch),
                             "--runs", str(runs), "--format", "json"],
                            capture_output=True, text=True)
    if result.returncode != 0:
        raise RuntimeError(f"kiln bench failed:\n{result.stdout}{result.stderr}")
    return json.loads(result.stdout)["median_ms"]


def load_notes(load_start, load_end):
    cores = os.cpu_count() or 1
    notes = [f"Load average (1/5/15 min) at start: {'/'.join(f'{x:.2f}' for x in load_start)}, "
             f"at end: {'/'.join(f'{x:.2f}' for x in load_end)} ({cores} cores)."]
    # The benchmark itself adds about 1 to the load by its end (its last cases are 1-thread).
    if load_start[0] > 0.5 or load_end[0] > 1.5:
        notes.append("The load average was HIGH: other jobs (builds, tests) shared the cores "
                     "during this run, so absolute times are pessimistic and noisy; the "
                     "interleaving makes the Kiln/PyTorch ratios fairer than the absolute numbers. "
                     f"The {cores}-thread rows suffer most: with a core busy elsewhere, extra "
                     "worker threads only add contention, so thread scaling is not measurable.")
    return notes


def main():
    args = parse_args()
    load_start = os.getloadavg()
    os.makedirs(args.work, exist_ok=True)
    with tempfile.TemporaryDirectory() as scratch:
        peak = measure_peak(scratch)
    print(f"peak fp32 FMA: {peak['gflops_per_core']:.1f} GFLOP/s per core", flush=True)
    runtime = KilnRuntime(args.runtime)

    # A model that fails to compile or run is reported and skipped, so one regression does not
    # hide the other models' numbers; the exit status still says something failed.
    failures = []
    compile_times, libraries = {}, {}
    for name in args.models_to_run + args.layers_to_run:
        try:
            model_path = ensure_model(args.models if name not in layer_models.LAYER_MODELS
                                      else os.path.join(args.work, "layers"), name)
            libraries[name], compile_times[name] = compile_model(
                args.kiln, model_path, os.path.join(args.work, name), name)
            print(f"compiled {name} in {compile_times[name]:.1f} s", flush=True)
        except (RuntimeError, OSError) as error:
            failures.append(f"{name}: {error}")
            print(f"FAILED {name}: {error}", flush=True)

    results = []
    print(" | ".join(report.COLUMNS), flush=True)
    for name in libraries:
        try:
            library, peer = runtime.open(libraries[name]), pytorch_peer(name)
            layer = name in layer_models.LAYER_MODELS
            for batch in [1] if layer else args.batch_list:
                for threads in [1] if layer else args.thread_list:
                    result = bench_case(name, library, peer, batch, threads, args, peak)
                    results.append(result)
                    print(" | ".join(str(c) for c in report.result_rows([result])[0]), flush=True)
            library.close()
        except RuntimeError as error:
            failures.append(f"{name}: {error}")
            print(f"FAILED {name}: {error}", flush=True)

    crosscheck = None
    check_rows = [r for r in results if r["threads"] == 1 and r["batch"] == min(args.batch_list)
                  and not r["layer"]]
    if check_rows:
        check_row = next((r for r in check_rows if r["model"] == "resnet18"), check_rows[0])
        try:
            bench_ms = kiln_bench_crosscheck(args.kiln, libraries[check_row["model"]],
                                             check_row["batch"], max(args.runs, 5))
            crosscheck = {"model": check_row["model"], "batch": check_row["batch"],
                          "table_ms": check_row["kiln_ms"], "bench_ms": bench_ms}
        except (RuntimeError, ValueError, KeyError) as error:
            failures.append(f"kiln bench cross-check: {error}")
    notes = [f"FAILED {' / '.join(failure.splitlines())[:600]}" for failure in failures]
    notes += load_notes(load_start, os.getloadavg())
    notes.append(f"OMP_WAIT_POLICY={os.environ['OMP_WAIT_POLICY']} (set by the driver so idle "
                 "OpenMP workers of PyTorch do not spin while Kiln runs, and vice versa).")
    if args.quick:
        notes.insert(len(failures),
                     "Quick (smoke) mode: few runs, subset of models; not a real measurement.")
    command = " ".join(["/usr/bin/python3", "bench/run_bench.py"] +
                       [shlex.quote(argument) for argument in sys.argv[1:]])
    text = report.results_markdown(machine_info(), peak, results, compile_times, crosscheck,
                                   command, notes)
    with open(args.out, "w") as out:
        out.write(text)
    print("\n" + "\n".join(report.summary_lines(results, compile_times, crosscheck)))
    print(f"wrote {args.out}")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
