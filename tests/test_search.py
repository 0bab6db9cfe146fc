"""Search in a real browser at 360 px. Precision: every result shown matches every word of the
query (the whole folded word, a synonym, or, for the last word only and at three letters or
more, the start of a word), checked here against the catalogue's own texts, not against a list
of expected results. Recall: tone marks and đ ignored, either language on either page, producer
and former place names, filters, ?q=. Producers, places to visit and shops, and places come
after the products, marked by kind; nothing from another host; no search example finds nothing."""

from __future__ import annotations

import re
import shutil
import unicodedata
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import quote

import pytest
from playwright.sync_api import Browser, Page, Request

from conftest import PHONE, REPO, SITES, browser_context, build_site, copy_site, http_server
from ocopsite.build import check
from ocopsite.catalogue import Catalogue
from ocopsite.schema import Localized


def folded(text: str) -> list[str]:
    """The words of a text as a reader's query means them: no marks, đ as d, any case."""
    plain = unicodedata.normalize("NFD", text.replace("đ", "d").replace("Đ", "D"))
    plain = "".join(c for c in plain if not unicodedata.combining(c)).lower().replace("'", "").replace("’", "")
    return re.findall(r"[a-z0-9]+", plain)


@dataclass
class Document:
    """What a result may be found by, from the catalogue itself."""

    kind: str
    words: set[str]


def texts(*values: Localized | None) -> list[str]:
    return [text for value in values if value is not None for _, text in value.texts]


def documents(cat: Catalogue) -> dict[str, Document]:
    """Every searchable thing, by the address of its page in each language, with its words: its
    name, producer, place and the place's former names, category and description, in every
    language, and every synonym of a term among them."""
    synonyms = [[folded(term) for term in group.terms.all()] for group in cat.site.synonyms]
    found: dict[str, Document] = {}

    def place_words(slug: str | None) -> list[str]:
        place = cat.place_index.get(slug or "")
        return [*texts(place.name), *place.former_names] if place else []

    def add(kind: str, sections: dict[str, str], slug: str, words: list[str]) -> None:
        tokens: list[str] = []
        for text in words:
            tokens += [*folded(text), ""]
        joined = " " + " ".join(tokens) + " "
        every = {t for t in tokens if t}
        for group in synonyms:
            if any(term and f" {' '.join(term)} " in joined for term in group):
                every.update(word for term in group for word in term)
        for lang, section in sections.items():
            found[f"{lang}/{section}/{slug}/"] = Document(kind, every)

    for e in cat.products:
        p = e.product
        body = [re.sub(r"<[^>]+>", " ", t) for t in texts(p.body.html)]
        add("product", {"vi": "san-pham", "en": "products"}, e.slug,
            [*texts(p.name, e.producer.name, e.group.name, p.summary), *place_words(e.place.slug if e.place else None),
             *body])
    for r in cat.site.producers:
        add("producer", {"vi": "chu-the", "en": "producers"}, r.slug,
            [*texts(r.name), *place_words(r.place), *(re.sub(r"<[^>]+>", " ", t) for t in texts(r.body.html))])
    for t in cat.site.tourism:
        add("tourism", {"vi": "diem-du-lich", "en": "tourism"}, t.slug,
            [*texts(t.name), *place_words(t.place), *(re.sub(r"<[^>]+>", " ", x) for x in texts(t.body.html))])
    for place in cat.places:
        add("place", {"vi": "dia-phuong", "en": "places"}, place.slug, [*texts(place.name), *place.former_names])
    return found


def name_words(cat: Catalogue) -> set[str]:
    """The words of every name (products, producers, places to visit and shops, places), with
    the synonyms of their terms: what the last word of a query may be the start of."""
    synonyms = [[folded(term) for term in group.terms.all()] for group in cat.site.synonyms]
    found: set[str] = set()
    for thing in [*(e.product for e in cat.products), *cat.site.producers, *cat.site.tourism, *cat.places]:
        tokens = [t for text in texts(thing.name) for t in [*folded(text), ""]]
        found.update(t for t in tokens if t)
        joined = " " + " ".join(tokens) + " "
        for group in synonyms:
            if any(term and f" {' '.join(term)} " in joined for term in group):
                found.update(word for term in group for word in term)
    return found


def matches(query: str, document: Document, names: set[str]) -> bool:
    """Every word of the query is a word of the document, or the last one, at three letters or
    more, the start of one of its words that is also a word of some name."""
    words = folded(query)
    return all(word in document.words or (i == len(words) - 1 and len(word) >= 3
                                           and any(w.startswith(word) and w in names for w in document.words))
               for i, word in enumerate(words))


