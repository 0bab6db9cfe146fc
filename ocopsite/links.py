"""Step 6, check links: every internal href and src of every page must lead to a file."""

from __future__ import annotations

import functools
import posixpath
import re
from collections.abc import Container, Mapping
from urllib.parse import unquote

from ocopsite.cache import Cache, digest
from ocopsite.errors import Problem, SiteError
from ocopsite.parallel import Workers
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
        link = _link(raw) if len(raw) <= 512 else _link.__wrapped__(raw)  # a data: URI is not kept
        if link is None:
            continue
        text, target, path = link
        resolved = _resolve(base, path)
        if target.endswith("/") or target in (".", ".."):
            resolved = "" if resolved == "." else resolved + "/"
        found.append((text, "\0outside" if resolved.startswith("../") else file_of(resolved)))
    return found


@functools.lru_cache(maxsize=8192)
def _link(raw: bytes) -> tuple[str, str, str] | None:
    """A link as written, its path (no fragment or query) and that path unquoted; None for an
    external or empty one. The same few hundred links recur on thousands of pages."""
    text = raw.decode()
    target = text.split("#")[0].split("?")[0]
    if not target or EXTERNAL.match(target):
        return None
    return text, target, unquote(target)


def _resolve(base: str, path: str) -> str:
    """``posixpath.normpath(posixpath.join(base, path))``, the common shape (some "../", then
    plain names) without the general walk through every segment."""
    ups = 0
    while path.startswith("../", 3 * ups):
        ups += 1
    rest = path[3 * ups:]
    parts = base.split("/") if base else []
    if (ups > len(parts) or rest.startswith("/") or "./" in rest or "//" in rest or rest in (".", "..")
            or rest.endswith(("/.", "/..")) or "" in parts or "." in parts or ".." in parts):
        return posixpath.normpath(posixpath.join(base, path))
    head = "/".join(parts[:len(parts) - ups])
    joined = f"{head}/{rest}" if head and rest else head or rest
    return joined.rstrip("/") or "."


def check(files: Mapping[str, bytes], pages: Mapping[str, str], cache: Cache, workers: Workers) -> None:
    """Raise with every link of every HTML page that leads to no file of ``files``. What a page
    says is kept under its key (``pages``: each page's, by file name, which names its bytes) and
    a digest of every file name: a page and a site both unchanged are not read again."""
    known = frozenset(files)
    names = digest(*sorted(known))
    keys = {name: digest(names, key) for name, key in pages.items() if name.endswith(".html")}
    found = cache.stored("links", keys.values())
    todo = [name for name, key in keys.items() if key not in found]
    for name, broken in zip(todo, workers.map(_broken, todo, shared=(files, known)), strict=True):
        found[keys[name]] = "\n".join(broken).encode()
        cache.store("links", keys[name], found[keys[name]])
    problems = [Problem(name, 0, message) for name, key in keys.items() for message in found[key].decode().splitlines()]
    if problems:
        raise SiteError(problems)


def _broken(shared: tuple[Mapping[str, bytes], frozenset[str]], name: str) -> list[str]:
    files, known = shared
    return [problem.message for problem in broken_links(name, link_targets(name, files[name]), known)]
