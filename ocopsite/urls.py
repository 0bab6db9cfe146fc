"""Every URL of the site, built in one place. URLs are relative to the site root, without
a leading slash ("vi/san-pham/rong-nho/"); pages link to each other with relative paths."""

from __future__ import annotations

from collections.abc import Mapping

Key = str | int | None


class Urls:
    """Builds page URLs for every language from the localized section slugs."""

    def __init__(self, sections: Mapping[str, Mapping[str, str]], base_url: str) -> None:
        self.sections = sections
        self.base_url = base_url

    def page(self, lang: str, section: str, key: Key = None, number: int = 1) -> str:
        """The URL of a page: ``section`` is "home", "page" (a free page) or a site section;
        ``number`` is the page of a long list ("vi/san-pham/trang/2/")."""
        if section == "home":
            return f"{lang}/"
        if section == "page":
            return f"{lang}/{key}/"
        base = f"{lang}/{self.sections[lang][section]}/"
        url = base if key is None else f"{base}{key}/"
        return url if number == 1 else f"{url}{self.sections[lang]['paged']}/{number}/"

    def absolute(self, url: str) -> str:
        """The public address of a URL, for canonical links, sitemaps, feeds and Open Graph."""
        return self.base_url + url


def short_link(slug: str) -> str:
    """The language-neutral short link of a product, for QR codes."""
    return f"p/{slug}/"


def feed(lang: str) -> str:
    return f"{lang}/feed.xml"


def relative(from_url: str, to_url: str) -> str:
    """The shortest relative link from the page at ``from_url`` to ``to_url``."""
    here = from_url.split("/")[:-1]
    there = to_url.split("/")
    common = 0
    while common < min(len(here), len(there) - 1) and here[common] == there[common]:
        common += 1
    link = "../" * (len(here) - common) + "/".join(there[common:])
    return link or "./"


def file_of(url: str) -> str:
    """The output file that serves a URL."""
    return url + "index.html" if url == "" or url.endswith("/") else url