def results(page: Page, url: str) -> list[tuple[str, str]]:
    """Every result shown, products first, each as (its address within the site, its name)."""
    foreign: list[str] = []

    def watch(request: Request) -> None:
        if not request.url.startswith("http://127.0.0.1"):
            foreign.append(request.url)

    page.on("request", watch)
    page.goto(url)
    page.locator("#search-count").filter(has_text=re.compile(r"\d")).wait_for()
    for button, rows in (("#search-more", "#search-results"), ("#search-more-others", "#search-other-results")):
        more = page.locator(button)
        while more.is_visible():  # every page of results, products and the other kinds apart
            more.click()
            page.locator(f"{rows}:not([aria-busy])").wait_for(state="attached")  # drawn a few at a time
    page.remove_listener("request", watch)
    assert foreign == []
    root = url.split("/search/")[0].split("/tim-kiem/")[0].rsplit("/", 1)[0] + "/"
    shown = []
    for link in [*page.locator("#search-results a").all(), *page.locator("#search-other-results a").all()]:
        href = link.evaluate("a => a.href")
        shown.append((href.removeprefix(root), link.inner_text()))
    return shown


def names(page: Page, url: str) -> list[str]:
    return [name for _, name in results(page, url)]


# On the real catalogue: words that match something, words that match nothing, English words for
# products the catalogue lacks, 1- and 2-letter queries, and Vietnamese mixed with English.
QUERIES = [
    "agarwood", "coffee", "cashew", "nuoc mam", "tram huong", "Nha Trang", "yen", "bird nest", "fish sauce",
    "sea grapes", "rong nho", "durian", "sầu riêng", "xoai say", "mango", "dried mango", "grapes", "nho xanh",
    "garlic", "Ninh Hoa", "Khanh Son", "pottery", "gom", "brocade", "wine", "ruou nho", "Cam Lam", "Ba Moi",
    "lobster", "kimchi", "q", "x", "xo", "ca", "rong nho dried", "grape Ninh Phuoc", "zzqqy", "sau rieng dong lanh",
    "ca phe", "Ninh Ph", "sau ri",
]


@pytest.fixture(scope="module")
def page(browser: Browser) -> Iterator[Page]:
    """One phone for every search of this file (360 x 800, English): each test opens its own
    address, and nothing a search does changes the next one."""
    context = browser_context(browser, **PHONE)
    yield context.new_page()
    context.close()


@dataclass(frozen=True)
class Searched:
    url: str
    docs: dict[str, Document]
    names: set[str]


@pytest.fixture(scope="module")
def catalogue(catalogue_output: Path) -> Iterator[Searched]:
    cat = check(REPO).catalogue
    with http_server(catalogue_output) as url:
        yield Searched(url, documents(cat), name_words(cat))


@pytest.mark.parametrize("lang", ["en", "vi"])
@pytest.mark.parametrize("query", QUERIES)
def test_every_result_matches_every_word_of_the_query(page: Page, catalogue: Searched,
                                                      query: str, lang: str) -> None:
    url, docs = catalogue.url, catalogue.docs
    path = "en/search/" if lang == "en" else "vi/tim-kiem/"
    shown = results(page, f"{url}{path}?q={quote(query)}")
    wrong = [(address, name) for address, name in shown if not matches(query, docs[address], catalogue.names)]
    assert wrong == [], f"{query!r} shows results that do not match it"
    found = [address for address, doc in docs.items()
             if address.startswith(lang + "/") and matches(query, doc, catalogue.names)]
    assert {address for address, _ in shown} == set(found), "every match is shown (products, then the rest)"
    kinds = [docs[address].kind for address, _ in shown]
    assert kinds == sorted(kinds, key=lambda k: k != "product"), "products first"


def test_the_words_that_showed_nonsense_now_find_what_they_mean(page: Page,
                                                               catalogue: Searched) -> None:
    url, docs = catalogue.url, catalogue.docs
    agarwood = results(page, url + "en/search/?q=agarwood")
    assert agarwood and all("tram" in docs[a].words for a, _ in agarwood)
    assert ("en/tourism/lang-nghe-tram-huong-van-thang/" in {a for a, _ in agarwood}), "the agarwood village"
    assert results(page, url + "en/search/?q=coffee") == [], "no coffee in the catalogue: no grapes either"
    assert results(page, url + "vi/tim-kiem/?q=ca%20phe") == [], "nor in Vietnamese: 'phe' is no start of 'phép'"
    assert results(page, url + "en/search/?q=cashew") == []
    nha_trang = results(page, url + "en/search/?q=Nha%20Trang")
    assert nha_trang and {docs[a].kind for a, _ in nha_trang} >= {"place"}
    sea = names(page, url + "vi/tim-kiem/?q=sea%20grapes")
    assert "Rong nho tách nước Trí Tín" in sea[:3]


