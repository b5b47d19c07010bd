"""Schemas fitted on data (empirical marginals and a Gaussian copula) make rows distributed like it."""

from __future__ import annotations

import json
import subprocess
import sys

import numpy as np
import pandas as pd
import polars as pl
import pyarrow as pa
import pyarrow.compute as pc
import pytest
import yaml
from scipy.stats import ks_2samp

import fastsynth
from fastsynth.errors import SchemaError, UsageError

REAL = {
    "fields": {
        "age": {"type": "int", "distribution": "normal", "mean": 40, "std": 12, "min": 18, "max": 90},
        "income": {"type": "float", "distribution": "lognormal", "mu": 10.5, "sigma": 0.6},
        "score": {"type": "float", "distribution": "normal", "mean": 0, "std": 1, "null_rate": 0.1},
        "when": {"type": "datetime", "start_date": "2020-01-01", "end_date": "2023-12-31"},
        "status": {"type": "category", "categories": ["a", "b", "c"], "probabilities": [0.7, 0.2, 0.1]},
        "flag": {"type": "bool", "p": 0.3},
    },
    "correlations": [
        {"columns": ["age", "income", "score"], "matrix": [[1, 0.6, -0.3], [0.6, 1, 0.2], [-0.3, 0.2, 1]]}
    ],
}
NUMERIC = ["age", "income", "score"]


@pytest.fixture(scope="module")
def real() -> pa.Table:
    return fastsynth.generate(REAL, 200_000, seed=1)


@pytest.fixture(scope="module")
def fitted(real) -> tuple[dict, pa.Table]:
    document = fastsynth.fit(real).to_dict()
    return document, fastsynth.generate(document, 200_000, seed=2)


def correlations(table: pa.Table) -> np.ndarray:
    m = np.column_stack([table.column(c).to_numpy(zero_copy_only=False) for c in NUMERIC]).astype(float)
    return np.corrcoef(m[np.isfinite(m).all(axis=1)], rowvar=False)


@pytest.mark.slow
def test_fitted_columns_have_the_datas_distributions_and_types(real, fitted):
    document, fake = fitted
    assert fake.schema.field("age").type == pa.int64() and fake.schema.field("when").type == pa.timestamp("s")
    for name in ("age", "income", "score"):
        got, want = fake.column(name).drop_null().to_numpy(), real.column(name).drop_null().to_numpy()
        assert ks_2samp(got, want).statistic < 0.01, name
    seconds = [t.column("when").cast(pa.int64()).to_numpy() for t in (fake, real)]
    assert ks_2samp(*seconds).statistic < 0.01
    assert abs(fake.column("score").null_count / 200_000 - 0.1) < 0.005
    assert document["fields"]["score"]["null_rate"] == pytest.approx(0.1, abs=0.003)
    shares = fake.column("status").value_counts().to_pylist()
    assert {s["values"]: round(s["counts"] / 200_000, 2) for s in shares} == {"a": 0.7, "b": 0.2, "c": 0.1}
    assert document["fields"]["flag"] == {"type": "bool", "p": pytest.approx(0.3, abs=0.003)}


def test_fitted_numeric_columns_keep_their_correlations(real, fitted):
    _, fake = fitted
    assert np.abs(correlations(fake) - correlations(real)).max() < 0.02


def test_a_fit_is_deterministic_and_takes_polars_and_pandas(real):
    part = real.slice(0, 20_000).drop_columns(["when"])  # polars and pandas keep no seconds unit
    document = fastsynth.fit(part).to_dict()
    assert fastsynth.fit(part).to_dict() == document
    assert fastsynth.fit(pl.from_arrow(part)).to_dict() == document
    assert fastsynth.fit(part.to_pandas()).to_dict() == document
    assert json.loads(json.dumps(document)) == document  # plain JSON, to be saved and edited


def test_text_columns_keep_their_commonest_values():
    table = pa.table({"city": ["Paris"] * 6 + ["Lyon"] * 3 + ["Nice"]})
    document = fastsynth.fit(table, max_categories=2).to_dict()
    assert document["fields"]["city"] == {
        "type": "category",
        "categories": ["Paris", "Lyon"],
        "probabilities": [pytest.approx(6 / 9), pytest.approx(3 / 9)],
    }


