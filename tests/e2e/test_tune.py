#!/usr/bin/env python3
"""test_tune.py: `kiln tune` end to end on the seed MNIST CNN.

- `kiln tune --trials 40` writes one record per measured candidate (every task's default first,
  then Halide's autoschedulers' choices as "seed" candidates);
  `kiln compile --schedules` applies them and the library matches the reference backend.
- A tune killed with SIGKILL mid-way resumes and finishes its trial budget with no candidate
  (task + schedule) measured twice (re-measurements of the best, role "remeasure", aside).
- A candidate that crashes the worker (test hook KILN_TUNE_TEST_CRASH) is recorded as "crash" and
  tuning goes on; with deterministic times (test hook KILN_TUNE_TEST_FAKE_MS) the same seed and
  trials give the same candidates twice.
- A candidate whose compile hangs (test hook KILN_TUNE_TEST_HANG_COMPILE) is recorded as
  "compile_timeout" after --compile-timeout, one whose compile crashes (KILN_TUNE_TEST_CRASH_COMPILE)
  as "compile_crash" with the signal, both with the compile worker's stderr; tuning goes on and
  the user's stderr has only Kiln's own lines.
- `kiln tune --report` of a fixed records file matches its golden text, and --format json.

Usage: test_tune.py --kiln PATH --models DIR   (exit status 0 = pass)
"""
import json
import os
import signal
import subprocess
import tempfile
import time

import numpy as np

from kiln_e2e import finish, parse_args, relative_max_error, run, run_outputs

GOLDEN_RECORDS = [
    {"task": "aaaa000000000001", "kernel": "conv", "target": "x86-64-linux", "threads": 1,
     "batch": 1, "schedule": "root(vw=8,par=1,shift=1)", "median_ms": 2.0, "min_ms": 1.9,
     "status": "ok", "role": "default", "occurrences": 2},
    {"task": "aaaa000000000001", "kernel": "conv", "target": "x86-64-linux", "threads": 1,
     "batch": 1, "schedule": "root(vw=4,par=1,shift=1)", "median_ms": 1.0, "min_ms": 0.9,
     "status": "ok", "role": "search", "occurrences": 2},
    {"task": "aaaa000000000001", "kernel": "conv", "target": "x86-64-linux", "threads": 1,
     "batch": 1, "schedule": "root(vw=16,par=1,shift=1)", "median_ms": 0, "min_ms": 0,
     "status": "crash", "error": "signal 6", "role": "search", "occurrences": 2},
    {"task": "aaaa000000000001", "kernel": "conv", "target": "x86-64-linux", "threads": 1,
     "batch": 1, "schedule": "root(vw=4,par=1,shift=1)", "median_ms": 1.25, "min_ms": 1.2,
     "status": "ok", "role": "remeasure", "occurrences": 2},
    {"task": "bbbb000000000002", "kernel": "gemm", "target": "x86-64-linux", "threads": 1,
     "batch": 1, "schedule": "root(vw=8,par=0,shift=1)", "median_ms": 0.5, "min_ms": 0.5,
     "status": "ok", "role": "default", "occurrences": 1},
]

GOLDEN_REPORT = """\
x86-64-linux threads=1 batch=1
Task             Kernel                            Occ Default ms    Best ms Speed-up Trials Failed  Schedule
aaaa000000000001 conv                                2     2.0000     1.2500    1.60x      3      1  root(vw=4,par=1,shift=1)
bbbb000000000002 gemm                                1     0.5000     0.5000    1.00x      1      0  root(vw=8,par=0,shift=1)
estimated model latency: default 4.5000 ms, tuned 3.0000 ms, speed-up 1.50x
"""


def read_records(path):
    with open(path) as f:
        return [json.loads(line) for line in f if line.strip()]


def candidates(records):
    return [(r["task"], r["schedule"]) for r in records if r["role"] != "remeasure"]


