#!/usr/bin/env python3
"""test_slurm_runner.py: a real single-node Slurm (munged, slurmctld, slurmd started by
tests/slurm/slurm_cluster.sh on this machine, stopped afterwards in every case).

- `srun --exclusive -N1 -n1 hostname` runs a job step on the private cluster.
- Where the kiln binary has `kiln tune` (its `--help` prints "kiln tune" usage): `kiln tune mnist_cnn.onnx -o R.jsonl --trials 8
  --runner 'srun --exclusive -N1 -n1'` writes records with `ok` lines (measurements went through
  Slurm); otherwise that part is reported as skipped.

Skips (exit status 0, with the script's message) only where Slurm or munge is not installed or
the daemons cannot start here (slurm_cluster.sh exit status 3 or 4).

Usage: test_slurm_runner.py --kiln PATH --models DIR   (exit status 0 = pass)
"""
import json
import os
import subprocess
import sys
import tempfile

from kiln_e2e import finish, parse_args

CLUSTER = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "slurm",
                       "slurm_cluster.sh")
CANNOT_START = (3, 4)  # slurm_cluster.sh: not installed / daemons cannot start


def main():
    args = parse_args()
    failures, checked = [], 0
    with tempfile.TemporaryDirectory() as work:
        cluster = os.path.join(work, "slurm")
        started = subprocess.run(["bash", CLUSTER, "start", cluster], capture_output=True,
                                 text=True, timeout=120)
        try:
            if started.returncode in CANNOT_START:
                print("SKIP: no Slurm cluster here:", started.stderr.strip())
                return 0
            checked += 1
            if started.returncode != 0:
                failures.append(f"slurm_cluster.sh start failed ({started.returncode}): "
                                f"{started.stdout}{started.stderr}")
                return finish(checked, failures)
            print(started.stdout.strip())
            env = dict(os.environ, SLURM_CONF=os.path.join(cluster, "slurm.conf"),
                       KILN_CACHE_DIR=os.path.join(work, "cache"))
            step = subprocess.run(["srun", "--exclusive", "-N1", "-n1", "hostname"], env=env,
                                  capture_output=True, text=True, timeout=60)
            checked += 1
            if step.returncode != 0 or not step.stdout.strip():
                failures.append(f"srun hostname: {step.returncode}: {step.stdout}{step.stderr}")
            else:
                print("srun --exclusive -N1 -n1 hostname:", step.stdout.strip())

            # `kiln tune --help` exits 0 either way (CLI11 then prints the top-level help), so
            # the subcommand's own usage line tells whether it exists.
            helped = subprocess.run([args.kiln, "tune", "--help"], capture_output=True,
                                    text=True)
            has_tune = helped.returncode == 0 and "kiln tune" in helped.stdout
            if not has_tune:
                print("SKIP (part): this kiln has no `kiln tune` command; the tuner through "
                      "--runner 'srun --exclusive -N1 -n1' is not checked")
                return finish(checked, failures)
            records = os.path.join(work, "R.jsonl")
            tune = subprocess.run(
                [args.kiln, "tune", os.path.join(args.models, "mnist_cnn.onnx"), "-o", records,
                 "--trials", "8", "--runner", "srun --exclusive -N1 -n1", "-q"],
                env=env, capture_output=True, text=True, timeout=900)
            checked += 1
            if tune.returncode != 0:
                failures.append(f"kiln tune --runner srun: {tune.returncode}: {tune.stderr[-3000:]}")
                return finish(checked, failures)
            lines = []
            with open(records) as f:
                for line in f:
                    if line.strip():
                        lines.append(json.loads(line))
            ok = [r for r in lines if r.get("status") == "ok"]
            checked += 1
            if not ok:
                failures.append(f"no ok records through srun: {lines}")
            print(f"kiln tune through srun: {len(lines)} records, {len(ok)} ok")
            return finish(checked, failures)
        finally:
            subprocess.run(["bash", CLUSTER, "stop", cluster], capture_output=True, timeout=60)


if __name__ == "__main__":
    sys.exit(main())
