"""Step 6, check links: every internal href and src of every page must lead to a file."""

from __future__ import annotations

import posixpath
import re
from collections.abc import Container
from urllib.parse import unquote

from ocopsite.errors import Problem
from ocopsite.urls import file_of

LINK = re.compile(rb'(?:href|src|action)="([^"]*)"')
EXTERNAL = re.compile(r"^(?:[a-z][a-z0-9+.-]*:|//)", re.I)


def broken_links(name: str, targets: list[tuple[str, str]], known: Container[str]) -> list[Problem]:
    """The links among ``targets`` (from ``link_targets``) that lead to no file in ``known``."""
    return [Problem(name, 0, f"broken link to '{raw}'") for raw, target in targets if target not in known]


def link_targets(name: str, data: bytes) -> list[tuple[str, str]]:
    """Each relative link of an HTML output file, with the output file it leads to."""
    if not name.endswith(".html") or name == "404.html":
        return []
    base = posixpath.dirname(name)
    found = []
    for raw in sorted(set(LINK.findall(data))):
        target = raw.decode().split("#")[0].split("?")[0]
        if not target or EXTERNAL.match(target):
            continue
        resolved = posixpath.normpath(posixpath.join(base, unquote(target)))
        if target.endswith("/") or target in (".", ".."):
            resolved = "" if resolved == "." else resolved + "/"
        found.append((raw.decode(), "\0outside" if resolved.startswith("../") else file_of(resolved)))
    return found
