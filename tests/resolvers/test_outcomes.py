"""What a write's caller hears: their key's problems, and a source's refusal in their terms."""

from __future__ import annotations

import pytest
from comptoir.resolvers.outcomes import key_problems, outcome_of, refusal
from comptoir.sources.held import CUSTOMER, ORDER, Submitted, held_customer
from comptoir.sources.outbox import Rejected

from tests.resolvers.fakes import FakeSources, scope_on


@pytest.mark.parametrize("key", ["", "   ", "k" * 201])
def test_an_idempotency_key_is_1_to_200_characters(key: str) -> None:
    assert [p.code for p in key_problems(key)] == ["INVALID_IDEMPOTENCY_KEY"]
    assert key_problems("checkout-7f3a") == []


@pytest.mark.parametrize(
    ("error", "code"),
    [
        ("email_taken", "EMAIL_TAKEN"),
        ("idempotency_key_reused", "IDEMPOTENCY_KEY_REUSED"),
        ("unknown_customer", "UNKNOWN_CUSTOMER"),
        ("invalid_body", "ACCOUNT_REFUSED"),
    ],
)
def test_a_refusal_says_what_the_caller_can_do_about_it(error: str, code: str) -> None:
    assert refusal(CUSTOMER, error, "").code == code


def test_an_order_the_oms_refused_for_its_own_reason_is_order_refused() -> None:
    problem = refusal(ORDER, "out_of_stock", "no more units")
    assert (problem.code, problem.message) == ("ORDER_REFUSED", "the oms refused it: no more units")


def test_a_write_refused_at_once_is_answered_with_the_sources_reason(fake: FakeSources) -> None:
    scope = scope_on(fake.source_set())
    refused = Submitted(None, Rejected(409, "email_taken", {"message": "taken"}))
    outcome = outcome_of(scope, CUSTOMER, refused, held_customer)
    assert (outcome.doc, outcome.pending) == (None, False)
    assert [p.code for p in outcome.problems] == ["EMAIL_TAKEN"]
    assert scope.report.entries() == []
