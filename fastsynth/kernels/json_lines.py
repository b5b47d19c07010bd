"""JSON lines of whole batches: every row one JSON object and a newline, written into one buffer with an
offset per row, in the bytes polars' ``write_ndjson`` gives (the encoder's tests compare the two).

Columns arrive by address, one row of ``plan`` per field in schema order, its ``PLAN`` columns
(``KIND`` to ``EXTRA``) holding: its kind; the address of its int64 values (integers, booleans,
dictionary indices, timestamps, dates), or 0; the addresses of its int64 span starts and ends and of
the bytes they point into, and the address past which those bytes may not be read (text kinds); the
address of a byte per row that is 0 where the value is null, or 0 when it has no nulls; and an extra
number, for timestamps the ticks in a second (negative: in UTC). ``frame_*`` hold the bytes between
values (``{"name":`` before the first field, ``,"age":`` before the next, ``}`` and the newline after
the last).

Kinds: ``INT`` a decimal integer; ``BOOL`` ``true``/``false``; ``STRING`` a string escaped for JSON
(row ``j``'s span); ``WORD`` the same for a dictionary entry (the span of the entry the int64 row names);
``RAW`` JSON text written by someone else, copied as it is (nested types); ``FLOAT`` a number's text
written by someone else (polars' shortest round-trip digits), ``null`` for NaN and infinities, which
JSON has no words for; ``TIMESTAMP`` ISO 8601 with a ``T`` and the fraction of a second in 0, 3, 6
or 9 digits (the fewest that hold it exactly), then ``+00:00`` in UTC; ``DATE`` ``YYYY-MM-DD``. Years
must lie in 0..9999: the encoder sends other values to polars as ``RAW``.

Everything goes by address (``fastsynth.kernels.memory``): numba counts references to an array passed
to a function on every call, which here cost more than writing the row, and the columns' own buffers
are read where they lie, without being gathered into one. Bytes are copied and scanned eight at a time
where a word stays before the end of what may be read, and is stored only where it ends before the end
of the rows the thread writes (later bytes of the row overwrite what it wrote past its value).
"""

from __future__ import annotations

import numpy as np
from numba import prange

from fastsynth.kernels.jit import kernel, parallel_kernel
from fastsynth.kernels.memory import (
    address,
    copy_bytes,
    load_byte_at,
    load_word_at,
    store_byte_at,
)

__all__ = [
    "BOOL",
    "DATA",
    "DATE",
    "END",
    "EXTRA",
    "FIRST",
    "FLOAT",
    "INT",
    "KIND",
    "PLAN",
    "RAW",
    "STOP",
    "STRING",
    "TIMESTAMP",
    "VALID",
    "VALUES",
    "WORD",
    "line_offsets",
    "write_lines",
]

INT, BOOL, STRING, WORD, RAW, TIMESTAMP, DATE, FLOAT = 0, 1, 2, 3, 4, 5, 6, 7
# The columns of ``plan``.
KIND, VALUES, FIRST, END, DATA, STOP, VALID, EXTRA = range(8)
PLAN = 8
_CHUNK = 4096
_PAD = bytes(8)  # constants end in eight bytes of padding: words are read past their end
_NULL = np.frombuffer(b"null" + _PAD, np.uint8)
_TRUE = np.frombuffer(b"true" + _PAD, np.uint8)
_FALSE = np.frombuffer(b"false" + _PAD, np.uint8)
_UTC = np.frombuffer(b"+00:00" + _PAD, np.uint8)
_HEX = np.frombuffer(b"0123456789abcdef", np.uint8)
_PAIRS = np.frombuffer("".join(f"{k:02d}" for k in range(100)).encode(), np.uint8)
# What each byte below 0x20, '"' and '\\' becomes after the backslash; 'u' means \u00XX.
_ESCAPES = np.zeros(128, np.uint8)
_ESCAPES[:32] = ord("u")
for _byte, _letter in ((8, "b"), (9, "t"), (10, "n"), (12, "f"), (13, "r"), (34, '"'), (92, "\\")):
    _ESCAPES[_byte] = ord(_letter)
