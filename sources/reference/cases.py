"""Ids that every demo scale guarantees, so that tests can name the case they need.

Each constant documents the case it stands for; the generator builds these
rows explicitly, the rest of the data is drawn at random around them. What
depends on the time (return windows, what is in transit) is described as
seen at :data:`DATA_NOW`, the data's "now": pin the oms's clock there
(``COMPTOIR_REFERENCE_NOW``, or an app factory's ``clock``) to see it so.
"""

from __future__ import annotations

DATA_NOW = "2026-11-01T00:00:00+00:00"
"""The demo data's "now": every order, event and return is dated before it."""

CHANNELS = ("web", "app", "store", "marketplace")
"""Channel codes used in products' ``channels`` and in orders' ``channel``."""

PRICE_LISTS = ("EUR-WEB", "EUR-STORE")
"""Price lists: ``EUR-WEB`` serves web, app and marketplace; ``EUR-STORE`` serves stores."""

PRICE_LIST_CURRENCIES = {"EUR-WEB": "EUR", "EUR-STORE": "EUR"}
"""Each price list's currency: a price row in another currency is ignored."""

# pim
PRODUCT_FULL = "P-00001"
"""Active "Cashmere crew-neck jumper" in C-knitwear, names in en/fr/de, channels web+app+store,
variants V-00001-{TEAL,NAVY}-{S,M,L}; colour images, a video and a document."""
PRODUCT_MISSING_FR = "P-00002"
"""Active, name and description in en and de only (no fr)."""
PRODUCT_DRAFT = "P-00003"
PRODUCT_DISCONTINUED = "P-00004"
PRODUCT_WEB_ONLY = "P-00005"
"""Active, channels ["web"]; no EUR-STORE price rows."""
PRODUCT_STORE_ONLY = "P-00006"
"""Active, channels ["store"]; no EUR-WEB price rows, stock in stores only."""
PRODUCT_MARKETPLACE = "P-00007"
"""Active, channels ["web", "marketplace"]."""
PRODUCT_TWO_CATEGORIES = "P-00008"
"""Active, category_ids ["C-scarves", "C-gifts"]."""
PRODUCT_BOOTS = "P-00009"
"""Active, in C-boots (under C-shoes, under C-women)."""
CATEGORY_WITH_SUBCATEGORIES = "C-shoes"
"""Has subcategories C-boots and C-sneakers; itself under C-women."""

# dam
PRODUCT_EXPIRED_ASSET = "P-00010"
"""Has an image whose rights.expires_at is in the past (2025-06-30)."""
PRODUCT_RESTRICTED_ASSET = "P-00011"
"""Has an image whose rights.channels is ["web"]."""
PRODUCT_WITHOUT_ASSETS = "P-00012"

# erp: prices
SKU_FULL = "V-00001-TEAL-M"
"""Base 129.90 on both lists; stock 7 on hand, 2 reserved at L-STORE-PARIS-01."""
SKU_ON_SALE = "V-00013-BLACK-ONE"
"""EUR-WEB: base 59.90 since 2024; current sale 44.90 (compare_at 59.90) from 2026-10-15 on."""
SKU_PAST_SALE = "V-00014-NAVY-ONE"
"""Base row plus two sale rows that ended in 2025 and 2026 on both lists."""
SKU_FUTURE_PRICE = "V-00015-WHITE-ONE"
"""EUR-WEB: base row plus a sale row valid 2028-01-12 → 2028-02-09 (future)."""
SKU_WRONG_CURRENCY = "V-00016-ECRU-ONE"
"""EUR-WEB: a newer row in USD that consumers ignore, besides the EUR base row."""
SKU_NO_STORE_PRICE = "V-00017-SAND-ONE"
"""Product sold on web, app and store, but the sku has no EUR-STORE row at all."""
SKU_STORE_PRICE_EXPIRED = "V-00018-GREY-ONE"
"""EUR-STORE holds only a row that ended in 2026-03: no store price in force."""
SKU_EQUAL_VALID_FROM = "V-00019-CAMEL-ONE"
"""EUR-WEB: two rows with the same valid_from, 89.00 and 85.00 (the lower is in force)."""

