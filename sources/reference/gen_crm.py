"""Generate the crm's customers (the loyalty ledger follows the orders, in :mod:`gen_loyalty`)."""

from __future__ import annotations

import random
import unicodedata
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from comptoir.sources.reference import cases
from comptoir.sources.reference.places import CASE_STORES, FIRST_NAMES, LAST_NAMES, STORES, Place
from comptoir.sources.reference.scale import ANCHOR, DemoScale, iso

_SEGMENTS = (
    ("newsletter", 0.5),
    ("vip", 0.08),
    ("new", 0.1),
    ("lapsed", 0.1),
    ("employee", 0.02),
    ("b2b", 0.02),
)
_STORE_BY_ID = {store.id: store for store in STORES + CASE_STORES}


@dataclass
class CustomerPlan:
    """What the order and loyalty generators need to know about one customer."""

    number: int
    id: str
    home: Place
    preferred_store: str | None
    has_account: bool
    created: datetime

    @property
    def created_at(self) -> str:
        """When the customer was created, as ISO 8601."""
        return iso(self.created)


def _slug(text: str) -> str:
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return "".join(ch for ch in ascii_text.lower() if ch.isalnum())


def _identities(
    rng: random.Random, number: int, systems: tuple[str, ...] | None = None
) -> list[dict[str, str]]:
    if systems is None:
        drawn = tuple(
            system
            for system, p in (("web", 0.8), ("app", 0.35), ("store", 0.45), ("marketplace", 0.08))
            if rng.random() < p
        )
        systems = drawn or ("web",)
    external = {
        "web": f"w-{70000 + number}",
        "app": f"app-{(number * 7919) % 1000003:07d}",
        "store": f"card-{4400000 + number * 3}",
        "marketplace": f"mp-{number:07d}",
    }
    return [{"system": system, "external_id": external[system]} for system in systems]


def generate_customers(
    scale: DemoScale, seed: int
) -> tuple[list[dict[str, Any]], list[CustomerPlan]]:
    """Customers CU-100001… with unique emails (case-insensitively), and their plans."""
    rng = random.Random(f"{seed}:crm")
    taken = {cases.CUSTOMER_OMNICHANNEL_EMAIL, cases.MIXED_CASE_EMAIL.lower()}
    docs: list[dict[str, Any]] = []
    plans: list[CustomerPlan] = []
    for number in range(1, scale.customers + 1):
        customer_id = f"CU-{100000 + number}"
        first, last = rng.choice(FIRST_NAMES), rng.choice(LAST_NAMES)
        stem = f"{_slug(first)}.{_slug(last)}"
        email, suffix = f"{stem}@example.com", 1
        while email in taken:
            suffix += 1
            email = f"{stem}{suffix}@example.com"
        phone = f"+336{rng.randrange(10**8):08d}" if rng.random() < 0.85 else None
        segments = [name for name, p in _SEGMENTS if rng.random() < p]
        home = rng.choice(STORES)
        preferred = home.id if rng.random() < 0.6 else None
        created = ANCHOR - timedelta(days=rng.uniform(30, 2600))
        updated = created + timedelta(days=rng.uniform(0, (ANCHOR - created).days))
        has_account = rng.random() < 0.85
        identities = _identities(rng, number)
        if customer_id == cases.CUSTOMER_OMNICHANNEL:
            first, last, email, phone = (
                "Léa",
                "Martin",
                cases.CUSTOMER_OMNICHANNEL_EMAIL,
                "+33612345678",
            )
            identities = _identities(rng, number, ("web", "app", "store", "marketplace"))
            segments, preferred, has_account = (
                ["vip", "newsletter"],
                cases.STORE_PARIS_CENTRAL,
                True,
            )
            home = _STORE_BY_ID[cases.STORE_PARIS_CENTRAL]
            created = datetime(2019, 3, 14, 9, 30, tzinfo=ANCHOR.tzinfo)
            updated = datetime(2026, 6, 11, 10, 48, tzinfo=ANCHOR.tzinfo)
        elif customer_id == cases.CUSTOMER_NO_ORDERS:
            has_account = False
        elif customer_id in (cases.CUSTOMER_ZERO_POINTS, cases.CUSTOMER_RICH_POINTS):
            has_account = True
        elif customer_id == cases.CUSTOMER_MIXED_CASE_EMAIL:
            first, last, email = "Camille", "Durand", cases.MIXED_CASE_EMAIL
        elif customer_id == cases.CUSTOMER_BRIVE:
            home = _STORE_BY_ID[cases.STORE_BRIVE_RETURNS]
            preferred = cases.STORE_BRIVE_RETURNS
        taken.add(email.lower())
        docs.append(
            {
                "id": customer_id,
                "email": email,
                "first_name": first,
                "last_name": last,
                "phone": phone,
                "identities": identities,
                "segments": segments,
                "preferred_location_id": preferred,
                "created_at": iso(created),
                "updated_at": iso(updated),
            }
        )
        plans.append(CustomerPlan(number, customer_id, home, preferred, has_account, created))
    return docs, plans
