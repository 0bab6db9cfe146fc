"""Markdown to safe HTML: content is untrusted, so the HTML passes an allowlist sanitiser."""

from __future__ import annotations

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
INTERNAL_LINK = re.compile(r"\]\((/[^)\s]*)")
HEADING = re.compile(r"^#\s+(.+?)\s*#*\s*$")
_md = markdown.Markdown(extensions=["tables", "sane_lists"], output_format="html")


def to_html(text: str) -> str:
    """Render Markdown and keep only harmless tags, attributes and URL schemes."""
    html = _md.reset().convert(text)
    return nh3.clean(html, tags=TAGS, attributes=ATTRIBUTES, url_schemes=URL_SCHEMES, link_rel=None)


def internal_links(source: Text, first_line: int = 1) -> tuple[Link, ...]:
    """The links to pages of the site (``/vi/…``) in a Markdown file, with their lines."""
    return tuple(
        Link(source.path, number, match.group(1))
        for number, line in enumerate(source.text.splitlines()[first_line - 1:], start=first_line)
        for match in INTERNAL_LINK.finditer(line)
    )


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
