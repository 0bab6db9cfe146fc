"""Step 3, catalogue: resolve cross-references and compute every grouping once.

Templates never group or filter; they read the ready lists made here.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any, TypeVar

from ocopsite.cache import digest
from ocopsite.errors import Problems
from ocopsite.model import Group, Location, Place, Producer, Product, Recognition, Sector, Site, TourismSite
from ocopsite.schema import Bounds, Localized
from ocopsite.slugs import fold

STAR_LEVELS = (5, 4, 3)
CURRENT, UNPUBLISHED, ENDED = "current", "unpublished", "ended"  # how lists group products by status
GROUP_OF = {"valid": CURRENT, "expiring": CURRENT, "unknown": UNPUBLISHED, "re-evaluating": UNPUBLISHED,
            "expired": ENDED, "revoked": ENDED}
KIND_BY_GROUP = {"che": "tea", "ca-phe-ca-cao": "coffee", "do-uong-co-con": "wine", "vai-may-mac": "brocade"}
T = TypeVar("T")


@dataclass(frozen=True)
class Status:
    """A certificate's status on a given day, and the first and last day it may end (either
    unknown when the recognition date is only bounded on one side)."""

    code: str
    ends_from: dt.date | None = None
    ends_to: dt.date | None = None
    bounded: bool = False  # the end is known only within a range: "ended by … unless renewed"

    @property
    def group(self) -> str:
        return GROUP_OF[self.code]


def certificate_status(rec: Recognition | None, today: dt.date, soon_days: int) -> Status:
    """Valid when even the earliest possible end is after ``today`` (expiring when within
    ``soon_days``), expired when even the latest possible end has passed, otherwise unknown
    ("expiry not published"); revoked or re-evaluating when the data says so."""
    if rec is not None and rec.status:
        return Status(rec.status)
    expiry = rec.expiry if rec else None
    if expiry is None:
        return Status("unknown")
    first, last = expiry.earliest(), expiry.latest()
    bounded = isinstance(expiry, Bounds) or first != last
    if last is not None and last < today:
        code = "expired"
    elif first is not None and first > today + dt.timedelta(days=soon_days):
        code = "valid"
    elif first is not None and first >= today:
        code = "expiring"
    else:
        code = "unknown"
    return Status(code, first, last, bounded)


@dataclass(frozen=True)
class Outlet:
    """A point of sale or a place to visit, with how far it is from the site's reference point."""

    spot: TourismSite
    place: Place | None
    km: float | None


@dataclass(frozen=True)
class WhereToBuy:
    """Where a product is sold: its own points of sale (``own``), else its producer's
    (``producer``), else the OCOP shops and markets of its place or of the province (``area``,
    which carry OCOP products in general; ``near`` is the place, or None for the province)."""

    source: str
    outlets: tuple[Outlet, ...]
    near: Place | None = None


@dataclass(frozen=True)
class Entry:
    """A product with everything it refers to resolved."""

    product: Product
    producer: Producer
    place: Place | None
    group: Group
    sector: Sector
    status: Status
    where: WhereToBuy
    kind: str  # the drawn illustration

    @property
    def slug(self) -> str:
        return self.product.slug

    @cached_property
    def digest(self) -> str:
        """Of everything the entry shows (its records by their own digests)."""
        where = self.where
        outlets = [f"{o.spot.digest} {o.place.digest if o.place else ''} {o.km!r}" for o in where.outlets]
        parts = [self.product.digest, self.producer.digest, self.place.digest if self.place else "",
                 self.group.digest, self.sector.slug, repr(self.status), self.kind,
                 where.source, where.near.digest if where.near else "", *outlets]
        return digest(*parts)


@dataclass(frozen=True)
class View:
    """The site's lists in one language's reading order (names sort differently per language)."""

    products: tuple[Entry, ...]
    by_stars: Mapping[int, tuple[Entry, ...]]
    by_group: Mapping[str, tuple[Entry, ...]]
    by_place: Mapping[str, tuple[Entry, ...]]
    by_producer: Mapping[str, tuple[Entry, ...]]
    by_spot: Mapping[str, tuple[Entry, ...]]
    top: tuple[Entry, ...]
    producers: tuple[Producer, ...]
    producers_by_place: Mapping[str, tuple[Producer, ...]]
    tourism: tuple[TourismSite, ...]
    tourism_by_place: Mapping[str, tuple[TourismSite, ...]]


