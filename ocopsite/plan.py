"""Step 4, plan: one page spec per language and page, plus the site-wide files.

A spec holds everything its page shows besides the site-wide settings, UI strings, templates
and assets: templates see nothing else (see ``render``), so a page's bytes follow from its spec
and those, and a digest of them is a safe key for its cache.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from ocopsite import stats
from ocopsite.catalogue import ENDED, STAR_LEVELS, Catalogue, Entry
from ocopsite.errors import Problems
from ocopsite.model import FreePage, Group, Place, Producer, Product, TourismSite
from ocopsite.schema import Digested, Localized
from ocopsite.urls import Key, Urls, feed, short_link

RESERVED = {"feed.xml", "p", "assets", "search", "media"}
FILTER_FROM = 8  # lists this long or longer offer filters


@dataclass(frozen=True)
class Pager:
    """Where a page stands in a list split over several pages."""

    number: int
    pages: int
    total: int

    @property
    def window(self) -> list[int]:
        """The page numbers to link: the first, the last, and two on each side of this one."""
        near = range(max(1, self.number - 2), min(self.pages, self.number + 2) + 1)
        return sorted({1, self.pages, *near})


@dataclass(frozen=True)
class Chrome(Digested):
    """What every page of a language shows around its content: the free pages in its footer."""

    pages: tuple[tuple[str, Localized], ...]


@dataclass(frozen=True)
class Filters:
    """The filters a list offers: the values of each dimension its products have, never the
    dimension the list is about (``fixed``, which the search page keeps)."""

    stars: tuple[int, ...]
    groups: tuple[Group, ...]
    places: tuple[Place, ...]
    fixed: tuple[str, str] | None


@dataclass(frozen=True)
class PageSpec:
    """A page to render: where it goes, with which template, and what it shows."""

    url: str
    template: str
    lang: str | None = None
    section: str = ""
    key: Key = None
    data: Mapping[str, Any] = field(default_factory=dict)
    number: int = 1
    indexed: bool = True  # listed in the sitemap and open to search engines

    @property
    def localized(self) -> bool:
        """Whether the page exists once per language (and so has alternates)."""
        return self.lang is not None


def plan_pages(cat: Catalogue, urls: Urls, problems: Problems) -> list[PageSpec]:
    """Every page and file of the site, in a stable order."""
    pages: list[PageSpec] = []
    figures = stats.compute(cat)
    chrome = Chrome(tuple((p.slug, p.title) for p in cat.site.pages))
    for lang in cat.site.config.languages:
        pages.extend(_language_pages(cat, urls, lang.code, figures, chrome, problems))
    pages.append(PageSpec("", "root.html"))
    pages.extend(PageSpec(short_link(e.slug), "short.html", data={"entry": e}) for e in cat.products)
    pages.append(PageSpec("404.html", "404.html", data={"chrome": chrome}))
    pages.append(PageSpec("sitemap.xml", "sitemap.xml", data={"sitemap": _sitemap(cat, urls, pages)}))
    pages.append(PageSpec("robots.txt", "robots.txt"))
    pages.append(PageSpec("manifest.webmanifest", "manifest.webmanifest"))
    pages.append(PageSpec("sw.js", "sw.js"))  # at the root, so that its scope is the site; ``render`` versions it
    pages.append(PageSpec("offline.html", "offline.html"))  # what it shows for a page not saved offline
    pages.extend(PageSpec(feed(lang.code), "feed.xml", lang.code, data={"recent": cat.recent[:50], "today": cat.today})
                 for lang in cat.site.config.languages)
    _check_body_links([*cat.site.products, *cat.site.producers, *cat.site.tourism, *cat.site.pages], pages, problems)
    problems.raise_if_errors()
    pages.append(PageSpec("_headers", "headers.txt", data={"top": _top_level(pages)}))
    return pages


def _language_pages(cat: Catalogue, urls: Urls, lang: str, figures: stats.Stats, chrome: Chrome,
                    problems: Problems) -> list[PageSpec]:
    view = cat.views[lang]

    def page(template: str, section: str, key: Key = None, indexed: bool = True, **data: Any) -> PageSpec:
        return PageSpec(urls.page(lang, section, key), template, lang, section, key, {"chrome": chrome, **data},
                        indexed=indexed)

    def paged(template: str, section: str, key: Key, items: Sequence[Any], **data: Any) -> list[PageSpec]:
        size = cat.site.config.per_page
        chunks = [items[i:i + size] for i in range(0, len(items), size)] or [()]
        return [PageSpec(urls.page(lang, section, key, n), template, lang, section, key,
                         {"chrome": chrome, **data, **_chunk(chunk), "pager": Pager(n, len(chunks), len(items))}, n)
                for n, chunk in enumerate(chunks, 1)]

    def products(template: str, section: str, key: Key, entries: tuple[Entry, ...], fixed: tuple[str, str] | None,
                 **data: Any) -> list[PageSpec]:
        return paged(template, section, key, entries, filters=_filters(cat, entries, fixed), **data)

    spots = {t.slug: t for t in view.tourism}
    pages = [
        page("home.html", "home", top=view.top[:12], recent=cat.recent[:6], total=len(view.products),
             stars={n: len(view.by_stars[n]) for n in STAR_LEVELS},
             groups=tuple((g, len(view.by_group[g.slug])) for g in cat.groups), tourism=view.tourism),
        *products("list.html", "products", None, view.products, None),
        *(page("product.html", "products", e.slug, entry=e, producer_km=cat.distance.get(e.producer.slug))
          for e in cat.products),
        page("stars.html", "stars", counts={n: len(view.by_stars[n]) for n in STAR_LEVELS}),
        *(p for n in STAR_LEVELS for p in products("list.html", "stars", n, view.by_stars[n], ("stars", str(n)),
                                                   stars=n)),
        *paged("producers.html", "producers", None, [(p, len(view.by_producer.get(p.slug, ())),
                                                      cat.place_index.get(p.place or "")) for p in view.producers]),
        *(q for p in view.producers for q in products("producer.html", "producers", p.slug,
                                                      view.by_producer.get(p.slug, ()), None, producer=p,
                                                      place=cat.place_index.get(p.place or ""),
                                                      km=cat.distance.get(p.slug),
                                                      outlets=tuple(spots[s] for s in p.sold_at))),
        *(page("labels.html", "labels", p.slug, indexed=False, producer=p, entries=view.by_producer[p.slug])
          for p in view.producers if p.slug in view.by_producer),
        *paged("tourism_index.html", "tourism", None, [(t, cat.place_index.get(t.place or ""), cat.distance.get(t.slug))
                                                       for t in view.tourism]),
        *(q for t in view.tourism for q in products("tourism.html", "tourism", t.slug, view.by_spot.get(t.slug, ()),
                                                    None, spot=t, place=cat.place_index.get(t.place or ""),
                                                    km=cat.distance.get(t.slug))),
        page("categories.html", "categories", sectors=tuple(
            (s, tuple((g, len(view.by_group.get(g.slug, ()))) for g in s.groups)) for s in cat.site.sectors)),
        *(p for g in cat.groups for p in products("list.html", "categories", g.slug, view.by_group[g.slug],
                                                  ("category", g.slug), group=g)),
        page("search.html", "search", groups=cat.groups, places=cat.product_places),
        page("stats.html", "statistics", stats=figures, today=cat.today),
        page("places.html", "places", places=tuple((p, len(view.by_place.get(p.slug, ()))) for p in cat.places)),
        *(q for p in cat.places for q in products(
            "place.html", "places", p.slug, view.by_place.get(p.slug, ()), ("place", p.slug), place=p,
            producers=view.producers_by_place.get(p.slug, ()), spots=view.tourism_by_place.get(p.slug, ()))),
    ]
    taken = set(urls.sections[lang].values()) | RESERVED
    for free in cat.site.pages:
        if free.slug in taken:
            problems.error(f"content/pages/{free.slug}", 0, f"page slug '{free.slug}' is already used by the site")
        else:
            pages.append(page("page.html", "page", free.slug, free=free))
    return pages


def _chunk(chunk: Sequence[Any]) -> dict[str, Any]:
    """One page of a list. Products are split into those whose certificate is current or not
    published (``entries``) and those whose certificate ended (``ended``), which lists show apart."""
    if chunk and isinstance(chunk[0], Entry):
        return {"entries": tuple(e for e in chunk if e.status.group != ENDED),
                "ended": tuple(e for e in chunk if e.status.group == ENDED)}
    return {"entries": tuple(chunk), "ended": ()}


def _filters(cat: Catalogue, entries: tuple[Entry, ...], fixed: tuple[str, str] | None) -> Filters | None:
    """What a list of products may be filtered by, when it is long enough to need it."""
    if len(entries) < FILTER_FROM:
        return None
    dimension = fixed[0] if fixed else None
    present = {e.group.slug for e in entries}, {e.place.slug for e in entries if e.place}
    return Filters(
        stars=() if dimension == "stars" else tuple(n for n in STAR_LEVELS
                                                    if any(e.product.stars == n for e in entries)),
        groups=() if dimension == "category" else tuple(g for g in cat.groups if g.slug in present[0]),
        places=() if dimension == "place" else tuple(p for p in cat.product_places if p.slug in present[1]),
        fixed=fixed,
    )


def _sitemap(cat: Catalogue, urls: Urls, pages: list[PageSpec]) -> list[list[tuple[str, str]]]:
    """For each localized page, its URL in every language (for hreflang alternates)."""
    codes = [lang.code for lang in cat.site.config.languages]
    return [
        [(code, urls.page(code, p.section, p.key, p.number)) for code in codes]
        for p in pages if p.lang == codes[0] and p.indexed
    ]


def _top_level(pages: list[PageSpec]) -> tuple[str, ...]:
    """What the pages occupy at the site's root, as ``_headers`` paths: "", "index.html", "vi/*"…"""
    names = {first + "/*" if slash else first for first, slash, _ in (p.url.partition("/") for p in pages)}
    return tuple(sorted(names | ({"index.html"} if "" in names else set())))


def _check_body_links(records: Iterable[Product | Producer | TourismSite | FreePage], pages: list[PageSpec],
                      problems: Problems) -> None:
    """Markdown may link to any page of the site by its path from the root."""
    links = [link for record in records for link in record.body.links]
    known = {"/" + p.url for p in pages} if links else set()
    for link in links:
        target = link.target.split("#")[0].split("?")[0]
        if target not in known:
            problems.error(link.path, link.line, f"link to '{link.target}': no such page on this site")
