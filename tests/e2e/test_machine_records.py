#!/usr/bin/env python3
"""test_machine_records.py: tuned by default (issue "Speed on the machine it runs on", item 2), on
the seed MNIST CNN, in a fresh cache directory.

- `kiln compile --tune quick` runs a short tuning pass into this machine's records in the cache
  directory (`kiln target` names the file; every record names the machine), applies them, and the
  library matches the reference backend.
- A later plain `kiln compile` and `kiln inspect --schedules` apply those records (a hand-written
  pin for one task shows which schedule wins); `--schedules none` / `--records none` give the
  default schedules; a compile with no records never mentions them.
- A record of this machine that no longer applies (another Kiln version's) and a line that is not
  a record are left out with a note, where the same file named with `--schedules` is an error.

Usage: test_machine_records.py --kiln PATH --models DIR   (exit status 0 = pass)
"""
import json
import os
import subprocess
import tempfile
import time

import numpy as np

from kiln_e2e import finish, parse_args, relative_max_error, run, run_outputs

TOLERANCE = 1e-4  # max relative error vs the reference backend, as test_tune's


def schedules(kiln, model, env, *extra):
    """{task: schedule} that `kiln inspect --schedules` reports."""
    kernels = json.loads(run([kiln, "inspect", model, "--schedules", "--format", "json", *extra],
                             env=env))["kernels"]
    return {k["task"]: k["schedule"] for k in kernels}


def main():
    args = parse_args()
    kiln, model = args.kiln, os.path.join(args.models, "mnist_cnn.onnx")
    failures, checked = [], 0
    with tempfile.TemporaryDirectory() as work:
        env = dict(os.environ, KILN_CACHE_DIR=os.path.join(work, "cache"))
        target = json.loads(run([kiln, "target", "--format", "json"], env=env))
        store = target["tuned_records"]
        checked += 1
        if not store.startswith(os.path.join(work, "cache", "records") + os.sep):
            failures.append(f"kiln target: tuned records at {store}")
        defaults = schedules(kiln, model, env)

        x = np.random.default_rng(11).standard_normal((1, 1, 28, 28)).astype(np.float32)
        np.save(os.path.join(work, "x.npy"), x)
        expected = run_outputs(kiln, model, os.path.join(work, "x.npy"), os.path.join(work, "ref"),
                               "--backend", "reference")

        def compile_and_check(label, out, *extra):
            """Compiles into work/out, checks the library against the reference; stderr."""
            nonlocal checked
            result = subprocess.run([kiln, "compile", model, "-o", os.path.join(work, out),
                                     *extra], env=env, capture_output=True, text=True)
            checked += 1
            if result.returncode != 0:
                failures.append(f"{label}: exit {result.returncode}: {result.stderr[-2000:]}")
                return result.stderr
            actual = run_outputs(kiln, os.path.join(work, out, "mnist_cnn.so"),
                                 os.path.join(work, "x.npy"), os.path.join(work, out + "-run"))
            error = relative_max_error(actual, expected)
            checked += 1
            if error > TOLERANCE:
                failures.append(f"{label}: relative error {error:.2e} vs the reference")
            return result.stderr

        # 1. No records yet: the compile says nothing about them.
        stderr = compile_and_check("plain compile", "plain")
        checked += 1
        if "schedule record" in stderr or os.path.exists(store):
            failures.append(f"compile without records mentions them: {stderr}")

        # 2. --tune quick: a short pass into this machine's records, applied.
        start = time.time()
        stderr = compile_and_check("compile --tune quick", "quick", "--tune", "quick")
        elapsed = time.time() - start
        records = []
        if os.path.exists(store):
            with open(store) as f:
                records = [json.loads(line) for line in f if line.strip()]
        print(f"compile --tune quick: {len(records)} records in {elapsed:.1f} s")
        checked += 1
        if not records or any(r.get("machine") != target["this_machine"] for r in records):
            failures.append(f"--tune quick: {len(records)} records in {store}, machines "
                            f"{sorted({r.get('machine', '') for r in records})}")
        checked += 1
        if "[kiln] quick tune" not in stderr or "of this machine" not in stderr:
            failures.append(f"--tune quick output: {stderr[-2000:]}")

        # 3. A pin (no time: counts as fastest) for one task with a non-default schedule the
        #    tuner measured ok: plain compile and inspect apply it; `none` does not.
        pinned = next((r for r in records if r["status"] == "ok"
                       and r["schedule"] != defaults.get(r["task"])
                       and r["task"] in defaults), None)
        checked += 1
        if pinned is None:
            failures.append("the quick tune measured no ok non-default candidate")
        else:
            with open(store, "a") as f:
                f.write(json.dumps({"task": pinned["task"], "schedule": pinned["schedule"],
                                    "target": pinned["target"]}) + "\n")
            applied = schedules(kiln, model, env)
            checked += 1
            if applied[pinned["task"]] != pinned["schedule"]:
                failures.append(f"inspect: task {pinned['task']} has {applied[pinned['task']]}, "
                                f"the machine's pin is {pinned['schedule']}")
            checked += 1
            if schedules(kiln, model, env, "--records", "none") != defaults:
                failures.append("inspect --records none: not the default schedules")
            stderr = compile_and_check("compile with the machine's records", "tuned")
            checked += 1
            if "tuned schedule record" not in stderr or store not in stderr:
                failures.append(f"compile: no note of the machine's records: {stderr}")
            stderr = compile_and_check("compile --schedules none", "none", "--schedules", "none")
            checked += 1
            if "schedule record" in stderr:
                failures.append(f"compile --schedules none applied records: {stderr}")

        # 4. A record that no longer applies (a conv task given an elementwise template) and a
        #    line that is not a record: left out with a note; named with --schedules: an error.
        conv_task = next((t for t, s in defaults.items() if s.startswith("conv")), None)
        with open(store, "a") as f:
            f.write(json.dumps({"task": conv_task, "schedule": "root(vw=8,par=1,shift=1)",
                                "target": target["target"]}) + "\n")
            f.write("not a record\n")
        stderr = compile_and_check("compile with a stale record", "stale")
        checked += 1
        if "no longer apply" not in stderr:
            failures.append(f"stale record: no note: {stderr}")
        result = subprocess.run([kiln, "compile", model, "-o", os.path.join(work, "named"),
                                 "--schedules", store], env=env, capture_output=True, text=True)
        checked += 1
        if result.returncode == 0 or store not in result.stderr:
            failures.append(f"--schedules with a bad line: exit {result.returncode}, "
                            f"{result.stderr[-1000:]}")
    return finish(checked, failures)


if __name__ == "__main__":
    raise SystemExit(main())
