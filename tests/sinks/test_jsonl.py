"""The JSON lines kernel against polars' writer, which it replaces: the same bytes for every type."""

from __future__ import annotations

import io
import itertools
import json

import numpy as np
import polars as pl
import pyarrow as pa
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from fastsynth.kernels.jit import set_threads, threads
from fastsynth.sinks.jsonl import JsonLines

N = 5000  # more than one kernel chunk (4096 rows)


def polars_lines(batch: pa.RecordBatch) -> bytes:
    """What the JSON sinks wrote before the kernel: polars' writer, timestamps with a "T"."""
    frame = pl.from_arrow(batch)
    assert isinstance(frame, pl.DataFrame)
    times = [
        pl.col(name).dt.to_string("%Y-%m-%dT%H:%M:%S%.f" + ("%:z" if dtype.time_zone else ""))
        for name, dtype in frame.schema.items()
        if isinstance(dtype, pl.Datetime)
    ]
    buffer = io.BytesIO()
    (frame.with_columns(times) if times else frame).write_ndjson(buffer)
    return buffer.getvalue()


def lines(batch: pa.RecordBatch) -> bytes:
    data, offsets = JsonLines(batch.schema).encode(batch)
    assert offsets[0] == 0 and offsets[-1] == len(data) and len(offsets) == batch.num_rows + 1
    text = data.tobytes()
    # Each offset starts a line: the byte before it is the previous line's newline.
    assert all(text[o - 1] == 10 for o in offsets[1:])
    return text


def _mask(rng: np.random.Generator, share: float = 0.1) -> np.ndarray:
    return rng.random(N) < share


def _strings(rng: np.random.Generator) -> list[str]:
    # Every control character, quotes, backslashes, 2-, 3- and 4-byte UTF-8, empty strings, long ones.
    alphabet = [chr(c) for c in range(0, 0x80)] + ["é", "€", "😀", '"', "\\"]
    return ["".join(rng.choice(alphabet, rng.integers(0, 40))) for _ in range(N)]


