#!/usr/bin/env python3
"""run_bench.py: benchmarks Kiln's compiled models against PyTorch (oneDNN) and ONNX Runtime.

Writes bench/RESULTS.md (--out).

Run with the system Python (it has torch, torchvision and numpy), from the repository root:
    /usr/bin/python3 bench/run_bench.py --kiln build/bin/kiln            # full run
    /usr/bin/python3 bench/run_bench.py --kiln build/bin/kiln --quick    # CI smoke (< 2 min)
    /usr/bin/python3 bench/run_bench.py --compile-only --models resnet18,vgg11

Steps: measure one core's fp32 FMA peak (bench/fma_peak.c); compile every model with
`kiln compile` twice, cold (a fresh, empty KILN_CACHE_DIR) and warm (the same cache again),
timing both, and count its kernels (`kiln inspect --schedules --format json`); then for each
model, batch size and thread count load the library through the thin runtime (ctypes) and the
PyTorch peer torch.jit.optimize_for_inference(torch.jit.freeze(torch.jit.script(model))) into
this one process, and the ONNX model into an ONNX Runtime session in a Node worker
(bench/ort_peer.py, bench/ort_worker.js), warm all three up and time them alternately, run by
run in rotating order, so that machine noise hits all alike. ORT is optional: without Node or
onnxruntime-node (scripts/install-deps.sh) its cells read "n/a". Finally `kiln bench` times one
library on its own as a cross-check of the in-process numbers.

    /usr/bin/python3 bench/run_bench.py --tuned --models resnet18,mobilenet_v2 --tune-minutes 10

tunes each model and compares default, tuned, each Halide autoscheduler, PyTorch and ONNX
Runtime, plus the guided search against random sampling (bench/tuned_bench.py); it writes its
own section of RESULTS.md and keeps the rest (the main run keeps that section too).
"""
import argparse
import datetime
import json
import os
import platform
import re
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
import tuned_bench  # noqa: E402
from kiln_ctypes import KilnRuntime  # noqa: E402
from ort_peer import OrtPeer, OrtUnavailable, default_node_modules  # noqa: E402

ALL_MODELS = ["mnist_cnn", "alexnet", "resnet18", "resnet50", "mobilenet_v2", "squeezenet1_0",
              "shufflenet_v2", "googlenet", "densenet121", "efficientnet_b0", "mnasnet", "vgg11"]
QUICK_MODELS = ["mnist_cnn"]
LAYERS = list(layer_models.LAYER_MODELS)
KNOWN_MODELS = sorted(set(export_models.MODELS) | set(LAYERS))
ENGINES = ["kiln", "torch", "ort"]


