"""tuned_bench.py: `run_bench.py --tuned`: what tuning buys, measured in one run.

For each bench model: compile Kiln's default; `kiln tune` it within a per-model budget (wall
clock, compiles included) for each tuning configuration (`--tune-configs`, batch x threads,
default 1x1) and compile it with those records (`kiln compile --schedules ... --tuned-batch B
--tuned-threads T`); compile it with each of Halide 14's autoschedulers (`--autoscheduler`,
with a time limit); then time every library against PyTorch and ONNX Runtime, alternating run
by run in rotating order as the main benchmark does, at every batch and thread count, and check
each library's output against PyTorch's. Separately (`--search-models`), tune with the guided
search, the guided search without the autoscheduler seeds, and uniform random sampling at the
same trial budget and compare the estimated model latency each finds (`kiln tune --report`).

The section it writes goes between two markers in bench/RESULTS.md (`--out`), so the main
benchmark's tables and this section do not overwrite each other.
"""
import json
import os
import shutil
import statistics
import subprocess
import tempfile
import time

import numpy
import torch

import report

MARK_BEGIN = "<!-- kiln-tuned-begin -->"
MARK_END = "<!-- kiln-tuned-end -->"
PLUGINS = ["mullapudi2016", "li2018", "adams2019"]
# Search comparison strategies: (label, extra `kiln tune` arguments).
STRATEGIES = [("guided", []), ("guided, no seeds", ["--seed-autoschedulers", "none"]),
              ("random", ["--search", "random", "--seed-autoschedulers", "none"])]


def add_arguments(parser):
    group = parser.add_argument_group("tuning (--tuned)")
    group.add_argument("--tuned", action="store_true",
                       help="tune each model and compare default, tuned, each Halide "
                       "autoscheduler, PyTorch and ONNX Runtime (writes its own section of --out)")
    group.add_argument("--tune-minutes", type=float, default=10.0,
                       help="`kiln tune --budget-minutes` per model and configuration (default 10)")
    group.add_argument("--tune-configs", default="1x1",
                       help="comma-separated BATCHxTHREADS configurations to tune (default 1x1); "
                       "a case uses the records of its own configuration, else of the first")
    group.add_argument("--autoscheduler-timeout", type=float, default=900.0,
                       help="seconds one `kiln compile --autoscheduler` may take (default 900)")
    group.add_argument("--search-models", default="mnist_cnn,resnet18",
                       help="models of the search-vs-random comparison ('' to skip)")
    group.add_argument("--search-trials", default="mnist_cnn=60,resnet18=120",
                       help="trial budget per model of the comparison (NAME=N,...; default "
                       "tasks x 6 for models not named)")
    group.add_argument("--search-seeds", type=int, default=2,
                       help="seeds per strategy in the comparison (default 2)")


def parse_configs(text):
    configs = []
    for item in text.split(","):
        batch, threads = item.lower().split("x")
        configs.append((int(batch), int(threads)))
    return configs


def run_timed(command, env, timeout=None):
    """(CompletedProcess or None on timeout, seconds)."""
    start = time.perf_counter()
    try:
        result = subprocess.run(command, capture_output=True, text=True, env=env,
                                timeout=timeout)
    except subprocess.TimeoutExpired:
        return None, time.perf_counter() - start
    return result, time.perf_counter() - start


def tune_report(kiln, records):
    result = subprocess.run([kiln, "tune", "--report", records, "--format", "json"],
                            capture_output=True, text=True)
    if result.returncode != 0:
        raise RuntimeError(f"kiln tune --report {records} failed:\n{result.stderr}")
    return json.loads(result.stdout)["configs"]


def last_line(text):
    lines = [line for line in (text or "").strip().splitlines() if line.strip()]
    return lines[-1][:300] if lines else ""


def compile_library(kiln, model_path, out_dir, name, env, extra, timeout=None):
    """(library path or None, seconds, error text)."""
    result, seconds = run_timed([kiln, "compile", model_path, "-o", out_dir, "--name", name, "-q",
                                 *extra], env, timeout)
    if result is None:
        return None, seconds, f"timed out after {timeout:.0f} s"
    if result.returncode != 0:
        return None, seconds, last_line(result.stderr) or f"exit status {result.returncode}"
    return os.path.join(out_dir, name + ".so"), seconds, ""


