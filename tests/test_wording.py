"""Words for tourists: one English spelling (British, see CONTRIBUTING.md), no editors' jargon
on the pages, and editorial caveats kept in "Sources and notes", not in the descriptions."""

from __future__ import annotations

import re
from html.parser import HTMLParser
from pathlib import Path

import pytest

from conftest import REPO

# American spellings, as whole words or word starts, that British English writes otherwise.
AMERICAN = re.compile(r"\b(recogniz\w*|organiz\w*|specializ\w*|characteriz\w*|favor\w*|flavor\w*|colors?|"
                      r"colored|honors?|neighbor\w*|center(s|ed)?|catalog|catalogs|traveler\w*|traveled|traveling|"
                      r"harbors?|labor|fiber|liters?|meters?|gray|jewelry|mold|plow|program(?!me))\b", re.I)
# What editors write to each other, or what only officials say, never for a reader.
JARGON = [
    re.compile(r"pull request", re.I), re.compile(r"\(Atom\)"), re.compile(r"\bChủ thể\b"), re.compile("⚠"),
    re.compile(r"\bunverified\b", re.I), re.compile(r"back-translated", re.I), re.compile(r"chưa xác minh", re.I),
]
CAVEATS = re.compile(r"⚠|unverified|not confirmed|no source (states|gives)|back-translat|dịch ngược|chưa xác "
                     r"(minh|nhận)|chưa có nguồn", re.I)


class Text(HTMLParser):
    """The words a reader sees (not scripts, styles or attributes), and those of each description."""

    def __init__(self) -> None:
        super().__init__()
        self.skip = 0
        self.prose = 0
        self.words: list[str] = []
        self.descriptions: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        # the sources' titles are quoted as their publishers wrote them
        if tag in ("script", "style", "title") or self.skip or ("class", "sources") in attrs:
            self.skip += 1
        if self.prose or ("class", "prose") in attrs:
            self.prose += 1

    def handle_endtag(self, tag: str) -> None:
        if self.skip:
            self.skip -= 1
        if self.prose:
            self.prose -= 1

    def handle_data(self, data: str) -> None:
        if not self.skip:
            self.words.append(data)
            if self.prose:
                self.descriptions.append(data)


def read(page: Path) -> Text:
    parser = Text()
    parser.feed(page.read_text(encoding="utf-8"))
    return parser


def test_every_page_speaks_british_english_and_no_jargon(catalogue_output: Path) -> None:
    found = []
    for page in sorted(catalogue_output.rglob("*.html")):
        text = " ".join(read(page).words)
        name = page.relative_to(catalogue_output).as_posix()
        found += [f"{name}: {m.group(0)}" for m in AMERICAN.finditer(text)]
        found += [f"{name}: {m.group(0)}" for pattern in JARGON for m in pattern.finditer(text)]
    assert found == []


def test_the_words_the_pages_are_made_of_too() -> None:
    """The UI strings and the catalogue's English texts: where the pages' words come from."""
    sources = [REPO / "templates/i18n/en.yaml", REPO / "templates/i18n/vi.yaml",
               *sorted((REPO / "content").rglob("en.md"))]
    found = []
    for path in sources:
        text = path.read_text(encoding="utf-8")
        text = "\n".join(line for line in text.splitlines() if not line.lstrip().startswith("#"))
        found += [f"{path.relative_to(REPO)}: {m.group(0)}" for m in AMERICAN.finditer(text)]
        found += [f"{path.relative_to(REPO)}: {m.group(0)}" for pattern in JARGON for m in pattern.finditer(text)]
    assert found == []


@pytest.mark.parametrize("section", ["en/products", "vi/san-pham"])
def test_descriptions_hold_no_editorial_caveat(catalogue_output: Path, section: str) -> None:
    """Caveats ("the star level comes from a news report") live in "Sources and notes"."""
    found = []
    for page in sorted((catalogue_output / section).glob("*/index.html")):
        for text in read(page).descriptions:
            found += [f"{page.parent.name}: {m.group(0)}" for m in CAVEATS.finditer(text)]
    assert found == []


def test_the_vietnamese_menu_says_producers_in_words_a_visitor_knows(catalogue_output: Path) -> None:
    home = " ".join(read(catalogue_output / "vi/index.html").words)
    assert "Nhà sản xuất" in home and "Chủ thể" not in home
