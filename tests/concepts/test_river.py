"""The river adapter: river streams (by name, or a user's object) read in order into columns."""

from __future__ import annotations

import itertools
import subprocess
import sys
import threading

import numpy as np
import pyarrow as pa
import pytest
from river.datasets import synth

from fastsynth.adapters import river_streams as rs
from fastsynth.concepts import GENERATORS, generator_from_document
from fastsynth.concepts.base import Rows
from fastsynth.concepts.river import River, RiverObject, from_river
from fastsynth.errors import SchemaError, UsageError


@pytest.fixture(autouse=True)
def fresh_readers():
    rs.READERS.clear()
    yield
    rs.READERS.clear()


def river(name: str, /, **params) -> River:
    return generator_from_document({"type": "river", "stream": name, "params": params}, "schema: generator")


def rows_of(generator, size, *, start=0, key=1):
    """Rows as river gives them: ({river key: value}, y), with the generator's column names."""
    columns, target = generator.sample(size, start=start, key=key)
    return [({n: c[j] for n, c in columns.items()}, target[j]) for j in range(size)]


def as_river(pairs, generator):
    """river's rows with keys as text, bool labels as 0/1, and dict labels with text keys."""
    out = []
    for x, y in pairs:
        if isinstance(y, dict):
            y = {str(k): v for k, v in y.items()}
        elif isinstance(y, bool | np.bool_):
            y = int(y)
        out.append(({str(k): x.get(k) for k in x}, y))
    return out


# -- river's own rows, under the key as seed -------------------------------------------------------

SEEDED = [
    ("Logical", {"n_tiles": 200}),
    ("Planes2D", {}),
    ("Mv", {}),
    ("Agrawal", {"classification_function": 4, "perturbation": 0.1}),
    ("AnomalySine", {"n_samples": 800, "n_anomalies": 40, "n_contextual": 20}),
    ("LED", {"noise_percentage": 0.1, "irrelevant_features": True}),
    ("Hyperplane", {"n_features": 4, "mag_change": 0.01}),
    ("FriedmanDrift", {"drift_type": "gsg", "position": [200, 500], "transition_window": 50}),
    ("SEA", {"variant": 2, "noise": 0.1}),
    ("Waveform", {"has_noise": True}),
]


@pytest.mark.parametrize(("name", "params"), SEEDED, ids=[s[0] for s in SEEDED])
def test_rows_are_rivers_own(name, params):
    """Every value of every row is river's, from river's class seeded with the key; every column and
    the target make Arrow arrays of the declared types."""
    generator = river(name, **params)
    expected = as_river(synth.__dict__[name](seed=7, **params).take(700), generator)  # a few chunks
    columns, target = generator.sample(700, key=7)
    assert list(columns) == list(expected[0][0])
    for name_, column in columns.items():
        assert list(column) == [x[name_] for x, _ in expected]
    assert list(target) == [y for _, y in expected]
    for feature in generator.features():
        assert pa.array(columns[feature.name], type=feature.arrow_type).null_count == 0
    assert pa.array(target, type=generator.target_type()).type == generator.target_type()


def test_derived_seeds_for_river_models():
    """``seed_sample`` is the key; ``seed_model``/``seed_tree`` derive from the key, or stay pinned."""
    generator = river("RandomRBF", n_features=3, n_centroids=5)
    made = rows_of(generator, 50, key=9)
    theirs = synth.RandomRBF(
        seed_model=rs.derived_seed(9, "seed_model"), seed_sample=9, n_features=3, n_centroids=5
    ).take(50)
    assert made == as_river(theirs, generator)
    pinned = river("RandomTree", seed_tree=5, n_num_features=2, n_cat_features=1)
    theirs = synth.RandomTree(seed_tree=5, seed_sample=3, n_num_features=2, n_cat_features=1).take(50)
    assert rows_of(pinned, 50, key=3) == as_river(theirs, pinned)
    assert rows_of(pinned, 50, key=3) != rows_of(pinned, 50, key=4)