def prepare_model(kiln, name, model_path, work, args, env):
    """Compiles default, tuned (per configuration) and autoscheduled libraries of one model."""
    out = {"model": name, "libraries": {}, "compile_s": {}, "errors": {}, "tuning": []}
    lib, seconds, error = compile_library(kiln, model_path, os.path.join(work, "default"), name,
                                          env, ["--schedules", "none"])
    if not lib:
        raise RuntimeError(f"kiln compile {name} failed: {error}")
    out["libraries"]["default"], out["compile_s"]["default"] = lib, seconds
    for batch, threads in args.tune_config_list:
        label = f"tuned {batch}x{threads}"
        records = os.path.join(work, f"records-b{batch}-t{threads}.jsonl")
        if os.path.exists(records):
            os.remove(records)  # a fresh tuning run, so its time is the whole tuning time
        result, seconds = run_timed([kiln, "tune", model_path, "-o", records, "--no-cache",
                                     "--budget-minutes", str(args.tune_minutes), "--batch",
                                     str(batch), "--threads", str(threads), "-q"], env)
        if result.returncode != 0:
            out["errors"][label] = last_line(result.stderr)
            print(f"  {label}: kiln tune failed: {out['errors'][label]}", flush=True)
            continue
        config = tune_report(kiln, records)[0]
        lines = sum(1 for _ in open(records))
        out["tuning"].append({"config": (batch, threads), "seconds": seconds,
                              "records": lines, "estimated_default_ms": config["default_model_ms"],
                              "estimated_tuned_ms": config["tuned_model_ms"],
                              "failures": sum(t["failures"] for t in config["tasks"])})
        print(f"  {label}: tuned in {seconds:.0f} s, {lines} records, estimated "
              f"{config['default_model_ms']:.3f} -> {config['tuned_model_ms']:.3f} ms", flush=True)
        lib, seconds, error = compile_library(
            kiln, model_path, os.path.join(work, f"tuned-b{batch}-t{threads}"), name, env,
            ["--schedules", records, "--tuned-batch", str(batch), "--tuned-threads",
             str(threads)])
        if lib:
            out["libraries"][label], out["compile_s"][label] = lib, seconds
        else:
            out["errors"][label] = error
    for plugin in PLUGINS:
        lib, seconds, error = compile_library(
            kiln, model_path, os.path.join(work, plugin), name, env,
            ["--autoscheduler", plugin], args.autoscheduler_timeout)
        out["compile_s"][plugin] = seconds
        if lib:
            out["libraries"][plugin] = lib
        else:
            out["errors"][plugin] = error
        print(f"  --autoscheduler {plugin}: {'compiled' if lib else 'FAILED'} in {seconds:.0f} s"
              f"{'' if lib else ': ' + error}", flush=True)
    return out


def tuned_label_for(prepared, batch, threads):
    """The tuned library a case uses: its own configuration's, else the first one tuned."""
    own = f"tuned {batch}x{threads}"
    if own in prepared["libraries"]:
        return own
    tuned = [label for label in prepared["libraries"] if label.startswith("tuned ")]
    return tuned[0] if tuned else None


def time_case(rb, name, libraries, peer, ort, batch, threads, args, scratch):
    """Times Kiln's variants (`libraries`: label -> opened library), PyTorch and ORT (when
    given: (OrtPeer, session)) alternately; returns per engine the median ms and, for Kiln's,
    the relative max error against PyTorch's output."""
    shape = (batch, *rb.model_source(name)[1])
    data = numpy.random.default_rng(batch).standard_normal(shape, dtype=numpy.float32)
    outputs = {label: lib.bind(batch, [data]) for label, lib in libraries.items()}
    for lib in libraries.values():
        lib.set_num_threads(threads)
    torch.set_num_threads(threads)
    torch_input = torch.from_numpy(data)
    torch_output = None

    def run_torch():
        nonlocal torch_output
        with torch.no_grad():
            torch_output = peer(torch_input)

    engines = {label: (lambda lib=lib: rb.timed(lib.run)) for label, lib in libraries.items()}
    engines["PyTorch"] = lambda: rb.timed(run_torch)
    if ort:
        ort[0].set_input(ort[1], data, scratch)
        engines["ONNX Runtime"] = lambda: ort[0].run(ort[1])[0]
    # More engines than the main benchmark's three: twice its time budget per case.
    times = rb.time_in_rotation(engines, args.runs, args.warmup, args.case_budget * 2)
    expected = torch_output.numpy()
    return {"model": name, "batch": batch, "threads": threads, "runs": len(times["default"]),
            "ms": {engine: statistics.median(values) for engine, values in times.items()},
            "error": {label: rb.relative_max_error(outputs[label][0], expected)
                      for label in libraries}}


