"""The connection shares of `comptoir serve --workers N`: each worker's slot and its share."""

from __future__ import annotations

from pathlib import Path

import pytest

from comptoir.balance import ConnectionShares, NoFreeSlot, create_shares


def test_each_worker_claims_its_own_slot_and_frees_it(tmp_path: Path) -> None:
    create_shares(tmp_path, 2)
    first, second = ConnectionShares(tmp_path), ConnectionShares(tmp_path)
    assert {first.slot, second.slot} == {0, 1}
    with pytest.raises(NoFreeSlot):
        ConnectionShares(tmp_path)
    for _ in range(2):
        first.opened()
    assert first.over_share() and not second.over_share()
    second.opened()
    assert not first.over_share()  # one over the other is a fair share
    first.close()
    replacement = ConnectionShares(tmp_path)  # a worker replacing a dead one takes its slot
    assert replacement.slot == first.slot
    assert second.over_share() is False and not replacement.over_share()
    second.close()
    replacement.close()
