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
# Python-Markdown is quadratic in some inputs (many '[' or '<' in one long paragraph) and
# recursive in nested lists and quotes, so a hostile file could take minutes or crash it. Real
# texts are far from these bounds (docs/content-format.md, "Limits").
MAX_NESTING = 16  # levels of quotes and lists, and indentation in steps of four columns
MAX_OPENERS_COST = 4_000_000  # sum over paragraphs of (number of '[' and '<') x (length)
CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ue000-\uf8ff\ufffe\uffff]")
CONTAINERS = re.compile(r"[ \t]*(?:(?:>|[-+*]|\d{1,9}[.)])(?=[ \t]|$)[ \t]*)*")
_md = markdown.Markdown(extensions=["tables", "sane_lists"], output_format="html")


@functools.lru_cache(maxsize=65_536)  # a pure function of the text: rebuilds in serve reuse it
def to_html(text: str) -> str:
    """Render Markdown and keep only harmless tags, attributes and URL schemes.

    Links to pages of the site (``/vi/san-pham/x``) get the trailing slash of page URLs."""
    html = _md.reset().convert(text)
    clean = nh3.clean(html, tags=TAGS, attributes=ATTRIBUTES, url_schemes=URL_SCHEMES, link_rel=None)
    return INTERNAL_HREF.sub(lambda m: f'href="{_page_path(m.group(1))}"', clean)


def hazard(text: str) -> tuple[int, str] | None:
    """The first line of a Markdown text that could not be converted safely and fast, and why;
    None when there is none. Linear in the length of the text."""
    cost = 0
    paragraph = (1, 0, 0)  # its first line, length and number of '[' and '<'
    for number, line in enumerate(text.splitlines(), 1):
        if (bad := CONTROL.search(line)) is not None:
            return number, f"contains an invisible or private-use character (U+{ord(bad.group()):04X}); retype it"
        lead = CONTAINERS.match(line)
        prefix = lead.group() if lead else ""
        markers = len(prefix.replace(" ", "").replace("\t", ""))
        if markers + len(prefix.expandtabs(4)) // 4 > MAX_NESTING:
            return number, f"lists, quotes or indentation are nested more than {MAX_NESTING} levels deep"
        if line.strip():
            first, length, openers = paragraph
            paragraph = (first, length + len(line) + 1, openers + line.count("[") + line.count("<"))
        else:
            cost += paragraph[1] * paragraph[2]
            paragraph = (number + 1, 0, 0)
        if cost + paragraph[1] * paragraph[2] > MAX_OPENERS_COST:
            return paragraph[0], "this paragraph has too many '[' or '<' for its length; split it or remove some"
    return None


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
            # "# Title", "# Title #": by hand, as a regular expression backtracks badly on long blanks
            heading = line.strip()
            if len(heading) < 3 or heading[0] != "#" or not heading[1].isspace():
                return None, text
            title = heading[1:].strip()
            return title.rstrip("#").rstrip() or title[:1], "\n" * (i + 1) + "\n".join(lines[i + 1:])
    return None, text
