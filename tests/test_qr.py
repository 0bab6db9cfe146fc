"""QR codes and label sheets: every product's code, as printed on its producer's A4 labels and
decoded by a real scanner (zbar), leads to that product's page."""

from __future__ import annotations

import io
import random
import re
import shutil
import string
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest
import segno
from playwright.sync_api import Browser, expect

from conftest import REPO, http_server
from ocopsite.build import build, check
from ocopsite.qr import _pack, _penalty, _shape, make, qr_svg

ZBARIMG = shutil.which("zbarimg")


@pytest.fixture(scope="module")
def served_catalogue(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, Path]]:
    """The real catalogue built for, and served from, a sub-folder of a server on 127.0.0.1."""
    docroot = tmp_path_factory.mktemp("www")
    with http_server(docroot) as server:
        base = server + "catalogue/"
        build(REPO, docroot / "catalogue", base_url=base)
        yield base, docroot / "catalogue"


def decode(image: Path) -> list[str]:
    """Every QR code zbar finds in ``image``."""
    if ZBARIMG is None:
        pytest.fail("zbarimg is missing: scripts/test installs Debian's zbar-tools")
    result = subprocess.run([ZBARIMG, "--quiet", "--raw", "-Sdisable", "-Sqrcode.enable", str(image)],
                            capture_output=True, text=True, timeout=60, check=False)
    assert result.returncode in (0, 4), result.stderr  # 4: no code found
    return result.stdout.split()


def test_the_svg_scales_and_scans_in_dark_mode() -> None:
    svg = qr_svg("https://example.org/p/alpha/").decode()
    assert svg.startswith('<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 ')
    assert "width=" not in svg.split(">")[0], "no fixed size: the page sets it"
    assert 'fill="#fff"' in svg and 'stroke="#000"' in svg, "dark modules on an opaque white ground"
    assert "<title>https://example.org/p/alpha/</title>" in svg


def _svg(code: segno.QRCode, address: str) -> bytes:
    """The code as ``qr_svg`` writes it."""
    out = io.BytesIO()
    code.save(out, kind="svg", xmldecl=False, border=4, dark="#000", light="#fff", omitsize=True, title=address,
              svgclass=None, lineclass=None)
    return out.getvalue() + b"\n"


def test_the_mask_is_the_one_segno_chooses_at_every_version() -> None:
    """``make`` scores the eight masks its own way, on packed integers; the code must come out
    exactly as segno makes it when it scores them itself (ISO/IEC 18004, 7.8.3)."""
    rng = random.Random(7)
    versions = set()
    for length in [*range(1, 80, 3), *range(80, 560, 17)]:  # versions 1 to 19 at error level M and above
        for alphabet in (string.ascii_lowercase + "-/", string.ascii_letters + string.digits + "-/:.?=%"):
            address = "".join(rng.choice(alphabet) for _ in range(length))
            expected = segno.make(address, error="m", micro=False, boost_error=True)
            made = make(address)
            assert (made.version, made.error, made.mask) == (expected.version, expected.error, expected.mask), address
            assert made.matrix == expected.matrix, address
            assert (made.mode, made.designator) == (expected.mode, expected.designator)
            if len(versions) < expected.version:  # the first code of each version: as published
                assert qr_svg(address) == _svg(expected, address), address
            versions.add(expected.version)
    assert versions >= set(range(1, 19)), "every version the short links can reach, and beyond"
    assert len({make(address).mask for address in ("https://example.org/p/a/", "https://example.org/p/b/",
                                                  "https://example.org/p/c/", "https://example.org/p/d/")}) > 1


def test_the_penalty_is_segnos_on_any_symbol() -> None:
    """The packed score equals segno's module-by-module one (``encoder.mask_scores``) on random
    symbols of three sizes and of every darkness, with finder-like patterns planted in rows and
    columns, overlapping ones among them (which segno counts only in part)."""
    rng = random.Random(11)
    planted = bytes((1, 0, 1, 1, 1, 0, 1, 1, 1, 0, 1))  # two patterns sharing modules
    for size in (21, 25, 45):
        for _ in range(60):
            darkness = rng.random()
            matrix = [bytearray(int(rng.random() < darkness) for _ in range(size)) for _ in range(size)]
            for _ in range(rng.randrange(4)):
                i, j = rng.randrange(size), rng.randrange(size - len(planted) + 1)
                light = bytes(rng.choice((0, 0, 1)) for _ in range(4))
                line = (light + planted)[:size - j] if rng.random() < 0.5 else planted
                matrix[i][j:j + len(line)] = line
                if rng.random() < 0.5:
                    matrix = [bytearray(column) for column in zip(*matrix, strict=True)]
            columns = [bytes(column) for column in zip(*matrix, strict=True)]
            expected = sum(segno.encoder.mask_scores(matrix, size, size))
            assert _penalty(_pack(matrix), _pack(columns), _shape(size)) == expected