def test_nothing_found_says_so_in_the_pages_language_and_suggests_a_spelling(
        page: Page, catalogue: Searched) -> None:
    url = catalogue.url
    assert results(page, url + "en/search/?q=duriann") == []
    nothing = page.locator("#search-nothing")
    assert nothing.is_visible() and "Nothing in the catalogue matches these words." in nothing.inner_text()
    page.locator("#search-suggest a").first.wait_for()
    assert "durian" in [a.inner_text() for a in page.locator("#search-suggest a").all()]
    assert nothing.get_by_role("link", name="5-star OCOP products").is_visible()
    assert page.locator("#search-count").inner_text() == "0 results"
    assert results(page, url + "vi/tim-kiem/?q=xylophone") == []
    assert "Không có mục nào trong danh mục khớp với các từ này." in page.locator("#search-nothing").inner_text()


def test_producers_places_and_shops_come_after_the_products_marked_by_kind(
        page: Page, catalogue: Searched) -> None:
    url, docs = catalogue.url, catalogue.docs
    shown = results(page, url + "en/search/?q=Ba%20Moi")
    assert any(docs[a].kind == "product" for a, _ in shown) and any(docs[a].kind == "producer" for a, _ in shown)
    rows = page.locator("#search-other-results li").all()
    assert rows and all(row.locator(".meta").inner_text().split(" · ")[0] in
                        ("Producer", "Place to visit or shop", "Place") for row in rows)


def test_every_example_in_the_search_box_finds_a_product(page: Page,
                                                         catalogue: Searched) -> None:
    url = catalogue.url
    for path in ("en/search/", "vi/tim-kiem/", "en/", "vi/"):
        page.goto(url + path)
        examples = (page.locator("input[type=search]").first.get_attribute("placeholder") or "").rstrip("…")
        for example in [e.strip() for e in examples.split(",")]:
            shown = names(page, f"{url}{'vi/tim-kiem/' if path.startswith('vi') else 'en/search/'}"
                                f"?q={quote(example)}")
            assert page.locator("#search-results li").count() > 0, f"{path}: the example {example!r} finds nothing"
            assert shown


# Recall, on the minimal site with the search fixtures (fictional, test-only products).
@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    folder = copy_site("minimal", tmp_path_factory.mktemp("search"))
    shutil.copytree(SITES / "search", folder, dirs_exist_ok=True)
    output, _ = build_site(folder)
    with http_server(output) as url:
        yield url


RECALL = [
    ("vi/tim-kiem/", "yen sao", "Yến sào Hòn Nội"),
    ("vi/tim-kiem/", "nuoc mam", "Nước mắm Alpha"),
    ("vi/tim-kiem/", "NƯỚC MẮM", "Nước mắm Alpha"),
    ("vi/tim-kiem/", "dac san", "Đặc sản Delta"),
    ("vi/tim-kiem/", "Da Lat", "Cà phê Đà Lạt"),
    ("vi/tim-kiem/", "Đà Lạt", "Cà phê Đà Lạt"),
    ("vi/tim-kiem/", "Ninh Hoa", "Đặc sản Delta"),
    ("vi/tim-kiem/", "Ninh Phước", "Tỏi tía"),
    ("vi/tim-kiem/", "co so binh", "Nước mắm Alpha"),
    ("vi/tim-kiem/", "bird's nest", "Yến sào Hòn Nội"),  # a synonym, on the Vietnamese page
    ("en/search/", "sea grapes", "Bình Ba sea grapes"),
    ("en/search/", "fish sauce", "Alpha fish sauce"),
    ("en/search/", "bird's nest", "Hòn Nội bird's nest"),
    ("en/search/", "birds nest", "Hòn Nội bird's nest"),
    ("en/search/", "Cam Ranh", "Bình Ba sea grapes"),
    ("en/search/", "Ninh Hoa", "Delta speciality"),
    ("en/search/", "An Cooperative", "Gamma jam"),
    ("en/search/", "nuoc mam", "Alpha fish sauce"),  # the Vietnamese name, on the English page too
    ("en/search/", "mứt", "Gamma jam"),
    ("en/search/", "gar", "Purple garlic"),  # the start of the last word
    ("en/search/", "Phuoc Son", "Purple garlic"),  # xa-bon was formed from Phước Sơn township…
    ("vi/tim-kiem/", "Ninh Phước", "Tỏi tía"),  # …and from a commune of the former Ninh Phước district
]


