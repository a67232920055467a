"""A real headless Chromium (Debian's, driven by Playwright) that may only talk to one origin.

Every request the page makes to another host is blocked and recorded, so a test proves that
what it shows works on a closed network. Chromium is the system's `/usr/bin/chromium`: the
tests never download a browser. Without it, a test fails under CI (`CI` set, as `.ci/run`
does) and is skipped with the install command on a developer's machine.
"""

from __future__ import annotations

import contextlib
import os
import shutil
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

import pytest

if TYPE_CHECKING:
    from playwright.sync_api import Page, Route, WebSocketRoute

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


def require_chromium() -> None:
    """Fail (under CI) or skip (elsewhere) when Chromium or Playwright is missing."""
    problems = []
    if shutil.which(CHROMIUM) is None:
        problems.append(f"no Chromium at {CHROMIUM} (`apt-get install -y chromium`)")
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        problems.append("Playwright is not installed (`pip install -e '.[test]'`)")
    if not problems:
        return
    message = "browser test cannot run: " + "; ".join(problems)
    if os.environ.get("CI"):
        pytest.fail(message, pytrace=False)
    pytest.skip(message + " (under CI this is a failure)")


@dataclass
class OfflineBrowser:
    """A page in a fresh Chromium profile, with what it tried to reach elsewhere and what broke."""

    page: Page
    origin: str
    blocked: list[str] = field(default_factory=list)
    page_errors: list[str] = field(default_factory=list)
    console_errors: list[str] = field(default_factory=list)
    failed: list[str] = field(default_factory=list)

    def problems(self) -> dict[str, list[str]]:
        """Everything that went wrong while the page ran (empty lists when nothing did)."""
        return {
            "requests to other hosts": self.blocked,
            "uncaught page errors": self.page_errors,
            "console errors": self.console_errors,
            "failed requests to comptoir": self.failed,
        }


def _origin(url: str) -> str:
    parts = urlsplit(url)
    scheme = {"ws": "http", "wss": "https"}.get(parts.scheme, parts.scheme)
    return f"{scheme}://{parts.netloc}"


@contextlib.contextmanager
def offline_chromium(origin: str, profile: Path) -> Iterator[OfflineBrowser]:
    """Chromium on a fresh profile at `profile`, allowed to reach `origin` only."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        context = playwright.chromium.launch_persistent_context(
            str(profile),
            executable_path=CHROMIUM,
            headless=True,
            args=CHROMIUM_ARGS,
            viewport={"width": 1400, "height": 900},
        )
        try:
            page = context.pages[0] if context.pages else context.new_page()
            browser = OfflineBrowser(page, origin)

            def route(route: Route) -> None:
                url = route.request.url
                if _origin(url) == origin:
                    route.continue_()
                else:
                    browser.blocked.append(url)
                    route.abort("blockedbyclient")

            def route_socket(socket: WebSocketRoute) -> None:
                if _origin(socket.url) == origin:
                    socket.connect_to_server()
                else:
                    browser.blocked.append(socket.url)
                    socket.close()

            context.route("**/*", route)
            context.route_web_socket("**/*", route_socket)
            page.on("pageerror", lambda error: browser.page_errors.append(str(error)))
            page.on(
                "console",
                lambda message: (
                    browser.console_errors.append(message.text) if message.type == "error" else None
                ),
            )
            page.on(
                "requestfailed",
                lambda request: (
                    browser.failed.append(f"{request.url}: {request.failure}")
                    if _origin(request.url) == origin
                    else None
                ),
            )
            page.on(
                "response",
                lambda response: (
                    browser.failed.append(f"{response.url}: HTTP {response.status}")
                    if response.status >= 400 and _origin(response.url) == origin
                    else None
                ),
            )
            yield browser
        finally:
            context.close()


@contextlib.contextmanager
def screenshot_on_failure(page: Page, folder: Path, name: str) -> Iterator[None]:
    """On an exception, write a screenshot to `folder/name.png`, print its path, re-raise."""
    try:
        yield
    except BaseException as exc:
        path = folder / f"{name}.png"
        try:
            page.screenshot(path=str(path), full_page=True)
        except Exception as shot_error:  # the browser itself may be what failed
            print(f"no screenshot ({shot_error})")
        else:
            print(f"screenshot of the failure: {path}")
            exc.add_note(f"screenshot: {path}")
        raise
