"""Numeric field types: ``int``, ``float`` and ``bool``."""

from __future__ import annotations

import math
from dataclasses import dataclass
from functools import cached_property
from typing import TYPE_CHECKING, Any, Literal

import numpy as np
import pyarrow as pa

from fastsynth.buffers import empty, numpy_buffer_array
from fastsynth.fields.base import FIELDS, Block, Field
from fastsynth.fields.category import normal_thresholds
from fastsynth.kernels import numeric as kn
from fastsynth.kernels.permutation import feistel_half_bits

if TYPE_CHECKING:
    from fastsynth.schema import Schema

__all__ = ["BoolField", "FloatField", "IntField"]

IntDtype = Literal["int8", "int16", "int32", "int64", "uint8", "uint16", "uint32"]
FloatDtype = Literal["float32", "float64"]

# The parameters each distribution takes; an option of another distribution is an error, not ignored.
_INT_PARAMS = {
    "uniform": (),
    "normal": ("mean", "std"),
    "poisson": ("lam",),
    "geometric": ("p",),
    "zipf": ("a",),
}
_FLOAT_PARAMS = {
    "normal": ("mean", "std"),
    "uniform": (),
    "lognormal": ("mu", "sigma"),
    "exponential": ("scale",),
    "beta": ("a", "b"),
    "gamma": ("shape", "scale"),
}


def _check_params(field: Field, distribution: str, table: dict[str, tuple[str, ...]]) -> None:
    wanted = table[distribution]
    every = {p for params in table.values() for p in params}
    for param in sorted(every):
        value = getattr(field, param)
        if param in wanted and value is None:
            raise field.error(f"distribution {distribution!r} needs option {param!r}")
        if param not in wanted and value is not None:
            users = [d for d, params in table.items() if param in params]
            raise field.error(
                f"{param}={value!r} applies to distribution {' or '.join(map(repr, users))}, "
                f"not {distribution!r}"
            )


def _check_range(field: Field, lo: float | None, hi: float | None) -> None:
    if lo is not None and hi is not None and lo > hi:
        raise field.error(f"min={lo!r} is greater than max={hi!r}")


@dataclass(frozen=True, kw_only=True)
class _Numeric(Field):
    """Shared by ``int`` and ``float``: values from their own draws, or from a Gaussian copula's
    normals when the schema correlates the column with others."""

    if TYPE_CHECKING:  # declared by each subclass, with its own allowed values and default
        dtype: Any

    def correlatable(self) -> bool:
        """Whether a Gaussian copula can drive this field (its quantile function is in closed form)."""
        raise NotImplementedError

    def from_normal(self, y: np.ndarray) -> np.ndarray:
        """The values at the quantiles of standard normals ``y`` (the copula's inverse-CDF step)."""
        raise NotImplementedError

    def _sample(self, block: Block) -> np.ndarray:
        raise NotImplementedError

    def arrow_type(self) -> pa.DataType:
        return pa.from_numpy_dtype(np.dtype(self.dtype))

    def generate(self, block: Block) -> pa.Array:
        y = block.correlated_normal()
        values = self._sample(block) if y is None else self.from_normal(y)
        return numpy_buffer_array(self.arrow_type(), values)


