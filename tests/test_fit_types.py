"""``fit`` keeps a column's type: narrow integers and floats are not widened to int64 or double, in the
fitted schema or in the rows it makes."""

from __future__ import annotations

import numpy as np
import pandas as pd
import polars as pl
import pyarrow as pa
import pytest

import fastsynth

NARROW = [pa.int8(), pa.int16(), pa.int32(), pa.int64(), pa.uint8(), pa.uint16(), pa.uint32(), pa.float32()]


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
    made_values = made.column("v").to_numpy()
    assert made_values.min() >= values.min() and made_values.max() <= values.max()
    assert abs(np.corrcoef(made_values, made.column("w").to_numpy())[0, 1]) > 0.95  # the copula holds


def test_fit_keeps_types_from_pandas_and_polars():
    frame = pd.DataFrame(
        {"age": np.arange(100, dtype=np.int16), "score": np.linspace(0, 1, 100, dtype=np.float32)}
    )
    for data in (frame, pl.from_pandas(frame)):
        made = fastsynth.generate(fastsynth.fit(data), 300, seed=1)
        assert made.schema.field("age").type == pa.int16()
        assert made.schema.field("score").type == pa.float32()


def test_fit_maps_types_the_field_lacks_to_the_nearest_wider_one():
    table = pa.table(
        {"big": pa.array(np.arange(10, dtype=np.uint64)), "half": pa.array(np.arange(10, dtype=np.float16))}
    )
    fields = fastsynth.fit(table).to_dict()["fields"]
    assert fields["big"]["dtype"] == "int64" and fields["half"]["dtype"] == "float32"


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
