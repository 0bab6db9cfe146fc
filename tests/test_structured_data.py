"""schema.org JSON-LD on product, producer and tourism-site pages, parsed as a crawler would."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

from conftest import build_site

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