@FIELDS.register("int")
@dataclass(frozen=True, kw_only=True)
class IntField(_Numeric):
    """Integers: uniform on [min, max] by default, or drawn from another distribution and clipped to
    [min, max] when those are given."""

    min: int | None = None
    """Smallest value (inclusive)."""
    max: int | None = None
    """Largest value (inclusive)."""
    distribution: Literal["uniform", "normal", "poisson", "geometric", "zipf"] = "uniform"
    """uniform (needs min and max), normal (mean, std, rounded), poisson (lam), geometric (p: trials
    up to the first success), zipf (a > 1)."""
    mean: float | None = None
    """Mean of the normal distribution."""
    std: float | None = None
    """Standard deviation of the normal distribution (>= 0)."""
    lam: float | None = None
    """Mean of the Poisson distribution (>= 0)."""
    p: float | None = None
    """Success probability of the geometric distribution, in (0, 1]."""
    a: float | None = None
    """Exponent of the Zipf distribution (> 1)."""
    unique: bool = False
    """Every row gets a distinct value (uniform only): a keyed permutation of the row index."""
    dtype: IntDtype = "int64"
    """Arrow integer type of the column."""

    def __post_init__(self) -> None:
        super().__post_init__()
        _check_params(self, self.distribution, _INT_PARAMS)
        _check_range(self, self.min, self.max)
        info = np.iinfo(self.dtype)
        for option in ("min", "max"):
            value = getattr(self, option)
            if value is not None and not info.min <= value <= info.max:
                raise self.error(f"{option}={value} does not fit dtype {self.dtype} [{info.min}, {info.max}]")
        if self.distribution == "uniform" and (self.min is None or self.max is None):
            raise self.error("distribution 'uniform' needs options 'min' and 'max'")
        if self.std is not None and not self.std >= 0:
            raise self.error(f"std={self.std!r} is negative; allowed: std >= 0")
        if self.lam is not None and not 0 <= self.lam < 1e12:
            raise self.error(f"lam={self.lam!r} is outside [0, 1e12)")
        if self.p is not None and not 0 < self.p <= 1:
            raise self.error(f"p={self.p!r} is outside (0, 1]")
        if self.a is not None and not self.a > 1:
            raise self.error(f"a={self.a!r} is not greater than 1")
        if self.unique and self.distribution != "uniform":
            raise self.error(f"unique=true needs distribution 'uniform', not {self.distribution!r}")

    def capacity(self, schema: Schema | None = None) -> int | None:
        if self.unique:
            assert self.min is not None and self.max is not None
            return self.max - self.min + 1
        return None

    def correlatable(self) -> bool:
        return self.distribution in ("uniform", "normal", "geometric") and not self.unique

    def from_normal(self, y: np.ndarray) -> np.ndarray:
        info = np.iinfo(self.dtype)
        lo = info.min if self.min is None else self.min
        hi = info.max if self.max is None else self.max
        code = -1 if self.distribution == "uniform" else kn.INT_DISTRIBUTIONS[self.distribution]
        geometric = self.distribution == "geometric"
        p0, p1 = (self.p or 0.0, 0.0) if geometric else (self.mean or 0.0, self.std or 0.0)
        out = empty(len(y), self.dtype)
        kn.int_from_normal(out, y, code, float(p0), float(p1), lo, hi)
        return out

    def _sample(self, block: Block) -> np.ndarray:
        out = empty(block.size, self.dtype)
        if self.distribution == "uniform":
            assert self.min is not None and self.max is not None
            span = self.max - self.min + 1
            if self.unique:
                half = feistel_half_bits(span)
                kn.fill_unique_int(out, block.key, block.start, self.min, np.uint64(span % 2**64), half)
            else:
                kn.fill_uniform_int(out, block.key, block.start, self.min, np.uint64(span % 2**64))
        else:
            info = np.iinfo(self.dtype)
            lo = info.min if self.min is None else self.min
            hi = info.max if self.max is None else self.max
            p0, p1 = {
                "normal": (self.mean, self.std),
                "poisson": (self.lam, 0.0),
                "geometric": (self.p, 0.0),
                "zipf": (self.a, 0.0),
            }[self.distribution]
            code = kn.INT_DISTRIBUTIONS[self.distribution]
            kn.fill_int(out, block.key, block.start, code, float(p0), float(p1), lo, hi)  # type: ignore[arg-type]
        return out