def test_a_place_merged_from_two_units_is_found_by_each_former_name(page: Page, site: str) -> None:
    for query in ("Phuoc Son", "Ninh Phuoc"):
        shown = results(page, f"{site}en/search/?q={quote(query)}")
        assert ("en/places/xa-bon/", "Bốn Commune") in shown, query
        assert ("en/products/toi-ninh-phuoc/", "Purple garlic") in shown, query


@pytest.mark.parametrize(("path", "query", "expected"), RECALL, ids=[f"{p[:2]}: {q}" for p, q, _ in RECALL])
def test_every_way_of_finding_a_product_still_works(page: Page, site: str, path: str, query: str,
                                                    expected: str) -> None:
    assert expected in names(page, f"{site}{path}?q={quote(query)}")


def test_filters_narrow_the_results_and_the_search_can_be_linked(page: Page, site: str) -> None:
    assert names(page, site + "vi/tim-kiem/?stars=5") == ["Nước mắm Alpha"]
    assert names(page, site + "en/search/?category=gia-vi&place=xa-bon") == ["Purple garlic"]
    assert page.locator("select[name=place]").input_value() == "xa-bon"
    assert page.get_by_role("link", name="Clear the filters").is_visible()
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
    assert card.locator(".status").inner_text() == "Expiry date not published"
    assert (card.locator("use").get_attribute("href") or "").endswith("#garlic-shallot")


def test_a_letter_more_that_finds_the_same_results_leaves_them_as_drawn(page: Page, site: str) -> None:
    """Drawing twenty cards again at each key is what a slow phone feels: "garl" and "garlic"
    find the same product, and its card stays the very same element; a letter that changes
    the results draws them again."""
    page.goto(site + "en/search/")
    page.locator("#q").fill("garl")
    page.locator("#search-results a").first.wait_for()
    page.locator("#search-results li").first.evaluate("li => { li.dataset.before = 'yes'; }")
    page.locator("#q").press_sequentially("ic")
    page.wait_for_url("**?q=garlic")
    page.locator("#search-count").filter(has_text="1 result").wait_for()
    assert page.locator("#search-results li").first.get_attribute("data-before") == "yes"
    page.locator("#q").fill("fish sauce")
    page.locator("#search-results a", has_text="Alpha fish sauce").wait_for()
    assert page.locator("#search-results li[data-before]").count() == 0


def test_result_cards_show_stars_status_drawing_and_place(page: Page, site: str) -> None:
    names(page, site + "en/search/?q=fish+sauce")
    card = page.locator("#search-results .card").first
    assert card.locator("a").inner_text() == "Alpha fish sauce"
    assert card.locator(".stars").get_attribute("aria-label") == "5-star OCOP"
    assert card.locator(".status").get_attribute("data-status") == "valid"  # on the browser's fixed day
    assert card.locator(".status").inner_text() == "Valid"
    assert card.locator(".where").inner_text() == "Condiments · Hai Ward"


def test_the_header_search_button_opens_the_search_page(page: Page, site: str) -> None:
    page.goto(site + "en/products/alpha/")
    page.get_by_role("link", name="Search").first.click()
    page.wait_for_url(site + "en/search/")
    page.locator("#q").fill("garlic")
    page.locator("#search-results a").first.wait_for()
    assert page.url.endswith("?q=garlic")


def test_other_kinds_come_a_page_at_a_time(page: Page, tmp_path_factory: pytest.TempPathFactory) -> None:
    """A place's name can find thousands of producers in a national catalogue: they are shown a
    page at a time, as products are, and every one of them matches."""
    import sys
    sys.path.insert(0, str(REPO / "benchmarks"))
    from synthetic import generate

    site = generate(150, tmp_path_factory.mktemp("many") / "site")
    output, _ = build_site(site)
    with http_server(output) as url:
        page.goto(url + "en/search/?q=Ninh%20Hoa")
        page.locator("#search-count").filter(has_text=re.compile(r"\d")).wait_for()
        width = page.evaluate("document.scrollingElement.scrollWidth")
        assert width <= PHONE["viewport"]["width"], "long place names in the filters widen the page"
        rows, more = page.locator("#search-other-results li"), page.locator("#search-more-others")
        assert rows.count() == 20 and more.is_visible()
        shown = 20
        while more.is_visible():
            more.click()
            page.locator("#search-other-results:not([aria-busy])").wait_for(state="attached")
            assert rows.count() == shown + 20 or (rows.count() > shown and not more.is_visible())
            shown = rows.count()
        assert shown > 20
        links = [a.get_attribute("href") for a in page.locator("#search-other-results a").all()]
        assert len(set(links)) == len(links) == shown, "each page adds results not shown yet"
