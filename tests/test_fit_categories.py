"""``fit`` keeps how categories and booleans go with numbers (incomes by city): they enter the copula,
whose matrix is the normals' own (``kind: normal``); a hand-written Pearson group is unchanged."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pyarrow as pa
import pytest

import fastsynth
from fastsynth.errors import SchemaError

CITIES = {
    "Paris": (0.35, 1.8),
    "Lyon": (0.25, 1.2),
    "Nice": (0.15, 1.4),
    "Lille": (0.15, 0.9),
    "Brest": (0.1, 0.7),
}


@pytest.fixture(scope="module")
def real() -> pd.DataFrame:
    """Income depends on the city and on age; owning a home on age; 5% of cities missing."""
    rng = np.random.default_rng(11)
    n = 50_000
    names = list(CITIES)
    city = rng.choice(names, n, p=[CITIES[c][0] for c in names])
    age = np.clip(rng.normal(40, 12, n), 18, 90).round().astype(np.int64)
    factor = np.array([CITIES[c][1] for c in city])
    income = factor * np.exp(10 + 0.02 * (age - 40) + rng.normal(0, 0.4, n))
    owner = rng.random(n) < 1 / (1 + np.exp(-(age - 45) / 8))
    frame = pd.DataFrame({"city": city, "age": age, "income": income, "owner": owner})
    frame.loc[rng.random(n) < 0.05, "city"] = None
    return frame


@pytest.fixture(scope="module")
def fitted(real) -> tuple[dict, pd.DataFrame]:
    schema = fastsynth.fit(real)
    return schema.to_dict(), fastsynth.generate(schema, 50_000, seed=4).to_pandas()


def test_the_fitted_copula_holds_every_column_as_the_normals_matrix(fitted):
    document, _ = fitted
    (group,) = document["correlations"]
    assert group["kind"] == "normal" and set(group["columns"]) == {"city", "age", "income", "owner"}
    # Cities are listed in the order that lines them up with incomes, poorest first.
    assert document["fields"]["city"]["categories"] == ["Brest", "Lille", "Lyon", "Nice", "Paris"]
    reloaded = fastsynth.Schema.from_dict(document).to_dict()
    assert reloaded == document


def test_incomes_by_city_are_kept(real, fitted):
    _, fake = fitted
    want = real.groupby("city").income.mean()
    got = fake.groupby("city", observed=True).income.mean()
    assert np.abs(got[want.index] / want - 1).max() < 0.06
    spread = want.max() / want.min()  # 2.6: fitted independently, every city would have the same mean
    assert got.max() / got.min() == pytest.approx(spread, rel=0.06)


def test_shares_nulls_and_categories_are_the_datas(real, fitted):
    _, fake = fitted
    want = real.city.value_counts(normalize=True)
    got = fake.city.value_counts(normalize=True)
    assert set(got.index) == set(CITIES)  # only seen categories
    assert np.abs(got[want.index] - want).max() < 0.01
    assert fake.city.isna().mean() == pytest.approx(0.05, abs=0.005)
    assert fake.owner.mean() == pytest.approx(real.owner.mean(), abs=0.01)


def test_numbers_and_booleans_keep_their_correlations(real, fitted):
    _, fake = fitted
    columns = ["age", "income", "owner"]
    want, got = (f[columns].astype(float).corr().to_numpy() for f in (real, fake))
    assert np.abs(got - want).max() < 0.05
    assert want[0, 2] > 0.4  # owners are older: the boolean is related, not independent
    by_owner = fake.groupby("owner").age.mean() - real.groupby("owner").age.mean()
    assert np.abs(by_owner).max() < 1.0


def test_a_category_and_a_bool_follow_a_hand_written_group():
    document = {
        "fields": {
            "x": {"type": "float", "mean": 0, "std": 1},
            "size": {"type": "category", "categories": ["S", "M", "L"], "probabilities": [0.5, 0.3, 0.2]},
            "big": {"type": "bool", "p": 0.25},
        },
        "correlations": {
            "columns": ["x", "size", "big"],
            "kind": "normal",
            "matrix": [[1, 0.9, 0.9], [0.9, 1, 0.81], [0.9, 0.81, 1]],
        },
    }
    made = fastsynth.generate(document, 100_000, seed=1).to_pandas()
    shares = made["size"].value_counts(normalize=True)
    assert shares.to_dict() == pytest.approx({"S": 0.5, "M": 0.3, "L": 0.2}, abs=0.01)
    means = made.groupby("size", observed=True).x.mean()
    assert means["S"] < means["M"] < means["L"]  # a larger normal, a later category
    assert made.big.mean() == pytest.approx(0.25, abs=0.01)
    assert made[made.big].x.mean() > 1.0
    # Rows do not depend on how they are batched.
    again = fastsynth.generate(document, 1_000, seed=1, start=500, batch_size=77).to_pandas()
    assert again.equals(made.iloc[500:1500].reset_index(drop=True))


def test_a_pearson_group_is_still_solved_for_the_values_correlation():
    fields = {
        "a": {"type": "float", "distribution": "exponential", "scale": 1},
        "b": {"type": "float", "distribution": "lognormal", "mu": 0, "sigma": 1},
    }
    pearson = {"fields": fields, "correlations": [{"columns": ["a", "b"], "matrix": [[1, 0.5], [0.5, 1]]}]}
    normal = {**pearson, "correlations": [{**pearson["correlations"][0], "kind": "normal"}]}

    def measured(document: dict) -> float:
        made = fastsynth.generate(document, 200_000, seed=2)
        return float(np.corrcoef(made.column("a").to_numpy(), made.column("b").to_numpy())[0, 1])

    assert measured(pearson) == pytest.approx(0.5, abs=0.02)
    assert measured(normal) < 0.45  # the normals at 0.5: the skewed values correlate less
    assert fastsynth.Schema.from_dict(pearson).to_dict()["correlations"] == pearson["correlations"]


@pytest.mark.parametrize(
    ("group", "message"),
    [
        (
            {"columns": ["a", "b"], "matrix": [[1, 0], [0, 1]], "kind": "spearman"},
            "schema: correlations[0]: kind='spearman' is not allowed; allowed: pearson, normal",
        ),
        (
            {"columns": ["a", "b"], "matrix": [[1, 0], [0, 1]], "kind": 1},
            "schema: correlations[0]: kind=1 is not allowed; allowed: pearson, normal",
        ),
        (
            {"columns": ["a", "c"], "matrix": [[1, 0.2], [0.2, 1]], "kind": "normal"},
            "'c' cannot be correlated; allowed: float",
        ),
        (
            {"columns": ["a", "b"], "matrix": [[1, 1], [1, 1]], "kind": "normal"},
            "correlations[0]: the matrix is not positive definite; no set",
        ),
    ],
)
def test_bad_groups_are_refused_clearly(group, message):
    fields = {
        "a": {"type": "category", "categories": ["x", "y"]},
        "b": {"type": "bool"},
        "c": {"type": "category", "depends_on": "a", "categories": {"x": ["1"], "y": ["2"]}},
    }
    with pytest.raises(SchemaError) as caught:
        fastsynth.Schema.from_dict({"fields": fields, "correlations": [group]})
    assert message in str(caught.value)


def test_fit_orders_and_correlates_only_what_varies():
    table = pa.table(
        {
            "kind": ["a", "b"] * 500,
            "one": ["same"] * 1000,
            "flag": [True] * 1000,
            "x": np.arange(1000.0),
        }
    )
    document = fastsynth.fit(table).to_dict()
    assert document["correlations"][0]["columns"] == ["kind", "x"]  # constant columns left out
    assert fastsynth.fit(table, correlations=False).to_dict().get("correlations") is None