@FIELDS.register("float")
@dataclass(frozen=True, kw_only=True)
class FloatField(_Numeric):
    """Floating-point numbers. As in the seed format, ``mean`` and ``std`` give a normal distribution
    whose values are clipped to [min, max]; with only ``min`` and ``max`` the values are uniform."""

    distribution: Literal["normal", "uniform", "lognormal", "exponential", "beta", "gamma"] | None = None
    """normal (mean, std), uniform (min, max), lognormal (mu, sigma of the logarithm), exponential
    (scale), beta (a, b), gamma (shape, scale). Default: normal if mean or std is given, else uniform."""
    min: float | None = None
    """Lower bound: the start of a uniform range, else values below it are clipped to it."""
    max: float | None = None
    """Upper bound: the end of a uniform range, else values above it are clipped to it."""
    mean: float | None = None
    """Mean of the normal distribution."""
    std: float | None = None
    """Standard deviation of the normal distribution (>= 0)."""
    mu: float | None = None
    """Mean of the logarithm of a lognormal value."""
    sigma: float | None = None
    """Standard deviation of the logarithm of a lognormal value (>= 0)."""
    scale: float | None = None
    """Scale of the exponential and gamma distributions (> 0)."""
    shape: float | None = None
    """Shape of the gamma distribution (> 0)."""
    a: float | None = None
    """First shape of the beta distribution (> 0)."""
    b: float | None = None
    """Second shape of the beta distribution (> 0)."""
    decimals: int | None = None
    """Round to this many decimal places (0 to 15)."""
    dtype: FloatDtype = "float64"
    """Arrow floating-point type of the column."""

    @property
    def _distribution(self) -> str:
        if self.distribution is not None:
            return self.distribution
        return "normal" if self.mean is not None or self.std is not None else "uniform"

    def __post_init__(self) -> None:
        super().__post_init__()
        _check_params(self, self._distribution, _FLOAT_PARAMS)
        for option in ("min", "max", "mean", "std", "mu", "sigma", "scale", "shape", "a", "b"):
            value = getattr(self, option)
            if value is not None and not math.isfinite(value):
                raise self.error(f"{option}={value!r} is not a finite number")
        _check_range(self, self.min, self.max)
        for option in ("std", "sigma"):
            value = getattr(self, option)
            if value is not None and value < 0:
                raise self.error(f"{option}={value!r} is negative; allowed: {option} >= 0")
        for option in ("scale", "shape", "a", "b"):
            value = getattr(self, option)
            if value is not None and value <= 0:
                raise self.error(f"{option}={value!r} is not positive; allowed: {option} > 0")
        if self.decimals is not None and not 0 <= self.decimals <= 15:
            raise self.error(f"decimals={self.decimals!r} is outside [0, 15]")
        self._check_reach()

    def _check_reach(self) -> None:
        """Refuse parameters whose values can leave the dtype's finite range (inf, or NaN after
        arithmetic on inf) where min and max do not clip them: known from the parameters alone, since
        the samplers' draws are bounded (a normal's |z| stays below 10 with 64-bit uniforms, a standard
        exponential below 45)."""
        largest = float(np.finfo(self.dtype).max)
        for option in ("min", "max"):
            value = getattr(self, option)
            if value is not None and abs(value) > largest:
                raise self.error(f"{option}={value!r} is beyond what {self.dtype} holds (+-{largest:.4g})")
        low, high, what = self._reach()
        if self._distribution == "uniform" and not math.isfinite(high - low):
            raise self.error(
                f"{what} span more than a float holds (max - min overflows); allowed: a narrower range"
            )
        if self.min is not None:
            low, high = max(low, self.min), max(high, self.min)
        if self.max is not None:
            low, high = min(low, self.max), min(high, self.max)
        if math.isfinite(low) and math.isfinite(high) and max(abs(low), abs(high)) <= largest:
            return
        raise self.error(
            f"{what} can make values beyond what {self.dtype} holds (+-{largest:.4g}); allowed: parameters "
            "whose values stay finite, or min and max to clip them"
        )

    def _reach(self) -> tuple[float, float, str]:
        """The lowest and highest values the distribution can draw, before clipping (may be inf), and
        its parameters as text."""
        with np.errstate(over="ignore"):
            dist = self._distribution
            if dist == "normal":
                mean, std = self.mean or 0.0, self.std or 0.0
                spread = float(np.float64(std) * 10.0)
                return mean - spread, mean + spread, f"mean={mean!r}, std={std!r}"
            if dist == "uniform":
                low, high = (self.min or 0.0), (1.0 if self.max is None else self.max)
                return low, high, f"min={low!r}, max={high!r}"
            if dist == "lognormal":
                assert self.mu is not None and self.sigma is not None
                exponent = self.mu + 10.0 * self.sigma
                high = math.exp(exponent) if exponent < 709.0 else math.inf
                return 0.0, high, f"mu={self.mu!r}, sigma={self.sigma!r}"
            if dist == "exponential":
                assert self.scale is not None
                return 0.0, float(np.float64(self.scale) * 45.0), f"scale={self.scale!r}"
            if dist == "gamma":
                assert self.shape is not None and self.scale is not None
                d = max(self.shape, 1.0)
                top = float(np.float64(d) * (1.0 + 10.0 / (3.0 * math.sqrt(d))) ** 3 * self.scale)
                return 0.0, top, f"shape={self.shape!r}, scale={self.scale!r}"
            return 0.0, 1.0, "beta"

    def correlatable(self) -> bool:
        return self._distribution in ("normal", "uniform", "lognormal", "exponential")

    def _parameters(self) -> tuple[int, float, float, float, float, float]:
        dist = self._distribution
        lo = -np.inf if self.min is None else self.min
        hi = np.inf if self.max is None else self.max
        params = {
            "normal": (self.mean, self.std),
            "uniform": (0.0 if self.min is None else self.min, 1.0 if self.max is None else self.max),
            "lognormal": (self.mu, self.sigma),
            "exponential": (self.scale, 0.0),
            "beta": (self.a, self.b),
            "gamma": (self.shape, self.scale),
        }[dist]
        scale = 0.0 if self.decimals is None else 10.0**self.decimals
        return kn.FLOAT_DISTRIBUTIONS[dist], float(params[0]), float(params[1]), lo, hi, scale  # type: ignore[arg-type]

    def from_normal(self, y: np.ndarray) -> np.ndarray:
        out = empty(len(y), self.dtype)
        kn.float_from_normal(out, y, *self._parameters())
        return out

    def _sample(self, block: Block) -> np.ndarray:
        out = empty(block.size, self.dtype)
        kn.fill_float(out, block.key, block.start, *self._parameters())
        return out


