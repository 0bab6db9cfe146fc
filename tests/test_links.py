"""Every internal link of the real catalogue resolves, and every internal link is relative."""

from __future__ import annotations

import posixpath
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import unquote, urlsplit

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ocopsite.links import _resolve, link_targets

ABSOLUTE_ALLOWED = {("link", "href"), ("meta", "content")}  # canonical, hreflang, Open Graph


class Links(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.refs: list[tuple[str, str, str]] = []
        self.ids: set[str] = set()

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        for name, value in attrs:
            if name in ("href", "src") and value is not None:
                self.refs.append((tag, name, value))
            if name == "id" and value:
                self.ids.add(value)


def parse(path: Path) -> Links:
    parser = Links()
    parser.feed(path.read_text(encoding="utf-8"))
    return parser


def resolve(output: Path, page: Path, ref: str) -> Path:
    target = unquote(urlsplit(ref).path)
    resolved = Path(posixpath.normpath(page.parent.joinpath(target).as_posix()))
    return resolved / "index.html" if resolved.is_dir() or ref.endswith("/") else resolved


def html_pages(output: Path) -> list[Path]:
    return sorted(p for p in output.rglob("*.html") if p.name != "404.html")


@pytest.mark.parametrize("which", ["catalogue_output", "minimal_output"])
def test_every_internal_link_and_anchor_resolves(which: str, request: pytest.FixtureRequest) -> None:
    output: Path = request.getfixturevalue(which)
    broken = []
    for page in html_pages(output):
        for tag, _, ref in parse(page).refs:
            parts = urlsplit(ref)
            if parts.scheme or ref.startswith("//"):
                continue
            target = resolve(output, page, ref) if parts.path else page
            if not target.is_file() or not target.resolve().is_relative_to(output.resolve()):
                broken.append(f"{page.relative_to(output)}: <{tag}> {ref}")
            elif parts.fragment and parts.fragment not in parse(target).ids:
                broken.append(f"{page.relative_to(output)}: missing anchor {ref}")
    assert broken == []


@pytest.mark.parametrize("which", ["catalogue_output", "minimal_output"])
def test_internal_links_are_relative_and_only_metadata_uses_base_url(
        which: str, request: pytest.FixtureRequest) -> None:
    output: Path = request.getfixturevalue(which)
    offending = []
    for page in html_pages(output):
        for tag, attr, ref in parse(page).refs:
            if ref.startswith("/"):
                offending.append(f"{page.relative_to(output)}: {ref}")
            if ref.startswith(("https://ocopsite.github.io", "https://example.org/catalogue")) and \
                    (tag, attr) not in ABSOLUTE_ALLOWED:
                offending.append(f"{page.relative_to(output)}: <{tag}> {ref}")
    assert offending == []


def test_the_real_catalogue_has_every_page_type(catalogue_output: Path) -> None:
    products = [p for p in (catalogue_output / "vi" / "san-pham").iterdir() if p.is_dir()]
    assert len(products) >= 30
    for name in ("vi/index.html", "en/index.html", "en/stars/5/index.html", "en/producers/tri-tin/index.html",
                 "en/tourism/lang-gom-bau-truc/index.html", "en/categories/index.html", "en/places/index.html",
                 "en/ocop/index.html", "vi/about/index.html", "404.html", "sitemap.xml", "en/feed.xml",
                 "p/rong-nho-tach-nuoc-tri-tin/index.html"):
        assert (catalogue_output / name).is_file(), name
    tourism = [p for p in (catalogue_output / "en" / "tourism").iterdir() if p.is_dir()]
    assert len(tourism) >= 6


SEGMENTS = ["..", ".", "", "...", "..a", ".a", "a.", "vi", "san-pham", "a.b", ".well-known", "%C3%A1", "x y", "p"]


@settings(max_examples=1500, deadline=None)
@given(base=st.lists(st.sampled_from(["vi", "en", "san-pham", "p", "x", "..", ".", ""]), max_size=4),
       path=st.lists(st.sampled_from(SEGMENTS), min_size=1, max_size=6),
       leading_slash=st.booleans(), trailing_slash=st.booleans())
def test_a_link_resolves_as_the_general_path_rules_say(base: list[str], path: list[str], leading_slash: bool,
                                                       trailing_slash: bool) -> None:
    """The build's link check takes a short way for the usual "../../name/" links; it must agree
    with posixpath's normpath(join()) on every shape of link."""
    folder = "/".join(base)
    link = ("/" if leading_slash else "") + "/".join(path) + ("/" if trailing_slash else "")
    assert _resolve(folder, link) == posixpath.normpath(posixpath.join(folder, link))
    page = f"{folder}/index.html" if folder else "index.html"
    found = link_targets(page, f'<a href="{link}">'.encode())
    if not link or link.startswith("//"):  # nothing, or another host
        assert found == []
        return
    resolved = posixpath.normpath(posixpath.join(posixpath.dirname(page), unquote(link)))
    if link.endswith("/") or link in (".", ".."):
        resolved = "" if resolved == "." else resolved + "/"
    expected = ("\0outside" if resolved.startswith("../") else
                resolved + "index.html" if resolved == "" or resolved.endswith("/") else resolved)
    assert found == [(link, expected)]


def test_a_kept_page_is_checked_again_when_the_files_of_the_site_change() -> None:
    """Link checks are kept per page, but a page that did not change can break when another
    file goes: it is checked against the files there are now, from the targets kept for it,
    without being read again."""
    from ocopsite.cache import Cache
    from ocopsite.errors import SiteError
    from ocopsite.links import check
    from ocopsite.parallel import Workers

    page = b'<a href="../b/">b</a> <a href="../c/#top">c</a> <img src="../photo.webp">'
    files = {"a/index.html": page, "b/index.html": b"", "c/index.html": b"", "photo.webp": b""}
    keys = {name: f"key of {name}" for name in files}
    cache = Cache()
    check(files, keys, cache, Workers(1))
    assert cache.misses["links"] == 2 * 3  # three pages: their targets, then their broken links
    cache.start()
    check({**files, "new.json": b"{}"}, keys, cache, Workers(1))
    assert cache.misses["links"] == 3 and cache.hits["links"] == 3, "targets kept, broken links checked again"
    cache.start()
    del files["c/index.html"], keys["c/index.html"]
    with pytest.raises(SiteError) as raised:
        check(files, keys, cache, Workers(1))
    assert [str(p) for p in raised.value.problems] == ["a/index.html: broken link to '../c/#top'"]
