"""The second seed's classes (calm-data-generator / calmops) over fastsynth: its usage example with only
the import changed, drift types, the factory, the river-like iterator, both spellings, errors, balance."""

from __future__ import annotations

import csv
import itertools
import logging
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pytest
from river.datasets import synth

from fastsynth import UsageError
from fastsynth.compat import calmops, common
from fastsynth.compat.calmops import (
    GeneratorConfig,
    GeneratorFactory,
    GeneratorStream,
    GeneratorType,
    StreamBlockGenerator,
    StreamGenerator,
    SyntheticBlockGenerator,
    SyntheticGenerator,
)
from fastsynth.concepts import GENERATORS, Feature, Generator

SEA_THRESHOLDS = np.array([8.0, 9.0, 7.0, 9.5])


def sea(function: int = 0, noise: float = 0.0, seed: int = 1) -> GeneratorStream:
    config = GeneratorConfig(function=function, noise_percentage=noise, random_state=seed)
    return GeneratorFactory.create_generator(GeneratorType.SEA, config)


def new_concept_share(frame: pd.DataFrame, rows: slice) -> float:
    """Among rows whose x0 + x1 lies in (7, 8], where SEA's variant 0 says False and variant 2 True
    (no noise), the share labelled by variant 2."""
    part = frame.iloc[rows]
    total = part[0] + part[1]
    band = (total > 7) & (total <= 8)
    return float(part["target"][band].mean())