# erp: stock and locations
SKU_NO_STOCK_ROWS = "V-00020-RED-ONE"
"""Out of stock everywhere: no stock row at all."""
SKU_ZERO_STOCK = "V-00021-TEAL-ONE"
"""Out of stock everywhere: rows with on_hand 0."""
SKU_OVER_RESERVED = "V-00022-BLACK-ONE"
"""One row at L-STORE-PARIS-02 with on_hand 1 and reserved 3."""
SKU_STORE_ONLY = "V-00006-ECRU-40x40"
"""PRODUCT_STORE_ONLY's sku: stock in stores only, 5 units at L-STORE-PARIS-01, L-STORE-PARIS-02
(the store that ships) and L-STORE-LYON-01, 4 at L-STORE-BRIVE-01. With more than 5 units of
SKU_FULL (40 in each warehouse, 5 at L-STORE-PARIS-02), a home delivery ships split."""
SKU_SOCKS = "V-00023-NAVY-39-42"
"""Socks in C-socks at 12.00: the automatic 3-for-2 applies."""
STORE_PARIS_CENTRAL = "L-STORE-PARIS-01"
"""Paris Opéra (48.8719, 2.3316), click and collect, not ship_from."""
STORE_SHIP_FROM = "L-STORE-PARIS-02"
"""Paris Rivoli: a store that is also ship_from."""
STORE_NO_RETURNS = "L-STORE-PARIS-06"
"""Paris Batignolles (48.8836, 2.3193), 1.4 km from Paris Opéra: click and collect, no returns
(accepts_returns false). L-STORE-PARIS-01 takes returns."""
BRIVE_HOME = (45.1600, 1.5330)
"""A home in Brive-la-Gaillarde (postal code 19100): the two Brive stores are the only
click-and-collect stores within 50 km (the next, Limoges, is about 78 km away)."""
BRIVE_POSTAL_CODE = "19100"
STORE_BRIVE_RETURNS = "L-STORE-BRIVE-01"
"""Brive Guierle, about 200 m from BRIVE_HOME: click and collect, accepts returns; holds 4 units of
every sku of the store-channel guaranteed products (PRODUCT_FULL's among them), nothing else."""
STORE_BRIVE_NO_RETURNS = "L-STORE-BRIVE-02"
"""Brive Gare, about 1.2 km from BRIVE_HOME: click and collect, no returns; holds 2 units of
SKU_FULL and nothing else."""
EXPRESS_TOO_FAR = (43.4929, -1.4748)
"""Bayonne: more than 500 km from every ship-from location holding PRODUCT_FULL's skus (the
warehouses and Paris Rivoli), so no express delivery of them is promised there."""
WAREHOUSES = ("L-WH-LYON", "L-WH-LILLE")

# crm
CUSTOMER_OMNICHANNEL = "CU-100001"
"""Léa Martin, lea.martin@example.com, vip; identities on web, app, store and marketplace;
preferred store L-STORE-PARIS-01; at least 39 orders over every channel and status (the
ORDER_* cases below, but ORDER_BRIVE_RETURNABLE); a loyalty account with more than 30
transactions."""
CUSTOMER_OMNICHANNEL_EMAIL = "lea.martin@example.com"
CUSTOMER_NO_ORDERS = "CU-100002"
"""No order and no loyalty account."""
CUSTOMER_ZERO_POINTS = "CU-100003"
"""A loyalty account with 0 points."""
CUSTOMER_RICH_POINTS = "CU-100004"
"""A loyalty account with at least 5,000 points."""
CUSTOMER_MIXED_CASE_EMAIL = "CU-100005"
MIXED_CASE_EMAIL = "Camille.Durand@Example.com"
CUSTOMER_BRIVE = "CU-100006"
"""Lives in Brive-la-Gaillarde (19100, near BRIVE_HOME), preferred store STORE_BRIVE_RETURNS;
owns ORDER_BRIVE_RETURNABLE."""

