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


def replan(pages: list[PageSpec], swap: Mapping[int, Entry], problems: Problems, version: str = "") -> list[PageSpec]:
    """What ``plan_pages`` would give for a catalogue that ``catalogue.update_catalogue`` made
    from the one ``pages`` were planned for: the same pages (no product moved), each showing the
    new entries in place of those they replace (``swap``, by the ``id`` of the old ones), and
    the new ``version``. The new entries' Markdown links are checked."""
    planned = []
    for page in pages:
        data = page.data
        entry, listed = data.get("entry"), data.get("entries")
        if entry is not None and id(entry) in swap:
            page = replace(page, data={**data, "entry": swap[id(entry)]})
        elif listed is not None and any(id(e) in swap for e in listed):
            page = replace(page, data={**data, "entries": tuple([swap.get(id(e), e) for e in listed])})
        elif page.template == "sw.js":
            page = replace(page, data={**data, "version": version})
        planned.append(page)
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
