"""The contract: one schema per document, one compiled validator, problems that never quote the input."""

from __future__ import annotations

from typing import Any

from hypothesis import given
from hypothesis import strategies as st

from medseal import contract, service

SECRET = "85073003328"


def test_every_schema_of_the_contract_is_shipped_and_compiles() -> None:
    for name in contract.SCHEMAS:
        assert contract.schema(name)["type"] == "object"
        assert contract.problem(name, {}) is None or name == "changeset"


def test_a_problem_says_where_and_which_rule_without_quoting() -> None:
    assert contract.problem("snapshot", {"to": SECRET}) == "$.to must be of type array"
    unknown = contract.problem("snapshot", {"body": {SECRET: 1}})
    assert unknown == "$.body has a property the contract does not define"
    missing = contract.problem("snapshot", {"attachments": [{"name": "x"}]})
    assert missing == "$.attachments[0] missing required dataBase64"
    wrong = contract.problem("settings", {"fixRecipients": SECRET})
    assert wrong == "$.fixRecipients must be of type ['boolean', 'null']"


@given(st.dictionaries(st.sampled_from(["to", "subject", "body", "headers", "language", SECRET]),
                       st.just(SECRET) | st.lists(st.just({SECRET: SECRET}), max_size=2) | st.integers()))
def test_no_problem_ever_quotes_the_document(document: dict[str, Any]) -> None:
    for name in contract.SCHEMAS:
        assert SECRET not in (contract.problem(name, document) or "")


def test_the_failure_change_set_is_a_valid_change_set_that_blocks() -> None:
    failed = contract.failure("the core could not run")
    assert contract.problem("changeset", failed) is None
    assert failed["action"] == "block" and failed["error"] == "the core could not run"


def test_bad_settings_fail_closed_through_the_same_validator() -> None:
    change = service.analyse({"version": 1}, {"practiceKey": 7})
    assert change["action"] == "block" and "$.practiceKey" in change["error"]
    assert contract.problem("changeset", change) is None
