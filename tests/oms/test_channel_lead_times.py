"""The channels file's delivery estimate settings: defaults, values, and what is refused."""

from __future__ import annotations

import pytest

from comptoir.channels import ChannelsFileError, load_channels, parse_channels

BLOCK = """
[channels.kiosk]
key = "k"
price_list = "EUR-STORE"
currency = "EUR"
locale = "fr"
"""


def test_a_channel_without_them_estimates_three_days_at_4_90() -> None:
    (kiosk,) = parse_channels(BLOCK).channels
    assert (kiosk.lead_time_days, kiosk.delivery_price) == (3, "4.90")


def test_the_demo_web_channel_says_them() -> None:
    web = next(c for c in load_channels(None).channels if c.code == "web")
    assert (web.lead_time_days, web.delivery_price) == (3, "4.90")


def test_a_channel_may_set_them() -> None:
    (kiosk,) = parse_channels(BLOCK + 'lead_time_days = 5\ndelivery_price = "0"\n').channels
    assert (kiosk.lead_time_days, kiosk.delivery_price) == (5, "0")


@pytest.mark.parametrize(
    "extra",
    [
        "lead_time_days = 0\n",
        'lead_time_days = "3"\n',
        "lead_time_days = true\n",
        'delivery_price = "4,90"\n',
        'delivery_price = "-1"\n',
    ],
)
def test_a_wrong_value_is_refused_at_start(extra: str) -> None:
    with pytest.raises(ChannelsFileError, match="kiosk"):
        parse_channels(BLOCK + extra)
