"""The reference search engine: the pim and erp sides joined per product, kept in step.

Consistency: the words and the pim facts come from ``search.sqlite`` (built
with the demo data), prices and stock are read from ``erp.sqlite`` at start.
Before answering, the engine reads the change feeds of ``pim.sqlite`` and
``erp.sqlite`` (see :mod:`changes`) and derives again only what was written
since: the products named, the skus whose price or stock rows changed (a
location or category change reloads that side whole). It also prices every
sku again once a price row has started or ended. So every answer reflects
the sources' files as they are when it is asked.
"""

from __future__ import annotations

import threading
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from comptoir.sources.reference.changes import changes_since, feed_head
from comptoir.sources.reference.db import Database
from comptoir.sources.reference.search_answer import answer
from comptoir.sources.reference.search_catalogue import Catalogue
from comptoir.sources.reference.search_offers import Offers, ProductOffers
from comptoir.sources.reference.search_query import SearchQuery


class SearchEngine:
    """Answers search queries over a demo data directory; safe to call from many threads."""

    def __init__(self, data_dir: Path) -> None:
        self._lock = threading.Lock()
        self._pim = Database(data_dir / "pim.sqlite")
        self._erp = Database(data_dir / "erp.sqlite")
        with self._pim.connection() as pim:
            self.catalogue = Catalogue.load(data_dir / "search.sqlite", pim)
        # The feed's position is read before the rows: a write in between is applied again.
        self.offers = Offers(feed_head(self._erp))
        with self._erp.connection() as erp:
            self.offers.reprice_all(erp, datetime.now(UTC))
            self.offers.restock_all(erp)
        self.products = ProductOffers(self.offers.prices)
        self.products.settle(self.catalogue.products, self.catalogue, self.offers)
        self.refresh()

    def refresh(self) -> None:
        """Apply what was written to the pim and the erp since the last look."""
        with self._lock:
            self._refresh()

    def _refresh(self) -> None:
        touched: set[int] = set()
        everything = False
        pim_changes = changes_since(self._pim, self.catalogue.feed_position)
        if pim_changes is not None:
            with self._pim.connection() as pim:
                if pim_changes.of("categories"):
                    self.catalogue.reload(pim)
                    everything = True
                else:
                    touched |= self.catalogue.apply(
                        pim,
                        pim_changes.of("products")
                        | pim_changes.of("variants")
                        | pim_changes.of("product_categories"),
                    )
            self.catalogue.feed_position = pim_changes.head
        now = datetime.now(UTC)
        erp_changes = changes_since(self._erp, self.offers.feed_position)
        if erp_changes is not None or self.offers.due(now):
            with self._erp.connection() as erp:
                skus: set[str] = set()
                if self.offers.due(now):
                    self.offers.reprice_all(erp, now)
                    everything = True
                if erp_changes is not None:
                    skus = erp_changes.of("prices") | erp_changes.of("stock")
                    self.offers.reprice(erp, erp_changes.of("prices"), now)
                    if erp_changes.of("locations"):
                        self.offers.restock_all(erp)
                        everything = True
                    else:
                        self.offers.restock(erp, erp_changes.of("stock"))
                    self.offers.feed_position = erp_changes.head
                owner_of = self.catalogue.owner_of
                touched |= {owner_of[sku] for sku in skus if sku in owner_of}
        if everything:
            touched = set(self.catalogue.products) | self.products.settled
        if touched:
            self.products.settle(touched, self.catalogue, self.offers)

    def search(self, query: SearchQuery) -> dict[str, Any]:
        """The answer to ``query`` (``items``, ``total``, ``next_cursor``, ``facets``)."""
        with self._lock:
            self._refresh()
            return answer(self.catalogue, self.products, query)

    def close(self) -> None:
        """Close the files and release the in-memory index."""
        with self._lock:
            self.catalogue.close()
            self._pim.close()
            self._erp.close()
