"""Flight servers a user might write instead of ``fastsynth flight``, run by bench_flight.py as their own
process: ticket ``mimesis:N`` makes N rows of the seed's tabular schema with Mimesis's batch ``Fieldset``
API per request; ``memory:N`` sends N rows of a table made once at start-up (the transport alone, the
ceiling of any generator)."""

from __future__ import annotations

import random
import sys

import pyarrow as pa
import pyarrow.flight as flight
from mimesis import Fieldset, Locale

import fastsynth
from fastsynth.schema import EXAMPLES


def mimesis_table(rows: int) -> pa.Table:
    fs = Fieldset(locale=Locale.EN, i=rows, seed=42)
    gauss = random.Random(42).gauss
    return pa.table(
        {
            "id": fs("numeric.integer_number", start=1000, end=9999),
            "name": fs("person.full_name"),
            "email": fs("person.email"),
            "age": fs("numeric.integer_number", start=18, end=90),
            "income": [max(0.0, gauss(50000, 20000)) for _ in range(rows)],
            "created_at": fs("datetime.datetime", start=2020, end=2023),
            "status": fs("choice.choice", items=["active"] * 7 + ["inactive"] * 2 + ["pending"]),
        }
    )


class Baselines(flight.FlightServerBase):
    def __init__(self, location: str, memory_rows: int) -> None:
        super().__init__(location)
        self.memory = fastsynth.generate(EXAMPLES["tabular"], memory_rows)

    def do_get(self, context, ticket):
        kind, rows = ticket.ticket.decode().split(":")
        table = mimesis_table(int(rows)) if kind == "mimesis" else self.memory.slice(0, int(rows))
        return flight.RecordBatchStream(table)


if __name__ == "__main__":
    server = Baselines(f"grpc://127.0.0.1:{sys.argv[1]}", int(sys.argv[2]))
    server.serve()
