"""GraphiQL served by comptoir itself: the page, and its pinned assets under `/graphql/assets/`.

Nothing on the page comes from another host (no CDN, no font, no analytics), so GraphiQL works
on a closed network. The assets ship in the package (`graphiql_assets/`, where a README says
where they come from and how to update them) and are served under names carrying a hash of
their content, so a browser may keep them for a year and never serves a stale one.
"""

from __future__ import annotations

import functools
import gzip
import hashlib
import json
import re
from dataclasses import dataclass
from importlib.resources import files

import anyio.to_thread
from starlette.requests import Request
from starlette.responses import HTMLResponse, PlainTextResponse, RedirectResponse, Response

ASSETS_PATH = "/graphql/assets"
"""Where the assets are served; the route in `graph/app.py` is `ASSETS_PATH + "/{name}"`."""

IMMUTABLE = "public, max-age=31536000, immutable"

# What the page may load: its own origin only. Inline styles are allowed because GraphiQL's
# dialogs inject <style> elements; the config is JSON, never run as a script.
CONTENT_SECURITY_POLICY = "; ".join(
    (
        "default-src 'none'",
        "script-src 'self'",
        "style-src 'self' 'unsafe-inline'",
        "img-src 'self' data:",
        "font-src 'self' data:",
        "connect-src 'self'",
        "base-uri 'none'",
        "form-action 'none'",
        "frame-ancestors 'none'",
    )
)

CONTENT_TYPES = {".js": "text/javascript; charset=utf-8", ".css": "text/css; charset=utf-8"}

EXAMPLE_QUERY = """\
# A category page: the category, its subcategories
# and the first 24 products this channel shows, with
# their price range and whether they can be sold.
#
# Headers (the tab below): every request names its
# sales channel with X-Channel-Key. With the demo
# channels the web channel's key is filled in;
# otherwise put your channel's key there. To ask as
# a signed-in shopper (`me`, orders, `placeOrder`),
# add "Authorization": "Bearer <token>"
# (`comptoir token CU-100001` mints a demo one).
#
# Run: Ctrl-Enter or ▶. Complete: Ctrl-Space.
# Docs and Explorer, on the left, browse the schema.
query CategoryPage(
  $categoryId: ID! = "C-women"
  $after: String
) {
  category(id: $categoryId) {
    name
    children {
      id
      name
    }
    products(first: 24, after: $after) {
      edges {
        node {
          id
          name
          brand
          priceRange {
            min {
              amount
              currencyCode
            }
            max {
              amount
            }
          }
          availableForSale
        }
      }
      pageInfo {
        hasNextPage
        endCursor
      }
    }
  }
}
"""

_PLACEHOLDER = re.compile(r"\{\{ (\S+) \}\}")
# JSON inside <script> must not close the element or open a comment.
_SCRIPT_SAFE = str.maketrans({"<": "\\u003c", ">": "\\u003e", "&": "\\u0026"})


@dataclass(frozen=True)
class Asset:
    """One file served under `ASSETS_PATH`: its bytes, content type and public name."""

    file_name: str
    public_name: str
    content_type: str
    body: bytes

    @functools.cached_property
    def gzipped(self) -> bytes:
        """The body compressed once, on first demand (GraphiQL's bundle is 3.5 MB)."""
        return gzip.compress(self.body, compresslevel=6, mtime=0)


@functools.cache
def _assets() -> dict[str, Asset]:
    """Every `.js` and `.css` file of the package's `graphiql_assets/`, by public name."""
    folder = files(__package__ or "comptoir.graph").joinpath("graphiql_assets")
    found: dict[str, Asset] = {}
    for entry in folder.iterdir():
        stem, dot, suffix = entry.name.rpartition(".")
        content_type = CONTENT_TYPES.get(dot + suffix)
        if not entry.is_file() or content_type is None:
            continue
        body = entry.read_bytes()
        digest = hashlib.sha256(body).hexdigest()[:12]
        public_name = f"{stem}.{digest}.{suffix}"
        found[public_name] = Asset(entry.name, public_name, content_type, body)
    return found


def asset_urls() -> dict[str, str]:
    """The URL of each asset by its file name (`graphiql-3.8.3.min.js` → its hashed URL)."""
    return {asset.file_name: f"{ASSETS_PATH}/{name}" for name, asset in _assets().items()}


@functools.cache
def _template() -> str:
    return (
        files(__package__ or "comptoir.graph")
        .joinpath("graphiql_assets", "page.html")
        .read_text(encoding="utf-8")
    )


def graphiql_page(channel_key: str | None) -> HTMLResponse:
    """GraphiQL opened on the example query, its Headers tab holding `channel_key` (or a blank
    `X-Channel-Key` to fill in when there is no demo key to offer)."""
    config = {
        "exampleQuery": EXAMPLE_QUERY,
        "headers": json.dumps({"X-Channel-Key": channel_key or ""}, indent=2),
    }
    urls = asset_urls()

    def fill(match: re.Match[str]) -> str:
        name = match.group(1)
        if name == "config":
            return json.dumps(config).translate(_SCRIPT_SAFE)
        return urls[name]

    return HTMLResponse(
        _PLACEHOLDER.sub(fill, _template()),
        headers={
            # The page names the current asset hashes and the key: always ask again.
            "Cache-Control": "no-cache",
            "Content-Security-Policy": CONTENT_SECURITY_POLICY,
            "X-Content-Type-Options": "nosniff",
            "Referrer-Policy": "no-referrer",
        },
    )


async def graphiql_asset(request: Request) -> Response:
    """`GET /graphql/assets/{name}`: one asset, cacheable for a year; gzipped when accepted."""
    asset = _assets().get(request.path_params["name"])
    if asset is None:
        return PlainTextResponse("no such asset", status_code=404)
    headers = {
        "Cache-Control": IMMUTABLE,
        "X-Content-Type-Options": "nosniff",
        "Vary": "Accept-Encoding",
    }
    body = asset.body
    if "gzip" in request.headers.get("accept-encoding", "") and len(body) > 1024:
        # Compressing the bundle takes a moment: not on the event loop.
        body = await anyio.to_thread.run_sync(lambda: asset.gzipped)
        headers["Content-Encoding"] = "gzip"
    return Response(body, media_type=asset.content_type, headers=headers)


async def to_graphiql(request: Request) -> Response:
    """`GET /`: a browser landing on comptoir is sent to GraphiQL."""
    return RedirectResponse(f"{request.scope.get('root_path', '')}/graphql", status_code=302)
