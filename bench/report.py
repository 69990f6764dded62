"""report.py: formats the benchmark's results (inference and compile-time tables) as the console
table and bench/RESULTS.md.

Kept apart from the measuring code (run_bench.py) so the layout of RESULTS.md, which the CI smoke
test (tests/e2e/test_bench_smoke.py) parses, lives in one place.
"""
import math

# Columns of the main table; the smoke test checks rows have exactly this many cells. ORT cells
# read "n/a" when ONNX Runtime is unavailable; "Kiln/best peer" divides by the faster peer.
COLUMNS = ["model", "batch", "threads", "runs", "Kiln median ms", "PyTorch median ms",
           "ORT median ms", "Kiln/PyTorch", "Kiln/ORT", "Kiln/best peer", "Kiln GFLOP/s",
           "Kiln % peak", "PyTorch GFLOP/s", "PyTorch % peak", "ORT % peak", "max abs diff",
           "ORT max rel err"]
# Columns of the compile-time table: `kiln compile` cold (empty KILN_CACHE_DIR) and warm (the
# same cache again), and the kernels of `kiln inspect --schedules` (n/a where it fails).
COMPILE_COLUMNS = ["model", "cold s", "warm s", "kernels", "distinct kernels"]
NOT_AVAILABLE = "n/a"


def geometric_mean(values):
    values = [v for v in values if v > 0]
    return math.exp(sum(math.log(v) for v in values) / len(values)) if values else float("nan")


def markdown_table(header, rows):
    lines = ["| " + " | ".join(header) + " |", "|" + "|".join("---" for _ in header) + "|"]
    lines += ["| " + " | ".join(str(cell) for cell in row) + " |" for row in rows]
    return "\n".join(lines)


def optional(value, form):
    """`value` formatted with `form`, or n/a for None."""
    return NOT_AVAILABLE if value is None else format(value, form)


def count_text(count):
    return NOT_AVAILABLE if count is None else str(count)


def result_rows(results):
    rows = []
    for r in results:
        ort_peak = optional(r.get("ort_peak_pct"), ".1f")
        rows.append([r["model"], r["batch"], r["threads"], r["runs"], f"{r['kiln_ms']:.3f}",
                     f"{r['torch_ms']:.3f}", optional(r.get("ort_ms"), ".3f"),
                     f"{r['ratio']:.2f}", optional(r.get("ort_ratio"), ".2f"),
                     f"{r['best_peer_ratio']:.2f}", f"{r['kiln_gflops']:.1f}",
                     f"{r['kiln_peak_pct']:.1f}%", f"{r['torch_gflops']:.1f}",
                     f"{r['torch_peak_pct']:.1f}%",
                     ort_peak + ("%" if ort_peak != NOT_AVAILABLE else ""),
                     f"{r['max_abs_diff']:.1e}", optional(r.get("ort_rel_err"), ".1e")])
    return rows


def compile_rows(compile_stats):
    return [[model, f"{s['cold_s']:.1f}", f"{s['warm_s']:.1f}", count_text(s["kernels"]),
             count_text(s["distinct_kernels"])] for model, s in compile_stats.items()]


def compile_table(compile_stats):
    return markdown_table(COMPILE_COLUMNS, compile_rows(compile_stats))


def summary_lines(results, compile_stats, crosscheck):
    """The headline numbers the issue's targets are stated in."""
    lines = []
    layers = [r for r in results if r["layer"]]
    results = [r for r in results if not r["layer"]]
    base_rows = [r for r in results if r["batch"] == 1 and r["threads"] == 1]
    base = [r["ratio"] for r in base_rows]
    if base:
        worst = max(base_rows, key=lambda r: r["ratio"])
        lines.append(f"- Geometric mean Kiln/PyTorch at batch 1, 1 thread: "
                     f"**{geometric_mean(base):.2f}** (target <= 0.9); worst: {worst['model']} "
                     f"{worst['ratio']:.2f} (target <= 1.1).")
        with_ort = [r for r in base_rows if r.get("ort_ratio") is not None]
        if with_ort:
            worst = max(with_ort, key=lambda r: r["ort_ratio"])
            lines.append(f"- Geometric mean Kiln/ONNX Runtime at batch 1, 1 thread: "
                         f"**{geometric_mean([r['ort_ratio'] for r in with_ort]):.2f}**; worst: "
                         f"{worst['model']} {worst['ort_ratio']:.2f}.")
        worst = max(base_rows, key=lambda r: r["best_peer_ratio"])
        lines.append(f"- Geometric mean Kiln/best peer at batch 1, 1 thread: "
                     f"**{geometric_mean([r['best_peer_ratio'] for r in base_rows]):.2f}**; "
                     f"worst: {worst['model']} {worst['best_peer_ratio']:.2f}.")
    for model in sorted({r["model"] for r in results}):
        one = [r for r in results if r["model"] == model and r["threads"] == 1 and r["batch"] == 1]
        two = [r for r in results if r["model"] == model and r["threads"] == 2 and r["batch"] == 1]
        if model == "resnet18" and one and two:
            lines.append(f"- ResNet-18 speed-up 2 threads vs 1 (batch 1): Kiln "
                         f"{one[0]['kiln_ms'] / two[0]['kiln_ms']:.2f}x, PyTorch "
                         f"{one[0]['torch_ms'] / two[0]['torch_ms']:.2f}x (target >= 1.7x).")
    if layers:
        shares = [f"{r['model']} {r['kiln_peak_pct']:.0f}% (PyTorch {r['torch_peak_pct']:.0f}%)"
                  for r in layers]
        lines.append("- ResNet-18's 3x3 convolutions alone (bias+ReLU, batch 1, 1 thread), Kiln % "
                     "of peak (target >= 80%): " + ", ".join(shares) + ".")
    if "resnet18" in compile_stats:
        lines.append(f"- `kiln compile` of ResNet-18: {compile_stats['resnet18']['cold_s']:.1f} s "
                     f"cold, {compile_stats['resnet18']['warm_s']:.1f} s warm (target < 60 s).")
    if crosscheck:
        bench_ms, table_ms = crosscheck["bench_ms"], crosscheck["table_ms"]
        lines.append(f"- Cross-check: `kiln bench` of {crosscheck['model']} (batch "
                     f"{crosscheck['batch']}, 1 thread) reports median {bench_ms:.3f} ms vs "
                     f"{table_ms:.3f} ms in the table (ratio {bench_ms / table_ms:.2f}).")
    return lines