def model_source(name):
    """(module with build_model/export_model, input shape without batch) of a model name."""
    module = layer_models if name in layer_models.LAYER_MODELS else export_models
    return module, (layer_models.LAYER_MODELS if module is layer_models else
                    export_models.MODELS)[name][1]


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--kiln", default=os.path.join(SOURCE, "build", "bin", "kiln"),
                        help="the kiln binary (its build folder must hold lib/libkiln_runtime.so)")
    parser.add_argument("--models", help="comma-separated models to benchmark (default: "
                        f"{','.join(ALL_MODELS)}; known: {','.join(KNOWN_MODELS)})")
    parser.add_argument("--model-dir", help="folder of <name>.onnx test models (default: "
                        "<build>/test-models; missing ones are exported there)")
    parser.add_argument("--out", help="report file (default: bench/RESULTS.md; with "
                        "--compile-only <work>/COMPILE.md)")
    parser.add_argument("--work", help="folder for compiled libraries (default: <build>/bench)")
    parser.add_argument("--only", action="append", choices=KNOWN_MODELS,
                        help="benchmark only this model or layer (repeatable; adds to --models)")
    parser.add_argument("--compile-only", action="store_true",
                        help="only the compile-time table (cold/warm compile, kernel counts)")
    parser.add_argument("--no-ort", action="store_true", help="leave ONNX Runtime out")
    parser.add_argument("--node", default="node", help="Node binary for the ONNX Runtime worker")
    parser.add_argument("--ort-modules", default=default_node_modules(),
                        help="node_modules folder holding onnxruntime-node (default: "
                        "$KILN_PEERS_DIR/node_modules or build/peers/node_modules)")
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
    tuned_bench.add_arguments(parser)
    args = parser.parse_args()
    if args.models and os.path.isdir(args.models) and not args.model_dir:
        # Older command lines gave the model folder as --models.
        print(f"note: --models {args.models} is a folder; read as --model-dir", flush=True)
        args.model_dir, args.models = args.models, None
    chosen = [m for m in (args.models or "").split(",") if m] + (args.only or [])
    for name in chosen:
        if name not in KNOWN_MODELS:
            parser.error(f"unknown model '{name}' (known: {', '.join(KNOWN_MODELS)})")
    args.runs = args.runs or (3 if args.quick else 15)
    args.warmup = args.warmup if args.warmup is not None else (1 if args.quick else 2)
    selected = list(dict.fromkeys(chosen))  # in the order given, once each
    args.models_to_run = ([m for m in selected if m not in LAYERS] if selected else
                          QUICK_MODELS if args.quick else ALL_MODELS)
    args.layers_to_run = ([m for m in selected if m in LAYERS] if selected else
                          [] if args.quick or args.no_layers or args.compile_only or args.tuned
                          else LAYERS)
    if args.tuned and args.compile_only:
        parser.error("--tuned and --compile-only do not combine")
    args.batch_list = [int(b) for b in args.batches.split(",")]
    args.thread_list = [int(t) for t in args.threads.split(",")]
    args.kiln = os.path.abspath(args.kiln)
    build = os.path.dirname(os.path.dirname(args.kiln))
    args.runtime = os.path.join(build, "lib", "libkiln_runtime.so")
    args.model_dir = args.model_dir or os.path.join(build, "test-models")
    args.work = args.work or os.path.join(build, "bench")
    args.out = args.out or (os.path.join(args.work, "COMPILE.md") if args.compile_only
                            else os.path.join(HERE, "RESULTS.md"))
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


def onednn_version():
    found = re.search(r"(?:oneDNN|MKL-DNN) v([\d.]+)", torch.__config__.show())
    return f"oneDNN {found.group(1)}" if found else "oneDNN"


def machine_model(kiln):
    """One line of `kiln target --format json`: the facts the default schedules derived from."""
    try:
        run = subprocess.run([kiln, "target", "--format", "json"], capture_output=True, text=True,
                             timeout=60)
        m = json.loads(run.stdout)
    except (OSError, ValueError, subprocess.SubprocessError):
        return "unknown (`kiln target` failed)"
    return (f"{m['f32_lanes']} f32 lanes, {m['vector_registers']} vector registers, "
            f"{m['fma_pipes']} FMA pipes, {m['ghz']:.2f} GHz, L1d {m['l1d_bytes'] >> 10} KiB, "
            f"L2 {m['l2_bytes'] >> 10} KiB, L3 share {m['l3_share_bytes'] >> 10} KiB "
            f"(`kiln target`, from {m['source']})")


def machine_info(ort, ort_problem, compile_only=False, kiln=None):
    cpu = platform.processor() or "unknown"
    try:
        with open("/proc/cpuinfo") as cpuinfo:
            cpu = next(line.split(":", 1)[1].strip() for line in cpuinfo
                       if line.startswith("model name"))
    except (OSError, StopIteration):
        pass
    try:
        with open("/proc/meminfo") as meminfo:
            memory = f"{int(meminfo.readline().split()[1]) / 2**20:.0f} GiB"
    except (OSError, ValueError, IndexError):
        memory = "unknown"
    if ort:
        ort_text = (f"ONNX Runtime {ort.version} (npm onnxruntime-node, CPU execution provider, "
                    f"Node {ort.node_version}; graph optimization all, intra-op threads = the "
                    "row's threads, inter-op 1, sequential, no spinning)")
    elif compile_only:
        ort_text = "ONNX Runtime not used (--compile-only)"
    else:
        ort_text = f"ONNX Runtime unavailable ({ort_problem})"
    info = {"CPU": cpu, "Cores (os.cpu_count)": os.cpu_count(), "Memory": memory,
            "OS": f"{platform.system()} {platform.release()}",
            "Date": datetime.datetime.now().strftime("%Y-%m-%d %H:%M %Z").strip(),
            "Software": f"PyTorch {torch.__version__} ({onednn_version()}), {ort_text}, "
                        f"Python {platform.python_version()}"}
    if kiln:
        info["Machine model"] = machine_model(kiln)
    return info


