"""SQL texts too long for polars to parse safely are refused before polars reads them, wherever they
come from (a 10,000-term sum crashed the interpreter with a segmentation fault)."""

from __future__ import annotations

import pyarrow as pa
import pytest

import fastsynth
from fastsynth import scenarios, sql
from fastsynth.errors import SchemaError, UsageError

LONG = "+".join(["x"] * 10_000)


@pytest.mark.slow
def test_a_long_expression_is_refused_with_its_size_and_the_limit():
    with pytest.raises(ValueError, match=r"it has 19999 tokens \(words and symbols\); allowed: at most 5000"):
        sql.parse(LONG)
    assert sql.parse("+".join(["x"] * 2_500)) is not None  # 4,999 tokens: parsed


def test_an_expr_field_a_drift_rule_a_constraint_and_a_target_refuse_it():
    fields = {"x": {"type": "float"}, "y": {"type": "expr", "expr": LONG}}
    with pytest.raises(SchemaError, match=r"field 'y': expr=.* at most 5000 in an SQL expression"):
        fastsynth.Schema.from_dict({"fields": fields})
    table = pa.table({"x": [1.0, 2.0, 3.0]})
    with pytest.raises(UsageError, match="at most 5000 in an SQL expression"):
        scenarios.construct_target(table, "y", LONG, seed=1)
    with pytest.raises(UsageError, match="at most 5000 in an SQL expression"):
        fastsynth.fit(table, method="resample", constraints=[LONG + " > 0"])
    with pytest.raises(UsageError, match="at most 5000 in an SQL expression"):
        fastsynth.inject_drift(
            table, [{"type": "shift", "columns": ["x"], "magnitude": 1, "where": LONG + " > 0"}]
        )
