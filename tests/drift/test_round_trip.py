"""Nothing lost in a round trip through ``inject_drift``: a pandas DataFrame keeps its index, a polars
DataFrame its dtypes, and each comes back as the kind of object it was."""

from __future__ import annotations

import numpy as np
import pandas as pd
import polars as pl
import pytest

import fastsynth

SHIFT = {"type": "shift", "columns": ["x"], "magnitude": 1.0, "unit": "absolute", "rows": {"start": 2}}


@pytest.mark.parametrize(
    "index",
    [
        pd.Index([1042, 7, 311, 95, 12], name="patient_id"),
        pd.Index(["p5", "p1", "p9", "p2", "p0"]),
        pd.RangeIndex(100, 110, 2, name="row"),
        pd.date_range("2024-01-01", periods=5, freq="h", name="when"),
        pd.MultiIndex.from_tuples(
            [("a", 1), ("a", 2), ("b", 1), ("b", 2), ("c", 1)], names=["site", "visit"]
        ),
    ],
    ids=["ints", "labels", "range", "dates", "multi"],
)
def test_pandas_keeps_its_index(index):
    frame = pd.DataFrame({"x": np.arange(5.0), "group": list("abcab")}, index=index)
    drifted, _ = fastsynth.inject_drift(frame, [SHIFT])
    assert isinstance(drifted, pd.DataFrame)
    pd.testing.assert_index_equal(drifted.index, frame.index)
    assert drifted["x"].tolist() == [0.0, 1.0, 3.0, 4.0, 5.0]
    assert drifted["group"].tolist() == list("abcab")
    assert list(drifted.columns) == ["x", "group"]


def test_pandas_keeps_dtypes_and_takes_a_weight_column():
    frame = pd.DataFrame(
        {
            "x": np.arange(5.0, dtype=np.float32),
            "n": pd.array([1, None, 3, 4, 5], dtype="Int16"),
            "c": pd.Categorical(list("abcab"), ordered=True),
        },
        index=pd.Index([9, 8, 7, 6, 5], name="id"),
    )
    drifted, _ = fastsynth.inject_drift(
        frame,
        [SHIFT, {"type": "new_category", "columns": ["c"], "value": "z", "rate": 1.0, "rows": {"start": 4}}],
        weight_column="w",
    )
    assert drifted.index.tolist() == [9, 8, 7, 6, 5] and drifted.index.name == "id"
    assert drifted.dtypes.to_dict() == {**frame.dtypes.to_dict(), "c": drifted["c"].dtype, "w": np.float32}
    assert drifted["c"].dtype.ordered and drifted["c"].tolist() == list("abcaz")
    assert drifted["w"].tolist() == [0, 0, 1, 1, 1]


def test_polars_keeps_row_order_and_dtypes():
    frame = pl.DataFrame(
        {
            "x": pl.Series(np.arange(5.0), dtype=pl.Float32),
            "small": pl.Series([1, 2, 3, 4, 5], dtype=pl.Int8),
            "kind": pl.Series(list("abaab"), dtype=pl.Enum(["a", "b"])),
            "tag": pl.Series(["xx", "yy", "xx", "yy", "xx"], dtype=pl.Categorical),
        }
    )
    drifted, _ = fastsynth.inject_drift(
        frame,
        [SHIFT, {"type": "shift", "columns": ["small"], "magnitude": 1, "unit": "absolute"}],
    )
    assert isinstance(drifted, pl.DataFrame)
    assert drifted.schema == frame.schema
    assert drifted["x"].to_list() == [0.0, 1.0, 3.0, 4.0, 5.0]
    assert drifted["kind"].to_list() == list("abaab")


def test_a_polars_enum_whose_values_drift_out_of_it_keeps_them():
    """Typos in an Enum column make values the Enum does not hold: polars would read them as nulls."""
    frame = pl.DataFrame({"kind": pl.Series(["alpha", "beta"] * 50, dtype=pl.Enum(["alpha", "beta"]))})
    drifted, log = fastsynth.inject_drift(frame, [{"type": "typos", "columns": ["kind"], "rate": 1.0}])
    assert drifted["kind"].null_count() == 0
    assert drifted["kind"].dtype == pl.Categorical
    assert (
        log.entries[0]["changed"]["kind"]
        == (drifted["kind"].cast(pl.String) != frame["kind"].cast(pl.String)).sum()
    )
    same, _ = fastsynth.inject_drift(frame, [{"type": "nulls", "columns": ["kind"], "rate": 0.5}])
    assert same["kind"].dtype == frame["kind"].dtype  # values still in the Enum: it stays an Enum
