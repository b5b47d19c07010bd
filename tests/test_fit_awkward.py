"""``fit`` on awkward real data: repeated and empty column names, dictionaries of values other than
text, files that are not UTF-8, oversized options. Each is fitted right or refused in one line naming
the column, the value and what is allowed."""

from __future__ import annotations

import datetime

import numpy as np
import pyarrow as pa
import pytest
from typer.testing import CliRunner

import fastsynth
from fastsynth.cli.app import app
from tests.cli_output import one_error_line


@pytest.mark.parametrize("method", ["copula", "resample"])
def test_a_column_name_given_twice_is_refused_naming_it(method):
    # the copula raised pyarrow's KeyError from table.column(name)
    table = pa.table([pa.array([1, 2] * 50), pa.array([3, 4] * 50)], names=["a", "a"])
    with pytest.raises(fastsynth.UsageError, match=r"fit: column 'a' appears 2 times; allowed"):
        fastsynth.fit(table, method=method)


def test_fit_and_report_refuse_a_column_name_twice_in_one_wording():
    # the check was written twice, in fit and in the report's inputs, and their messages differed
    table = pa.table([pa.array([1, 2] * 50), pa.array([3, 4] * 50)], names=["a", "a"])
    said = []
    for where, call in [("fit", fastsynth.fit), ("input 'data'", lambda t: fastsynth.report(t, windows=2))]:
        with pytest.raises(fastsynth.UsageError) as refused:
            call(table)
        assert str(refused.value).startswith(f"{where}: ")
        said.append(str(refused.value).removeprefix(f"{where}: "))
    assert (
        said[0]
        == said[1]
        == "column 'a' appears 2 times; allowed: each column name once (rename or drop the others)"
    )


def test_the_fit_command_refuses_a_csv_with_a_column_name_twice(tmp_path):
    (tmp_path / "twice.csv").write_text("a,a\n1,2\n3,4\n")
    line = one_error_line(CliRunner().invoke(app, ["fit", str(tmp_path / "twice.csv")]))
    assert "column 'a' appears 2 times" in line


def test_a_dictionary_keeps_the_type_of_its_values():
    # dictionaries of integers, floats and booleans became text ("1", "2"); of dates, text dates
    n = 900
    table = pa.table(
        {
            "code": pa.array([1, 2, None] * (n // 3)).dictionary_encode(),
            "rate": pa.array([1.5, 2.5, 3.5] * (n // 3)).dictionary_encode(),
            "flag": pa.array([True, False, True] * (n // 3)).dictionary_encode(),
            "day": pa.array(
                [datetime.date(2020, 1, 1), datetime.date(2021, 6, 1), None] * (n // 3)
            ).dictionary_encode(),
            "n": np.arange(n),
        }
    )
    schema = fastsynth.fit(table)
    assert sorted(schema.to_dict()["fields"]["code"]["categories"]) == [1, 2]
    made = fastsynth.generate(schema, 6_000, seed=1)
    assert made.schema.field("code").type.value_type == pa.int64()
    assert made.schema.field("rate").type.value_type == pa.float64()
    assert made.schema.field("flag").type.value_type == pa.bool_()
    assert made.schema.field("day").type == pa.date32()
    assert set(made.column("code").drop_null().to_pylist()) == {1, 2}
    assert set(made.column("rate").to_pylist()) == {1.5, 2.5, 3.5}
    days = made.column("day").drop_null().to_pylist()
    assert datetime.date(2020, 1, 1) <= min(days) and max(days) <= datetime.date(2021, 6, 1)
    for name in ("code", "day"):  # a third null in the data, a third in the rows made
        assert made.column(name).null_count / 6_000 == pytest.approx(1 / 3, abs=0.03)


def test_a_column_with_an_empty_name_is_refused_by_position():
    table = pa.table([pa.array([1, 2] * 50), pa.array([3, 4] * 50)], names=["b", ""])
    with pytest.raises(fastsynth.UsageError, match=r"fit: column #2 has an empty name; allowed: named"):
        fastsynth.fit(table)
    made = fastsynth.generate(fastsynth.fit(table, method="resample"), 10, seed=1)
    assert made.column_names == ["b", ""]  # a model keeps the name as it is


@pytest.mark.parametrize("quantiles", [100_001, 10**18])
def test_quantiles_are_capped_before_anything_is_allocated(quantiles):
    # 10**18 quantiles asked numpy for 7 EiB: a MemoryError traceback
    with pytest.raises(
        fastsynth.UsageError, match=rf"quantiles={quantiles} is not an integer in \[2, 100000\]"
    ):
        fastsynth.fit(pa.table({"a": np.arange(10.0)}), quantiles=quantiles)


def test_a_csv_that_is_not_utf8_is_refused_saying_so(tmp_path):
    path = tmp_path / "latin1.csv"
    path.write_bytes(b"name,v\n" + "café,1\nnaïve,2\n".encode("latin-1") * 20)
    line = one_error_line(CliRunner().invoke(app, ["fit", str(path)]))
    assert "column 'name' is binary" in line and "not UTF-8" in line
