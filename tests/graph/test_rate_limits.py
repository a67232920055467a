"""Rate limits per channel key, by cost per window: shared through Redis, in-process without it."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from pathlib import Path

import httpx
import pytest
from comptoir.sources.reference import cases

from tests.conftest import Comptoir
from tests.graph.test_cost import cost
from tests.support.redis_server import RedisServer

KEY = "limited-key"
PRODUCT = f'{{ product(id: "{cases.PRODUCT_FULL}") {{ id }} }}'
ME = "{ me { id } }"


@pytest.fixture
def redis() -> Iterator[RedisServer]:
    """A real redis-server of this test's own."""
    with RedisServer() as server:
        yield server


def _channels(tmp_path: Path, **limits: int) -> Path:
    path = tmp_path / "channels.toml"
    lines = [
        "[channels.web]",
        f'key = "{KEY}"',
        'price_list = "EUR-WEB"',
        'currency = "EUR"',
        'locale = "en"',
        *(f"{name} = {value}" for name, value in limits.items()),
    ]
    path.write_text("\n".join(lines) + "\n")
    return path


def _allowed_before_refused(send: Callable[[int], httpx.Response], at_most: int) -> int:
    """How many requests pass before the first 429 (which must come within ``at_most``)."""
    for i in range(at_most):
        response = send(i)
        if response.status_code == 429:
            return i
        assert response.status_code == 200, response.text
        assert "errors" not in response.json()
    raise AssertionError(f"no 429 within {at_most} requests")


def _assert_rate_limited(response: httpx.Response, window_s: int) -> None:
    assert response.status_code == 429
    assert 1 <= int(response.headers["retry-after"]) <= window_s
    error = response.json()["errors"][0]
    assert error["extensions"]["code"] == "RATE_LIMITED"
    assert error["extensions"]["retryAfterS"] == int(response.headers["retry-after"])


def test_two_instances_share_one_bucket_through_redis(
    start_comptoir: Callable[..., Comptoir], tmp_path: Path, redis: RedisServer
) -> None:
    each = cost(PRODUCT)
    channels = _channels(tmp_path, max_cost=each, rate_limit=each * 6)
    first = start_comptoir(channels=channels, redis_url=redis.url, response_cache=False)
    second = start_comptoir(channels=channels, redis_url=redis.url, response_cache=False)
    instances = (first, second)

    passed = _allowed_before_refused(lambda i: instances[i % 2].post(PRODUCT, key=KEY), 20)
    assert passed == 6  # one bucket for both, not six each
    for instance in instances:
        _assert_rate_limited(instance.post(PRODUCT, key=KEY), 60)


def test_without_redis_the_bucket_is_counted_in_process(
    start_comptoir: Callable[..., Comptoir], tmp_path: Path
) -> None:
    each = cost(PRODUCT)
    channels = _channels(tmp_path, max_cost=each, rate_limit=each * 4)
    comptoir = start_comptoir(channels=channels, response_cache=False)
    assert _allowed_before_refused(lambda _: comptoir.post(PRODUCT, key=KEY), 20) == 4
    _assert_rate_limited(comptoir.post(PRODUCT, key=KEY), 60)


def test_the_bucket_fills_again_after_its_window(
    start_comptoir: Callable[..., Comptoir], tmp_path: Path, redis: RedisServer
) -> None:
    each = cost(PRODUCT)
    channels = _channels(tmp_path, max_cost=each, rate_limit=each * 2, rate_limit_window_s=1)
    comptoir = start_comptoir(channels=channels, redis_url=redis.url, response_cache=False)
    assert _allowed_before_refused(lambda _: comptoir.post(PRODUCT, key=KEY), 10) == 2
    _assert_rate_limited(comptoir.post(PRODUCT, key=KEY), 1)
    deadline = time.monotonic() + 10
    while comptoir.post(PRODUCT, key=KEY).status_code == 429:
        assert time.monotonic() < deadline, "the window never ended"
        time.sleep(0.05)


def test_a_shopper_has_a_bucket_of_their_own(
    start_comptoir: Callable[..., Comptoir], tmp_path: Path, redis: RedisServer
) -> None:
    each = cost(ME)
    channels = _channels(
        tmp_path, max_cost=cost(PRODUCT), rate_limit=1000, shopper_rate_limit=each * 3
    )
    comptoir = start_comptoir(channels=channels, redis_url=redis.url)
    shopper = cases.CUSTOMER_OMNICHANNEL
    passed = _allowed_before_refused(lambda _: comptoir.post(ME, key=KEY, shopper=shopper), 10)
    assert passed == 3
    _assert_rate_limited(comptoir.post(ME, key=KEY, shopper=shopper), 60)
    # Another shopper, and anonymous callers, still have the channel's budget.
    assert comptoir.query(ME, key=KEY, shopper=cases.CUSTOMER_NO_ORDERS)["data"]["me"]
    assert comptoir.query(PRODUCT, key=KEY)["data"]["product"]


def test_redis_down_counts_in_process_and_never_errors(
    start_comptoir: Callable[..., Comptoir], tmp_path: Path, redis: RedisServer
) -> None:
    each = cost(PRODUCT)
    channels = _channels(tmp_path, max_cost=each, rate_limit=each * 4)
    comptoir = start_comptoir(channels=channels, redis_url=redis.url, response_cache=False)
    assert comptoir.query(PRODUCT, key=KEY)["data"]["product"]  # counted in Redis
    redis.kill()
    # Fail open: the requests are answered, counted in this process from now on.
    passed = _allowed_before_refused(lambda _: comptoir.post(PRODUCT, key=KEY), 20)
    assert passed == 4
    _assert_rate_limited(comptoir.post(PRODUCT, key=KEY), 60)


def test_a_stored_answer_takes_one_from_the_bucket(
    start_comptoir: Callable[..., Comptoir], tmp_path: Path
) -> None:
    each = cost(PRODUCT)
    assert each > 1
    comptoir = start_comptoir(channels=_channels(tmp_path, max_cost=each, rate_limit=each + 4))
    served = []
    for _ in range(5):
        response = comptoir.post(PRODUCT, key=KEY)
        assert response.status_code == 200, response.text
        served.append(response.headers["x-comptoir-cache"])
    assert served == ["MISS", "HIT", "HIT", "HIT", "HIT"]  # its cost, then 1 each
    _assert_rate_limited(comptoir.post(PRODUCT, key=KEY), 60)
