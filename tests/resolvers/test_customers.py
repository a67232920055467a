"""Customers: who may read whom, held accounts, and what a registration must hold."""

from __future__ import annotations

import pytest
from comptoir.resolvers.customers import (
    Registration,
    any_customer,
    may_read_customer,
    registration_problems,
)
from comptoir.resolvers.errors import Forbidden

from tests.resolvers.fakes import TABLET, WEB, FakeSources, scope_on


def test_a_shopper_reads_themself_and_a_staff_channel_everyone(fake: FakeSources) -> None:
    sources = fake.source_set()
    assert may_read_customer(scope_on(sources, WEB, shopper="CU-1"), "CU-1")
    assert not may_read_customer(scope_on(sources, WEB, shopper="CU-1"), "CU-2")
    assert not may_read_customer(scope_on(sources, WEB), "CU-1")
    assert may_read_customer(scope_on(sources, TABLET), "CU-2")


async def test_customer_by_id_is_for_staff_channels_only(fake: FakeSources) -> None:
    with pytest.raises(Forbidden, match="staff channels only"):
        await any_customer(scope_on(fake.source_set(), WEB, shopper="CU-1"), None, "CU-1")  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("registration", "expected"),
    [
        (Registration("lea@example.com", "Léa", "Martin", "+33612345678"), []),
        (Registration("lea@", "Léa", "Martin", None), ["INVALID_EMAIL"]),
        (Registration("lea@example.com", "", "M" * 101, None), ["INVALID_NAME", "INVALID_NAME"]),
        (Registration("lea@example.com", "Léa", "Martin", "0612345678"), ["INVALID_PHONE"]),
    ],
)
def test_a_registration_is_checked_field_by_field(
    registration: Registration, expected: list[str]
) -> None:
    assert [p.code for p in registration_problems(registration)] == expected
