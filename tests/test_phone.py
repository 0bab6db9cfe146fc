"""Every page type, in both languages, on a 360 x 800 touch phone in Debian's Chromium: no
horizontal scrolling, no tap target under 48 x 48 px, no axe-core violation, nothing fetched
from another host, a header of at most 120 px with a one-line breadcrumb, the product's
status, stars and where to buy it on the first screen, filters that count the whole list, a
menu without script, and from 900 px a layout in columns."""

from __future__ import annotations

import shutil
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Browser, Page

from conftest import PHONE, REPO, browser_context, http_server
from ocopsite.build import check

AXE = REPO / "node_modules" / "axe-core" / "axe.min.js"
PREFIX = "ocopsite/"  # the path of base_url in site.yaml
PAGES = {
    "home": ("vi/", "en/"),
    "product list": ("vi/san-pham/", "en/products/"),
    "product": ("vi/san-pham/rong-nho-tach-nuoc-tri-tin/", "en/products/rong-nho-tach-nuoc-tri-tin/"),
    "product, ended": ("vi/san-pham/nho-xanh-ba-moi/", "en/products/nho-xanh-ba-moi/"),
    "star levels": ("vi/sao/", "en/stars/"),
    "star level": ("vi/sao/3/", "en/stars/3/"),
    "producers": ("vi/chu-the/", "en/producers/"),
    "producer": ("vi/chu-the/htx-thai-an/", "en/producers/htx-thai-an/"),
    "tourism sites": ("vi/diem-du-lich/", "en/tourism/"),
    "tourism site": ("vi/diem-du-lich/vuon-nho-thai-an/", "en/tourism/vuon-nho-thai-an/"),
    "point of sale": ("vi/diem-du-lich/cho-dam-nha-trang/", "en/tourism/cho-dam-nha-trang/"),
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
    const inline = el.closest('.prose p, .prose li, .prose td, .note, .sources li');  // links inside running text
    if (visible && !inline && (box.width < 47.5 || box.height < 47.5)) {
      small.push(`${el.tagName.toLowerCase()} "${el.textContent.trim().slice(0, 40)}" ` +
                 `${Math.round(box.width)}x${Math.round(box.height)}`);
    }
  }
  const header = document.querySelector('header.top'), crumbs = document.querySelector('.crumbs ol');
  return {scroll: document.documentElement.scrollWidth, width: window.innerWidth, small,
          header: header ? header.getBoundingClientRect().height : 0,
          crumbs: crumbs ? crumbs.getBoundingClientRect().height : 0};
}"""


@pytest.fixture(scope="module")
def site(catalogue_output: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    docroot = tmp_path_factory.mktemp("docroot")
    shutil.copytree(catalogue_output, docroot / PREFIX)
    with http_server(docroot) as url:
        yield url + PREFIX


@pytest.fixture(scope="module")
def phone(browser: Browser) -> Iterator[Page]:
    """One phone for the pages that only read (a fresh context per test would cost seconds)."""
    context = browser_context(browser, **{**PHONE, "locale": "fr-FR"})  # the root page stays where it is
    page = context.new_page()
    yield page
    context.close()


def visit(page: Page, url: str) -> list[str]:
    """Open ``url`` and return every request the page made to another host."""
    foreign: list[str] = []

    def seen(request: Any) -> None:
        if not request.url.startswith(("http://127.0.0.1", "data:")):
            foreign.append(request.url)

    page.on("request", seen)
    page.goto(url)
    page.wait_for_load_state("load")
    page.remove_listener("request", seen)
    return foreign


@pytest.mark.parametrize(("name", "path"), EVERY_PAGE, ids=[n for n, _ in EVERY_PAGE])
def test_fits_a_phone_with_a_short_header_and_big_tap_targets(phone: Page, site: str, name: str, path: str) -> None:
    assert visit(phone, site + path) == []
    found: dict[str, Any] = phone.evaluate(MEASURE)
    assert found["scroll"] <= found["width"], f"{name}: the page scrolls sideways"
    assert found["small"] == [], f"{name}: tap targets under 48 x 48 px"
    assert found["header"] <= 120, f"{name}: the header takes {found['header']} px"
    assert found["crumbs"] <= 50, f"{name}: the breadcrumb wraps ({found['crumbs']} px)"


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_axe_core_finds_no_violation(browser: Browser, site: str, scheme: str) -> None:
    context = browser_context(browser, **{**PHONE, "locale": "fr-FR"}, color_scheme=scheme)
    page = context.new_page()
    found = {}
    for name, path in EVERY_PAGE:
        page.goto(site + path)
        page.evaluate(AXE.read_text(encoding="utf-8"))  # not a <script> tag, which the pages' CSP would block
        violations = page.evaluate("async () => (await axe.run(document)).violations.map("
                                   "v => `${v.id}: ${v.nodes.map(n => n.target.join(' ')).join(', ')}`)")
        if violations:
            found[name] = violations
    context.close()
    assert found == {}


@pytest.mark.parametrize("kind", list(PAGES))
def test_the_language_switch_opens_the_same_page_in_the_other_language(phone: Page, site: str, kind: str) -> None:
    vi, en = PAGES[kind]
    phone.goto(site + vi)
    phone.get_by_role("link", name="EN English").click()
    phone.wait_for_url(site + en)
    phone.get_by_role("link", name="VI Tiếng Việt").click()
    phone.wait_for_url(site + vi)


@pytest.mark.parametrize("lang", ["vi", "en"])
def test_every_product_page_answers_the_three_questions_on_the_first_screen(phone: Page, site: str,
                                                                           lang: str) -> None:
    """Its name, stars and recognition, certificate status and where to buy it, without scrolling."""
    catalogue = check(REPO).catalogue
    section = "san-pham" if lang == "vi" else "products"
    late = []
    for entry in catalogue.products:
        phone.goto(f"{site}{lang}/{section}/{entry.slug}/")
        for part in ("h1", ".verdict .stars", ".status-line .status", ".buy-line, #buy"):
            box = phone.locator(part).first.bounding_box()
            if box is None or box["y"] + box["height"] > 800:
                late.append(f"{entry.slug}: {part}")
        status = phone.locator(".status-line .status")
        if status.get_attribute("data-status") == "unknown":
            assert status.inner_text() in ("Expiry date not published", "Chưa công bố ngày hết hạn")
        rec = entry.product.recognition
        if rec is not None and rec.date is not None:
            box = phone.locator(".verdict .ocop").bounding_box()
            assert box is not None and box["y"] + box["height"] <= 800, entry.slug
    assert late == []


def test_unknown_status_is_worded_in_a_neutral_colour(phone: Page, site: str) -> None:
    phone.goto(site + "en/stars/4/")
    unknown = phone.locator(".status[data-status=unknown]").first
    ended = phone.locator(".status[data-status=expired]").first
    colour = unknown.evaluate("e => getComputedStyle(e).backgroundColor")
    assert colour != ended.evaluate("e => getComputedStyle(e).backgroundColor")
    assert colour == "rgb(236, 239, 242)", "grey, not a warning"


def test_lists_put_current_certificates_first_and_ended_ones_apart(phone: Page, site: str) -> None:
    phone.goto(site + "en/stars/4/")
    ended = phone.locator("section.ended")
    assert ended.locator("h2").inner_text() == "Certificate ended"
    assert "no renewal is recorded" in ended.locator(".note").inner_text()
    assert ended.locator(".status[data-status=valid], .status[data-status=unknown]").count() == 0
    assert phone.locator("ul.cards:not(section.ended ul) .status[data-status=expired]").count() == 0


def test_filters_appear_only_on_long_lists_and_never_offer_what_the_page_is_about(phone: Page, site: str) -> None:
    phone.goto(site + "en/stars/5/")  # one product
    assert phone.locator("details.filters").count() == 0
    phone.goto(site + "en/products/")
    names = {s.get_attribute("name") for s in phone.locator("details.filters select").all()}
    assert names == {"stars", "category", "place"}
    phone.goto(site + "en/stars/3/")
    assert {s.get_attribute("name") for s in phone.locator("details.filters select").all()} == {"category", "place"}
    assert phone.locator("details.filters input[type=hidden][name=stars]").get_attribute("value") == "3"
    phone.goto(site + "en/categories/thuc-pham-che-bien/")
    assert "category" not in {s.get_attribute("name") for s in phone.locator("details.filters select").all()}


def test_every_filter_of_the_product_list_counts_the_whole_catalogue(phone: Page, site: str) -> None:
    catalogue = check(REPO).catalogue
    expected: Counter[tuple[str, str]] = Counter()
    for e in catalogue.products:
        expected[("stars", str(e.product.stars))] += 1
        expected[("category", e.group.slug)] += 1
        if e.place:
            expected[("place", e.place.slug)] += 1
    phone.goto(site + "en/products/")
    options = [(s.get_attribute("name"), o.get_attribute("value")) for s in
               phone.locator("details.filters select").all() for o in s.locator("option").all()]
    options = [(name, value) for name, value in options if name and value]
    assert len(options) > 10
    for name, value in options:
        phone.goto(site + "en/products/")
        phone.locator("details.filters summary").click()
        phone.locator(f"details.filters select[name={name}]").select_option(value)
        phone.locator("details.filters button").click()
        phone.wait_for_url(f"**/en/search/?{name}={value}")
        phone.locator("#search-count").filter(has_text="result").wait_for()
        n = expected[(name, value)]
        assert phone.locator("#search-count").inner_text() == (f"{n} result" if n == 1 else f"{n} results"), \
            (name, value)
    empty = next(g.slug for g in catalogue.groups if not any(e.group.slug == g.slug and e.product.stars == 5
                                                               for e in catalogue.products))
    phone.goto(site + f"en/search/?stars=5&category={empty}")
    phone.locator("#search-count").filter(has_text="result").wait_for()
    assert phone.locator("#search-nothing").is_visible()
    phone.get_by_role("link", name="Clear the filters").click()
    phone.wait_for_url(site + "en/search/")


def test_the_menu_opens_without_script(browser: Browser, site: str) -> None:
    context = browser_context(browser, java_script_enabled=False, **PHONE)
    page = context.new_page()
    page.goto(site + "en/products/rong-nho-tach-nuoc-tri-tin/")
    menu = page.get_by_role("navigation", name="Main sections")
    assert menu.is_hidden()
    page.locator("details.menu summary").click()
    assert menu.is_visible()
    menu.get_by_role("link", name="Star levels").click()
    page.wait_for_url(site + "en/stars/")
    context.close()


def test_a_product_page_prints_its_facts_without_navigation(phone: Page, site: str) -> None:
    phone.goto(site + "en/products/rong-nho-tach-nuoc-tri-tin/")
    phone.emulate_media(media="print")
    assert phone.locator("header.top").is_hidden() and phone.locator("footer").is_hidden()
    assert phone.locator(".crumbs").is_hidden()
    assert phone.locator("#certificate").is_visible() and phone.locator("h1").is_visible()
    phone.emulate_media(media="screen")


@pytest.mark.parametrize(("width", "columns"), [(1280, 3), (1000, 2), (899, 1), (360, 1)])
def test_from_900_px_lists_take_columns_and_a_product_puts_its_facts_beside_the_text(
        browser: Browser, site: str, width: int, columns: int) -> None:
    context = browser_context(browser, viewport={"width": width, "height": 900}, locale="fr-FR")
    page = context.new_page()
    page.goto(site + "en/products/")
    tops = [c.bounding_box()["y"] for c in page.locator("ul.cards .card").all()[:3]]  # type: ignore[index]
    assert len(set(tops[:columns])) == 1 and (columns == 3 or len(tops) < columns + 1
                                               or tops[columns] > tops[0]), tops
    page.goto(site + "en/products/rong-nho-tach-nuoc-tri-tin/")
    key, more = page.locator(".product .key").bounding_box(), page.locator(".product .more").bounding_box()
    assert key is not None and more is not None
    beside = key["x"] + key["width"] <= more["x"] + 1
    assert beside == (width >= 900), (width, key, more)
    context.close()
