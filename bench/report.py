"""report.py: formats the benchmark's results as the console table and bench/RESULTS.md.

Kept apart from the measuring code (run_bench.py) so the layout of RESULTS.md, which the CI smoke
test (tests/e2e/test_bench_smoke.py) parses, lives in one place.
"""
import math

# Columns of the main table; the smoke test checks rows have exactly this many cells.
COLUMNS = ["model", "batch", "threads", "runs", "Kiln median ms", "PyTorch median ms",
           "Kiln/PyTorch", "Kiln GFLOP/s", "Kiln % peak", "PyTorch GFLOP/s", "PyTorch % peak",
           "max abs diff"]


def geometric_mean(values):
    values = [v for v in values if v > 0]
    return math.exp(sum(math.log(v) for v in values) / len(values)) if values else float("nan")


def markdown_table(header, rows):
    lines = ["| " + " | ".join(header) + " |", "|" + "|".join("---" for _ in header) + "|"]
    lines += ["| " + " | ".join(str(cell) for cell in row) + " |" for row in rows]
    return "\n".join(lines)


def result_rows(results):
    rows = []
    for r in results:
        rows.append([r["model"], r["batch"], r["threads"], r["runs"], f"{r['kiln_ms']:.3f}",
                     f"{r['torch_ms']:.3f}", f"{r['ratio']:.2f}", f"{r['kiln_gflops']:.1f}",
                     f"{r['kiln_peak_pct']:.1f}%", f"{r['torch_gflops']:.1f}",
                     f"{r['torch_peak_pct']:.1f}%", f"{r['max_abs_diff']:.1e}"])
    return rows


def summary_lines(results, compile_times, crosscheck):
    """The headline numbers the issue's targets are stated in."""
    lines = []
    layers = [r for r in results if r["layer"]]
    results = [r for r in results if not r["layer"]]
    base = [r["ratio"] for r in results if r["batch"] == 1 and r["threads"] == 1]
    if base:
        worst = max((r for r in results if r["batch"] == 1 and r["threads"] == 1),
                    key=lambda r: r["ratio"])
        lines.append(f"- Geometric mean Kiln/PyTorch at batch 1, 1 thread: "
                     f"**{geometric_mean(base):.2f}** (target <= 0.9); worst: {worst['model']} "
                     f"{worst['ratio']:.2f} (target <= 1.1).")
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
    if "resnet18" in compile_times:
        lines.append(f"- `kiln compile` of ResNet-18: {compile_times['resnet18']:.1f} s "
                     f"(target < 60 s).")
    if crosscheck:
        bench_ms, table_ms = crosscheck["bench_ms"], crosscheck["table_ms"]
        lines.append(f"- Cross-check: `kiln bench` of {crosscheck['model']} (batch "
                     f"{crosscheck['batch']}, 1 thread) reports median {bench_ms:.3f} ms vs "
                     f"{table_ms:.3f} ms in the table (ratio {bench_ms / table_ms:.2f}).")
    return lines


def results_markdown(machine, peak, results, compile_times, crosscheck, command, notes):
    parts = ["# Kiln vs PyTorch (oneDNN) benchmark", "",
             "Written by `bench/run_bench.py`; do not edit by hand. Numbers are as measured, "
             "on the machine below.", "", "## Machine", ""]
    parts += [f"- {key}: {value}" for key, value in machine.items()]
    parts += [f"- Peak fp32 FMA throughput (bench/fma_peak.c, {peak['vector_bits']}-bit vectors, "
              f"{peak['chains']} chains): **{peak['gflops_per_core']:.1f} GFLOP/s per core**; "
              f"% of peak at N threads uses N x this.", ""]
    if notes:
        parts += ["## Notes", ""] + [f"- {note}" for note in notes] + [""]
    parts += ["## Summary", ""] + summary_lines(results, compile_times, crosscheck) + [""]
    parts += ["## Compile time (`kiln compile`, wall clock)", "",
              markdown_table(["model", "seconds"],
                             [[m, f"{t:.1f}"] for m, t in compile_times.items()]), ""]
    parts += ["## Inference (median of interleaved runs)", "",
              "Kiln and PyTorch alternate run by run in one process after warm-up. GFLOP/s = "
              "2 x MACs / median time (MACs: the library descriptor's `macs_per_unit_run` x "
              "batch, convolutions and matrix products only). `max abs diff` compares the two "
              "outputs of the last run.", "",
              markdown_table(COLUMNS, result_rows([r for r in results if not r["layer"]])), ""]
    layers = [r for r in results if r["layer"]]
    if layers:
        parts += ["## Single layers (ResNet-18's 3x3 convolutions with bias and ReLU)", "",
                  markdown_table(COLUMNS, result_rows(layers)), ""]
    parts += ["## Reproduce", "", "```sh", command, "```", ""]
    return "\n".join(parts)
