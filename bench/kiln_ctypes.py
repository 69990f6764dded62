"""kiln_ctypes.py: drives a Kiln-compiled model library from Python through the thin runtime.

The benchmark must time Kiln and PyTorch alternately inside one process, so it cannot shell out
to `kiln bench` for every run; this module wraps libkiln_runtime.so (runtime/kiln_runtime.h)
with ctypes: open a library, read its descriptor, allocate dense f32 buffers for a batch size,
set the thread count and run.
"""
import ctypes

import numpy

KILN_DTYPE_F32 = 1


class TensorDesc(ctypes.Structure):
    """Mirror of kiln_tensor_desc (runtime/kiln_model_abi.h)."""
    _fields_ = [("name", ctypes.c_char_p), ("dtype", ctypes.c_int), ("rank", ctypes.c_int32),
                ("dims", ctypes.POINTER(ctypes.c_int64)),
                ("dim_symbols", ctypes.POINTER(ctypes.c_int32))]


class ModelDesc(ctypes.Structure):
    """Mirror of kiln_model_desc; the function pointers are only carried, never called here."""
    _fields_ = [("abi_version", ctypes.c_int32), ("name", ctypes.c_char_p),
                ("num_inputs", ctypes.c_int32), ("inputs", ctypes.POINTER(TensorDesc)),
                ("num_outputs", ctypes.c_int32), ("outputs", ctypes.POINTER(TensorDesc)),
                ("num_symbols", ctypes.c_int32), ("symbols", ctypes.POINTER(ctypes.c_char_p)),
                ("run", ctypes.c_void_p), ("last_error", ctypes.c_void_p),
                ("set_num_threads", ctypes.c_void_p), ("macs_per_unit_run", ctypes.c_int64)]


class KilnRuntime:
    """The loaded thin runtime (one per process)."""

    def __init__(self, runtime_path):
        lib = ctypes.CDLL(runtime_path)
        lib.kiln_model_open.restype = ctypes.c_void_p
        lib.kiln_model_open.argtypes = [ctypes.c_char_p]
        lib.kiln_model_close.argtypes = [ctypes.c_void_p]
        lib.kiln_model_describe.restype = ctypes.POINTER(ModelDesc)
        lib.kiln_model_describe.argtypes = [ctypes.c_void_p]
        lib.kiln_model_run.restype = ctypes.c_int
        lib.kiln_model_run.argtypes = [ctypes.c_void_p, ctypes.POINTER(ctypes.c_void_p),
                                       ctypes.POINTER(ctypes.c_void_p),
                                       ctypes.POINTER(ctypes.c_int64)]
        lib.kiln_model_set_num_threads.argtypes = [ctypes.c_void_p, ctypes.c_int32]
        lib.kiln_runtime_last_error.restype = ctypes.c_char_p
        self.lib = lib

    def last_error(self):
        return self.lib.kiln_runtime_last_error().decode(errors="replace")

    def open(self, library_path):
        handle = self.lib.kiln_model_open(library_path.encode())
        if not handle:
            raise RuntimeError(f"{library_path}: {self.last_error()}")
        return KilnModel(self, handle, library_path)


def _shape(tensor, symbol_values):
    return tuple(symbol_values[tensor.dim_symbols[d]] if tensor.dim_symbols[d] >= 0
                 else tensor.dims[d] for d in range(tensor.rank))


class KilnModel:
    """One opened library, with buffers bound for one batch size at a time."""

    def __init__(self, runtime, handle, path):
        self.runtime, self.handle, self.path = runtime, handle, path
        self.desc = runtime.lib.kiln_model_describe(handle).contents
        for tensor in self._tensors():
            if tensor.dtype != KILN_DTYPE_F32:
                raise RuntimeError(f"{path}: tensor {tensor.name.decode()} is not f32")

    def _tensors(self):
        return ([self.desc.inputs[i] for i in range(self.desc.num_inputs)] +
                [self.desc.outputs[i] for i in range(self.desc.num_outputs)])

    @property
    def macs_per_unit_run(self):
        return int(self.desc.macs_per_unit_run)

    def bind(self, batch, inputs):
        """Uses `inputs` (numpy f32 arrays, descriptor order) and fresh outputs; every symbolic
        dimension is set to `batch`, as `kiln bench --batch` does. Returns the output arrays."""
        symbols = [batch] * self.desc.num_symbols
        self._symbols = (ctypes.c_int64 * max(1, len(symbols)))(*symbols)
        if len(inputs) != self.desc.num_inputs:
            raise RuntimeError(f"{self.path}: expects {self.desc.num_inputs} inputs")
        for index, array in enumerate(inputs):
            expected = _shape(self.desc.inputs[index], symbols)
            if tuple(array.shape) != expected:
                raise RuntimeError(f"{self.path}: input {index} has shape {array.shape}, "
                                   f"expected {expected}")
        self._inputs = [numpy.ascontiguousarray(a, dtype=numpy.float32) for a in inputs]
        self._outputs = [numpy.empty(_shape(self.desc.outputs[i], symbols), numpy.float32)
                         for i in range(self.desc.num_outputs)]
        self._input_ptrs = (ctypes.c_void_p * len(self._inputs))(
            *[a.ctypes.data for a in self._inputs])
        self._output_ptrs = (ctypes.c_void_p * len(self._outputs))(
            *[a.ctypes.data for a in self._outputs])
        return self._outputs

    def set_num_threads(self, count):
        self.runtime.lib.kiln_model_set_num_threads(self.handle, count)

    def run(self):
        status = self.runtime.lib.kiln_model_run(self.handle, self._input_ptrs, self._output_ptrs,
                                                 self._symbols)
        if status != 0:
            raise RuntimeError(f"{self.path}: run failed ({status}): {self.runtime.last_error()}")

    def close(self):
        if self.handle:
            self.runtime.lib.kiln_model_close(self.handle)
            self.handle = None