def ensure_model(models_dir, name):
    path = os.path.join(models_dir, name + ".onnx")
    if not os.path.exists(path):
        os.makedirs(models_dir, exist_ok=True)
        print(f"exporting {path}", flush=True)
        model_source(name)[0].export_model(name, path)
    return path


def compile_model(kiln, model_path, out_dir, name, cache_dir):
    """One `kiln compile` with KILN_CACHE_DIR=cache_dir and the default schedules (no tuned
    records); returns (library path, seconds)."""
    env = dict(os.environ, KILN_CACHE_DIR=cache_dir)
    start = time.perf_counter()
    result = subprocess.run([kiln, "compile", model_path, "-o", out_dir, "--name", name, "-q",
                             "--schedules", "none"],
                            capture_output=True, text=True, env=env)
    seconds = time.perf_counter() - start
    if result.returncode != 0:
        raise RuntimeError(f"kiln compile {model_path} failed:\n{result.stdout}{result.stderr}")
    return os.path.join(out_dir, name + ".so"), seconds


def kernel_counts(kiln, model_path):
    """(kernels, distinct tasks) from `kiln inspect MODEL --schedules --format json`, whose
    output is {"kernels": [{"name", "nodes", "task", "template", "schedule", "macs"}]};
    (None, None) when the command fails or prints something else (older builds lack it)."""
    result = subprocess.run([kiln, "inspect", model_path, "--schedules", "--format", "json"],
                            capture_output=True, text=True)
    if result.returncode != 0:
        return None, None
    try:
        kernels = json.loads(result.stdout)["kernels"]
        return len(kernels), len({json.dumps(kernel["task"], sort_keys=True)
                                  for kernel in kernels})
    except (ValueError, KeyError, TypeError):
        return None, None


def compile_stats(kiln, model_path, out_dir, name):
    """Compiles cold (fresh empty cache) then warm (same cache); returns (library, stats)."""
    with tempfile.TemporaryDirectory(prefix="kiln-cache-") as cache_dir:
        _, cold = compile_model(kiln, model_path, out_dir, name, cache_dir)
        library, warm = compile_model(kiln, model_path, out_dir, name, cache_dir)
    kernels, distinct = kernel_counts(kiln, model_path)
    return library, {"cold_s": cold, "warm_s": warm, "kernels": kernels,
                     "distinct_kernels": distinct}


class LogitsOnly(torch.nn.Module):
    """Scripted GoogLeNet returns GoogLeNetOutputs(logits, aux2, aux1) even in eval mode (eager
    eval returns the logits alone); the peer returns the logits, as the ONNX export does."""

    def __init__(self, model):
        super().__init__()
        self.model = model

    def forward(self, x):
        return self.model(x).logits


def pytorch_peer(name):
    with torch.no_grad():
        model = model_source(name)[0].build_model(name).eval()
        if name == "googlenet":
            model = LogitsOnly(model).eval()
        scripted = torch.jit.script(model)
        return torch.jit.optimize_for_inference(torch.jit.freeze(scripted))


def timed(function):
    start = time.perf_counter()
    function()
    return (time.perf_counter() - start) * 1e3


def time_in_rotation(engines, runs, warmup, budget_s):
    """Runs each engine (name -> function returning its ms) `warmup` times, then `runs` rounds
    in an order rotating every round, so that none always runs on caches another warmed and
    noise hits all alike; stops early after 3 rounds past `budget_s`. Returns name -> [ms]."""
    for _ in range(warmup):
        for engine in engines.values():
            engine()
    times = {engine: [] for engine in engines}
    order = list(engines)
    start = time.perf_counter()
    for index in range(runs):
        for engine in order[index % len(order):] + order[:index % len(order)]:
            times[engine].append(engines[engine]())
        if index >= 2 and time.perf_counter() - start > budget_s:
            break
    return times