def test_types_and_targets():
    logical = river("Logical", n_tiles=2)
    assert [(f.name, f.arrow_type) for f in logical.features()] == [("A", pa.int64()), ("B", pa.int64())]
    assert logical.target_type() == pa.struct([("OR", pa.int64()), ("XOR", pa.int64()), ("AND", pa.int64())])
    assert logical.classes() is None
    _, target = logical.sample(8)
    assert pa.array(target, type=logical.target_type()).field("XOR").to_pylist() == [
        y["XOR"] for _, y in synth.Logical(n_tiles=2, seed=1)
    ]
    planes = river("Planes2D")
    assert [f.name for f in planes.features()] == [str(k) for k in range(1, 11)]
    assert {f.arrow_type for f in planes.features()} == {pa.int64()}
    assert (planes.target_type(), planes.classes()) == (pa.float64(), None)
    mv = river("Mv")
    assert [f.arrow_type for f in mv.features()][2:4] == [pa.string(), pa.float64()]
    assert (river("SEA").target_type(), river("SEA").classes()) == (pa.int8(), 2)
    assert (river("LED").target_type(), river("LED").classes()) == (pa.int8(), 10)
    assert river("Waveform").classes() == 3
    # river's Agrawal gives a commission of int 0 or a float: the column is float64, not int64
    assert {f.name: f.arrow_type for f in river("Agrawal").features()}["commission"] == pa.float64()


def test_nested_streams():
    generator = river(
        "ConceptDriftStream",
        stream={"stream": "SEA", "params": {"variant": 0}},
        drift_stream={"stream": "SEA", "params": {"variant": 3}},
        position=100,
        width=10,
    )
    theirs = synth.ConceptDriftStream(
        stream=synth.SEA(variant=0, seed=rs.derived_seed(4, "stream")),
        drift_stream=synth.SEA(variant=3, seed=rs.derived_seed(4, "drift_stream")),
        position=100,
        width=10,
        seed=4,
    )
    assert rows_of(generator, 200, key=4) == as_river(theirs.take(200), generator)
    assert generator_from_document(generator.to_document(), "again") == generator


# -- order: continuation, restarts, any rows -------------------------------------------------------


class Counted:
    """A user's stream object that counts its passes."""

    def __init__(self, dataset):
        self.dataset = dataset
        self.passes = 0

    def __iter__(self):
        self.passes += 1
        return iter(self.dataset)


def test_batches_continue_one_pass():
    stream = Counted(synth.Mv(seed=3))
    generator = from_river(stream)
    parts = [generator.sample(n, start=s) for s, n in [(0, 100), (100, 1), (101, 149), (250, 50)]]
    assert stream.passes == 1
    whole = as_river(synth.Mv(seed=3).take(300), generator)
    made = [row for part in parts for row in zip(*[list(c) for c in part[0].values()], part[1], strict=True)]
    names = generator.feature_names()
    assert [(dict(zip(names, r[:-1], strict=True)), r[-1]) for r in made] == whole


def test_earlier_rows_restart_from_the_seed():
    stream = Counted(synth.SEA(seed=5))
    generator = from_river(stream)
    whole = rows_of(generator, 300)
    assert stream.passes == 1
    assert rows_of(generator, 10, start=5) == whole[5:15]  # before the position: a new pass
    assert stream.passes == 2
    assert rows_of(generator, 20, start=40) == whole[40:60]  # after it: skips ahead
    assert stream.passes == 2


def test_batches_out_of_order_keep_their_passes():
    """A stream by name keeps a few passes: batches asked out of order each continue their own."""
    generator = river("Planes2D")
    whole = rows_of(generator, 400, key=2)
    rs.READERS.clear()
    for start in (200, 0, 300, 100):
        assert rows_of(generator, 100, start=start, key=2) == whole[start : start + 100]
    (pool,) = rs.READERS._pools.values()
    assert sorted(r.position for r in pool) == [200, 400]


