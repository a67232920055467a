"""Known requests: the bytes of requests answered from the response cache, and what they mean.

``/graphql`` answers a public operation from its stored answer once its
gate has checked the channel, the document, its variables and its cost
(:mod:`comptoir.graph.endpoint`). For a request that came in one piece
(:data:`~comptoir.shortcut.REQUEST_BYTES`), with no shopper token, no
document id and no cost report asked, nothing of that depends on anything
but the bytes and the configuration: the same bytes mean the same stored
answer. :class:`KnownRequests` keeps which answer (its key), which channel,
and the CORS headers, per bytes; the server's protocol asks it first
(:mod:`comptoir.shortcut`), and it answers when the stored answer is still
fresh and the channel's budget allows it without waiting — with the same
status, headers and body as the gate would, counted the same.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Final

from comptoir.cache.policy import Freshness
from comptoir.graph.answers import HIT, AnswerCache, Header, stored_response
from comptoir.graph.budget import CostBudget

from comptoir.channels import ChannelConfig
from comptoir.metrics import ANSWERS, GRAPHQL_LATENCY, GRAPHQL_REQUESTS, KNOWN_REQUEST_ANSWERS

MAX_KNOWN: Final = 2048
"""The most requests kept (the oldest one goes first)."""

MAX_REQUEST_BYTES: Final = 4096
"""The largest request kept."""

_OK = GRAPHQL_REQUESTS.labels("ok")
_HIT = ANSWERS.labels("hit")
_NOT_MODIFIED = ANSWERS.labels("not_modified")


@dataclass(frozen=True, slots=True)
class _Meaning:
    """What a request's bytes mean: which stored answer, on which channel, sent how."""

    key: str
    channel: ChannelConfig
    if_none_match: bytes | None
    added: tuple[Header, ...]
    """Headers the gate adds (CORS)."""


class KnownRequests:
    """The bytes of requests answered from stored answers, and their answers again."""

    def __init__(
        self, answers: AnswerCache, budget: CostBudget, *, max_known: int = MAX_KNOWN
    ) -> None:
        self._answers = answers
        self._budget = budget
        self._max_known = max_known
        self._known: dict[bytes, _Meaning] = {}

    def remember(
        self,
        request: bytes,
        key: str,
        channel: ChannelConfig,
        if_none_match: bytes | None,
        added: Sequence[Header],
    ) -> None:
        """``request``'s bytes mean the stored answer of ``key`` on ``channel``."""
        if len(request) > MAX_REQUEST_BYTES:
            return
        known = self._known
        if request not in known and len(known) >= self._max_known:
            del known[next(iter(known))]
        known[request] = _Meaning(key, channel, if_none_match, tuple(added))

    def answer(self, request: bytes) -> tuple[int, list[Header], bytes] | None:
        """The status, headers and body of a known request's fresh stored answer; else ``None``."""
        if len(request) > MAX_REQUEST_BYTES:  # a large body's first bytes: not even hashed
            return None
        meaning = self._known.get(request)
        if meaning is None:
            return None
        started = time.perf_counter()
        stored = self._answers.peek(meaning.key)
        if stored is None or stored.freshness is not Freshness.FRESH:
            return None
        if not self._budget.take_at_once(meaning.channel, None, 1):
            return None  # the gate waits for the counters, or refuses
        status, headers, body = stored_response(stored, HIT, meaning.if_none_match, time.time())
        headers += meaning.added
        _OK.inc()
        KNOWN_REQUEST_ANSWERS.inc()
        (_NOT_MODIFIED if status == 304 else _HIT).inc()
        GRAPHQL_LATENCY.observe(time.perf_counter() - started)
        return status, headers, body