def test_every_product_label_decodes_to_its_short_link_and_opens_the_product(
        served_catalogue: tuple[str, Path], browser: Browser, tmp_path: Path) -> None:
    base, output = served_catalogue
    loaded = check(REPO, base_url=base)
    expected = {base + f"p/{e.slug}/": e for e in loaded.catalogue.products}
    found: dict[str, str] = {}
    context = browser.new_context(viewport={"width": 800, "height": 1000}, locale="en-US")
    page = context.new_page()
    for lang in ("vi", "en"):
        section = loaded.urls.sections[lang]["labels"]
        for sheet in sorted((output / lang / section).iterdir()):
            page.goto(f"{base}{lang}/{section}/{sheet.name}/")
            shot = tmp_path / f"{lang}-{sheet.name}.png"
            page.screenshot(path=str(shot), full_page=True)
            codes = decode(shot)
            labels = page.locator(".label").count()
            assert len(codes) == labels > 0, sheet.name
            for code in codes:
                assert expected[code].producer.slug == sheet.name, f"{code} on the labels of {sheet.name}"
                found[code] = sheet.name
    assert set(found) == set(expected), "every product has a label"

    for code, entry in expected.items():
        page.goto(code)
        page.wait_for_url(re.compile(rf"/en/products/{entry.slug}/$"))
        assert page.locator("h1").inner_text() == entry.product.name.get(("en", "vi"))[0]
    context.close()


def test_the_product_page_shows_its_code_and_short_link(served_catalogue: tuple[str, Path], browser: Browser,
                                                        tmp_path: Path) -> None:
    base, _ = served_catalogue
    context = browser.new_context(viewport={"width": 360, "height": 800}, device_scale_factor=2)
    page = context.new_page()
    page.goto(base + "vi/san-pham/rong-nho-tach-nuoc-tri-tin/")
    qr = page.locator(".share img.qr")
    qr.scroll_into_view_if_needed()
    expect(qr).to_have_js_property("complete", True)  # not wait_for_function: the pages' CSP forbids eval
    shot = tmp_path / "qr.png"
    qr.screenshot(path=str(shot))
    assert decode(shot) == [base + "p/rong-nho-tach-nuoc-tri-tin/"]
    assert page.locator(".share a").first.inner_text() == (base + "p/rong-nho-tach-nuoc-tri-tin/").split("//")[1]
    context.close()


def test_label_sheets_are_kept_out_of_search_engines_and_the_sitemap(served_catalogue: tuple[str, Path]) -> None:
    _, output = served_catalogue
    sheet = (output / "en/labels/tri-tin/index.html").read_text(encoding="utf-8")
    assert '<meta name="robots" content="noindex">' in sheet
    assert "/labels/" not in (output / "sitemap.xml").read_text(encoding="utf-8")
    assert "data-pagefind-body" not in sheet
    product = (output / "en/products/rong-nho-tach-nuoc-tri-tin/index.html").read_text(encoding="utf-8")
    assert '<meta name="robots"' not in product


def test_a_sheet_prints_as_a4_with_every_label_whole(served_catalogue: tuple[str, Path], browser: Browser,
                                                    tmp_path: Path) -> None:
    base, _ = served_catalogue
    page = browser.new_page()
    page.goto(base + "en/labels/tri-tin/")
    page.emulate_media(media="print")
    assert page.locator("header.top").is_hidden() and page.locator("h1").is_hidden()
    pdf = tmp_path / "labels.pdf"
    page.pdf(path=str(pdf), prefer_css_page_size=True)
    media_box = re.search(rb"/MediaBox \[0 0 ([\d.]+) ([\d.]+)\]", pdf.read_bytes())
    assert media_box is not None
    assert (round(float(media_box.group(1))), round(float(media_box.group(2)))) == (595, 842), "A4 in points"
    page.close()


def test_codes_are_cached_by_address(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from ocopsite import qr

    first = qr.cached_qr_svg("https://example.org/p/alpha/", tmp_path)
    assert first == qr.qr_svg("https://example.org/p/alpha/")
    assert len(list(tmp_path.rglob("*.svg"))) == 1
    monkeypatch.setattr(qr, "qr_svg", lambda address: pytest.fail("made again"))
    assert qr.cached_qr_svg("https://example.org/p/alpha/", tmp_path) == first
    monkeypatch.undo()
    assert qr.cached_qr_svg("https://example.org/p/beta/", tmp_path) != first
