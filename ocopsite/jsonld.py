"""Structured data (schema.org JSON-LD) for product, producer and tourism-site pages.

The OCOP certificate is a ``Certification`` of the product (``hasCertification``), never a
rating or review: stars here are a programme's grade, not what customers think.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from ocopsite.catalogue import Entry
from ocopsite.model import Language, Producer, TourismSite
from ocopsite.schema import Bounds, Localized

Text = Callable[[Localized | None], str]
Absolute = Callable[..., str]


def product_data(entry: Entry, text: Text, page_url: str, producer_url: str, lang: Language) -> dict[str, Any]:
    """A ``Product`` with its producer and, where known, its OCOP certificate."""
    product = entry.product
    data: dict[str, Any] = {
        "@context": "https://schema.org", "@type": "Product", "name": text(product.name), "url": page_url,
        "category": text(entry.group.name), "inLanguage": lang.code,
        "manufacturer": {"@type": "Organization", "name": text(entry.producer.name), "url": producer_url},
    }
    if product.summary:
        data["description"] = text(product.summary)
    data["hasCertification"] = _certification(entry, text)
    return data


def _recognition(entry: Entry, text: Text) -> dict[str, Any]:
    rec = entry.product.recognition
    cert: dict[str, Any] = {"@type": "Certification", "name": f"OCOP {entry.product.stars}★"}
    if rec is None:
        return cert
    if rec.decision:
        cert["certificationIdentification"] = rec.decision
    if rec.issuer:
        cert["issuedBy"] = {"@type": "Organization", "name": text(rec.issuer)}
    if rec.date and not isinstance(rec.date, Bounds):
        cert["validFrom"] = rec.date.iso()
    if rec.expiry and not isinstance(rec.expiry, Bounds):
        cert["expires"] = rec.expiry.iso()
    return cert


def _certification(entry: Entry, text: Text) -> dict[str, Any]:
    """The certificate, with its status only when it is known (never "inactive" for a status
    that is only not published)."""
    cert = _recognition(entry, text)
    status = _status(entry.status.code)
    if status:
        cert["certificationStatus"] = status
    return cert


def _status(code: str) -> str | None:
    if code in ("valid", "expiring"):
        return "https://schema.org/CertificationActive"
    if code in ("expired", "revoked"):
        return "https://schema.org/CertificationInactive"
    return None


def place_data(kind: str, record: Producer | TourismSite, text: Text, page_url: str) -> dict[str, Any]:
    """An ``Organization``, ``LocalBusiness`` or ``TouristAttraction`` with its contact details."""
    data: dict[str, Any] = {"@context": "https://schema.org", "@type": kind, "name": text(record.name),
                            "url": page_url}
    if record.address:
        data["address"] = {"@type": "PostalAddress", "streetAddress": record.address, "addressCountry": "VN"}
    if record.phone:
        data["telephone"] = record.phone
    if record.website:
        data["sameAs"] = record.website
    if record.location:
        data["geo"] = {"@type": "GeoCoordinates", "latitude": record.location.lat,
                       "longitude": record.location.lon}
    return data


def producer_kind(producer: Producer) -> str:
    """A producer that receives visitors at a known place is a local business to visit."""
    return "LocalBusiness" if producer.visitors and producer.location else "Organization"
