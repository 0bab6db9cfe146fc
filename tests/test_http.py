"""The same output works under any sub-folder of a real HTTP server."""

from __future__ import annotations

import json
import re
import shutil
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urljoin, urlsplit

import pytest

from conftest import http_server

LINK = re.compile(r'(?:href|src|action|data-bundle)="([^"]+)"')
SRCSET = re.compile(r'srcset="([^"]+)"')
ADDRESS = re.compile(r'content="(https?://[^"]+)"')  # Open Graph and Twitter addresses and images
FEED_OR_SITEMAP = re.compile(r'(?:href="|<loc>)([^"<]+)')
CSS = re.compile(r"""url\(["']?([^"')]+)""")
ROBOTS = re.compile(r"^Sitemap: (\S+)", re.M)


@pytest.fixture
def server(tmp_path: Path) -> Iterator[tuple[str, Path]]:
    with http_server(tmp_path) as url:
        yield url.rstrip("/"), tmp_path


def crawl(*starts: str, public: tuple[str, str] | None = None) -> tuple[set[str], list[str]]:
    """Follow every same-host link from ``starts`` (in pages, stylesheets, feeds, the sitemap,
    robots.txt and the manifest); return the addresses seen and the failures. With ``public``
    (base_url, the address it is served at), the site's absolute addresses are followed too."""
    host = urlsplit(starts[0]).netloc
    seen: set[str] = set()
    failed: list[str] = []
    queue = list(starts)
    while queue:
        url = queue.pop()
        if url in seen:
            continue
        seen.add(url)
        try:
            with urllib.request.urlopen(url, timeout=10) as response:
                body = response.read()
                kind = response.headers.get("Content-Type", "")
        except OSError as exc:
            failed.append(f"{url}: {exc}")
            continue
        for ref in references(urlsplit(url).path, kind, body):
            if public and ref.startswith(public[0]):
                ref = public[1] + ref.removeprefix(public[0])
            target = urljoin(url, ref).split("#")[0]
            if urlsplit(target).netloc == host and urlsplit(target).scheme == "http":
                queue.append(target)
    return seen, failed


def references(path: str, kind: str, body: bytes) -> list[str]:
    """The addresses a file leads to."""
    if path.endswith(".webmanifest"):
        manifest = json.loads(body)
        return [manifest["start_url"], *(icon["src"] for icon in manifest.get("icons", []))]
    text = body.decode("utf-8") if kind.startswith(("text/", "application/xml", "application/atom")) else ""
    if "html" in kind:
        srcsets = [item.split()[0] for value in SRCSET.findall(text) for item in value.split(",")]
        return LINK.findall(text) + srcsets + ADDRESS.findall(text)
    if "css" in kind:
        return CSS.findall(text)
    if "xml" in kind:
        return FEED_OR_SITEMAP.findall(text)
    return ROBOTS.findall(text) if path.endswith("/robots.txt") else []


@pytest.mark.parametrize("prefix", ["", "some/sub/folder/"])
def test_every_link_works_at_the_root_and_in_a_sub_folder(
        server: tuple[str, Path], catalogue_output: Path, prefix: str) -> None:
    base, docroot = server
    shutil.copytree(catalogue_output, docroot / prefix, dirs_exist_ok=True)
    short_links = [f"{base}/{prefix}p/{p.name}/" for p in (catalogue_output / "p").iterdir()]  # reached by QR code
    seen, failed = crawl(f"{base}/{prefix}", *short_links)
    assert failed == []
    pages = {f"{base}/{prefix}{p.relative_to(catalogue_output).as_posix()}".removesuffix("index.html")
             for p in catalogue_output.rglob("index.html")}
    assert pages <= seen, sorted(pages - seen)[:5]
    assert all(url.startswith(f"{base}/{prefix}") for url in seen)
