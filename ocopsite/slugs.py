"""Slugs (the ASCII names of bundles, used in every URL) and plain-letter Vietnamese text."""

from __future__ import annotations

import functools
import re
import unicodedata

from slugify import slugify

SLUG = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")


@functools.lru_cache(maxsize=65_536)  # every name is made a slug on every build ("did you mean")
def slug_for(name: str) -> str:
    """An ASCII slug for a Vietnamese name: "Rong nho Trí Tín" → "rong-nho-tri-tin", đ → d."""
    return str(slugify(name.replace("đ", "d").replace("Đ", "D")))


def is_slug(text: str) -> bool:
    """Whether ``text`` is a slug: lowercase ASCII letters, digits and single hyphens."""
    return bool(SLUG.match(text))


@functools.lru_cache(maxsize=65_536)  # names are sorted on every build: serve's rebuilds reuse them
def fold(text: str) -> str:
    """Plain letters: "Đặc sản Ninh Hòa" → "Dac san Ninh Hoa" (tone and vowel marks dropped, đ → d)."""
    if text.isascii():
        return text
    decomposed = unicodedata.normalize("NFD", text.replace("đ", "d").replace("Đ", "D"))
    return "".join(c for c in decomposed if not unicodedata.combining(c))
