"""Inputs a quality report must take or refuse cleanly: nested columns, types that differ between the
two tables, kinds that do not fit a column, through ``fastsynth.report`` and the CLI."""

from __future__ import annotations

import re

import numpy as np
import pyarrow as pa
import pytest

import fastsynth
from fastsynth.reporting.privacy import distances
from tests.cli_output import one_error_line


def _deep(depth: int) -> object:
    value: object = 1
    for _ in range(depth):
        value = [value]
    return value


@pytest.mark.slow
def test_a_deeply_nested_column_is_left_out_and_named_not_a_crash():
    # 900 levels of lists crashed polars (a segfault) when exact copies converted the table.
    real = pa.Table.from_pylist([{"deep": _deep(900), "status": s} for s in "abab" * 10])
    synthetic = pa.Table.from_pylist([{"deep": _deep(900), "status": s} for s in "aabb" * 10])
    document = fastsynth.report(real, synthetic).document
    assert document["kinds"]["deep"] == "text"
    assert document["privacy"]["skipped"] == ["deep"]
    assert document["privacy"]["exact_copies"]["count"] == 40  # equal on "status", the one compared column
    assert [c["column"] for c in document["column_shapes"]["columns"]] == ["status"]


def test_structs_and_maps_are_skipped_by_privacy():
    real = pa.table(
        {
            "s": pa.array([{"a": 1}, {"a": 2}]),
            "m": pa.array([[("k", 1)], [("k", 2)]], pa.map_(pa.string(), pa.int64())),
            "x": [1.0, 2.0],
        }
    )
    got = distances(real, real, {"s": "text", "m": "text", "x": "numerical"}, seed=0)
    assert got["skipped"] == ["s", "m"]
    assert got["exact_copies"]["count"] == 2


@pytest.mark.slow
def test_exact_copies_count_the_synthetic_rows_used_against_every_real_row():
    # The real table is sampled to 5,000 of its 10,000 rows, but each of the 1,000 synthetic rows
    # copies a real row: all of them are copies, not the ~half whose real row the sample kept.
    n = 10_000
    real = pa.table({"id": pa.array(range(n), pa.int64()), "g": [f"g{i % 7}" for i in range(n)]})
    synthetic = real.slice(0, 1_000)
    document = fastsynth.report(real, synthetic, max_rows=5_000).document
    assert document["sample"] == {"rows": 5_000, "seed": 0}
    assert document["privacy"]["exact_copies"] == {"count": 1_000, "share": 1.0}