def bench_prepared(rb, prepared, model_path, runtime, ort, args):
    name = prepared["model"]
    opened = {label: runtime.open(path) for label, path in prepared["libraries"].items()}
    peer = rb.pytorch_peer(name)
    rows = []
    scratch = tempfile.mkdtemp(prefix="kiln-tuned-ort-")  # ORT's input files, one per case
    try:
        for batch in args.batch_list:
            for threads in args.thread_list:
                session = f"tuned-{name}-t{threads}"
                peer_ort = None
                if ort:
                    try:
                        ort.load(session, model_path, threads)
                        peer_ort = (ort, session)
                    except RuntimeError as error:
                        print(f"  ORT failed on {name}: {error}", flush=True)
                tuned = tuned_label_for(prepared, batch, threads)
                libraries = {"default": opened["default"]}
                if tuned:
                    libraries["tuned"] = opened[tuned]
                libraries.update({p: opened[p] for p in PLUGINS if p in opened})
                row = time_case(rb, name, libraries, peer, peer_ort, batch, threads, args,
                                scratch)
                row["tuned_from"] = tuned
                rows.append(row)
                print("  " + ", ".join(f"{k} {v:.3f} ms" for k, v in row["ms"].items()) +
                      f" (batch {batch}, {threads} threads)", flush=True)
                if peer_ort:
                    ort.close_session(session)
    finally:
        for lib in opened.values():
            lib.close()
        shutil.rmtree(scratch, ignore_errors=True)
    return rows


def search_comparison(kiln, name, model_path, trials, seeds, work, env):
    """Per strategy: the estimated model ms (records' best kernels x occurrences) per seed."""
    out = {"model": name, "trials": trials, "strategies": {}}
    for label, extra in STRATEGIES:
        runs = []
        for seed in range(seeds):
            records = os.path.join(work, f"search-{label.replace(', ', '-').replace(' ', '-')}"
                                   f"-{seed}.jsonl")
            if os.path.exists(records):
                os.remove(records)
            result, seconds = run_timed([kiln, "tune", model_path, "-o", records, "--no-cache",
                                         "--trials", str(trials), "--seed", str(seed),
                                         "--threads", "1", "-q", *extra], env)
            if result.returncode != 0:
                raise RuntimeError(f"kiln tune ({label}) of {name} failed: "
                                   f"{last_line(result.stderr)}")
            config = tune_report(kiln, records)[0]
            runs.append({"seed": seed, "seconds": seconds,
                         "default_ms": config["default_model_ms"],
                         "tuned_ms": config["tuned_model_ms"]})
            print(f"  search {name} {label} seed {seed}: {config['default_model_ms']:.3f} -> "
                  f"{config['tuned_model_ms']:.3f} ms estimated, {seconds:.0f} s", flush=True)
        out["strategies"][label] = runs
    return out


