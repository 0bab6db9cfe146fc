"""Part of step 3, catalogue: the figures of the statistics page, counted once from the
catalogue. Language-neutral: rows keep the catalogue's order among equal counts, and templates
put the words on them."""

from __future__ import annotations

from collections import Counter
from collections.abc import Hashable, Iterable
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from ocopsite.catalogue import STAR_LEVELS, Catalogue
from ocopsite.model import PRODUCER_KINDS, Group, Place
from ocopsite.schema import Localized

K = TypeVar("K", bound=Hashable)
STATUS_ORDER = ("valid", "expiring", "unknown", "re-evaluating", "expired", "revoked")


@dataclass(frozen=True)
class Row(Generic[K]):
    key: K
    count: int
    share: float  # of the chart's largest row, 0 to 1, for the bar's length


@dataclass(frozen=True)
class Coverage:
    """How complete the catalogue is (``ocopsite check --report``, and the statistics page)."""

    with_url: int  # products with at least one source that has a URL
    unconfirmed: int  # facts marked unconfirmed, over all products
    with_outlet: int  # products with a point of sale of their own or their producer's
    spots: int
    located_spots: int  # tourism sites and points of sale with a location
    places: int
    located_places: int
    untranslated: int  # localized texts and descriptions without a translation


@dataclass(frozen=True)
class Stats:
    products: int
    producers: int
    tourism: int
    by_stars: tuple[Row[int], ...]
    by_group: tuple[Row[Group], ...]
    by_place: tuple[Row[Place | None], ...]  # None: products whose place is not given
    by_kind: tuple[Row[str], ...]
    by_status: tuple[Row[str], ...]
    online: int
    coverage: Coverage

    @property
    def online_percent(self) -> float:
        return 100 * self.online / self.products if self.products else 0.0


def compute(cat: Catalogue) -> Stats:
    """Counts of products by star level, category, place, producer kind and certificate status."""
    entries = cat.products
    places = Counter(e.place.slug if e.place else None for e in entries)
    return Stats(
        products=len(entries),
        producers=len({e.producer.slug for e in entries}),
        tourism=len(cat.site.tourism),
        by_stars=_rows((n, sum(e.product.stars == n for e in entries)) for n in STAR_LEVELS),
        by_group=_rows(_largest_first((g, sum(e.group.slug == g.slug for e in entries)) for g in cat.groups)),
        by_place=_rows(_largest_first([*((p, places[p.slug]) for p in cat.product_places), (None, places[None])])),
        by_kind=_rows((k, sum(e.producer.kind == k for e in entries)) for k in PRODUCER_KINDS),
        by_status=_rows((code, n) for code in STATUS_ORDER
                        if (n := sum(e.status.code == code for e in entries))),
        online=sum(bool(e.product.shops) for e in entries),
        coverage=coverage(cat),
    )


def coverage(cat: Catalogue) -> Coverage:
    entries = cat.products
    site = cat.site
    return Coverage(
        with_url=sum(any(s.url for s in e.product.sources) for e in entries),
        unconfirmed=sum(len(e.product.unconfirmed) for e in entries),
        with_outlet=sum(e.where.source != "area" and bool(e.where.outlets) for e in entries),
        spots=len(site.tourism),
        located_spots=sum(t.location is not None for t in site.tourism),
        places=len(cat.places),
        located_places=sum(p.location is not None for p in cat.places),
        untranslated=sum(_untranslated(record, [lang.code for lang in site.config.languages])
                         for record in (*site.products, *site.producers, *site.tourism)),
    )


def _untranslated(record: Any, codes: list[str]) -> int:
    """The localized fields and description of a record that lack a language."""
    texts = [value for value in vars(record).values() if isinstance(value, Localized)]
    if record.body.html is not None:
        texts.append(record.body.html)
    return sum(not text.has(code) for text in texts for code in codes[1:])


def _largest_first(rows: Iterable[tuple[K, int]]) -> list[tuple[K, int]]:
    """Rows with a count, largest first; equal counts keep their order."""
    return sorted((row for row in rows if row[1]), key=lambda row: -row[1])


def _rows(rows: Iterable[tuple[K, int]]) -> tuple[Row[K], ...]:
    listed = list(rows)
    top = max((n for _, n in listed), default=0)
    return tuple(Row(key, n, n / top if top else 0.0) for key, n in listed)
