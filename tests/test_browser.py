"""What the pages' one script does, in a real browser (Debian's Chromium via Playwright)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page
from playwright.sync_api import TimeoutError as PlaywrightTimeoutError

from conftest import BROWSER_TIME, PHONE, browser_context, http_server, wait_for

pytestmark = pytest.mark.clock


@pytest.fixture(scope="module")
def site_url(minimal_output: Path) -> Iterator[str]:
    with http_server(minimal_output) as url:
        yield url


def badge(page: Page) -> tuple[str | None, str]:
    status = page.locator(".status-line .status")
    return status.get_attribute("data-status"), status.inner_text()


@pytest.mark.parametrize(("day", "code", "words"), [
    (dt.datetime(2025, 6, 1, 9), "valid", "Valid until 1 March 2027"),  # the build date
    (dt.datetime(2027, 1, 15, 9), "expiring", "Expires soon: 1 March 2027"),
    (dt.datetime(2028, 6, 1, 9), "expired", "Ended on 1 March 2027"),  # long after the build: the script says so
])
def test_certificate_status_is_right_on_the_day_the_page_is_read(
        page: Page, site_url: str, day: dt.datetime, code: str, words: str) -> None:
    page.clock.set_fixed_time(day)
    page.goto(site_url + "en/products/alpha/")
    assert badge(page) == (code, words)


@pytest.mark.parametrize(("locale", "home"), [("en-US", "en/"), ("vi-VN", "vi/"), ("en-GB", "en/")])
def test_the_root_opens_the_browsers_language_showing_which(browser: Browser, site_url: str, locale: str,
                                                            home: str) -> None:
    context = browser_context(browser, **{**PHONE, "locale": locale})
    context.clock.install(time=BROWSER_TIME)
    context.clock.pause_at(BROWSER_TIME + dt.timedelta(seconds=1))  # no timer fires until told
    page = context.new_page()
    page.goto(site_url)
    assert page.get_by_role("link", name="Read in English").is_visible(), "the choice is shown meanwhile"
    opening = page.locator(".opening")
    assert opening.inner_text() in ("Opening the English pages…", "Đang mở trang tiếng Việt…")
    assert page.url == site_url
    page.clock.run_for(1000)
    page.wait_for_url(site_url + home)
    context.close()


def test_the_root_keeps_the_choice_for_other_languages_and_remembers_it(browser: Browser, site_url: str) -> None:
    context = browser_context(browser, **{**PHONE, "locale": "fr-FR"})
    page = context.new_page()
    page.goto(site_url)
    page.wait_for_load_state("load")
    assert page.url == site_url and page.locator(".opening").inner_text() == ""
    page.get_by_role("link", name="Đọc bằng tiếng Việt").click()
    page.wait_for_url(site_url + "vi/")
    page.goto(site_url)
    page.wait_for_url(site_url + "vi/")  # remembered
    page.get_by_role("link", name="EN English").click()
    page.wait_for_url(site_url + "en/")
    page.goto(site_url)
    page.wait_for_url(site_url + "en/")
    context.close()


def test_a_short_link_opens_the_product_in_the_readers_language(page: Page, site_url: str) -> None:
    page.goto(site_url + "p/alpha/")
    page.wait_for_url(site_url + "en/products/alpha/")  # from the browser's language, en-US
    page.goto(site_url + "vi/san-pham/alpha/")
    page.get_by_role("link", name="EN English").click()  # switching language remembers it
    page.goto(site_url + "p/alpha/")
    page.wait_for_url(site_url + "en/products/alpha/")
    page.get_by_role("link", name="VI Tiếng Việt").click()
    page.goto(site_url + "p/alpha/")
    page.wait_for_url(site_url + "vi/san-pham/alpha/")


def connected(log: Path, url: str, times: int) -> None:
    """Wait until the page at ``url`` has connected its live-reload socket ``times`` times (once
    per load; serve's log says so): a save from then on reloads it, where one made before would
    find no browser to tell."""
    wait_for(lambda: log.read_text(encoding="utf-8").count(f"Browser Connected: {url}") >= times)


def shown(page: Page, selector: str, log: Path, text: str | None = None) -> None:
    """Wait for ``selector`` (with ``text``) on the page; if it never comes, say what serve said."""
    try:
        page.locator(selector, has_text=text).wait_for(timeout=15000)  # no eval: the pages' CSP forbids it
    except PlaywrightTimeoutError:
        raise AssertionError(f"{selector} {text or ''} never shown; serve said:\n"
                             + log.read_text(encoding="utf-8")[-3000:]) from None


def test_serve_reloads_the_open_page_after_every_save(page: Page, served: tuple[str, Path, Path]) -> None:
    base, site, log = served
    product = site / "content/products/alpha/product.yaml"
    original = product.read_text(encoding="utf-8")
    url = base + "en/products/alpha/"
    page.goto(url)
    for n in range(2):  # livereload alone would ignore a second reload within 3 s
        connected(log, url, n + 1)
        product.write_text(original.replace("Alpha fish sauce", f"Alpha edit {n}"), encoding="utf-8")
        shown(page, "h1", log, f"Alpha edit {n}")


def test_serve_shows_a_failed_edit_on_the_open_page_and_reloads_once_it_is_mended(
        page: Page, served: tuple[str, Path, Path]) -> None:
    """As Hugo's and Vite's error overlays: the page says what is wrong, where, in its language."""
    base, site, log = served
    product = site / "content/products/alpha/product.yaml"
    original = product.read_text(encoding="utf-8")
    url = base + "vi/san-pham/alpha/"
    page.goto(url)
    connected(log, url, 1)
    product.write_text(original.replace("stars: 5", "stars: 9"), encoding="utf-8")
    shown(page, "aside.build-errors", log)
    panel = page.locator("aside.build-errors")
    assert panel.locator("h2").inner_text() == "Không tạo được trang sau lần sửa này"
    assert "content/products/alpha/product.yaml:4" in panel.inner_text() and "not 9" in panel.inner_text()
    assert page.locator("h1").inner_text() == "Nước mắm Alpha", "the last good page, beneath"
    connected(log, url, 2)
    product.write_text(original.replace("Nước mắm Alpha", "Nước mắm Alpha mới"), encoding="utf-8")
    shown(page, "h1", log, "Nước mắm Alpha mới")
    assert page.locator("aside.build-errors").count() == 0