def run(rb, args, runtime, ort, peak):
    """The whole --tuned benchmark; returns (markdown section, failures)."""
    args.tune_config_list = parse_configs(args.tune_configs)
    failures, prepared_models, rows, searches = [], [], [], []
    env = dict(os.environ)
    with tempfile.TemporaryDirectory(prefix="kiln-tuned-cache-") as cache:
        env["KILN_CACHE_DIR"] = cache
        for name in args.models_to_run:
            print(f"{name}:", flush=True)
            try:
                model_path = rb.ensure_model(args.model_dir, name)
                prepared = prepare_model(args.kiln, name, model_path,
                                         os.path.join(args.work, "tuned", name), args, env)
                prepared_models.append(prepared)
                rows += bench_prepared(rb, prepared, model_path, runtime, ort, args)
            except (RuntimeError, OSError) as error:
                failures.append(f"{name}: {error}")
                print(f"FAILED {name}: {error}", flush=True)
        trial_budgets = dict(item.split("=") for item in args.search_trials.split(",") if item)
        for name in [m for m in args.search_models.split(",") if m]:
            try:
                model_path = rb.ensure_model(args.model_dir, name)
                trials = int(trial_budgets.get(name, 0)) or 6 * len(
                    {k["task"] for k in json.loads(subprocess.run(
                        [args.kiln, "inspect", model_path, "--schedules", "--format", "json"],
                        capture_output=True, text=True, check=True).stdout)["kernels"]})
                searches.append(search_comparison(args.kiln, name, model_path, trials,
                                                  args.search_seeds,
                                                  os.path.join(args.work, "tuned", name), env))
            except (RuntimeError, OSError, subprocess.CalledProcessError) as error:
                failures.append(f"search comparison {name}: {error}")
                print(f"FAILED search comparison {name}: {error}", flush=True)
    return markdown(prepared_models, rows, searches, args, failures), failures


def ratio_text(value):
    return report.NOT_AVAILABLE if value is None else f"{value:.2f}"


