"""``fit`` keeps a column's type: narrow integers and floats are not widened to int64 or double, in the
fitted schema or in the rows it makes."""

from __future__ import annotations

import numpy as np
import pandas as pd
import polars as pl
import pyarrow as pa
import pytest

import fastsynth

NARROW = [
    pa.int8(),
    pa.int16(),
    pa.int32(),
    pa.int64(),
    pa.uint8(),
    pa.uint16(),
    pa.uint32(),
    pa.uint64(),
    pa.float32(),
    pa.float16(),
]


@pytest.mark.parametrize("kind", NARROW, ids=str)
def test_fit_keeps_narrow_number_types(kind):
    rng = np.random.default_rng(5)
    high = 100 if kind.bit_width == 8 else 30_000
    values = rng.integers(0 if pa.types.is_unsigned_integer(kind) else -high, high, 2_000)
    table = pa.table({"v": pa.array(values).cast(kind), "w": pa.array(values * 2.0)})
    schema = fastsynth.fit(table).to_dict()
    assert schema["fields"]["v"].get("dtype", "float64") == str(kind.to_pandas_dtype().__name__)
    made = fastsynth.generate(schema, 5_000, seed=2)
    assert made.schema.field("v").type == kind
    assert made.schema.field("w").type == pa.float64()
    made_values, kept = made.column("v").to_numpy(), table.column("v").to_numpy()  # float16 rounds
    assert made_values.min() >= kept.min() and made_values.max() <= kept.max()
    assert abs(np.corrcoef(made_values, made.column("w").to_numpy())[0, 1]) > 0.95  # the copula holds


def test_fit_keeps_types_from_pandas_and_polars():
    frame = pd.DataFrame(
        {"age": np.arange(100, dtype=np.int16), "score": np.linspace(0, 1, 100, dtype=np.float32)}
    )
    for data in (frame, pl.from_pandas(frame)):
        made = fastsynth.generate(fastsynth.fit(data), 300, seed=1)
        assert made.schema.field("age").type == pa.int16()
        assert made.schema.field("score").type == pa.float32()


@pytest.mark.parametrize("kind", [pa.int64(), pa.uint64()], ids=str)
def test_fit_keeps_64_bit_integers_at_the_edges_of_their_range(kind):
    """float64 rounds 2**63 - 1 and 2**64 - 1 up to the next power of two, past the type: the fitted
    quantiles stop at the largest float64 the type holds, and made values stay in range."""
    info = np.iinfo(kind.to_pandas_dtype())
    values = pa.array([int(info.min), int(info.min) + 1, 0, int(info.max) - 1, int(info.max)] * 40, kind)
    schema = fastsynth.fit(pa.table({"v": values}))
    made = fastsynth.generate(schema, 2_000, seed=4).column("v")
    assert made.type == kind
    numbers = made.to_numpy()
    assert numbers.min() >= info.min and numbers.max() <= info.max
    assert numbers.max() > info.max // 2  # the top of the range is made, not wrapped round


def test_fit_keeps_half_floats_through_every_file_format(tmp_path):
    table = pa.table({"half": pa.array(np.linspace(-4, 4, 500, dtype=np.float16))})
    made = fastsynth.generate(fastsynth.fit(table), 1_000, seed=3)
    assert made.schema.field("half").type == pa.float16()
    half = made.column("half").to_numpy()
    assert half.min() >= -4 and half.max() <= 4
    for suffix in ("csv", "jsonl", "parquet", "arrow"):
        out = tmp_path / f"made.{suffix}"
        with fastsynth.open_sink(out, made.schema) as sink:
            for batch in made.to_batches():
                sink.write(batch)
        assert out.stat().st_size > 100, suffix
    back = pl.read_parquet(tmp_path / "made.parquet")
    assert back["half"].cast(pl.Float32).to_list() == made.column("half").cast(pa.float32()).to_pylist()


@pytest.mark.parametrize(
    ("dtype", "quantiles", "message"),
    [
        ("float16", [0, 1e5], r"quantiles from 0 to 100000 do not fit dtype float16 \[-65504, 65504\]"),
        ("float32", [-1e39, 0], r"do not fit dtype float32 \[-3.40282e\+38, 3.40282e\+38\]"),
        ("timestamp", [0, 1e19], r"do not fit dtype timestamp \[-9.22337e\+18, 9.22337e\+18\]"),
        ("date", [0, 3e9], r"do not fit dtype date \[-2.14748e\+09, 2.14748e\+09\]"),
    ],
)
def test_empirical_refuses_quantiles_its_type_cannot_hold(dtype, quantiles, message):
    """Values past a float's range would be infinite (null in JSON), past a time's would wrap."""
    with pytest.raises(fastsynth.SchemaError, match=message):
        fastsynth.Schema.from_dict(
            {"fields": {"v": {"type": "empirical", "quantiles": quantiles, "dtype": dtype}}}
        )
    with pytest.raises(fastsynth.SchemaError, match="decimals=1: allowed for dtypes float64 and float32"):
        fastsynth.Schema.from_dict(
            {"fields": {"v": {"type": "empirical", "quantiles": [0, 1], "dtype": "float16", "decimals": 1}}}
        )


def test_empirical_refuses_quantiles_outside_its_type():
    with pytest.raises(
        fastsynth.SchemaError, match=r"quantiles from 0 to 300 do not fit dtype uint8 \[0, 255\]"
    ):
        fastsynth.Schema.from_dict(
            {"fields": {"v": {"type": "empirical", "quantiles": [0, 300], "dtype": "uint8"}}}
        )
    with pytest.raises(fastsynth.SchemaError, match=r"decimals=2: allowed for dtypes float64 and float32"):
        fastsynth.Schema.from_dict(
            {"fields": {"v": {"type": "empirical", "quantiles": [0, 3], "dtype": "int8", "decimals": 2}}}
        )
    made = fastsynth.generate(
        {"fields": {"v": {"type": "empirical", "quantiles": [0, 3], "dtype": "float32", "decimals": 1}}},
        50,
        seed=1,
    )
    assert made.schema.field("v").type == pa.float32()
    assert np.allclose(made.column("v").to_numpy() * 10, np.rint(made.column("v").to_numpy() * 10), atol=1e-4)
