"""Languages are data: a third one takes a config entry and a strings file, no code."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from conftest import SITES, build_site, copy_site
from ocopsite.build import build
from ocopsite.errors import SiteError


@pytest.fixture
def three(tmp_path: Path) -> Path:
    site = copy_site("minimal", tmp_path)
    shutil.copytree(SITES / "three-languages", site, dirs_exist_ok=True)
    return site


def test_a_third_language_builds_every_page_with_its_own_urls(three: Path) -> None:
    output, _ = build_site(three)
    for name in ("ko/index.html", "ko/sangpum/index.html", "ko/sangpum/alpha/index.html", "ko/byeol/5/index.html",
                 "ko/saengsanja/hop-tac-xa-an/index.html", "ko/gwangwang/cho-dem/index.html",
                 "ko/bunryu/gia-vi/index.html", "ko/jiyeok/xa-mot/index.html", "ko/about/index.html", "ko/feed.xml"):
        assert (output / name).is_file(), name
    html = (output / "ko/sangpum/alpha/index.html").read_text(encoding="utf-8")
    assert '<html lang="ko">' in html
    assert '<link rel="alternate" hreflang="ko" href="https://example.org/catalogue/ko/sangpum/alpha/">' in html
    assert ('<a class="tool lang" href="../../../vi/san-pham/alpha/" hreflang="vi" lang="vi" data-lang="vi">VI'
            '<span class="visually-hidden"> Tiếng Việt</span></a>') in html
    assert ('<a class="tool lang" href="../../../en/products/alpha/" hreflang="en" lang="en" data-lang="en">EN'
            '<span class="visually-hidden"> English</span></a>') in html
    assert "OCOP 인증서" in html
    vi = (output / "vi/san-pham/alpha/index.html").read_text(encoding="utf-8")
    assert ('<a class="tool lang" href="../../../ko/sangpum/alpha/" hreflang="ko" lang="ko" data-lang="ko">KO'
            '<span class="visually-hidden"> 한국어</span></a>') in vi


def test_a_missing_korean_text_follows_the_declared_fallback_chain(three: Path) -> None:
    output, _ = build_site(three)
    alpha = (output / "ko/sangpum/alpha/index.html").read_text(encoding="utf-8")
    assert '<h1><span lang="en">Alpha fish sauce</span></h1>' in alpha  # ko → en
    beta = (output / "ko/sangpum/beta/index.html").read_text(encoding="utf-8")
    assert '<h1><span lang="vi">Rượu nho Beta</span></h1>' in beta  # no en either → vi
    assert "<title>테스트 카탈로그</title>" in (output / "ko/index.html").read_text(encoding="utf-8")


def test_a_missing_ui_string_is_an_error_naming_the_key(three: Path) -> None:
    strings = three / "templates/i18n/ko.yaml"
    strings.write_text(strings.read_text(encoding="utf-8").replace("  expired: 만료됨\n", ""), encoding="utf-8")
    with pytest.raises(SiteError) as caught:
        build(three, three / "output")
    assert [str(p) for p in caught.value.problems] == [
        "templates/i18n/ko.yaml:1: missing UI string 'status.expired' (present in vi.yaml)"]


def test_a_translation_must_use_the_same_placeholders(three: Path) -> None:
    strings = three / "templates/i18n/ko.yaml"
    text = strings.read_text(encoding="utf-8")
    text = text.replace('label: "{n}성"', 'label: "{count}성"').replace('aria: "OCOP {n}성"', 'aria: "OCOP {n성"')
    strings.write_text(text, encoding="utf-8")
    with pytest.raises(SiteError) as caught:
        build(three, three / "output")
    lines = text.splitlines()
    label, aria = (next(i for i, line in enumerate(lines, 1) if line.startswith(f"  {key}:"))
                   for key in ("label", "aria"))
    assert [str(p) for p in caught.value.problems] == [
        f"templates/i18n/ko.yaml:{label}: UI string 'stars.label' must use {{n}}",
        f"templates/i18n/ko.yaml:{aria}: UI string 'stars.aria' has an unmatched '{{' or '}}'",
    ]
