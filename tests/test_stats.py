"""The statistics page: counts made at build time and drawn as inline SVG bar charts that need
no script, in every language."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from playwright.sync_api import Browser

from conftest import browser_context, build_site, http_server
from ocopsite import stats
from ocopsite.build import check

pytestmark = pytest.mark.clock


def test_the_figures_count_every_product_once(minimal: Path) -> None:
    figures = stats.compute(check(minimal).catalogue)
    assert (figures.products, figures.producers, figures.tourism, figures.online) == (4, 2, 1, 1)
    assert [(r.key, r.count, r.share) for r in figures.by_stars] == [(5, 1, 0.5), (4, 1, 0.5), (3, 2, 1.0)]
    assert [(r.key, r.count) for r in figures.by_status] == [
        ("valid", 1), ("expiring", 1), ("expired", 1), ("revoked", 1)]
    assert [(r.key.slug, r.count) for r in figures.by_group] == [
        ("thuc-pham-che-bien", 2), ("gia-vi", 1), ("do-uong-co-con", 1)]
    assert [(r.key, r.count) for r in figures.by_kind] == [
        ("enterprise", 0), ("cooperative", 3), ("cooperative-group", 0), ("household", 1)]
    assert figures.online_percent == 25


def test_products_without_a_place_get_their_own_row(minimal: Path) -> None:
    producer = minimal / "content/producers/co-so-binh/producer.yaml"
    producer.write_text(producer.read_text(encoding="utf-8").replace("place: phuong-hai\n", ""), encoding="utf-8")
    figures = stats.compute(check(minimal).catalogue)
    assert [(r.key.slug if r.key else None, r.count) for r in figures.by_place] == [
        ("xa-mot", 2), ("phuong-hai", 1), (None, 1)]


def test_the_page_exists_in_each_language_and_is_linked_from_every_page(minimal_output: Path) -> None:
    en = (minimal_output / "en/statistics/index.html").read_text(encoding="utf-8")
    vi = (minimal_output / "vi/thong-ke/index.html").read_text(encoding="utf-8")
    assert "<h1>The catalogue in figures</h1>" in en and "<h1>Danh mục qua các con số</h1>" in vi
    assert "Figures as of 1 June 2025." in en and "Số liệu tính đến ngày 1 tháng 6, 2025." in vi
    assert "1 of 4 products (25%) list an online shop." in en
    assert "1 trên 4 sản phẩm (25%) có cửa hàng trực tuyến." in vi
    assert ("The province&#39;s goal: 80% of OCOP products on e-commerce platforms by 2025. "
            '(<a href="https://example.org/plan" rel="nofollow noopener">Example plan</a>)') in en.replace("\n", " ")
    assert '<rect class="goal" x="79.5" width="1" height="10"/>' in en
    assert "<script" not in en.split("<main", 1)[1], "the charts are drawn at build time"
    assert '<a href="../../statistics/">The catalogue in figures</a>' in (
        minimal_output / "en/products/alpha/index.html").read_text(encoding="utf-8")
    bars = re.findall(r'<rect class="fill" width="([\d.]+)" height="10"/></svg></li>', en)
    assert bars[:3] == ["50.00", "50.00", "100.00"], "star levels, as a share of the largest"


def test_without_a_goal_there_is_no_goal_line(minimal: Path) -> None:
    config = minimal / "site.yaml"
    text = config.read_text(encoding="utf-8")
    config.write_text(text[:text.index("online_goal:")], encoding="utf-8")
    output, _ = build_site(minimal)
    page = (output / "en/statistics/index.html").read_text(encoding="utf-8")
    assert 'class="goal"' not in page and "goal" not in page.split("<main", 1)[1]
    assert "1 of 4 products (25%) list an online shop." in page


def test_the_charts_draw_without_javascript(minimal_output: Path, browser: Browser) -> None:
    context = browser_context(browser, viewport={"width": 360, "height": 800}, java_script_enabled=False)
    page = context.new_page()
    with http_server(minimal_output) as site:
        page.goto(site + "en/statistics/")

        def width(selector: str) -> float:
            box = page.locator(selector).bounding_box()
            assert box is not None, selector
            return float(box["width"])

        chart = "section[aria-labelledby=by-stars] li"
        full = width(f"{chart} >> nth=2 >> svg")
        assert full > 250, "a bar spans the phone's width"
        five, three = (width(f"{chart} >> nth={n} >> rect:not(.track)") for n in (0, 2))
        assert abs(five * 2 - three) < 2, "1 five-star product, 2 three-star ones"
        segments = [width(f".stack rect >> nth={i}") for i in range(4)]
        assert abs(sum(segments) - width(".stack")) < 2 and max(segments) - min(segments) < 2
        assert page.evaluate("document.documentElement.scrollWidth") <= 360
        # each part of the bar has the colour of its entry in the legend, and the four differ but
        # for expired and revoked, which the legend draws alike
        fills = page.evaluate("""() => Array.from(document.querySelectorAll('.stack rect'), r =>
            [r.getAttribute('class'), getComputedStyle(r).fill])""")
        legend = dict(page.evaluate("""() => Array.from(document.querySelectorAll('.legend rect'), r =>
            [r.getAttribute('class'), getComputedStyle(r).fill])"""))
        assert [c for c, _ in fills] == ["s-valid", "s-expiring", "s-expired", "s-revoked"]
        assert all(fill == legend[c] for c, fill in fills), (fills, legend)
        assert len({fill for _, fill in fills}) == 3
    context.close()
