"""ort_peer.py: the ONNX Runtime benchmark peer, seen from Python.

ONNX Runtime is installed from npm (onnxruntime-node, by scripts/install-deps.sh into
build/peers/node_modules), so it runs in a Node process: bench/ort_worker.js, driven over its
stdin/stdout by JSON lines. This module starts the worker, finds onnxruntime-node, and wraps the
protocol: load a model with a thread count, set its input from a numpy array, run it N times and
get the worker's per-run times and the last output. The worker is idle (blocked on its stdin,
pool threads asleep) while the other engines run, so the engines can alternate run by run.
"""
import json
import os
import subprocess

import numpy

HERE = os.path.dirname(os.path.abspath(__file__))
SOURCE = os.path.dirname(HERE)
WORKER = os.path.join(HERE, "ort_worker.js")


def default_node_modules():
    """Where scripts/install-deps.sh installs onnxruntime-node ($KILN_PEERS_DIR or build/peers)."""
    peers = os.environ.get("KILN_PEERS_DIR") or os.path.join(SOURCE, "build", "peers")
    return os.path.join(peers, "node_modules")


# onnxruntime-node tensor types and the numpy dtypes of their raw bytes (bool: one byte each).
ORT_NUMPY_TYPES = {"float32": numpy.float32, "float64": numpy.float64, "float16": numpy.float16,
                   "int8": numpy.int8, "uint8": numpy.uint8, "int16": numpy.int16,
                   "uint16": numpy.uint16, "int32": numpy.int32, "uint32": numpy.uint32,
                   "int64": numpy.int64, "uint64": numpy.uint64, "bool": numpy.bool_}


class OrtUnavailable(RuntimeError):
    """The peer cannot run here (no Node, no onnxruntime-node, or the worker failed)."""


class OrtPeer:
    """One running worker; sessions are named by the caller (one per model and thread count)."""

    def __init__(self, node="node", node_modules=None):
        node_modules = node_modules or default_node_modules()
        env = dict(os.environ)
        env["NODE_PATH"] = os.pathsep.join(filter(None, [node_modules, env.get("NODE_PATH")]))
        try:
            self.process = subprocess.Popen([node, WORKER], stdin=subprocess.PIPE,
                                            stdout=subprocess.PIPE, text=True, env=env,
                                            bufsize=1)
        except OSError as error:
            raise OrtUnavailable(f"cannot start {node}: {error}") from error
        try:
            reply = self.request("version")
        except RuntimeError as error:
            self.close()
            raise OrtUnavailable(f"{str(error).splitlines()[0]} (looked in {node_modules}; "
                                 "scripts/install-deps.sh installs it)") from error
        self.version, self.node_version = reply["onnxruntime"], reply["node"]
        self.sessions = set()

    def request(self, cmd, **fields):
        """Sends one request; returns the reply or raises RuntimeError with the worker's error."""
        if self.process.poll() is not None:
            raise RuntimeError(f"ORT worker exited ({self.process.returncode})")
        self.process.stdin.write(json.dumps({"cmd": cmd, **fields}) + "\n")
        self.process.stdin.flush()
        line = self.process.stdout.readline()
        if not line:
            raise RuntimeError(f"ORT worker exited ({self.process.wait()}) during '{cmd}'")
        reply = json.loads(line)
        if not reply.get("ok"):
            raise RuntimeError(f"ORT {cmd}: {reply.get('error')}")
        return reply

    def load(self, session, model_path, threads, optimization="all"):
        """Opens `model_path` as `session` with `threads` intra-op threads and ORT's graph
        optimization level `optimization` ("disabled", "basic", "extended" or "all")."""
        reply = self.request("load", id=session, model=os.path.abspath(model_path),
                             threads=threads, optimization=optimization)
        self.sessions.add(session)
        return reply

    def set_input(self, session, array, scratch):
        """Sets the session's input to `array` (passed as a raw float32 file in `scratch`)."""
        path = os.path.join(scratch, f"ort_input_{os.getpid()}.bin")
        numpy.ascontiguousarray(array, dtype=numpy.float32).tofile(path)
        self.request("input", id=session, shape=list(array.shape), file=path)

    def set_named_input(self, session, name, array, scratch):
        """Sets input `name` of the session (float32), keeping the other inputs set by name."""
        path = os.path.join(scratch, f"ort_input_{os.getpid()}.bin")
        numpy.ascontiguousarray(array, dtype=numpy.float32).tofile(path)
        self.request("input", id=session, name=name, shape=list(array.shape), file=path)

    def run_all_outputs(self, session, scratch):
        """Runs once; returns every output as (name, numpy array), in the session's order."""
        folder = os.path.join(scratch, f"ort_outputs_{os.getpid()}")
        os.makedirs(folder, exist_ok=True)
        reply = self.request("run", id=session, runs=1, outputs_dir=folder)
        outputs = []
        for entry in reply["outputs"]:
            dtype = ORT_NUMPY_TYPES.get(entry["type"])
            if dtype is None:
                raise RuntimeError(f"ORT output '{entry['name']}' has type {entry['type']}")
            array = numpy.fromfile(entry["file"], dtype=dtype).reshape(entry["dims"])
            outputs.append((entry["name"], array))
        return outputs

    def run(self, session, runs=1):
        """Runs the session `runs` times; returns the per-run milliseconds (timed in Node)."""
        return self.request("run", id=session, runs=runs)["ms"]

    def run_output(self, session, scratch):
        """Runs once more; returns (milliseconds, the first output as a numpy array)."""
        path = os.path.join(scratch, f"ort_output_{os.getpid()}.bin")
        reply = self.request("run", id=session, runs=1, output_file=path)
        output = numpy.fromfile(path, dtype=numpy.float32).reshape(reply["output_shape"])
        return reply["ms"][0], output

    def close_session(self, session):
        if session in self.sessions:
            self.request("close", id=session)
            self.sessions.discard(session)

    def close(self):
        if self.process.poll() is None:
            try:
                self.request("quit")
            except (RuntimeError, OSError, ValueError):
                pass
            try:
                self.process.stdin.close()
                self.process.wait(timeout=10)
            except (OSError, subprocess.TimeoutExpired):
                self.process.kill()
                self.process.wait()
