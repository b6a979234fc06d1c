"""Check that loops over ``vmath`` functions and over every activation vectorize and call nothing.

For every function and dtype this njit-compiles ``out[i] = f(x[i])`` (and, for every
activation of the catalogue, the library's own forward/derivative/backward loops from
:mod:`fastact._kernels.cpu_loops`),
takes the assembly of the compiled loop function (``inspect_asm``; the
CPython wrapper that follows it is cut off) and reports

* the widest SIMD register used by packed floating-point arithmetic
  (``zmm`` = AVX-512, ``ymm`` = AVX/AVX2, ``xmm`` = SSE, ``-`` = scalar),
* the number of packed floating-point instructions,
* the ``call`` instructions left in the loop function and the external
  symbols it references (a libm call such as ``exp``/``expf`` would show
  here and would stop vectorization).

Repeat the check with ``python -m fastact._kernels.asm_check`` (numba refuses to show the
assembly of code loaded from its disk cache, so run it with ``NUMBA_CACHE_DIR`` pointing to an
empty temporary folder).  Numba
compiles for the host CPU, so the register width depends on the machine:
``zmm`` needs a CPU (and LLVM tuning) that uses 512-bit vectors, ``ymm``
appears on AVX2 machines.
"""
import re

import numpy as np
from numba import from_dtype, njit

from fastact._kernels import vmath

FUNCTIONS = ("exp", "expm1", "log", "log1p", "log1p_unit", "tanh", "erf", "sigmoid")
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


def activation_report(names=None, ops=("forward", "derivative", "vjp", "vjp_from_y"), dtypes=DTYPES):
    """{(activation, op, dtype name): analyze(...)} for the serial loops of the numba backend."""
    from fastact._catalog import ELEMENTWISE
    from fastact._kernels import cpu_loops, scalar

    report = {}
    for name in names or ELEMENTWISE:
        spec = ELEMENTWISE[name]
        values = spec.validate(tuple((0.0, -4.0) if p.vector else (-4.0 if p.default is None else p.default)
                                     for p in spec.params))
        for op in ops:
            formula = getattr(scalar, f"{name}_{op}", None)
            if formula is None:
                continue
            for dtype in dtypes:
                x = np.linspace(-1, 1, 64).astype(dtype)
                p = spec.pack(x.dtype, values)
                if op in ("forward", "derivative"):
                    loop = cpu_loops.map_loop(formula)
                    loop(x, np.empty_like(x), p)
                else:
                    loop = cpu_loops.vjp_loop(formula)
                    loop(x, x, np.empty_like(x), p)
                report[name, op, dtype.__name__] = analyze(loop_function_asm(loop, loop.signatures[0]))
    return report


def _print(rows):
    for key, row in rows.items():
        extra = ", ".join(row["calls"] + row["symbols"]) or "none"
        print(" ".join(f"{k:11}" for k in key) + f" {row['widest']:6} {row['packed_ops']:6d}  {extra}")


def main():
    print("function / activation, op, dtype, widest register, packed ops, calls / symbols")
    _print(vector_width_report())
    _print(activation_report())


if __name__ == "__main__":
    main()