def bench_case(name, library, peer, ort, batch, threads, args, peak, scratch):
    """Times one (model, batch, threads) case: Kiln, PyTorch and (when `ort` is given) ONNX
    Runtime alternate run by run, in an order that rotates every run, so that none always runs
    on caches another warmed and noise hits all alike. `ort` is (OrtPeer, session name)."""
    shape = (batch, *model_source(name)[1])
    data = numpy.random.default_rng(batch).standard_normal(shape, dtype=numpy.float32)
    outputs = library.bind(batch, [data])
    torch_input = torch.from_numpy(data)
    library.set_num_threads(threads)
    torch.set_num_threads(threads)
    torch_output = None
    if ort:
        ort[0].set_input(ort[1], data, scratch)

    def run_torch():
        nonlocal torch_output
        with torch.no_grad():
            torch_output = peer(torch_input)

    # Each engine runs once and returns its milliseconds; ORT's are timed inside the worker, so
    # the pipe round trip to it is not counted.
    engines = {"kiln": lambda: timed(library.run), "torch": lambda: timed(run_torch)}
    if ort:
        engines["ort"] = lambda: ort[0].run(ort[1])[0]
    times = time_in_rotation(engines, args.runs, args.warmup, args.case_budget)
    flop = 2.0 * library.macs_per_unit_run * batch
    peak_gflops = peak["gflops_per_core"] * threads
    medians = {engine: statistics.median(values) for engine, values in times.items()}
    expected = torch_output.numpy()
    result = {"model": name, "layer": name in layer_models.LAYER_MODELS, "batch": batch,
              "threads": threads, "runs": len(times["kiln"]),
              "kiln_ms": medians["kiln"], "torch_ms": medians["torch"],
              "ratio": medians["kiln"] / medians["torch"],
              "kiln_gflops": flop / medians["kiln"] * 1e-6,
              "torch_gflops": flop / medians["torch"] * 1e-6,
              "kiln_peak_pct": 100 * flop / medians["kiln"] * 1e-6 / peak_gflops,
              "torch_peak_pct": 100 * flop / medians["torch"] * 1e-6 / peak_gflops,
              "max_abs_diff": float(numpy.max(numpy.abs(outputs[0] - expected))),
              "ort_ms": None, "ort_ratio": None, "ort_peak_pct": None, "ort_rel_err": None}
    if ort:
        # ORT's output of one more run on the same input, against PyTorch's, so that a peer
        # computing something else is noticed.
        _, ort_output = ort[0].run_output(ort[1], scratch)
        result.update(ort_ms=medians["ort"], ort_ratio=medians["kiln"] / medians["ort"],
                      ort_peak_pct=100 * flop / medians["ort"] * 1e-6 / peak_gflops,
                      ort_rel_err=(relative_max_error(ort_output, expected)
                                   if ort_output.shape == expected.shape else float("inf")))
    result["best_peer_ratio"] = medians["kiln"] / min(medians[e] for e in medians if e != "kiln")
    return result


def relative_max_error(actual, expected):
    """max|actual - expected| / max|expected| (as the e2e tests measure it)."""
    return float(numpy.max(numpy.abs(actual - expected)) / max(numpy.max(numpy.abs(expected)),
                                                                 1e-30))


def kiln_bench_crosscheck(kiln, library_path, batch, runs):
    result = subprocess.run([kiln, "bench", library_path, "--threads", "1", "--batch", str(batch),
                             "--runs", str(runs), "--format", "json"],
                            capture_output=True, text=True)
    if result.returncode != 0:
        raise RuntimeError(f"kiln bench failed:\n{result.stdout}{result.stderr}")
    return json.loads(result.stdout)["median_ms"]


def slowest_kernels(kiln, library_path, runs, count=3):
    """The `count` slowest kernels of a library at batch 1 on one thread (`kiln bench --profile`)
    and the whole run's median, as {"run_ms": ..., "kernel_count": ..., "kernels": [...]}."""
    result = subprocess.run([kiln, "bench", library_path, "--threads", "1", "--batch", "1",
                             "--runs", str(runs), "--profile", "--format", "json"],
                            capture_output=True, text=True)
    if result.returncode != 0:
        raise RuntimeError(f"kiln bench --profile failed:\n{result.stdout}{result.stderr}")
    profile = json.loads(result.stdout)
    kernels = sorted(profile["kernels"], key=lambda k: k["median_ms"], reverse=True)
    return {"run_ms": profile["total_ms"], "kernel_count": len(kernels),
            "kernels": kernels[:count]}


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


