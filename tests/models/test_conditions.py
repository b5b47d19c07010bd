"""Conditioning: exact shares of values, balanced targets, constraints met by every row."""

from __future__ import annotations

import numpy as np
import polars as pl
import pyarrow as pa
import pyarrow.compute as pc
import pytest

import fastsynth
from fastsynth.errors import UsageError

SHARES = {"city": {"Paris": 0.2, "Lyon": 0.3, "Nice": 0.5}}


def _counts(table: pa.Table, column: str) -> dict:
    return dict(pl.from_arrow(table)[column].value_counts().iter_rows())


@pytest.mark.parametrize("method", ["resample", "copula"])
def test_custom_distributions_give_exact_shares_and_the_rest_follows(people, method: str) -> None:
    schema = fastsynth.fit(people, method=method, custom_distributions=SHARES)
    made = fastsynth.generate(schema, 10_000, seed=4)
    assert _counts(made, "city") == {"Paris": 2_000, "Lyon": 3_000, "Nice": 5_000}
    means = pl.from_arrow(made).group_by("city").agg(pl.col("income").mean())
    by_city = dict(means.iter_rows())
    for city, expected in (("Paris", 50.0), ("Lyon", 30.0), ("Nice", 20.0)):
        assert by_city[city] == pytest.approx(expected, abs=0.6)  # income still follows the city
    whole = fastsynth.generate(schema, 10_000, seed=4, batch_size=3_333)
    assert whole.column("income").to_pylist() == made.column("income").to_pylist()
    part = fastsynth.generate(schema, 900, seed=4, start=4_321)
    assert part.column("income").to_pylist() == made.column("income").to_pylist()[4_321:5_221]


def test_shares_are_exact_in_every_group_of_rows(people) -> None:
    schema = fastsynth.fit(
        people, method="resample", custom_distributions={"member": {True: 0.25, False: 0.75}}
    )
    made = fastsynth.generate(schema, 4_000, seed=1).column("member").to_numpy(zero_copy_only=False)
    assert (made.reshape(-1, 4).sum(axis=1) == 1).all()  # the smallest exact group is 4 rows


def test_balance_target_gives_equal_classes(people) -> None:
    schema = fastsynth.fit(people, method="resample", target="city", balance_target=True)
    assert _counts(fastsynth.generate(schema, 3_000, seed=2), "city") == {
        "Paris": 1_000,
        "Lyon": 1_000,
        "Nice": 1_000,
    }


@pytest.mark.parametrize("method", ["resample", "copula"])
def test_constraints_hold_on_every_row(people, method: str) -> None:
    schema = fastsynth.fit(people, method=method, constraints=["age >= 60", "income > 25 OR city = 'Nice'"])
    frame = pl.from_arrow(fastsynth.generate(schema, 20_000, seed=8))
    assert frame["age"].min() >= 60
    assert frame.filter((pl.col("income") <= 25) & (pl.col("city") != "Nice")).height == 0
    ages = frame["age"].to_numpy()
    assert 60 <= ages.mean() <= 80 and len(np.unique(ages)) > 20  # redrawn, not clipped


def test_a_constraint_almost_nothing_meets_is_an_error_at_fit(people) -> None:
    with pytest.raises(UsageError, match=r"age > 200.*reject nearly every row"):
        fastsynth.fit(people, method="resample", constraints=["age > 200"])


@pytest.mark.parametrize(
    ("options", "message"),
    [
        ({"custom_distributions": {"town": {"x": 1.0}}}, "'town' is not a column"),
        ({"custom_distributions": {"city": {"Rome": 1.0}}}, "'Rome' is not a value of the column"),
        ({"custom_distributions": {"city": {"Paris": 0.5, "Lyon": 0.4}}}, "sum to 0.9; they must sum to 1"),
        ({"custom_distributions": {"city": {"Paris": -1, "Lyon": 2}}}, "share -1 of 'Paris'"),
        ({"balance_target": True}, "balance_target needs target"),
        ({"constraints": ["age >>> 3"]}, r"constraints\[0\]='age >>> 3' is not a SQL predicate"),
        ({"constraints": ["age + 1"]}, "not true or false"),
        ({"constraints": ["height > 3"]}, r"constraints\[0\]"),
    ],
)
def test_bad_conditions_are_named(people, options: dict, message: str) -> None:
    with pytest.raises(UsageError, match=message):
        fastsynth.fit(people, method="resample", **options)


def test_copula_conditions_one_column(people) -> None:
    with pytest.raises(UsageError, match="one column at a time"):
        fastsynth.fit(people, custom_distributions={**SHARES, "member": {True: 0.5, False: 0.5}})


@pytest.mark.slow
def test_conditioned_models_are_saved_and_loaded(people, tmp_path) -> None:
    for method in ("resample", "copula"):
        schema = fastsynth.fit(people, method=method, custom_distributions=SHARES, constraints=["age < 50"])
        schema.save(tmp_path / f"{method}.fsm")
        loaded = fastsynth.Schema.load(tmp_path / f"{method}.fsm")
        assert fastsynth.generate(loaded, 2_000, seed=3).equals(fastsynth.generate(schema, 2_000, seed=3))


@pytest.mark.slow
def test_draws_are_measured_so_that_a_rare_constraint_holds_over_many_rows(people) -> None:
    schema = fastsynth.fit(people, method="resample", constraints=["income > 52"])  # about 10% kept
    assert 150 < schema.model.draws < 1_000
    made = fastsynth.generate(schema, 300_000, seed=3)
    assert pc.min(made.column("income")).as_py() > 52
    with pytest.raises(
        UsageError, match=r"reject nearly every row the model makes \(\d\.\d+% of 10,000 kept\)"
    ):
        fastsynth.fit(people, method="resample", constraints=["income > 58"])


@pytest.mark.slow
def test_redrawn_rows_keep_the_model_s_categories(people, tmp_path) -> None:
    """Batches of any size carry the model's own dictionary, so an Arrow file takes them all."""
    import pyarrow.ipc as ipc

    coded = people.set_column(0, "city", pc.dictionary_encode(people.column("city")))
    schema = fastsynth.fit(coded, method="cart", constraints=["income > 40 OR member"])
    assert pa.types.is_dictionary(schema.arrow_schema().field("city").type)
    whole = fastsynth.generate(schema, 2_000, seed=5)
    assert (
        fastsynth.generate(schema, 2_000, seed=5, batch_size=7)
        .combine_chunks()
        .equals(whole.combine_chunks())
    )
    with ipc.new_file(tmp_path / "rows.arrow", schema.arrow_schema()) as writer:
        for batch in fastsynth.iter_batches(schema, 500, batch_size=7, seed=5):
            writer.write_batch(batch)


def test_shares_read_text_as_the_column_s_type(people) -> None:
    schema = fastsynth.fit(
        people,
        method="resample",
        custom_distributions={"member": {"true": 0.5, "false": 0.5}},
        constraints="age > 20",
    )
    made = fastsynth.generate(schema, 1_000, seed=1)
    assert _counts(made, "member") == {True: 500, False: 500} and pc.min(made.column("age")).as_py() > 20
    for bad in ("city", {"city": 5}, {"city": "Paris"}):
        with pytest.raises(UsageError, match="custom_distributions"):
            fastsynth.fit(people, method="resample", custom_distributions=bad)
