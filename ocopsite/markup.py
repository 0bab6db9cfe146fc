"""Markdown to safe HTML: content is untrusted, so the HTML passes an allowlist sanitiser."""

from __future__ import annotations

import functools
import re

import markdown
import nh3

from ocopsite.load import Text
from ocopsite.model import Link

TAGS = {
    "p", "a", "em", "strong", "ul", "ol", "li", "h2", "h3", "h4", "blockquote", "code", "pre",
    "br", "hr", "table", "thead", "tbody", "tr", "th", "td", "abbr", "sup", "sub",
}
ATTRIBUTES = {"a": {"href", "title"}, "abbr": {"title"}, "th": {"align"}, "td": {"align"}}
URL_SCHEMES = {"https", "http", "mailto", "tel"}
INTERNAL_HREF = re.compile(r'href="(/[^"]*)"')
HEADING = re.compile(r"^#\s+(.+?)\s*#*\s*$")
_md = markdown.Markdown(extensions=["tables", "sane_lists"], output_format="html")


@functools.lru_cache(maxsize=65_536)  # a pure function of the text: rebuilds in serve reuse it
def to_html(text: str) -> str:
    """Render Markdown and keep only harmless tags, attributes and URL schemes.

    Links to pages of the site (``/vi/san-pham/x``) get the trailing slash of page URLs."""
    html = _md.reset().convert(text)
    clean = nh3.clean(html, tags=TAGS, attributes=ATTRIBUTES, url_schemes=URL_SCHEMES, link_rel=None)
    return INTERNAL_HREF.sub(lambda m: f'href="{_page_path(m.group(1))}"', clean)


def _page_path(href: str) -> str:
    path, mark, rest = href.partition("#") if "#" in href else href.partition("?")
    if not path.endswith("/") and "." not in path.rsplit("/", 1)[-1]:
        path += "/"
    return path + mark + rest


def internal_links(source: Text, html: str) -> tuple[Link, ...]:
    """The links to pages of the site in rendered Markdown, each with the line that makes it."""
    lines = source.text.splitlines()
    found = []
    for match in INTERNAL_HREF.finditer(html):
        target = match.group(1)
        bare = target.rstrip("/").split("#")[0]
        number = next((i for i, line in enumerate(lines, 1) if bare in line), 1)
        found.append(Link(source.path, number, target))
    return tuple(found)


def split_title(text: str) -> tuple[str | None, str]:
    """Split a free page into its ``# Title`` (first non-blank line) and the rest."""
    lines = text.splitlines()
    for i, line in enumerate(lines):
        if line.strip():
            match = HEADING.match(line.strip())
            if not match:
                return None, text
            return match.group(1), "\n" * (i + 1) + "\n".join(lines[i + 1:])
    return None, text