def start_ort(args):
    """(OrtPeer or None, why not)."""
    if args.no_ort:
        return None, "left out (--no-ort)"
    try:
        return OrtPeer(args.node, args.ort_modules), None
    except OrtUnavailable as error:
        return None, str(error).splitlines()[0][:300]


def compile_all(args, names, failures):
    """Compiles every model (cold and warm); returns ({name: library}, {name: stats})."""
    libraries, stats = {}, {}
    for name in names:
        try:
            model_path = ensure_model(args.model_dir if name not in layer_models.LAYER_MODELS
                                      else os.path.join(args.work, "layers"), name)
            libraries[name], stats[name] = compile_stats(
                args.kiln, model_path, os.path.join(args.work, name), name)
            stats[name]["model_path"] = model_path
            print(f"compiled {name}: cold {stats[name]['cold_s']:.1f} s, warm "
                  f"{stats[name]['warm_s']:.1f} s, kernels "
                  f"{report.count_text(stats[name]['kernels'])} (distinct "
                  f"{report.count_text(stats[name]['distinct_kernels'])})", flush=True)
        except (RuntimeError, OSError) as error:
            failures.append(f"{name}: {error}")
            print(f"FAILED {name}: {error}", flush=True)
    return libraries, stats


def bench_model(name, library_path, model_path, runtime, ort, args, peak, scratch, results):
    """Times every case of one model; ORT failures only drop ORT (noted), not the model."""
    library, peer = runtime.open(library_path), pytorch_peer(name)
    layer = name in layer_models.LAYER_MODELS
    sessions, ort_problems = {}, []
    try:
        for batch in [1] if layer else args.batch_list:
            for threads in [1] if layer else args.thread_list:
                session = f"{name}-t{threads}"
                if ort and session not in sessions:
                    try:
                        ort.load(session, model_path, threads)
                        sessions[session] = True
                    except RuntimeError as error:
                        sessions[session] = False
                        ort_problems.append(f"{name}: {error}")
                peer_ort = (ort, session) if ort and sessions[session] else None
                try:
                    result = bench_case(name, library, peer, peer_ort, batch, threads, args,
                                        peak, scratch)
                except RuntimeError as error:
                    if peer_ort is None or not str(error).startswith("ORT"):
                        raise
                    ort_problems.append(f"{name} batch {batch}: {error}")
                    result = bench_case(name, library, peer, None, batch, threads, args,
                                        peak, scratch)
                results.append(result)
                print(" | ".join(str(c) for c in report.result_rows([result])[0]), flush=True)
    finally:
        library.close()
        for session in sessions:
            try:
                ort.close_session(session)
            except RuntimeError:
                pass
    return ort_problems


