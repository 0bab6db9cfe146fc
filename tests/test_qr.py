"""QR codes and label sheets: every product's code, as printed on its producer's A4 labels and
decoded by a real scanner (zbar), leads to that product's page."""

from __future__ import annotations

import io
import re
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest
import segno
from playwright.sync_api import Browser, expect

from conftest import REPO, browser_context, http_server
from ocopsite.build import build, check
from ocopsite.qr import qr_svg

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


def test_the_code_is_segnos_own_at_error_level_m_with_the_mask_iso_chooses() -> None:
    address = "https://example.org/p/rong-nho-tach-nuoc-tri-tin/"
    expected = segno.make(address, error="m", micro=False, boost_error=True)
    out = io.BytesIO()
    expected.save(out, kind="svg", xmldecl=False, border=4, dark="#000", light="#fff", omitsize=True, title=address,
                  svgclass=None, lineclass=None)
    assert qr_svg(address) == out.getvalue() + b"\n"


def test_every_product_label_decodes_to_its_short_link_and_opens_the_product(
        served_catalogue: tuple[str, Path], browser: Browser, tmp_path: Path) -> None:
    base, output = served_catalogue
    loaded = check(REPO, base_url=base)
    expected = {base + f"p/{e.slug}/": e for e in loaded.catalogue.products}
    assert len(expected) > 50
    found: dict[str, str] = {}
    context = browser_context(browser, viewport={"width": 800, "height": 1000}, locale="en-US")
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
    context = browser_context(browser, viewport={"width": 360, "height": 800}, device_scale_factor=2)
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
    product = (output / "en/products/rong-nho-tach-nuoc-tri-tin/index.html").read_text(encoding="utf-8")
    assert '<meta name="robots"' not in product


def test_a_sheet_prints_as_a4_with_every_label_whole(served_catalogue: tuple[str, Path], browser: Browser,
                                                    tmp_path: Path) -> None:
    base, _ = served_catalogue
    context = browser_context(browser)
    page = context.new_page()
    page.goto(base + "en/labels/tri-tin/")
    page.emulate_media(media="print")
    assert page.locator("header.top").is_hidden() and page.locator("h1").is_hidden()
    pdf = tmp_path / "labels.pdf"
    page.pdf(path=str(pdf), prefer_css_page_size=True)
    media_box = re.search(rb"/MediaBox \[0 0 ([\d.]+) ([\d.]+)\]", pdf.read_bytes())
    assert media_box is not None
    assert (round(float(media_box.group(1))), round(float(media_box.group(2)))) == (595, 842), "A4 in points"
    context.close()


OVERFLOW = """() => Array.from(document.querySelectorAll('.label')).flatMap(label => {
  const box = label.getBoundingClientRect(), problems = [];
  for (const part of label.querySelectorAll('.label-name, .label-url, p, img')) {
    const r = part.getBoundingClientRect();
    if (r.bottom > box.bottom + 0.5 || r.right > box.right + 0.5) problems.push('outside: ' + part.textContent);
    if (part.scrollHeight > part.clientHeight + 1 || part.scrollWidth > part.clientWidth + 1)
      problems.push('cut: ' + part.textContent);
  }
  for (const name of label.querySelectorAll('.label-name')) {
    const lines = Math.round(name.getBoundingClientRect().height / parseFloat(getComputedStyle(name).lineHeight));
    if (lines > 2) problems.push(lines + ' lines: ' + name.textContent);
  }
  return problems;
})"""
SIXTY = "Nước mắm nhĩ cá cơm truyền thống Cà Ná, hạng đặc biệt 40 đạm"


def test_labels_print_on_a4_with_every_name_in_two_lines_and_the_short_link_whole(
        served_catalogue: tuple[str, Path], browser: Browser, minimal: Path, tmp_path: Path) -> None:
    """The longest names of the catalogue, and a synthetic 60-character one, on printed sheets."""
    assert len(SIXTY) == 60
    product = minimal / "content/products/alpha/product.yaml"
    product.write_text(product.read_text(encoding="utf-8").replace("vi: Nước mắm Alpha", f"vi: {SIXTY}")
                       .replace("en: Alpha fish sauce", "en: Traditional Cà Ná anchovy fish sauce, special grade, 42"),
                       encoding="utf-8")
    build(minimal, tmp_path / "www" / "minimal")
    base, output = served_catalogue
    with http_server(tmp_path / "www") as server:
        sheets = [f"{server}minimal/{lang}/{section}/co-so-binh/" for lang, section in (("vi", "nhan-in"),
                                                                                        ("en", "labels"))]
        sheets += [f"{base}{lang}/{section}/{sheet.name}/" for lang, section in (("vi", "nhan-in"), ("en", "labels"))
                   for sheet in sorted((output / lang / section).iterdir())]
        context = browser_context(browser, locale="en-US")
        page = context.new_page()
        page.emulate_media(media="print")
        for sheet in sheets:
            page.goto(sheet)
            assert page.locator(".label").count() > 0, sheet
            assert page.evaluate(OVERFLOW) == [], sheet
        page.goto(sheets[0])
        assert page.locator(".label-name").first.inner_text() == SIXTY
        pdf = tmp_path / "labels.pdf"
        page.pdf(path=str(pdf), prefer_css_page_size=True)
        box = re.search(rb"/MediaBox \[0 0 ([\d.]+) ([\d.]+)\]", pdf.read_bytes())
        assert box is not None and (round(float(box.group(1))), round(float(box.group(2)))) == (595, 842), "A4"
        context.close()


def test_codes_are_cached_by_address(minimal: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from ocopsite import qr

    build(minimal, minimal / "output")
    first = (minimal / "output/p/alpha/qr.svg").read_bytes()
    assert first == qr_svg("https://example.org/catalogue/p/alpha/")
    assert len(list((minimal / ".ocopsite-cache/qr").rglob("*.svg"))) == 4
    monkeypatch.setattr(qr, "qr_svg", lambda address: pytest.fail("made again"))
    build(minimal, minimal / "output")
    assert (minimal / "output/p/alpha/qr.svg").read_bytes() == first
    monkeypatch.undo()
    build(minimal, minimal / "output", base_url="https://example.net/")  # another address: another code
    assert (minimal / "output/p/alpha/qr.svg").read_bytes() == qr_svg("https://example.net/p/alpha/") != first
