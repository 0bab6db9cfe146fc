"""Step 3, catalogue: resolve cross-references and compute every grouping once.

Templates never group or filter; they read the ready lists made here.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, replace
from typing import Any, TypeVar

from ocopsite.errors import Problem, Problems, did_you_mean
from ocopsite.load import Doc, Memo
from ocopsite.model import Group, Localized, Place, Producer, Product, Recognition, Sector, Site, TourismSite
from ocopsite.slugs import fold

STAR_LEVELS = (5, 4, 3)
T = TypeVar("T")


@dataclass(frozen=True)
class Status:
    """A certificate's status on a given day, and the range of possible expiry dates."""

    code: str
    expires_from: dt.date | None = None
    expires_to: dt.date | None = None


@dataclass(frozen=True)
class Entry:
    """A product with everything it refers to resolved."""

    product: Product
    producer: Producer
    place: Place | None
    group: Group
    sector: Sector
    sold_at: tuple[TourismSite, ...]
    status: Status

    @property
    def slug(self) -> str:
        return self.product.slug


@dataclass(frozen=True)
class View:
    """The site's lists in one language's reading order (names sort differently per language)."""

    products: tuple[Entry, ...]
    by_stars: Mapping[int, tuple[Entry, ...]]
    by_group: Mapping[str, tuple[Entry, ...]]
    by_place: Mapping[str, tuple[Entry, ...]]
    by_producer: Mapping[str, tuple[Entry, ...]]
    by_tourism: Mapping[str, tuple[Entry, ...]]
    top: tuple[Entry, ...]
    producers: tuple[Producer, ...]
    producers_by_place: Mapping[str, tuple[Producer, ...]]
    tourism: tuple[TourismSite, ...]
    tourism_by_place: Mapping[str, tuple[TourismSite, ...]]
    counts: Counts


@dataclass(frozen=True)
class Counts:
    """How many products each list holds. Pages that show only a count read it here rather
    than from the list itself, so that a product's edit (which changes the list, not its
    length) does not make ``serve`` render them again."""

    products: int
    stars: Mapping[int, int]
    group: Mapping[str, int]
    place: Mapping[str, int]
    producer: Mapping[str, int]
    tourism: Mapping[str, int]


@dataclass(frozen=True)
class Catalogue:
    """The whole site, cross-referenced, with its groupings in every language."""

    site: Site
    today: dt.date
    products: tuple[Entry, ...]
    views: Mapping[str, View]
    places: tuple[Place, ...]
    product_places: tuple[Place, ...]
    place_index: Mapping[str, Place]
    sectors: tuple[Sector, ...]
    groups: tuple[Group, ...]
    recent: tuple[Entry, ...]


def certificate_status(rec: Recognition | None, today: dt.date, soon_days: int) -> Status:
    """Valid, expiring (within ``soon_days``), expired, revoked, re-evaluating or unknown."""
    if rec is not None and rec.status:
        return Status(rec.status)
    expiry = rec.expiry if rec else None
    if expiry is None:
        return Status("unknown")
    first, last = expiry.earliest(), expiry.latest()
    if last < today:
        code = "expired"
    elif first > today + dt.timedelta(days=soon_days):
        code = "valid"
    elif first >= today:
        code = "expiring"
    else:
        code = "unknown"
    return Status(code, first, last)


def make_catalogue(site: Site, today: dt.date, problems: Problems,
                   entries_memo: Memo[tuple[Any, ...], Entry] | None = None) -> Catalogue:
    """Resolve every slug a record names and group the products every way the site shows them.
    With ``entries_memo`` (``serve``), an entry made of the very same records as last time is
    the very same object, which makes comparing this catalogue with the last one quick."""
    refs = _References(site, problems, entries_memo)
    entries = [e for p in site.products if (e := refs.entry(p, today)) is not None]
    located: list[Producer | TourismSite] = [*site.producers, *site.tourism]
    for record in located:
        refs.place(record.place, record.doc, "place")
    problems.raise_if_errors()
    _warn_unused(site, entries, problems)
    views = {lang.code: make_view(entries, site, lang.chain) for lang in site.config.languages}
    first = views[site.config.default_language.code]
    used = set(first.by_place) | set(first.producers_by_place) | set(first.tourism_by_place)
    return Catalogue(
        site=site, today=today, products=first.products, views=views,
        places=tuple(p for p in site.places if p.slug in used),
        product_places=tuple(p for p in site.places if p.slug in first.by_place),
        place_index={p.slug: p for p in site.places},
        sectors=site.sectors,
        groups=tuple(g for s in site.sectors for g in s.groups if g.slug in first.by_group),
        recent=tuple(sorted(
            (e for e in entries if e.product.recognition and e.product.recognition.date),
            key=lambda e: (e.product.recognition.date.earliest(), e.slug),  # type: ignore[union-attr]
            reverse=True,
        )),
    )


