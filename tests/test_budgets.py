"""Byte budgets for a phone on slow roaming data. Bytes are deterministic, so these are tests."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

KB = 1024
RESOURCE = re.compile(r'<(?:link|script|img|source|iframe|audio|video)\b[^>]*\b(?:href|src|srcset)="([^"]+)"')


@pytest.fixture(params=["catalogue_output", "minimal_output", "khanh_hoa_size_output"])
def output(request: pytest.FixtureRequest) -> Path:
    path: Path = request.getfixturevalue(request.param)
    return path


def test_every_html_page_is_under_40_kb(output: Path) -> None:
    sizes = {p.relative_to(output).as_posix(): p.stat().st_size for p in output.rglob("*.html")}
    assert {page: size for page, size in sizes.items() if size >= 40 * KB} == {}


def test_css_is_under_20_kb_and_javascript_under_15_kb(output: Path) -> None:
    css = sum(p.stat().st_size for p in output.rglob("*.css"))
    js = sum(p.stat().st_size for p in output.rglob("*.js") if not p.name.startswith("search."))  # search apart
    assert css < 20 * KB, css
    assert js < 15 * KB, js


def test_no_page_loads_anything_from_another_host_and_there_are_no_web_fonts(output: Path) -> None:
    offending = []
    for page in output.rglob("*.html"):
        html = page.read_text(encoding="utf-8")
        for ref in RESOURCE.findall(html):
            tag = html[html.rfind("<", 0, html.find(ref)):html.find(ref)]
            if "rel=\"alternate\"" in tag or "rel=\"canonical\"" in tag:
                continue  # addresses for crawlers and feed readers, never fetched by the page
            if re.match(r"^(?:[a-z]+:)?//", ref):
                offending.append(f"{page.relative_to(output)}: {ref}")
    assert offending == []
    assert not [p for p in output.rglob("*") if p.suffix in (".woff", ".woff2", ".ttf", ".otf", ".eot")]
    assert "@font-face" not in "".join(p.read_text(encoding="utf-8") for p in output.rglob("*.css"))
