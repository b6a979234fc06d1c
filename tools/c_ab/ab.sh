#!/bin/sh
# Per-element cost of the C kernels at two commits, in one process:
#     sh tools/c_ab/ab.sh OLD_COMMIT [NEW_COMMIT]      (NEW: the working tree)
# Cycles per 8 floats (names ending in 32) or 4 doubles (64) for the loops of kernels.h over
# 2,000 elements (in L1), built as the extension builds its AVX2 clone (no -ffast-math).
set -e
here=$(cd "$(dirname "$0")" && pwd); repo=$(cd "$here/../.." && pwd)
work=$(mktemp -d); trap 'rm -rf "$work"' EXIT
mkdir "$work/old" "$work/new"
for f in activations.h formulas.h vmath.h; do
    git -C "$repo" show "$1:fastact/_cython/$f" > "$work/old/$f"
    if [ -n "$2" ]; then git -C "$repo" show "$2:fastact/_cython/$f" > "$work/new/$f"; else cp "$repo/fastact/_cython/$f" "$work/new/$f"; fi
done
flags="-O3 -fno-math-errno -fno-trapping-math -mavx2 -mfma -I$here"
cc $flags -c -DHEADERS="\"$work/old/activations.h\"" -DPREFIX=A_ "$here/kernels.c" -o "$work/a.o"
cc $flags -c -DHEADERS="\"$work/new/activations.h\"" -DPREFIX=B_ "$here/kernels.c" -o "$work/b.o"
cc $flags "$here/main.c" "$work/a.o" "$work/b.o" -o "$work/ab" -lm
"$work/ab"