def test_the_seeds_usage_example_runs_with_only_its_import_changed(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    # The example of the seed document (seeds/004), verbatim but for its first line.
    from fastsynth.compat.calmops import SyntheticBlockGenerator

    block_generator = SyntheticBlockGenerator()

    block_generator.generate_blocks_simple(
        output_path="my_synthetic_data",
        filename="dataset.csv",
        n_blocks=3,
        total_samples=3000,
        methods="sea",
        method_params=[
            {"function": 0},
            {"function": 1},
            {"function": 2}
        ],
        date_start="2023-01-01",
        date_step={"days": 7}
    )  # fmt: skip

    frame = pd.read_csv(tmp_path / "my_synthetic_data" / "dataset.csv")
    assert frame.columns.tolist() == ["0", "1", "2", "target", "timestamp", "block"]
    assert len(frame) == 3000 and frame["target"].dtype == bool  # river's SEA labels are booleans
    assert frame["block"].value_counts().sort_index().to_dict() == {1: 1000, 2: 1000, 3: 1000}
    dates = frame.groupby("block")["timestamp"].unique().map(list).to_dict()
    assert dates == {1: ["2023-01-01"], 2: ["2023-01-08"], 3: ["2023-01-15"]}
    for block, function in ((1, 0), (2, 1), (3, 2)):
        rows = frame[frame["block"] == block]
        total = rows["0"] + rows["1"]
        disagree = {t: float(((total > t) != rows["target"]).mean()) for t in SEA_THRESHOLDS}
        # The seed's GeneratorConfig flips 10 % of SEA's labels (noise_percentage=0.1).
        assert abs(disagree[SEA_THRESHOLDS[function]] - 0.1) < 0.035
        assert min(disagree, key=disagree.__getitem__) == SEA_THRESHOLDS[function]


def test_a_stream_has_the_seeds_columns_types_and_dates():
    frame = SyntheticGenerator(random_state=3).generate(
        sea(2), 10, date_start="2024-01-31", date_every=3, date_step={"months": 1}, date_col="when"
    )
    assert frame.columns.tolist() == [0, 1, 2, "target", "when"]  # river's keys, then target and date
    assert frame.dtypes.astype(str).tolist() == ["float64"] * 3 + ["bool", "datetime64[ns]"]
    assert (frame["target"] == (frame[0] + frame[1] > 7)).all()
    assert frame["when"].dt.strftime("%Y-%m-%d").tolist() == (
        ["2024-01-31"] * 3 + ["2024-02-29"] * 3 + ["2024-03-31"] * 3 + ["2024-04-30"]
    )


def test_abrupt_drift_switches_at_its_position_exactly():
    frame = SyntheticGenerator().generate(
        sea(0), 20_000, drift_type="abrupt", generator_instance_drift=sea(2, seed=2), position_of_drift=7_321
    )
    total = frame[0] + frame[1]
    assert (frame["target"][:7_321] == (total[:7_321] > 8)).all()
    assert (frame["target"][7_321:] == (total[7_321:] > 7)).all()
    # rows of the band right after the position already follow the new concept
    after = slice(7_321, 7_600)
    assert (frame["target"][after][(total[after] > 7) & (total[after] <= 8)]).all()


def test_abrupt_drift_defaults_to_the_middle():
    frame = SyntheticGenerator().generate(
        sea(0), 10_000, drift_type="abrupt", generator_instance_drift=sea(2)
    )
    total = frame[0] + frame[1]
    assert (frame["target"][:5000] == (total[:5000] > 8)).all()
    assert (frame["target"][5000:] == (total[5000:] > 7)).all()


def test_gradual_drift_is_a_sigmoid_of_width_n_over_10_by_default():
    n = 200_000
    frame = SyntheticGenerator().generate(sea(0), n, drift_type="gradual", generator_instance_drift=sea(2))
    middle, width = n // 2, n // 10
    assert abs(new_concept_share(frame, slice(middle - 2000, middle + 2000)) - 0.5) < 0.12
    # a width before the middle, 1 / (1 + e^4) = 1.8 % of rows have moved on; a width after, 98.2 %
    assert new_concept_share(frame, slice(middle - width - 2000, middle - width + 2000)) < 0.06
    assert new_concept_share(frame, slice(middle + width - 2000, middle + width + 2000)) > 0.94
    assert (
        new_concept_share(frame, slice(0, 20_000)) == 0.0 and new_concept_share(frame, slice(-20_000, n)) == 1
    )


def test_gradual_drift_takes_a_position_and_width():
    frame = SyntheticGenerator().generate(
        sea(0),
        100_000,
        drift_type="gradual",
        generator_instance_drift=sea(2),
        position_of_drift=30_000,
        transition_width=2_000,
    )
    assert abs(new_concept_share(frame, slice(29_000, 31_000)) - 0.5) < 0.12
    assert (
        new_concept_share(frame, slice(0, 27_000)) < 0.01
        and new_concept_share(frame, slice(33_000, None)) > 0.99
    )


def test_incremental_drift_spans_every_row_centred_in_the_middle():
    n = 200_000
    frame = SyntheticGenerator().generate(
        sea(0), n, drift_type="incremental", generator_instance_drift=sea(2)
    )
    # width n around n / 2: row 0 has moved on with probability 1 / (1 + e^2) = 11.9 %
    assert abs(new_concept_share(frame, slice(0, 10_000)) - 0.119) < 0.06
    assert abs(new_concept_share(frame, slice(n // 2 - 5000, n // 2 + 5000)) - 0.5) < 0.08
    assert abs(new_concept_share(frame, slice(n - 10_000, n)) - 0.881) < 0.06


def test_virtual_drift_removes_the_given_features_from_its_position():
    frame = SyntheticGenerator().generate(
        sea(0),
        40_000,
        drift_type="virtual_drift",
        position_of_drift=10_000,
        drift_options={"missing_fraction": 0.25, "feature_cols": [1]},
    )
    missing = frame[1].isna().to_numpy()
    assert not missing[:10_000].any() and abs(missing[10_000:].mean() - 0.25) < 0.01
    assert frame[0].notna().all() and frame[2].notna().all() and frame["target"].notna().all()


def test_virtual_drift_defaults_to_every_feature_a_tenth_from_the_middle():
    frame = SyntheticGenerator().generate(sea(0), 40_000, drift_type="virtual_drift")
    for column in (0, 1, 2):
        missing = frame[column].isna().to_numpy()
        assert not missing[:20_000].any() and abs(missing[20_000:].mean() - 0.1) < 0.01


def test_balance_is_exact_in_a_stream_and_in_every_block(tmp_path):
    frame = SyntheticGenerator().generate(sea(3), 1001, balance=True)  # variant 3: 12.5 % True unbalanced
    assert sorted(frame["target"].value_counts().to_list()) == [500, 501]  # the odd row takes either
    path = SyntheticBlockGenerator().generate_blocks_simple(
        tmp_path,
        "blocks.csv",
        2,
        2001,
        "sea",
        [{"function": 3}, {"function": 0}],
        n_samples_block=[1000, 1001],
        balance=True,
    )
    blocks = pd.read_csv(path)
    counts = blocks.groupby("block")["target"].value_counts().unstack().to_dict("index")
    assert counts[1] == {False: 500, True: 500} and sorted(counts[2].values()) == [500, 501]


def test_balance_classes_flags_that_disagree_are_refused():
    spec = sea().generator
    balanced, unbalanced = (
        GeneratorStream(spec, balance_classes=True),
        GeneratorStream(spec, balance_classes=False),
    )
    with pytest.raises(UsageError, match="generators disagree on balanced classes"):
        SyntheticGenerator().generate(balanced, 10, drift_type="abrupt", generator_instance_drift=unbalanced)
    frame = SyntheticGenerator().generate(
        balanced, 10, drift_type="abrupt", generator_instance_drift=balanced
    )
    pairs = frame["target"].to_numpy().reshape(5, 2)
    assert (pairs.sum(axis=1) == 1).all()  # each pair of rows takes both classes


def test_save_dataset_writes_the_frame_it_returns(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    frame = SyntheticGenerator().generate(
        sea(1), 500, filename="s.csv", output_dir="out", save_dataset=True, date_start="2023-05-01"
    )
    written = pd.read_csv(tmp_path / "out" / "s.csv", parse_dates=["timestamp"])
    written.columns = frame.columns
    pd.testing.assert_frame_equal(written, frame, check_dtype=False)
    SyntheticGenerator().generate(sea(1), 5, filename="d.csv", save_dataset=True)
    assert (tmp_path / SyntheticGenerator.DEFAULT_OUTPUT_DIR / "d.csv").exists()
    SyntheticGenerator().generate(sea(1), 5, filename="n.csv", output_path="quiet")
    assert not (tmp_path / "quiet" / "n.csv").exists()  # as the seed: written only when save_dataset


def test_an_output_folder_that_is_a_file_is_refused_by_name(tmp_path):
    taken = tmp_path / "taken"
    taken.write_text("a file")
    message = f"output folder {str(taken)!r} is a file; give a folder"
    with pytest.raises(UsageError) as caught:
        SyntheticGenerator().generate(sea(1), 5, filename="s.csv", output_dir=str(taken), save_dataset=True)
    assert str(caught.value) == message
    with pytest.raises(UsageError) as caught:
        SyntheticBlockGenerator().generate_blocks_simple(str(taken), "b.csv", 2, 100, "sea")
    assert str(caught.value) == message and taken.read_text() == "a file"


def test_random_state_seeds_generators_made_without_a_seed():
    unseeded = GeneratorFactory.create_generator(GeneratorType.SEA)
    same = [
        SyntheticGenerator(random_state=4).generate(unseeded, 300, drift_type="virtual_drift") for _ in "ab"
    ]
    pd.testing.assert_frame_equal(*same)
    other = SyntheticGenerator(random_state=5).generate(unseeded, 300, drift_type="virtual_drift")
    assert (other[0][:150] != same[0][0][:150]).all()  # before the drift's position, nothing missing
    # a generator's own seed decides its rows whatever the dataset's
    seeded = [SyntheticGenerator(random_state=seed).generate(sea(), 300) for seed in (4, 5)]
    pd.testing.assert_frame_equal(*seeded)


# -- the factory ------------------------------------------------------------------------------------


def test_config_aliases():
    assert GeneratorConfig(seed=5).random_state == 5 and GeneratorConfig(random_state=5).seed == 5
    assert GeneratorConfig(n_dims=4).n_features == 4 and GeneratorConfig(n_features=4).n_dims == 4
    with pytest.raises(UsageError, match="seed=1 and random_state=2 are one setting"):
        GeneratorConfig(seed=1, random_state=2)
    with pytest.raises(UsageError, match="n_dims=3 and n_features=4 are one setting"):
        GeneratorConfig(n_dims=3, n_features=4)


def test_the_factory_maps_the_seeds_fields_to_fastsynths_parameters():
    made = GeneratorFactory.create_generator("sea", GeneratorConfig(seed=9, function=3, noise_percentage=0.2))
    assert made.generator.to_document() == {"type": "sea", "seed": 9, "variant": 3, "noise": 0.2}
    assert made == GeneratorFactory.create_generator(
        GeneratorType.SEA, GeneratorConfig(random_state=9, function=3, noise_percentage=0.2)
    )
    # the seed's defaults, not river's: SEA flips 10 % of labels
    assert GeneratorFactory.create_generator(GeneratorType.SEA).generator.to_document() == {
        "type": "sea",
        "noise": 0.1,
    }


def test_random_state_builds_rivers_tree_and_centroids_as_the_seeds_factory_does():
    """The seed's factory gives river's RandomTree ``seed_tree=random_state``: the same tree here."""
    made = GeneratorFactory.create_generator(GeneratorType.RANDOM_TREE, GeneratorConfig(random_state=42))
    document = made.generator.to_document()
    assert document["seed"] == document["seed_tree"] == 42
    frame = SyntheticGenerator().generate(made, 1_000)
    options = {k: v for k, v in document.items() if k not in ("type", "seed")}
    river = synth.RandomTree(seed_sample=0, **options)
    next(iter(river))
    rows = frame.drop(columns="target").to_dict("records")
    assert frame["target"].tolist() == [river._classify_instance(river.tree_root, row) for row in rows]
    rbf = GeneratorFactory.create_generator(GeneratorType.RANDOM_RBF, GeneratorConfig(random_state=42))
    assert rbf.generator.to_document()["seed_model"] == 42


def test_preset_concept_drift_is_the_seeds_pair():
    base, drift = GeneratorFactory.create_preset_concept_drift(GeneratorType.SEA, seed=7, drift_magnitude=0.5)
    assert base.generator.to_document() == {"type": "sea", "seed": 7, "noise": 0.1}
    assert drift.generator.to_document() == {
        "type": "sea",
        "seed": 8,
        "variant": 1,
        "noise": pytest.approx(0.15),
    }


def test_available_generators_and_their_info():
    available = GeneratorFactory.get_available_generators()
    assert GeneratorType.SEA in available
    assert {kind.value for kind in available} == {kind.value for kind in GeneratorType} & set(
        GENERATORS.names()
    )
    info = GeneratorFactory.get_generator_info(GeneratorType.SEA)
    assert info | {"description": ""} == {
        "name": "SEA Concepts",
        "description": "",
        "features": 3,
        "classes": 2,
        "drift_capable": True,
        "available": True,
    }
    assert {k for kind in GeneratorType for k in GeneratorFactory.get_generator_info(kind)} == set(info)


@pytest.mark.parametrize("kind", list(GeneratorType), ids=lambda kind: kind.value)
def test_every_generator_type_is_made_with_the_seeds_defaults(kind, tmp_path):
    """Over the whole enum: each type fastsynth has is made from a default GeneratorConfig, iterates and
    fills a frame and a block CSV; the others say they are not available yet."""
    if kind.value not in GENERATORS:
        with pytest.raises(UsageError, match=f"generator '{kind.value}' is not available"):
            GeneratorFactory.create_generator(kind, GeneratorConfig())
        return
    made = GeneratorFactory.create_generator(kind, GeneratorConfig(random_state=1))
    rows = list(made.take(5))
    assert len(rows) == 5 and all(isinstance(x, dict) for x, _ in rows)
    frame = SyntheticGenerator().generate(made, 100)
    assert frame.columns.tolist() == [*rows[0][0], "target"]
    assert [list(x.values()) for x, _ in rows] == frame.iloc[:5, :-1].values.tolist()
    path = SyntheticBlockGenerator().generate_blocks_simple(tmp_path, "b.csv", 2, 100, kind.value)
    assert pd.read_csv(path).shape == (100, len(rows[0][0]) + 2)


# -- the river-like iterator ------------------------------------------------------------------------


def test_take_yields_rivers_pairs_and_starts_over_each_time(monkeypatch):
    made = sea(2, noise=0.0, seed=3)
    first = list(made.take(5))
    assert [sorted(x) for x, _ in first] == [[0, 1, 2]] * 5
    assert all(type(y) is bool and y == (x[0] + x[1] > 7) for x, y in first)
    assert list(made.take(5)) == first
    frame = SyntheticGenerator().generate(made, 5)  # the same rows as the frame's
    assert [[*x.values(), y] for x, y in first] == frame.values.tolist()
    monkeypatch.setattr(calmops, "_TAKE_BATCH", 7)  # iteration crosses batch boundaries
    assert list(itertools.islice(made, 23)) == list(made.take(23))
    assert list(itertools.islice(made, 5)) == first


# -- blocks -----------------------------------------------------------------------------------------


def test_both_spellings_of_the_output_and_block_sizes(tmp_path):
    old = SyntheticBlockGenerator().generate_blocks_simple(
        output_path=tmp_path / "a", filename="d.csv", n_blocks=2, total_samples=30, methods="sea",
        instances_per_block=[10, 20], random_state=1,
    )  # fmt: skip
    new = StreamBlockGenerator().generate_blocks_simple(
        output_dir=tmp_path / "b", filename="d.csv", n_blocks=2, total_samples=30, methods="sea",
        n_samples_block=[10, 20], random_state=1,
    )  # fmt: skip
    assert Path(old).read_text() == Path(new).read_text()
    assert pd.read_csv(new)["block"].value_counts().to_dict() == {1: 10, 2: 20}
    assert StreamGenerator is SyntheticGenerator and StreamBlockGenerator is SyntheticBlockGenerator
    with pytest.raises(UsageError, match=r"output_dir=.* and output_path=.* are one setting"):
        SyntheticBlockGenerator().generate_blocks_simple(
            tmp_path / "x", "d.csv", 1, 10, "sea", output_path=tmp_path / "y"
        )


def test_generate_takes_factory_generators_and_block_labels(tmp_path):
    path = SyntheticBlockGenerator().generate(
        output_dir=tmp_path,
        filename="g.csv",
        n_blocks=3,
        total_samples=301,
        n_samples_block=None,
        generators=[sea(0), sea(1), sea(2)],
        block_labels=["a", "b", "c"],
        date_start="2023-01-31",
        date_step={"months": 1},
        date_col="day",
    )
    assert path == str(tmp_path / "g.csv")
    frame = pd.read_csv(path)
    assert frame.columns.tolist() == ["0", "1", "2", "target", "day", "block"]
    assert frame["block"].value_counts().to_dict() == {"a": 100, "b": 100, "c": 101}  # remainder on the last
    assert frame.groupby("block")["day"].first().tolist() == ["2023-01-31", "2023-02-28", "2023-03-31"]
    for label, threshold in zip("abc", SEA_THRESHOLDS, strict=False):
        block = frame[frame["block"] == label]
        assert ((block["0"] + block["1"] > threshold) == block["target"]).all()


def test_random_state_seeds_each_block_as_the_seed_does(tmp_path):
    path = SyntheticBlockGenerator().generate_blocks_simple(tmp_path, "r.csv", 2, 20, "sea", random_state=10)
    again = SyntheticBlockGenerator().generate(
        tmp_path, "g.csv", 2, 20, None, [sea(0, 0.1, seed=10), sea(0, 0.1, seed=11)], random_state=10
    )
    assert Path(path).read_text() == Path(again).read_text()


@dataclass(frozen=True, kw_only=True)
class Coin(Generator):
    """A generator of one feature in [0, 1), class 1 below ``bias``: a second type beside SEA."""

    bias: float = 0.5

    def features(self) -> tuple[Feature, ...]:
        return (Feature("flip", pa.float64()),)

    def fill(self, out) -> int:
        mixed = out.rows.astype(np.uint64) * np.uint64(0x9E3779B97F4A7C15) + np.uint64(out.key)
        out.columns[0][:] = (mixed >> np.uint64(11)).astype(np.float64) / 2.0**53
        out.target[:] = out.columns[0] < self.bias
        return 0


def test_blocks_may_use_different_generators(tmp_path, monkeypatch):  # the seed refuses this
    monkeypatch.setattr(Coin, "type_name", "coin")
    monkeypatch.setitem(GENERATORS._items, "coin", Coin)
    path = SyntheticBlockGenerator().generate(
        tmp_path, "mixed.csv", 2, 2000, None, [sea(0), Coin(seed=1, bias=0.3)], date_start="2023-01-01"
    )
    frame = pd.read_csv(path)
    assert frame.columns.tolist() == ["0", "1", "2", "flip", "target", "timestamp", "block"]
    first, second = frame[frame["block"] == 1], frame[frame["block"] == 2]
    assert first["flip"].isna().all() and second[["0", "1", "2"]].isna().all().all()
    assert ((second["flip"] < 0.3) == second["target"]).all()
    assert ((first["0"] + first["1"] > 8) == first["target"]).all()


@pytest.mark.skipif(
    "agrawal" not in GENERATORS or "hyperplane" not in GENERATORS, reason="needs a second generator"
)
def test_blocks_of_different_generator_types_by_name(tmp_path):
    path = SyntheticBlockGenerator().generate_blocks_simple(
        tmp_path, "m.csv", 2, 200, ["agrawal", "hyperplane"], balance=True
    )
    frame = pd.read_csv(path)
    assert (
        frame["salary"][frame["block"] == 1].notna().all()
        and frame["salary"][frame["block"] == 2].isna().all()
    )


def test_the_report_flag_is_accepted_and_logged_once(tmp_path, monkeypatch, caplog):
    monkeypatch.setattr(common, "_REPORTED", False)
    with caplog.at_level(logging.INFO, logger="fastsynth.compat"):
        for name in ("one.csv", "two.csv"):
            SyntheticBlockGenerator().generate_blocks_simple(
                tmp_path, name, 1, 10, "sea", generate_report=True, report_config={"output_dir": "r"}
            )
        SyntheticGenerator().generate(sea(), 10, generate_report=True)
    notes = [r.getMessage() for r in caplog.records if "no report is written" in r.getMessage()]
    assert len(notes) == 1
    assert sorted(p.name for p in tmp_path.iterdir()) == ["one.csv", "two.csv"]


# -- errors -----------------------------------------------------------------------------------------

BLOCKS = {"output_dir": "unused", "filename": "d.csv", "n_blocks": 3, "total_samples": 30, "methods": "sea"}


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        ({"methods": "seaa"}, r"methods='seaa' is not a generator; allowed: .*sea"),
        ({"methods": ["sea", "nope", "sea"]}, r"methods\[1\]='nope' is not a generator"),
        ({"methods": ["sea", "sea"]}, r"methods has 2 values \(\['sea', 'sea'\]\) for n_blocks=3"),
        ({"method_params": [{}, {}]}, r"method_params has 2 values .* for n_blocks=3"),
        (
            {"method_params": {"functon": 1}},
            r"method_params: unknown GeneratorConfig field 'functon'; allowed: ",
        ),
        ({"method_params": {"function": 7}}, r"variant=7 is not allowed; allowed: 0, 1, 2, 3"),
        (
            {"method_params": {"classification_function": 2}},
            r"classification_function=2 does not apply to .*'sea'",
        ),
        ({"method_params": {"seed": 2}, "random_state": 1}, r"seed=2 and random_state=1 both seed the block"),
        (
            {"n_samples_block": [10, 10, 9]},
            r"n_samples_block=\[10, 10, 9\] adds up to 29, not total_samples=30",
        ),
        ({"n_samples_block": [10, 20]}, r"n_samples_block has 2 values \(\[10, 20\]\) for n_blocks=3"),
        ({"total_samples": 2}, r"total_samples=2 is fewer than one row for each of n_blocks=3"),
        ({"n_blocks": 0}, r"n_blocks=0 is not an integer >= 1"),
        ({"date_start": "soon"}, r"date_start='soon' is not an ISO date"),
        (
            {"date_start": "2023-01-01", "date_step": {"fortnights": 1}},
            r"date_step: unknown unit 'fortnights'",
        ),
        (
            {"drift_config": [{"method": "inject_feature_drift"}]},
            r"drift_config is not supported: .*inject_drift",
        ),
        ({"dynamics_config": {"evolve_features": {}}}, r"dynamics_config is not supported"),
        ({"output_dir": None}, r"give output_dir \(or output_path\)"),
        ({"filename": None}, r"filename is required"),
    ],
)
def test_block_errors_name_the_parameter_value_and_what_is_allowed(arguments, message, tmp_path):
    with pytest.raises(UsageError, match=message):
        SyntheticBlockGenerator().generate_blocks_simple(**(BLOCKS | {"output_dir": tmp_path} | arguments))


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        (
            {"drift_type": "recurrent"},
            r"drift_type='recurrent' is not allowed; allowed: none, abrupt, gradual",
        ),
        ({"drift_type": "gradual"}, r"drift_type='gradual' needs generator_instance_drift"),
        ({"generator_instance_drift": "B"}, r"generator_instance_drift is given but drift_type='none'"),
        (
            {"drift_type": "abrupt", "generator_instance_drift": "B", "transition_width": 5},
            r"abrupt drift has no",
        ),
        (
            {"drift_type": "incremental", "generator_instance_drift": "B", "position_of_drift": 5},
            r"spans all",
        ),
        (
            {"drift_type": "abrupt", "generator_instance_drift": "B", "position_of_drift": 101},
            r"past the last",
        ),
        (
            {"drift_type": "gradual", "generator_instance_drift": "B", "inconsistency": 0.3},
            r"inconsistency=0.3",
        ),
        ({"drift_options": {"missing_fraction": 0.2}}, r"drift_options=.* are given but drift_type='none'"),
        ({"drift_type": "virtual_drift", "drift_options": {"rate": 0.2}}, r"unknown key 'rate'; allowed"),
        (
            {"drift_type": "virtual_drift", "drift_options": {"missing_fraction": 2}},
            r"drift_options\['missing_fraction'\]=2 is not a number in \[0, 1\]",
        ),
        ({"drift_type": "virtual_drift", "drift_options": {"feature_cols": ["x"]}}, r"names 'x'"),
        ({"drift_config": [{"method": "inject_feature_drift"}]}, r"drift_config is not supported"),
        ({"constraints": [{"col": 0, "op": ">", "val": 1}]}, r"constraints is not supported"),
        ({"sequence_config": {"entity_col": "id"}}, r"sequence_config is not supported"),
        ({"colour": "red"}, r"unknown parameter 'colour'"),
        ({"n_samples": 0}, r"n_samples=0 is not an integer >= 1"),
        ({"generator_instance": object()}, r"generator_instance: a builtins.object is not a generator"),
        ({"target_col": "0"}, r"column '0' is named twice"),
    ],
)
def test_stream_errors_name_the_parameter_value_and_what_is_allowed(arguments, message):
    arguments = {"generator_instance": sea(), "n_samples": 100, **arguments}
    if arguments.get("generator_instance_drift") == "B":
        arguments["generator_instance_drift"] = sea(1)
    with pytest.raises(UsageError, match=message):
        SyntheticGenerator().generate(**arguments)


def test_fields_without_a_counterpart_are_refused_not_ignored():
    with pytest.raises(UsageError, match=r"noise_percentage_sine=0\.3 does not apply to generator 'sea'"):
        GeneratorFactory.create_generator(GeneratorType.SEA, GeneratorConfig(noise_percentage_sine=0.3))
    with pytest.raises(UsageError, match=r"n_features=4 does not apply to generator 'sea'"):
        GeneratorFactory.create_generator(GeneratorType.SEA, GeneratorConfig(n_dims=4))
    with pytest.raises(UsageError, match=r"generator_type='tree' is not a generator; allowed: .*sea"):
        GeneratorFactory.create_generator("tree", GeneratorConfig())


@pytest.mark.parametrize(
    "micros",
    [[0, 86_400_000_000, 7 * 86_400_000_000], [0, 3_600_000_000, 86_400_000_000], [0, 1, 1_500_000]],
    ids=["midnights", "whole seconds", "fractions"],
)
def test_the_csv_writes_times_and_booleans_as_pandas_does(micros, tmp_path):
    times = np.datetime64("2023-01-01", "us") + np.array(micros, dtype="timedelta64[us]")
    table = pa.table({"x": [0.5, 1.25, None], "y": [True, False, True], "t": times})
    common.write_csv(table, str(tmp_path / "ours.csv"))
    table.to_pandas().to_csv(tmp_path / "pandas.csv", index=False)
    with open(tmp_path / "ours.csv") as ours, open(tmp_path / "pandas.csv") as theirs:
        assert list(csv.reader(ours)) == list(csv.reader(theirs))  # the same fields, quoting aside


def test_river_streams_the_seeds_code_made_itself_are_taken_at_rivers_speed():
    from river.datasets import synth

    frame = SyntheticGenerator().generate(synth.SEA(variant=1, seed=3), 300)
    expected = list(synth.SEA(variant=1, seed=3).take(300))
    assert frame[0].tolist() == [x[0] for x, _ in expected]
    assert frame["target"].astype(int).tolist() == [int(y) for _, y in expected]
