#!/usr/bin/env python3
"""test_kernels.py: kernels as units, end to end on the seed MNIST CNN.

- The compile cache: a compile into an empty $KILN_CACHE_DIR compiles every distinct kernel; a
  second compile compiles none; a records file that changes one kernel's schedule recompiles
  exactly that kernel (and the library still matches the reference backend); --no-cache compiles
  all again without touching the cache.
- `kiln compile --schedules FILE`: a record is applied, a record for a task the model lacks is
  counted in one note, an illegal knob is an error naming FILE:LINE and the knob, a torn last line
  is skipped with a warning.
- `kiln bench LIB --profile`: kernel times add up to within 10% of the whole run, in text and JSON;
  `kiln inspect --fusion --format html --profile FILE` shows them.
- Two compiles sharing one empty cache at once both succeed and leave no temporary files.
- `kiln inspect --summary` reports the kernels and the arena.

Usage: test_kernels.py --kiln PATH --models DIR   (exit status 0 = pass)
"""
import json
import os
import re
import subprocess
import sys
import tempfile

import numpy as np

from kiln_e2e import finish, parse_args, relative_max_error, run, run_outputs

STATS = re.compile(r"(\d+) kernels \((\d+) distinct: (\d+) compiled, (\d+) from the cache\)")


def compile_stats(kiln, model, out, env, *extra):
    result = subprocess.run([kiln, "compile", model, "-o", out, *extra], env=env,
                            capture_output=True, text=True)
    if result.returncode != 0:
        raise RuntimeError(f"compile failed: {result.stderr}")
    match = STATS.search(result.stderr)
    if not match:
        raise RuntimeError(f"no kernel counts in: {result.stderr}")
    kernels, distinct, compiled, cached = map(int, match.groups())
    return {"kernels": kernels, "distinct": distinct, "compiled": compiled, "cached": cached,
            "stderr": result.stderr}