@FIELDS.register("bool")
@dataclass(frozen=True, kw_only=True)
class BoolField(Field):
    """Booleans, true with probability ``p``, written straight into Arrow's packed bits."""

    p: float = 0.5
    """Probability of true, in [0, 1]."""

    def __post_init__(self) -> None:
        super().__post_init__()
        if not 0.0 <= self.p <= 1.0:
            raise self.error(f"p={self.p!r} is outside [0, 1]")

    def arrow_type(self) -> pa.DataType:
        return pa.bool_()

    def correlatable(self) -> bool:
        return True

    def from_normal(self, y: np.ndarray) -> np.ndarray:
        """True where the quantile of the standard normal ``y`` is in the top ``p``: false comes first,
        as a category's first choice does, so a larger normal means true."""
        return y >= self._threshold  # as a category: the second choice from its threshold on

    @cached_property
    def _threshold(self) -> float:
        return float(normal_thresholds([1.0 - self.p, self.p])[0])

    def generate(self, block: Block) -> pa.Array:
        y = block.correlated_normal()
        if y is None:
            bits = block.bits(self.p)
        else:
            bits = pa.py_buffer(np.packbits(self.from_normal(y), bitorder="little"))
        return pa.Array.from_buffers(pa.bool_(), block.size, [None, bits])
