"""Builds the cython backend's extension module, fastact._cython._kernels.

OpenMP is used when the compiler compiles and links a test program with ``-fopenmp``;
otherwise (or with FASTACT_NO_OPENMP=1 in the environment) the module is built serially and
says so (``fastact._cython._kernels.OPENMP``). Never -ffast-math: see fastact/_cython/loops.c
for how the loops vectorize without it (AVX-512, AVX2 + FMA and baseline variants, chosen at
import).
"""

import os
import pathlib
import tempfile

import numpy
from Cython.Build import cythonize
from setuptools import Extension, setup
from setuptools.command.build_ext import build_ext

SOURCES = pathlib.Path("fastact/_cython")
OPENMP_TEST = "#include <omp.h>\nint main(void) { return omp_get_max_threads() > 0 ? 0 : 1; }\n"


def accepts_openmp(compiler) -> bool:
    """Whether ``compiler`` compiles and links a program with -fopenmp."""
    if os.environ.get("FASTACT_NO_OPENMP") == "1":
        return False
    with tempfile.TemporaryDirectory() as tmp:
        source = pathlib.Path(tmp, "openmp_test.c")
        source.write_text(OPENMP_TEST)
        try:
            objects = compiler.compile([str(source)], output_dir=tmp, extra_postargs=["-fopenmp"])
            compiler.link_executable(objects, "openmp_test", output_dir=tmp, extra_postargs=["-fopenmp"])
        except Exception:  # CompileError, LinkError: no usable OpenMP
            return False
    return True


class BuildExt(build_ext):
    def build_extensions(self):
        openmp = accepts_openmp(self.compiler)
        print(f"fastact: building the cython backend {'with' if openmp else 'without'} OpenMP")
        for ext in self.extensions:
            if openmp:
                ext.extra_compile_args.append("-fopenmp")
                ext.extra_link_args.append("-fopenmp")
        super().build_extensions()


extension = Extension(
    "fastact._cython._kernels",
    sources=[str(SOURCES / "_kernels.pyx"), str(SOURCES / "loops.c")],
    depends=[str(p) for p in SOURCES.glob("*.h")],
    include_dirs=[str(SOURCES), numpy.get_include()],
    define_macros=[("NPY_NO_DEPRECATED_API", "NPY_1_7_API_VERSION")],
    # -fno-math-errno and -fno-trapping-math change no result (NaN, inf, subnormals and the
    # rounding stay IEEE); without them gcc does not if-convert the formulas' comparisons
    # below AVX-512, and the AVX2 loops stay scalar.
    extra_compile_args=["-O3", "-fno-math-errno", "-fno-trapping-math"],
)

setup(ext_modules=cythonize([extension], language_level=3), cmdclass={"build_ext": BuildExt})
