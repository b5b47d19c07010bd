"""Flight servers a user might write instead of ``fastsynth flight``, run by bench_flight.py as their own
process: ticket ``mimesis:N`` makes N rows of the seed's tabular schema with Mimesis's batch ``Fieldset``
API per request; ``memory:N`` sends N rows of a table made once at start-up (the transport alone, the
ceiling of any generator)."""

from __future__ import annotations

import sys

import pyarrow as pa
import pyarrow.flight as flight
from common import mimesis_columns

import fastsynth
from fastsynth.schema import EXAMPLES


def mimesis_table(rows: int) -> pa.Table:
    return pa.table(mimesis_columns(rows))


class Baselines(flight.FlightServerBase):
    def __init__(self, location: str, memory_rows: int) -> None:
        # The table first: the server takes requests as soon as it listens (a cold numba cache made the
        # first request come before the table did).
        self.memory = fastsynth.generate(EXAMPLES["tabular"], memory_rows)
        super().__init__(location)

    def do_get(self, context, ticket):
        kind, rows = ticket.ticket.decode().split(":")
        table = mimesis_table(int(rows)) if kind == "mimesis" else self.memory.slice(0, int(rows))
        return flight.RecordBatchStream(table)


if __name__ == "__main__":
    server = Baselines(f"grpc://127.0.0.1:{sys.argv[1]}", int(sys.argv[2]))
    server.serve()
