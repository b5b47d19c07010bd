"""What a user would serve instead of ``fastsynth api``: a Litestar endpoint answering POST /generate with
rows of the seed's tabular schema made by Mimesis's batch ``Fieldset`` API, as JSON. Run by uvicorn from
bench_api.py."""

from __future__ import annotations

import random
from typing import Any

from litestar import Litestar, post
from mimesis import Fieldset, Locale


@post("/generate", sync_to_thread=True)
def generate(data: dict[str, Any]) -> list[dict[str, Any]]:
    rows = int(data["rows"])
    fs = Fieldset(locale=Locale.EN, i=rows, seed=42)
    gauss = random.Random(42).gauss
    columns = {
        "id": fs("numeric.integer_number", start=1000, end=9999),
        "name": fs("person.full_name"),
        "email": fs("person.email"),
        "age": fs("numeric.integer_number", start=18, end=90),
        "income": [max(0.0, gauss(50000, 20000)) for _ in range(rows)],
        "created_at": [t.isoformat() for t in fs("datetime.datetime", start=2020, end=2023)],
        "status": fs("choice.choice", items=["active"] * 7 + ["inactive"] * 2 + ["pending"]),
    }
    return [dict(zip(columns, values, strict=True)) for values in zip(*columns.values(), strict=True)]


app = Litestar([generate], logging_config=None)