def test_any_rows_in_any_order():
    generator = river("Agrawal")
    whole = rows_of(generator, 60, key=3)
    rows = np.array([7, 3, 3, 40, 41, 42, 0, 59], np.int64)
    columns = [np.empty(rows.size, f.dtype) for f in generator.features()]
    target = np.empty(rows.size, np.int8)
    generator.fill(Rows(rows, np.uint64(3), (), np.full(rows.size, -1), columns, target))
    names = generator.feature_names()
    got = [({n: c[j] for n, c in zip(names, columns, strict=True)}, target[j]) for j in range(rows.size)]
    assert got == [whole[i] for i in rows]


def test_threads_reading_in_turn():
    generator = river("Sine")
    whole = rows_of(generator, 2000, key=4)
    rs.READERS.clear()
    got = {}

    def work(start):
        got[start] = rows_of(generator, 250, start=start, key=4)

    threads = [threading.Thread(target=work, args=(s,)) for s in range(0, 2000, 250)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert [row for s in sorted(got) for row in got[s]] == whole


# -- user objects, nulls ----------------------------------------------------------------------------


def test_nulls_missing_keys_and_late_types():
    def rows():
        yield {"a": 1, "b": None, "c": "x", "d": None}, "yes"
        yield {"a": 2, "b": 2.5, "c": None}, "no"  # no "d"
        for i in range(3, 10):
            yield {"a": i, "b": float(i), "c": "z", "d": None}, "yes"

    generator = from_river(rows())
    assert [(f.name, f.arrow_type) for f in generator.features()] == [
        ("a", pa.int64()),
        ("b", pa.float64()),  # from the second row
        ("c", pa.string()),
        ("d", pa.float64()),  # None in every row looked at
    ]
    assert (generator.target_type(), generator.classes()) == (pa.string(), None)
    columns, target = generator.sample(9)
    arrays = {f.name: pa.array(columns[f.name], type=f.arrow_type) for f in generator.features()}
    assert arrays["b"].to_pylist()[:3] == [None, 2.5, 3.0]
    assert arrays["c"].to_pylist()[:3] == ["x", None, "z"]
    assert arrays["d"].null_count == 9
    assert list(target[:2]) == ["yes", "no"]
    with pytest.raises(UsageError, match="one-pass iterator"):
        generator.sample(2)  # the rows before its position are gone


def test_user_labels_without_river_task():
    generator = from_river([({"x": 0.5}, 3), ({"x": 1.5}, 4)])
    assert (generator.target_type(), generator.classes()) == (pa.int64(), None)
    assert list(generator.sample(2)[1]) == [3, 4]
    assert from_river(synth.AnomalySine(n_samples=50, n_anomalies=5, n_contextual=2, seed=1)).classes() == 2


def test_river_objects_are_python_only():
    stream = synth.SEA(seed=1)
    one, two = from_river(stream), from_river(stream)
    assert one == one and one != two and len({one, two, one}) == 2
    assert isinstance(one, RiverObject) and "river_object" not in GENERATORS
    with pytest.raises(UsageError, match="no document form"):
        one.to_document()
    with pytest.raises(UsageError, match=r"stream=5 is not a stream object; allowed: a river dataset"):
        from_river(5)


def test_equal_specs_share_a_hash():
    assert river("Agrawal", perturbation=0.2) == river("Agrawal", perturbation=0.2)
    assert len({river("Agrawal", perturbation=0.2), river("Agrawal", perturbation=0.2), river("Mv")}) == 2
    assert River(stream="Agrawal").to_document() == {"type": "river", "stream": "Agrawal"}


@pytest.mark.subprocess
def test_importing_fastsynth_does_not_import_river():
    code = "import sys, fastsynth, fastsynth.concepts; assert 'river' not in sys.modules"
    subprocess.run([sys.executable, "-c", code], check=True)


# -- errors -----------------------------------------------------------------------------------------

ALLOWED = "allowed: Agrawal, AnomalySine, ConceptDriftStream"


@pytest.mark.parametrize(
    ("document", "message"),
    [
        ({"stream": "Nope"}, f"stream='Nope' is not a river.datasets.synth class; {ALLOWED}"),
        ({"stream": "__class__"}, "stream='__class__' is not a river.datasets.synth class"),
        ({"stream": "os.system"}, "stream='os.system' is not a river.datasets.synth class"),
        ({"stream": "base"}, "stream='base' is not a river.datasets.synth class"),
        ({"stream": 3}, "stream=3 is not a string"),
        (
            {"stream": "Agrawal", "params": {"fn": 1}},
            "unknown keyword 'fn' for river's Agrawal; allowed: classification_function, balance_classes, "
            "perturbation",
        ),
        ({"stream": "Agrawal", "params": {"__init__": 1}}, "unknown keyword '__init__'"),
        ({"stream": "Agrawal", "params": {"seed": 3}}, "params['seed']=3: river's seed is taken from the"),
        ({"stream": "RandomRBF", "params": {"seed_sample": 3}}, "params['seed_sample']=3: river's"),
        (
            {"stream": "Agrawal", "params": {"classification_function": 12}},
            "river's Agrawal(classification_function=12) refuses its params: ValueError: "
            "classification_function takes values from 0 to 9 and 12 was passed",
        ),
        (
            {"stream": "RandomRBF", "params": {"n_classes": "two"}},
            "params['n_classes']='two' is not an integer (river's RandomRBF takes n_classes: int)",
        ),
        ({"stream": "Sine", "params": {"has_noise": 1}}, "params['has_noise']=1 is not true or false"),
        ({"stream": "Mv", "params": []}, "params=[] is not an object"),
        ({"stream": "Agrawal", "params": {"perturbation": {"a": 1}}}, "['perturbation']={'a': 1} is not"),
        (
            {"stream": "ConceptDriftStream", "params": {"stream": {"stream": "Nope"}}},
            "params['stream']: stream='Nope' is not a river.datasets.synth class",
        ),
        ({"stream": "ConceptDriftStream", "params": {"stream": 5}}, "['stream']=5 is not a nested stream"),
        (
            {"stream": "ConceptDriftStream", "params": {"drift_stream": {"stream": "Mv"}}},
            "refuses its params: AttributeError: Inconsistent number of features",
        ),
    ],
)
def test_bad_options(document, message):
    with pytest.raises(SchemaError) as caught:
        generator_from_document({"type": "river", **document}, "schema: generator")
    assert str(caught.value).startswith("schema: generator: ")
    assert message in str(caught.value)


def test_errors_while_reading():
    with pytest.raises(SchemaError, match="balanced classes are not available for river streams"):
        river("Agrawal").sample(4, desired=np.array([0, 1, -1, -1]))
    with pytest.raises(SchemaError, match=r"Logical\(\) ends after 4 rows; rows up to 6 were asked"):
        river("Logical").sample(6)
    with pytest.raises(SchemaError, match=r"Logical\(n_tiles=0\) makes no rows"):
        river("Logical", n_tiles=0).features()
    with pytest.raises(SchemaError, match="RandomRBF\\(n_centroids=0\\) fails on its first rows: IndexError"):
        river("RandomRBF", n_centroids=0).features()  # river accepts it when built, not when run
    with pytest.raises(SchemaError, match=r"yields 5; allowed: \(x: dict, y\) pairs"):
        from_river([5]).features()
    with pytest.raises(SchemaError, match=r"feature 'x' has values of types float, str"):
        from_river([({"x": 1.0}, 0), ({"x": "a"}, 0)]).features()
    with pytest.raises(SchemaError, match=r"feature 'x' has a value of type list"):
        from_river([({"x": [1]}, 0)]).features()


def test_a_float_in_an_integer_column_is_refused_not_truncated():
    rows = [({"x": i}, 0) for i in range(rs.TYPE_ROWS)] + [({"x": 2.5}, 0)]
    generator = from_river(rows)
    assert generator.features()[0].arrow_type == pa.int64()
    with pytest.raises(SchemaError, match=rf"'x' was int64 in the first .* row {rs.TYPE_ROWS} holds 2.5"):
        generator.sample(rs.TYPE_ROWS + 1)


def test_every_synth_class_is_allowed_and_nothing_else():
    names = set(rs.synth_classes())
    assert names == {n for n in synth.__all__}
    assert all(not n.startswith("_") for n in itertools.chain(names))
