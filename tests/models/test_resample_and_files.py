"""The ``resample`` method, model files (.fsm) and what fitting hands on to generation."""

from __future__ import annotations

import subprocess
import sys
import zipfile

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pytest

import fastsynth
from fastsynth.errors import SchemaError, UsageError


def test_resample_makes_rows_of_the_data(people: pa.Table) -> None:
    schema = fastsynth.fit(people, method="resample")
    made = fastsynth.generate(schema, 5_000, seed=3)
    assert made.schema == people.schema
    seen = set(zip(*(people.column(n).to_pylist() for n in people.column_names), strict=True))
    rows = zip(*(made.column(n).to_pylist() for n in made.column_names), strict=True)
    assert all(row in seen for row in rows)


def test_resample_rows_depend_on_the_row_alone(people: pa.Table) -> None:
    schema = fastsynth.fit(people, method="resample", noise=0.1)
    whole = fastsynth.generate(schema, 4_000, seed=5, batch_size=1_000)
    assert fastsynth.generate(schema, 700, seed=5, start=1_650).equals(whole.slice(1_650, 700))
    assert not fastsynth.generate(schema, 700, seed=6).equals(whole.slice(0, 700))


def test_noise_moves_numbers_by_the_share_of_their_spread_asked(people: pa.Table) -> None:
    made = fastsynth.generate(fastsynth.fit(people, method="resample", noise=0.5), 20_000, seed=1)
    income = made.column("income").to_numpy()
    spread = np.std(people.column("income").to_numpy())
    assert np.std(income) == pytest.approx(spread * np.sqrt(1 + 0.25), rel=0.05)
    assert made.schema.field("age").type == pa.int16()  # integers stay integers
    assert set(made.column("city").to_pylist()) <= {"Paris", "Lyon", "Nice"}  # text is not moved


def test_bad_options_are_named(people: pa.Table) -> None:
    with pytest.raises(UsageError, match=r"noise=-1"):
        fastsynth.fit(people, method="resample", noise=-1)
    with pytest.raises(UsageError, match=r"epochs"):
        fastsynth.fit(people, method="resample", epochs=3)
    with pytest.raises(UsageError, match=r"method='magic' is not a fitting method; allowed: .*resample"):
        fastsynth.fit(people, method="magic")
    with pytest.raises(UsageError, match=r"quantiles"):
        fastsynth.fit(people, method="copula", quantiles=1)


@pytest.mark.subprocess
def test_a_model_file_gives_the_same_rows_in_a_fresh_process(people: pa.Table, tmp_path) -> None:
    path = tmp_path / "people.fsm"
    schema = fastsynth.fit(people, method="resample", noise=0.05)
    schema.save(path)
    expected = fastsynth.generate(schema, 1_000, seed=9, start=77)
    script = (
        "import sys, fastsynth, pyarrow.ipc as ipc\n"
        f"table = fastsynth.generate(fastsynth.Schema.load({str(path)!r}), 1000, seed=9, start=77)\n"
        "with ipc.new_stream(sys.stdout.buffer, table.schema) as w: w.write_table(table)\n"
    )
    out = subprocess.run([sys.executable, "-c", script], capture_output=True, check=True).stdout
    assert pa.ipc.open_stream(out).read_all().equals(expected)


def test_a_copula_schema_is_saved_as_yaml_and_a_model_only_as_a_model_file(people, tmp_path) -> None:
    fastsynth.fit(people).save(tmp_path / "people.yaml")
    assert "type: category" in (tmp_path / "people.yaml").read_text()
    with pytest.raises(SchemaError, match=r"saved as a .fsm"):
        fastsynth.fit(people, method="resample").save(tmp_path / "people.yaml")


@pytest.mark.parametrize(
    ("entries", "message"),
    [
        ({"other.txt": "x"}, "has no schema.yaml"),
        ({"schema.yaml": "fields: {}"}, "has no 'model'"),
        ({"schema.yaml": "model: {method: resample}"}, "keeps its rows in its model file"),
        ({"schema.yaml": "model: {method: resample}", "tables/../../x.arrow": "x"}, "not a plain file name"),
        ({"schema.yaml": "model: {method: nope}"}, "unknown fitting method 'nope'"),
        ({"schema.yaml": "model: [1, 2"}, r"schema\.yaml: invalid YAML at line 1"),
    ],
)
def test_bad_model_files_are_refused_clearly(tmp_path, entries: dict[str, str], message: str) -> None:
    path = tmp_path / "bad.fsm"
    with zipfile.ZipFile(path, "w") as archive:
        for name, text in entries.items():
            archive.writestr(name, text)
    with pytest.raises(SchemaError, match=message):
        fastsynth.Schema.load(path)