# oms: orders of CUSTOMER_OMNICHANNEL
ORDER_PLACED = "O-2026-000001"
"""web, home delivery, status placed."""
ORDER_ALLOCATED = "O-2026-000002"
"""app, home delivery, status allocated."""
ORDER_SHIPPED = "O-2026-000003"
"""web, click_and_collect at L-STORE-PARIS-01, shipped from L-WH-LYON; its shipment is
ready_for_pickup at the store."""
ORDER_READY_FOR_PICKUP = ORDER_SHIPPED
ORDER_STORE = "O-2026-000004"
"""store at L-STORE-PARIS-01, delivered (handed over at the till, no shipment) 6 days before
DATA_NOW: returnable."""
ORDER_MARKETPLACE = "O-2026-000005"
"""marketplace, home delivery, delivered."""
ORDER_CANCELLED = "O-2026-000006"
ORDER_RETURNED = "O-2026-000007"
"""web, returned, with a return."""
ORDER_DELIVERED = "O-2026-000008"
"""web, home delivery, delivered more than 40 days before DATA_NOW: its return window is closed."""
ORDER_RETURN_WINDOW_CLOSED = ORDER_DELIVERED
ORDER_WITH_DISCOUNT = "O-2026-000009"
"""web, delivered, 10 % off every line with WELCOME10."""
ORDER_RETURNABLE = "O-2026-000033"
"""web, home delivery, delivered less than 5 days before DATA_NOW, no return yet: line "1" is
2 units of SKU_FULL, line "2" 2 units of V-00001-NAVY-L, both returnable."""
ORDER_IN_TRANSIT = "O-2026-000034"
"""web, home delivery, status shipped: one shipment in_transit (label_created, then in_transit at
the warehouse and at the carrier's hub), an estimated_delivery_at after DATA_NOW."""
ORDER_OUT_FOR_DELIVERY = "O-2026-000035"
"""app, home delivery, status shipped: one shipment out_for_delivery."""
ORDER_SHIPMENT_EXCEPTION = "O-2026-000036"
"""web, home delivery, status shipped: one shipment whose last event is an exception
(estimated_delivery_at null)."""
ORDER_SPLIT = "O-2026-000037"
"""web, home delivery, delivered in two shipments, from L-WH-LYON (lines "1" and "3") and
L-WH-LILLE (line "2")."""
ORDER_WITH_RETURNS = "O-2026-000038"
"""web, status returned, delivered 15 to 20 days before DATA_NOW, four lines of one unit, one
return each: line "1" refunded (with a refund), "2" received, "3" requested, "4" rejected (so
line "4" is returnable again)."""
ORDER_NOTHING_LEFT_TO_RETURN = "O-2026-000039"
"""web, status returned, delivered within the window, its one line returned and refunded:
returnable_until is null."""
ORDER_BRIVE_RETURNABLE = "O-2026-000040"
"""CUSTOMER_BRIVE's: web, home delivery to Brive-la-Gaillarde, delivered less than 4 days before
DATA_NOW, one unit of SKU_FULL, returnable."""

# promo
COUPON_PERCENT = "WELCOME10"
"""10 % off the cart (PR-1)."""
COUPON_FREE_SHIPPING = "FREESHIP"
"""Free shipping (PR-2): listed with amount 0.00 and "free_shipping": true."""
COUPON_FIXED = "MERCI15"
"""15.00 EUR off a cart of at least 100.00 EUR (PR-3)."""
COUPON_EXPIRED = "SUMMER24"
"""Ended 2024-09-01: always rejected."""
COUPON_APP_ONLY = "APPLI5"
"""5 % off on the app channel only; rejected elsewhere."""
AUTOMATIC_KNITWEAR = "PR-10"
"""20 % off C-knitwear and C-mens-knitwear, 2026-10-01 → 2031-01-01."""
AUTOMATIC_SOCKS = "PR-11"
"""Buy 3 pay 2 on C-socks (the cheapest units are free), from 2026-01-01, open-ended."""
