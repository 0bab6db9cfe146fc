"""schema.org JSON-LD on product, producer and tourism-site pages, and the link-preview tags
(Open Graph, Twitter) on every page, parsed as a crawler would."""

from __future__ import annotations

import json
import re
import shutil
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import pytest
from PIL import Image

from conftest import SITES, add_photos, build_site, camera_jpeg, copy_site

pytestmark = pytest.mark.clock

LD = re.compile(r'<script type="application/ld\+json">(.*?)</script>', re.S)


def structured(output: Path, page: str) -> dict[str, Any]:
    [block] = LD.findall((output / page).read_text(encoding="utf-8"))
    data: dict[str, Any] = json.loads(block)
    return data


def test_a_product_carries_its_certificate_and_never_a_rating(minimal_output: Path) -> None:
    data = structured(minimal_output, "en/products/alpha/index.html")
    assert data["@type"] == "Product" and data["name"] == "Alpha fish sauce"
    assert data["url"] == "https://example.org/catalogue/en/products/alpha/"
    assert data["manufacturer"]["url"] == "https://example.org/catalogue/en/producers/co-so-binh/"
    assert data["hasCertification"] == {
        "@type": "Certification", "name": "OCOP 5★", "certificationIdentification": "1/QĐ-TEST",
        "issuedBy": {"@type": "Organization", "name": "Ministry of Agriculture and Environment"},
        "validFrom": "2024-03-01", "expires": "2027-03-01",
        "certificationStatus": "https://schema.org/CertificationActive",
    }
    text = json.dumps(data)
    assert "Rating" not in text and "review" not in text.lower()
    expired = structured(minimal_output, "vi/san-pham/beta/index.html")["hasCertification"]
    assert expired["certificationStatus"] == "https://schema.org/CertificationInactive"


def test_a_status_that_is_not_known_is_not_published_as_inactive(minimal: Path) -> None:
    product = minimal / "content/products/delta/product.yaml"
    product.write_text(product.read_text(encoding="utf-8").replace(
        "  date: 2022-07-15", "  date: {after: 2021-01-01, before: 2023-02-15}"), encoding="utf-8")
    output, _ = build_site(minimal)
    certificate = structured(output, "en/products/delta/index.html")["hasCertification"]
    assert "certificationStatus" not in certificate, "ends between January 2024 and February 2026: not known"
    assert "validFrom" not in certificate and "expires" not in certificate, "no single date is known"
    assert certificate["name"] == "OCOP 3★"


def test_producers_and_tourism_sites_are_places_to_find(minimal_output: Path) -> None:
    producer = structured(minimal_output, "en/producers/hop-tac-xa-an/index.html")
    assert producer["@type"] == "LocalBusiness" and producer["telephone"] == "0258 000 000"
    assert producer["geo"] == {"@type": "GeoCoordinates", "latitude": 12.25, "longitude": 109.19}
    assert structured(minimal_output, "en/producers/co-so-binh/index.html")["@type"] == "Organization"
    assert structured(minimal_output, "vi/diem-du-lich/cho-dem/index.html")["@type"] == "TouristAttraction"


def test_content_cannot_break_out_of_the_json_block(minimal: Path) -> None:
    product = minimal / "content/products/alpha/product.yaml"
    product.write_text(product.read_text(encoding="utf-8").replace(
        "en: Alpha fish sauce", 'en: "Alpha</script><script>alert(1)</script>"'), encoding="utf-8")
    output, _ = build_site(minimal)
    html = (output / "en/products/alpha/index.html").read_text(encoding="utf-8")
    assert "<script>alert(1)" not in html
    assert structured(output, "en/products/alpha/index.html")["name"] == "Alpha</script><script>alert(1)</script>"


class MetaTags(HTMLParser):
    """The ``<meta property|name=… content=…>`` tags of a page, as a link-preview crawler reads them."""

    def __init__(self) -> None:
        super().__init__()
        self.tags: dict[str, list[str]] = {}

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        found = dict(attrs)
        key = found.get("property") or found.get("name")
        if tag == "meta" and key and found.get("content") is not None:
            self.tags.setdefault(key, []).append(str(found["content"]))


def meta(path: Path) -> dict[str, list[str]]:
    parser = MetaTags()
    parser.feed(path.read_text(encoding="utf-8"))
    return parser.tags


def test_every_page_has_open_graph_and_twitter_tags_with_an_image(minimal_output: Path) -> None:
    pages = sorted(minimal_output.rglob("index.html"))
    assert len(pages) > 50
    for path in pages:
        tags = meta(path)
        name = path.relative_to(minimal_output).as_posix()
        for key in ("og:title", "og:url", "og:type", "og:site_name", "og:image", "og:image:width",
                    "og:image:height", "og:image:alt", "og:locale", "twitter:card", "twitter:title", "twitter:image"):
            assert len(tags.get(key, [])) == 1 and tags[key][0].strip(), (name, key)
        assert tags["twitter:card"] == ["summary_large_image"], name
        assert tags["og:url"][0].startswith("https://example.org/catalogue/"), name
        image = tags["og:image"][0]
        assert image.startswith("https://example.org/catalogue/assets/share.") and image.endswith(".png")
        with Image.open(minimal_output / image.removeprefix("https://example.org/catalogue/")) as card:
            assert card.size == (int(tags["og:image:width"][0]), int(tags["og:image:height"][0])) == (1200, 630)
        lang = re.search(r'<html lang="([^"]+)"', path.read_text(encoding="utf-8"))
        assert lang is not None
        assert tags["og:locale"] == [{"vi": "vi_VN", "en": "en_GB"}[lang.group(1)]], name
        assert tags["og:locale:alternate"] == [{"vi": "en_GB", "en": "vi_VN"}[lang.group(1)]], name


def test_a_page_about_something_with_a_photo_previews_that_photo(minimal: Path) -> None:
    add_photos(minimal, "alpha", {"bottle.jpg": camera_jpeg(1600, 1200), "label.jpg": camera_jpeg(800, 800)})
    output, _ = build_site(minimal)
    for page, alt in (("en/products/alpha/index.html", "Photo 0"), ("p/alpha/index.html", "Ảnh 0")):
        tags = meta(output / page)
        image = tags["og:image"][0]
        assert re.fullmatch(r"https://example\.org/catalogue/media/products/alpha/bottle-1200\.[0-9a-f]{10}\.jpg",
                            image), page
        assert tags["og:image:type"] == ["image/jpeg"] and tags["og:image:alt"] == [alt]
        with Image.open(output / image.removeprefix("https://example.org/catalogue/")) as photo:
            assert photo.size == (int(tags["og:image:width"][0]), int(tags["og:image:height"][0])) == (1200, 900)
            assert not photo.getexif()
        assert tags["twitter:image"] == [image]
    assert meta(output / "p/alpha/index.html")["og:title"] == ["Nước mắm Alpha"]
    data = structured(output, "en/products/alpha/index.html")
    assert [u.rsplit("/", 1)[1].split("-")[0] for u in data["image"]] == ["bottle", "label"]
    assert "image" not in structured(output, "en/products/gamma/index.html")


def test_open_graph_locales_come_from_each_language(tmp_path: Path) -> None:
    site = copy_site("minimal", tmp_path)
    shutil.copytree(SITES / "three-languages", site, dirs_exist_ok=True)
    output, _ = build_site(site)
    tags = meta(next((output / "ko").rglob("index.html")))
    assert tags["og:locale"] == ["ko_KR"]
    assert sorted(tags["og:locale:alternate"]) == ["en_GB", "vi_VN"]
