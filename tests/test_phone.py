"""Every page type, in both languages, on a 360 x 800 touch phone in Debian's Chromium:
no horizontal scrolling, no tap target under 48 x 48 px, no axe-core violation, nothing
fetched from another host, and a language switch that opens the same page."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Browser, Page

from conftest import REPO, browser_context, http_server

AXE = REPO / "node_modules" / "axe-core" / "axe.min.js"
PREFIX = "ocopsite/"  # the path of base_url in site.yaml, so that 404.html finds its stylesheet
PAGES = {
    "home": ("vi/", "en/"),
    "product list": ("vi/san-pham/", "en/products/"),
    "product": ("vi/san-pham/rong-nho-tach-nuoc-tri-tin/", "en/products/rong-nho-tach-nuoc-tri-tin/"),
    "product, expired": ("vi/san-pham/nho-xanh-ba-moi/", "en/products/nho-xanh-ba-moi/"),
    "star levels": ("vi/sao/", "en/stars/"),
    "star level": ("vi/sao/4/", "en/stars/4/"),
    "producers": ("vi/chu-the/", "en/producers/"),
    "producer": ("vi/chu-the/htx-thai-an/", "en/producers/htx-thai-an/"),
    "tourism sites": ("vi/diem-du-lich/", "en/tourism/"),
    "tourism site": ("vi/diem-du-lich/vuon-nho-thai-an/", "en/tourism/vuon-nho-thai-an/"),
    "categories": ("vi/nhom/", "en/categories/"),
    "category": ("vi/nhom/thuc-pham-che-bien/", "en/categories/thuc-pham-che-bien/"),
    "places": ("vi/dia-phuong/", "en/places/"),
    "place": ("vi/dia-phuong/vinh-hai/", "en/places/vinh-hai/"),
    "free page": ("vi/ocop/", "en/ocop/"),
    "search": ("vi/tim-kiem/", "en/search/"),
    "statistics": ("vi/thong-ke/", "en/statistics/"),
    "QR labels": ("vi/nhan-in/tri-tin/", "en/labels/tri-tin/"),
}
SINGLE = {"language choice": "", "not found": "404.html"}
EVERY_PAGE = [(f"{kind} ({lang})", path) for kind, pair in PAGES.items() for lang, path in zip(("vi", "en"), pair,
                                                                                           strict=True)]
EVERY_PAGE += list(SINGLE.items())

MEASURE = """() => {
  const targets = [...document.querySelectorAll('a[href], button, select, input, textarea, summary')];
  const small = [];
  for (const el of targets) {
    const box = el.getBoundingClientRect();
    const visible = box.width > 0 && box.height > 0 && getComputedStyle(el).visibility !== 'hidden'
      && box.right > 0 && box.bottom > 0;
    const inline = el.closest('.prose p, .prose li, .prose td, .note');  // links inside running text
    if (visible && !inline && (box.width < 47.5 || box.height < 47.5)) {
      small.push(`${el.tagName.toLowerCase()} "${el.textContent.trim().slice(0, 40)}" ` +
                 `${Math.round(box.width)}x${Math.round(box.height)}`);
    }
  }
  return {scroll: document.documentElement.scrollWidth, width: window.innerWidth, small};
}"""


@pytest.fixture(scope="module")
def site(catalogue_output: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    docroot = tmp_path_factory.mktemp("docroot")
    shutil.copytree(catalogue_output, docroot / PREFIX)
    with http_server(docroot) as url:
        yield url + PREFIX


def visit(page: Page, url: str) -> list[str]:
    """Open ``url`` and return every request the page made to another host."""
    foreign: list[str] = []
    page.on("request", lambda r: foreign.append(r.url) if not r.url.startswith(("http://127.0.0.1", "data:"))
            else None)
    page.goto(url)
    page.wait_for_load_state("load")
    return foreign


@pytest.mark.parametrize(("name", "path"), EVERY_PAGE, ids=[n for n, _ in EVERY_PAGE])
def test_fits_a_phone_and_every_tap_target_is_big_enough(page: Page, site: str, name: str, path: str) -> None:
    assert visit(page, site + path) == []
    found: dict[str, Any] = page.evaluate(MEASURE)
    assert found["scroll"] <= found["width"], f"{name}: the page scrolls sideways"
    assert found["small"] == [], f"{name}: tap targets under 48 x 48 px"


@pytest.mark.parametrize("scheme", ["light", "dark"])
@pytest.mark.parametrize(("name", "path"), EVERY_PAGE, ids=[n for n, _ in EVERY_PAGE])
def test_axe_core_finds_no_violation(browser: Browser, site: str, name: str, path: str, scheme: str) -> None:
    context = browser_context(browser, viewport={"width": 360, "height": 800}, has_touch=True, is_mobile=True,
                                  color_scheme=scheme)  # type: ignore[arg-type]
    page = context.new_page()
    page.goto(site + path)
    page.evaluate(AXE.read_text(encoding="utf-8"))  # not a <script> tag, which the pages' CSP would block
    violations = page.evaluate("async () => (await axe.run(document)).violations.map("
                               "v => `${v.id}: ${v.nodes.map(n => n.target.join(' ')).join(', ')}`)")
    context.close()
    assert violations == []


@pytest.mark.parametrize("kind", list(PAGES))
def test_the_language_switch_opens_the_same_page_in_the_other_language(page: Page, site: str, kind: str) -> None:
    vi, en = PAGES[kind]
    page.goto(site + vi)
    page.get_by_role("navigation", name="Ngôn ngữ khác").get_by_role("link", name="English").click()
    page.wait_for_url(site + en)
    page.get_by_role("navigation", name="Other languages").get_by_role("link", name="Tiếng Việt").click()
    page.wait_for_url(site + vi)


def test_a_list_narrows_in_place_and_without_script_links_to_the_same_lists(page: Page, site: str) -> None:
    page.goto(site + "en/products/")
    cards = page.locator(".cards > .card")
    total = cards.count()
    form = page.locator("form.narrow")
    form.get_by_label("By star level").select_option("4")
    visible = page.locator(".cards > .card:visible")
    assert 0 < visible.count() < total
    assert all(c.get_attribute("data-stars") == "4" for c in visible.all())
    assert form.locator(".count").inner_text() == f"{visible.count()} products"
    form.get_by_label("By place").select_option("vinh-hai")
    assert all(c.get_attribute("data-place") == "vinh-hai" for c in visible.all())
    form.get_by_label("By star level").select_option("")
    form.get_by_label("By place").select_option("")
    assert visible.count() == total
    links = page.get_by_role("navigation", name="Browse by star level, category or place")
    links.get_by_role("link", name="4 stars").click()
    page.wait_for_url(site + "en/stars/4/")


def test_without_javascript_the_filter_form_stays_hidden(browser: Browser, site: str) -> None:
    context = browser_context(browser, java_script_enabled=False, viewport={"width": 360, "height": 800})
    page = context.new_page()
    page.goto(site + "en/products/")
    assert page.locator("form.narrow").is_hidden()
    assert page.get_by_role("link", name="4 stars").first.is_visible()
    context.close()


def test_a_product_page_prints_its_facts_without_navigation(page: Page, site: str) -> None:
    page.goto(site + "en/products/rong-nho-tach-nuoc-tri-tin/")
    page.emulate_media(media="print")
    assert page.locator("header nav.menu").is_hidden() and page.locator("footer").is_hidden()
    assert page.locator(".crumbs").is_hidden()
    assert page.locator("#certificate").is_visible() and page.locator("h1").is_visible()
