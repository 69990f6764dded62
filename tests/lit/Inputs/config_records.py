#!/usr/bin/env python3
"""config_records.py: reads `kiln inspect --schedules --format json` on stdin and prints schedule
records for the kernel named argv[1], measured in three threads/batch configurations with times
that would mislead a compile comparing them across configurations (for inspect/records_configs)."""
import json
import sys

kernel = next(k for k in json.load(sys.stdin)["kernels"] if k["name"] == sys.argv[1])
target = sys.argv[2]
for threads, batch, schedule, ms in [(1, 1, "root(vw=8,par=0,shift=0)", 1.0),
                                     (1, 8, "root(vw=4,par=1,shift=0)", 0.5),
                                     (2, 1, "root(vw=4,par=0,shift=1)", 2.0),
                                     (2, 1, "root(vw=16,par=1,shift=1)", 2.5)]:
    print(json.dumps({"task": kernel["task"], "kernel": kernel["name"], "target": target,
                      "threads": threads, "batch": batch, "schedule": schedule,
                      "median_ms": ms, "min_ms": ms, "status": "ok"}))
