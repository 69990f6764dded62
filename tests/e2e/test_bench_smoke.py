#!/usr/bin/env python3
"""test_bench_smoke.py: the benchmark driver (bench/run_bench.py) runs end to end in quick mode.

It benchmarks the MNIST CNN only (a few runs, well under 2 minutes) into a temporary RESULTS file
and checks the report's shape: machine and peak lines, one compile-time row (cold and warm
seconds, kernel counts or n/a), and an inference table with one row per (batch, threads) in
{1, 8} x {1, 2}, every cell filled, times positive and Kiln's output matching PyTorch's, and
the per-kernel profile (the model's three slowest kernels, slowest first). ONNX
Runtime is optional (it comes from npm): where it ran, its times must be positive and its output
must match PyTorch's; where it did not, the report must say why. It checks no speed target:
numbers depend on the machine.

Usage: test_bench_smoke.py --kiln PATH --models DIR   (exit status 0 = pass)
"""
import argparse
import os
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
SOURCE = os.path.dirname(os.path.dirname(HERE))
sys.path.insert(0, os.path.join(SOURCE, "bench"))

import kiln_e2e  # noqa: E402
import report  # noqa: E402


def table_rows(text, header_start):
    """Rows (lists of cells) of the markdown table whose header starts with `header_start`."""
    lines = text.splitlines()
    start = next((i for i, line in enumerate(lines) if line.startswith(header_start)), None)
    if start is None:
        return [], []
    rows = []
    for line in lines[start:]:
        if not line.startswith("|"):
            break
        rows.append([cell.strip() for cell in line.strip().strip("|").split("|")])
    return rows[0], rows[2:]


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--kiln", required=True)
    parser.add_argument("--models", required=True)
    args = parser.parse_args()
    failures = []
    with tempfile.TemporaryDirectory() as work:
        results = os.path.join(work, "RESULTS.md")
        command = [sys.executable, os.path.join(SOURCE, "bench", "run_bench.py"), "--quick",
                   "--models", "mnist_cnn", "--kiln", args.kiln, "--model-dir", args.models,
                   "--out", results, "--work", os.path.join(work, "libs")]
        run = subprocess.run(command, capture_output=True, text=True, timeout=300,
                             env=kiln_e2e.python_env_for_kiln_libraries())
        print(run.stdout[-3000:], run.stderr[-3000:])
        if run.returncode != 0:
            print(f"FAIL: run_bench.py exited with {run.returncode}")
            return 1
        text = open(results).read()

    for needle in ["## Machine", "- CPU: ", "GFLOP/s per core", "Load average",
                   "Geometric mean Kiln/PyTorch", "Cross-check: `kiln bench`", "## Reproduce"]:
        if needle not in text:
            failures.append(f"RESULTS.md lacks {needle!r}")
    header, rows = table_rows(text, "| model | cold s")
    if header != report.COMPILE_COLUMNS:
        failures.append(f"compile-time table header {header} != {report.COMPILE_COLUMNS}")
    if [row[0] for row in rows] != ["mnist_cnn"] or float(rows[0][1]) <= 0 or \
            float(rows[0][2]) <= 0 or any(not (c == "n/a" or int(c) > 0) for c in rows[0][3:]):
        failures.append(f"compile-time table: {rows}")
    ort_ran = "- Software: " in text and "ONNX Runtime unavailable" not in text
    if not ort_ran and "ONNX Runtime columns are n/a: " not in text:
        failures.append("ONNX Runtime did not run and the notes do not say why")
    header, rows = table_rows(text, "| model | batch | threads")
    if header != report.COLUMNS:
        failures.append(f"inference table header {header} != {report.COLUMNS}")
    cases = sorted((int(row[1]), int(row[2])) for row in rows)
    if cases != [(1, 1), (1, 2), (8, 1), (8, 2)]:
        failures.append(f"inference table cases {cases}")
    for row in rows:
        if len(row) != len(report.COLUMNS) or any(not cell for cell in row):
            failures.append(f"malformed row {row}")
            continue
        named = dict(zip(report.COLUMNS, row))
        if float(named["Kiln median ms"]) <= 0 or float(named["PyTorch median ms"]) <= 0:
            failures.append(f"non-positive time in {row}")
        if float(named["max abs diff"]) > 1e-3:
            failures.append(f"Kiln and PyTorch outputs differ: {row}")
        if ort_ran:
            if named["ORT median ms"] == "n/a":
                failures.append(f"ONNX Runtime loaded but did not time this row: {row}")
            elif float(named["ORT median ms"]) <= 0 or float(named["ORT max rel err"]) > 1e-3:
                failures.append(f"ONNX Runtime time or output wrong: {row}")
        elif named["ORT median ms"] != "n/a":
            failures.append(f"ONNX Runtime unavailable but timed: {row}")
    # The per-kernel profile: the MNIST CNN's three slowest kernels, slowest first.
    header, rows = table_rows(text, "| model | rank | kernel")
    if [row[:2] for row in rows] != [["mnist_cnn", "1"], ["mnist_cnn", "2"], ["mnist_cnn", "3"]]:
        failures.append(f"slowest-kernels table: {rows}")
    else:
        times = [float(row[header.index("ms")]) for row in rows]
        if times != sorted(times, reverse=True) or times[-1] <= 0:
            failures.append(f"slowest kernels not slowest first: {rows}")
    for failure in failures:
        print("FAIL:", failure)
    print("PASS" if not failures else f"{len(failures)} failures")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
