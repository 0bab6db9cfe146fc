"""Search in a real browser: tone marks and đ ignored, either language, by producer and by
former district name, with filters, linkable through ?q=, nothing from another host."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Page

from conftest import SITES, build_site, copy_site, http_server


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    folder = copy_site("minimal", tmp_path_factory.mktemp("search"))
    shutil.copytree(SITES / "search", folder, dirs_exist_ok=True)
    output, _ = build_site(folder)
    with http_server(output) as url:
        yield url


def search(page: Page, url: str) -> list[str]:
    foreign: list[str] = []
    page.on("request", lambda r: None if r.url.startswith("http://127.0.0.1") else foreign.append(r.url))
    page.goto(url)
    page.locator("#search-count").filter(has_text=" ").wait_for()
    assert foreign == []
    return [a.inner_text() for a in page.locator("#search-results a").all()]


QUERIES = [
    ("vi/tim-kiem/", "yen sao", "Yến sào Hòn Nội"),
    ("vi/tim-kiem/", "nuoc mam", "Nước mắm Alpha"),
    ("vi/tim-kiem/", "dac san", "Đặc sản Delta"),
    ("vi/tim-kiem/", "Da Lat", "Cà phê Đà Lạt"),
    ("vi/tim-kiem/", "Đà Lạt", "Cà phê Đà Lạt"),
    ("vi/tim-kiem/", "Ninh Hoa", "Đặc sản Delta"),
    ("vi/tim-kiem/", "Ninh Phước", "Tỏi tía"),
    ("vi/tim-kiem/", "co so binh", "Nước mắm Alpha"),
    ("en/search/", "sea grapes", "Bình Ba sea grapes"),
    ("en/search/", "fish sauce", "Alpha fish sauce"),
    ("en/search/", "bird's nest", "Hòn Nội bird's nest"),
    ("en/search/", "Cam Ranh", "Bình Ba sea grapes"),
    ("en/search/", "Ninh Hoa", "Delta speciality"),
    ("en/search/", "An Cooperative", "Gamma jam"),
    ("en/search/", "nuoc mam", "Alpha fish sauce"),  # the Vietnamese name, shown on English pages too
]


@pytest.mark.parametrize(("path", "query", "expected"), QUERIES, ids=[f"{p[:2]}: {q}" for p, q, _ in QUERIES])
def test_the_expected_product_is_among_the_first_results(page: Page, site: str, path: str, query: str,
                                                         expected: str) -> None:
    found = search(page, f"{site}{path}?q={query}")
    assert expected in found[:3], found


def test_english_pages_find_english_names_and_vietnamese_pages_vietnamese_names(page: Page, site: str) -> None:
    assert search(page, site + "en/search/?q=jam") == ["Gamma jam"]
    assert search(page, site + "vi/tim-kiem/?q=jam") == []
    assert search(page, site + "vi/tim-kiem/?q=mứt") == ["Mứt Gamma"]


def test_nothing_found_says_so_and_suggests_where_to_look(page: Page, site: str) -> None:
    assert search(page, site + "en/search/?q=xylophone") == []
    nothing = page.locator("#search-nothing")
    assert nothing.is_visible() and "No product found." in nothing.inner_text()
    assert nothing.get_by_role("link", name="All OCOP products").is_visible()
    assert page.locator("#search-count").inner_text() == "0 results"


def test_filters_narrow_the_results_and_the_search_can_be_linked(page: Page, site: str) -> None:
    assert search(page, site + "vi/tim-kiem/?stars=5") == ["Nước mắm Alpha"]
    assert search(page, site + "en/search/?category=gia-vi&place=xa-bon") == ["Purple garlic"]
    assert page.locator("select[name=place]").input_value() == "xa-bon"
    page.locator("select[name=place]").select_option("")
    page.locator("#search-count").filter(has_text="2 results").wait_for()
    assert page.url.endswith("/en/search/?category=gia-vi")


def test_typing_searches_at_once_and_updates_the_address(page: Page, site: str) -> None:
    page.goto(site + "en/search/")
    page.locator("#q").fill("garlic")
    page.locator("#search-results a").first.wait_for()
    assert page.locator("#search-results a").first.inner_text() == "Purple garlic"
    assert page.url.endswith("/en/search/?q=garlic")
    card = page.locator("#search-results .card").first
    assert card.locator(".stars").get_attribute("aria-label") == "3-star OCOP"
    assert card.locator(".status").inner_text() == "Status unknown"


def test_every_page_has_a_search_box_that_opens_the_search_page(page: Page, site: str) -> None:
    page.goto(site + "en/products/alpha/")
    page.get_by_role("search").get_by_role("searchbox").fill("garlic")
    page.get_by_role("search").get_by_role("button", name="Search").click()
    page.wait_for_url(site + "en/search/?q=garlic")
    page.locator("#search-results a").first.wait_for()
    assert page.locator("#q").input_value() == "garlic"


@pytest.fixture(scope="module")
def catalogue(catalogue_output: Path) -> Iterator[str]:
    with http_server(catalogue_output) as url:
        yield url


@pytest.mark.parametrize(("path", "query", "expected"), [
    ("en/search/", "sea grapes", "Trí Tín dehydrated sea grapes"),
    ("en/search/", "Ninh Hoa", "Trí Tín dehydrated sea grapes"),
    ("vi/tim-kiem/", "rong nho", "Rong nho tách nước Trí Tín"),
    ("vi/tim-kiem/", "nho xanh Ninh Phuoc", "Nho xanh Ba Mọi"),
    ("en/search/", "durian", "Khánh Sơn durian (fresh)"),
])
def test_the_real_catalogue(page: Page, catalogue: str, path: str, query: str, expected: str) -> None:
    assert expected in search(page, f"{catalogue}{path}?q={query}")[:3]


def test_result_cards_show_stars_status_icon_and_place(page: Page, site: str) -> None:
    search(page, site + "en/search/?q=fish+sauce")
    card = page.locator("#search-results .card").first
    assert card.locator("a").inner_text() == "Alpha fish sauce"
    assert card.locator(".stars").get_attribute("aria-label") == "5-star OCOP"
    assert card.locator(".status").get_attribute("data-status") == "valid"
    assert card.locator(".status").inner_text() == "Valid"
    assert (card.locator("use").get_attribute("href") or "").endswith("#gia-vi")
    assert card.locator(".where").inner_text() == "Hai Ward"
