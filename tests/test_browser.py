"""What the pages' one script does, in a real browser (Debian's Chromium via Playwright)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Page

from conftest import http_server


@pytest.fixture(scope="module")
def site_url(minimal_output: Path) -> Iterator[str]:
    with http_server(minimal_output) as url:
        yield url


def badge(page: Page) -> tuple[str | None, str]:
    status = page.locator("h1 + .meta .status")
    return status.get_attribute("data-status"), status.inner_text()


@pytest.mark.parametrize(("day", "code", "words"), [
    (dt.datetime(2025, 6, 1, 9), "valid", "Valid"),        # the build date
    (dt.datetime(2027, 1, 15, 9), "expiring", "Expires soon"),
    (dt.datetime(2028, 6, 1, 9), "expired", "Expired"),    # long after the build: the script corrects it
])
def test_certificate_status_is_right_on_the_day_the_page_is_read(
        page: Page, site_url: str, day: dt.datetime, code: str, words: str) -> None:
    page.clock.set_fixed_time(day)
    page.goto(site_url + "en/products/alpha/")
    assert badge(page) == (code, words)


def test_the_language_chosen_on_the_root_page_is_remembered(page: Page, site_url: str) -> None:
    page.goto(site_url)
    page.get_by_role("link", name="Read in English").click()
    page.wait_for_url(site_url + "en/")
    page.goto(site_url)
    page.wait_for_url(site_url + "en/")
    page.get_by_role("link", name="Tiếng Việt").first.click()
    page.wait_for_url(site_url + "vi/")
    page.goto(site_url)
    page.wait_for_url(site_url + "vi/")


def test_a_short_link_opens_the_product_in_the_readers_language(page: Page, site_url: str) -> None:
    page.goto(site_url + "p/alpha/")
    page.wait_for_url(site_url + "en/products/alpha/")  # from the browser's language, en-US
    page.goto(site_url + "vi/san-pham/alpha/")
    page.get_by_role("link", name="English").click()  # switching language remembers it
    page.goto(site_url + "p/alpha/")
    page.wait_for_url(site_url + "en/products/alpha/")
    page.get_by_role("link", name="Tiếng Việt").click()
    page.goto(site_url + "p/alpha/")
    page.wait_for_url(site_url + "vi/san-pham/alpha/")


def test_serve_reloads_the_open_page_after_every_save(page: Page, served: tuple[str, Path, Path]) -> None:
    base, site, _ = served
    product = site / "content/products/alpha/product.yaml"
    original = product.read_text(encoding="utf-8")
    page.goto(base + "en/products/alpha/")
    for n in range(2):  # livereload alone would ignore a second reload within 3 s
        product.write_text(original.replace("Alpha fish sauce", f"Alpha edit {n}"), encoding="utf-8")
        page.locator("h1", has_text=f"Alpha edit {n}").wait_for(timeout=15000)  # no eval: the pages' CSP forbids it
