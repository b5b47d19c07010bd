"""A schema's generator: drift between concepts, virtual drift, balance, blocks and their timestamps."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

import fastsynth
from fastsynth import Schema, SchemaError
from fastsynth.generation import iter_batches

BLOCKS = Path(__file__).resolve().parents[2] / "configs" / "blocks.yaml"
SEA_THRESHOLDS = np.array([8.0, 9.0, 7.0, 9.5])


def table(document: dict, rows: int, seed: int = 3) -> pa.Table:
    return fastsynth.generate(document, rows, seed=seed)


def test_one_generator_makes_its_features_and_target() -> None:
    t = table({"generator": {"type": "sea", "variant": 2}}, 10_000)
    assert t.column_names == ["0", "1", "2", "target"]
    assert t.schema.field("target").type == pa.int8()
    x0, x1 = t["0"].to_numpy(), t["1"].to_numpy()
    assert ((x0 + x1 > 7.0).astype(np.int8) == t["target"].to_numpy()).all()
    assert x0.min() >= 0 and x0.max() < 10


def test_rows_do_not_depend_on_batches() -> None:
    schema = Schema.from_dict(
        {
            "generator": {
                "concepts": [{"type": "sea"}, {"type": "sea", "variant": 3}],
                "drift": [{"position": 3000, "width": 800}],
                "virtual": {"position": 2000, "rate": 0.3},
            }
        }
    )
    whole = pa.Table.from_batches(list(iter_batches(schema, 7000, batch_size=7000, seed=5)))
    pieces = pa.Table.from_batches(list(iter_batches(schema, 7000, batch_size=999, seed=5)))
    assert whole.equals(pieces)


def test_abrupt_gradual_and_recurrent_switches() -> None:
    document = {
        "generator": {
            "concepts": [{"type": "sea"}, {"type": "sea", "variant": 2}, {"type": "sea"}],
            "drift": [{"position": 20_000, "width": 4000}, {"position": 60_000}],
        }
    }
    t = table(document, 80_000)
    concept = t["concept"].to_numpy()
    assert (concept[:5000] == 0).all() and (concept[60_000:] == 2).all()  # recurrent: back to SEA 0
    assert (concept[30_000:60_000] == 1).all()
    around = concept[19_000:21_000]
    assert 0.4 < (around == 1).mean() < 0.6  # the sigmoid is half-way at its position
    early = concept[
        17_000:18_000
    ]  # 3000 to 2000 rows before: 1 / (1 + e^3) to 1 / (1 + e^2), 7.7 % on average
    assert 0.05 < (early == 1).mean() < 0.11
    threshold = SEA_THRESHOLDS[np.array([0, 2, 0])[concept]]
    x0, x1 = t["0"].to_numpy(), t["1"].to_numpy()
    assert ((x0 + x1 > threshold).astype(np.int8) == t["target"].to_numpy()).all()


def test_virtual_drift_removes_features_from_its_position() -> None:
    document = {
        "generator": {
            "concepts": [{"type": "sea"}],
            "virtual": {"position": 5000, "rate": 0.25, "columns": ["1"]},
        }
    }
    t = table(document, 40_000)
    assert t["0"].null_count == 0 and t["target"].null_count == 0
    missing = t["1"].is_null().to_numpy(zero_copy_only=False)
    assert not missing[:5000].any()
    assert abs(missing[5000:].mean() - 0.25) < 0.01


def test_blocks_split_like_the_seed_and_label_their_rows() -> None:
    document = {
        "generator": {
            "concepts": [{"type": "sea", "variant": v} for v in range(3)],
            "blocks": {"total_rows": 3001},
            "dates": {"start": "2023-01-31", "step": {"months": 1}},
        }
    }
    schema = Schema.from_dict(document)
    assert schema.capacity() == 3001
    t = fastsynth.generate(schema, 3001, seed=1)
    assert t.column_names == ["timestamp", "0", "1", "2", "target", "block", "concept"]
    block = t["block"].to_numpy()
    assert np.bincount(block).tolist() == [0, 1000, 1000, 1001]  # remainder on the last block
    stamps = t["timestamp"].cast(pa.string()).to_numpy(zero_copy_only=False)
    assert {stamps[0], stamps[1500], stamps[3000]} == {
        "2023-01-31 00:00:00.000000",
        "2023-02-28 00:00:00.000000",  # pandas' DateOffset: the 31st becomes the month's last day
        "2023-03-31 00:00:00.000000",
    }
    with pytest.raises(SchemaError, match="blocks hold 3001 rows; rows up to 3002 requested"):
        fastsynth.generate(schema, 3002, seed=1)


def test_block_rows_by_map_labels_and_date_every() -> None:
    document = {
        "generator": {
            "concepts": [{"type": "sea"}],
            "blocks": {"count": 3, "total_rows": 100, "rows": {"b": 50}, "labels": ["a", "b", "c"]},
            "dates": {"start": "2024-01-01T12:00:00", "step": {"hours": 6}, "every": 10},
        }
    }
    t = table(document, 100)
    labels = t["block"].to_pylist()
    assert [labels.count(x) for x in "abc"] == [25, 50, 25]
    times = t["timestamp"].to_numpy()
    assert times[9] == times[0] and (times[10] - times[0]) == np.timedelta64(6, "h")


def test_balance_gives_every_block_equal_classes_exactly() -> None:
    document = {
        "generator": {
            "concepts": [{"type": "sea", "variant": 3}, {"type": "sea"}],
            "blocks": {"rows": [1000, 1001]},
            "balance": True,
        }
    }
    t = table(document, 2001)
    target, block = t["target"].to_numpy(), t["block"].to_numpy()
    assert np.bincount(target[block == 1]).tolist() == [500, 500]
    assert sorted(np.bincount(target[block == 2]).tolist()) == [500, 501]
    pairs = target[:1000].reshape(-1, 2)
    assert (pairs.sum(axis=1) == 1).all()  # each pair of rows takes both classes...
    assert 0.4 < (pairs[:, 0] == 0).mean() < 0.6  # ...in a drawn order: the row's parity says nothing


def test_round_trip_and_the_seed_form_keeps_a_column_named_generator() -> None:
    document = {
        "generator": {
            "concepts": [{"type": "sea", "noise": 0.1}, {"type": "sea", "variant": 1, "seed": 9}],
            "drift": [{"position": 10, "width": 3}],
            "concept_column": "truth",
        },
        "fields": {"id": {"type": "int", "min": 0, "max": 5}},
    }
    schema = Schema.from_dict(document)
    assert Schema.from_dict(schema.to_dict()) == schema
    assert schema.names == ["0", "1", "2", "target", "truth", "id"]
    seed_form = Schema.from_dict({"generator": {"type": "word"}})
    assert seed_form.names == ["generator"]


@pytest.mark.parametrize(
    ("generator", "message"),
    [
        ({"concepts": [{"type": "sea"}, {"type": "sea"}]}, "drift has 0 switches for 2 concepts"),
        (
            {"concepts": [{"type": "sea", "variant": 7}]},
            r"concepts\[0\]: variant=7 is not allowed; allowed: 0, 1",
        ),
        ({"concepts": [{"type": "nope"}]}, "unknown generator 'nope'; allowed: .*sea"),
        ({"concepts": [{"type": "sea"}], "blocks": {"total_rows": 10, "rows": 4}}, "rows add up to 4"),
        ({"concepts": [{"type": "sea"}] * 2, "blocks": {"rows": {"7": 4}}}, "rows names block '7'"),
        ({"concepts": [{"type": "sea"}] * 3, "blocks": {"count": 2, "rows": 5}}, "count=2 but 3 concepts"),
        ({"concepts": [{"type": "sea"}], "virtual": {"rate": 0.1, "columns": ["x"]}}, "names 'x'"),
        ({"concepts": [{"type": "sea"}], "dates": {"start": "soon"}}, "start='soon' is not an ISO date"),
        (
            {"concepts": [{"type": "sea"}] * 2, "drift": [{"position": 5}], "blocks": {"rows": 3}},
            "drift switches and blocks both given",
        ),
    ],
)
def test_bad_generators_are_named(generator: dict, message: str) -> None:
    with pytest.raises(SchemaError, match=message):
        Schema.from_dict({"generator": generator})


def test_blocks_of_different_generators_leave_the_features_they_lack_empty() -> None:
    document = {
        "generator": {
            "concepts": [{"type": "sea"}, {"type": "agrawal"}, {"type": "river", "stream": "Agrawal"}],
            "blocks": {"rows": 400},
        }
    }
    t = table(document, 1200)
    assert t.column_names[:4] == ["0", "1", "2", "salary"]
    assert t["0"].slice(0, 400).null_count == 0 and t["0"].slice(400).null_count == 800
    assert t["salary"].slice(0, 400).null_count == 400 and t["salary"].slice(400).null_count == 0
    assert t.schema.field("salary").type == pa.float64() and t.schema.field("age").type == pa.int64()


def test_a_drift_between_generators_needs_the_same_features() -> None:
    with pytest.raises(SchemaError, match=r"concepts\[1\] \(agrawal\) has features \['salary'.*share their"):
        Schema.from_dict(
            {"generator": {"concepts": [{"type": "sea"}, {"type": "agrawal"}], "drift": [{"position": 5}]}}
        )


def test_a_generator_writes_through_sinks(tmp_path) -> None:
    schema = Schema.from_dict({"generator": {"type": "agrawal", "classification_function": 4}})
    with fastsynth.open_sink(tmp_path / "agrawal.parquet", schema.arrow_schema()) as sink:
        for batch in iter_batches(schema, 5000, batch_size=1500, seed=2):
            sink.write(batch)
    assert pq.read_table(tmp_path / "agrawal.parquet").equals(fastsynth.generate(schema, 5000, seed=2))


def test_the_drift_schedule_applies_across_blocks() -> None:
    """configs/blocks.yaml shifts feature 0 by one standard deviation in the second week only."""
    t = fastsynth.generate("configs/blocks.yaml", 3000)
    undrifted = fastsynth.generate(
        Schema.from_dict({**Schema.load("configs/blocks.yaml").to_dict(), "drift": None}), 3000
    )
    weeks = t["block"].to_pylist()
    moved = t["0"].to_numpy(zero_copy_only=False) - undrifted["0"].to_numpy(zero_copy_only=False)
    second = np.array([w == "week2" for w in weeks])
    assert np.allclose(moved[~second & np.isfinite(moved)], 0.0)
    sigma = np.std(undrifted["0"].to_numpy(zero_copy_only=False)[second])  # the window's own
    assert np.allclose(moved[second], sigma, rtol=0.06)  # measured row to row: about 3% apart
    assert (t["target"].to_numpy() == undrifted["target"].to_numpy()).all()  # as drawn (the README)


def test_a_concept_field_over_a_generators_features_follows_their_drift() -> None:
    """The README's way to a covariate shift: the generator's target keeps the labels drawn with the
    undrifted features, a ``concept`` field computes its labels from the drifted ones."""
    document = {
        "generator": {"type": "sea", "variant": 0},
        "fields": {"label": {"type": "concept", "stream": "sea", "inputs": ["0", "1"], "concepts": [0]}},
        "drift": [{"type": "shift", "columns": ["0"], "magnitude": 1, "start_row": 5_000}],
    }
    t = table(document, 10_000)
    x0, x1 = t["0"].to_numpy(), t["1"].to_numpy()
    rule = (x0 + x1 > SEA_THRESHOLDS[0]).astype(np.int8)
    assert (t["label"].to_numpy() == rule).all()
    target = t["target"].to_numpy()
    assert (target[:5_000] == rule[:5_000]).all() and (target[5_000:] != rule[5_000:]).mean() > 0.05


def test_a_river_object_of_ones_own_makes_a_schemas_rows() -> None:
    from river.datasets import synth

    from fastsynth.concepts.river import from_river
    from fastsynth.concepts.stream import ConceptStream

    schema = Schema(fields=(), generator=ConceptStream((from_river(synth.SEA(seed=1)),)))
    t = fastsynth.generate(schema, 50)
    expected = [x[0] for x, _ in synth.SEA(seed=1).take(50)]
    assert t["0"].to_pylist() == expected


def test_each_block_starts_its_generator_at_its_own_row_zero() -> None:
    """As the seed's blocks do: friedman_drift's drift at rows 100-199 of its block, not of the dataset."""
    drifting = {"type": "friedman_drift", "drift_type": "gra", "position": [100, 200]}
    document = {"generator": {"concepts": [{"type": "friedman"}, drifting], "blocks": {"rows": 1000}}}
    t = table(document, 2000)
    x = np.column_stack([t[str(k)].to_numpy() for k in range(5)])
    friedman = 10 * np.sin(np.pi * x[:, 0] * x[:, 1]) + 20 * (x[:, 2] - 0.5) ** 2 + 10 * x[:, 3] + 5 * x[:, 4]
    residual = t["target"].to_numpy() - friedman
    assert np.std(residual[1000:1100]) < 1.3 and np.std(residual[1300:2000]) < 1.3  # N(0, 1) noise alone
    assert np.std(residual[1100:1200]) > 3  # the features swapped roles in the block's rows 100-199