_ONES = np.uint64(0x0101010101010101)
_HIGHS = np.uint64(0x8080808080808080)
_SPACES = np.uint64(0x2020202020202020)  # the lowest byte that needs no escape, in every byte
_QUOTES = np.uint64(0x2222222222222222)
_BACKSLASHES = np.uint64(0x5C5C5C5C5C5C5C5C)
_FILLER = np.uint64(0x4141414141414141)  # 'A's, in place of the bytes past a string's end


@kernel
def _constant(at: int, limit: int, word) -> int:
    """One of the padded constants (``null``, ``true``...) at ``at``."""
    length = word.shape[0] - 8
    return copy_bytes(at, limit, address(word), length, address(word) + word.shape[0])


@kernel
def _has_zero_byte(word: np.uint64) -> bool:
    return ((word - _ONES) & ~word & _HIGHS) != np.uint64(0)


@kernel
def _extra(byte: np.uint8) -> int:
    """Bytes an escape adds to ``byte``: 0, 1 (``\\n``, ``\\"``...) or 5 (``\\u00XX``)."""
    if byte >= 128 or _ESCAPES[byte] == 0:
        return 0
    return 5 if _ESCAPES[byte] == 117 else 1


@kernel
def _plain(source: int, length: int, stop: int) -> bool:
    """Whether ``length`` bytes at ``source`` need no escape in JSON, eight at a time where the word
    stays before ``stop``: no byte below 0x20 (subtracting 0x20 from every byte borrows into that
    byte's top bit), no quote, no backslash."""
    end = source + length
    while source < end:
        if source + 8 > stop:
            escapes = 0  # the last few bytes, one by one
            for i in range(source, end):
                escapes += _extra(load_byte_at(i))
            return escapes == 0
        word = load_word_at(source)
        if end - source < 8:
            keep = (np.uint64(1) << np.uint64(8 * (end - source))) - np.uint64(1)
            word = (word & keep) | (_FILLER & ~keep)
        below_space = ((word - _SPACES) & ~word & _HIGHS) != np.uint64(0)
        if below_space or _has_zero_byte(word ^ _QUOTES) or _has_zero_byte(word ^ _BACKSLASHES):
            return False
        source += 8
    return True


@kernel
def _escaped_size(source: int, length: int, stop: int) -> int:
    """Bytes of the quoted, escaped string of ``length`` bytes at ``source``."""
    size = length + 2
    if _plain(source, length, stop):
        return size
    for i in range(source, source + length):
        size += _extra(load_byte_at(i))
    return size


@kernel
def _write_string(at: int, limit: int, source: int, length: int, stop: int) -> int:
    store_byte_at(at, 34)
    at += 1
    if _plain(source, length, stop):
        at = copy_bytes(at, limit, source, length, stop)
    else:
        for i in range(source, source + length):
            byte = load_byte_at(i)
            letter = _ESCAPES[byte] if byte < 128 else np.uint8(0)
            if letter == 0:
                store_byte_at(at, byte)
                at += 1
            elif letter == 117:  # \u00XX
                store_byte_at(at, 92)
                store_byte_at(at + 1, 117)
                store_byte_at(at + 2, 48)
                store_byte_at(at + 3, 48)
                store_byte_at(at + 4, _HEX[byte >> 4])
                store_byte_at(at + 5, _HEX[byte & 15])
                at += 6
            else:
                store_byte_at(at, 92)
                store_byte_at(at + 1, letter)
                at += 2
    store_byte_at(at, 34)
    return at + 1


@kernel
def _finite(source: int, length: int) -> bool:
    """Whether a float's text is a number, not ``NaN``, ``inf`` or ``-inf``."""
    first = load_byte_at(source)
    if first == 78 or first == 105:  # N, i
        return False
    return not (first == 45 and length > 1 and load_byte_at(source + 1) == 105)


@kernel
def _digits(value: np.uint64) -> int:
    """Decimal digits of ``value``: comparisons against powers of ten, no division."""
    size = 1
    bound = np.uint64(10)
    while size < 20 and value >= bound:
        bound *= np.uint64(10)  # wraps past 10**19, when the loop ends anyway
        size += 1
    return size


@kernel
def _magnitude(value: int) -> np.uint64:
    """|value| as an unsigned number, right for the most negative int64 too."""
    return np.uint64(value) if value >= 0 else np.uint64(-(value + 1)) + np.uint64(1)


