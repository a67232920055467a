"""The cache between comptoir's loaders and the upstream sources.

Every loader reads through one :class:`~comptoir.cache.backend.CacheBackend`:
one multi-get for a whole batch, one upstream batch for the misses, one
pipelined write-back. Entries keep their fetch time and freshness so that the
:class:`~comptoir.cache.policy.FreshnessPolicy` can tell fresh from stale from
gone.
"""
