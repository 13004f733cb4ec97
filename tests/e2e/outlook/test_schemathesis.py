"""schemathesis against the served ``/openapi.json``: no generated request makes the server fail (5xx), every
answer matches the description (status codes, content types, response schemas), and no answer but a
successful ``protect`` ever carries one of the directory's access codes.

Cases come from schemathesis' strategies driven by Hypothesis directly (30 valid and 15 invalid requests per
operation), not from its pytest plugin, whose parametrisation breaks with recent pytest releases.
"""

from __future__ import annotations

import pytest
import schemathesis
from hypothesis import HealthCheck, Phase, given, settings
from outlook_helpers import ACCESS_CODE, OTHER_EMAIL, Server
from schemathesis import GenerationMode

pytestmark = pytest.mark.e2e

OPERATIONS = [
    ("/api/v1/analyse", "POST"),
    ("/api/v1/protect", "POST"),
    ("/api/v1/catalogue/{language}", "GET"),
    ("/healthz", "GET"),
]


@pytest.fixture(scope="module")
def api_schema(server: Server) -> schemathesis.BaseSchema:
    return schemathesis.openapi.from_url(f"{server.url}/openapi.json", verify=str(server.cert))


def test_every_operation_is_covered(api_schema: schemathesis.BaseSchema) -> None:
    described = {(op.ok().path, op.ok().method.upper()) for op in api_schema.get_all_operations()}
    assert described == set(OPERATIONS)


RUNS = [
    pytest.param(path, method, mode, examples, id=f"{method} {path} {label}")
    for path, method in OPERATIONS
    for mode, examples, label in ((GenerationMode.POSITIVE, 30, "valid"), (GenerationMode.NEGATIVE, 15, "invalid"))
    if path != "/healthz" or mode is GenerationMode.POSITIVE  # /healthz takes no input to make invalid
]


@pytest.mark.parametrize(("path", "method", "mode", "examples"), RUNS)
def test_api_conforms_and_never_fails(
    api_schema: schemathesis.BaseSchema, server: Server, path: str, method: str, mode: GenerationMode, examples: int
) -> None:
    operation = api_schema[path][method]
    headers = {"Authorization": f"Bearer {server.token}"}

    @settings(max_examples=examples, deadline=None, phases=[Phase.generate],
              suppress_health_check=list(HealthCheck), database=None)
    @given(case=operation.as_strategy(mode))
    def check(case: schemathesis.Case) -> None:
        if path == "/api/v1/analyse" and isinstance(case.body, dict) and case.body.get("to") == []:
            case.body["to"] = [OTHER_EMAIL]  # the patient who has an access code, now and then
        response = case.call_and_validate(base_url=server.url, headers=headers, verify=str(server.cert))
        if not (path == "/api/v1/protect" and response.status_code == 200):
            assert ACCESS_CODE.encode() not in response.content
        seen.add(response.status_code)

    seen: set[int] = set()
    check()
    assert seen
