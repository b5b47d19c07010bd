"""``cart`` and ``rf``: sequential tree models sampled by a numba kernel from their leaves' donors."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pyarrow as pa
import pytest

import fastsynth
import fastsynth.models
from fastsynth.errors import MissingDependencyError, SchemaError, UsageError
from fastsynth.models.trees import Cart

ROOT = Path(__file__).resolve().parents[2]
METHODS = ["cart", "rf"]
CITIES = {"lima": 1_000, "oslo": 5_000, "pune": 9_000}


def mixed(rows: int = 3_000, seed: int = 0) -> pa.Table:
    """A table of every kind of column, with relations between them: y follows x, income follows city,
    the flag follows income."""
    rng = np.random.default_rng(seed)
    x = rng.normal(size=rows)
    city = rng.choice(list(CITIES), rows)
    income = np.array([CITIES[c] for c in city]) + rng.normal(0, 100, rows)
    days = rng.integers(0, 1_000, rows)
    return pa.table(
        {
            "x": x,
            "y": 2 * x + rng.normal(0, 0.1, rows),
            "city": city,
            "income": pa.array(np.rint(income).astype(np.int16)),
            "flag": pa.array(income > 6_000),
            "when": pa.array(np.datetime64("2023-01-01", "us") + days * np.timedelta64(1, "D")),
            "score": pa.array(
                np.where(rng.random(rows) < 0.2, None, rng.normal(size=rows)).tolist(), pa.float64()
            ),
            "grade": pa.array(rng.choice(["a", "b", None], rows).tolist()).dictionary_encode(),
        }
    )


@pytest.fixture(scope="module")
def data() -> pa.Table:
    return mixed()


@pytest.fixture(scope="module", params=METHODS)
def fitted(request, data):
    return request.param, _fit_given(data, request.param, ["city"], seed=1)


def _fit_given(data: pa.Table, method: str, given: list[str], seed: int) -> fastsynth.Schema:
    """A schema whose model is fitted with ``given`` columns first, as conditioning fits it."""
    model = fastsynth.models.METHODS.get(method).fit(data, {}, seed=seed, target=None, given=given)
    return fastsynth.Schema(fields=(), model=model)


@pytest.mark.slow
def test_rows_have_the_data_s_columns_and_types(fitted, data):
    _, schema = fitted
    made = fastsynth.generate(schema, 5_000, seed=3)
    assert made.num_rows == 5_000
    assert made.schema == data.schema
    assert 0.1 < made["score"].null_count / 5_000 < 0.3  # drawn at the observed rate (0.2)
    assert made["grade"].null_count > 0  # null is a category of a category column


def test_values_are_values_of_the_data(fitted, data):
    _, schema = fitted
    made = fastsynth.generate(schema, 5_000, seed=3)
    for name in ("city", "income", "when", "grade", "score"):
        seen = set(data[name].to_pylist())
        assert set(made[name].to_pylist()) <= seen, name


def test_dependencies_are_kept_far_better_than_by_independent_columns(fitted, data):
    _, schema = fitted
    made = fastsynth.generate(schema, 20_000, seed=3)
    x, y = made["x"].to_numpy(), made["y"].to_numpy()
    independent = np.random.default_rng(0).permutation(y)
    error = np.mean((y - 2 * x) ** 2)
    assert error < 0.05 * np.mean((independent - 2 * x) ** 2)
    assert np.corrcoef(x, y)[0, 1] > 0.98
    city, income = np.array(made["city"].to_pylist()), made["income"].to_numpy()
    for name, centre in CITIES.items():
        assert abs(np.median(income[city == name]) - centre) < 300, name
    flag = made["flag"].to_numpy(zero_copy_only=False)
    assert np.mean(flag == (income > 6_000)) > 0.95


def test_rows_depend_on_the_seed_and_the_row_only(fitted):
    _, schema = fitted
    whole = fastsynth.generate(schema, 3_000, seed=5)
    assert fastsynth.generate(schema, 3_000, seed=5).equals(whole)
    assert fastsynth.generate(schema, 3_000, seed=5, batch_size=700).equals(whole)
    assert fastsynth.generate(schema, 1_000, seed=5, start=1_500).equals(whole.slice(1_500, 1_000))
    other = fastsynth.generate(schema, 3_000, seed=6)
    assert not other["x"].equals(whole["x"])
    assert not other["city"].equals(whole["city"])


@pytest.mark.subprocess
def test_a_model_file_loaded_in_a_fresh_process_makes_the_same_rows(fitted, tmp_path):
    method, schema = fitted
    path = tmp_path / f"{method}.fsm"
    schema.save(path)
    expected = tmp_path / "expected.arrow"
    with pa.OSFile(str(expected), "wb") as sink, pa.ipc.new_file(sink, schema.arrow_schema()) as writer:
        writer.write_table(fastsynth.generate(schema, 2_000, seed=9, start=100))
    script = (
        "import sys, pyarrow as pa, fastsynth\n"
        "schema = fastsynth.Schema.load(sys.argv[1])\n"
        "made = fastsynth.generate(schema, 2_000, seed=9, start=100)\n"
        "expected = pa.ipc.open_file(sys.argv[2]).read_all()\n"
        "assert made.equals(expected), 'rows differ'\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", script, str(path), str(expected)],
        capture_output=True,
        text=True,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
        timeout=120,
    )
    assert result.returncode == 0, result.stderr


def test_given_columns_take_the_given_values_and_the_rest_follow(fitted):
    method, schema = fitted
    model = schema.model
    assert model.givable() == {"city"}
    rows = 4_000
    wanted = pa.array(["oslo"] * (rows // 2) + ["pune"] * (rows // 2))
    made = model.make(4, 0, rows, given={"city": wanted})
    assert made["city"].equals(wanted)
    income = made["income"].to_numpy()
    assert abs(np.median(income[: rows // 2]) - CITIES["oslo"]) < 300, method
    assert abs(np.median(income[rows // 2 :]) - CITIES["pune"]) < 300, method
    # the given row's value, not the batch, decides: the same row alone gives the same values
    alone = model.make(4, 10, 1, given={"city": wanted.slice(10, 1)})
    assert alone["income"].equals(made["income"].slice(10, 1))


def test_given_values_must_be_seen_categories_and_the_fitted_prefix(fitted):
    _, schema = fitted
    model = schema.model
    with pytest.raises(UsageError, match=r"given city='rome' was not seen in the data; seen: "):
        model.make(0, 0, 2, given={"city": pa.array(["oslo", "rome"])})
    with pytest.raises(UsageError, match=r"given columns income are not the first of those .*\(city\)"):
        model.make(0, 0, 2, given={"income": pa.array([1, 2], pa.int16())})
    with pytest.raises(UsageError, match="given city has 1 values for 2 rows"):
        model.make(0, 0, 2, given={"city": pa.array(["oslo"])})


def test_a_given_number_between_seen_ones_conditions_like_its_neighbours(data):
    model = _fit_given(data, "cart", ["x"], seed=0).model
    x = pa.array(np.full(2_000, 0.123456789))  # unseen, between two seen values
    y = model.make(1, 0, 2_000, given={"x": x})["y"].to_numpy()
    assert abs(np.median(y) - 2 * 0.123456789) < 0.2


@pytest.mark.parametrize(
    ("method", "options", "message"),
    [
        ("cart", {"min_samples_leaf": 0}, "min_samples_leaf=0 is not an integer >= 1"),
        ("cart", {"max_depth": "deep"}, "max_depth='deep' is not"),
        ("cart", {"n_estimators": 5}, "unknown option 'n_estimators'; allowed: max_depth, min_samples_leaf"),
        ("rf", {"n_estimators": 0}, r"n_estimators=0 is not an integer in \[1, 1000\]"),
        ("rf", {"max_features": "half"}, "max_features='half' is not"),
        ("rf", {"max_features": 1.5}, "max_features=1.5 is not"),
        ("cart", {"visit": ["nope"]}, "visit names 'nope', not a column; columns: x, y, city"),
        ("cart", {"visit": ["x", "x"]}, r"visit=\['x', 'x'\] names a column twice"),
    ],
)
def test_bad_options_are_refused_by_name(data, method, options, message):
    with pytest.raises(UsageError, match=message):
        fastsynth.fit(data, method=method, **options)


def test_bad_given_and_unfittable_columns_are_refused(data):
    with pytest.raises(UsageError, match="given names 'nope', not a column"):
        _fit_given(data, "cart", ["nope"], seed=0)
    with pytest.raises(UsageError, match="method 'cart': the data has no rows"):
        Cart.fit(data.slice(0, 0), {}, seed=0, target=None)
    listed = pa.table({"a": [1, 2], "tags": pa.array([[1], [2]])})
    with pytest.raises(UsageError, match=r"column 'tags' of type list<item: int64> cannot be fitted"):
        fastsynth.fit(listed, method="cart")


def test_visit_order_and_target_decide_what_conditions_on_what(data):
    model = fastsynth.fit(data, method="cart", target="x", visit=["income", "city"]).model
    assert model.visit[:2] == ("income", "city") and model.visit[-1] == "x"
    # options and the visiting order survive a model file's document
    restored = type(model).from_parts(model.to_document(), model.tables())
    assert restored.visit == model.visit
    assert pa.table(restored.make(2, 0, 500)).equals(pa.table(model.make(2, 0, 500)))


@pytest.mark.slow
def test_rf_draws_from_several_trees(data):
    one = fastsynth.fit(data, method="rf", n_estimators=1, seed=2).model
    many = fastsynth.fit(data, method="rf", n_estimators=4, max_features="sqrt", seed=2).model
    assert len(many.arrays["roots"]) > len(one.arrays["roots"])
    made = pa.table(many.make(0, 0, 2_000))
    assert np.corrcoef(made["x"].to_numpy(), made["y"].to_numpy())[0, 1] > 0.95


def test_odd_columns_constant_all_null_and_one_row():
    table = pa.table(
        {
            "same": ["k"] * 50,
            "none": pa.array([None] * 50, pa.float64()),
            "n": np.arange(50, dtype=np.uint8),
        }
    )
    made = pa.table(fastsynth.fit(table, method="cart").model.make(0, 0, 100))
    assert made.schema == table.schema
    assert set(made["same"].to_pylist()) == {"k"} and made["none"].null_count == 100
    single = pa.table({"a": [1.5], "b": ["z"]})
    assert (
        fastsynth.generate(fastsynth.fit(single, method="rf"), 3, seed=0).to_pylist()
        == [{"a": 1.5, "b": "z"}] * 3
    )


def test_a_damaged_model_file_is_refused(fitted):
    _, schema = fitted
    model = schema.model
    tables = dict(model.tables())
    nodes = tables["nodes"]
    child = nodes.column("child").to_numpy().copy()
    split = int(np.flatnonzero(child >= 0)[0])
    child[split] = split  # a loop: the walk would never end
    tables["nodes"] = nodes.set_column(0, "child", pa.array(child))
    with pytest.raises(SchemaError, match="children are not later nodes of its tree"):
        type(model).from_parts(model.to_document(), tables)
    tables = dict(model.tables())
    del tables["donors"]
    with pytest.raises(SchemaError, match="lacks tables donors"):
        type(model).from_parts(model.to_document(), tables)


def test_kernel_walks_end_in_the_leaves_scikit_learn_gives(data):
    """The kernel's walk (as its numpy twin here) reaches, for each training row, a leaf whose donors
    include that row's own value: the leaf scikit-learn's ``apply`` put it in."""
    model = fastsynth.fit(data.select(["x", "y"]), method="cart", min_samples_leaf=20).model
    a = model.arrays
    xs = model.columns[0].features[
        np.searchsorted(model.columns[0].values.to_numpy()[: model.columns[0].present], data["x"].to_numpy())
    ]
    node = np.full(len(xs), a["roots"][a["tree_start"][1]])
    while (a["child"][node] >= 0).any():
        inner = a["child"][node] >= 0
        step = a["child"][node] + (xs.astype(np.float64) > a["threshold"][node])
        node = np.where(inner, step, node)
    ys = model.columns[1].values.to_numpy()
    y_codes = np.argsort(np.argsort(data["y"].to_numpy()))  # ranks: y has no ties, its codes are ranks
    assert np.array_equal(np.sort(ys), ys)
    for row in range(0, len(xs), 97):
        start, count = a["donor_start"][node[row]], a["donor_count"][node[row]]
        assert count >= 20
        assert y_codes[row] in a["donors"][start : start + count]


def test_missing_scikit_learn_names_the_real_extra(monkeypatch, data):
    monkeypatch.setitem(sys.modules, "sklearn.tree", None)  # import fails as if not installed
    with pytest.raises(
        MissingDependencyError, match=r"needs 'scikit-learn': pip install 'fastsynth\[real\]'"
    ):
        Cart.fit(data, {}, seed=0, target=None)