def test_fit_refuses_what_it_cannot_fit():
    with pytest.raises(UsageError, match="fit: column 'tags' is list<item: string>; fitted types"):
        fastsynth.fit(pa.table({"tags": [["a"], ["b"]]}))
    with pytest.raises(UsageError, match="column 'x' holds only nulls"):
        fastsynth.fit(pa.table({"x": pa.array([None, None], pa.float64())}))
    with pytest.raises(UsageError, match="the data has no rows"):
        fastsynth.fit(pa.table({"x": pa.array([], pa.float64())}))
    with pytest.raises(UsageError, match=r"quantiles=1 is not an integer in \[2, 100000\]"):
        fastsynth.fit(pa.table({"x": [1.0]}), quantiles=1)


@pytest.mark.subprocess
def test_the_fit_command_writes_a_schema_that_gen_uses(tmp_path, real):
    import pyarrow.parquet as pq

    pq.write_table(real.slice(0, 50_000), tmp_path / "real.parquet")
    run = [sys.executable, "-m", "fastsynth"]
    done = subprocess.run(
        [*run, "fit", "real.parquet", "-o", "fitted.yaml"], cwd=tmp_path, capture_output=True, text=True
    )
    assert done.returncode == 0, done.stderr
    assert "fitted 6 columns of real.parquet into fitted.yaml" in done.stderr
    assert yaml.safe_load((tmp_path / "fitted.yaml").read_text())["fields"]["age"]["type"] == "empirical"
    made = subprocess.run(
        [*run, "gen", "fitted.yaml", "-n", "1000", "-o", "more.parquet"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
    )
    assert made.returncode == 0, made.stderr
    assert pq.read_table(tmp_path / "more.parquet").num_rows == 1000
    bad = subprocess.run(
        [*run, "fit", "real.parquet", "-o", "fitted.txt"], cwd=tmp_path, capture_output=True, text=True
    )
    assert (
        bad.returncode == 1
        and bad.stderr.strip() == "error: --output 'fitted.txt': give a .yaml, .yml, .json or .fsm file"
    )


# -- the empirical field --------------------------------------------------------------------------------


def test_empirical_values_follow_their_quantiles():
    schema = {
        "x": {"type": "empirical", "quantiles": [0, 1, 2, 10], "decimals": 2},
        "n": {"type": "empirical", "quantiles": [0, 0, 5, 5], "dtype": "int64"},
        "t": {
            "type": "empirical",
            "quantiles": [1_700_000_000_000, 1_700_000_100_000],
            "dtype": "timestamp",
            "unit": "ms",
        },
    }
    table = fastsynth.generate(schema, 300_000, seed=3)
    x = table.column("x").to_numpy()
    assert np.quantile(x, [1 / 3, 2 / 3]) == pytest.approx([1, 2], abs=0.02)
    assert x.min() >= 0 and x.max() <= 10 and np.array_equal(x, np.round(x, 2))
    n = table.column("n").to_numpy()
    assert table.schema.field("n").type == pa.int64() and set(np.unique(n)) <= set(range(6))
    assert np.mean(n <= 0) == pytest.approx(1 / 3 + 1 / 30, abs=0.01)  # rounding sends [0, 0.5) to 0
    assert table.schema.field("t").type == pa.timestamp("ms")
    assert fastsynth.generate(schema, 100, seed=3, start=5000).equals(table.slice(5000, 100))


@pytest.mark.parametrize(
    ("spec", "message"),
    [
        ({"quantiles": [3, 1]}, "quantiles must not decrease"),
        ({"quantiles": [1]}, "quantiles: give a list of 2 to 100,000 numbers"),
        ({"quantiles": ["x", 1]}, "quantiles[0]='x' is not a number"),
        ({"quantiles": [0, float("inf")]}, "quantiles[1]=inf is not a finite number"),
        (
            {"quantiles": [0, 1], "dtype": "int64", "decimals": 2},
            "decimals=2: allowed for dtypes float64 and float32",
        ),
        ({"quantiles": [0, 1], "dtype": "uint128"}, "dtype"),
        ({"quantiles": [-1, 1], "dtype": "uint64"}, "do not fit dtype uint64"),
    ],
)
def test_bad_empirical_fields_are_refused(spec, message):
    with pytest.raises(SchemaError, match="field 'x'") as caught:
        fastsynth.Schema.from_dict({"x": {"type": "empirical", **spec}})
    assert message in str(caught.value)


def test_pandas_is_only_an_input(real):
    assert isinstance(fastsynth.fit(pd.DataFrame({"a": [1.0, 2.0, 3.0]})), fastsynth.Schema)


def test_dates_stay_dates():
    import datetime as dt

    days = pa.array([dt.date(2020, 1, 1) + dt.timedelta(days=k * 7) for k in range(200)])
    document = fastsynth.fit(pa.table({"d": days, "x": np.arange(200.0)})).to_dict()
    assert document["fields"]["d"]["dtype"] == "date"
    made = fastsynth.generate(document, 10_000, seed=1).column("d")
    assert made.type == pa.date32()
    assert (
        pa.compute.min(made).as_py() >= dt.date(2020, 1, 1)
        and pa.compute.max(made).as_py() <= days[-1].as_py()
    )


def test_time_zones_are_kept_and_noise_correlations_are_zero():
    rng = np.random.default_rng(0)
    table = pa.table(
        {
            "at": pa.array(
                rng.integers(1_700_000_000, 1_800_000_000, 20_000), pa.timestamp("s", "Europe/Paris")
            ),
            "a": rng.normal(size=20_000),
            "b": rng.normal(size=20_000),
        }
    )
    document = fastsynth.fit(table).to_dict()
    assert document["fields"]["at"]["timezone"] == "Europe/Paris"
    assert fastsynth.generate(document, 10).schema.field("at").type == pa.timestamp("s", "Europe/Paris")
    matrix = np.array(document["correlations"][0]["matrix"])
    assert np.array_equal(matrix, np.eye(3))  # independent columns: sample correlations are noise


def test_nanosecond_times_big_ids_and_columns_of_no_finite_number() -> None:
    frame = pd.DataFrame(
        {
            "when": pd.date_range("2024-01-01", periods=50, freq="1D"),  # pandas' nanoseconds
            "id": np.arange(50, dtype=np.int64) * 10**16 + 10**18,  # past 2**53
        }
    )
    made = fastsynth.generate(fastsynth.fit(frame), 1_000, seed=1)
    when = made.column("when").cast(pa.int64()).to_numpy()
    assert when.min() >= frame["when"].min().value and when.max() <= frame["when"].max().value
    with pytest.raises(UsageError, match="column 'x' holds no finite number"):
        fastsynth.fit(pa.table({"x": pa.array([np.nan, np.inf]), "y": [1.0, 2.0]}))


@pytest.mark.parametrize("kind", [pa.float64(), pa.float32(), pa.float16()], ids=str)
def test_nan_in_a_dictionary_of_floats_is_fitted_as_missing(kind) -> None:
    # NaN was kept as a category, which the schema refuses (NaN equals nothing): fitting failed
    rng = np.random.default_rng(4)
    rates = rng.choice([0.5, 1.5, np.inf, np.nan, None], 2_000, p=[0.4, 0.3, 0.1, 0.15, 0.05])
    x = np.where(pd.isna(rates), 0.0, np.nan_to_num(rates.astype(float), posinf=3.0)) + rng.normal(size=2_000)
    data = pa.table({"r": pa.array(rates, pa.float64()).cast(kind).dictionary_encode(), "x": x})
    schema = fastsynth.fit(data)
    spec = schema.to_dict()["fields"]["r"]
    assert sorted(spec["categories"]) == [0.5, 1.5, np.inf]
    assert spec["null_rate"] == pytest.approx(0.2, abs=0.02)  # NaN and null rows alike
    made = fastsynth.generate(schema, 20_000, seed=1)
    rate = made.column("r").cast(pa.float64())
    assert rate.null_count / 20_000 == pytest.approx(0.2, abs=0.02)
    assert not pc.any(pc.is_nan(rate.drop_null())).as_py()
    present = rate.is_valid().to_numpy(zero_copy_only=False)
    together = np.corrcoef(
        np.nan_to_num(rate.to_numpy(zero_copy_only=False)[present], posinf=3.0),
        made.column("x").to_numpy()[present],
    )[0, 1]
    assert together > 0.3  # the rates still go with x