def placement(product: Product) -> tuple[Any, ...]:
    """Everything of a product that decides which lists it is in, where it stands in them and
    what they and the statistics page count. An edit that keeps it changes only the product's
    own entry (see ``update_catalogue``)."""
    return (product.slug, product.name, product.stars, product.category, product.producer, product.place,
            product.sold_at, product.recognition, bool(product.shops))


def update_catalogue(old: Catalogue, site: Site, today: dt.date, problems: Problems, old_problems: list[Problem],
                     entries_memo: Memo[tuple[Any, ...], Entry] | None = None
                     ) -> tuple[Catalogue, dict[int, Entry]] | None:
    """What ``make_catalogue`` would make, made from ``old`` (the last build's, which reported
    ``old_problems``) in a few milliseconds, when only products changed and none of them changed
    its ``placement``: every list stays as it was, with each edited product's new entry in place
    of its old one. Also the new entries, by the ``id`` of the ones they replace. None when the
    edit is of another kind: then the catalogue must be made again."""
    before = old.site
    if old.today != today or before.config != site.config or len(before.products) != len(site.products):
        return None
    records: tuple[tuple[tuple[Any, ...], tuple[Any, ...]], ...] = (
        (before.producers, site.producers), (before.tourism, site.tourism), (before.places, site.places),
        (before.sectors, site.sectors), (before.pages, site.pages))
    for old_records, new_records in records:
        if len(old_records) != len(new_records) or any(a is not b for a, b in zip(old_records, new_records,
                                                                                   strict=True)):
            return None
    changed = [(a, b) for a, b in zip(before.products, site.products, strict=True) if a is not b]
    if any(placement(a) != placement(b) for a, b in changed):
        return None
    if entries_memo is not None:
        entries_memo.carry()
    own = Problems()
    refs = _References(site, own, entries_memo)
    last = {e.slug: e for e in old.products}
    swap: dict[int, Entry] = {}
    for was, now in changed:
        entry = refs.entry(now, today)
        if entry is None:
            return None
        if entries_memo is not None:
            entries_memo.drop(_entry_key(last[was.slug]))
        swap[id(last[was.slug])] = entry
    edited = {now.doc.path for _, now in changed}
    problems.items.extend(p for p in old_problems if p.path not in edited)
    problems.items.extend(own.items)
    replaced = [last[was.slug] for was, _ in changed]
    views = {code: _swapped_view(view, swap, replaced) for code, view in old.views.items()}
    first = views[site.config.default_language.code]
    return replace(old, site=site, products=first.products, views=views, recent=_swapped(old.recent, swap)), swap


def _swapped(entries: tuple[Entry, ...], swap: Mapping[int, Entry]) -> tuple[Entry, ...]:
    return tuple([swap.get(id(e), e) for e in entries])


def _swapped_view(view: View, swap: Mapping[int, Entry], replaced: list[Entry]) -> View:
    """``view`` with new entries in place of ``replaced``, which keep their place in every list
    (the lists that hold them are those of their own stars, group, place, producer and sites)."""
    def lists(by: Mapping[Any, tuple[Entry, ...]],
              keys: Callable[[Entry], Iterable[Any]]) -> dict[Any, tuple[Entry, ...]]:
        touched = {key for entry in replaced for key in keys(entry)}
        return {key: _swapped(entries, swap) if key in touched else entries for key, entries in by.items()}

    return replace(view, products=_swapped(view.products, swap), top=_swapped(view.top, swap),
                   by_stars=lists(view.by_stars, lambda e: [e.product.stars]),
                   by_group=lists(view.by_group, _group_of), by_place=lists(view.by_place, _place_of),
                   by_producer=lists(view.by_producer, _producer_of), by_tourism=lists(view.by_tourism, _sites_of))


def _group_of(e: Entry) -> list[str]:
    return [e.group.slug]


def _place_of(e: Entry) -> list[str]:
    return [e.place.slug] if e.place else []


def _producer_of(e: Entry) -> list[str]:
    return [e.producer.slug]


def _sites_of(e: Entry) -> list[str]:
    return [t.slug for t in e.sold_at]