@dataclass(frozen=True)
class Catalogue:
    """The whole site, cross-referenced, with its groupings in every language."""

    site: Site
    today: dt.date
    products: tuple[Entry, ...]
    views: Mapping[str, View]
    places: tuple[Place, ...]  # those something is in
    product_places: tuple[Place, ...]  # those a product is in
    place_index: Mapping[str, Place]
    groups: tuple[Group, ...]  # those a product is in
    recent: tuple[Entry, ...]  # recognised products with a date, newest first
    distance: Mapping[str, float]  # km from the reference point, by producer or tourism slug


def make_catalogue(site: Site, today: dt.date, problems: Problems) -> Catalogue:
    """Resolve what every record names and group the products every way the site shows them.
    References were checked by ``validate``: every slug here exists."""
    places = {p.slug: p for p in site.places}
    located: list[Producer | TourismSite] = [*site.producers, *site.tourism]
    distance = {r.slug: km for r in located if (km := kilometres(site.config.reference, r.location)) is not None}
    index = _Index({p.slug: p for p in site.producers}, {t.slug: t for t in site.tourism}, places,
                   {g.slug: (g, s) for s in site.sectors for g in s.groups}, distance)
    entries = [_entry(p, site, index, today) for p in site.products]
    for entry in entries:
        if entry.status.code == "expired":
            problems.warning(entry.product.doc.path, entry.product.doc.line("recognition"),
                             "the certificate has ended (renewal, if any, is not recorded)")
    _warn_unused(site, entries, problems)
    views = {lang.code: make_view(entries, site, lang.chain) for lang in site.config.languages}
    first = views[site.config.default_language.code]
    used = set(first.by_place) | set(first.producers_by_place) | set(first.tourism_by_place)
    return Catalogue(
        site=site, today=today, products=first.products, views=views,
        places=tuple(p for p in site.places if p.slug in used),
        product_places=tuple(p for p in site.places if p.slug in first.by_place),
        place_index=places,
        groups=tuple(g for s in site.sectors for g in s.groups if g.slug in first.by_group),
        recent=tuple(sorted((e for e in entries if e.product.recognition and _dated(e.product.recognition)),
                            key=lambda e: (_recognised(e), e.slug), reverse=True)),
        distance=distance,
    )


def _dated(rec: Recognition) -> bool:
    return rec.date is not None and rec.date.earliest() is not None and not isinstance(rec.date, Bounds)


def _recognised(entry: Entry) -> dt.date:
    rec = entry.product.recognition
    assert rec is not None and rec.date is not None
    return rec.date.earliest() or dt.date.min


@dataclass(frozen=True)
class _Index:
    """Each record by its slug."""

    producers: Mapping[str, Producer]
    tourism: Mapping[str, TourismSite]
    places: Mapping[str, Place]
    groups: Mapping[str, tuple[Group, Sector]]
    distance: Mapping[str, float]
    areas: dict[str, WhereToBuy] = field(default_factory=dict)  # the shops of a place, made once


def _entry(product: Product, site: Site, index: _Index, today: dt.date) -> Entry:
    producer = index.producers[product.producer]
    group, sector = index.groups[product.category]
    place = index.places.get(product.place or producer.place or "")
    return Entry(product, producer, place, group, sector,
                 certificate_status(product.recognition, today, site.config.expiring_soon_days),
                 where_to_buy(product, producer, place, site, index),
                 product.kind or KIND_BY_GROUP.get(group.slug, "default"))


