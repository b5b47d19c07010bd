"""random_tree: river's tree from the same seed, node for node; river's rows labelled by fastsynth's
walk; feature and class distributions as river's; rows independent of batches; parameter errors."""

from __future__ import annotations

import numpy as np
import pytest
from river.datasets import synth
from scipy import stats

import fastsynth
from fastsynth.concepts import generator_from_document
from fastsynth.concepts import random_tree as random_tree_module
from fastsynth.concepts.base import Rows
from fastsynth.concepts.random_tree import MAX_NODES, RandomTree
from fastsynth.errors import SchemaError
from fastsynth.kernels.concepts.random_tree import random_tree_labels

SMALL = {
    "n_classes": 3,
    "n_num_features": 2,
    "n_cat_features": 2,
    "n_categories_per_feature": 2,
    "max_tree_depth": 6,
    "first_leaf_level": 3,
    "fraction_leaves_per_level": 0.15,
}
CASES = [
    {},
    SMALL,
    {"n_classes": 4, "n_num_features": 3, "n_cat_features": 0, "max_tree_depth": 8, "first_leaf_level": 1},
    {"n_num_features": 0, "n_cat_features": 4, "n_categories_per_feature": 3, "max_tree_depth": 4},
    {
        "n_categories_per_feature": 7,
        "max_tree_depth": 4,
        "first_leaf_level": 0,
        "fraction_leaves_per_level": 0.4,
    },
]


def river_rows(params, seed_tree, n, seed_sample=5):
    data = list(synth.RandomTree(seed_tree=seed_tree, seed_sample=seed_sample, **params).take(n))
    return [x for x, _ in data], np.array([y for _, y in data])


def walk(state, n_num, rows, names):
    values = np.array([[x[name] for name in names] for x in rows], np.float64).T.copy()
    out = np.empty(values.shape[1], np.int64)
    random_tree_labels(*state, n_num, values, out)
    return out


def assert_same_tree(river_node, state, node=0):
    """River's nested ``TreeNode`` and the flattened arrays describe the same tree."""
    feature, threshold, first_child, leaf_class, _ = state
    if not river_node.children:
        assert feature[node] == -1
        assert leaf_class[node] == river_node.class_label
        return
    assert feature[node] == river_node.split_feature_idx
    if river_node.split_feature_val is not None:
        assert threshold[node] == river_node.split_feature_val
    for k, child in enumerate(river_node.children):
        assert_same_tree(child, state, first_child[node] + k)


def river_height(node):
    return 1 + max(map(river_height, node.children)) if node.children else 0


@pytest.mark.parametrize("params", CASES)
@pytest.mark.parametrize("seed", [1, 42, 2024])
def test_the_tree_is_rivers_for_the_same_seed(params, seed):
    river = synth.RandomTree(seed_tree=seed, seed_sample=0, **params)
    next(iter(river))  # river builds its tree when iteration starts
    state = RandomTree(**params).state(seed)
    assert_same_tree(river.tree_root, state)
    assert state.height == river_height(river.tree_root)


@pytest.mark.slow
@pytest.mark.parametrize("params", CASES)
@pytest.mark.parametrize("seed", [1, 42])
def test_rivers_rows_relabelled_by_the_walk_give_rivers_labels(params, seed):
    generator = RandomTree(**params)
    rows, labels = river_rows(params, seed, 20_000)
    got = walk(generator.state(seed), generator.n_num_features, rows, generator.feature_names())
    np.testing.assert_array_equal(got, labels)


def test_rivers_seed_tree_in_a_schema_gives_rivers_tree_whatever_the_datasets_seed():
    river = synth.RandomTree(seed_tree=42, seed_sample=0, **SMALL)
    next(iter(river))
    for seed in (1, 2):
        document = {"generator": {"type": "random_tree", "seed_tree": 42, **SMALL}, "seed": seed}
        table = fastsynth.generate(fastsynth.Schema.from_dict(document), 2_000)
        rows = table.drop_columns(["target"]).to_pylist()
        labels = [river._classify_instance(river.tree_root, row) for row in rows]
        assert table["target"].to_pylist() == labels
    unseeded = RandomTree(**SMALL)  # the tree of the generator's key, which the dataset's seed sets
    first, second = (unseeded.state(int(unseeded.key(seed))) for seed in (1, 2))
    assert not np.array_equal(first.threshold, second.threshold)


def test_own_rows_relabelled_by_the_walk_give_the_target():
    generator = RandomTree(**SMALL)
    columns, target = generator.sample(5_000, key=9)
    values = np.array([columns[name].astype(np.float64) for name in generator.feature_names()])
    out = np.empty(target.shape[0], np.int64)
    random_tree_labels(*generator.state(9), generator.n_num_features, values, out)
    np.testing.assert_array_equal(out, target)


def test_features_are_rivers_names_and_types():
    generator = RandomTree(n_num_features=2, n_cat_features=3, n_categories_per_feature=4)
    x, _ = next(iter(synth.RandomTree(seed_tree=1, n_num_features=2, n_cat_features=3)))
    assert generator.feature_names() == tuple(x)
    columns, _ = generator.sample(10)
    for name, value in x.items():
        assert columns[name].dtype == (np.float64 if isinstance(value, float) else np.int64)
    assert generator.classes() == 2


