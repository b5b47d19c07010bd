"""An Arrow Flight server: rows as Arrow record batches over gRPC, made as they are sent.

A ticket (or a command descriptor) is a JSON object, the body of the REST API's ``/generate``:
``{"generator": "users", "rows": 1000000, "seed": 7, "start": 0}`` or ``{"schema": {...}, "rows": ...}``.
``get_flight_info`` on a command descriptor with ``"parts": N`` answers N endpoints, each a ticket for
a consecutive share of the rows, which clients may fetch in parallel (rows are the same however they are
split); a path descriptor ``["users"]`` names a registered generator, with the batch-size setting as its
row count. Generators are registered with the actions ``add-generator`` (the REST body of
``POST /generators``), ``remove-generator`` (``{"name": ...}``) and ``list-generators``, or shared with a
REST API serving the same ``Service`` (``fastsynth api --flight-port``).

When the settings set a token (``api.token``), every call must carry the header ``authorization:
Bearer TOKEN`` (``flight.FlightCallOptions(headers=[(b"authorization", b"Bearer " + token)])``); a call
without it fails with ``FlightUnauthenticatedError``.

A refusal is a ``FlightServerError`` whose message names the field, the value and what is allowed; its
``extra_info`` is the JSON of the REST API's problem details (``type``, ``title``, ``status`` (400, 404
or 409, as ``fastsynth.errors.status_of`` gives), ``detail``, ``field``). A failure fastsynth did not
foresee is logged and answered as ``FlightInternalError`` naming its kind alone: no traceback, no path.
"""

from __future__ import annotations

import dataclasses
import json
import logging
from collections.abc import Callable, Iterator
from typing import Any, TypeVar

import pyarrow as pa
import pyarrow.flight as flight

from fastsynth.config import load_settings
from fastsynth.errors import FastsynthError, UsageError, problem_details, status_of
from fastsynth.service import Service
from fastsynth.service.access import authorized
from fastsynth.service.records import GeneratorRequest, PartsRequest, RowsRequest, arguments

__all__ = ["FlightServer"]

log = logging.getLogger("fastsynth.flight")
T = TypeVar("T")

ACTIONS = {
    "add-generator": 'register a generator: {"name", "schema" | "example", "seed"}',
    "remove-generator": 'forget a generator: {"name"}',
    "list-generators": "the registered generators",
}


def _refusal(exc: FastsynthError) -> flight.FlightServerError:
    body = json.dumps(problem_details(status_of(exc), str(exc))).encode()
    return flight.FlightServerError(str(exc), extra_info=body)


def _crash(exc: Exception) -> flight.FlightInternalError:
    log.error("a Flight call failed", exc_info=exc)
    return flight.FlightInternalError(
        f"internal error ({type(exc).__name__}); the server's log has the details"
    )


def _answer(call: Callable[[], T]) -> T:
    """``call()``, with fastsynth's refusals turned into Flight errors that carry the message alone,
    and anything else into an internal error that tells nothing of the server's insides."""
    try:
        return call()
    except FastsynthError as exc:
        raise _refusal(exc) from None
    except flight.FlightError:
        raise
    except Exception as exc:
        raise _crash(exc) from None


class _TokenCheck(flight.ServerMiddlewareFactory):
    """Refuses every call without the service's token (when it has one), before the call runs."""

    def __init__(self, service: Service) -> None:
        self.service = service

    def start_call(self, info: Any, headers: dict[str, list[Any]]) -> None:
        given = headers.get("authorization") or [None]
        if not authorized(given[0], self.service.settings.api_token):
            raise flight.FlightUnauthenticatedError(
                "this server needs a token: send the header authorization: Bearer TOKEN"
            )


def _document(raw: bytes, what: str) -> dict[str, Any]:
    try:
        document = json.loads(raw)
    except (UnicodeDecodeError, json.JSONDecodeError):
        raise UsageError(f"the {what} is not JSON: {raw[:80]!r}") from None
    except RecursionError:
        raise UsageError(f"the {what} is nested too deeply to read") from None
    if not isinstance(document, dict):
        raise UsageError(f"the {what} is not a JSON object: {raw[:80]!r}")
    return document


