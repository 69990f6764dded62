#!/usr/bin/env python3
"""test_example_digits.py: the README's example runs end to end, and the compiled library
classifies the held-out digits exactly as PyTorch does (same accuracy).

Usage: test_example_digits.py --kiln PATH --models DIR   (exit status 0 = pass)
"""
import os
import re
import subprocess
import sys
import tempfile
from kiln_e2e import finish, parse_args

HERE = os.path.dirname(os.path.abspath(__file__))
EXAMPLE = os.path.join(HERE, "..", "..", "examples", "digits", "run_example.sh")


def main():
    args = parse_args()
    with tempfile.TemporaryDirectory() as work:
        result = subprocess.run(["bash", EXAMPLE, args.kiln, work], capture_output=True, text=True)
    print(result.stdout, result.stderr)
    match = re.search(r"Kiln accuracy ([0-9.]+), PyTorch accuracy ([0-9.]+)", result.stdout)
    if result.returncode != 0 or not match:
        return finish(1, ["the example did not run to the end"])
    kiln_accuracy, torch_accuracy = float(match.group(1)), float(match.group(2))
    if abs(kiln_accuracy - torch_accuracy) > 1e-9 or kiln_accuracy < 0.9:
        return finish(1, [f"Kiln accuracy {kiln_accuracy} vs PyTorch {torch_accuracy}"])
    return finish(1, [])


if __name__ == "__main__":
    sys.exit(main())
