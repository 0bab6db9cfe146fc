"""Byte budgets for a phone on slow roaming data. Bytes are deterministic, so these are tests."""

from __future__ import annotations

import functools
import re
import threading
from http.server import ThreadingHTTPServer
from pathlib import Path
from typing import Any, ClassVar

import pytest
from playwright.sync_api import Browser

from conftest import PHONE, GzipHandler, browser_context

KB = 1024
RESOURCE = re.compile(r'<(?:link|script|img|source|iframe|audio|video)\b[^>]*\b(?:href|src|srcset)="([^"]+)"')


@pytest.fixture(params=["catalogue_output", "minimal_output", "khanh_hoa_size_output"])
def output(request: pytest.FixtureRequest) -> Path:
    path: Path = request.getfixturevalue(request.param)
    return path


def test_every_html_page_is_under_40_kb(output: Path) -> None:
    sizes = {p.relative_to(output).as_posix(): p.stat().st_size for p in output.rglob("*.html")}
    assert {page: size for page, size in sizes.items() if size >= 40 * KB} == {}


def test_css_is_under_20_kb_and_javascript_under_15_kb(output: Path) -> None:
    css = sum(p.stat().st_size for p in output.rglob("*.css"))
    js = sum(p.stat().st_size for p in output.rglob("*.js") if not p.name.startswith("search."))  # search apart
    assert css < 20 * KB, css
    assert js < 15 * KB, js


def test_no_page_loads_anything_from_another_host_and_there_are_no_web_fonts(output: Path) -> None:
    offending = []
    for page in output.rglob("*.html"):
        html = page.read_text(encoding="utf-8")
        for ref in RESOURCE.findall(html):
            tag = html[html.rfind("<", 0, html.find(ref)):html.find(ref)]
            if "rel=\"alternate\"" in tag or "rel=\"canonical\"" in tag:
                continue  # addresses for crawlers and feed readers, never fetched by the page
            if re.match(r"^(?:[a-z]+:)?//", ref):
                offending.append(f"{page.relative_to(output)}: {ref}")
    assert offending == []
    assert not [p for p in output.rglob("*") if p.suffix in (".woff", ".woff2", ".ttf", ".otf", ".eot")]
    assert "@font-face" not in "".join(p.read_text(encoding="utf-8") for p in output.rglob("*.css"))


class _Counted:
    """A response stream that counts the bytes sent through it: status line, headers and body."""

    def __init__(self, stream: Any, sent: list[tuple[str, int]], path: str) -> None:
        self.stream, self.sent, self.path = stream, sent, path

    def write(self, data: bytes) -> int:
        self.sent.append((self.path, len(data)))
        return self.stream.write(data)  # type: ignore[no-any-return]

    def __getattr__(self, name: str) -> Any:
        return getattr(self.stream, name)


class CountingHandler(GzipHandler):
    """Serves as a static host does (text compressed with gzip) and notes every byte it sends."""

    sent: ClassVar[list[tuple[str, int]]] = []

    def handle_one_request(self) -> None:
        self.wfile = _Counted(self.wfile, self.sent, "?")
        super().handle_one_request()

    def send_response(self, code: int, message: str | None = None) -> None:
        self.wfile.path = self.path  # type: ignore[attr-defined]
        super().send_response(code, message)


@pytest.mark.parametrize("path", ["en/products/rong-nho-tach-nuoc-tri-tin/", "vi/san-pham/rong-nho-tach-nuoc-tri-tin/"])
def test_a_first_visit_to_a_product_page_transfers_at_most_60_kb_in_all(browser: Browser, catalogue_output: Path,
                                                                         path: str) -> None:
    """Everything a phone downloads when a QR code opens a product page: the page, its assets,
    and what the service worker saves in the background (the language being read only)."""
    CountingHandler.sent = []
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(CountingHandler, directory=str(catalogue_output)))
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    context = browser_context(browser, **PHONE)
    try:
        page = context.new_page()
        root = f"http://127.0.0.1:{httpd.server_address[1]}/"
        page.goto(root + path)
        lang = path[:2]
        home = "en/" if lang == "en" else "vi/"
        # the worker has saved what it saves for this language (its home page is the last asked)
        page.wait_for_function("async (url) => !!(await caches.match(url))", arg=root + home, timeout=30_000)
        page.wait_for_load_state("networkidle")
    finally:
        context.close()
        httpd.shutdown()
        httpd.server_close()
    paths = {p for p, _ in CountingHandler.sent}
    total = sum(n for _, n in CountingHandler.sent)
    other = "/vi/" if lang == "en" else "/en/"
    assert not [p for p in paths if p.startswith(other)], "only the language being read is saved"
    assert f"/{home}" in paths, "the worker saved the home page of the language read"
    assert total <= 60 * KB, (total, sorted(paths))
