#!/usr/bin/env python3
"""test_example_digits.py: the README's example runs end to end, and the compiled library
classifies the held-out digits exactly as PyTorch does (same accuracy).

Usage: test_example_digits.py --kiln PATH --models DIR   (exit status 0 = pass)
"""
import argparse
import os
import re
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
EXAMPLE = os.path.join(HERE, "..", "..", "examples", "digits", "run_example.sh")


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--kiln", required=True)
    parser.add_argument("--models", required=True)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as work:
        result = subprocess.run(["bash", EXAMPLE, args.kiln, work], capture_output=True, text=True)
    print(result.stdout, result.stderr)
    match = re.search(r"Kiln accuracy ([0-9.]+), PyTorch accuracy ([0-9.]+)", result.stdout)
    if result.returncode != 0 or not match:
        print("FAIL: the example did not run to the end")
        return 1
    kiln_accuracy, torch_accuracy = float(match.group(1)), float(match.group(2))
    if abs(kiln_accuracy - torch_accuracy) > 1e-9 or kiln_accuracy < 0.9:
        print(f"FAIL: Kiln accuracy {kiln_accuracy} vs PyTorch {torch_accuracy}")
        return 1
    print("1 passed, 0 failed")
    return 0


if __name__ == "__main__":
    sys.exit(main())
