#!/usr/bin/env bash
# run_example.sh: the bundled example, end to end. Trains a small CNN on the 8x8 digits that
# python3-sklearn ships, compiles it with `kiln compile` into a native library, builds a small C
# program against the generated header, and classifies the held-out digits with it.
# Usage: run_example.sh KILN_BINARY WORK_DIR
set -euo pipefail
kiln=$(realpath "$1")
work=$2
here=$(cd "$(dirname "$0")" && pwd)
mkdir -p "$work"
work=$(realpath "$work")

/usr/bin/python3 "$here/train_digits.py" --out "$work"
"$kiln" compile "$work/digits.onnx" -o "$work/lib" --name digits
cc -std=c11 -O2 -Wall "$here/classify.c" -I "$work/lib" "$work/lib/digits.so" \
   -Wl,-rpath,"$work/lib" -o "$work/classify"
"$work/classify" "$work"
