"""SDV's synthesizers as fitting methods: the data's columns and types, rows that depend only on (seed,
row), given categories, model files that load only when trusted, the CLI. Few epochs on 300 rows (under
500, where ctgan would start worker processes): the rows are poor, the behaviour is the same."""

from __future__ import annotations

import concurrent.futures
import random
import subprocess
import sys
import textwrap

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

import fastsynth
from fastsynth.errors import SchemaError, UsageError

pytestmark = pytest.mark.slow  # importing SDV and torch alone takes seconds

METHODS = ["gaussian_copula", "ctgan", "tvae", "copulagan"]
STATUSES = ["a", "b", "c"]


@pytest.fixture(scope="module")
def real() -> pa.Table:
    rng = np.random.default_rng(0)
    n = 300
    status = rng.choice(STATUSES, n, p=[0.5, 0.3, 0.2])
    days = rng.integers(0, 1000, n)
    return pa.table(
        {
            "age": pa.array(rng.integers(18, 90, n), pa.int16()),
            "income": pa.array(
                np.where(rng.random(n) < 0.2, np.nan, rng.lognormal(10, 0.5, n)), from_pandas=True
            ),
            "status": pa.array(status),
            "flag": pa.array(rng.random(n) < 0.3),
            "when": pa.array(
                (np.datetime64("2020-01-01", "ms") + days * np.timedelta64(86_400_000, "ms")),
                pa.timestamp("ms", "UTC"),
            ),
        }
    )


@pytest.fixture(scope="module")
def fitted(real) -> dict[str, fastsynth.Schema]:
    return {
        method: fastsynth.fit(
            real,
            method=method,
            seed=1,
            chunk_rows=2048,
            **({} if method == "gaussian_copula" else {"epochs": 1}),
        )
        for method in METHODS
    }


def fresh(schema: fastsynth.Schema) -> fastsynth.Schema:
    """The schema with its model's cache of recent chunks emptied: rows sampled again, not remembered."""
    schema.model._chunks.clear()
    return schema


@pytest.mark.parametrize("method", METHODS)
def test_rows_have_the_data_columns_types_and_seen_categories(method, fitted, real):
    made = fastsynth.generate(fitted[method], 5000, seed=3)
    assert made.schema == real.schema
    assert made.num_rows == 5000
    assert set(made.column("status").to_pylist()) <= set(STATUSES)
    assert fitted[method].model.givable() == {"status", "flag"}


@pytest.mark.parametrize("method", METHODS)
def test_row_i_depends_only_on_seed_and_i(method, fitted):
    schema = fitted[method]
    whole = fastsynth.generate(fresh(schema), 5000, seed=3)  # three chunks of 2048
    assert fastsynth.generate(fresh(schema), 5000, seed=3).equals(whole)
    for start, size in ((0, 10), (2000, 300), (4095, 905)):  # inside, across, up to the end
        part = fastsynth.generate(fresh(schema), size, seed=3, start=start)
        assert part.equals(whole.slice(start, size)), (start, size)
    other = fastsynth.generate(fresh(schema), 5000, seed=4)
    assert not other.column("age").equals(whole.column("age"))
    # chunks differ from one another (each has its own seed), nulls included
    first, second = whole.slice(0, 2048), whole.slice(2048, 2048)
    assert not first.column("income").equals(second.column("income"))
    assert not first.column("income").is_null().equals(second.column("income").is_null())


def test_sampling_puts_back_the_process_generators_and_threads_agree(fitted):
    import torch

    model = fitted["ctgan"].model
    np.random.seed(5)
    random.seed(5)
    torch.manual_seed(5)
    expected = (np.random.random(), random.random(), torch.rand(1).item())
    np.random.seed(5)
    random.seed(5)
    torch.manual_seed(5)
    model._chunks.clear()
    model.make(1, 0, 10)
    assert (np.random.random(), random.random(), torch.rand(1).item()) == expected

    model._chunks.clear()
    serial = [model.make(2, k * 2048, 2048) for k in range(4)]
    model._chunks.clear()
    with concurrent.futures.ThreadPoolExecutor(4) as pool:
        threaded = list(pool.map(lambda k: model.make(2, k * 2048, 2048), range(4)))
    assert all(pa.table(a).equals(pa.table(b)) for a, b in zip(serial, threaded, strict=True))