def where_to_buy(product: Product, producer: Producer, place: Place | None, site: Site, index: _Index) -> WhereToBuy:
    """A product's points of sale: its own, else its producer's, else the shops and markets of
    its place, else of the province; each with its distance, nearest first."""
    def outlets(spots: Iterable[TourismSite]) -> tuple[Outlet, ...]:
        found = [Outlet(s, index.places.get(s.place or ""), index.distance.get(s.slug)) for s in spots]
        return tuple(sorted(found, key=lambda o: (o.km is None, o.km or 0.0, o.spot.slug)))

    if product.sold_at:
        return WhereToBuy("own", outlets(index.tourism[slug] for slug in product.sold_at))
    if producer.sold_at:
        return WhereToBuy("producer", outlets(index.tourism[slug] for slug in producer.sold_at))
    area = place.slug if place is not None else ""
    found = index.areas.get(area)
    if found is None:  # the same for every product of the place
        shops = [s for s in site.tourism if s.sells]
        near = [s for s in shops if place is not None and s.place == place.slug]
        found = index.areas[area] = WhereToBuy("area", outlets(near or shops), place if near else None)
    return found


def kilometres(reference: Any, location: Location | None) -> float | None:
    """The great-circle distance in km from the site's reference point, to one decimal."""
    if reference is None or location is None:
        return None
    lat1, lon1, lat2, lon2 = map(math.radians, (reference.lat, reference.lon, location.lat, location.lon))
    a = math.sin((lat2 - lat1) / 2) ** 2 + math.cos(lat1) * math.cos(lat2) * math.sin((lon2 - lon1) / 2) ** 2
    return round(2 * 6371.0 * math.asin(math.sqrt(a)), 1)


def make_view(entries: list[Entry], site: Site, chain: tuple[str, ...]) -> View:
    """Every list of the site, sorted for readers of the first language of ``chain``: current
    certificates first, those not published next, ended ones last; then by stars and name."""
    def by_name(name: Localized, slug: str) -> tuple[str, str]:
        return fold(name.get(chain)[0]).casefold(), slug  # Đ sorts with D, accents ignored

    order = {CURRENT: 0, UNPUBLISHED: 1, ENDED: 2}
    products = sorted(entries, key=lambda e: (order[e.status.group], -e.product.stars,
                                              *by_name(e.product.name, e.slug)))
    producers = sorted(site.producers, key=lambda p: by_name(p.name, p.slug))
    tourism = sorted(site.tourism, key=lambda t: by_name(t.name, t.slug))
    return View(
        products=tuple(products),
        by_stars={n: tuple(e for e in products if e.product.stars == n) for n in STAR_LEVELS},
        by_group=_group(products, lambda e: [e.group.slug]),
        by_place=_group(products, lambda e: [e.place.slug] if e.place else []),
        by_producer=_group(products, lambda e: [e.producer.slug]),
        by_spot=_group(products, lambda e: [o.spot.slug for o in e.where.outlets] if e.where.source != "area" else []),
        top=tuple(e for e in products if e.product.stars >= 4 and e.status.group != ENDED),
        producers=tuple(producers),
        producers_by_place=_group(producers, lambda p: [p.place] if p.place else []),
        tourism=tuple(tourism),
        tourism_by_place=_group(tourism, lambda t: [t.place] if t.place else []),
    )


def _warn_unused(site: Site, entries: list[Entry], problems: Problems) -> None:
    used_producers = {e.producer.slug for e in entries}
    used_sites = {o.spot.slug for e in entries if e.where.source != "area" for o in e.where.outlets}
    for producer in site.producers:
        if producer.slug not in used_producers:
            problems.warning(producer.doc.path, 1, f"no product names producer '{producer.slug}'")
    for spot in site.tourism:
        if spot.slug not in used_sites and not spot.sells:
            problems.warning(spot.doc.path, 1, f"no product is sold at '{spot.slug}' (sold_at)")


def _group(items: Iterable[T], keys: Callable[[T], list[str]]) -> dict[str, tuple[T, ...]]:
    groups: dict[str, list[T]] = {}
    for item in items:
        for key in keys(item):
            groups.setdefault(key, []).append(item)
    return {k: tuple(v) for k, v in sorted(groups.items())}