@pytest.mark.slow
def test_exact_copies_share_is_over_the_synthetic_rows_used_when_they_are_sampled():
    n = 4_000
    real = pa.table({"id": pa.array(range(n), pa.int64())})
    synthetic = pa.table({"id": pa.array(range(n // 2, n // 2 + n), pa.int64())})  # half are copies
    document = fastsynth.report(real, synthetic, max_rows=1_000).document
    copies = document["privacy"]["exact_copies"]
    used = document["inputs"]["synthetic"]["used_rows"]
    assert used == 1_000
    assert copies["share"] == copies["count"] / used
    assert 0.4 < copies["share"] < 0.6


_BASE = pa.table(
    {
        "x": [1.5, 2.5, 3.5, 4.5] * 10,
        "c": ["a", "b", "a", "c"] * 10,
        "t": pa.array([0, 1_000, 2_000, 3_000] * 10, pa.timestamp("ms")),
    }
)


@pytest.fixture
def files(tmp_path):
    import pyarrow.parquet as pq

    mismatch = pa.table({name: _BASE.column(name).cast(pa.string()) for name in _BASE.column_names})
    pq.write_table(_BASE, tmp_path / "base.parquet")
    pq.write_table(mismatch, tmp_path / "mismatch.parquet")
    return tmp_path


def _cli(*args: str):
    from typer.testing import CliRunner

    from fastsynth.cli.app import app

    return CliRunner().invoke(app, ["report", *args])


def test_a_number_column_against_strings_is_refused_naming_both_types(files):
    with pytest.raises(fastsynth.UsageError, match=r"'x' is double \(numerical\).*but string"):
        fastsynth.report(files / "base.parquet", files / "mismatch.parquet")
    line = one_error_line(
        _cli(str(files / "base.parquet"), str(files / "mismatch.parquet"), "-o", str(files / "r"))
    )
    assert "'x'" in line and "double" in line and "string" in line


def test_real_integers_against_dictionary_strings_are_refused():
    real = pa.table({"n": pa.array(range(40), pa.int64())})
    synthetic = pa.table({"n": pa.array([str(i) for i in range(40)]).dictionary_encode()})
    with pytest.raises(fastsynth.UsageError, match=r"'n' is int64 \(numerical\)"):
        fastsynth.report(real, synthetic)


@pytest.mark.slow
def test_integers_against_doubles_and_codes_as_categories_are_fine():
    real = pa.table({"n": pa.array(range(40), pa.int64()), "code": pa.array([1, 2] * 20)})
    synthetic = pa.table({"n": pa.array([float(i) for i in range(40)]), "code": pa.array(["1", "2"] * 20)})
    document = fastsynth.report(real, synthetic, kinds={"code": "categorical"}).document
    assert document["column_shapes"]["columns"][0]["score"] == 1.0
    assert document["column_shapes"]["columns"][1]["score"] == 1.0


@pytest.mark.parametrize("kind", ["numerical", "datetime"])
def test_a_kind_that_does_not_fit_the_column_is_refused(files, kind):
    with pytest.raises(fastsynth.UsageError, match=rf"'c' is string, which kind '{kind}' does not fit.*text"):
        fastsynth.report(_BASE, _BASE, kinds={"c": kind})
    with pytest.raises(fastsynth.UsageError, match=rf"'c' is string, which kind '{kind}'"):
        fastsynth.report(_BASE, windows=2, kinds={"c": kind})  # drift takes kinds from the same place
    base = str(files / "base.parquet")
    line = one_error_line(_cli(base, base, "--kind", f"c={kind}", "-o", str(files / "r")))
    assert "'c'" in line and kind in line and "allowed for string: categorical, boolean, text" in line


def _with_empty_columns(seed: int) -> pa.Table:
    rows = 60
    return pa.table(
        {
            "x": [float((i * 7 + seed) % 13) for i in range(rows)],
            "z": pa.nulls(rows, pa.float64()),
            "s": pa.nulls(rows, pa.string()),
        }
    )


@pytest.mark.slow
def test_a_column_null_in_every_row_of_both_tables_is_reported_not_a_crash(tmp_path):
    made = fastsynth.report(_with_empty_columns(0), _with_empty_columns(1))
    assert made.document["discriminator"]["score"] is not None
    shapes = {c["column"]: c["score"] for c in made.document["column_shapes"]["columns"]}
    assert shapes["z"] is None and shapes["s"] is None
    assert made.save(tmp_path / "r.html")[0].read_text().lower().startswith("<!doctype html>")


@pytest.mark.slow
def test_a_page_that_fails_leaves_the_old_page_and_json_as_they_were(tmp_path, monkeypatch):
    from fastsynth.reporting.document import Report

    old = fastsynth.report(_BASE, _BASE)
    old.save(tmp_path / "r.html")
    before = {p.name: p.read_bytes() for p in tmp_path.iterdir()}

    def broken(self):
        raise RuntimeError("the page failed")

    monkeypatch.setattr(Report, "html", broken)
    newer = fastsynth.report(_BASE, _BASE.slice(0, 20))
    with pytest.raises(RuntimeError):
        newer.save(tmp_path / "r.html")
    assert {p.name: p.read_bytes() for p in tmp_path.iterdir()} == before


@pytest.mark.parametrize(
    ("output", "victim", "option"),
    [
        ("base.html", "base.json", "DATA"),  # the page's JSON sibling is the real data
        ("other.parquet", "other.parquet", "SYNTHETIC"),  # the page itself is the synthetic data
        ("other.json", "other.json", "SYNTHETIC"),
    ],
)
def test_an_output_that_would_overwrite_an_input_is_refused(tmp_path, output, victim, option):
    import pyarrow.parquet as pq

    (tmp_path / "base.json").write_text(_BASE.select(["x", "c"]).to_pandas().to_json(orient="records"))
    pq.write_table(_BASE.select(["x", "c"]), tmp_path / "other.parquet")
    pq.write_table(_BASE.select(["x", "c"]), tmp_path / "other.json")  # any name, as a user may
    data = tmp_path / "base.json"
    synthetic = tmp_path / ("other.json" if output == "other.json" else "other.parquet")
    before = {p.name: p.read_bytes() for p in tmp_path.iterdir()}
    line = one_error_line(_cli(str(data), str(synthetic), "-o", str(tmp_path / output)))
    assert option in line and victim in line
    assert {p.name: p.read_bytes() for p in tmp_path.iterdir()} == before


def _timed(rows: int = 600, unit: str = "s") -> pa.Table:
    import numpy as np

    rng = np.random.default_rng(4)
    seconds = rng.integers(0, 30 * 86_400, rows)
    when = (np.datetime64("2024-01-01", "s") + seconds.astype("timedelta64[s]")).astype(f"datetime64[{unit}]")
    return pa.table({"v": rng.normal(size=rows), "when": pa.array(when)})


@pytest.mark.parametrize(
    "retype",
    [
        lambda t: t.cast(pa.timestamp("ms")),  # a CSV's seconds against a Parquet file's milliseconds
        lambda t: t.cast(pa.date32()).cast(pa.timestamp("ns")),  # dates against nanoseconds
    ],
)
@pytest.mark.slow
def test_the_same_times_in_two_units_are_the_same_rows_to_every_measure(retype):
    real = _timed()
    if retype(real.column("when")).type == pa.timestamp("ns"):
        real = real.set_column(1, "when", real.column("when").cast(pa.date32()))
    copy = real.set_column(1, "when", retype(real.column("when")))
    document = fastsynth.report(real, copy).document
    assert document["privacy"]["exact_copies"]["share"] == 1.0
    assert document["privacy"]["dcr"]["median"] == 0.0 and document["privacy"]["dcr"]["share_zero"] == 1.0
    assert document["column_shapes"]["score"] == 1.0
    drift = fastsynth.report(copy, reference=real, windows=4).document
    when = next(c for c in drift["columns"] if c["column"] == "when")
    assert max(when["js"]) < 0.2 and drift["drifted_columns"] == []


@pytest.mark.slow
def test_real_strings_against_synthetic_numbers_compare_by_value_everywhere():
    # a category column: strings in one file, numbers in the other (a CSV of codes); privacy cast
    # the real strings to the synthetic integers and failed
    real = pa.table({"code": ["1", "2", "x"] * 20, "v": [float(i) for i in range(60)]})
    synthetic = pa.table({"code": [1, 2, 2] * 20, "v": [float(i) for i in range(60)]})
    document = fastsynth.report(real, synthetic).document
    assert document["privacy"]["exact_copies"]["count"] == 40
    assert document["discriminator"]["score"] is not None
    drift = fastsynth.report(synthetic, reference=real, windows=2).document
    assert [c["column"] for c in drift["columns"]] == ["code", "v"]


def test_reference_numbers_against_data_strings_are_refused_as_quality_refuses_them():
    numbers = pa.table({"v": [float(i) for i in range(60)]})
    strings = pa.table({"v": [f"s{i}" for i in range(60)]})
    with pytest.raises(fastsynth.UsageError, match=r"'v' is double \(numerical\).*but string"):
        fastsynth.report(numbers, strings)
    with pytest.raises(fastsynth.UsageError, match=r"'v' is double \(numerical\).*but string"):
        fastsynth.report(strings, reference=numbers, windows=2)


@pytest.mark.parametrize(
    ("options", "expected"),
    [
        (["--max-rows", "0"], "--max-rows 0 is not allowed"),
        (["--windows", "0"], "--windows 0 is not allowed"),
        (["--windows", "2", "--kind", "zz=categorical"], "--kind 'zz' is not a column"),
        (["--windows", "2", "--kind", "c=nope"], "--kind column 'c': kind 'nope' is unknown"),
        (["--windows", "2", "--seed", "-1"], "--seed -1 is not allowed; allowed: an integer >= 0"),
        ([], "or --blocks COLUMN, --windows N or --reference DATA for drift"),
    ],
)
def test_cli_errors_name_the_cli_options(files, options, expected):
    line = one_error_line(_cli(str(files / "base.parquet"), *options))
    assert expected in line, line


def test_cli_summary_says_1_column_not_1_columns(files):
    import pyarrow.parquet as pq

    pq.write_table(_BASE.select(["x"]), files / "one.parquet")
    result = _cli(str(files / "one.parquet"), "--windows", "2")
    assert result.exit_code == 0, result.output
    assert "1 column over 2 blocks" in result.output


def test_a_column_name_given_twice_is_refused_naming_it(files):
    # pyarrow's select by a repeated name raised a KeyError traceback
    twice = pa.table([pa.array([1, 2] * 20), pa.array([3, 4] * 20)], names=["a", "a"])
    with pytest.raises(fastsynth.UsageError, match=r"input 'real': column 'a' appears 2 times"):
        fastsynth.report(twice, twice)
    (files / "twice.csv").write_text("a,a\n1,2\n3,4\n")
    line = one_error_line(_cli(str(files / "twice.csv"), "--windows", "2"))
    assert "input 'twice.csv': column 'a' appears 2 times; allowed: each column name once" in line


@pytest.mark.parametrize(
    ("options", "message"),
    [
        ({"max_rows": 2.5}, "max_rows=2.5 is not allowed; allowed: an integer >= 1"),
        ({"max_rows": np.float64(10)}, "max_rows=np.float64(10.0) is not allowed; allowed: an integer >= 1"),
        ({"max_rows": "10"}, "max_rows='10' is not allowed; allowed: an integer >= 1"),
        ({"max_rows": True}, "max_rows=True is not allowed; allowed: an integer >= 1"),
        ({"max_rows": 0}, "max_rows=0 is not allowed; allowed: an integer >= 1"),
        ({"seed": -1}, "seed=-1 is not allowed; allowed: an integer >= 0"),
        ({"seed": np.int64(-1)}, "seed=np.int64(-1) is not allowed; allowed: an integer >= 0"),
        ({"seed": 1.0}, "seed=1.0 is not allowed; allowed: an integer >= 0"),
    ],
)
def test_a_sample_size_or_seed_out_of_range_is_refused_not_a_traceback(options, message):
    # numpy and scikit-learn raised TypeError / ValueError from deep inside the sampling
    with pytest.raises(fastsynth.UsageError, match=re.escape(message)):
        fastsynth.report(_BASE, _BASE, **{"max_rows": 10, **options})
    with pytest.raises(fastsynth.UsageError, match=re.escape(message)):
        fastsynth.report(_BASE, windows=2, **options)


def test_numpy_integers_are_integers_to_a_report():
    # max_rows=np.int64(10) and seed=np.int64(3) were refused as "not an integer"
    plain = fastsynth.report(_BASE, _BASE, max_rows=10, seed=3).document
    given = fastsynth.report(_BASE, _BASE, max_rows=np.int64(10), seed=np.uint64(3)).document
    assert given == plain
    assert type(given["sample"]["rows"]) is int and type(given["sample"]["seed"]) is int
    drift = fastsynth.report(_BASE, windows=2, seed=np.int32(3)).document
    assert drift == fastsynth.report(_BASE, windows=2, seed=3).document


@pytest.mark.parametrize("seed", [2**32, 2**40, 2**64 - 1, 2**70])
def test_a_seed_past_32_bits_makes_a_report(seed):
    # seeds past 2**32 - 1 (a generator's 64-bit seed, through POST /report) were refused; scikit-learn's
    # 32-bit seed is derived from the whole seed, so seed and seed + 2**32 do not give one discriminator
    quality = fastsynth.report(_BASE, _BASE, max_rows=10, seed=seed).document
    assert quality["sample"] == {"rows": 10, "seed": seed}
    assert quality["discriminator"]["auc"] is not None
    drift = fastsynth.report(_BASE, windows=2, seed=seed).document
    assert drift["baseline_sample"]["seed"] == seed


def test_a_seed_within_32_bits_is_the_discriminators_seed():
    from fastsynth.reporting import _sklearn_seed

    assert [_sklearn_seed(s) for s in (0, 7, 2**32 - 1)] == [0, 7, 2**32 - 1]
    assert _sklearn_seed(2**32) != 0 and _sklearn_seed(2**32 + 7) != 7
    assert all(0 <= _sklearn_seed(s) < 2**32 for s in (2**32, 2**40, 2**64 - 1, 2**70))
