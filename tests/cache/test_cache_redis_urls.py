"""``COMPTOIR_REDIS_URL``: one server, Sentinel, a cluster; what is not one is a clear error."""

from __future__ import annotations

import pytest
from comptoir.cache.factory import build_cache
from comptoir.cache.redis_urls import RedisTarget, RedisUrlError, parse_redis_url


def test_a_single_server_url_is_handed_over_as_it_is() -> None:
    url = "rediss://user:secret@cache.internal:6380/2"
    assert parse_redis_url(url) == RedisTarget("single", url)
    assert parse_redis_url(url).where == "rediss://cache.internal:6380/2"


def test_a_sentinel_url_names_the_sentinels_the_service_and_the_database() -> None:
    target = parse_redis_url("redis+sentinel://app:p%40ss@s1:26380,s2,[::1]:26381/shop-cache/3")

    assert target.mode == "sentinel"
    assert target.hosts == (("s1", 26380), ("s2", 26379), ("::1", 26381))
    assert (target.service, target.db) == ("shop-cache", 3)
    assert target.credentials() == {"username": "app", "password": "p@ss"}
    assert "p%40ss" not in target.where


def test_a_cluster_url_names_seed_nodes() -> None:
    target = parse_redis_url("redis+cluster://n1:7000,n2:7001,n3")

    assert target.mode == "cluster"
    assert target.hosts == (("n1", 7000), ("n2", 7001), ("n3", 6379))
    assert target.credentials() == {}


@pytest.mark.parametrize(
    ("url", "says"),
    [
        ("memcached://host:11211", "unknown scheme"),
        ("redis+sentinel://s1:26379", "service name"),
        ("redis+sentinel://s1:26379/svc/zero", "not a number"),
        ("redis+sentinel://s1:26379/svc/0/extra", "service name"),
        ("redis+cluster://n1:7000/0", "database 0 only"),
        ("redis+cluster://", "at least one host"),
        ("redis+cluster://n1:port", "not a number"),
        ("redis+cluster://n1:7000?read_from_replicas=true", "no query options"),
    ],
)
def test_what_is_not_a_redis_url_is_a_clear_error(url: str, says: str) -> None:
    with pytest.raises(RedisUrlError, match=says):
        parse_redis_url(url)
    with pytest.raises(RedisUrlError, match="COMPTOIR_REDIS_URL"):
        build_cache(url, memory_max_entries=10)