def markdown(prepared_models, rows, searches, args, failures):
    engines = ["default", "tuned"] + PLUGINS + ["PyTorch", "ONNX Runtime"]
    parts = [MARK_BEGIN, "## Tuning (`run_bench.py --tuned`)", "",
             f"Each model tuned with `kiln tune --budget-minutes {args.tune_minutes:g}` per "
             f"configuration ({args.tune_configs}, batch x threads), compiled with its records, "
             "and compiled with each Halide 14 autoscheduler; all timed in one rotation with "
             "PyTorch and ONNX Runtime (median ms). A case uses the records of its own "
             "configuration, else of the first (column `records`). `tuned/default` <= 1.0 is the "
             "target everywhere; `tuned/best peer` <= 1.0 for ResNet-18 and MobileNetV2 at batch "
             "1, 1 thread. `max rel err`: the largest over Kiln's libraries of max|Kiln - PyTorch| "
             "/ max|PyTorch|.", ""]
    if failures:
        parts += [f"- FAILED {' / '.join(f.splitlines())[:500]}" for f in failures] + [""]
    # Tuning time and estimates.
    tune_rows = []
    for p in prepared_models:
        for t in p["tuning"]:
            tune_rows.append([p["model"], f"{t['config'][0]}x{t['config'][1]}",
                              f"{t['seconds']:.0f}", t["records"], t["failures"],
                              f"{t['estimated_default_ms']:.3f}", f"{t['estimated_tuned_ms']:.3f}",
                              f"{t['estimated_default_ms'] / max(t['estimated_tuned_ms'], 1e-9):.2f}x"])
    parts += ["### Tuning runs", "",
              "Wall clock of `kiln tune` (compiles included) from an empty records file; the "
              "estimate is the sum over kernels of occurrences x the kernel's measured time.", "",
              report.markdown_table(["model", "config", "tuning s", "records", "failed",
                                     "estimated default ms", "estimated tuned ms", "speed-up"],
                                    tune_rows), ""]
    compile_rows = []
    for p in prepared_models:
        compile_rows.append([p["model"]] + [
            (f"{p['compile_s'][k]:.1f}" if k in p["libraries"] else
             f"failed ({p['errors'].get(k, '')[:80]})" if k in p["compile_s"] or k in p["errors"]
             else report.NOT_AVAILABLE)
            for k in ["default"] + [f"tuned {b}x{t}" for b, t in args.tune_config_list] + PLUGINS])
    parts += ["### Compile time of each variant (s, warm kernel cache for default)", "",
              report.markdown_table(["model", "default"] + [f"tuned {b}x{t}" for b, t in
                                                            args.tune_config_list] + PLUGINS,
                                    compile_rows), ""]
    table = []
    for r in rows:
        ms = r["ms"]
        peers = [ms[e] for e in ("PyTorch", "ONNX Runtime") if e in ms]
        best_auto = min([ms[p] for p in PLUGINS if p in ms], default=None)
        tuned = ms.get("tuned")
        table.append([r["model"], r["batch"], r["threads"], r["runs"],
                      r["tuned_from"] or report.NOT_AVAILABLE] +
                     [report.optional(ms.get(e), ".3f") for e in engines] +
                     [ratio_text(tuned / ms["default"] if tuned else None),
                      ratio_text(tuned / best_auto if tuned and best_auto else None),
                      ratio_text(tuned / min(peers) if tuned and peers else None),
                      f"{max(r['error'].values()):.1e}"])
    parts += ["### Inference", "",
              report.markdown_table(["model", "batch", "threads", "runs", "records"] +
                                    [f"{e} ms" for e in engines] +
                                    ["tuned/default", "tuned/best autoscheduler",
                                     "tuned/best peer", "max rel err"], table), ""]
    summary = []
    slower = [r for r in rows if "tuned" in r["ms"] and r["ms"]["tuned"] > r["ms"]["default"]]
    summary.append(f"- Tuned slower than default in {len(slower)} of "
                   f"{sum(1 for r in rows if 'tuned' in r['ms'])} cases" +
                   (": " + ", ".join(f"{r['model']} b{r['batch']} t{r['threads']} "
                                     f"{r['ms']['tuned'] / r['ms']['default']:.2f}"
                                     for r in slower) if slower else "") + ".")
    lost = [r for r in rows if "tuned" in r["ms"] and
            any(p in r["ms"] and r["ms"][p] < r["ms"]["tuned"] for p in PLUGINS)]
    summary.append(f"- An autoscheduler faster than tuned in {len(lost)} cases" +
                   (": " + ", ".join(f"{r['model']} b{r['batch']} t{r['threads']}"
                                     for r in lost) if lost else "") + ".")
    for r in rows:
        if r["model"] in ("resnet18", "mobilenet_v2") and r["batch"] == 1 and r["threads"] == 1 \
                and "tuned" in r["ms"]:
            peers = {e: r["ms"][e] for e in ("PyTorch", "ONNX Runtime") if e in r["ms"]}
            best = min(peers, key=peers.get)
            summary.append(f"- {r['model']} batch 1, 1 thread: tuned {r['ms']['tuned']:.3f} ms vs "
                           f"{best} {peers[best]:.3f} ms (ratio {r['ms']['tuned'] / peers[best]:.2f}"
                           ", target <= 1.0).")
    parts += ["### Summary", ""] + summary + [""]
    if searches:
        search_rows = []
        for s in searches:
            for label, runs in s["strategies"].items():
                tuned = [r["tuned_ms"] for r in runs]
                search_rows.append([s["model"], s["trials"], label, len(runs),
                                    f"{runs[0]['default_ms']:.3f}",
                                    f"{report.geometric_mean(tuned):.3f}",
                                    " / ".join(f"{t:.3f}" for t in tuned),
                                    f"{statistics.mean(r['seconds'] for r in runs):.0f}"])
        parts += ["### Search vs random sampling (same trial budget, 1 thread, batch 1)", "",
                  "`guided`: Kiln's search (autoschedulers' choices first, then cost-model "
                  "ranking of random and mutated candidates); `guided, no seeds`: the same "
                  "without the autoscheduler seeds; `random`: uniform samples of each task's "
                  "space. Same task scheduler and trial budget (defaults included); estimated "
                  "model ms as above, geometric mean over seeds.", "",
                  report.markdown_table(["model", "trials", "strategy", "seeds",
                                         "default est. ms", "found est. ms (geomean)",
                                         "per seed", "tuning s (mean)"], search_rows), ""]
    parts.append(MARK_END)
    return "\n".join(parts)


def merge_into(path, section):
    """Replaces the tuned section of `path` (or appends it); keeps the rest of the file."""
    text = open(path).read() if os.path.exists(path) else ""
    begin, end = text.find(MARK_BEGIN), text.find(MARK_END)
    if begin >= 0 and end > begin:
        text = text[:begin] + section + text[end + len(MARK_END):]
    else:
        text = text.rstrip("\n") + ("\n\n" if text else "") + section + "\n"
    with open(path, "w") as out:
        out.write(text)


def existing_section(path):
    """The tuned section of `path`, '' when it has none (the main run keeps it)."""
    if not os.path.exists(path):
        return ""
    text = open(path).read()
    begin, end = text.find(MARK_BEGIN), text.find(MARK_END)
    return text[begin:end + len(MARK_END)] if begin >= 0 and end > begin else ""
