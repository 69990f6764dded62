#!/usr/bin/env python3
"""test_inspect_torchvision.py: on torchvision's ResNet-18 and ShuffleNet V2 (whose channel
shuffle is a Shape/Gather/Concat/Reshape chain), shape inference gives every node output a full
shape and keeps the batch dimension symbolic.

Usage: test_inspect_torchvision.py --kiln PATH --models DIR   (exit status 0 = pass)
"""
import argparse
import json
import os
import subprocess
import sys

MODELS = ["resnet18", "shufflenet_v2"]


def check_model(kiln, path):
    failures = []
    run = subprocess.run([kiln, "inspect", "--format", "json", path],
                         capture_output=True, text=True, timeout=120)
    if run.returncode != 0:
        return [f"kiln exited {run.returncode}: {run.stderr.strip()}"]
    report = json.loads(run.stdout)
    for node in report["nodes"]:
        for output in node["outputs"]:
            shape = output["shape"]
            where = f"node {node['name']} ({node['op']}) output {output['name']}"
            if shape is None or "?" in shape or output["dtype"] == "?":
                failures.append(f"{where} is not fully known: {output['dtype']}{shape}")
            elif len(shape) == 4 and not isinstance(shape[0], str):
                failures.append(f"{where} lost the symbolic batch dim: {shape}")
    for output in report["outputs"]:
        if output["shape"] is None or output["shape"][0] != "batch":
            failures.append(f"graph output {output['name']} has shape {output['shape']}")
    return failures


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--kiln", required=True)
    parser.add_argument("--models", required=True)
    args = parser.parse_args()
    failed = False
    for name in MODELS:
        failures = check_model(args.kiln, os.path.join(args.models, name + ".onnx"))
        for failure in failures[:20]:
            print(f"FAIL {name}: {failure}")
        if len(failures) > 20:
            print(f"FAIL {name}: ... and {len(failures) - 20} more")
        if not failures:
            print(f"ok: {name}")
        failed |= bool(failures)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
