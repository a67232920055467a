"""The reference sources: SQLite-backed implementations of the seven contracts, and demo data.

- :func:`ensure_demo_data` / :func:`generate` write the deterministic demo data
  (one SQLite file per source) for a :class:`DemoScale`;
- :func:`build_source_app` and :func:`build_reference_app` build the ASGI apps;
- :func:`run_source` serves them, :class:`EmbeddedSources` serves all seven from
  the current event loop over loopback HTTP.

The ids every scale guarantees are listed in :mod:`comptoir.sources.reference.cases`.
"""

from comptoir.sources.reference.apps import build_reference_app, build_source_app
from comptoir.sources.reference.generate import ensure_demo_data, generate, is_current
from comptoir.sources.reference.scale import DemoScale
from comptoir.sources.reference.serve import EmbeddedSources, run_source
from comptoir.sources.reference.storage import SOURCE_NAMES
from comptoir.sources.reference.web import MAX_AGE

__all__ = [
    "MAX_AGE",
    "SOURCE_NAMES",
    "DemoScale",
    "EmbeddedSources",
    "build_reference_app",
    "build_source_app",
    "ensure_demo_data",
    "generate",
    "is_current",
    "run_source",
]