def main():
    args = parse_args()
    load_start = os.getloadavg()
    os.makedirs(args.work, exist_ok=True)
    with tempfile.TemporaryDirectory() as scratch:
        peak = measure_peak(scratch)
    print(f"peak fp32 FMA: {peak['gflops_per_core']:.1f} GFLOP/s per core", flush=True)
    runtime = KilnRuntime(args.runtime)

    if args.tuned:
        return main_tuned(args, runtime, peak)
    # A model that fails to compile or run is reported and skipped, so one regression does not
    # hide the other models' numbers; the exit status still says something failed.
    failures = []
    libraries, compile_stats_by_model = compile_all(
        args, args.models_to_run + args.layers_to_run, failures)

    ort, ort_problem = (None, "not used (--compile-only)") if args.compile_only else \
        start_ort(args)
    if ort:
        print(f"ONNX Runtime {ort.version} (Node {ort.node_version})", flush=True)
    elif not args.compile_only:
        print(f"ONNX Runtime unavailable: {ort_problem}", flush=True)
    results, ort_notes = [], []
    if not args.compile_only:
        print(" | ".join(report.COLUMNS), flush=True)
        with tempfile.TemporaryDirectory() as scratch:
            for name in libraries:
                try:
                    ort_notes += bench_model(name, libraries[name],
                                             compile_stats_by_model[name]["model_path"], runtime,
                                             ort, args, peak, scratch, results)
                except RuntimeError as error:
                    failures.append(f"{name}: {error}")
                    print(f"FAILED {name}: {error}", flush=True)
    if ort:
        ort.close()

    # Where the time goes: each model's three slowest kernels (issue 15's per-kernel profile).
    profiles = {}
    if not args.compile_only:
        for name in libraries:
            if name in layer_models.LAYER_MODELS:
                continue
            try:
                profiles[name] = slowest_kernels(args.kiln, libraries[name], max(args.runs, 5))
            except (RuntimeError, ValueError, KeyError) as error:
                failures.append(f"{name} profile: {error}")

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
    if not args.compile_only and not ort:
        notes.append(f"ONNX Runtime columns are n/a: {ort_problem}.")
    notes += [f"ONNX Runtime failed on {' / '.join(problem.splitlines())[:400]} (its cells are "
              "n/a there)" for problem in ort_notes]
    if any(r["ort_rel_err"] is not None and r["ort_rel_err"] > 1e-3 for r in results):
        notes.append("ONNX Runtime's output differs from PyTorch's by more than 1e-3 relative "
                     "somewhere (column `ORT max rel err`): check that peer before trusting its "
                     "times.")
    notes += load_notes(load_start, os.getloadavg())
    notes.append(f"OMP_WAIT_POLICY={os.environ['OMP_WAIT_POLICY']} (set by the driver so idle "
                 "OpenMP workers of PyTorch do not spin while Kiln runs, and vice versa; ONNX "
                 "Runtime's pool is told not to spin either).")
    if args.quick:
        notes.insert(len(failures),
                     "Quick (smoke) mode: few runs, subset of models; not a real measurement.")
    command = " ".join(["/usr/bin/python3", "bench/run_bench.py"] +
                       [shlex.quote(argument) for argument in sys.argv[1:]])
    text = report.results_markdown(machine_info(ort, ort_problem, args.compile_only, args.kiln),
                                   peak,
                                   results, compile_stats_by_model, crosscheck, command, notes,
                                   compile_only=args.compile_only, profiles=profiles)
    os.makedirs(os.path.dirname(os.path.abspath(args.out)), exist_ok=True)
    tuned_section = tuned_bench.existing_section(args.out)  # written by --tuned; kept
    with open(args.out, "w") as out:
        out.write(text + ("\n" + tuned_section + "\n" if tuned_section else ""))
    if args.compile_only:
        print("\n" + report.compile_table(compile_stats_by_model))
    print("\n" + "\n".join(report.summary_lines(results, compile_stats_by_model, crosscheck)))
    print(f"wrote {args.out}")
    return 1 if failures else 0


def main_tuned(args, runtime, peak):
    """`--tuned`: tuning's own section of --out (see tuned_bench.py)."""
    load_start = os.getloadavg()
    ort, ort_problem = start_ort(args)
    print(f"ONNX Runtime {ort.version} (Node {ort.node_version})" if ort else
          f"ONNX Runtime unavailable: {ort_problem}", flush=True)
    try:
        section, failures = tuned_bench.run(sys.modules[__name__], args, runtime, ort, peak)
    finally:
        if ort:
            ort.close()
    machine = machine_info(ort, ort_problem)
    command = " ".join(["/usr/bin/python3", "bench/run_bench.py"] +
                       [shlex.quote(argument) for argument in sys.argv[1:]])
    lines = section.splitlines()
    header = [f"Machine: {machine.get('CPU', '?')}, {machine.get('Cores (os.cpu_count)', '?')} "
              f"cores, {machine.get('Date', '')}; peak {peak['gflops_per_core']:.1f} GFLOP/s "
              "per core. " + " ".join(load_notes(load_start, os.getloadavg())), "",
              f"Reproduce: `{command}`", ""]
    section = "\n".join(lines[:3] + header + lines[3:])
    tuned_bench.merge_into(args.out, section)
    print(section)
    print(f"wrote the tuned section of {args.out}")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