def test_the_model_pickles_for_dask_workers(fitted):
    import pickle

    schema = fitted["tvae"]
    travelled = pickle.loads(pickle.dumps(schema))
    assert fastsynth.generate(travelled, 3000, seed=5).equals(fastsynth.generate(fresh(schema), 3000, seed=5))


@pytest.mark.parametrize("method", METHODS)
def test_given_values_are_exact_and_rows_do_not_depend_on_batches(method, fitted):
    model = fitted[method].model
    rng = np.random.default_rng(1)
    # two columns for the copula, which conditions natively; one for the others, which reject rows
    given = {"status": pa.array(rng.choice(["b", "c"], 2500))}
    if method == "gaussian_copula":
        given["flag"] = pa.array(rng.random(2500) < 0.5)
    model._chunks.clear()
    whole = model.make(7, 0, 2500, given=given)
    assert all(whole[name].equals(values) for name, values in given.items())
    assert not whole["age"].slice(0, 1000).equals(whole["age"].slice(1000, 1000))
    model._chunks.clear()
    part = model.make(7, 2000, 500, given={name: values.slice(2000, 500) for name, values in given.items()})
    assert all(part[name].equals(whole[name].slice(2000, 500)) for name in whole)
    with pytest.raises(
        UsageError, match="given column 'age' is not one it can be given; allowed: status, flag"
    ):
        model.make(7, 0, 3, given={"age": pa.array([1, 2, 3], pa.int16())})


def test_options_are_the_synthesizer_parameters(real):
    with pytest.raises(
        UsageError,
        match=r"epoch=1 is not an option of method 'ctgan'; allowed: batch_size, chunk_rows, .*epochs",
    ):
        fastsynth.fit(real, method="ctgan", epoch=1)
    with pytest.raises(
        UsageError,
        match=r"fit: method 'gaussian_copula' \(SDV's GaussianCopulaSynthesizer\) with "
        r"default_distribution='nope': Invalid distribution specification 'nope'",
    ):
        fastsynth.fit(real, method="gaussian_copula", default_distribution="nope")
    with pytest.raises(UsageError, match=r"with epochs=1, batch_size=7: AssertionError"):
        fastsynth.fit(real, method="ctgan", epochs=1, batch_size=7)
    with pytest.raises(UsageError, match="fit: method 'tvae': chunk_rows=0 is not an integer >= 1"):
        fastsynth.fit(real, method="tvae", chunk_rows=0)
    with pytest.raises(UsageError, match=r"cannot model the columns tags \(list<item: string>\)"):
        fastsynth.fit(pa.table({"tags": [["x"], ["y"]]}), method="tvae")


@pytest.mark.parametrize("method", METHODS)
def test_the_model_file_loads_only_when_trusted(method, fitted, tmp_path):
    path = fitted[method].save(tmp_path / "m.fsm")
    with pytest.raises(
        SchemaError, match="holds an SDV synthesizer, a pickle, which runs code when it is loaded"
    ):
        fastsynth.Schema.load(path)
    loaded = fastsynth.Schema.load(path, trust=True)
    assert loaded.model.method == method and loaded.model.givable() == {"status", "flag"}
    assert fastsynth.generate(loaded, 3000, seed=11).equals(
        fastsynth.generate(fresh(fitted[method]), 3000, seed=11)
    )


@pytest.mark.subprocess
def test_the_model_file_makes_the_same_rows_in_another_process(fitted, tmp_path):
    method = "ctgan"
    path = fitted[method].save(tmp_path / "m.fsm")
    script = textwrap.dedent(
        f"""
        import fastsynth, pyarrow.parquet as pq
        schema = fastsynth.Schema.load({str(path)!r}, trust=True)
        made = fastsynth.generate(schema, 5000, seed=11, start=100)
        pq.write_table(made, {str(tmp_path / "out.parquet")!r})
        """
    )
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    assert pq.read_table(tmp_path / "out.parquet").equals(
        fastsynth.generate(fresh(fitted[method]), 5000, seed=11, start=100)
    )


