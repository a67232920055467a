"""comptoir's ``deliver`` for the dispatcher suites: sources up, down or refusing on command.

The drills deliver over real HTTP; these suites are about what the
dispatcher does with each outcome.
"""

from __future__ import annotations

from typing import Any

from comptoir.sources.outbox import Delivered, DeliveryOutcome, OutboxWrite, Rejected, Unavailable


class SwitchableSources:
    """Accepts every write (remote id ``R-<provisional id>``) unless told otherwise."""

    def __init__(self) -> None:
        self.down: set[str] = set()
        self.refused: dict[str, Rejected] = {}
        self.sent: list[tuple[str, dict[str, Any]]] = []

    @property
    def sent_ids(self) -> list[str]:
        return [write_id for write_id, _ in self.sent]

    async def __call__(self, write: OutboxWrite) -> DeliveryOutcome:
        self.sent.append((write.id, write.resolved_body()))
        if write.source in self.down:
            return Unavailable("503 service unavailable")
        if write.id in self.refused:
            return self.refused[write.id]
        return Delivered({"id": f"R-{write.id}"}, f"R-{write.id}")
