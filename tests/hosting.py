"""A static host as Netlify and Cloudflare Pages are: a real HTTP server on 127.0.0.1 that serves
a site in a sub-folder with the headers its generated ``_headers`` file gives each path, answers
a missing path with the site's 404.html, and never publishes ``_headers`` itself."""

from __future__ import annotations

import contextlib
import functools
import re
import threading
from collections.abc import Iterator
from http.server import ThreadingHTTPServer
from pathlib import Path
from typing import ClassVar
from urllib.parse import unquote, urlsplit

import yaml

from conftest import REPO, QuietHandler

# The catalogue's sub-folder on its host: the path of base_url in site.yaml ("/ocopsite/").
SITE = urlsplit(yaml.safe_load((REPO / "site.yaml").read_text(encoding="utf-8"))["base_url"]).path

Rules = list[tuple[str, list[tuple[str, str]]]]


def parse_rules(text: str) -> Rules:
    """The rules of a ``_headers`` file: each path pattern with its headers, in order."""
    rules: Rules = []
    for number, line in enumerate(text.splitlines(), 1):
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        if not line[0].isspace():
            rules.append((line.strip(), []))
            continue
        name, colon, value = line.strip().partition(":")
        assert rules and colon and name.strip() == name and value.strip(), f"_headers:{number}: {line!r}"
        rules[-1][1].append((name, value.strip()))
    return rules


def pattern(path: str) -> re.Pattern[str]:
    """A rule's path as both hosts match it: ``*`` matches anything, ``:name`` one segment."""
    parts = re.split(r"(\*|:[A-Za-z]\w*)", path)
    return re.compile("".join(".*" if p == "*" else "[^/]+" if p.startswith(":") else re.escape(p) for p in parts))


def headers_for(rules: Rules, path: str) -> dict[str, str]:
    """The headers a request for ``path`` gets: those of every matching rule; a header that
    several matching rules set gets their values joined by commas, as Cloudflare Pages does."""
    found: dict[str, list[str]] = {}
    for rule, headers in rules:
        if pattern(rule).fullmatch(path):
            for name, value in headers:
                found.setdefault(name.lower(), []).append(value)
    return {name: ", ".join(values) for name, values in found.items()}


class HeadersHandler(QuietHandler):
    """Serves ``directory`` with the headers of ``rules``; ``site`` is the sub-folder ("/base/")."""

    rules: ClassVar[Rules] = []
    site: ClassVar[str] = "/"
    sent: ClassVar[list[tuple[str, int, dict[str, str]]]] = []  # path, status and headers added, in order

    def do_GET(self) -> None:
        path = unquote(urlsplit(self.path).path)
        if path == self.site + "_headers" or not Path(self.translate_path(self.path)).exists():
            self._not_found()
            return
        super().do_GET()

    def _not_found(self) -> None:
        body = (Path(self.directory) / self.site.strip("/") / "404.html").read_bytes()
        self.send_response(404)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def send_response(self, code: int, message: str | None = None) -> None:
        self._status = code
        super().send_response(code, message)

    def end_headers(self) -> None:
        path = unquote(urlsplit(self.path).path)
        added = headers_for(self.rules, path)
        for name, value in added.items():
            self.send_header(name, value)
        self.sent.append((path, getattr(self, "_status", 0), added))
        super().end_headers()


@contextlib.contextmanager
def static_host(docroot: Path, site: str) -> Iterator[tuple[str, type[HeadersHandler]]]:
    """Serve ``docroot``, whose sub-folder ``site`` ("/base/") holds a built site with its
    ``_headers``; yields the site's address and the handler class (which records what it sent)."""
    rules = parse_rules((docroot / site.strip("/") / "_headers").read_text(encoding="utf-8"))
    handler = type("Host", (HeadersHandler,), {"rules": rules, "site": site, "sent": []})
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(handler, directory=str(docroot)))
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    try:
        yield f"http://127.0.0.1:{httpd.server_address[1]}{site}", handler
    finally:
        httpd.shutdown()
        httpd.server_close()


@contextlib.contextmanager
def catalogue_host(output: Path, docroot: Path) -> Iterator[tuple[str, type[HeadersHandler]]]:
    """The built catalogue ``output`` at the sub-folder of its base_url (``SITE``) under an empty
    ``docroot``, as ``static_host`` serves it."""
    (docroot / SITE.strip("/")).parent.mkdir(parents=True, exist_ok=True)
    (docroot / SITE.strip("/")).symlink_to(output)
    with static_host(docroot, SITE) as served:
        yield served
