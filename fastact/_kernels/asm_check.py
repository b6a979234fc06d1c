"""Check that loops over ``vmath`` functions vectorize and call no libm.

For every function and dtype this njit-compiles ``out[i] = f(x[i])``,
takes the assembly of the compiled loop function (``inspect_asm``; the
CPython wrapper that follows it is cut off) and reports

* the widest SIMD register used by packed floating-point arithmetic
  (``zmm`` = AVX-512, ``ymm`` = AVX/AVX2, ``xmm`` = SSE, ``-`` = scalar),
* the number of packed floating-point instructions,
* the ``call`` instructions left in the loop function and the external
  symbols it references (a libm call such as ``exp``/``expf`` would show
  here and would stop vectorization).

Repeat the check with ``python -m fastact._kernels.asm_check``.  Numba
compiles for the host CPU, so the register width depends on the machine:
``zmm`` needs a CPU (and LLVM tuning) that uses 512-bit vectors, ``ymm``
appears on AVX2 machines.
"""
import re

import numpy as np
from numba import from_dtype, njit

from fastact._kernels import vmath

FUNCTIONS = ("exp", "expm1", "log", "log1p", "tanh", "erf", "sigmoid")
DTYPES = (np.float32, np.float64)

_PACKED_FP = re.compile(r"^\s*v\w*p[sd]\s.*%([xyz]mm)\d+", re.MULTILINE)
_CALL = re.compile(r"^\s*call\w*\s+(.*)$", re.MULTILINE)
_SYMBOL = re.compile(r"^\s*movabsq\s+\$([A-Za-z_][\w.@]*),", re.MULTILINE)


def _make_loop(func):
    @njit
    def apply(x, out):
        for i in range(x.size):
            out[i] = func(x[i])

    return apply


def loop_function_asm(dispatcher, signature):
    """Assembly of the compiled function itself, without its wrappers."""
    asm = dispatcher.inspect_asm(signature)
    end = asm.find(".Lfunc_end0")
    return asm if end < 0 else asm[:end]


def analyze(asm):
    """Widest packed register, packed-op count, calls and symbols in asm."""
    registers = _PACKED_FP.findall(asm)
    widest = max(registers, key=lambda reg: "xyz".index(reg[0]), default="-")
    symbols = sorted(set(s for s in _SYMBOL.findall(asm) if not s.startswith(".L")))
    return {"widest": widest, "packed_ops": len(registers),
            "calls": _CALL.findall(asm), "symbols": symbols}


def vector_width_report():
    """{(function, dtype name): analyze(...)} for every vmath function."""
    report = {}
    for name in FUNCTIONS:
        loop = _make_loop(getattr(vmath, name))
        for dtype in DTYPES:
            x = np.linspace(-1, 1, 64).astype(dtype)
            loop(x, np.empty_like(x))
            signature = next(s for s in loop.signatures if s[0].dtype == from_dtype(dtype))
            report[name, dtype.__name__] = analyze(loop_function_asm(loop, signature))
    return report


def main():
    print(f"{'function':9} {'dtype':8} {'widest':6} {'packed':>6}  calls / symbols")
    for (name, dtype), row in vector_width_report().items():
        extra = ", ".join(row["calls"] + row["symbols"]) or "none"
        print(f"{name:9} {dtype:8} {row['widest']:6} {row['packed_ops']:6d}  {extra}")


if __name__ == "__main__":
    main()
