"""Streaming (non-temporal) stores for the numba CPU loops, as the C loops do (``stream.h``).

An ordinary store to a cache line that is not in cache first reads it (write-allocate), so an
out-of-place pass over arrays larger than the caches moves 4 streams where 3 are needed.
:func:`stream_block` writes a block computed into a small buffer in L1 with vector stores
marked ``!nontemporal``, which LLVM emits as ``movntps``/``movntpd`` on x86-64 (16-byte aligned:
:func:`aligned_head` gives the elements to store normally first); :func:`fence` orders them
before later reads. On other architectures the stores are ordinary and the fence is empty.
"""

import platform

import numpy as np
from llvmlite import ir
from numba import types
from numba.core import cgutils
from numba.extending import intrinsic, register_jitable

X86 = platform.machine().lower() in ("x86_64", "amd64")
#: Bytes per vector of the streaming stores (SSE2: every x86-64 has them).
VECTOR_BYTES = 16


@register_jitable(forceinline=True)
def aligned_head(out, start):
    """Elements from ``out[start]`` to the first 16-byte aligned one (all of them if none is)."""
    misaligned = (out.ctypes.data + start * out.itemsize) % VECTOR_BYTES
    if misaligned % out.itemsize:
        return out.size - start
    return ((VECTOR_BYTES - misaligned) % VECTOR_BYTES) // out.itemsize


@intrinsic
def stream_block(typingctx, src, dst, start, count):
    """dst[start:start + count] = src[:count] with non-temporal vector stores; dst + start must be
    16-byte aligned and ``count`` a multiple of the vector length (16 bytes)."""
    sig = types.void(src, dst, types.intp, types.intp)

    def codegen(context, builder, signature, args):
        src_array = context.make_array(signature.args[0])(context, builder, args[0])
        dst_array = context.make_array(signature.args[1])(context, builder, args[1])
        element = context.get_data_type(signature.args[1].dtype)
        lanes = VECTOR_BYTES // context.get_abi_sizeof(element)
        vector = ir.VectorType(element, lanes)
        first = builder.gep(dst_array.data, [args[2]], inbounds=True)
        vectors = builder.udiv(args[3], ir.Constant(args[3].type, lanes))
        nontemporal = builder.module.add_metadata([ir.Constant(ir.IntType(32), 1)])
        with cgutils.for_range(builder, vectors) as loop:
            offset = builder.mul(loop.index, ir.Constant(loop.index.type, lanes))
            source = builder.bitcast(builder.gep(src_array.data, [offset], inbounds=True), vector.as_pointer())
            target = builder.bitcast(builder.gep(first, [offset], inbounds=True), vector.as_pointer())
            store = builder.store(builder.load(source, align=1), target, align=VECTOR_BYTES)
            if X86:
                store.set_metadata("nontemporal", nontemporal)
        return context.get_dummy_value()

    return sig, codegen


@intrinsic
def fence(typingctx):
    """Order the streaming stores before the stores and loads that follow (``sfence``)."""
    def codegen(context, builder, signature, args):
        if X86:
            sfence = cgutils.get_or_insert_function(builder.module, ir.FunctionType(ir.VoidType(), []),
                                                    "llvm.x86.sse.sfence")
            builder.call(sfence, [])
        return context.get_dummy_value()

    return types.void(), codegen


#: Elements per block: computed into a buffer in L1, then streamed to memory.
BLOCK = 1024


def block_writer(fill):
    """A jitable ``write(inputs, out, p, lo, hi)`` computing ``out[lo:hi]`` block by block with
    ``fill(buffer, inputs, start, count, p)`` and writing it with streaming stores."""

    @register_jitable
    def write(inputs, out, p, lo, hi):
        buffer = np.empty(BLOCK, out.dtype)
        lanes = VECTOR_BYTES // out.itemsize
        head = min(aligned_head(out, lo), hi - lo)  # up to the first aligned element: ordinary stores
        fill(buffer, inputs, lo, head, p)
        for j in range(head):
            out[lo + j] = buffer[j]
        start = lo + head
        while start < hi:
            count = min(BLOCK, hi - start)
            streamed = count - count % lanes
            fill(buffer, inputs, start, count, p)
            stream_block(buffer, out, start, streamed)
            for j in range(streamed, count):
                out[start + j] = buffer[j]
            start += count
        fence()

    return write
