"""``/metrics`` of one process shows every metric comptoir declares, start-up ones included."""

from __future__ import annotations

from tests.conftest import Comptoir


def test_objects_kept_out_of_collections_are_shown(comptoir: Comptoir) -> None:
    text = comptoir.http.get("/metrics").text
    values = [line for line in text.splitlines() if line.startswith("comptoir_gc_frozen_objects ")]
    assert values, "comptoir_gc_frozen_objects is missing from /metrics"
    assert float(values[0].split()[1]) > 0  # start-up froze what it built


def test_every_collection_has_its_cache_series_before_its_first_lookup(comptoir: Comptoir) -> None:
    lines = comptoir.http.get("/metrics").text.splitlines()

    def shown(name: str, *labels: str) -> bool:
        return any(
            line.startswith(name + "{") and all(label in line for label in labels) for line in lines
        )

    # Rarely read collections: no test before this one needs to have asked them.
    for source, collection in (("oms", "promises"), ("crm", "loyalty_transactions")):
        of = (f'source="{source}"', f'collection="{collection}"')
        assert shown("comptoir_cache_lookups_total", *of, 'result="hit"')
        assert shown("comptoir_cache_lookups_total", *of, 'result="miss"')
