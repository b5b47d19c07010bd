"""Fitted models behind the servers: generators named after model files of the operator's folder."""

from __future__ import annotations

import io

import httpx
import pyarrow as pa
import pyarrow.flight as flight
import pyarrow.parquet as pq
import pytest

import fastsynth
from fastsynth.config import load_settings
from fastsynth.errors import NotFound, SchemaError, UsageError
from fastsynth.service.core import Service
from tests.api.server_process import Server
from tests.kafka_broker import free_port


@pytest.fixture(scope="module")
def models(people: pa.Table, tmp_path_factory) -> tuple:
    folder = tmp_path_factory.mktemp("models")
    schema = fastsynth.fit(people, method="resample", custom_distributions={"city": {"Nice": 1.0}})
    schema.save(folder / "people.fsm")
    return folder, schema


def _service(folder, trust: bool = False) -> Service:
    return Service(load_settings(environ={}), models=folder, trust_models=trust)


def test_a_generator_names_a_model_file(models) -> None:
    folder, schema = models
    service = _service(folder)
    info = service.add_generator("people", model="people.fsm", seed=4).describe()
    assert info.schema == {"model": "people.fsm"} and info.columns == ["city", "income", "age", "member"]
    arrow_schema, batches = service.batches(generator="people", rows=3_000, start=500)
    made = pa.Table.from_batches(list(batches), schema=arrow_schema)
    assert made.equals(fastsynth.generate(schema, 3_000, seed=4, start=500))
    assert set(made.column("city").to_pylist()) == {"Nice"}


@pytest.mark.parametrize(
    ("model", "error", "message"),
    [
        ("../people.fsm", UsageError, "is not the name of a .fsm file in the models folder"),
        ("sub/people.fsm", UsageError, "no folders"),
        ("people.yaml", UsageError, "is not the name of a .fsm file"),
        ("other.fsm", NotFound, r"is not in the models folder \(people.fsm\)"),
    ],
)
def test_only_plain_names_of_the_folder_s_files_are_served(models, model, error, message) -> None:
    with pytest.raises(error, match=message):
        _service(models[0]).add_generator("x", model=model)


def test_model_files_need_a_folder_and_come_alone(models) -> None:
    with pytest.raises(UsageError, match="serves no model files; start it with --models"):
        Service(load_settings(environ={})).add_generator("x", model="people.fsm")
    with pytest.raises(UsageError, match="give one of schema, example or model, not example and model"):
        _service(models[0]).add_generator("x", example="tabular", model="people.fsm")


def test_a_request_cannot_carry_a_model_document(models) -> None:
    """A model's document could name anything (an SDV pickle, a schema without limits)."""
    service = _service(models[0])
    for document in ({"model": {"method": "resample"}}, {"model": {"method": "schema", "schema": {}}}):
        with pytest.raises(SchemaError, match="only from its models folder"):
            service.request(schema=document, rows=10)
    service.request(schema={"model": {"type": "int", "min": 1, "max": 9}}, rows=10)  # a column "model"


@pytest.mark.slow
def test_a_pickled_model_loads_only_when_the_operator_trusts_the_folder(people, tmp_path) -> None:
    fastsynth.fit(people.slice(0, 300), method="gaussian_copula").save(tmp_path / "sdv.fsm")
    with pytest.raises(SchemaError, match="pickle"):
        _service(tmp_path).add_generator("sdv", model="sdv.fsm")
    service = _service(tmp_path, trust=True)
    service.add_generator("sdv", model="sdv.fsm")
    assert service.request(generator="sdv", rows=50)[1] == 50


@pytest.mark.server
@pytest.mark.subprocess
def test_a_real_server_serves_a_model_over_http_and_flight(models, tmp_path) -> None:
    folder, schema = models
    port = free_port()
    server = Server(tmp_path, "--models", str(folder), "--flight-port", str(port))
    try:
        with httpx.Client(base_url=server.url, timeout=60) as http:
            added = http.post("/generators", json={"name": "people", "model": "people.fsm", "seed": 2})
            assert added.status_code in (200, 201), added.text
            body = http.post("/generate", json={"generator": "people", "rows": 2_000, "format": "parquet"})
            assert body.status_code == 200
            assert pq.read_table(io.BytesIO(body.content)).equals(fastsynth.generate(schema, 2_000, seed=2))
            bad = http.post("/generators", json={"name": "x", "model": "../../etc/passwd"})
            assert bad.status_code == 400 and "no folders" in bad.text
        client = flight.connect(f"grpc://127.0.0.1:{port}")
        ticket = flight.Ticket(b'{"generator": "people", "rows": 1000, "start": 1000}')
        served = client.do_get(ticket).read_all()
        assert served.equals(fastsynth.generate(schema, 1_000, seed=2, start=1_000))
    finally:
        server.stop()
