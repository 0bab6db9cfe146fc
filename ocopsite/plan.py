"""Step 4, plan: one page spec per language and page, plus the site-wide files."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from ocopsite.catalogue import STAR_LEVELS, Catalogue
from ocopsite.errors import Problems
from ocopsite.model import FreePage, Producer, Product, TourismSite
from ocopsite.urls import Key, Urls, feed, short_link

RESERVED = {"feed.xml", "p", "assets"}


@dataclass(frozen=True)
class PageSpec:
    """A page to render: where it goes, with which template, and what it shows."""

    url: str
    template: str
    lang: str | None = None
    section: str = ""
    key: Key = None
    data: Mapping[str, Any] = field(default_factory=dict)

    @property
    def localized(self) -> bool:
        """Whether the page exists once per language (and so has alternates)."""
        return self.lang is not None


def plan_pages(cat: Catalogue, urls: Urls, problems: Problems) -> list[PageSpec]:
    """Every page and file of the site, in a stable order."""
    pages: list[PageSpec] = []
    for lang in cat.site.config.languages:
        pages.extend(_language_pages(cat, urls, lang.code, problems))
    pages.append(PageSpec("", "root.html"))
    pages.extend(PageSpec(short_link(e.slug), "short.html", data={"entry": e}) for e in cat.products)
    pages.append(PageSpec("404.html", "404.html"))
    pages.append(PageSpec("sitemap.xml", "sitemap.xml", data={"sitemap": _sitemap(cat, urls, pages)}))
    pages.append(PageSpec("robots.txt", "robots.txt"))
    pages.append(PageSpec("manifest.webmanifest", "manifest.webmanifest"))
    pages.extend(PageSpec(feed(lang.code), "feed.xml", lang.code) for lang in cat.site.config.languages)
    _check_body_links(cat, pages, problems)
    problems.raise_if_errors()
    return pages


def _language_pages(cat: Catalogue, urls: Urls, lang: str, problems: Problems) -> list[PageSpec]:
    def page(template: str, section: str, key: Key = None, **data: Any) -> PageSpec:
        return PageSpec(urls.page(lang, section, key), template, lang, section, key, data)

    view = cat.views[lang]
    pages = [
        page("home.html", "home"),
        page("list.html", "products", None, entries=view.products),
        *(page("product.html", "products", e.slug, entry=e) for e in cat.products),
        page("stars.html", "stars"),
        *(page("list.html", "stars", n, entries=view.by_stars[n], stars=n) for n in STAR_LEVELS),
        page("producers.html", "producers"),
        *(page("producer.html", "producers", p.slug, producer=p, entries=view.by_producer.get(p.slug, ()))
          for p in view.producers),
        page("tourism_index.html", "tourism"),
        *(page("tourism.html", "tourism", t.slug, spot=t, entries=view.by_tourism.get(t.slug, ()))
          for t in view.tourism),
        page("categories.html", "categories"),
        *(page("list.html", "categories", g.slug, entries=view.by_group[g.slug], group=g) for g in cat.groups),
        page("search.html", "search"),
        page("places.html", "places"),
        *(page("place.html", "places", p.slug, place=p, entries=view.by_place.get(p.slug, ()))
          for p in cat.places),
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
        [(code, urls.page(code, p.section, p.key)) for code in codes]
        for p in pages if p.lang == codes[0]
    ]


def _check_body_links(cat: Catalogue, pages: list[PageSpec], problems: Problems) -> None:
    """Markdown may link to any page of the site by its path from the root."""
    known = {"/" + p.url for p in pages}
    records: list[Product | Producer | TourismSite | FreePage] = [
        *cat.site.products, *cat.site.producers, *cat.site.tourism, *cat.site.pages]
    bodies = [r.body for r in records]
    for body in bodies:
        for link in body.links:
            target = link.target.split("#")[0].split("?")[0]
            if target not in known:
                problems.error(link.path, link.line, f"link to '{link.target}': no such page on this site")
