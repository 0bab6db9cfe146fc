"""Offline, in a real browser: the service worker (templates/sw.js) keeps the pages a visitor
opened and the search files of their language, under a sub-folder of a real HTTP server, and a
new build replaces its caches. Each test has its own browser context: workers persist per context."""

from __future__ import annotations

import json
import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from hosting import catalogue_host
from playwright.sync_api import Browser, BrowserContext, Page

from conftest import REPO, http_server, wait_for
from ocopsite.build import build

SAVED = """async () => {
  const urls = [];
  for (const name of await caches.keys()) {
    for (const request of await (await caches.open(name)).keys()) urls.push(request.url);
  }
  return urls;
}"""
SEA_GRAPES = "en/products/rong-nho-tach-nuoc-tri-tin/"
DURIAN = "en/products/sau-rieng-khanh-son/"
NEVER_OPENED = "en/products/xoai-uc-cam-tan/"


@contextmanager
def phone(browser: Browser) -> Iterator[tuple[BrowserContext, Page]]:
    context = browser.new_context(service_workers="allow", viewport={"width": 360, "height": 800},
                                  has_touch=True, is_mobile=True, locale="en-US")
    try:
        yield context, context.new_page()
    finally:
        context.close()


def saved(page: Page) -> set[str]:
    return set(page.evaluate(SAVED))


def wait_until_saved(page: Page, urls: set[str]) -> None:
    """Until the worker controls the page and every one of ``urls`` is in its cache."""
    page.wait_for_function("() => navigator.serviceWorker.controller !== null")
    wait_for(lambda: urls <= saved(page))


def search_files(output: Path, root: str, lang: str) -> dict[str, set[str]]:
    """The search files the worker saves for ``lang``, and each product page's fragment."""
    listing = json.loads((output / "pagefind" / f"offline.{lang}.json").read_text(encoding="utf-8"))
    return {"files": {root + "pagefind/" + f for f in listing["files"]},
            **{root + page: {root + "pagefind/" + f} for page, f in listing["pages"].items()}}


def results(page: Page, url: str) -> list[str]:
    page.goto(url)
    page.locator("#search-count").filter(has_text=" ").wait_for()
    return [a.inner_text() for a in page.locator("#search-results a").all()]


def test_opened_pages_and_their_search_work_offline(browser: Browser, catalogue_output: Path,
                                                    tmp_path_factory: pytest.TempPathFactory) -> None:
    """On a host that sends the headers of _headers, as in production: search result fragments
    are cached by the browser for a year, so offline the browser's own cache still holds those of
    results seen online; search must still show only the pages that can be opened."""
    with catalogue_host(catalogue_output, tmp_path_factory.mktemp("host")) as (root, _), \
            phone(browser) as (context, page):
        files = search_files(catalogue_output, root, "en")
        page.goto(root + "en/")
        wait_until_saved(page, files["files"] | {root, root + "en/", root + "vi/tim-kiem/", root + "offline.html"})
        page.goto(root + SEA_GRAPES)
        page.goto(root + DURIAN)
        assert "Khánh Sơn durian (fresh)" in results(page, root + "en/search/?q=durian")
        wait_until_saved(page, files[root + SEA_GRAPES] | files[root + DURIAN])
        assert not files[root + NEVER_OPENED] & saved(page)

        context.set_offline(True)
        page.goto(root + DURIAN)
        page.reload()
        assert page.locator("h1").inner_text() == "Khánh Sơn durian (fresh)"
        page.goto(root + SEA_GRAPES)
        assert page.locator("h1").inner_text() == "Trí Tín dehydrated sea grapes"
        page.get_by_role("search").get_by_role("searchbox").fill("sea grapes")
        page.get_by_role("search").get_by_role("button", name="Search").click()
        page.locator("#search-results a").first.wait_for()
        found = [a.inner_text() for a in page.locator("#search-results a").all()]
        assert found == ["Trí Tín dehydrated sea grapes"]  # other sea grapes were never opened
        page.locator("#search-results a").first.click()
        page.wait_for_url(root + SEA_GRAPES)
        assert results(page, root + "en/search/?q=Khanh Son") == ["Khánh Sơn durian (fresh)"]

        page.goto(root + NEVER_OPENED)
        assert page.locator("section[lang=vi] h1").inner_text() == "Không có kết nối mạng"  # in both languages
        assert page.locator("section[lang=en] h2").inner_text() == "You are offline"
        assert page.evaluate("document.styleSheets[0].cssRules.length") > 0  # its links work at this depth
        page.get_by_role("link", name="Go to the home page").click()
        page.wait_for_url(root + "en/")
        assert page.locator("h1").count() == 1


def test_a_new_build_installs_a_new_worker_that_drops_the_old_caches(browser: Browser, tmp_path: Path) -> None:
    site = tmp_path / "site"
    site.mkdir()
    for name in ("site.yaml", "content", "templates"):
        (shutil.copytree if (REPO / name).is_dir() else shutil.copy)(REPO / name, site / name)
    output = tmp_path / "host" / "catalogue"
    build(site, output)
    with http_server(output.parent) as server, phone(browser) as (_, page):
        root = f"{server}catalogue/"
        page.goto(root + SEA_GRAPES)
        wait_until_saved(page, search_files(output, root, "en")["files"])
        old = page.evaluate("caches.keys()")
        assert len(old) == 1 and old[0].startswith(f"ocopsite {root} ")
        worker = (output / "sw.js").read_bytes()

        product = site / "content/products/rong-nho-tach-nuoc-tri-tin/product.yaml"
        product.write_text(product.read_text(encoding="utf-8").replace(
            "en: Trí Tín dehydrated sea grapes", "en: Trí Tín sea grapes, dried"), encoding="utf-8")
        build(site, output)
        assert (output / "sw.js").read_bytes() != worker
        page.reload()  # the browser looks for a new worker on every navigation
        wait_for(lambda: len(names := page.evaluate("caches.keys()")) == 1 and names != old)
        page.reload()
        assert page.locator("h1").inner_text() == "Trí Tín sea grapes, dried"
        wait_until_saved(page, search_files(output, root, "en")["files"] | {root + SEA_GRAPES})
