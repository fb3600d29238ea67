"""schemathesis against the OpenAPI document, in-process on the ASGI app:
no 5xx, and every response matches the schema.  Streams are excluded."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

schemathesis = pytest.importorskip(
    "schemathesis", reason="schemathesis is not installed (pip install -e '.[dev]')"
)
from hypothesis import HealthCheck, settings  # noqa: E402

from warroom.core.clock import SYSTEM_CLOCK  # noqa: E402
from warroom.server.app import create_app  # noqa: E402
from warroom.server.tokens import TokenStore  # noqa: E402
from warroom.services.incidents import declare  # noqa: E402
from warroom.store.sqlite import SQLiteStore  # noqa: E402

EXAMPLES = 25
TOKEN: dict[str, str] = {}


@pytest.fixture(scope="module")
def api_schema(tmp_path_factory: pytest.TempPathFactory) -> Iterator[object]:
    db = Path(tmp_path_factory.mktemp("schema")) / "warroom.db"
    store = SQLiteStore(db)
    TOKEN["admin"] = TokenStore.for_store(store).create("fuzzer", "admin")
    declare(store, "seed", SYSTEM_CLOCK, title="a seeded incident", severity=2)
    app = create_app(store, max_wait=0.05)
    schema = schemathesis.openapi.from_asgi("/api/v1/openapi.json", app)
    yield schema
    store.close()


schema = schemathesis.pytest.from_fixture("api_schema").exclude(path_regex=r"/stream$")
CHECKS = [
    schemathesis.checks.not_a_server_error,
    schemathesis.checks.status_code_conformance,
    schemathesis.checks.content_type_conformance,
    schemathesis.checks.response_headers_conformance,
    schemathesis.checks.response_schema_conformance,
]


@schema.parametrize()
@settings(
    max_examples=EXAMPLES,
    deadline=None,
    suppress_health_check=list(HealthCheck),
    derandomize=True,
)
def test_every_operation_answers_within_its_schema(case: object) -> None:
    case.call_and_validate(  # type: ignore[attr-defined]
        headers={"Authorization": f"Bearer {TOKEN['admin']}"}, checks=CHECKS
    )
