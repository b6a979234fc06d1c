"""``numba.cuda.jit`` kernels compiled without floating-point contraction.

libNVVM contracts a·b + c into one fused multiply-add by default (``-fma=1``), and numba-cuda
0.30 offers no option to turn that off. A contracted formula rounds differently from the one
the CPU kernels run (LLVM on the CPU does not contract without fast-math), so a GPU result could
drift from the CPU's by an ULP or two past the accuracy the tests establish on the CPU (seen on
an H200: 5 ULP in sigmoid′, where the CPU stays within 4). Compiled with ``-fma=0``, every
multiply and add is emitted as ``mul.rn``/``add.rn``, which ptxas does not fuse either: the GPU
evaluates the formulas of :mod:`fastact._kernels.scalar` operation for operation as the CPU
does, and the CPU's accuracy carries over. Explicit ``fma`` calls (:mod:`fastact._kernels.exact`)
stay fused, as on the CPU.

:func:`kernel` wraps ``cuda.jit``: the dispatcher's ``compile`` (which numba-cuda calls for
each new argument-type signature) runs with numba-cuda's global compiler lock held and with
``nvvm.compile_ir`` adding ``fma=False`` to the options of that one compilation. Device
functions are compiled into the kernel's single NVVM module, so the option covers them too.
Holding the lock means no other kernel, ours or anyone's, compiles meanwhile with the option.
Under numba's CUDA simulator (which computes in Python, without contraction) it is plain
``cuda.jit``.
"""

from __future__ import annotations

import contextlib

from numba import cuda

SIMULATED = bool(cuda.config.ENABLE_CUDASIM)


@contextlib.contextmanager
def without_contraction():
    """Within the block, libNVVM compiles with ``-fma=0`` (unless fast-math was asked for)."""
    from numba.cuda.core.compiler_lock import global_compiler_lock
    from numba.cuda.cudadrv import nvvm

    with global_compiler_lock:
        original = nvvm.compile_ir

        def compile_ir(llvmir, **options):
            if not options.get("fastmath"):
                options["fma"] = False
            return original(llvmir, **options)

        nvvm.compile_ir = compile_ir
        try:
            yield
        finally:
            nvvm.compile_ir = original


def kernel(function):
    """``cuda.jit(function)``, each signature compiled without contraction."""
    dispatcher = cuda.jit(function)
    if SIMULATED:
        return dispatcher
    compile_signature = dispatcher.compile

    def compile(signature):
        with without_contraction():
            return compile_signature(signature)

    dispatcher.compile = compile
    return dispatcher
