#!/usr/bin/env python3
"""test_cli_options.py: out-of-range numeric options get one short line and exit status 1 before
anything runs; a `kiln bench --batch` whose inputs would not fit in memory gets one line naming
the file and the size, exit status 2; `kiln --help` and every subcommand's `--help` exit 0 and
describe every option; no or an unknown subcommand or flag gets one line, exit status 1.

Usage: test_cli_options.py --kiln PATH --models DIR   (exit status 0 = pass)
"""
import os
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import kiln_e2e  # noqa: E402

BAD_OPTIONS = [  # (subcommand arguments after MODEL, words of the message)
    ("bench", ["--batch", "-3"], "--batch: must be an integer from 1 to 1048576, not '-3'"),
    ("bench", ["--batch", "100000000000"], "--batch: must be an integer from 1 to 1048576"),
    ("bench", ["--batch", "1.5"], "--batch: must be an integer"),
    ("bench", ["--threads", "-1"], "--threads: must be an integer from 0 to 1024"),
    ("bench", ["--runs", "0"], "--runs: must be an integer from 1 to 1000000"),
    ("bench", ["--warmup", "99999999999999999999"], "--warmup: must be an integer"),
    ("run", ["--threads", "abc", "--input", "x.npy", "-o", "out"], "--threads: must be"),
    ("compile", ["-o", "out", "--jobs", "-2"], "--jobs: must be an integer from 0 to 1024"),
    ("compile", ["-o", "out", "--tuned-batch", "0"], "--tuned-batch: must be an integer"),
    ("inspect", ["--tuned-threads", "5000"], "--tuned-threads: must be an integer"),
    ("compile", ["-o", "out", "--tune", "slow"], "--tune: slow not in {quick}"),
    ("compile", ["-o", "out", "--tune", "quick", "--schedules", "r.jsonl"], "excludes --tune"),
    ("compile", ["-o", "out", "--tune", "quick", "--autoscheduler", "li2018"], "excludes"),
    ("tune", ["-o", "r.jsonl", "--trials", "0"], "--trials: must be an integer"),
    ("tune", ["-o", "r.jsonl", "--run-timeout", "-1"], "--run-timeout: must be a number above 0"),
    ("tune", ["-o", "r.jsonl", "--budget-minutes", "nan"],
     "--budget-minutes: must be a number above 0 and at most 10000"),
]


def wide_model(path):
    """y = Relu(x), x: [batch, 1000000] (4 MB per sample)."""
    import onnx
    from onnx import TensorProto, helper

    graph = helper.make_graph([helper.make_node("Relu", ["x"], ["y"], name="relu")], "wide",
                              [helper.make_tensor_value_info("x", TensorProto.FLOAT,
                                                             ["batch", 1000000])],
                              [helper.make_tensor_value_info("y", TensorProto.FLOAT, None)])
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 13)])
    model.ir_version = 8
    onnx.save(model, path)
    return path


def check(command, status, words, failures):
    run = subprocess.run(command, capture_output=True, text=True, timeout=30)
    lines = run.stderr.splitlines()
    problems = []
    if run.returncode != status:
        problems.append(f"exit status {run.returncode}, want {status}")
    if len(lines) != 1 or not lines[0].startswith("kiln: error: "):
        problems.append(f"want one 'kiln: error:' line, got {run.stderr!r}")
    for word in words:
        if word not in run.stderr:
            problems.append(f"lacks {word!r}: {run.stderr!r}")
    if run.stdout:
        problems.append(f"stdout not empty: {run.stdout[:100]!r}")
    label = " ".join(command[1:])
    if problems:
        failures.append(f"{label}: {'; '.join(problems)}")
    else:
        print(f"ok: {label}: {lines[0]}", flush=True)


def subcommands(kiln):
    """The subcommands `kiln --help` lists."""
    text = subprocess.run([kiln, "--help"], capture_output=True, text=True, timeout=30).stdout
    names, listing = [], False
    for line in text.splitlines():
        if line.startswith("Subcommands:"):
            listing = True
        elif listing and line.startswith("  ") and line.split():
            names.append(line.split()[0])
    return names


def check_help(kiln, subcommand, failures):
    """`kiln [SUBCOMMAND] --help`: exit 0, a usage line, nothing on stderr, every option described
    (CLI11 puts a description on the option's line or on the next, more indented one)."""
    command = [kiln] + ([subcommand] if subcommand else []) + ["--help"]
    run = subprocess.run(command, capture_output=True, text=True, timeout=30)
    label = " ".join(command[1:])
    problems = []
    if run.returncode != 0:
        problems.append(f"exit status {run.returncode}")
    if run.stderr:
        problems.append(f"stderr not empty: {run.stderr[:200]!r}")
    usage = "Usage: kiln" + (f" {subcommand}" if subcommand else "")
    if usage not in run.stdout:
        problems.append(f"no {usage!r} line")
    lines = run.stdout.splitlines()
    options = 0
    for i, line in enumerate(lines):
        words = line.split()
        if not line.startswith("  -") or not words:
            continue
        options += 1
        described = len(line) > 30 and line[28:].strip() and not line[28:].lstrip().startswith("-")
        following = i + 1 < len(lines) and lines[i + 1].startswith(" " * 10)
        if not (described or following):
            problems.append(f"option without a description: {line.strip()!r}")
    if options == 0:
        problems.append("lists no options")
    if problems:
        failures.append(f"{label}: {'; '.join(problems)}")
    else:
        print(f"ok: {label}: {options} options described", flush=True)


def main():
    args = kiln_e2e.parse_args()
    failures = []
    with tempfile.TemporaryDirectory(prefix="kiln-cli-options-") as work:
        model = wide_model(os.path.join(work, "wide.onnx"))
        for subcommand, options, words in BAD_OPTIONS:
            check([args.kiln, subcommand, model, *options], 1, [words], failures)
        check([args.kiln, "bench", model, "--batch", "1048576", "--backend", "reference"], 2,
              [model, "--batch 1048576 needs 4194304000000 bytes"], failures)
        check([args.kiln], 1, ["subcommand is required"], failures)
        check([args.kiln, "tune", model, "--no-cache"], 2,
              ["kiln tune --no-cache needs -o RECORDS"], failures)
        check([args.kiln, "compile", model, "-o", os.path.join(work, "out"), "--tune", "quick",
               "--passes", "infer-shapes", "-q"], 2, ["--tune quick", "--passes"], failures)
        check([args.kiln, "target", "x86-64-linux-avx9"], 2,
              ["invalid Halide target 'x86-64-linux-avx9'"], failures)
        check([args.kiln, "target", "--format", "yaml"], 1, ["--format"], failures)
        check([args.kiln, "compile", model, "-o", "out", "--no-such-flag"], 1,
              ["--no-such-flag"], failures)
    names = subcommands(args.kiln)
    for name in ["inspect", "compile", "run", "bench", "tune", "target"]:
        if name not in names:
            failures.append(f"kiln --help does not list '{name}'")
    for name in [None] + names:
        check_help(args.kiln, name, failures)
    return kiln_e2e.finish(len(BAD_OPTIONS) + 5 + len(names) + 1, failures)


if __name__ == "__main__":
    sys.exit(main())