def profile_table(profiles):
    """Markdown table of each model's slowest kernels (run_bench.slowest_kernels)."""
    rows = []
    for model, profile in profiles.items():
        for rank, kernel in enumerate(profile["kernels"], 1):
            rows.append([model, str(rank), f"`{kernel['name']}`", kernel["template"],
                         f"{kernel['median_ms']:.3f}", f"{100 * kernel['share']:.1f}%",
                         f"{kernel['gflops']:.1f}", f"{kernel['percent_of_peak']:.1f}%",
                         f"{profile['run_ms']:.3f}", str(profile["kernel_count"])])
    return markdown_table(["model", "rank", "kernel", "template", "ms", "share of run",
                           "GFLOP/s", "% peak", "run ms", "kernels"], rows)


def results_markdown(machine, peak, results, compile_stats, crosscheck, command, notes,
                     compile_only=False, profiles=None):
    title = ("# Kiln compile times" if compile_only else
             "# Kiln vs PyTorch (oneDNN) and ONNX Runtime benchmark")
    parts = [title, "",
             "Written by `bench/run_bench.py`; do not edit by hand. Numbers are as measured, "
             "on the machine below.", "", "## Machine", ""]
    parts += [f"- {key}: {value}" for key, value in machine.items()]
    parts += [f"- Peak fp32 FMA throughput (bench/fma_peak.c, {peak['vector_bits']}-bit vectors, "
              f"{peak['chains']} chains): **{peak['gflops_per_core']:.1f} GFLOP/s per core**; "
              f"% of peak at N threads uses N x this.", ""]
    if notes:
        parts += ["## Notes", ""] + [f"- {note}" for note in notes] + [""]
    summary = summary_lines(results, compile_stats, crosscheck)
    if summary:
        parts += ["## Summary", ""] + summary + [""]
    parts += ["## Compile time (`kiln compile`, wall clock)", "",
              "Cold: a fresh, empty `KILN_CACHE_DIR`; warm: a second compile with the same "
              "cache. Kernels: the entries of `kiln inspect MODEL --schedules --format json`, "
              "distinct: their distinct `task` values (n/a: that command failed).", "",
              compile_table(compile_stats), ""]
    if compile_only:
        parts += ["## Reproduce", "", "```sh", command, "```", ""]
        return "\n".join(parts)
    parts += ["## Inference (median of interleaved runs)", "",
              "Kiln, PyTorch and ONNX Runtime alternate run by run (in an order rotating every "
              "run) after warm-up; Kiln and PyTorch in this process, ORT in a Node worker that "
              "times each `session.run` itself. GFLOP/s = 2 x MACs / median time (MACs: the "
              "library descriptor's `macs_per_unit_run` x batch, convolutions and matrix "
              "products only). `max abs diff` compares Kiln's output of the last run with "
              "PyTorch's; `ORT max rel err` = max|ORT - PyTorch| / max|PyTorch| on the same "
              "input. `Kiln/best peer` divides by the faster of PyTorch and ORT.", "",
              markdown_table(COLUMNS, result_rows([r for r in results if not r["layer"]])), ""]
    layers = [r for r in results if r["layer"]]
    if layers:
        parts += ["## Single layers (ResNet-18's 3x3 convolutions with bias and ReLU)", "",
                  markdown_table(COLUMNS, result_rows(layers)), ""]
    if profiles:
        parts += ["## Slowest kernels (batch 1, 1 thread)", "",
                  "From `kiln bench LIBRARY --threads 1 --profile`, run after the table above: "
                  "each model's three slowest kernels (median ms of each kernel over the runs; "
                  "share of the whole run's median; % of the peak Kiln's own FMA probe "
                  "measures, which can differ a little from bench/fma_peak.c's). `run ms` is "
                  "that command's whole-run median, not the table's interleaved one.", "",
                  profile_table(profiles), ""]
    parts += ["## Reproduce", "", "```sh", command, "```", ""]
    return "\n".join(parts)