class FlightServer(flight.FlightServerBase):
    """Serves ``service``'s generators (a new service with the environment's settings by default) at
    ``location``, loopback on a free port unless told otherwise; the port is ``server.port``."""

    def __init__(self, service: Service | None = None, location: str = "grpc://127.0.0.1:0") -> None:
        service = service if service is not None else Service(load_settings())
        super().__init__(location, middleware={"token": _TokenCheck(service)})
        self.service = service

    # -- data --------------------------------------------------------------------------------------

    def do_get(self, context: Any, ticket: flight.Ticket) -> flight.FlightDataStream:
        request = _answer(lambda: arguments(RowsRequest, _document(ticket.ticket, "ticket"), "the ticket"))
        schema, batches = _answer(lambda: self.service.batches(**request))
        # The first batch is made before the stream begins, so what fails there (a column that cannot
        # make these rows) is refused as any request is; the client would otherwise meet a broken stream.
        first = _answer(lambda: next(batches, None))
        reader = pa.RecordBatchReader.from_batches(schema, _guarded(first, batches))
        return flight.RecordBatchStream(reader)

    def get_flight_info(self, context: Any, descriptor: flight.FlightDescriptor) -> flight.FlightInfo:
        return _answer(lambda: self._info(descriptor))

    def get_schema(self, context: Any, descriptor: flight.FlightDescriptor) -> flight.SchemaResult:
        return _answer(lambda: flight.SchemaResult(self._info(descriptor).schema))

    def do_put(self, context: Any, descriptor: Any, reader: Any, writer: Any) -> None:
        raise _refusal(UsageError("this server makes rows; it takes none (do_put is not served)"))

    def do_exchange(self, context: Any, descriptor: Any, reader: Any, writer: Any) -> None:
        raise _refusal(UsageError("this server makes rows; it takes none (do_exchange is not served)"))

    def _info(self, descriptor: flight.FlightDescriptor) -> flight.FlightInfo:
        if descriptor.descriptor_type == flight.DescriptorType.PATH:
            if len(descriptor.path) != 1:
                raise UsageError(f"a path descriptor names one generator, got {len(descriptor.path)} parts")
            request: dict[str, Any] = {"generator": descriptor.path[0].decode()}
            parts = 1
        else:
            request = arguments(PartsRequest, _document(descriptor.command, "command"), "the command")
            parts = request.pop("parts")
        schema, rows, seed = self.service.request(**request)
        first = request.get("start", 0)
        endpoints = []
        for k in range(parts):  # consecutive shares, the first ones one row longer when uneven
            lo, hi = first + rows * k // parts, first + rows * (k + 1) // parts
            share = {**request, "rows": hi - lo, "start": lo, "seed": seed}
            endpoints.append(flight.FlightEndpoint(json.dumps(share).encode(), []))
        return flight.FlightInfo(schema.arrow_schema(), descriptor, endpoints, rows, -1)

    def list_flights(self, context: Any, criteria: bytes) -> Iterator[flight.FlightInfo]:
        names = list(self.service.generators)
        yield from _answer(lambda: [self._info(flight.FlightDescriptor.for_path(n)) for n in names])

    # -- actions -----------------------------------------------------------------------------------

    def list_actions(self, context: Any) -> list[tuple[str, str]]:
        return list(ACTIONS.items())

    def do_action(self, context: Any, action: flight.Action) -> Iterator[flight.Result]:
        result = _answer(lambda: self._act(action.type, action.body.to_pybytes() if action.body else b""))
        yield flight.Result(json.dumps(result).encode())

    def _act(self, kind: str, body: bytes) -> Any:
        if kind == "list-generators":
            return [dataclasses.asdict(g.describe()) for g in self.service.generators.values()]
        if kind not in ACTIONS:
            raise UsageError(f"action {kind!r} is unknown; allowed: {', '.join(ACTIONS)}")
        document = _document(body, f"body of {kind}")
        if kind == "add-generator":
            asked = arguments(GeneratorRequest, document, "the body of add-generator")
            return dataclasses.asdict(self.service.add_generator(**asked).describe())
        name = document.get("name")
        if not isinstance(name, str):
            raise UsageError(f"remove-generator: name={name!r} is not a generator name")
        self.service.remove_generator(name)
        return {"removed": name}


def _guarded(first: pa.RecordBatch | None, batches: Iterator[pa.RecordBatch]) -> Iterator[pa.RecordBatch]:
    """``first`` then the rest of the batches; a failure once sending has begun reaches the client as a
    Flight error with the message alone. Closed (the client left), it closes the batches at once."""
    try:
        if first is not None:
            yield first
        yield from batches
    except FastsynthError as exc:
        raise _refusal(exc) from None
    except Exception as exc:
        raise _crash(exc) from None
    finally:
        close = getattr(batches, "close", None)  # the service's holder of a place among row streams
        if close is not None:
            close()
