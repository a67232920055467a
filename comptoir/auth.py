"""Shopper tokens: HS256 JWTs whose ``sub`` is the CRM customer id.

``aud`` and ``iss`` are checked when comptoir is told which to require
(``COMPTOIR_JWT_AUDIENCE``, ``COMPTOIR_JWT_ISSUER``): then a token without
them, or with others, is refused. Told nothing, comptoir ignores them (an
identity provider puts an ``aud`` in every token it issues).
"""

from __future__ import annotations

import logging
import time
from collections.abc import Iterable
from dataclasses import dataclass

import jwt

from comptoir.settings import DEMO_JWT_SECRET, Settings

log = logging.getLogger("comptoir")


class MissingSecret(RuntimeError):
    """Sources are configured but ``COMPTOIR_JWT_SECRET`` is not: comptoir refuses to start."""


class InvalidShopperToken(Exception):
    """The bearer token is malformed, badly signed, expired or has the wrong audience/issuer."""


@dataclass(frozen=True, slots=True)
class ShopperTokens:
    """Verifies (and, for the demo and tests, mints) shopper tokens."""

    secret: str
    audience: str | None = None
    issuer: str | None = None

    def verify(self, token: str) -> str:
        """The customer id of a valid ``token``; raises :class:`InvalidShopperToken` otherwise."""
        options: dict[str, bool | list[str]] = {
            "require": ["exp", "sub"],
            # Without a configured audience, a token's `aud` is not comptoir's to judge.
            "verify_aud": self.audience is not None,
        }
        try:
            claims = jwt.decode(
                token,
                self.secret,
                algorithms=["HS256"],  # pinned: "none" and RS/HS confusion are refused
                audience=self.audience,
                issuer=self.issuer,
                options=options,  # type: ignore[arg-type]  # PyJWT's options are a TypedDict
            )
        except jwt.PyJWTError as exc:
            raise InvalidShopperToken(str(exc)) from exc
        subject = claims.get("sub")
        if not isinstance(subject, str) or not subject:
            raise InvalidShopperToken("token has no subject")
        return subject

    def mint(self, customer_id: str, ttl_s: int = 3600) -> str:
        """A token for ``customer_id`` valid ``ttl_s`` seconds (demo and tests)."""
        claims: dict[str, object] = {"sub": customer_id, "exp": int(time.time()) + ttl_s}
        if self.audience:
            claims["aud"] = self.audience
        if self.issuer:
            claims["iss"] = self.issuer
        return jwt.encode(claims, self.secret, algorithm="HS256")


def shopper_tokens(settings: Settings, sources: Iterable[str]) -> ShopperTokens:
    """The verifier of ``settings``; :class:`MissingSecret` when it would trust the public demo secret.

    ``sources`` names every registered source (``COMPTOIR_{SOURCE}_URL``).

    The demo secret is printed in the README: anyone can mint tokens with it.
    It is used only by the embedded demo (no ``COMPTOIR_*_URL`` set), or when
    ``COMPTOIR_DEMO`` (``comptoir serve --demo``) says so on purpose.
    """
    secret = settings.jwt_secret
    if secret is None:
        configured = settings.configured_source_urls(sources)
        if configured and not settings.demo:
            raise MissingSecret(
                "COMPTOIR_JWT_SECRET is not set while sources are configured"
                f" ({', '.join(configured)}): set COMPTOIR_JWT_SECRET to the HS256 secret your"
                " identity service signs shopper tokens with (32 bytes or more), or set"
                " COMPTOIR_DEMO=true (comptoir serve --demo) to run with the public demo secret"
                " on purpose — never in production."
            )
        log.warning(
            "COMPTOIR_JWT_SECRET is unset: shopper tokens use the public demo secret %r",
            DEMO_JWT_SECRET,
        )
        secret = DEMO_JWT_SECRET
    return ShopperTokens(secret, settings.jwt_audience, settings.jwt_issuer)
