"""Localized text: the asked locale, else the channel's default, else English, else any."""

from __future__ import annotations

from collections.abc import Mapping


def pick_text(
    texts: Mapping[str, str] | None, locale: str | None, default_locale: str
) -> str | None:
    """The best translation of ``texts`` for ``locale`` (``SCHEMA.md``, "Request context")."""
    if not texts:
        return None
    for candidate in (locale, default_locale, "en"):
        if candidate and texts.get(candidate):
            return texts[candidate]
    for text in texts.values():
        if text:
            return text
    return None


def pick_attributes(
    attributes: Mapping[str, Mapping[str, str]] | None, locale: str | None, default_locale: str
) -> list[tuple[str, str]]:
    """Each attribute with a text in the best locale, by attribute name."""
    found = []
    for key, texts in sorted((attributes or {}).items()):
        value = pick_text(texts, locale, default_locale)
        if value is not None:
            found.append((key, value))
    return found
