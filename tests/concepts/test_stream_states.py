"""A concept's once-built state (a tree, centroids) is built at most once a batch, however often the
rows switch between concepts: past the states a process keeps, each switch built one again."""

from __future__ import annotations

import fastsynth
from fastsynth.concepts import stream


def test_a_batch_builds_each_concepts_state_once_whatever_the_switches(monkeypatch):
    built = []
    original = stream._state.__wrapped__

    def counting(generator, key):
        built.append(int(key))
        return original(generator, key)

    monkeypatch.setattr(stream, "_state", counting)
    concepts = [{"type": "random_rbf", "seed": i, "n_centroids": 5} for i in range(20)]
    switches = [{"position": p} for p in range(10, 2_000, 10)]  # back and forth through the 20
    cycle = {"generator": {"concepts": concepts * 10, "drift": switches}}
    made = fastsynth.generate(cycle, 2_000, seed=1)
    assert made.num_rows == 2_000 and len(built) == 20  # one batch: each state once, not per switch
