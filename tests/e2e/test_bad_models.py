#!/usr/bin/env python3
"""test_bad_models.py: the catalog of hostile models (tests/bad_models/). For every case both
`kiln inspect` and `kiln compile` must exit with status 2 after exactly one stderr line
`kiln: error: ...` that names the file and holds the words of expected_errors.tsv (compile's
`[kiln]` progress lines aside: no Halide output or other chatter), print nothing to stdout,
write no output files, and stay within 10 s and 1 GiB of peak RSS.

Usage: test_bad_models.py --kiln PATH --models DIR   (exit status 0 = pass)
"""
import concurrent.futures
import os
import resource
import signal
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "bad_models"))
sys.path.insert(0, HERE)
import kiln_e2e  # noqa: E402
import make_bad_models  # noqa: E402

TIME_LIMIT_S = 10
RSS_LIMIT_BYTES = 1 << 30
# A guard for the machine, not the bound under test: a runaway allocation fails instead of
# swapping. Peak RSS is measured separately (wait4's ru_maxrss) and must stay under 1 GiB.
ADDRESS_SPACE_GUARD = 16 << 30


def expected_errors():
    """expected_errors.tsv: case name, then the words its error line must contain (tab-separated;
    `#` starts a comment line)."""
    table = {}
    with open(os.path.join(HERE, "..", "bad_models", "expected_errors.tsv")) as f:
        for line in f:
            line = line.rstrip("\n")
            if not line or line.startswith("#"):
                continue
            name, *words = line.split("\t")
            table[name] = words
    return table


def limit_resources():
    # AddressSanitizer reserves terabytes of address space for its shadow memory, so a build
    # under `scripts/test.sh --sanitize` (KILN_SANITIZE=1) goes without the guard; the peak-RSS
    # bound under test still applies.
    if os.environ.get("KILN_SANITIZE") != "1":
        resource.setrlimit(resource.RLIMIT_AS, (ADDRESS_SPACE_GUARD, ADDRESS_SPACE_GUARD))
    resource.setrlimit(resource.RLIMIT_CORE, (0, 0))


def run_measured(command):
    """Runs `command`; returns (exit status, stdout, stderr, seconds, peak RSS bytes)."""
    start = time.monotonic()
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        process = subprocess.Popen(command, stdout=out, stderr=err, preexec_fn=limit_resources)
        deadline = start + TIME_LIMIT_S
        while True:
            pid, status, usage = os.wait4(process.pid, os.WNOHANG)
            if pid:
                break
            if time.monotonic() > deadline:
                process.send_signal(signal.SIGKILL)
                pid, status, usage = os.wait4(process.pid, 0)
                break
            time.sleep(0.01)
        process.returncode = os.waitstatus_to_exitcode(status)
        elapsed = time.monotonic() - start
        out.seek(0)
        err.seek(0)
        return (process.returncode, out.read().decode(errors="replace"),
                err.read().decode(errors="replace"), elapsed, usage.ru_maxrss * 1024)


def check(kiln, case, words, work):
    failures = []
    out_dir = os.path.join(work, "out", case.name)
    commands = {"inspect": [kiln, "inspect", case.path, *case.args],
                "compile": [kiln, "compile", case.path, "-o", out_dir, *case.args]}
    for label, command in commands.items():
        status, stdout, stderr, seconds, rss = run_measured(command)
        problems = []
        # compile's own progress lines ("[kiln] loading ...") may come first; nothing else may.
        lines = [line for line in stderr.splitlines() if not line.startswith("[kiln] ")]
        if status != 2:
            problems.append(f"exit status {status}, want 2")
        if len(lines) != 1:
            problems.append(f"{len(lines)} stderr lines besides progress, want 1")
        if not lines or not lines[0].startswith("kiln: error: "):
            problems.append("stderr does not start with 'kiln: error: '")
        elif case.blame not in lines[0]:
            problems.append("the error does not name the file")
        for word in words:
            if word not in stderr:
                problems.append(f"the error lacks {word!r}")
        if stdout:
            problems.append(f"stdout not empty: {stdout[:120]!r}")
        if os.path.exists(out_dir) and os.listdir(out_dir):
            problems.append(f"wrote {sorted(os.listdir(out_dir))[:5]}")
        if seconds > TIME_LIMIT_S:
            problems.append(f"took {seconds:.1f} s")
        if rss > RSS_LIMIT_BYTES:
            problems.append(f"peak RSS {rss / 2**20:.0f} MiB")
        if problems:
            shown = stderr if len(stderr) < 600 else stderr[:300] + " ... " + stderr[-300:]
            failures.append(f"{case.name} ({label}): {'; '.join(problems)}\n    stderr: {shown!r}")
        else:
            print(f"ok {case.name} ({label}, {seconds:.2f} s, {rss / 2**20:.0f} MiB): {lines[0]}",
                  flush=True)
    return failures


def main():
    args = kiln_e2e.parse_args()
    table = expected_errors()
    with tempfile.TemporaryDirectory(prefix="kiln-bad-models-") as work:
        cases = make_bad_models.make_all(os.path.join(work, "models"))
        names = [case.name for case in cases]
        failures = [f"{name}: no row in expected_errors.tsv" for name in names
                    if name not in table]
        failures += [f"{name}: row in expected_errors.tsv but no such case" for name in table
                     if name not in names]
        with concurrent.futures.ThreadPoolExecutor(max_workers=2) as pool:
            for result in pool.map(lambda c: check(args.kiln, c, table.get(c.name, []), work),
                                   cases):
                failures += result
        print(f"{len(cases)} hostile models, each through kiln inspect and kiln compile")
        return kiln_e2e.finish(2 * len(cases), failures)


if __name__ == "__main__":
    sys.exit(main())