@kernel
def _write_digits(at: int, value: np.uint64, width: int) -> int:
    """``value`` in exactly ``width`` decimal digits (zero-padded) at ``at``; returns the end. Two
    digits per division by a constant, which LLVM makes a multiplication; unsigned all through, since
    numba turns arithmetic that mixes int64 and uint64 into float64."""
    end = at + width
    i = end
    while i - at >= 2:
        rest = value // np.uint64(100)
        pair = np.intp(value - rest * np.uint64(100)) * 2
        store_byte_at(i - 2, _PAIRS[pair])
        store_byte_at(i - 1, _PAIRS[pair + 1])
        value = rest
        i -= 2
    if i > at:
        store_byte_at(at, _PAIRS[np.intp(value % np.uint64(10)) * 2 + 1])
    return end


@kernel
def _seconds(value: int, ticks: int) -> tuple[int, int]:
    """(whole seconds, nanoseconds past them) of a timestamp in ``ticks`` a second. Each unit divides
    by its own constant, which LLVM turns into a multiplication: a division by a number known only at
    run time costs tens of cycles, four times a value."""
    if ticks == 1:
        return value, 0
    if ticks == 1000:
        seconds = value // 1000
        return seconds, (value - seconds * 1000) * 1_000_000
    if ticks == 1_000_000:
        seconds = value // 1_000_000
        return seconds, (value - seconds * 1_000_000) * 1000
    seconds = value // 1_000_000_000
    return seconds, value - seconds * 1_000_000_000


@kernel
def _fraction_digits(nanos: int) -> int:
    """chrono's ``%.f``: 0, 3, 6 or 9 digits, the fewest that hold the nanoseconds exactly."""
    if nanos == 0:
        return 0
    if nanos % 1_000_000 == 0:
        return 3
    if nanos % 1000 == 0:
        return 6
    return 9


