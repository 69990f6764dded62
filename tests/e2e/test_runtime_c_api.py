#!/usr/bin/env python3
"""test_runtime_c_api.py: the generated C API and the thin runtime, used from C and C++.

- runtime_smoke.c opens NAME.so through libkiln_runtime (dlopen), lists inputs/outputs, runs at
  two batch sizes and thread counts, and checks error messages.
- header_api.c includes the generated NAME.h, links NAME.a statically, and calls NAME_run from 4
  threads at once; it is compiled as C and as C++.
- --weights external: the library maps NAME.weights at run time and gives the same outputs as
  the embedded build; without the file it fails with a message naming it.

Usage: test_runtime_c_api.py --kiln PATH --models DIR   (exit status 0 = pass)
"""
import os
import shutil
import subprocess
import sys
import tempfile
import kiln_e2e
from kiln_e2e import finish, parse_args, run

HERE = os.path.dirname(os.path.abspath(__file__))
SOURCE = os.path.dirname(os.path.dirname(HERE))



def main():
    args = parse_args()
    build = os.path.dirname(os.path.dirname(os.path.abspath(args.kiln)))
    runtime_lib = os.path.join(build, "lib")
    model = os.path.join(args.models, "mnist_cnn.onnx")
    failures = []
    with tempfile.TemporaryDirectory() as work:
        embedded, external = os.path.join(work, "embedded"), os.path.join(work, "external")
        run([args.kiln, "compile", model, "-o", embedded, "-q"])
        run([args.kiln, "compile", model, "-o", external, "-q", "--weights", "external"])

        smoke = os.path.join(work, "runtime_smoke")
        run(["cc", "-std=c11", "-Wall", "-Werror", os.path.join(SOURCE, "tests/runtime/runtime_smoke.c"),
             "-I", os.path.join(SOURCE, "runtime"), "-L", runtime_lib, "-lkiln_runtime",
             f"-Wl,-rpath,{runtime_lib}", "-o", smoke] + kiln_e2e.sanitizer_flags())
        outputs = {}
        for kind, folder in [("embedded", embedded), ("external", external)]:
            try:
                outputs[kind] = run([smoke, os.path.join(folder, "mnist_cnn.so")])
                print(f"--- runtime smoke ({kind} weights)\n{outputs[kind]}")
            except RuntimeError as error:
                failures.append(f"runtime smoke ({kind}): {error}")
        if len(outputs) == 2 and outputs["embedded"] != outputs["external"]:
            failures.append("external weights give different outputs from embedded ones")

        os.remove(os.path.join(external, "mnist_cnn.weights"))
        result = subprocess.run([smoke, os.path.join(external, "mnist_cnn.so")],
                                capture_output=True, text=True)
        if result.returncode == 0 or "mnist_cnn.weights" not in result.stderr:
            failures.append(f"missing weights file not reported: {result.stderr}")
        else:
            print("missing weights file reported:", result.stderr.strip())

        for compiler, language in [("cc", ["-x", "c", "-std=c11"]), ("c++", ["-x", "c++", "-std=c++17"])]:
            binary = os.path.join(work, f"header_api_{compiler}")
            try:
                run([compiler] + language + ["-Wall", "-Werror", os.path.join(SOURCE, "tests/runtime/header_api.c"),
                     "-I", embedded, "-x", "none", os.path.join(embedded, "mnist_cnn.a"),
                     "-lpthread", "-ldl", "-lm", "-o", binary])
                print(f"--- header API ({compiler})\n" + run([binary]))
            except RuntimeError as error:
                failures.append(f"header API ({compiler}): {error}")
    return finish(5, failures)


if __name__ == "__main__":
    sys.exit(main())