def every_kind(seed: int = 1) -> pa.RecordBatch:
    rng = np.random.default_rng(seed)
    strings = _strings(rng)
    return pa.record_batch(
        {
            "int64": pa.array(rng.integers(-(2**63), 2**63 - 1, N, dtype=np.int64, endpoint=True)),
            "int8": pa.array(rng.integers(-128, 128, N).astype(np.int8), mask=_mask(rng)),
            "uint32": pa.array(rng.integers(0, 2**32, N).astype(np.uint32)),
            "uint64": pa.array(rng.integers(0, 2**63, N).astype(np.uint64) * 2),
            "bool": pa.array(rng.random(N) < 0.5, mask=_mask(rng)),
            "string": pa.array(strings, mask=_mask(rng)),
            "large": pa.array(strings[::-1], pa.large_string()),
            "category": pa.array(rng.choice(strings[:50], N)).dictionary_encode(),
            "seconds": pa.array(rng.integers(-62_135_596_800, 253_402_300_799, N), pa.timestamp("s")),
            "millis": pa.array(
                rng.integers(-(10**12), 10**13, N) // 1000 * 1000 * (rng.random(N) < 0.5)
                + rng.integers(0, 1000, N),
                pa.timestamp("ms"),
                mask=_mask(rng),
            ),
            "micros_utc": pa.array(rng.integers(-(10**15), 10**16, N), pa.timestamp("us", tz="UTC")),
            "nanos": pa.array(rng.integers(-(2**62), 2**62, N), pa.timestamp("ns")),
            "zoned": pa.array(rng.integers(0, 10**9, N), pa.timestamp("s", tz="Europe/Paris")),
            "date": pa.array(rng.integers(-719_528, 2_932_896, N).astype(np.int32), pa.date32()),
            "float": pa.array(
                np.concatenate([[np.nan, np.inf, -np.inf, -0.0, 5e-324], rng.normal(size=N - 5)])
                * 10.0 ** rng.integers(-30, 30, N),
                mask=_mask(rng),
            ),
            "float32": pa.array(rng.normal(size=N).astype(np.float32)),
            "list": pa.array([[1, 2], None, []] * (N // 3) + [[3]] * (N % 3)),
            "struct": pa.array([{"a": 1, "b": "x"}] * N),
            'we"ird\nname\u00e9': pa.array(np.arange(N)),
        }
    )


def test_every_kind_as_polars_writes_it():
    batch = every_kind()
    assert lines(batch) == polars_lines(batch)


@pytest.mark.parametrize("start,length", [(0, 0), (7, 1500), (4090, 10), (N - 1, 1)])
def test_slices(start, length):
    batch = every_kind(2).slice(start, length)
    assert lines(batch) == polars_lines(batch)


def test_years_outside_four_digits_go_to_polars():
    batch = pa.record_batch(
        {
            "t": pa.array([-(10**12), 0, 10**12, None], pa.timestamp("s")),
            "d": pa.array([-800_000, 0, 3_000_000, None], pa.date32()),
        }
    )
    assert lines(batch) == polars_lines(batch)
    assert b'"+33658-09-27T01:46:40"' in lines(batch)


def test_empty_batches_and_no_columns():
    assert lines(every_kind().slice(0, 0)) == b""
    assert lines(pa.record_batch({"x": pa.array([None, None], pa.string())})) == b'{"x":null}\n' * 2


def test_dictionary_with_null_indices_and_entries():
    column = pa.DictionaryArray.from_arrays(pa.array([0, 1, None, 1]), pa.array(["a", None]))
    batch = pa.record_batch({"d": column})
    assert lines(batch) == polars_lines(batch)


def test_strings_ending_exactly_at_their_buffer():
    """Bytes are read eight at a time: a buffer without padding must still be read within bounds
    (the last word falls back to bytes) and give the same text."""
    data = b"abcdefghij" + b'k"l\\m\n'
    offsets = np.array([0, 3, 10, 16], np.int32)
    column = pa.Array.from_buffers(pa.string(), 3, [None, pa.py_buffer(offsets), pa.py_buffer(data)])
    batch = pa.record_batch({"s": column})
    assert lines(batch) == polars_lines(batch)
    assert [json.loads(line)["s"] for line in lines(batch).split(b"\n")[:-1]] == [
        "abc",
        "defghij",
        'k"l\\m\n',
    ]


def test_the_same_bytes_on_one_thread():
    batch = every_kind(3)
    before = threads()
    try:
        set_threads(1)
        single = lines(batch)
    finally:
        set_threads(before)
    assert single == lines(batch)


@settings(max_examples=60, deadline=None)
@given(st.lists(st.one_of(st.none(), st.text()), min_size=1, max_size=40))
def test_any_text_reads_back(values):
    batch = pa.record_batch({"s": pa.array(values, pa.string()), "n": pa.array(range(len(values)))})
    text = lines(batch)
    assert text == polars_lines(batch)
    # Split at newlines only: str.splitlines would also cut at U+2028 and the like, which JSON keeps.
    assert [json.loads(line)["s"] for line in text.decode().split("\n")[:-1]] == values


def test_row_ranges_join_into_the_whole_and_stay_inside_the_batch():
    batch = every_kind(4)
    encoder = JsonLines(batch.schema)
    columns = encoder.columns(batch)
    parts = [encoder.lines(columns, start, min(start + 777, N))[0].tobytes() for start in range(0, N, 777)]
    assert b"".join(parts) == lines(batch)
    for start, stop in ((0, N + 1), (-1, 3), (5, 4)):
        with pytest.raises(ValueError, match="outside the batch"):
            encoder.lines(columns, start, stop)


def test_objects_without_newlines_are_the_lines_without_them():
    """``newline=False`` (a Kafka message per row): the same objects, each ending at its ``}``."""
    batch = every_kind(5)
    data, offsets = JsonLines(batch.schema, newline=False).encode(batch)
    objects = [data[a:b].tobytes() for a, b in itertools.pairwise(offsets)]
    assert objects == lines(batch).split(b"\n")[:-1]
    empty = pa.table({"x": [1, 2]}).drop_columns(["x"]).to_batches()[0]
    assert JsonLines(empty.schema, newline=False).encode(empty)[0].tobytes() == b"{}{}"


def test_null_dictionary_entries_are_null():
    """Found by review: a dictionary whose entry (not index) is null has null_count 0."""
    column = pa.array(["a", None, "b"]).dictionary_encode(null_encoding="encode")
    batch = pa.record_batch({"d": column})
    assert lines(batch) == polars_lines(batch) == b'{"d":"a"}\n{"d":null}\n{"d":"b"}\n'


def test_empty_string_arrays_without_buffers():
    empty = pa.Array.from_buffers(pa.large_string(), 0, [None, None, pa.py_buffer(b"")])
    assert lines(pa.record_batch({"s": empty})) == b""
    all_null = pa.DictionaryArray.from_arrays(pa.array([None, None], pa.int8()), empty)
    assert lines(pa.record_batch({"d": all_null})) == b'{"d":null}\n' * 2


def test_rows_without_columns_are_empty_objects():
    """Rows stay rows, as many as the batch has (polars writes nothing for them)."""
    assert lines(pa.RecordBatch.from_arrays([], names=[])) == b""
    three = pa.table({"x": [1, 2, 3]}).drop_columns(["x"]).to_batches()[0]
    assert three.num_rows == 3 and lines(three) == b"{}\n" * 3


def test_batches_and_columns_must_fit_the_encoder():
    encoder = JsonLines(pa.schema([("a", pa.int64())]))
    wider = pa.record_batch({"a": [1], "b": ["x"]})
    seconds = pa.record_batch({"a": pa.array([1], pa.timestamp("s"))})
    for batch in (wider, seconds):
        with pytest.raises(ValueError, match="is not the encoder's"):
            encoder.columns(batch)
    with pytest.raises(ValueError, match="for an encoder of 1"):
        encoder.lines(JsonLines(wider.schema).columns(wider))
