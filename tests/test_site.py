"""The minimal fixture site builds every page type of the spec, in both languages."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

VI_EN_PAGES = [
    ("vi/index.html", "en/index.html"),
    ("vi/san-pham/index.html", "en/products/index.html"),
    ("vi/san-pham/alpha/index.html", "en/products/alpha/index.html"),
    ("vi/sao/index.html", "en/stars/index.html"),
    ("vi/sao/5/index.html", "en/stars/5/index.html"),
    ("vi/sao/3/index.html", "en/stars/3/index.html"),
    ("vi/chu-the/index.html", "en/producers/index.html"),
    ("vi/chu-the/hop-tac-xa-an/index.html", "en/producers/hop-tac-xa-an/index.html"),
    ("vi/diem-du-lich/index.html", "en/tourism/index.html"),
    ("vi/diem-du-lich/cho-dem/index.html", "en/tourism/cho-dem/index.html"),
    ("vi/nhom/index.html", "en/categories/index.html"),
    ("vi/nhom/gia-vi/index.html", "en/categories/gia-vi/index.html"),
    ("vi/dia-phuong/index.html", "en/places/index.html"),
    ("vi/dia-phuong/xa-mot/index.html", "en/places/xa-mot/index.html"),
    ("vi/about/index.html", "en/about/index.html"),
]


def read(output: Path, name: str) -> str:
    return (output / name).read_text(encoding="utf-8")


@pytest.mark.parametrize(("vi", "en"), VI_EN_PAGES)
def test_every_page_type_exists_in_both_languages_and_links_to_its_counterpart(
        minimal_output: Path, vi: str, en: str) -> None:
    vi_html, en_html = read(minimal_output, vi), read(minimal_output, en)
    assert '<html lang="vi">' in vi_html and '<html lang="en">' in en_html
    vi_url, en_url = vi.removesuffix("index.html"), en.removesuffix("index.html")
    base = "https://example.org/catalogue/"
    x_default = base if vi_url == "vi/" else base + vi_url  # the chooser for home, else the default language
    for html in (vi_html, en_html):
        assert f'<link rel="alternate" hreflang="vi" href="{base}{vi_url}">' in html
        assert f'<link rel="alternate" hreflang="en" href="{base}{en_url}">' in html
        assert f'<link rel="alternate" hreflang="x-default" href="{x_default}">' in html
    switch_vi = re.search(r'<a class="tool lang" href="([^"]+)" hreflang="en" lang="en" data-lang="en">EN'
                          r'<span class="visually-hidden"> English</span></a>', vi_html)
    switch_en = re.search(r'<a class="tool lang" href="([^"]+)" hreflang="vi" lang="vi" data-lang="vi">VI'
                          r'<span class="visually-hidden"> Tiếng Việt</span></a>', en_html)
    assert switch_vi and switch_en
    assert (minimal_output / vi).parent.joinpath(switch_vi.group(1), "index.html").resolve() == \
        (minimal_output / en).resolve()
    assert (minimal_output / en).parent.joinpath(switch_en.group(1), "index.html").resolve() == \
        (minimal_output / vi).resolve()


def test_site_wide_files(minimal_output: Path) -> None:
    for name in ("index.html", "404.html", "sitemap.xml", "robots.txt", "manifest.webmanifest",
                 "vi/feed.xml", "en/feed.xml", "p/alpha/index.html"):
        assert (minimal_output / name).is_file(), name
    assert (minimal_output / "vi/tim-kiem/index.html").is_file() and (minimal_output / "en/search/index.html").is_file()
    assert (minimal_output / "search/meta.json").is_file()
    robots = read(minimal_output, "robots.txt")
    assert "Sitemap: https://example.org/catalogue/sitemap.xml" in robots


def test_root_page_offers_each_language_and_is_x_default(minimal_output: Path) -> None:
    html = read(minimal_output, "index.html")
    assert 'data-pick="auto"' in html  # site.js opens the reader's language, showing which
    assert '<a href="vi/" hreflang="vi" data-lang="vi" data-opening="Đang mở trang tiếng Việt…">' in html
    assert '<a href="en/" hreflang="en" data-lang="en" data-opening="Opening the English pages…">' in html
    assert '<link rel="alternate" hreflang="x-default" href="https://example.org/catalogue/">' in html


def test_short_link_opens_the_product_in_every_language(minimal_output: Path) -> None:
    html = read(minimal_output, "p/alpha/index.html")
    assert 'data-pick="auto"' in html and '<meta name="robots" content="noindex">' in html
    assert 'href="../../vi/san-pham/alpha/"' in html and 'href="../../en/products/alpha/"' in html
    assert "Read in English: Alpha fish sauce" in html and 'rel="canonical"' not in html
    beta = read(minimal_output, "p/beta/index.html")
    assert 'Read in English: <span lang="vi">Rượu nho Beta</span>' in beta


def test_sitemap_lists_every_page_with_hreflang_alternates(minimal_output: Path) -> None:
    ns = {"s": "http://www.sitemaps.org/schemas/sitemap/0.9", "x": "http://www.w3.org/1999/xhtml"}
    root = ET.parse(minimal_output / "sitemap.xml").getroot()
    urls = {u.findtext("s:loc", namespaces=ns): u for u in root.findall("s:url", ns)}
    html_pages = {p.relative_to(minimal_output).as_posix() for p in minimal_output.rglob("index.html")}
    expected = {"https://example.org/catalogue/" + p.removesuffix("index.html")
                for p in html_pages if not p.startswith(("p/", "vi/nhan-in/", "en/labels/"))}
    assert set(urls) == expected
    product = urls["https://example.org/catalogue/en/products/alpha/"]
    links = {a.get("hreflang"): a.get("href") for a in product.findall("x:link", ns)}
    assert links == {"vi": "https://example.org/catalogue/vi/san-pham/alpha/",
                     "en": "https://example.org/catalogue/en/products/alpha/",
                     "x-default": "https://example.org/catalogue/vi/san-pham/alpha/"}
    home = urls["https://example.org/catalogue/en/"]
    assert {a.get("hreflang"): a.get("href") for a in home.findall("x:link", ns)}["x-default"] == \
        "https://example.org/catalogue/"


def test_atom_feed_per_language_lists_recognised_products_newest_first(minimal_output: Path) -> None:
    ns = {"a": "http://www.w3.org/2005/Atom"}
    feed = ET.parse(minimal_output / "en" / "feed.xml").getroot()
    ids = [e.findtext("a:id", namespaces=ns) for e in feed.findall("a:entry", ns)]
    base = "https://example.org/catalogue/en/products/"
    assert ids == [base + "alpha/", base + "gamma/", base + "delta/", base + "beta/"]
    assert feed.findtext("a:updated", namespaces=ns) == "2024-03-01T00:00:00Z"
    assert feed.get("{http://www.w3.org/XML/1998/namespace}lang") == "en"


def test_manifest_is_json_with_relative_start(minimal_output: Path) -> None:
    import json

    manifest = json.loads(read(minimal_output, "manifest.webmanifest"))
    assert manifest["start_url"] == "./" and manifest["name"] == "Danh mục thử"
    assert (minimal_output / manifest["icons"][0]["src"]).is_file()


def test_missing_english_falls_back_to_vietnamese_marked_lang_vi(minimal_output: Path) -> None:
    html = read(minimal_output, "en/products/beta/index.html")
    assert '<h1><span lang="vi">Rượu nho Beta</span></h1>' in html
    assert '<li><span aria-current="page"><span lang="vi">Rượu nho Beta</span></span></li>' in html
    assert '<div lang="vi"><p>Rượu vang làm từ nho.</p></div>' in html
    assert '<p class="lead"><span lang="vi">Rượu nho của hợp tác xã.</span></p>' in html


def test_product_page_shows_facts_in_the_readers_formats(minimal_output: Path) -> None:
    vi = read(minimal_output, "vi/san-pham/alpha/index.html")
    en = read(minimal_output, "en/products/alpha/index.html")
    assert "150.000\xa0₫ – 250.000\xa0₫ / chai 500 ml" in vi
    assert "₫150,000 – ₫250,000 / 500 ml bottle" in en
    assert "Công nhận: 1 tháng 3, 2024" in vi and "Recognised 1 March 2024" in en
    assert '<dd lang="vi">1/QĐ-TEST</dd>' in en and "91,5 / 100" in vi and "91.5 / 100" in en
    assert "tháng 3, tháng 4" in vi and "March, April" in en
    assert 'href="tel:0258000000"' not in en  # alpha's producer has no phone
    assert 'role="img" aria-label="5-star OCOP">★★★★★</span>' in en


def test_markdown_is_sanitised_and_internal_links_are_made_relative(minimal_output: Path) -> None:
    vi = read(minimal_output, "vi/san-pham/alpha/index.html")
    assert "<script>alert" not in vi and "alert(1)" not in vi
    assert '<a href="../../diem-du-lich/cho-dem/">chợ đêm</a>' in vi
    page = read(minimal_output, "en/about/index.html")
    assert '<a href="../products/">products</a>' in page


def test_producer_page_has_a_place_card_with_what_is_known(minimal_output: Path) -> None:
    html = read(minimal_output, "en/producers/hop-tac-xa-an/index.html")
    card = re.search(r'<div class="place-card">(.*?)</div>', html, re.S)
    assert card is not None
    text = card.group(1)
    assert 'href="tel:0258000000"' in text and "Call 0258 000 000" in text
    assert "Open: 7 am–5 pm daily" in text
    assert "From the market, 2 km towards the sea." in text
    actions = re.search(r'<p class="pc-actions">(.*?)</p>', text, re.S)
    assert actions is not None
    hrefs = re.findall(r'<a [^>]*href="([^"]+)"', actions.group(1))
    assert hrefs == [
        "geo:12.25,109.19?q=12.25,109.19(H%E1%BB%A3p%20t%C3%A1c%20x%C3%A3%20An)",  # Directions: any map app
        "https://www.openstreetmap.org/?mlat=12.25&amp;mlon=109.19#map=17/12.25/109.19",  # and for desktops
        "tel:0258000000",
        "https://example.org/an",
    ]
    vi = read(minimal_output, "vi/chu-the/hop-tac-xa-an/index.html")
    assert "Từ chợ đi về phía biển 2 km." in vi and "Chỉ đường" in vi
    other = read(minimal_output, "en/producers/co-so-binh/index.html")
    assert 'class="place-card"' not in other, "nothing known: no empty frame"


def test_lists_are_sorted_in_each_readers_language(minimal_output: Path) -> None:
    def names(page: str) -> list[str]:
        card = r'<li class="card">\n<svg[^\n]*\n<a href="[^"]+">(?:<span lang="vi">)?([^<]+)<'
        return re.findall(card, read(minimal_output, page))

    assert names("vi/sao/3/index.html") == ["Đặc sản Delta", "Mứt Gamma"]  # Đ sorts with D
    assert names("en/stars/3/index.html") == ["Delta speciality", "Gamma jam"]
    # current certificates first, then ended ones (expired, revoked) apart, each by stars and name
    page = read(minimal_output, "en/producers/hop-tac-xa-an/index.html")
    assert names("en/producers/hop-tac-xa-an/index.html") == ["Delta speciality", "Rượu nho Beta", "Gamma jam"]
    assert page.index("Delta speciality") < page.index("<h2>Certificate ended</h2>") < page.index("Rượu nho Beta")


def test_long_lists_are_split_into_pages_in_every_language(minimal: Path) -> None:
    from conftest import build_site

    config = minimal / "site.yaml"
    config.write_text(config.read_text(encoding="utf-8") + "per_page: 3\n", encoding="utf-8")
    output, _ = build_site(minimal)
    first, second = read(output, "en/products/index.html"), read(output, "en/products/page/2/index.html")
    assert first.count('<li class="card"') == 3 and second.count('<li class="card"') == 1
    assert '<a href="page/2/" rel="next">Next ›</a>' in first
    assert '<a href="../../" rel="prev">‹ Previous</a>' in second
    assert "<title>All OCOP products (page 2) · Test catalogue</title>" in second
    assert '<a class="tool lang" href="../../../../vi/san-pham/trang/2/" hreflang="vi" lang="vi"' in second
    assert '<link rel="alternate" hreflang="vi" href="https://example.org/catalogue/vi/san-pham/trang/2/">' in second
    assert "<loc>https://example.org/catalogue/en/products/page/2/</loc>" in read(output, "sitemap.xml")
    assert (output / "vi/nhom/thuc-pham-che-bien/index.html").is_file()
    assert not (output / "en/producers/page/2").exists()  # two producers fit on one page
    config.write_text(config.read_text(encoding="utf-8").replace("per_page: 3", "per_page: 1"), encoding="utf-8")
    output, _ = build_site(minimal)
    assert (output / "en/producers/page/2/index.html").is_file() and (output / "vi/diem-du-lich/index.html").is_file()


def test_the_menu_marks_the_current_section_and_links_from_any_depth(minimal_output: Path) -> None:
    index = read(minimal_output, "en/stars/index.html")
    assert '<li><a href="./" aria-current="page">Star levels</a></li>' in index
    stars = read(minimal_output, "en/stars/5/index.html")
    assert '<li><a href="../">Star levels</a></li>' in stars, "a star level is not the list of levels"
    assert stars.count('aria-current="page"') == 1, "the breadcrumb's last item"
    product = read(minimal_output, "en/products/alpha/index.html")
    assert 'aria-current="page">Products' not in product, "a product is not the product list"
    assert '<li><a href="../../about/">About</a></li>' in product
    home = read(minimal_output, "en/index.html")
    assert '<li><a href="about/">About</a></li>' in home and '<a href="feed.xml">' in home
    assert "<details class=\"menu\">" in home, "the menu opens without script"
