"""Requests generated from the REST API's own OpenAPI document (schemathesis), sent to a real server on
127.0.0.1: whatever a request holds, the answer is never a 5xx and is what the document says (its status,
media type and body shape)."""

from __future__ import annotations

import collections
import itertools

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis.checks import (
    content_type_conformance,
    not_a_server_error,
    response_schema_conformance,
    status_code_conformance,
)

from tests.api.server_process import Server

pytestmark = [pytest.mark.server, pytest.mark.subprocess, pytest.mark.slow]

CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance]


@pytest.fixture(scope="module")
def served(tmp_path_factory):
    # A small row ceiling keeps generated /generate requests cheap; everything else is as shipped.
    server = Server(tmp_path_factory.mktemp("fuzz"), "--max-rows", "20000")
    yield server
    assert server.stop() is not None
    log = server.log.read_text()
    assert "Traceback" not in log, log  # nothing failed inside, even where the answer was fine


def test_no_request_gets_a_5xx_or_an_undocumented_answer(served):
    schema = schemathesis.openapi.from_url(f"{served.url}/schema/openapi.json")
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) >= 15
    answered: collections.Counter[int] = collections.Counter()
    modes = (schemathesis.GenerationMode.POSITIVE, schemathesis.GenerationMode.NEGATIVE)
    for operation, mode in itertools.product(operations, modes):  # each gets its share of examples
        if mode is schemathesis.GenerationMode.NEGATIVE and not operation.body:
            continue  # a path name is any text: only a body can be wrong

        strategy = operation.as_strategy(generation_mode=mode)
        if (
            operation.path == "/events"
        ):  # an event stream lasts until its client leaves: one event, then it ends
            strategy = strategy.map(_one_event)

        @given(case=strategy)
        @settings(max_examples=40, deadline=None, suppress_health_check=list(HealthCheck), database=None)
        def exchange(case):
            response = case.call_and_validate(checks=CHECKS, timeout=30)
            answered[response.status_code] += 1

        exchange()
    assert answered.total() >= 500 and answered.keys() <= {200, 201, 204, 400, 404, 409, 413, 415}


def _one_event(case):
    case.query = {**(case.query or {}), "count": 1}
    return case
