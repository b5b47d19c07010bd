"""The seed's RealGenerator and RealBlockGenerator, called as the seed calls them."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from fastsynth.compat.calmops import RealBlockGenerator, RealGenerator
from fastsynth.errors import UsageError


@pytest.fixture(scope="module")
def frame() -> pd.DataFrame:
    rng = np.random.default_rng(5)
    n = 2_000
    city = rng.choice(["Paris", "Lyon"], n, p=[0.8, 0.2])
    return pd.DataFrame(
        {
            "age": rng.integers(18, 90, n),
            "income": np.where(city == "Paris", 50.0, 30.0) + rng.normal(0, 2, n),
            "city": city,
            "block": np.repeat([1, 2, 3, 4], n // 4),
        }
    )


def test_real_generator_as_the_seed_calls_it(frame: pd.DataFrame, tmp_path) -> None:
    generator = RealGenerator(auto_report=False, random_state=42)
    out = generator.generate(
        frame.drop(columns="block"),
        1_000,
        method="resample",
        target_col="city",
        custom_distributions={"city": {"Paris": 0.5, "Lyon": 0.5}},
        constraints=[{"col": "age", "op": ">=", "val": 30}, {"col": "city", "op": "!=", "val": "Nice"}],
        date_start="2024-01-01",
        date_every=100,
        date_step={"days": 1},
        save_dataset=True,
        output_dir=str(tmp_path),
    )
    assert isinstance(out, pd.DataFrame) and len(out) == 1_000
    assert list(out.columns) == ["age", "income", "city", "timestamp"]
    assert out["city"].value_counts().to_dict() == {"Paris": 500, "Lyon": 500}
    assert out["age"].min() >= 30
    assert out["timestamp"].nunique() == 10 and str(out["timestamp"].iloc[-1].date()) == "2024-01-10"
    saved = pd.read_csv(tmp_path / "synthetic_data_resample.csv")
    assert len(saved) == 1_000 and saved["age"].tolist() == out["age"].tolist()
    again = RealGenerator(auto_report=False, random_state=42).generate(
        frame.drop(columns="block"), 1_000, method="resample"
    )
    assert again.equals(
        RealGenerator(auto_report=False, random_state=42).generate(
            frame.drop(columns="block"), 1_000, method="resample"
        )
    )


def test_real_generator_balances_the_target(frame: pd.DataFrame) -> None:
    out = RealGenerator(auto_report=False).generate(
        frame, 600, method="resample", target_col="city", balance=True
    )
    assert out["city"].value_counts().to_dict() == {"Paris": 300, "Lyon": 300}


def test_real_block_generator_as_the_seed_calls_it(frame: pd.DataFrame) -> None:
    out = RealBlockGenerator(auto_report=False, random_state=1).generate(
        frame,
        output_dir=None,
        method="resample",
        block_column="block",
        n_samples_block={2: 100},
        date_start="2024-01-01",
        date_step={"months": 1},
    )
    assert out.groupby("block").size().to_dict() == {1: 500, 2: 100, 3: 500, 4: 500}
    assert out.groupby("block")["timestamp"].first().dt.month.tolist() == [1, 2, 3, 4]


@pytest.mark.parametrize(
    ("call", "message"),
    [
        ({"method": "diffusion"}, "method='diffusion' is not available; allowed: cart"),
        (
            {"drift_injection_config": [{"method": "x"}]},
            r"drift_injection_config\[0\]: method='x' is not a DriftInjector method",
        ),
        ({"constraints": [{"col": "age", "op": "~", "val": 3}]}, r"constraints\[0\]"),
        ({"save_dataset": True}, "needs output_dir"),
    ],
)
def test_what_the_facade_cannot_honour_is_refused(frame: pd.DataFrame, call: dict, message: str) -> None:
    with pytest.raises(UsageError, match=message):
        RealGenerator(auto_report=False).generate(frame, 10, **{"method": "resample", **call})


@pytest.mark.parametrize("unit", ["s", "ms", "us", "ns"])
def test_the_csv_writes_midnights_as_dates_in_any_unit(unit: str, tmp_path) -> None:
    import pyarrow as pa

    from fastsynth.compat import common

    days = np.array(["2023-11-15", "2023-11-16"], dtype="datetime64[D]")
    common.write_csv(pa.table({"t": pa.array(days.astype(f"datetime64[{unit}]"))}), str(tmp_path / "t.csv"))
    assert (tmp_path / "t.csv").read_text().split() == ['"t"', '"2023-11-15"', '"2023-11-16"']
    fraction = np.array(["2023-11-15T00:00:00.123"], dtype="datetime64[ms]").astype(f"datetime64[{unit}]")
    if unit != "s":  # a fraction of a second is written, not refused
        common.write_csv(pa.table({"t": pa.array(fraction)}), str(tmp_path / "f.csv"))
        assert ".123" in (tmp_path / "f.csv").read_text()
