"""What a server accepts of a schema's generator: every size capped before anything is built."""

from __future__ import annotations

import pytest

from fastsynth import Schema, SchemaError, UsageError
from fastsynth.config import load_settings
from fastsynth.schema.limits import Limits
from fastsynth.service.core import Service


@pytest.mark.parametrize(
    ("generator", "message"),
    [
        (
            {"type": "river", "stream": "AnomalySine", "params": {"n_samples": 10**9}},
            "type 'river' is not served",
        ),
        ({"type": "random_rbf", "n_centroids": 100_000, "n_features": 1000}, "100,000,000 coordinates"),
        ({"type": "random_tree", "max_tree_depth": 12}, "tree of up to 305,175,781 nodes"),
        (
            {"type": "random_tree", "n_num_features": 1000, "n_cat_features": 1000},
            "2001 columns is over the limit",
        ),
        ({"type": "hyperplane", "n_features": 5000}, r"n_features=5000 is not an integer in \[1, 1000\]"),
        ({"concepts": [{"type": "sea"}], "blocks": {"count": 10**8, "rows": 5}}, "count=100000000 is over"),
    ],
)
def test_a_server_refuses_generators_it_cannot_bound(generator: dict, message: str) -> None:
    with pytest.raises(SchemaError, match=message):
        Schema.from_dict({"generator": generator}, limits=Limits())
    if generator.get("type") == "river":  # the same document is fine from Python and the CLI
        Schema.from_dict({"generator": {**generator, "params": {"n_samples": 100, "n_anomalies": 5}}})


def test_a_server_bounds_how_far_a_sequential_generator_starts() -> None:
    service = Service(load_settings(environ={}), max_rows=100_000)
    reversing = {"generator": {"type": "hyperplane", "mag_change": 0.01, "sigma": 0.2}}
    with pytest.raises(
        UsageError, match="start=1,000,000,000,000: generator 'hyperplane' makes every row before"
    ):
        service.request(schema=reversing, rows=10, start=10**12)
    service.request(schema=reversing, rows=10, start=99_990)
    service.request(schema={"generator": {"type": "hyperplane"}}, rows=10, start=10**12)  # closed form
