"""The 404 page, as hosts serve it: for any missing address, at any depth, in any sub-folder
(not only under base_url's path), styled and with links that work; it offers search and the
product lists, and, for a product's address or short link (a QR code on a label), explains that
the product may have been withdrawn and searches for it."""

from __future__ import annotations

import functools
import re
import shutil
import threading
from collections.abc import Iterator
from http.server import ThreadingHTTPServer
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from conftest import QuietHandler


class NotFoundHandler(QuietHandler):
    """A static host that answers every missing address with the site's 404.html, as GitHub
    Pages, Netlify and nginx's error_page do."""

    site = ""

    def send_error(self, code: int, message: str | None = None, explain: str | None = None) -> None:
        page = Path(self.directory) / self.site / "404.html"
        if code != 404 or not page.is_file():
            super().send_error(code, message, explain)
            return
        body = page.read_bytes()
        self.send_response(404)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)


@pytest.fixture(scope="module")
def elsewhere(minimal_output: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The minimal site (built for https://example.org/catalogue/) hosted at /else/where/."""
    docroot = tmp_path_factory.mktemp("host")
    shutil.copytree(minimal_output, docroot / "else/where")
    handler = type("Handler", (NotFoundHandler,), {"site": "else/where"})
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(handler, directory=str(docroot)))
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}/else/where/"
    httpd.shutdown()
    httpd.server_close()


@pytest.mark.parametrize("missing", ["nothing-here", "en/no/such/page/at/all/", "vi/san-pham/khong-co/",
                                     "assets/deep/x/"])
def test_a_missing_page_at_any_depth_is_styled_and_its_links_work(page: Page, elsewhere: str, missing: str) -> None:
    response = page.goto(elsewhere + missing)
    assert response is not None and response.status == 404
    assert page.evaluate("getComputedStyle(document.querySelector('main')).maxWidth") == "640px"
    for name in ("Search the catalogue", "All products", "Home page"):
        link = page.get_by_role("link", name=name).first
        expect(link).to_have_attribute("href", re.compile("^/else/where/"))  # once its script has found the site
        target = link.evaluate("a => a.href")
        assert target.startswith(elsewhere), (name, target)
        assert page.request.get(target).status == 200, target
    icon = page.locator("link[rel=icon]")  # no request for a /favicon.ico that is not there
    expect(icon).to_have_attribute("href", re.compile("^/else/where/assets/icon"))
    assert page.request.get(icon.evaluate("link => link.href")).status == 200


@pytest.mark.parametrize(("missing", "query"), [("p/rong-nho-da-rut/", "rong nho da rut"),
                                                ("en/products/rong-nho-da-rut/", "rong nho da rut")])
def test_a_withdrawn_product_is_explained_and_searched_for(page: Page, elsewhere: str, missing: str,
                                                           query: str) -> None:
    page.goto(elsewhere + missing)
    note = page.locator("section[lang=en] .withdrawn")
    expect(note).to_be_visible()
    assert "withdrawn from the catalogue" in note.inner_text()
    search = page.locator("section[lang=en]").get_by_role("link", name="Search the catalogue")
    expect(search).to_have_attribute("href", re.compile("^/else/where/"))
    assert search.evaluate("a => a.href") == elsewhere + "en/search/?q=" + query.replace(" ", "%20")
    page.goto(elsewhere + "en/no/such/page/")
    assert page.locator(".withdrawn").first.is_hidden(), "only for a product's address"
