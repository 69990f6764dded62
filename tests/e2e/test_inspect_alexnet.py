#!/usr/bin/env python3
"""test_inspect_alexnet.py: `kiln inspect --format json` on the seed AlexNet gives the right
activation shapes, parameter count and MACs (checked against PyTorch's own layers).

Usage: test_inspect_alexnet.py --kiln PATH --models DIR   (exit status 0 = pass)
"""
import argparse
import json
import os
import subprocess
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "models"))

EXPECTED_CHAIN = [  # (op, shape after the batch dim) for the Conv/MaxPool/Flatten/Gemm chain
    ("Conv", [96, 55, 55]), ("MaxPool", [96, 27, 27]),
    ("Conv", [256, 27, 27]), ("MaxPool", [256, 13, 13]),
    ("Conv", [384, 13, 13]), ("Conv", [384, 13, 13]), ("Conv", [256, 13, 13]),
    ("MaxPool", [256, 6, 6]), ("Flatten", [9216]),
    ("Gemm", [4096]), ("Gemm", [4096]), ("Gemm", [1000]),
]
EXPECTED_PARAMS = 62_378_344


def torch_layer_macs():
    """MACs of each Conv2d and Linear layer of the PyTorch module for one sample, in order."""
    import torch
    from export_models import build_model

    model = build_model("alexnet")
    macs = []

    def count(module, inputs, output):
        if isinstance(module, torch.nn.Conv2d):
            kernel_area = module.kernel_size[0] * module.kernel_size[1]
            macs.append(output.numel() * (module.in_channels // module.groups) * kernel_area)
        elif isinstance(module, torch.nn.Linear):
            macs.append(output.numel() * module.in_features)

    for module in model.modules():
        if isinstance(module, (torch.nn.Conv2d, torch.nn.Linear)):
            module.register_forward_hook(count)
    with torch.no_grad():
        model(torch.zeros(1, 3, 224, 224))
    params = sum(p.numel() for p in model.parameters())
    return macs, params


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--kiln", required=True)
    parser.add_argument("--models", required=True)
    args = parser.parse_args()
    model = os.path.join(args.models, "alexnet.onnx")
    run = subprocess.run([args.kiln, "inspect", "--format", "json", model],
                         capture_output=True, text=True, timeout=120)
    if run.returncode != 0:
        print(f"FAIL: kiln exited {run.returncode}: {run.stderr.strip()}")
        return 1
    report = json.loads(run.stdout)
    failures = []

    chain = [node for node in report["nodes"] if node["op"] in ("Conv", "MaxPool", "Flatten", "Gemm")]
    got_chain = [(node["op"], node["outputs"][0]["shape"]) for node in chain]
    want_chain = [(op, ["batch"] + dims) for op, dims in EXPECTED_CHAIN]
    if got_chain != want_chain:
        failures.append(f"conv/pool/flatten/gemm chain:\n  got  {got_chain}\n  want {want_chain}")

    for value in report["inputs"] + report["outputs"]:
        if value["shape"][0] != "batch":
            failures.append(f"graph value {value['name']} has batch dim {value['shape'][0]!r}")
    for node in report["nodes"]:
        for output in node["outputs"]:
            if output["shape"] is None or output["shape"][0] != "batch":
                failures.append(f"node {node['name']} output shape {output['shape']}")

    layer_macs, torch_params = torch_layer_macs()
    if torch_params != EXPECTED_PARAMS:
        failures.append(f"PyTorch module has {torch_params} params, test expects {EXPECTED_PARAMS}")
    if report["totals"]["params"] != EXPECTED_PARAMS:
        failures.append(f"total params {report['totals']['params']}, want {EXPECTED_PARAMS}")
    kiln_layer_macs = [node["macs"] for node in chain if node["op"] in ("Conv", "Gemm")]
    if kiln_layer_macs != layer_macs:
        failures.append(f"per-layer MACs {kiln_layer_macs}, PyTorch says {layer_macs}")
    if report["totals"]["macs"] != sum(layer_macs):
        failures.append(f"total MACs {report['totals']['macs']}, PyTorch says {sum(layer_macs)}")

    for failure in failures:
        print("FAIL:", failure)
    if not failures:
        print(f"ok: alexnet shapes, {EXPECTED_PARAMS:,} params, {sum(layer_macs):,} MACs")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
