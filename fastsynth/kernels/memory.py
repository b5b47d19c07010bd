"""Raw memory access for kernels that copy or scan bytes eight at a time.

numba has no unaligned access of its own: ``load_word`` and ``store_word`` emit one LLVM load or store
with alignment 1 at an index of a uint8 array. ``address`` gives an array's address, and the ``*_at``
functions read and write bytes and words at an address: helpers that take addresses instead of arrays
spare numba's reference counting of the array on every call. None of them checks bounds: callers keep
every access within memory they own (``index + 8`` within the array, for words). ``copy_bytes``
copies between addresses with them; ``copy_range`` between byte arrays. Kernels copy arrays with it
or with loops, never with slice assignments (``out[a:b] = data[c:d]``): for those numba compiles a check
of both shapes whose error message it formats, 3-4 s of compiling in a process's first such kernel.
"""

from __future__ import annotations

from typing import Any

from llvmlite import ir
from numba import types
from numba.extending import intrinsic

from fastsynth.kernels.jit import kernel

__all__ = [
    "address",
    "copy_bytes",
    "copy_range",
    "load_byte_at",
    "load_word",
    "load_word_at",
    "store_byte_at",
    "store_word",
    "store_word_at",
]


@intrinsic
def _load_word(typingctx, array, index):
    """The 8 bytes of a uint8 array starting at ``index``, as one unaligned 64-bit load."""

    def codegen(context, builder, signature, args):
        data = context.make_array(signature.args[0])(context, builder, args[0]).data
        pointer = builder.bitcast(builder.gep(data, [args[1]]), ir.IntType(64).as_pointer())
        return builder.load(pointer, align=1)

    return types.uint64(array, types.intp), codegen


@intrinsic
def _store_word(typingctx, array, index, value):
    """Write 8 bytes into a uint8 array at ``index`` as one unaligned 64-bit store."""

    def codegen(context, builder, signature, args):
        data = context.make_array(signature.args[0])(context, builder, args[0]).data
        pointer = builder.bitcast(builder.gep(data, [args[1]]), ir.IntType(64).as_pointer())
        builder.store(args[2], pointer, align=1)
        return context.get_dummy_value()

    return types.void(array, types.intp, types.uint64), codegen


@intrinsic
def _address(typingctx, array):
    """The address of an array's first element, for helpers that take addresses: a helper that takes
    the array itself makes numba count references to it on every call (two atomic operations), which
    in a per-row loop cost more than the work."""

    def codegen(context, builder, signature, args):
        data = context.make_array(signature.args[0])(context, builder, args[0]).data
        return builder.ptrtoint(data, ir.IntType(64))

    return types.intp(array), codegen


def _pointer(builder, where, bits):
    return builder.inttoptr(where, ir.IntType(bits).as_pointer())


@intrinsic
def _load_byte_at(typingctx, where):
    """The byte at an address."""

    def codegen(context, builder, signature, args):
        return builder.load(_pointer(builder, args[0], 8))

    return types.uint8(types.intp), codegen


@intrinsic
def _store_byte_at(typingctx, where, value):
    """Write one byte at an address."""

    def codegen(context, builder, signature, args):
        value = context.cast(builder, args[1], signature.args[1], types.uint8)
        builder.store(value, _pointer(builder, args[0], 8))
        return context.get_dummy_value()

    return types.void(types.intp, value), codegen


@intrinsic
def _load_word_at(typingctx, where):
    """The 8 bytes at an address, as one unaligned 64-bit load."""

    def codegen(context, builder, signature, args):
        return builder.load(_pointer(builder, args[0], 64), align=1)

    return types.uint64(types.intp), codegen


@intrinsic
def _store_word_at(typingctx, where, value):
    """Write 8 bytes at an address as one unaligned 64-bit store."""

    def codegen(context, builder, signature, args):
        builder.store(args[1], _pointer(builder, args[0], 64), align=1)
        return context.get_dummy_value()

    return types.void(types.intp, types.uint64), codegen


@kernel
def copy_bytes(at: int, limit: int, source: int, length: int, stop: int) -> int:
    """``length`` bytes from address ``source`` to address ``at``; returns where they end. A word at a
    time while it neither reads past ``stop`` nor writes past ``limit`` (the end of what the caller
    owns: the bytes a word writes past the copy are the caller's to overwrite), then byte by byte."""
    end = source + length
    while source < end:
        if at + 8 <= limit and source + 8 <= stop:
            store_word_at(at, load_word_at(source))
            step = min(8, end - source)
        else:
            store_byte_at(at, load_byte_at(source))
            step = 1
        at += step
        source += step
    return at


# Kernels call these without the typing context numba passes first, which mypy would ask for.
address: Any = _address
load_byte_at: Any = _load_byte_at
load_word: Any = _load_word
load_word_at: Any = _load_word_at
store_byte_at: Any = _store_byte_at
store_word: Any = _store_word
store_word_at: Any = _store_word_at


@kernel
def copy_range(out: Any, o: int, data: Any, start: int, end: int) -> None:
    """``out[o : o + end - start] = data[start:end]`` for contiguous uint8 arrays that do not overlap, as
    far as both reach (nothing for negative positions): a word at a time, never past the range (threads
    may own the bytes after it)."""
    n = min(end - start, out.shape[0] - o, data.shape[0] - start)
    if n > 0 and o >= 0 and start >= 0:
        at, source = address(out) + o, address(data) + start
        copy_bytes(at, at + n, source, n, source + n)
