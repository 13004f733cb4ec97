"""schemathesis against the served ``/openapi.json``: no generated request makes the server fail (5xx), and
every answer matches the description (status codes, content types, response schemas)."""

from __future__ import annotations

import pytest
import schemathesis
from hypothesis import HealthCheck, Phase, settings
from outlook_helpers import Server

pytestmark = pytest.mark.e2e


@pytest.fixture(scope="session")
def api_schema(server: Server) -> schemathesis.BaseSchema:
    # 30 generated cases per operation; the coverage phase (hundreds of boundary cases per operation) is
    # left out to keep the suite fast, its main finds are pinned in test_server_api.
    config = schemathesis.Config.from_dict({"phases": {"coverage": {"enabled": False}}})
    return schemathesis.openapi.from_url(f"{server.url}/openapi.json", config=config, verify=str(server.cert))


schema = schemathesis.pytest.from_fixture("api_schema")


@schema.parametrize()
@settings(
    max_examples=30, deadline=None, phases=[Phase.explicit, Phase.generate], suppress_health_check=list(HealthCheck)
)
def test_api_conforms_and_never_fails(case: schemathesis.Case, server: Server) -> None:
    case.call_and_validate(
        base_url=server.url, headers={"Authorization": f"Bearer {server.token}"}, verify=str(server.cert)
    )
