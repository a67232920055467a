"""Shopper tokens: HS256 JWTs whose ``sub`` is the CRM customer id."""

from __future__ import annotations

import time
from dataclasses import dataclass

import jwt


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
        options: dict[str, bool | list[str]] = {"require": ["exp", "sub"]}
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