@kernel
def _write_date(at: int, days: int) -> int:
    """``YYYY-MM-DD`` of a day count since 1970-01-01 (proleptic Gregorian calendar, in 400-year eras
    of 146,097 days, each counted from a March 1st so that leap days come last)."""
    z = days + 719_468
    era = z // 146_097
    day_of_era = z - era * 146_097
    year_of_era = (day_of_era - day_of_era // 1460 + day_of_era // 36_524 - day_of_era // 146_096) // 365
    day_of_year = day_of_era - (365 * year_of_era + year_of_era // 4 - year_of_era // 100)
    shifted_month = (5 * day_of_year + 2) // 153  # 0 for March .. 11 for February
    day = day_of_year - (153 * shifted_month + 2) // 5 + 1
    month = shifted_month + 3 if shifted_month < 10 else shifted_month - 9
    year = year_of_era + era * 400 + (1 if month <= 2 else 0)
    at = _write_digits(at, np.uint64(year), 4)
    store_byte_at(at, 45)
    at = _write_digits(at + 1, np.uint64(month), 2)
    store_byte_at(at, 45)
    return _write_digits(at + 1, np.uint64(day), 2)


@kernel
def _value_size(kind: int, value: int, extra: int, source: int, length: int, stop: int) -> int:
    """Bytes of one present value (text kinds: ``length`` bytes at ``source``)."""
    if kind == INT:
        return _digits(_magnitude(value)) + (1 if value < 0 else 0)
    if kind == BOOL:
        return 4 if value != 0 else 5
    if kind in (STRING, WORD):
        return _escaped_size(source, length, stop)
    if kind == RAW:
        return length
    if kind == FLOAT:
        return length if _finite(source, length) else 4
    if kind == DATE:
        return 12
    digits = _fraction_digits(_seconds(value, abs(extra))[1])
    return 21 + (digits + 1 if digits else 0) + (6 if extra < 0 else 0)


@kernel
def _write_value(
    at: int, limit: int, kind: int, value: int, extra: int, source: int, length: int, stop: int
) -> int:
    """One present value at ``at``; returns where it ends."""
    if kind == INT:
        if value < 0:
            store_byte_at(at, 45)
            at += 1
        magnitude = _magnitude(value)
        return _write_digits(at, magnitude, _digits(magnitude))
    if kind == BOOL:
        return _constant(at, limit, _TRUE) if value != 0 else _constant(at, limit, _FALSE)
    if kind in (STRING, WORD):
        return _write_string(at, limit, source, length, stop)
    if kind == RAW or (kind == FLOAT and _finite(source, length)):
        return copy_bytes(at, limit, source, length, stop)
    if kind == FLOAT:
        return _constant(at, limit, _NULL)
    store_byte_at(at, 34)
    if kind == DATE:
        at = _write_date(at + 1, value)
    else:
        seconds, fraction = _seconds(value, abs(extra))
        days = seconds // 86_400
        of_day = seconds - days * 86_400
        at = _write_date(at + 1, days)
        store_byte_at(at, 84)  # T
        at = _write_digits(at + 1, np.uint64(of_day // 3600), 2)
        store_byte_at(at, 58)
        at = _write_digits(at + 1, np.uint64(of_day // 60 % 60), 2)
        store_byte_at(at, 58)
        at = _write_digits(at + 1, np.uint64(of_day % 60), 2)
        digits = _fraction_digits(fraction)
        if digits:
            store_byte_at(at, 46)
            at = _write_digits(at + 1, np.uint64(fraction // 10 ** (9 - digits)), digits)
        if extra < 0:
            at = _constant(at, limit, _UTC)
    store_byte_at(at, 34)
    return at + 1


@kernel
def _int_at(where: int) -> np.int64:
    return np.int64(load_word_at(where))


@kernel
def _field(kind: int, values: int, firsts: int, ends: int, data: int, valid: int, j: int):
    """(present, value, source, length) of a field in row ``j``, from its addresses in ``plan``."""
    if valid != 0 and load_byte_at(valid + j) == 0:
        return False, 0, 0, 0
    value = _int_at(values + 8 * j) if values != 0 else 0
    if kind not in (STRING, WORD, RAW, FLOAT):
        return True, value, 0, 0
    k = value if kind == WORD else j  # a dictionary entry's span, or the row's own
    first, end = _int_at(firsts + 8 * k), _int_at(ends + 8 * k)
    return True, value, data + first, end - first


@parallel_kernel
def line_offsets(plan, frame_first, frame_end, start, offsets):
    """Where each of the ``len(offsets) - 1`` lines from row ``start`` on starts (and the last ends),
    into ``offsets``."""
    n = offsets.shape[0] - 1
    fields = plan.shape[0]
    frames = 0
    for f in range(fields + 1):
        frames += frame_end[f] - frame_first[f]
    offsets[0] = 0
    for j in prange(n):
        size = frames
        for f in range(fields):
            kind, stop = plan[f, KIND], plan[f, STOP]
            addresses = plan[f, VALUES], plan[f, FIRST], plan[f, END], plan[f, DATA], plan[f, VALID]
            present, value, source, length = _field(kind, *addresses, start + np.int64(j))
            if present:
                size += _value_size(kind, value, plan[f, EXTRA], source, length, stop)
            else:
                size += 4
        offsets[j + 1] = size
    for j in range(n):
        offsets[j + 1] += offsets[j]


@parallel_kernel
def write_lines(plan, frame_first, frame_end, frame_data, start, offsets, out):
    """The lines into ``out``, at the ``offsets`` ``line_offsets`` gave."""
    n = offsets.shape[0] - 1
    fields = plan.shape[0]
    frames_at, out_at = address(frame_data), address(out)
    frames_stop = frames_at + frame_data.shape[0]
    for c in prange((n + _CHUNK - 1) // _CHUNK):
        last = min(n, (c + 1) * _CHUNK)
        limit = out_at + offsets[last]
        for j in range(c * _CHUNK, last):
            at = out_at + offsets[j]
            for f in range(fields + 1):
                length = frame_end[f] - frame_first[f]
                at = copy_bytes(at, limit, frames_at + frame_first[f], length, frames_stop)
                if f == fields:
                    break
                kind, stop = plan[f, KIND], plan[f, STOP]
                addresses = plan[f, VALUES], plan[f, FIRST], plan[f, END], plan[f, DATA], plan[f, VALID]
                present, value, source, length = _field(kind, *addresses, start + j)
                if present:
                    at = _write_value(at, limit, kind, value, plan[f, EXTRA], source, length, stop)
                else:
                    at = _constant(at, limit, _NULL)