def main():
    args = parse_args()
    kiln, model = args.kiln, os.path.join(args.models, "mnist_cnn.onnx")
    failures, checked = [], 0
    with tempfile.TemporaryDirectory() as work:
        env = dict(os.environ, KILN_CACHE_DIR=os.path.join(work, "cache"))
        tasks = {k["task"] for k in json.loads(run(
            [kiln, "inspect", model, "--schedules", "--format", "json"]))["kernels"]}

        # 1. Tune, compile with the records, compare with the reference backend.
        records_path = os.path.join(work, "r.jsonl")
        start = time.time()
        run([kiln, "tune", model, "-o", records_path, "--trials", "40", "--threads", "1", "-q"],
            env=env)
        records = read_records(records_path)
        seen = candidates(records)
        checked += 1
        fields = {"task", "kernel", "target", "threads", "batch", "schedule", "median_ms",
                  "min_ms", "status", "error", "kiln_version", "time"}
        if len(seen) != 40 or len(set(seen)) != 40 or not all(fields <= set(r) for r in records):
            failures.append(f"tune --trials 40: {len(seen)} candidates, {len(set(seen))} distinct")
        checked += 1
        defaults = [r for r in records if r["role"] == "default"]
        if not {r["task"] for r in defaults} <= tasks or len(defaults) < len(tasks) - 1 \
                or records[:len(defaults)] != defaults:
            failures.append("not every task's default was measured first")
        checked += 1
        seeds = [r for r in records if r["role"] == "seed"]
        if not seeds or not all(r["schedule"].startswith("autoscheduler(") for r in seeds):
            failures.append(f"no autoscheduler seeds measured: {seeds[:3]}")
        print(f"tune --trials 40: {len(records)} records in {time.time() - start:.1f} s, "
              f"{len(seeds)} autoscheduler seeds ({sum(r['status'] == 'ok' for r in seeds)} ok)")

        x = np.random.default_rng(5).standard_normal((2, 1, 28, 28)).astype(np.float32)
        np.save(os.path.join(work, "x.npy"), x)
        expected = run_outputs(kiln, model, os.path.join(work, "x.npy"), os.path.join(work, "ref"),
                               "--backend", "reference")
        result = subprocess.run([kiln, "compile", model, "-o", os.path.join(work, "lib"),
                                 "--schedules", records_path], env=env, capture_output=True,
                                text=True)
        checked += 1
        if result.returncode != 0 or "applied" not in result.stderr:
            failures.append(f"compile --schedules: {result.stderr}")
        else:
            actual = run_outputs(kiln, os.path.join(work, "lib", "mnist_cnn.so"),
                                 os.path.join(work, "x.npy"), os.path.join(work, "out"))
            error = relative_max_error(actual, expected)
            checked += 1
            if error > 1e-4:
                failures.append(f"tuned library vs reference: relative error {error:.2e}")

        # 2. Killed mid-way, then resumed: the budget is finished, nothing measured twice.
        resume_path = os.path.join(work, "resume.jsonl")
        command = [kiln, "tune", model, "-o", resume_path, "--trials", "16", "--threads", "1",
                   "-q"]
        process = subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL,
                                   stderr=subprocess.DEVNULL)
        deadline = time.time() + 120
        while time.time() < deadline and process.poll() is None:
            if os.path.exists(resume_path) and len(read_records(resume_path)) >= 8:
                break
            time.sleep(0.05)
        process.send_signal(signal.SIGKILL)
        process.wait()
        before = len(read_records(resume_path))
        run(command, env=env)
        seen = candidates(read_records(resume_path))
        checked += 1
        if len(seen) != 16 or len(set(seen)) != 16:
            failures.append(f"resume: killed at {before} records, then {len(seen)} candidates, "
                            f"{len(set(seen))} distinct")
        print(f"resume: killed at {before} records, finished with {len(seen)} candidates")

        # 3. Crash hook and determinism: two runs with fake times give the same candidates
        # (without the autoscheduler seeds, whose texts are the same for every task, so that
        # the hooks below match one candidate each).
        crash = "root(vw=8,par=1,shift=1)"
        sequences = []
        for i in range(2):
            path = os.path.join(work, f"det{i}.jsonl")
            run([kiln, "tune", model, "-o", path, "--trials", "12", "--seed", "7", "-q",
                 "--seed-autoschedulers", "none"],
                env=dict(env, KILN_TUNE_TEST_FAKE_MS="1", KILN_TUNE_TEST_CRASH=crash))
            sequences.append(read_records(path))
        checked += 1
        if [(r["task"], r["schedule"], r["role"]) for r in sequences[0]] != \
                [(r["task"], r["schedule"], r["role"]) for r in sequences[1]]:
            failures.append("same seed and trials gave different candidates")
        crashed = [r for r in sequences[0] if crash in r["schedule"]]
        checked += 1
        if not crashed or any(r["status"] != "crash" or "signal" not in r["error"]
                              for r in crashed):
            failures.append(f"crash hook: {crashed}")
        last_crash = max(i for i, r in enumerate(sequences[0]) if crash in r["schedule"])
        checked += 1
        if not any(r["status"] == "ok" for r in sequences[0][last_crash + 1:]) \
                or len(candidates(sequences[0])) != 12:
            failures.append("tuning did not go on after the crash")

        # 5. Compile hooks: a hanging and a crashing compile, in the first search round of the
        # run above (so they are proposed whatever happens to them).
        search = [r["schedule"] for r in sequences[0] if r["role"] == "search"]
        hang, crash_compile = search[0], search[1]
        path = os.path.join(work, "hooks.jsonl")
        timeout = 8
        start = time.time()
        result = subprocess.run(
            [kiln, "tune", model, "-o", path, "--trials", "12", "--seed", "7",
             "--compile-timeout", str(timeout), "--seed-autoschedulers", "none"],
            env=dict(env, KILN_TUNE_TEST_FAKE_MS="1", KILN_TUNE_TEST_CRASH=crash,
                     KILN_TUNE_TEST_HANG_COMPILE=hang, KILN_TUNE_TEST_CRASH_COMPILE=crash_compile),
            capture_output=True, text=True, timeout=300)
        elapsed = time.time() - start
        records = read_records(path) if os.path.exists(path) else []
        print(f"compile hooks: {len(records)} records in {elapsed:.1f} s")
        checked += 1
        if result.returncode != 0 or len(candidates(records)) != 12:
            failures.append(f"compile hooks: exit {result.returncode}, "
                            f"{len(candidates(records))} candidates: {result.stderr[-2000:]}")
        by_schedule = {r["schedule"]: r for r in records}
        hung, crashed = by_schedule.get(hang, {}), by_schedule.get(crash_compile, {})
        checked += 1
        if hung.get("status") != "compile_timeout" or f"{timeout} s" not in hung.get("error", "") \
                or "test hook" not in hung.get("error", ""):
            failures.append(f"hanging compile: {hung}")
        checked += 1
        if crashed.get("status") != "compile_crash" or "signal 6" not in crashed.get("error", "") \
                or "test hook" not in crashed.get("error", ""):
            failures.append(f"crashing compile: {crashed}")
        checked += 1
        if elapsed > timeout + 60:  # one round waits for the hang, the rest takes seconds
            failures.append(f"compile hooks: the tune took {elapsed:.1f} s")
        checked += 1
        foreign = [line for line in result.stderr.splitlines()
                   if line and not line.startswith(("[kiln]", "kiln: "))]
        if foreign or "test hook" in result.stderr:
            failures.append(f"output other than Kiln's on stderr: {foreign[:5]}")

        # 4. --report golden, text and JSON.
        golden_path = os.path.join(work, "golden.jsonl")
        with open(golden_path, "w") as f:
            for r in GOLDEN_RECORDS:
                f.write(json.dumps(r) + "\n")
        report = run([kiln, "tune", "--report", golden_path])
        checked += 1
        if report != GOLDEN_REPORT:
            failures.append(f"--report text:\n{report}\nexpected:\n{GOLDEN_REPORT}")
        report = json.loads(run([kiln, "tune", "--report", golden_path, "--format", "json"]))
        config = report["configs"][0]
        checked += 1
        if abs(config["speedup"] - 1.5) > 1e-9 or config["tasks"][0]["failures"] != 1:
            failures.append(f"--report json: {config}")
    return finish(checked, failures)


if __name__ == "__main__":
    raise SystemExit(main())
