"""kiln_e2e.py: what the e2e test scripts share: their command line (--kiln PATH --models DIR),
running a command that must succeed, the relative error measure, and the closing report
("N passed, N failed"; exit status 0 only when nothing failed). Not a test itself (CTest runs
tests/e2e/test_*.py)."""
import argparse
import subprocess

import numpy as np


def parse_args(add_arguments=None):
    """The arguments every e2e script takes; `add_arguments(parser)` may add a script's own."""
    parser = argparse.ArgumentParser()
    parser.add_argument("--kiln", required=True, help="path of the kiln binary")
    parser.add_argument("--models", required=True, help="folder of the exported test models")
    if add_arguments:
        add_arguments(parser)
    return parser.parse_args()


def run(command, **kwargs):
    """Runs `command`; returns its stdout, or raises RuntimeError quoting its output."""
    result = subprocess.run(command, capture_output=True, text=True, **kwargs)
    if result.returncode != 0:
        raise RuntimeError(f"{' '.join(command)} failed ({result.returncode}):\n"
                           f"{result.stdout}{result.stderr}")
    return result.stdout


def relative_max_error(actual, expected):
    """max|actual - expected| / max|expected|: the measure every numeric comparison states."""
    return float(np.abs(actual - expected).max() / np.abs(expected).max())


def finish(checked, failures):
    """Prints each failure and the closing counts; returns the exit status."""
    for failure in failures:
        print("FAIL:", failure)
    print(f"{checked - len(failures)} passed, {len(failures)} failed")
    return 1 if failures else 0
