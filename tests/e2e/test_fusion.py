#!/usr/bin/env python3
"""test_fusion.py: issue-4 fusion acceptance, end to end.

- `kiln inspect MODEL --fusion --format json`: the seed MNIST CNN's two conv+ReLU+pool chains
  are single groups; torchvision's ResNet-18 has at most 22 kernels after fusion and no Relu or
  Add outside a group; the JSON has exactly the documented keys.
- `kiln compile` writes DIR/NAME.fusion.json and a self-contained DIR/NAME.fusion.html (inline
  SVG, no external references).
- Every exported test model gives the same outputs with and without fusion, on the reference
  backend and on the Halide JIT (kiln_halide_tests' FusedModelTest with all models enabled).

Usage: test_fusion.py --kiln PATH --models DIR   (exit status 0 = pass)
"""
import json
import os
import subprocess
import sys
import tempfile

from kiln_e2e import finish, parse_args, run

GROUP_KEYS = ["id", "nodes", "ops", "output_shape", "macs", "bytes_saved", "schedule"]


def fusion_json(kiln, model):
    return json.loads(run([kiln, "inspect", model, "--fusion", "--format", "json"]))


def check_mnist(kiln, models):
    report = fusion_json(kiln, os.path.join(models, "mnist_cnn.onnx"))
    failures = []
    if list(report.keys()) != ["groups", "not_fused", "totals"]:
        failures.append(f"mnist: top-level keys {list(report.keys())}")
    chains = [g for g in report["groups"] if g["ops"] == ["Conv", "Relu", "MaxPool"]]
    if len(chains) != 2:
        failures.append(f"mnist: {len(chains)} conv+relu+pool groups, expected 2")
    for group in report["groups"]:
        if list(group.keys()) != GROUP_KEYS:
            failures.append(f"mnist: group keys {list(group.keys())}")
    return failures


def check_resnet(kiln, models):
    report = fusion_json(kiln, os.path.join(models, "resnet18.onnx"))
    failures = []
    kernels = report["totals"]["kernels_after"]
    if kernels > 22:
        failures.append(f"resnet18: {kernels} kernels after fusion, expected <= 22")
    fused = {name for g in report["groups"] for name in g["nodes"]}
    text = run([kiln, "inspect", os.path.join(models, "resnet18.onnx")])
    for line in text.splitlines():
        for op in (" Relu @", " Add @"):
            if op in line and "fusion_group" not in line:
                failures.append(f"resnet18: lone{op[:-2]}: {line.strip()}")
    if not fused:
        failures.append("resnet18: no groups")
    return failures


def check_compile_writes_report(kiln, models):
    failures = []
    with tempfile.TemporaryDirectory() as out:
        run([kiln, "compile", os.path.join(models, "mnist_cnn.onnx"), "-o", out, "--name", "mnist",
             "-q"])
        with open(os.path.join(out, "mnist.fusion.json")) as f:
            report = json.load(f)
        if len(report["groups"]) < 2:
            failures.append("compile: mnist.fusion.json has fewer than 2 groups")
        with open(os.path.join(out, "mnist.fusion.html")) as f:
            html = f.read()
        if "<svg" not in html or "cluster_group0" not in html:
            failures.append("compile: mnist.fusion.html lacks the inline SVG graph")
        if "src=" in html or "href=\"http" in html or "<link" in html:
            failures.append("compile: mnist.fusion.html is not self-contained")
    return failures


def check_equivalence(kiln):
    tests = os.path.join(os.path.dirname(kiln), "kiln_halide_tests")
    env = dict(os.environ, KILN_FUSION_ALL_MODELS="1")
    result = subprocess.run([tests, "--gtest_filter=Models/FusedModelTest.*"], env=env,
                            capture_output=True, text=True)
    if result.returncode != 0:
        return [f"fused vs unfused outputs differ:\n{result.stdout[-4000:]}{result.stderr}"]
    return []


def main():
    args = parse_args()
    failures = []
    checks = [lambda: check_mnist(args.kiln, args.models),
              lambda: check_resnet(args.kiln, args.models),
              lambda: check_compile_writes_report(args.kiln, args.models),
              lambda: check_equivalence(args.kiln)]
    for check in checks:
        try:
            failures += check()
        except (RuntimeError, OSError, KeyError, ValueError) as error:
            failures.append(str(error))
    return finish(len(checks), failures)


if __name__ == "__main__":
    sys.exit(main())