@pytest.mark.subprocess
def test_fit_and_gen_commands(real, tmp_path):
    import pyarrow.csv as pcsv

    pcsv.write_csv(real.drop_columns(["when"]), tmp_path / "data.csv")
    run = [sys.executable, "-m", "fastsynth"]
    done = subprocess.run(
        [*run, "fit", "data.csv", "--method", "ctgan", "-O", "epochs=1", "--output", "m.fsm"],
        cwd=tmp_path, capture_output=True, text=True, timeout=300,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    made = subprocess.run(
        [*run, "gen", "m.fsm", "--trust-model", "--rows", "100", "--output", "out.parquet"],
        cwd=tmp_path, capture_output=True, text=True, timeout=300,
    )  # fmt: skip
    assert made.returncode == 0, made.stderr
    out = pq.read_table(tmp_path / "out.parquet")
    assert out.num_rows == 100 and out.column_names == ["age", "income", "status", "flag"]


@pytest.mark.slow
def test_columns_sdv_takes_for_personal_data_keep_their_values() -> None:
    """SDV detects ``city``, ``email`` and ``user_id`` as personal data or keys and would invent values."""
    rng = np.random.default_rng(0)
    table = pa.table(
        {
            "city": rng.choice(["Paris", "Lyon", "Nice"], 300),
            "email": rng.choice(["a@x.org", "b@y.org"], 300),
            "user_id": np.arange(300),
            "x": rng.normal(size=300),
        }
    )
    schema = fastsynth.fit(
        table, method="gaussian_copula", custom_distributions={"city": {"Paris": 0.5, "Nice": 0.5}}
    )
    made = fastsynth.generate(schema, 1_000, seed=1)
    assert sorted(set(made.column("city").to_pylist())) == ["Nice", "Paris"]
    assert set(made.column("email").to_pylist()) <= {"a@x.org", "b@y.org"}


def test_missing_sdv_names_the_sdv_extra(monkeypatch, real):
    from fastsynth.errors import MissingDependencyError

    monkeypatch.setitem(sys.modules, "sdv.single_table", None)  # import fails as if not installed
    with pytest.raises(MissingDependencyError, match=r"needs 'sdv': pip install 'fastsynth\[sdv\]'"):
        fastsynth.fit(real, method="ctgan", epochs=1)


def test_tvae_samples_larger_chunks_and_older_files_keep_theirs(real, tmp_path):
    """TVAE's chunks are 102,400 rows (its per-call cost, see the module); a file that names no chunk
    size is from before, when every method sampled 40,960, and keeps those rows."""
    import dataclasses

    from fastsynth.models.sdv import CHUNK_ROWS, TVAE_CHUNK_ROWS

    schema = fastsynth.fit(real, method="tvae", seed=1, epochs=1)
    assert schema.model.document.chunk_rows == TVAE_CHUNK_ROWS
    assert schema.model.to_document()["chunk_rows"] == TVAE_CHUNK_ROWS
    assert fastsynth.fit(real, method="ctgan", seed=1, epochs=1).model.document.chunk_rows == CHUNK_ROWS

    model = schema.model
    older = type(model)(
        model.synthesizer, model.columns, dataclasses.replace(model.document, chunk_rows=CHUNK_ROWS)
    )
    assert "chunk_rows" not in older.to_document()  # as a file written before TVAE had its own size
    path = fastsynth.Schema(fields=(), model=older).save(tmp_path / "older.fsm")
    loaded = fastsynth.Schema.load(path, trust=True)
    assert loaded.model.document.chunk_rows == CHUNK_ROWS
    across = fastsynth.generate(loaded, 200, seed=2, start=CHUNK_ROWS - 100)  # over its chunks' border
    assert across.equals(
        fastsynth.generate(
            fresh(fastsynth.Schema(fields=(), model=older)), 200, seed=2, start=CHUNK_ROWS - 100
        )
    )
    assert not across.equals(fastsynth.generate(fresh(schema), 200, seed=2, start=CHUNK_ROWS - 100))
