"""Values distributed like observed data: the ``empirical`` field, which ``fastsynth fit`` writes.

The distribution is a list of quantiles at evenly spaced probabilities from 0 to 1 (``quantiles[0]`` the
minimum, ``quantiles[-1]`` the maximum); a draw interpolates linearly between them, so 257 quantiles
reproduce a column's distribution to within 1/256 of probability. It can be part of a schema's
``correlations`` (its quantile function drives the Gaussian copula directly).

    income: {type: empirical, quantiles: [0, 18250.5, ..., 412000], decimals: 2}
    visits: {type: empirical, quantiles: [0, 0, 1, ..., 40], dtype: int64}
    seen_at: {type: empirical, quantiles: [1704067200, ..., 1735689599], dtype: timestamp, unit: s}
    born: {type: empirical, quantiles: [-3652, ..., 12784], dtype: date}
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass
from typing import Literal

import numpy as np
import pyarrow as pa

from fastsynth.buffers import empty, numpy_buffer_array
from fastsynth.fields.base import FIELDS, Block, Field
from fastsynth.kernels import numeric as kn

__all__ = ["EmpiricalField", "integer_bounds"]

_MAX_QUANTILES = 100_000
_FLOATS = ("float64", "float32", "float16")
_ROUNDED = ("float64", "float32")
"""The dtypes ``decimals`` rounds (a half float holds three significant digits, too few to round)."""
_STORED = {"timestamp": "int64", "date": "int32"}
"""The integers timestamps (in their unit) and dates (days) are stored as."""
_INTEGERS = ("int64", "int32", "int16", "int8", "uint64", "uint32", "uint16", "uint8")
# The 64-bit integers' ranges as float64 holds them: the quantiles are float64, whose nearest values to
# 2**63 - 1 and 2**64 - 1 are the powers of two themselves, one past the largest integer.
_FLOAT_RANGES = {
    "int64": (-(2.0**63), np.nextafter(2.0**63, 0.0)),
    "uint64": (0.0, np.nextafter(2.0**64, 0.0)),
}


def integer_bounds(dtype: str) -> tuple[float, float]:
    """The smallest and largest float64 quantiles an integer dtype's column can hold."""
    info = np.iinfo(dtype)
    return _FLOAT_RANGES.get(dtype, (float(info.min), float(info.max)))


@FIELDS.register("empirical")
@dataclass(frozen=True, kw_only=True)
class EmpiricalField(Field):
    """Numbers or times with the distribution given by its quantiles."""

    quantiles: tuple[float, ...]
    """At least two, non-decreasing: the values at probabilities 0, 1/(n-1), ..., 1."""
    dtype: Literal[
        "float64",
        "float32",
        "float16",
        "int64",
        "int32",
        "int16",
        "int8",
        "uint64",
        "uint32",
        "uint16",
        "uint8",
        "timestamp",
        "date",
    ] = "float64"
    """float64, float32 or float16; int64, int32, int16, int8, uint64, uint32, uint16 or uint8 (rounded;
    the quantiles must fit the type); timestamp (``quantiles`` in ``unit``s since 1970) or date (days
    since 1970)."""
    unit: Literal["s", "ms", "us", "ns"] = "s"
    """The timestamp unit."""
    timezone: str | None = None
    """The timestamps' time zone (an IANA name such as ``Europe/Paris``), or none."""
    decimals: int | None = None
    """Round float64 values to this many decimals."""

    def __post_init__(self) -> None:
        super().__post_init__()
        q = self.quantiles
        if not 2 <= len(q) <= _MAX_QUANTILES:
            raise self.error(f"quantiles: give a list of 2 to {_MAX_QUANTILES:,} numbers")
        if any(b < a for a, b in itertools.pairwise(q)):
            raise self.error("quantiles must not decrease")
        if self.timezone is not None and self.dtype != "timestamp":
            raise self.error(f"timezone={self.timezone!r}: allowed for dtype timestamp only")
        if self.decimals is not None and (self.dtype not in _ROUNDED or not 0 <= self.decimals <= 15):
            raise self.error(
                f"decimals={self.decimals!r}: allowed for dtypes float64 and float32, from 0 to 15"
            )
        stored = _STORED.get(self.dtype, self.dtype)
        if stored in _INTEGERS:
            low, high = integer_bounds(stored)
        else:
            low, high = -float(np.finfo(stored).max), float(np.finfo(stored).max)
        if not (low <= q[0] and q[-1] <= high):
            raise self.error(
                f"quantiles from {q[0]:g} to {q[-1]:g} do not fit dtype {self.dtype} [{low:g}, {high:g}]"
            )

    def arrow_type(self) -> pa.DataType:
        if self.dtype == "timestamp":
            return pa.timestamp(self.unit, self.timezone)
        if self.dtype == "date":
            return pa.date32()
        return pa.from_numpy_dtype(np.dtype(self.dtype))

    def correlatable(self) -> bool:
        return True

    def _knots(self) -> np.ndarray:
        return np.asarray(self.quantiles, dtype=np.float64)

    def _scale(self) -> float:
        if self.dtype not in _FLOATS:
            return 1.0  # whole numbers
        return 0.0 if self.decimals is None else 10.0**self.decimals

    def _out(self, size: int) -> np.ndarray:
        # The kernels round, clip to the quantiles and store in the column's own type; numba has no
        # float16, so half floats are made as float32 and narrowed once.
        stored = {"timestamp": np.int64, "date": np.int32, "float16": np.float32}
        return empty(size, stored.get(self.dtype, self.dtype))

    def _narrowed(self, values: np.ndarray) -> np.ndarray:
        return values.astype(np.float16) if self.dtype == "float16" else values

    def from_normal(self, y: np.ndarray) -> np.ndarray:
        out = self._out(len(y))
        kn.empirical_from_normal(out, y, self._knots(), self._scale())
        return self._narrowed(out)

    def generate(self, block: Block) -> pa.Array:
        y = block.correlated_normal()
        if y is not None:
            values = self.from_normal(y)
        else:
            values = self._out(block.size)
            kn.fill_empirical(values, block.key, block.start, self._knots(), self._scale())
            values = self._narrowed(values)
        return numpy_buffer_array(self.arrow_type(), values)
