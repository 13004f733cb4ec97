"""schemathesis against the served ``/openapi.json``: no generated request makes the server fail (5xx), and
every answer matches the description (status codes, content types, response schemas)."""

from __future__ import annotations

import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from outlook_helpers import Server

pytestmark = pytest.mark.e2e


@pytest.fixture(scope="session")
def api_schema(server: Server) -> schemathesis.BaseSchema:
    return schemathesis.openapi.from_url(f"{server.url}/openapi.json", verify=str(server.cert))


schema = schemathesis.pytest.from_fixture("api_schema")


@schema.parametrize()
@settings(max_examples=30, deadline=None, suppress_health_check=list(HealthCheck))
def test_api_conforms_and_never_fails(case: schemathesis.Case, server: Server) -> None:
    case.call_and_validate(
        base_url=server.url, headers={"Authorization": f"Bearer {server.token}"}, verify=str(server.cert)
    )
