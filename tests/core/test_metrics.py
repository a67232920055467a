"""``/metrics`` of one process shows every metric comptoir declares, start-up ones included."""

from __future__ import annotations

from tests.conftest import Comptoir


def test_objects_kept_out_of_collections_are_shown(comptoir: Comptoir) -> None:
    text = comptoir.http.get("/metrics").text
    values = [line for line in text.splitlines() if line.startswith("comptoir_gc_frozen_objects ")]
    assert values, "comptoir_gc_frozen_objects is missing from /metrics"
    assert float(values[0].split()[1]) > 0  # start-up froze what it built
