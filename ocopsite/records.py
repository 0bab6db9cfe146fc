"""Part of step 2, validate: build product, producer and tourism-site records from checked
fields, checking what a schema alone cannot (photos, prices, dates, scores)."""

from __future__ import annotations

from typing import Any

from ocopsite.checker import Checker
from ocopsite.load import Bundle
from ocopsite.model import Body, Location, Photo, Price, Producer, Product, Recognition, Shop, SourceRef, TourismSite

PHOTO_SUFFIXES = (".jpg", ".jpeg", ".png", ".webp")


def _sources(fields: dict[str, Any]) -> tuple[SourceRef, ...]:
    return tuple(SourceRef(s["title"], s.get("url"), s.get("date")) for s in fields.get("sources", []))


def _location(fields: dict[str, Any]) -> Location | None:
    loc = fields.get("location")
    return Location(float(loc["lat"]), float(loc["lon"])) if loc and "lat" in loc and "lon" in loc else None


def product(bundle: Bundle, f: dict[str, Any], text: Body, checker: Checker) -> Product:
    """Build a product, checking what the schema alone cannot: photos, prices, dates and scores."""
    rec = f.get("recognition")
    price = f.get("price")
    _check_price(price, checker)
    _check_recognition(rec, f["stars"], checker)
    for i, slug in enumerate(f.get("sold_at", [])):
        if slug in f["sold_at"][:i]:
            checker.error(("sold_at", i), f"'{slug}' is listed twice in 'sold_at'")
    return Product(
        slug=bundle.slug, name=f["name"], stars=f["stars"], category=f["category"], producer=f["producer"],
        place=f.get("place"), summary=f.get("summary"),
        recognition=Recognition(**rec) if rec else None,
        price=Price(price.get("min"), price.get("max"), price.get("unit")) if price else None,
        photos=tuple(_photos(bundle, f.get("photos", []), checker)),
        sold_at=tuple(dict.fromkeys(f.get("sold_at", []))),
        shops=tuple(Shop(s["name"], s["url"]) for s in f.get("shops", [])),
        season=tuple(sorted(set(f.get("season", [])))), sources=_sources(f), body=text, doc=checker.doc,
    )


def _check_price(price: dict[str, Any] | None, checker: Checker) -> None:
    if not price:
        return
    if price.get("min") is None and price.get("max") is None:
        checker.error(("price",), "'price' needs 'min', 'max' or both")
    elif price.get("min") is not None and price.get("max") is not None and price["min"] > price["max"]:
        checker.error(("price", "max"), "'price.max' is lower than 'price.min'")


STAR_BANDS = {3: (50, 70, "50 to under 70"), 4: (70, 90, "70 to under 90"), 5: (90, 101, "90 to 100")}


def _check_recognition(rec: dict[str, Any] | None, stars: int, checker: Checker) -> None:
    if not rec:
        return
    if rec.get("date") and rec.get("expires") and rec["expires"].latest() < rec["date"].earliest():
        checker.error(("recognition", "expires"), "'recognition.expires' is before 'recognition.date'")
    score = rec.get("score")
    low, high, band = STAR_BANDS[stars]
    if score is not None and not low <= score < high:
        checker.problems.warning(checker.doc.path, checker.doc.line("recognition", "score"),
                                 f"a score of {score:g} does not match {stars} stars ({band} points)")


def _photos(bundle: Bundle, photos: list[dict[str, Any]], checker: Checker) -> list[Photo]:
    found = []
    for i, photo in enumerate(photos):
        name = photo["file"]
        if "/" in name or "\\" in name or name.startswith("."):
            checker.error(("photos", i, "file"), f"photo '{name}' must be a file name in this folder, without a path")
        elif name not in bundle.files:
            checker.error(("photos", i, "file"), f"photo '{name}' does not exist in {bundle.folder}/")
        elif not name.lower().endswith(PHOTO_SUFFIXES) or not _is_image(bundle.files[name]):
            checker.error(("photos", i, "file"), f"photo '{name}' is not a JPEG, PNG or WebP image")
        else:
            found.append(Photo(name, photo["alt"], bundle.folder, checker.doc.path,
                               checker.doc.line("photos", i, "file")))
    return found


def _is_image(head: bytes) -> bool:
    """JPEG, PNG or WebP, by the file's first bytes rather than its name."""
    return head.startswith((b"\xff\xd8\xff", b"\x89PNG\r\n\x1a\n")) or (head[:4] == b"RIFF" and head[8:12] == b"WEBP")


def producer(bundle: Bundle, f: dict[str, Any], text: Body, checker: Checker) -> Producer:
    """Build a producer."""
    return Producer(
        slug=bundle.slug, name=f["name"], kind=f["kind"], place=f.get("place"), address=f.get("address"),
        phone=f.get("phone"), email=f.get("email"), website=f.get("website"), location=_location(f),
        visitors=f.get("visitors", False), opening_hours=f.get("opening_hours"),
        directions=f.get("directions"), photos=tuple(_photos(bundle, f.get("photos", []), checker)),
        sources=_sources(f), body=text, doc=checker.doc,
    )


def tourism_site(bundle: Bundle, f: dict[str, Any], text: Body, checker: Checker) -> TourismSite:
    """Build a tourism site or point of sale."""
    return TourismSite(
        slug=bundle.slug, name=f["name"], kind=f["kind"], place=f.get("place"), address=f.get("address"),
        phone=f.get("phone"), website=f.get("website"), location=_location(f),
        opening_hours=f.get("opening_hours"), directions=f.get("directions"),
        photos=tuple(_photos(bundle, f.get("photos", []), checker)),
        sources=_sources(f), body=text, doc=checker.doc,
    )