def main():
    args = parse_args()
    kiln, model = args.kiln, os.path.join(args.models, "mnist_cnn.onnx")
    failures, checked = [], 0
    with tempfile.TemporaryDirectory() as work:
        env = dict(os.environ, KILN_CACHE_DIR=os.path.join(work, "cache"))
        x = np.random.default_rng(3).standard_normal((3, 1, 28, 28)).astype(np.float32)
        input_path = os.path.join(work, "x.npy")
        np.save(input_path, x)
        expected = run_outputs(kiln, model, input_path, os.path.join(work, "ref"),
                              "--backend", "reference")

        # 1. Cold, then warm.
        cold = compile_stats(kiln, model, os.path.join(work, "lib"), env)
        checked += 1
        if cold["compiled"] != cold["distinct"] or cold["cached"] != 0:
            failures.append(f"cold compile: {cold}")
        warm = compile_stats(kiln, model, os.path.join(work, "lib"), env)
        checked += 1
        if warm["compiled"] != 0 or warm["cached"] != warm["distinct"]:
            failures.append(f"warm compile compiled kernels: {warm}")
        print(f"cold: {cold['compiled']} compiled; warm: {warm['compiled']} compiled, "
              f"{warm['cached']} cached")

        # 2. One changed record recompiles exactly one kernel.
        kernels = json.loads(run([kiln, "inspect", model, "--schedules", "--format", "json"],
                                 env=env))["kernels"]
        first = kernels[0]
        changed = first["schedule"].replace("par=1", "par=0", 1)
        if changed == first["schedule"]:
            changed = first["schedule"].replace("par=0", "par=1", 1)
        records = os.path.join(work, "records.jsonl")
        with open(records, "w") as f:
            f.write(json.dumps({"task": first["task"], "schedule": changed, "median_ms": 1.0}) + "\n")
            f.write(json.dumps({"task": "0000000000000000", "schedule": changed}) + "\n")
        tuned = compile_stats(kiln, model, os.path.join(work, "tuned"), env, "--schedules", records)
        checked += 1
        if tuned["compiled"] != 1:
            failures.append(f"one changed record should recompile one kernel: {tuned}")
        checked += 1
        if "applied 1 schedule record; 1 record for tasks this model lacks ignored" not in tuned["stderr"]:
            failures.append(f"no note on applied/ignored records: {tuned['stderr']}")
        applied = json.loads(run([kiln, "inspect", model, "--schedules", "--format", "json",
                                  "--records", records], env=env))["kernels"]
        checked += 1
        if applied[0]["schedule"] != changed:
            failures.append(f"inspect --records shows {applied[0]['schedule']}, not {changed}")
        actual = run_outputs(kiln, os.path.join(work, "tuned", "mnist_cnn.so"), input_path,
                            os.path.join(work, "tuned_out"))
        error = relative_max_error(actual, expected)
        checked += 1
        if error > 1e-5:
            failures.append(f"library with the record: relative max error {error:.2e} > 1e-5")
        print(f"one record: {tuned['compiled']} compiled; error {error:.2e}")

        # 3. --no-cache compiles every kernel.
        uncached = compile_stats(kiln, model, os.path.join(work, "nocache"), env, "--no-cache")
        checked += 1
        if uncached["compiled"] != uncached["distinct"]:
            failures.append(f"--no-cache: {uncached}")

        # 4. Bad records.
        illegal = os.path.join(work, "illegal.jsonl")
        bad_schedule = re.sub(r"vw=\d+", "vw=3", first["schedule"], count=1)
        with open(illegal, "w") as f:
            f.write("\n")
            f.write(json.dumps({"task": first["task"], "schedule": bad_schedule}) + "\n")
        result = subprocess.run([kiln, "compile", model, "-o", os.path.join(work, "bad"),
                                 "--schedules", illegal], env=env, capture_output=True, text=True)
        checked += 1
        if (result.returncode != 2 or f"{illegal}:2" not in result.stderr
                or "knob 'anchor.vw' = 3" not in result.stderr
                or os.path.exists(os.path.join(work, "bad", "mnist_cnn.so"))):
            failures.append(f"illegal knob: exit {result.returncode}, {result.stderr!r}")
        unknown_knob = os.path.join(work, "unknown.jsonl")
        with open(unknown_knob, "w") as f:
            f.write(json.dumps({"task": first["task"], "schedule": "root(vw=8,par=1,zz=1)"}) + "\n")
        result = subprocess.run([kiln, "compile", model, "-o", os.path.join(work, "bad"),
                                 "--schedules", unknown_knob], env=env, capture_output=True,
                                text=True)
        checked += 1
        if result.returncode != 2 or f"{unknown_knob}:1" not in result.stderr or "'zz'" not in result.stderr:
            failures.append(f"unknown knob: exit {result.returncode}, {result.stderr!r}")
        torn = os.path.join(work, "torn.jsonl")
        with open(torn, "w") as f:
            f.write(json.dumps({"task": first["task"], "schedule": changed}) + "\n")
            f.write('{"task": "abc", "sched')
        result = subprocess.run([kiln, "compile", model, "-o", os.path.join(work, "torn"),
                                 "--schedules", torn], env=env, capture_output=True, text=True)
        checked += 1
        if result.returncode != 0 or "last line is incomplete" not in result.stderr:
            failures.append(f"torn last line: exit {result.returncode}, {result.stderr!r}")

        # 5. Profile.
        library = os.path.join(work, "lib", "mnist_cnn.so")
        profile = json.loads(run([kiln, "bench", library, "--profile", "--format", "json",
                                  "--threads", "1", "--runs", "30"]))
        total, parts = profile["total_ms"], sum(k["median_ms"] for k in profile["kernels"])
        checked += 1
        if len(profile["kernels"]) != cold["kernels"] or abs(parts - total) > 0.1 * total:
            failures.append(f"profile: {len(profile['kernels'])} kernels adding up to {parts:.4f} "
                            f"ms of {total:.4f} ms")
        keys = {"name", "template", "median_ms", "gflops"}
        checked += 1
        if not all(keys <= set(k) for k in profile["kernels"]):
            failures.append(f"profile kernels lack keys {keys}: {profile['kernels'][0]}")
        print(f"profile: kernels {parts:.4f} ms of {total:.4f} ms")
        text = run([kiln, "bench", library, "--profile", "--threads", "1"])
        checked += 1
        if "conv_pool/" not in text or "% peak" not in text:
            failures.append(f"text profile: {text}")
        profile_path = os.path.join(work, "profile.json")
        with open(profile_path, "w") as f:
            json.dump(profile, f)
        html = run([kiln, "inspect", model, "--fusion", "--format", "html", "--profile",
                    profile_path])
        checked += 1
        if "Kernel times" not in html or profile["kernels"][0]["name"] not in html:
            failures.append("fusion HTML lacks the kernel times")

        # 6. Two compiles at once into one empty cache: both succeed and both libraries match.
        shared_env = dict(os.environ, KILN_CACHE_DIR=os.path.join(work, "shared-cache"))
        procs = [subprocess.Popen([kiln, "compile", model, "-o", os.path.join(work, f"twin{i}"),
                                   "-q"], env=shared_env, stderr=subprocess.PIPE, text=True)
                 for i in range(2)]
        results = [(p.wait(), p.stderr.read()) for p in procs]
        checked += 1
        if any(code != 0 for code, _ in results):
            failures.append(f"concurrent compiles: {results}")
        else:
            for i in range(2):
                twin = run_outputs(kiln, os.path.join(work, f"twin{i}", "mnist_cnn.so"), input_path,
                                  os.path.join(work, f"twin{i}_out"))
                if relative_max_error(twin, expected) > 1e-5:
                    failures.append(f"concurrent compile {i}: wrong outputs")
            leftovers = [f for f in os.listdir(os.path.join(work, "shared-cache", "kernels"))
                         if ".tmp." in f]
            if leftovers:
                failures.append(f"temporary files left in the cache: {leftovers}")

        # 7. Summary.
        summary = run([kiln, "inspect", model, "--summary"])
        checked += 1
        if not re.search(r"Kernels: \d+ \(\d+ distinct\).*peak arena bytes", summary):
            failures.append(f"summary lacks kernels/arena: {summary[-400:]}")
    return finish(checked, failures)


if __name__ == "__main__":
    sys.exit(main())
