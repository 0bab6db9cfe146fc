"""Step 6, check links: every internal href and src of every page must lead to a file."""

from __future__ import annotations

import posixpath
import re
from collections.abc import Mapping
from urllib.parse import unquote

from ocopsite.errors import Problems
from ocopsite.urls import file_of

LINK = re.compile(rb'(?:href|src|action)="([^"]*)"')
EXTERNAL = re.compile(r"^(?:[a-z][a-z0-9+.-]*:|//)", re.I)


def check_links(files: Mapping[str, bytes], problems: Problems) -> None:
    """Report every relative link in HTML output that resolves to no file of the site."""
    for name, data in files.items():
        if not name.endswith(".html") or name == "404.html":
            continue
        base = posixpath.dirname(name)
        for raw in set(LINK.findall(data)):
            target = raw.decode().split("#")[0].split("?")[0]
            if not target or EXTERNAL.match(target):
                continue
            resolved = posixpath.normpath(posixpath.join(base, unquote(target)))
            if target.endswith("/") or target in (".", ".."):
                resolved = "" if resolved == "." else resolved + "/"
            if resolved.startswith("../") or file_of(resolved) not in files:
                problems.error(name, 0, f"broken link to '{raw.decode()}'")
