"""Offline, in a real browser: the service worker (templates/sw.js) keeps the pages a visitor
opened, under a sub-folder of a real HTTP server, and search then finds those pages and no
other. Each test has its own browser context: workers persist per context.

Why search once showed, offline, a page never opened: it decided it was offline by
``navigator.onLine``, which only says whether the phone has a network, not whether the
network reaches the site (a hotel or café Wi-Fi without internet, a captive portal; and, in
Chromium, a moment after the connection drops). Results then came from index files the
browser still held, for pages it had not saved. Now the worker marks every answer it gives from
its saved copies, and search, when it sees that mark or cannot fetch at all, searches only
the pages saved. The tests make the phone claim to be online while it is not."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from hosting import catalogue_host
from playwright.sync_api import Browser, BrowserContext, Page

from conftest import PHONE, REPO, browser_context, http_server, wait_for
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
NEVER_OPENED = "en/products/sau-rieng-cap-dong-phuong-dai/"
ONLINE_ALWAYS = "Object.defineProperty(Navigator.prototype, 'onLine', {get: () => true});"
SAVING_DATA = "Object.defineProperty(Navigator.prototype, 'connection', {get: () => ({saveData: true})});"


@contextmanager
def phone(browser: Browser, *scripts: str) -> Iterator[tuple[BrowserContext, Page]]:
    context = browser_context(browser, service_workers="allow", **PHONE)
    for script in scripts:
        context.add_init_script(script)
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


def results(page: Page, url: str) -> list[str]:
    page.goto(url)
    page.locator("#search-count").filter(has_text=" ").wait_for()
    return [a.inner_text() for a in page.locator("#search-results a").all()]


def test_opened_pages_and_their_search_work_offline_even_when_the_phone_claims_a_network(
        browser: Browser, catalogue_output: Path, tmp_path_factory: pytest.TempPathFactory) -> None:
    """On a host that sends the headers of _headers, as in production."""
    with catalogue_host(catalogue_output, tmp_path_factory.mktemp("host")) as (root, _), \
            phone(browser, ONLINE_ALWAYS) as (context, page):
        page.goto(root + "en/")
        wait_until_saved(page, {root + "en/", root + "en/search/", root + "offline.html"})
        assert not {url for url in saved(page) if url.startswith(root + "vi/")}, "only the language read"
        page.goto(root + SEA_GRAPES)
        page.goto(root + DURIAN)
        online = results(page, root + "en/search/?q=durian")
        assert "Khánh Sơn durian (fresh)" in online and "Phương Đài frozen durian" in online
        wait_until_saved(page, {root + SEA_GRAPES, root + DURIAN})
        assert root + NEVER_OPENED not in saved(page)

        context.set_offline(True)
        assert page.evaluate("navigator.onLine") is True, "the phone believes it has a connection"
        page.goto(root + DURIAN)
        assert page.locator("h1").inner_text() == "Khánh Sơn durian (fresh)"
        assert results(page, root + "en/search/?q=durian") == ["Khánh Sơn durian (fresh)"]
        assert page.locator("#search-offline").is_visible()
        assert results(page, root + "en/search/?q=Khanh Son") == ["Khánh Sơn durian (fresh)"]
        assert results(page, root + "en/search/?q=sea grapes") == ["Trí Tín dehydrated sea grapes"]
        page.locator("#search-results a").first.click()
        page.wait_for_url(root + SEA_GRAPES)
        assert page.locator("h1").inner_text() == "Trí Tín dehydrated sea grapes"

        page.goto(root + NEVER_OPENED)
        assert page.locator("section[lang=vi] h1").inner_text() == "Không có kết nối mạng"  # in both languages
        assert page.locator("section[lang=en] h2").inner_text() == "You are offline"
        assert page.evaluate("document.styleSheets[0].cssRules.length") > 0  # its links work at this depth
        page.get_by_role("link", name="Go to the home page").click()
        page.wait_for_url(root + "en/")
        assert page.locator("h1").count() == 1


def test_a_phone_that_saves_data_keeps_only_what_it_opened(browser: Browser, catalogue_output: Path,
                                                           tmp_path_factory: pytest.TempPathFactory) -> None:
    with catalogue_host(catalogue_output, tmp_path_factory.mktemp("host")) as (root, _), \
            phone(browser, SAVING_DATA) as (_, page):
        page.goto(root + SEA_GRAPES)
        wait_until_saved(page, {root + "offline.html"})
        page.goto(root + DURIAN)  # the worker controls the page from here
        wait_until_saved(page, {root + DURIAN})
        assert root + "en/search/" not in saved(page) and root + "en/" not in saved(page)


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
        wait_until_saved(page, {root + "offline.html", root + "en/search/"})
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
        wait_until_saved(page, {root + "en/search/", root + SEA_GRAPES})
