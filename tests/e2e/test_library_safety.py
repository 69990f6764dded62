#!/usr/bin/env python3
"""test_library_safety.py: a compiled library never crashes its caller.

The MNIST CNN is compiled twice: once with the wrapper built under AddressSanitizer and
UndefinedBehaviorSanitizer (KILN_CFLAGS), once plainly. tests/runtime/library_safety.c, built
with the same sanitizers together with the thin runtime's source, then
- `errors`: calls the runtime and the library with null models, null buffers, null symbol values,
  batches of 0, negative, 2^31, 2^40 and INT64_MAX, and a batch whose input passes 2^31 elements;
  each must return an error code with a message (no sanitizer report), and a good run afterwards
  must give the first run's bits;
- `threads`: 8 threads x 500 runs at once, bit-identical to serial runs;
and, built plainly, `reopen`: 1,000 open/run/close cycles with resident memory bounded.

Usage: test_library_safety.py --kiln PATH --models DIR   (exit status 0 = pass)
"""
import os
import subprocess
import sys
import tempfile
from kiln_e2e import finish, parse_args, run

HERE = os.path.dirname(os.path.abspath(__file__))
SOURCE = os.path.dirname(os.path.dirname(HERE))
SANITIZE = ["-fsanitize=address,undefined", "-fno-sanitize-recover=undefined",
            "-fno-omit-frame-pointer", "-g"]
SANITIZER_ENV = {
    "ASAN_OPTIONS": "detect_leaks=1:halt_on_error=1:abort_on_error=0",
    "UBSAN_OPTIONS": "print_stacktrace=1:halt_on_error=1",
}
SANITIZER_REPORTS = ("ERROR: AddressSanitizer", "ERROR: LeakSanitizer", "runtime error:")


def build_driver(work, sanitized):
    binary = os.path.join(work, "library_safety" + ("_asan" if sanitized else ""))
    run(["cc", "-std=c11", "-O1", "-Wall", "-Werror", *(SANITIZE if sanitized else []),
         os.path.join(SOURCE, "tests/runtime/library_safety.c"),
         os.path.join(SOURCE, "runtime/kiln_runtime.c"), "-I", os.path.join(SOURCE, "runtime"),
         "-ldl", "-lpthread", "-o", binary])
    return binary


def drive(binary, mode, library, *extra, sanitized):
    env = dict(os.environ)
    if sanitized:
        env.update(SANITIZER_ENV)
    result = subprocess.run([binary, mode, library, *extra], capture_output=True, text=True,
                            env=env, timeout=600)
    print(f"--- {os.path.basename(binary)} {mode} (exit {result.returncode})")
    print(result.stdout.strip())
    problems = []
    if result.returncode != 0:
        problems.append(f"{mode}: exit {result.returncode}\n{result.stderr[-4000:]}")
    reports = [line for line in result.stderr.splitlines()
               if any(marker in line for marker in SANITIZER_REPORTS)]
    if reports:
        problems.append(f"{mode}: sanitizer reports:\n" + "\n".join(reports[:20]))
    return problems


def main():
    args = parse_args()
    model = os.path.join(args.models, "mnist_cnn.onnx")
    failures = []
    with tempfile.TemporaryDirectory() as work:
        sanitized_dir, plain_dir = os.path.join(work, "asan"), os.path.join(work, "plain")
        env = dict(os.environ, KILN_CFLAGS=" ".join(SANITIZE))
        run([args.kiln, "compile", model, "-o", sanitized_dir, "-q"], env=env)
        run([args.kiln, "compile", model, "-o", plain_dir, "-q"])
        sanitized_library = os.path.join(sanitized_dir, "mnist_cnn.so")
        plain_library = os.path.join(plain_dir, "mnist_cnn.so")
        not_a_library = os.path.join(work, "not_a_library.so")
        with open(not_a_library, "w") as f:
            f.write("this is not an ELF file\n")

        asan_driver = build_driver(work, sanitized=True)
        plain_driver = build_driver(work, sanitized=False)
        failures += drive(asan_driver, "errors", sanitized_library, not_a_library, sanitized=True)
        failures += drive(asan_driver, "threads", sanitized_library, sanitized=True)
        failures += drive(plain_driver, "reopen", plain_library, sanitized=False)
    return finish(3, failures)


if __name__ == "__main__":
    sys.exit(main())
