"""The response cache: whole answers to public operations, stored already serialized.

A public operation's answer (``SCHEMA.md``, "Caching seen from outside") is
stored under a key made of the document's hash, the operation's name, its
variables and everything of the channel the answer depends on, plus the
schema's version. It is tagged with every cache entry it read, so that an
invalidation of any of them drops it (in every process sharing the cache),
and it is fresh only as long as the shortest-lived of them. An answer with
errors, or degraded, is never stored. Past its freshness, a stored answer
is kept for the stale window: when executing the operation again fails on
a source, it is served with ``degraded: stale``.
"""

from __future__ import annotations

import hashlib
import math
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, Final

import orjson
from comptoir.cache.backend import CacheBackend
from comptoir.cache.entry import CacheEntry
from comptoir.cache.keys import PREFIX
from comptoir.cache.policy import Freshness, FreshnessPolicy
from comptoir.sources.degraded import Provenance

from comptoir.channels import ChannelConfig

PRIVATE_ROOTS: Final = frozenset({"me", "customer", "order", "cart", "_entities"})
"""Root fields that read a shopper's data (or may: ``_entities`` of a Customer or an Order).

A query selecting none of them is public. Every other root field of
``Query`` is public by design; ``tests/graph/test_answers.py`` fails when a
new root field is not listed in one of the two sets.
"""

PUBLIC_ROOTS: Final = frozenset(
    {"product", "products", "variant", "productSearch", "category", "locations", "_service"}
)
"""Root fields that read only the catalog, stock and locations of a channel."""

ETAG_LENGTH: Final = 34
"""A strong ETag: 32 hex digits of the body's BLAKE2b, in double quotes."""

MIN_FRESH_S: Final = 1.0
"""An answer fresh for less than this is not worth storing."""

Header = tuple[bytes, bytes]

JSON: Final = (b"content-type", b"application/json")
VARY: Final = (b"vary", b"X-Channel-Key")
HIT: Final = (b"x-comptoir-cache", b"HIT")
MISS: Final = (b"x-comptoir-cache", b"MISS")
STALE: Final = (b"x-comptoir-cache", b"STALE")


def etag_of(body: bytes) -> bytes:
    """The strong ETag of an answer's body."""
    return b'"' + hashlib.blake2b(body, digest_size=16).hexdigest().encode() + b'"'


@dataclass(frozen=True, slots=True)
class StoredAnswer:
    """A stored answer: its body as sent, its ETag, and until when it is fresh."""

    body: bytes
    etag: bytes
    fresh_until: float
    freshness: Freshness

    def max_age(self, now: float) -> int:
        """Seconds of freshness left, for ``Cache-Control: max-age``."""
        return max(0, math.floor(self.fresh_until - now))


def not_modified(if_none_match: bytes | None, etag: bytes) -> bool:
    """Whether ``If-None-Match`` names ``etag`` (or ``*``): the client's copy is current."""
    if not if_none_match:
        return False
    if if_none_match.strip() == b"*":
        return True
    for candidate in if_none_match.split(b","):
        candidate = candidate.strip()
        if candidate.startswith(b"W/"):
            candidate = candidate[2:]  # If-None-Match compares weakly (RFC 9110, 13.1.2)
        if candidate == etag:
            return True
    return False


def stored_response(
    stored: StoredAnswer, served: Header, if_none_match: bytes | None, now: float
) -> tuple[int, list[Header], bytes]:
    """How a stored answer goes out: ``200`` with its body, or ``304`` when the client holds it.

    Its status, headers (``content-length`` included on a ``200``) and body.
    ``served`` says where it came from (:data:`HIT`, :data:`MISS`).
    """
    cache_control = (b"cache-control", b"public, max-age=%d" % stored.max_age(now))
    etag = (b"etag", stored.etag)
    if not_modified(if_none_match, stored.etag):
        return 304, [cache_control, etag, VARY, served], b""
    body = stored.body
    length = (b"content-length", b"%d" % len(body))
    return 200, [JSON, cache_control, etag, VARY, served, length], body


class AnswerCache:
    """Stores and finds answers of public operations in the cache backend."""

    def __init__(
        self,
        cache: CacheBackend,
        policy: FreshnessPolicy,
        *,
        schema_version: str,
        max_fresh_s: float,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self._cache = cache
        self._policy = policy
        self._version = schema_version.encode()
        self._max_fresh_s = max_fresh_s
        self._clock = clock

    def key(
        self,
        text_hash: str,
        operation_name: str | None,
        variables: Mapping[str, Any],
        channel: ChannelConfig,
    ) -> str:
        """The key of an answer: what was asked, on which channel, of which schema."""
        digest = hashlib.sha256(self._version)
        for part in (
            text_hash,
            operation_name or "",
            channel.code,
            channel.price_list,
            channel.currency,
            channel.assortment,
            channel.locale,
        ):
            digest.update(b"\0" + part.encode())
        digest.update(b"\0" + orjson.dumps(variables, option=orjson.OPT_SORT_KEYS))
        return f"{PREFIX}:answer:{digest.hexdigest()}"

    def peek(self, key: str) -> StoredAnswer | None:
        """The answer held in this process, without awaiting (``None`` when not held here)."""
        entry = self._cache.get(key)
        return None if entry is None else self._answer(entry)

    async def find(self, key: str) -> StoredAnswer | None:
        """The stored answer of ``key``, fresh or stale, or ``None``."""
        entry = (await self._cache.get_many([key]))[0]
        return None if entry is None else self._answer(entry)

    def prepare(self, body: bytes, provenance: Provenance) -> StoredAnswer | None:
        """An answer read from ``provenance`` as it will be stored; ``None`` when too short-lived.

        Its ETag and freshness are what the answer is sent with, before
        :meth:`keep` stores it: the client does not wait for the write.
        """
        now = self._clock()
        fresh_for = min(provenance.fresh_until - now, self._max_fresh_s)
        if fresh_for < MIN_FRESH_S:
            return None
        return StoredAnswer(body, etag_of(body), now + fresh_for, Freshness.FRESH)

    async def keep(self, key: str, answer: StoredAnswer, provenance: Provenance) -> None:
        """Store an answer from :meth:`prepare`, tagged with every entry it read, until it is stale."""
        now = self._clock()
        fresh_for = answer.fresh_until - now
        if fresh_for <= 0:
            return
        entry = CacheEntry(answer.etag + answer.body, now, fresh_for)
        tags = {key: tuple(provenance.keys)} if provenance.keys else None
        await self._cache.set_many({key: entry}, self._policy.ttl_s(fresh_for), tags)

    def _answer(self, entry: CacheEntry) -> StoredAnswer | None:
        raw = entry.value
        if not isinstance(raw, bytes) or len(raw) <= ETAG_LENGTH:
            return None
        state = self._policy.state(entry, self._clock())
        if state is Freshness.GONE:
            return None
        return StoredAnswer(
            raw[ETAG_LENGTH:], raw[:ETAG_LENGTH], entry.fetched_at + entry.max_age, state
        )