def test_not_a_model_file(tmp_path) -> None:
    (tmp_path / "plain.fsm").write_text("hello")
    with pytest.raises(SchemaError, match="cannot be read"):
        fastsynth.Schema.load(tmp_path / "plain.fsm")
    with pytest.raises(SchemaError, match="does not exist"):
        fastsynth.Schema.load(tmp_path / "missing.fsm")


@pytest.mark.subprocess
def test_the_cli_fits_a_model_file_that_gen_uses(people: pa.Table, tmp_path) -> None:
    import pyarrow.parquet as pq

    pq.write_table(people, tmp_path / "people.parquet")
    fastsynth_cli = [sys.executable, "-m", "fastsynth"]
    fitted = subprocess.run(
        [
            *fastsynth_cli,
            "fit",
            "people.parquet",
            "--method",
            "resample",
            "--share",
            "city=Nice:0.5",
            "--share",
            "city=Paris:0.5",
            "--constraint",
            "age >= 40",
            "-o",
            "people.fsm",
        ],
        cwd=tmp_path,
        capture_output=True,
        text=True,
    )
    assert fitted.returncode == 0, fitted.stderr
    made = subprocess.run(
        [*fastsynth_cli, "gen", "people.fsm", "--rows", "1000", "--output", "more.parquet"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
    )
    assert made.returncode == 0, made.stderr
    more = pq.read_table(tmp_path / "more.parquet")
    assert more.num_rows == 1_000 and pc.min(more.column("age")).as_py() >= 40
    assert sorted(pc.value_counts(more.column("city")).to_pylist(), key=str) == [
        {"values": "Nice", "counts": 500},
        {"values": "Paris", "counts": 500},
    ]
    bad = subprocess.run(
        [*fastsynth_cli, "fit", "people.parquet", "--share", "city=Paris"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
    )
    assert bad.returncode != 0 and "COLUMN=VALUE:SHARE" in bad.stderr and "Traceback" not in bad.stderr


def _edited(path, tmp_path, edit) -> object:
    """A copy of the model file ``path`` with its schema.yaml changed by ``edit``."""
    import yaml

    copy = tmp_path / f"edited-{path.name}"
    with zipfile.ZipFile(path) as source, zipfile.ZipFile(copy, "w") as target:
        for info in source.infolist():
            data = source.read(info)
            if info.filename == "schema.yaml":
                document = yaml.safe_load(data)
                edit(document)
                data = yaml.safe_dump(document).encode()
            target.writestr(info.filename, data)
    return copy


def test_model_files_edited_into_nonsense_are_refused(people, tmp_path) -> None:
    schema = fastsynth.fit(
        people, method="resample", custom_distributions={"city": {"Nice": 0.5, "Lyon": 0.5}}
    )
    path = schema.save(tmp_path / "c.fsm")

    def shares(document):
        document["model"]["shares"]["city"]["Nice"] = 0.9

    def inner(document):
        document["model"]["inner"] = ["x"]

    for edit, message in ((shares, "the shares sum to 1.4"), (inner, "is not an object with a 'method'")):
        with pytest.raises(SchemaError, match=message):
            fastsynth.Schema.load(_edited(path, tmp_path, edit))


def test_the_tables_of_a_model_file_are_capped(people, tmp_path, monkeypatch) -> None:
    from fastsynth.models import files

    path = fastsynth.fit(people, method="resample").save(tmp_path / "r.fsm")
    monkeypatch.setattr(files, "MAX_TABLES", 1_000)
    with pytest.raises(SchemaError, match=r"its tables unpack to .* bytes; at most 1,000"):
        fastsynth.Schema.load(path)


def test_a_model_file_streams_with_the_continuous_engine(people: pa.Table, tmp_path) -> None:
    import json

    from typer.testing import CliRunner

    from fastsynth.cli.app import app

    schema = fastsynth.fit(people, method="resample", custom_distributions={"city": {"Lyon": 1.0}})
    schema.save(tmp_path / "people.fsm")
    out = tmp_path / "rows.jsonl"
    args = ["run", "--schema", str(tmp_path / "people.fsm"), "--continuous", "-n", "500", "--rate", "100000"]
    result = CliRunner().invoke(app, [*args, "-o", str(out)])
    assert result.exit_code == 0, result.output
    rows = [json.loads(line) for line in out.read_text().splitlines()]
    assert len(rows) == 500 and {row["city"] for row in rows} == {"Lyon"}


def test_noise_leaves_nan_and_infinities_as_they_are_and_moves_the_rest() -> None:
    # one infinity made the column's spread NaN, and every noisy value NaN
    rng = np.random.default_rng(2)
    values = np.r_[[np.nan] * 60, [np.inf] * 30, [-np.inf] * 10, rng.normal(size=900)]
    made = fastsynth.generate(
        fastsynth.fit(pa.table({"v": values}), method="resample", noise=0.5), 20_000, seed=1
    )
    out = made.column("v").to_numpy()
    assert np.isnan(out).mean() == pytest.approx(0.06, abs=0.01)
    assert (out == np.inf).mean() == pytest.approx(0.03, abs=0.01)
    assert (out == -np.inf).mean() == pytest.approx(0.01, abs=0.005)
    finite = out[np.isfinite(out)]
    assert np.std(finite) == pytest.approx(np.std(values[np.isfinite(values)]) * np.sqrt(1.25), rel=0.05)


@pytest.mark.parametrize(
    ("kind", "values"),
    [
        (pa.uint64(), [2**64 - 1, 2**64 - 2, 2**63, None]),
        (pa.int64(), [2**63 - 1, -(2**63), 0, None]),
        (pa.float32(), [3e38, -3e38, 0.0, None]),
    ],
    ids=str,
)
def test_noise_stops_at_the_bounds_of_the_type_without_wrapping(kind, values) -> None:
    # 2**64 - 1 plus noise came out as 0, and 2**63 - 1 as -2**63: float64 rounded them past the type
    column = pa.array(values * 100, kind)
    made = fastsynth.generate(
        fastsynth.fit(pa.table({"v": column}), method="resample", noise=0.1), 4_000, seed=1
    )
    out = made.column("v")
    assert out.type == kind
    assert out.null_count / 4_000 == pytest.approx(0.25, abs=0.03)
    present = out.drop_null().to_pylist()
    assert all(np.isfinite(present))  # floats stop at their largest finite value
    # rows drawn from a value near one end of the range stay near it, not at the other end of the type
    given = [v for v in values if v is not None]
    low, high = min(given), max(given)
    for end in (low, high):
        near = [abs(v - end) <= (high - low) / 4 for v in given]
        made_near = [abs(v - end) <= (high - low) / 4 for v in present]
        assert np.mean(made_near) == pytest.approx(np.mean(near), abs=0.05), end


@pytest.mark.parametrize(
    "kind",
    [pa.int8(), pa.int16(), pa.int32(), pa.int64(), pa.uint16(), pa.uint64(), pa.float32(), pa.float64()],
    ids=str,
)
def test_noise_on_ordinary_values_is_the_plain_sum_whatever_path_computes_it(kind) -> None:
    # the narrow types add in float64 and the 64-bit ones in saturating integers, checking bounds only
    # when a step could reach them: on values away from the ends, each is the plain rounded sum
    from fastsynth.models import draws
    from fastsynth.models.resample import _jitter

    rng = np.random.default_rng(5)
    values = rng.integers(50, 100, 3_000)  # steps of 2 standard deviations stay clear of 0
    column = pa.array(values, kind, mask=rng.random(3_000) < 0.1)
    for part in (column, column.slice(7, 2_000)):  # a slice: its nulls start inside a byte of the bitmap
        noise = 2.0 * draws.normal(np.uint64(9), 11, len(part))
        given = part.fill_null(0).to_numpy().astype(np.float64)
        plain = given + (noise if pa.types.is_floating(kind) else np.rint(noise))
        expected = pa.array(plain, mask=part.is_null().to_numpy(zero_copy_only=False)).cast(kind)
        assert _jitter(part, 2.0, np.uint64(9), 11).equals(expected)


def test_noise_on_floats_near_the_largest_keeps_a_finite_spread() -> None:
    # the spread squared values near 1e308 past float64: an overflow warning, an infinite spread, and
    # every noisy value pushed to one end of the type
    values = pa.array([1e308, -1e308, 0.0, 1.0, np.inf] * 200)
    made = fastsynth.generate(
        fastsynth.fit(pa.table({"v": values}), method="resample", noise=1e-6), 5_000, seed=1
    )
    out = made.column("v").to_numpy()
    largest = np.finfo(np.float64).max
    assert (out == np.inf).mean() == pytest.approx(0.2, abs=0.03)
    finite = out[np.isfinite(out)]
    assert (np.abs(finite) < 1e304).mean() == pytest.approx(0.5, abs=0.05)  # 0 and 1 moved by about 1e302
    assert np.isin(np.abs(finite), [largest]).mean() < 0.45  # some ends pushed past stop at the largest
