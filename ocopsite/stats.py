"""Part of step 3, catalogue: the figures of the statistics page, counted once from the
catalogue. Language-neutral: rows keep the catalogue's order among equal counts, and templates
put the words on them."""

from __future__ import annotations

from collections import Counter
from collections.abc import Hashable, Iterable
from dataclasses import dataclass
from typing import Generic, TypeVar

from ocopsite.catalogue import STAR_LEVELS, Catalogue
from ocopsite.model import Group, Place
from ocopsite.schema import PRODUCER_KINDS

K = TypeVar("K", bound=Hashable)
STATUS_ORDER = ("valid", "expiring", "expired", "revoked", "re-evaluating", "unknown")


@dataclass(frozen=True)
class Row(Generic[K]):
    key: K
    count: int
    share: float  # of the chart's largest row, 0 to 1, for the bar's length


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
    )


def _largest_first(rows: Iterable[tuple[K, int]]) -> list[tuple[K, int]]:
    """Rows with a count, largest first; equal counts keep their order."""
    return sorted((row for row in rows if row[1]), key=lambda row: -row[1])


def _rows(rows: Iterable[tuple[K, int]]) -> tuple[Row[K], ...]:
    listed = list(rows)
    top = max((n for _, n in listed), default=0)
    return tuple(Row(key, n, n / top if top else 0.0) for key, n in listed)