def make_view(entries: list[Entry], site: Site, chain: tuple[str, ...]) -> View:
    """Every list of the site, sorted for readers of the first language of ``chain``."""
    def by_name(name: Localized, slug: str) -> tuple[str, str]:
        return fold(name.get(chain)[0]).casefold(), slug  # Đ sorts with D, accents ignored

    products = sorted(entries, key=lambda e: (-e.product.stars, *by_name(e.product.name, e.slug)))
    producers = sorted(site.producers, key=lambda p: by_name(p.name, p.slug))
    tourism = sorted(site.tourism, key=lambda t: by_name(t.name, t.slug))
    by_stars = {n: tuple(e for e in products if e.product.stars == n) for n in STAR_LEVELS}
    by_group = _group(products, _group_of)
    by_place = _group(products, _place_of)
    by_producer = _group(products, _producer_of)
    by_tourism = _group(products, _sites_of)
    return View(
        products=tuple(products),
        by_stars=by_stars,
        by_group=by_group,
        by_place=by_place,
        by_producer=by_producer,
        by_tourism=by_tourism,
        top=tuple(e for e in products if e.product.stars >= 4),
        producers=tuple(producers),
        producers_by_place=_group(producers, lambda p: [p.place] if p.place else []),
        tourism=tuple(tourism),
        tourism_by_place=_group(tourism, lambda t: [t.place] if t.place else []),
        counts=Counts(len(products), _lengths(by_stars), _lengths(by_group), _lengths(by_place),
                      _lengths(by_producer), _lengths(by_tourism)),
    )


class _References:
    def __init__(self, site: Site, problems: Problems,
                 memo: Memo[tuple[Any, ...], Entry] | None = None) -> None:
        self.site = site
        self.problems = problems
        self.memo = memo
        self.producers = {p.slug: p for p in site.producers}
        self.places = {p.slug: p for p in site.places}
        self.groups = {g.slug: g for s in site.sectors for g in s.groups}
        self.sectors = {s.slug: s for s in site.sectors}
        self.tourism = {t.slug: t for t in site.tourism}

    def find(self, table: Mapping[str, object], slug: str, doc: Doc, key: tuple[str | int, ...], what: str) -> bool:
        if slug in table:
            return True
        self.problems.error(doc.path, doc.line(*key), f"unknown {what} '{slug}'{did_you_mean(slug, table)}")
        return False

    def place(self, slug: str | None, doc: Doc, *key: str | int) -> Place | None:
        if slug is None or not self.find(self.places, slug, doc, key, "place"):
            return None
        return self.places[slug]

    def entry(self, product: Product, today: dt.date) -> Entry | None:
        doc = product.doc
        ok = self.find(self.producers, product.producer, doc, ("producer",), "producer")
        ok &= self.find(self.groups, product.category, doc, ("category",), "category")
        sold = [t for i, t in enumerate(product.sold_at)
                if self.find(self.tourism, t, doc, ("sold_at", i), "tourism site")]
        own_place = self.place(product.place, doc, "place")
        if not ok:
            return None
        producer = self.producers[product.producer]
        place = own_place or self.places.get(producer.place or "")
        group = self.groups[product.category]
        status = certificate_status(product.recognition, today, self.site.config.expiring_soon_days)
        if status.code == "expired":
            self.problems.warning(doc.path, doc.line("recognition"), "the certificate has expired")
        entry = Entry(product, producer, place, group, self.sectors[group.sector], tuple(self.tourism[t] for t in sold),
                      status)
        if self.memo is None:
            return entry
        key = _entry_key(entry)
        found = self.memo.get(key)
        return found if found is not None else self.memo.put(key, entry)


def _entry_key(e: Entry) -> tuple[Any, ...]:
    """An entry's key in the memo: the identity of each record it is made of, and its status."""
    return id(e.product), id(e.producer), id(e.place), id(e.group), id(e.sector), *map(id, e.sold_at), e.status


def _warn_unused(site: Site, entries: list[Entry], problems: Problems) -> None:
    used_producers = {e.producer.slug for e in entries}
    used_sites = {t.slug for e in entries for t in e.sold_at}
    for producer in site.producers:
        if producer.slug not in used_producers:
            problems.warning(producer.doc.path, 1, f"no product names producer '{producer.slug}'")
    for spot in site.tourism:
        if spot.slug not in used_sites:
            problems.warning(spot.doc.path, 1, f"no product is sold at '{spot.slug}' (sold_at)")


K = TypeVar("K")


def _lengths(lists: Mapping[K, tuple[Any, ...]]) -> dict[K, int]:
    return {key: len(items) for key, items in lists.items()}


def _group(items: Iterable[T], keys: Callable[[T], list[str]]) -> dict[str, tuple[T, ...]]:
    groups: dict[str, list[T]] = {}
    for item in items:
        for key in keys(item):
            groups.setdefault(key, []).append(item)
    return {k: tuple(v) for k, v in sorted(groups.items())}
