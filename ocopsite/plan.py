"""Step 4, plan: one page spec per language and page, plus the site-wide files."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from typing import Any

from ocopsite import stats
from ocopsite.catalogue import STAR_LEVELS, Catalogue, Entry
from ocopsite.errors import Problems
from ocopsite.model import FreePage, Producer, Product, TourismSite
from ocopsite.urls import Key, Urls, feed, short_link

RESERVED = {"feed.xml", "p", "assets", "pagefind", "media"}


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


def plan_pages(cat: Catalogue, urls: Urls, problems: Problems, version: str = "") -> list[PageSpec]:
    """Every page and file of the site, in a stable order. ``version``: the build's, which the
    service worker names its cache after."""
    pages: list[PageSpec] = []
    figures = stats.compute(cat)
    for lang in cat.site.config.languages:
        pages.extend(_language_pages(cat, urls, lang.code, figures, problems))
    pages.append(PageSpec("", "root.html"))
    pages.extend(PageSpec(short_link(e.slug), "short.html", data={"entry": e}) for e in cat.products)
    pages.append(PageSpec("404.html", "404.html"))
    pages.append(PageSpec("sitemap.xml", "sitemap.xml", data={"sitemap": _sitemap(cat, urls, pages)}))
    pages.append(PageSpec("robots.txt", "robots.txt"))
    pages.append(PageSpec("manifest.webmanifest", "manifest.webmanifest"))
    # the service worker: at the root, so that its scope is the site
    pages.append(PageSpec("sw.js", "sw.js", data={"version": version}))
    pages.append(PageSpec("offline.html", "offline.html"))  # what it shows for a page not saved offline
    pages.extend(PageSpec(feed(lang.code), "feed.xml", lang.code) for lang in cat.site.config.languages)
    _check_body_links([*cat.site.products, *cat.site.producers, *cat.site.tourism, *cat.site.pages], pages, problems)
    problems.raise_if_errors()
    pages.append(PageSpec("_headers", "headers.txt", data={"top": _top_level(pages)}))
    return pages


@dataclass(frozen=True)
class Shown:
    """Where a plan shows each product: the positions of the pages whose spec holds its entry, by
    slug; and the position of the service worker."""

    pages: Mapping[str, tuple[int, ...]]
    worker: int


def shown(pages: list[PageSpec]) -> Shown:
    found: dict[str, list[int]] = {}
    worker = -1
    for i, page in enumerate(pages):
        entry, listed = page.data.get("entry"), page.data.get("entries")
        for e in ([entry] if entry is not None else listed or ()):
            found.setdefault(e.slug, []).append(i)
        if page.template == "sw.js":
            worker = i
    return Shown({slug: tuple(dict.fromkeys(at)) for slug, at in found.items()}, worker)


def replan(pages: list[PageSpec], swap: Mapping[int, Entry], problems: Problems, version: str,
           where: Shown) -> list[PageSpec]:
    """What ``plan_pages`` would give for a catalogue that ``catalogue.update_catalogue`` made
    from the one ``pages`` were planned for (``where``: ``shown(pages)``): the same pages, since
    no product moved, each showing the new entries in place of those they replace (``swap``, by
    the ``id`` of the old ones), and the new ``version``. The new entries' Markdown links are
    checked."""
    planned = list(pages)
    for entry in swap.values():
        for i in where.pages.get(entry.slug, ()):
            page = planned[i]
            if "entry" in page.data:
                planned[i] = replace(page, data={**page.data, "entry": swap.get(id(page.data["entry"]),
                                                                                page.data["entry"])})
            else:
                listed = tuple([swap.get(id(e), e) for e in page.data["entries"]])
                planned[i] = replace(page, data={**page.data, "entries": listed})
    if where.worker >= 0 and planned[where.worker].data.get("version") != version:
        planned[where.worker] = replace(planned[where.worker], data={"version": version})
    _check_body_links([e.product for e in swap.values()], planned, problems)
    problems.raise_if_errors()
    return planned


def _language_pages(cat: Catalogue, urls: Urls, lang: str, figures: stats.Stats,
                    problems: Problems) -> list[PageSpec]:
    def page(template: str, section: str, key: Key = None, indexed: bool = True, **data: Any) -> PageSpec:
        return PageSpec(urls.page(lang, section, key), template, lang, section, key, data, indexed=indexed)

    def paged(template: str, section: str, key: Key, entries: tuple[Any, ...], **data: Any) -> list[PageSpec]:
        size = cat.site.config.per_page
        chunks = [entries[i:i + size] for i in range(0, len(entries), size)] or [()]
        return [
            PageSpec(urls.page(lang, section, key, n), template, lang, section, key,
                     {**data, "entries": chunk, "pager": Pager(n, len(chunks), len(entries))}, n)
            for n, chunk in enumerate(chunks, 1)
        ]

    view = cat.views[lang]
    pages = [
        page("home.html", "home"),
        *paged("list.html", "products", None, view.products),
        *(page("product.html", "products", e.slug, entry=e) for e in cat.products),
        page("stars.html", "stars"),
        *(p for n in STAR_LEVELS for p in paged("list.html", "stars", n, view.by_stars[n], stars=n)),
        *paged("producers.html", "producers", None, view.producers),
        *(q for p in view.producers
          for q in paged("producer.html", "producers", p.slug, view.by_producer.get(p.slug, ()), producer=p)),
        *(page("labels.html", "labels", p.slug, indexed=False, producer=p, entries=view.by_producer[p.slug])
          for p in view.producers if p.slug in view.by_producer),
        *paged("tourism_index.html", "tourism", None, view.tourism),
        *(q for t in view.tourism for q in paged("tourism.html", "tourism", t.slug, view.by_tourism.get(t.slug, ()),
                                                 spot=t)),
        page("categories.html", "categories"),
        *(p for g in cat.groups for p in paged("list.html", "categories", g.slug, view.by_group[g.slug], group=g)),
        page("search.html", "search"),
        page("stats.html", "statistics", stats=figures),
        page("places.html", "places"),
        *(q for p in cat.places for q in paged("place.html", "places", p.slug, view.by_place.get(p.slug, ()), place=p)),
    ]
    taken = set(urls.sections[lang].values()) | RESERVED
    for free in cat.site.pages:
        if free.slug in taken:
            problems.error(f"content/pages/{free.slug}", 0, f"page slug '{free.slug}' is already used by the site")
        else:
            pages.append(page("page.html", "page", free.slug, free=free))
    return pages


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
