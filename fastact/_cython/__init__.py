"""C kernels of the cython backend: the compiled module ``_kernels`` and its C sources.

``activations.h`` (the formulas, once, in ``formulas.h``), ``vmath.h`` (exp, expm1, tanh),
``table.h`` (which activations have kernels), ``loops.c`` (the loops) and ``_kernels.pyx``
(the OpenMP threads and the Python entry points). See :mod:`fastact._cython_backend`.
"""
