"""Step 6, check links: every internal href and src of every page must lead to a file."""

from __future__ import annotations

import functools
import posixpath
import re
import zlib
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
    """Raise with every link of every HTML page that leads to no file of ``files``.

    Two results are kept per page, each under what it is made from: the files its links lead
    to, under its key (``pages``: each page's, by file name, which names its bytes); and its
    broken links, under that key and a digest of every file name. An unchanged page of an
    unchanged site is not looked at; an unchanged page of a site whose files changed (a new
    product, a new word in the search index) is checked from its kept targets, not read again."""
    known = frozenset(files)
    names = digest(*sorted(known))
    html = {name: key for name, key in pages.items() if name.endswith(".html")}
    keys = {name: digest(names, key) for name, key in html.items()}
    found = cache.stored("links", keys.values())
    unchecked = [name for name, key in keys.items() if key not in found]
    kept = {name: digest("targets", name, key) for name, key in html.items()}
    cache.keep("links", kept.values())  # for a later build whose files differ
    targets = cache.stored("links", [kept[name] for name in unchecked])
    todo = [name for name in unchecked if kept[name] not in targets]
    for name, made in zip(todo, workers.map(_targets, todo, shared=files), strict=True):
        targets[kept[name]] = zlib.compress("\n".join(made).encode(), 1)
        cache.store("links", kept[name], targets[kept[name]])
    for name in unchecked:
        leads = zlib.decompress(targets[kept[name]]).decode().split("\n")
        broken = [] if all(not target or target in known for target in leads) else \
            [problem.message for problem in broken_links(name, link_targets(name, files[name]), known)]
        found[keys[name]] = "\n".join(broken).encode()
        cache.store("links", keys[name], found[keys[name]])
    problems = [Problem(name, 0, message) for name, key in keys.items() for message in found[key].decode().splitlines()]
    if problems:
        raise SiteError(problems)


def _targets(files: Mapping[str, bytes], name: str) -> list[str]:
    """The files the links of page ``name`` lead to, each once."""
    return sorted({target for _, target in link_targets(name, files[name])})
