"""``ocopsite check --report``: how complete the catalogue is, in figures an editor can act on."""

from __future__ import annotations

from ocopsite.catalogue import Catalogue
from ocopsite.stats import STATUS_ORDER, coverage


def report(cat: Catalogue) -> str:
    """The catalogue's completeness: products by certificate status, sources with a URL,
    unconfirmed facts, points of sale, locations and missing translations."""
    entries = cat.products
    total = len(entries)
    c = coverage(cat)
    lines = [f"Coverage on {cat.today.isoformat()}: {total} products"]
    for code in STATUS_ORDER:
        count = sum(e.status.code == code for e in entries)
        if count:
            lines.append(f"  status {code}: {count} ({_share(count, total)})")
    lines += [
        f"  with a source that has a URL: {c.with_url} ({_share(c.with_url, total)})",
        f"  unconfirmed facts: {c.unconfirmed} (in {sum(bool(e.product.unconfirmed) for e in entries)} products)",
        f"  with a point of sale of their own or their producer's: {c.with_outlet} ({_share(c.with_outlet, total)})",
        f"  tourism sites and points of sale with a location: {c.located_spots} of {c.spots}",
        f"  places with a location: {c.located_places} of {c.places}",
        f"  texts not yet translated: {c.untranslated}",
    ]
    return "\n".join(lines)


def _share(part: int, whole: int) -> str:
    return f"{100 * part / whole:.0f}%" if whole else "0%"