@pytest.mark.slow
def test_features_and_classes_are_distributed_as_rivers():
    """100k rows each, the same tree (key 42 and river's seed_tree 42)."""
    n = 100_000
    rows, labels = river_rows({}, 42, n)
    generator = RandomTree()
    columns, target = generator.sample(n, key=42)
    for name in generator.feature_names():
        theirs = np.array([x[name] for x in rows])
        if name.startswith("x_num"):
            assert stats.ks_2samp(columns[name], theirs).pvalue > 0.001, name
            assert columns[name].min() >= 0.0 and columns[name].max() < 1.0
        else:
            table = [np.bincount(columns[name], minlength=5), np.bincount(theirs, minlength=5)]
            assert stats.chi2_contingency(table).pvalue > 0.001, name
    ours, theirs = np.bincount(target, minlength=2) / n, np.bincount(labels, minlength=2) / n
    np.testing.assert_allclose(ours, theirs, atol=0.01)


def test_rows_do_not_depend_on_the_batch():
    generator = RandomTree(**SMALL)
    columns, target = generator.sample(3_000, key=3)
    part, part_target = generator.sample(1_000, start=1_234, key=3)
    np.testing.assert_array_equal(part_target, target[1_234:2_234])
    for name in generator.feature_names():
        np.testing.assert_array_equal(part[name], columns[name][1_234:2_234])


@pytest.mark.parametrize(("start", "size"), [(0, 1), (5, 2), (7, 3), (0, 5), (13, 9), (2, 0)])
def test_any_batch_size_and_offset_gives_the_same_rows(start, size):
    """First attempts are walked four rows at a time: batches that are not multiples of four too."""
    generator = RandomTree(**SMALL)
    columns, target = generator.sample(32, key=8)
    part, part_target = generator.sample(size, start=start, key=8)
    np.testing.assert_array_equal(part_target, target[start : start + size])
    for name in generator.feature_names():
        np.testing.assert_array_equal(part[name], columns[name][start : start + size])


def test_desired_classes_come_exactly():
    generator = RandomTree(**SMALL)
    desired = np.arange(3_000) % 3
    columns, target = generator.sample(3_000, key=3, desired=desired)
    np.testing.assert_array_equal(target, desired)
    free, free_target = generator.sample(3_000, key=3)
    keep = free_target == desired  # rows already of the class asked for keep their first draw
    np.testing.assert_array_equal(columns["x_num_0"][keep], free["x_num_0"][keep])


def test_a_class_no_leaf_has_is_reported_not_looped_on():
    generator = RandomTree(n_classes=2, max_tree_depth=0)  # one leaf
    leaf = int(generator.state(1).leaf_class[0])
    rows = np.arange(4, dtype=np.int64)
    columns = [np.empty(4, f.dtype) for f in generator.features()]
    target = np.empty(4, np.int8)
    desired = np.array([1 - leaf, leaf, 1 - leaf, -1])
    missed = generator.fill(Rows(rows, np.uint64(1), generator.state(1), desired, columns, target))
    assert missed == 2
    assert (target == leaf).all()


def test_branches_out_of_candidates_end_in_leaves():
    """River fails on an empty range when only categorical features are left and all are used above;
    here such a node is a leaf."""
    params = {"n_num_features": 0, "n_cat_features": 2, "max_tree_depth": 5, "fraction_leaves_per_level": 0.0}
    with pytest.raises(ValueError, match="empty range"):
        next(iter(synth.RandomTree(seed_tree=1, **params)))
    feature = RandomTree(**params).state(1).feature
    assert (feature == -1).sum() == 5 * 5  # every path splits on both features, of 5 categories each
    generator = RandomTree(**params)
    _, target = generator.sample(1_000)
    assert set(np.unique(target)) <= {0, 1}


def test_a_tree_past_the_node_limit_is_refused(monkeypatch):
    assert MAX_NODES == 1 << 20
    monkeypatch.setattr(random_tree_module, "MAX_NODES", 1_000)  # a million nodes take seconds to build
    generator = RandomTree(
        n_num_features=3, n_cat_features=0, max_tree_depth=40, fraction_leaves_per_level=0.0
    )
    with pytest.raises(SchemaError, match=r"max_tree_depth=40.*more than 1000 nodes; allowed: a shallower"):
        generator.state(1)
    assert RandomTree(
        n_num_features=3, n_cat_features=0, max_tree_depth=8, fraction_leaves_per_level=0.0
    ).state(1).feature.shape == (511,)


@pytest.mark.parametrize(
    ("document", "message"),
    [
        ({"n_classes": 0}, "n_classes=0 is not an integer in [1, 127]"),
        ({"n_num_features": -1}, "n_num_features=-1 is not an integer in [0, 10000]"),
        ({"n_categories_per_feature": 0}, "n_categories_per_feature=0 is not an integer in [1, 1000000]"),
        ({"fraction_leaves_per_level": 1.5}, "fraction_leaves_per_level=1.5 is not a number in [0, 1]"),
        ({"max_tree_depth": 2.5}, "max_tree_depth=2.5"),
        ({"n_num_features": 0, "n_cat_features": 0}, "n_num_features=0 and n_cat_features=0"),
        ({"seed_tree": "42"}, "seed_tree='42' is not an integer"),
        ({"seed_sample": 3}, "unknown parameter 'seed_sample'"),
    ],
)
def test_bad_parameters_name_the_parameter_value_and_what_is_allowed(document, message):
    with pytest.raises(SchemaError) as info:
        generator_from_document({"type": "random_tree", **document}, "schema: generator")
    assert str(info.value).startswith("schema: generator: ")
    assert message in str(info.value)
